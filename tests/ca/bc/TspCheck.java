// Independent RFC 3161 checker on BouncyCastle (Debian libbcprov-java + libbcpkix-java), used by
// tests/ca/tsa_test.cpp: every time-stamp token Yinxin's TSA signs must be validated by a
// third-party TSP implementation, not only by Yinxin's own code (issue 7).
//
// Usage: java -cp bcprov.jar:bcpkix.jar:<dir> TspCheck <response.tsr> <data> <tsa-cert.der>
// Prints "OK genTime=<unix seconds> serial=<hex> policy=<oid> digest=<oid>" when the response is
// granted, the token's SignerInfo verifies with the TSA certificate (SM3withSM2; BouncyCastle's
// SM2 signer uses the GM/T 0009 default ID 1234567812345678), its ESS signing-certificate
// attribute names that certificate, the certificate carries the critical timeStamping EKU, and the
// messageImprint equals the data's digest; else "FAIL <reason>". Non-zero exit only for usage or
// I/O errors.

import java.nio.file.Files;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.security.Security;
import java.util.Arrays;

import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cms.SignerInformationVerifier;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoVerifierBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.tsp.TimeStampResponse;
import org.bouncycastle.tsp.TimeStampToken;
import org.bouncycastle.tsp.TimeStampTokenInfo;

public final class TspCheck {
    private TspCheck() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: TspCheck <response.tsr> <data> <tsa-cert.der>");
            System.exit(64);
        }
        Security.addProvider(new BouncyCastleProvider());
        byte[] response = Files.readAllBytes(Paths.get(args[0]));
        byte[] data = Files.readAllBytes(Paths.get(args[1]));
        X509CertificateHolder tsa = new X509CertificateHolder(Files.readAllBytes(Paths.get(args[2])));
        try {
            TimeStampResponse resp = new TimeStampResponse(response);
            if (resp.getStatus() != 0 && resp.getStatus() != 1) {
                System.out.println("FAIL status " + resp.getStatus() + " " + resp.getStatusString());
                return;
            }
            TimeStampToken token = resp.getTimeStampToken();
            SignerInformationVerifier verifier = new JcaSimpleSignerInfoVerifierBuilder().setProvider("BC").build(tsa);
            token.validate(verifier);  // signature, ESS certificate ID, critical timeStamping EKU
            TimeStampTokenInfo info = token.getTimeStampInfo();
            String digestOid = info.getMessageImprintAlgOID().getId();
            MessageDigest md = MessageDigest.getInstance(digestOid, "BC");
            if (!Arrays.equals(md.digest(data), info.getMessageImprintDigest())) {
                System.out.println("FAIL messageImprint differs from the data's digest");
                return;
            }
            System.out.println("OK genTime=" + (info.getGenTime().getTime() / 1000) + " serial="
                + info.getSerialNumber().toString(16) + " policy=" + info.getPolicy().getId() + " digest=" + digestOid);
        } catch (Exception e) {
            System.out.println("FAIL " + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }
}
