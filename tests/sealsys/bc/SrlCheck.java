// BouncyCastle side of the seal revocation list check (tests/sealsys/status_list_test.cpp): an
// independent reading of Yinxin's signed seal revocation list.
//
//   SrlCheck <list.p7> <seal-root.der>
//
// Parses the CMS SignedData, requires the eContentType 2.999.156.8.1 and attached content, verifies
// the one signer with SM3withSM2 (BouncyCastle uses the GM/T 0009 default ID 1234567812345678), checks
// that the signer certificate is signed by the given root, then decodes the content with BC's own
// ASN.1 classes and prints:
//   OK <version> <thisUpdate epoch s> <nextUpdate epoch s> <entries> <issuer>
//   ENTRY <seal code> <status 1|2> <date epoch s> <reason>
// or "FAIL <why>".
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.security.Security;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;

import org.bouncycastle.asn1.ASN1Enumerated;
import org.bouncycastle.asn1.ASN1GeneralizedTime;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1PrintableString;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.ASN1UTF8String;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.SignerInformation;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoVerifierBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.util.Selector;

public final class SrlCheck {
    private SrlCheck() {}

    private static long seconds(ASN1GeneralizedTime t) throws Exception {
        return t.getDate().getTime() / 1000;
    }

    private static String check(byte[] der, byte[] rootDer) throws Exception {
        CMSSignedData sd = new CMSSignedData(der);
        if (!sd.getSignedContentTypeOID().equals("2.999.156.8.1")) {
            return "FAIL content type " + sd.getSignedContentTypeOID();
        }
        if (sd.getSignedContent() == null) return "FAIL detached";
        Collection<SignerInformation> signers = sd.getSignerInfos().getSigners();
        if (signers.size() != 1) return "FAIL signers " + signers.size();
        SignerInformation si = signers.iterator().next();
        @SuppressWarnings("unchecked")
        Selector<X509CertificateHolder> sel = (Selector<X509CertificateHolder>) si.getSID();
        Collection<X509CertificateHolder> certs = sd.getCertificates().getMatches(sel);
        if (certs.isEmpty()) return "FAIL no certificate for signer";
        X509CertificateHolder holder = certs.iterator().next();
        if (!si.verify(new JcaSimpleSignerInfoVerifierBuilder().setProvider("BC").build(holder))) {
            return "FAIL signature";
        }
        CertificateFactory cf = CertificateFactory.getInstance("X.509", "BC");
        X509Certificate root = (X509Certificate) cf.generateCertificate(new ByteArrayInputStream(rootDer));
        X509Certificate signer = new JcaX509CertificateConverter().setProvider("BC").getCertificate(holder);
        signer.verify(root.getPublicKey(), "BC");

        byte[] content = (byte[]) sd.getSignedContent().getContent();
        ASN1Sequence list = ASN1Sequence.getInstance(ASN1Primitive.fromByteArray(content));
        if (list.size() != 5) return "FAIL list has " + list.size() + " fields";
        long version = ASN1Integer.getInstance(list.getObjectAt(0)).getValue().longValue();
        String issuer = ASN1UTF8String.getInstance(list.getObjectAt(1)).getString();
        long thisUpdate = seconds(ASN1GeneralizedTime.getInstance(list.getObjectAt(2)));
        long nextUpdate = seconds(ASN1GeneralizedTime.getInstance(list.getObjectAt(3)));
        ASN1Sequence entries = ASN1Sequence.getInstance(list.getObjectAt(4));
        StringBuilder out = new StringBuilder();
        out.append("OK ").append(version).append(' ').append(thisUpdate).append(' ').append(nextUpdate).append(' ')
            .append(entries.size()).append(' ').append(issuer);
        for (int i = 0; i < entries.size(); ++i) {
            ASN1Sequence e = ASN1Sequence.getInstance(entries.getObjectAt(i));
            out.append("\nENTRY ").append(ASN1PrintableString.getInstance(e.getObjectAt(0)).getString())
                .append(' ').append(ASN1Enumerated.getInstance(e.getObjectAt(1)).getValue())
                .append(' ').append(seconds(ASN1GeneralizedTime.getInstance(e.getObjectAt(2))))
                .append(' ').append(ASN1UTF8String.getInstance(e.getObjectAt(3)).getString());
        }
        return out.toString();
    }

    public static void main(String[] args) throws Exception {
        Security.addProvider(new BouncyCastleProvider());
        if (args.length != 2) {
            System.out.println("usage: SrlCheck <list.p7> <seal-root.der>");
            System.exit(2);
        }
        String result;
        try {
            result = check(Files.readAllBytes(Paths.get(args[0])), Files.readAllBytes(Paths.get(args[1])));
        } catch (Exception e) {
            result = "FAIL " + e;
        }
        System.out.write(result.getBytes(StandardCharsets.UTF_8));
        System.out.println();
        System.out.flush();
    }
}
