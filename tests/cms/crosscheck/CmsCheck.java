// BouncyCastle side of the cms cross-check (tests/cms/signed_data_test.cpp).
//
//   verify (<signed-data.der> <content>)...               : verifies every signer of each detached
//                                                           SignedData built by Yinxin; prints one
//                                                           line per pair: "OK <n>" or "FAIL <why>"
//   sign <cert.der> <key.pk8> <content> <out.der>         : BouncyCastle signs a detached PKCS#7
//                                                           SignedData with SM3withSM2, for Yinxin to verify
//
// BouncyCastle's SM3withSM2 uses the GM/T 0009 default ID 1234567812345678.
import java.nio.file.Files;
import java.nio.file.Paths;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Security;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Collection;
import java.util.Collections;
import java.io.ByteArrayInputStream;

import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaCertStore;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.CMSSignedDataGenerator;
import org.bouncycastle.cms.SignerInformation;
import org.bouncycastle.cms.jcajce.JcaSignerInfoGeneratorBuilder;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoVerifierBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.bouncycastle.util.Selector;

public final class CmsCheck {
    private CmsCheck() {}

    private static String verify(byte[] der, byte[] content) {
        try {
            CMSSignedData sd = new CMSSignedData(new CMSProcessableByteArray(content), der);
            int n = 0;
            for (SignerInformation si : sd.getSignerInfos().getSigners()) {
                @SuppressWarnings("unchecked")
                Selector<X509CertificateHolder> sel = (Selector<X509CertificateHolder>) si.getSID();
                Collection<X509CertificateHolder> certs = sd.getCertificates().getMatches(sel);
                if (certs.isEmpty()) return "FAIL no certificate for signer";
                X509CertificateHolder cert = certs.iterator().next();
                if (!si.verify(new JcaSimpleSignerInfoVerifierBuilder().setProvider("BC").build(cert))) {
                    return "FAIL signature";
                }
                ++n;
            }
            return "OK " + n;
        } catch (Exception e) {
            return "FAIL " + e;
        }
    }

    public static void main(String[] args) throws Exception {
        Security.addProvider(new BouncyCastleProvider());
        if (args.length >= 3 && args.length % 2 == 1 && args[0].equals("verify")) {
            // One JVM for several checks: starting Java dominates the test's run time.
            for (int i = 1; i < args.length; i += 2) {
                System.out.println(verify(Files.readAllBytes(Paths.get(args[i])), Files.readAllBytes(Paths.get(args[i + 1]))));
            }
        } else if (args.length == 5 && args[0].equals("sign")) {
            CertificateFactory cf = CertificateFactory.getInstance("X.509", "BC");
            X509Certificate cert = (X509Certificate) cf.generateCertificate(
                new ByteArrayInputStream(Files.readAllBytes(Paths.get(args[1]))));
            PrivateKey key = KeyFactory.getInstance("EC", "BC").generatePrivate(
                new PKCS8EncodedKeySpec(Files.readAllBytes(Paths.get(args[2]))));
            byte[] content = Files.readAllBytes(Paths.get(args[3]));
            ContentSigner signer = new JcaContentSignerBuilder("SM3withSM2").setProvider("BC").build(key);
            CMSSignedDataGenerator gen = new CMSSignedDataGenerator();
            gen.addSignerInfoGenerator(new JcaSignerInfoGeneratorBuilder(
                new JcaDigestCalculatorProviderBuilder().setProvider("BC").build()).build(signer, cert));
            gen.addCertificates(new JcaCertStore(Collections.singletonList(cert)));
            CMSSignedData sd = gen.generate(new CMSProcessableByteArray(content), false);
            Files.write(Paths.get(args[4]), sd.getEncoded());
            System.out.println("OK");
        } else {
            System.out.println("usage: verify <der> <content> | sign <cert> <key> <content> <out>");
            System.exit(2);
        }
    }
}
