// Independent OCSP response checker on BouncyCastle (Debian libbcprov-java + libbcpkix-java), used
// by tests/ca/ocsp_test.cpp: every response Yinxin's responder signs must be read and verified by a
// third-party implementation (issue 6 "Checked by": OpenSSL 3.0 cannot check SM2 OCSP signatures
// with the signer ID).
//
// Usage: java -cp bcprov.jar:bcpkix.jar:<dir> OcspCheck <response.der> <responder.der>
// Prints "OK status=<n> responses=<count>" and one line "<serial hex> good|revoked <reason>|unknown"
// per SingleResponse, or "FAIL <reason>". The signature over tbsResponseData is verified with
// SM3withSM2 and the signer ID 1234567812345678 set explicitly (SM2ParameterSpec), or with
// SHA256withECDSA for a P-256 responder. The exit status is non-zero only for usage or I/O errors.

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.security.Security;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;

import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.OCSPResp;
import org.bouncycastle.cert.ocsp.RevokedStatus;
import org.bouncycastle.cert.ocsp.SingleResp;
import org.bouncycastle.cert.ocsp.UnknownStatus;
import org.bouncycastle.jcajce.spec.SM2ParameterSpec;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

public final class OcspCheck {
    private static final byte[] GM_ID = "1234567812345678".getBytes(StandardCharsets.US_ASCII);

    private OcspCheck() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: OcspCheck <response.der> <responder.der>");
            System.exit(64);
        }
        Security.addProvider(new BouncyCastleProvider());
        X509Certificate responder = (X509Certificate) CertificateFactory.getInstance("X.509", "BC")
            .generateCertificate(new ByteArrayInputStream(Files.readAllBytes(Paths.get(args[1]))));
        OCSPResp resp;
        try {
            resp = new OCSPResp(Files.readAllBytes(Paths.get(args[0])));
        } catch (java.io.IOException e) {
            System.out.println("FAIL parse: " + e.getMessage());
            return;
        }
        if (resp.getStatus() != OCSPResp.SUCCESSFUL) {
            System.out.println("OK status=" + resp.getStatus() + " responses=0");
            return;
        }
        BasicOCSPResp basic = (BasicOCSPResp) resp.getResponseObject();
        String alg = basic.getSignatureAlgOID().getId();
        Signature sig;
        if ("1.2.156.10197.1.501".equals(alg)) {
            sig = Signature.getInstance("SM3withSM2", "BC");
            sig.setParameter(new SM2ParameterSpec(GM_ID));
        } else if ("1.2.840.10045.4.3.2".equals(alg)) {
            sig = Signature.getInstance("SHA256withECDSA", "BC");
        } else {
            System.out.println("FAIL signature algorithm " + alg);
            return;
        }
        sig.initVerify(responder.getPublicKey());
        sig.update(basic.getTBSResponseData());
        if (!sig.verify(basic.getSignature())) {
            System.out.println("FAIL signature does not verify");
            return;
        }
        SingleResp[] single = basic.getResponses();
        System.out.println("OK status=0 responses=" + single.length);
        for (SingleResp s : single) {
            Object st = s.getCertStatus();
            String text;
            if (st == null) {
                text = "good";
            } else if (st instanceof RevokedStatus) {
                RevokedStatus r = (RevokedStatus) st;
                text = "revoked " + (r.hasRevocationReason() ? Integer.toString(r.getRevocationReason()) : "none");
            } else if (st instanceof UnknownStatus) {
                text = "unknown";
            } else {
                text = "other";
            }
            System.out.println(s.getCertID().getSerialNumber().toString(16) + " " + text);
        }
    }
}
