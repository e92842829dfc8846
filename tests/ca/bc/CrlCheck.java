// Independent CRL checker on BouncyCastle's JCA provider (Debian libbcprov-java), used by
// tests/ca/status_test.cpp: every CRL Yinxin signs must be read and verified by a third-party
// X.509 + SM2 implementation (issue 6 "Checked by").
//
// Usage: java -cp bcprov.jar:bcpkix.jar:<dir> CrlCheck <crl.der> <issuer.der>
// Prints "OK number=<n> entries=<count>[ delta_base=<m>][ only_ca_certs]" and one line "<serial hex> <reason>" per entry, or
// "FAIL <reason>". The signature is verified with SM3withSM2 and the signer ID 1234567812345678
// set explicitly (SM2ParameterSpec) over the tbsCertList, or with SHA256withECDSA for a P-256 CA;
// the issuer name must equal the CA certificate's subject. The exit status is non-zero only for
// usage or I/O errors.

import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.security.Security;
import java.security.Signature;
import java.security.cert.CRLReason;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509CRLEntry;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.IssuingDistributionPoint;
import org.bouncycastle.jcajce.spec.SM2ParameterSpec;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

public final class CrlCheck {
    private static final byte[] GM_ID = "1234567812345678".getBytes(StandardCharsets.US_ASCII);

    private CrlCheck() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: CrlCheck <crl.der> <issuer.der>");
            System.exit(64);
        }
        Security.addProvider(new BouncyCastleProvider());
        CertificateFactory cf = CertificateFactory.getInstance("X.509", "BC");
        X509CRL crl;
        X509Certificate issuer;
        try {
            crl = (X509CRL) cf.generateCRL(new ByteArrayInputStream(Files.readAllBytes(Paths.get(args[0]))));
            issuer = (X509Certificate) cf.generateCertificate(
                new ByteArrayInputStream(Files.readAllBytes(Paths.get(args[1]))));
        } catch (java.security.GeneralSecurityException e) {
            System.out.println("FAIL parse: " + e.getMessage());
            return;
        }
        Signature sig;
        if ("1.2.156.10197.1.501".equals(crl.getSigAlgOID())) {
            sig = Signature.getInstance("SM3withSM2", "BC");
            sig.setParameter(new SM2ParameterSpec(GM_ID));
        } else if ("1.2.840.10045.4.3.2".equals(crl.getSigAlgOID())) {
            sig = Signature.getInstance("SHA256withECDSA", "BC");
        } else {
            System.out.println("FAIL signature algorithm " + crl.getSigAlgOID());
            return;
        }
        sig.initVerify(issuer.getPublicKey());
        sig.update(crl.getTBSCertList());
        if (!sig.verify(crl.getSignature())) {
            System.out.println("FAIL signature does not verify");
            return;
        }
        if (!crl.getIssuerX500Principal().equals(issuer.getSubjectX500Principal())) {
            System.out.println("FAIL issuer " + crl.getIssuerX500Principal() + " is not the CA's subject");
            return;
        }
        if (crl.getVersion() != 2) {
            System.out.println("FAIL version " + crl.getVersion());
            return;
        }
        byte[] numberExt = crl.getExtensionValue(Extension.cRLNumber.getId());
        if (numberExt == null) {
            System.out.println("FAIL no cRLNumber");
            return;
        }
        BigInteger number = ASN1Integer.getInstance(
            ASN1Primitive.fromByteArray(ASN1OctetString.getInstance(numberExt).getOctets())).getValue();
        Set<? extends X509CRLEntry> revoked = crl.getRevokedCertificates();
        List<String> lines = new ArrayList<>();
        if (revoked != null) {
            for (X509CRLEntry e : revoked) {
                CRLReason r = e.getRevocationReason();
                lines.add(e.getSerialNumber().toString(16) + " " + (r == null ? "none" : r.name()));
            }
        }
        // A delta CRL names its base (RFC 5280 5.2.4); an ARL says onlyContainsCACerts (5.2.5).
        String scope = "";
        byte[] deltaExt = crl.getExtensionValue(Extension.deltaCRLIndicator.getId());
        if (deltaExt != null) {
            BigInteger base = ASN1Integer.getInstance(
                ASN1Primitive.fromByteArray(ASN1OctetString.getInstance(deltaExt).getOctets())).getValue();
            scope += " delta_base=" + base;
        }
        byte[] idpExt = crl.getExtensionValue(Extension.issuingDistributionPoint.getId());
        if (idpExt != null) {
            IssuingDistributionPoint idp = IssuingDistributionPoint.getInstance(
                ASN1Primitive.fromByteArray(ASN1OctetString.getInstance(idpExt).getOctets()));
            if (idp.onlyContainsCACerts()) scope += " only_ca_certs";
        }
        System.out.println("OK number=" + number + " entries=" + lines.size() + scope);
        for (String l : lines) System.out.println(l);
    }
}
