// Independent certificate chain checker on BouncyCastle's JCA provider (Debian libbcprov-java), used
// by tests/ca/crosscheck_test.cpp: every chain Yinxin's CA issues must be accepted by a third-party
// X.509 + SM2 implementation (issue 3 "Checked by").
//
// Usage: java -cp bcprov.jar:bcpkix.jar:<dir> ChainCheck <in> <out> <unix-seconds>
//   in:  one chain per line: "<name> <leaf.der> <intermediate.der>... <root.der>" (root last,
//        self-signed; the root is the trust anchor)
//   out: per chain two lines: "<name> explicit OK|FAIL <reason>" and "<name> pkix OK|FAIL <reason>"
// explicit: parse every certificate with BC, verify each signature with SM3withSM2 and the signer
//           ID 1234567812345678 set explicitly (SM2ParameterSpec), check issuer/subject chaining,
//           validity at the given time, basicConstraints cA and keyCertSign on every issuer.
// pkix:     java.security.cert.CertPathValidator "PKIX" from the BC provider, revocation off (BC
//           verifies SM2 with its default ID, which is GM/T 0009's 1234567812345678).
// The exit status is non-zero only for usage or I/O errors.

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.security.GeneralSecurityException;
import java.security.Security;
import java.security.Signature;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Date;
import java.util.List;

import org.bouncycastle.jcajce.spec.SM2ParameterSpec;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

public final class ChainCheck {
    private static final byte[] GM_ID = "1234567812345678".getBytes(StandardCharsets.US_ASCII);

    private ChainCheck() {}

    static String explicit(List<X509Certificate> chain, Date at) throws GeneralSecurityException {
        for (int i = 0; i < chain.size(); i++) {
            X509Certificate cert = chain.get(i);
            X509Certificate issuer = chain.get(Math.min(i + 1, chain.size() - 1));
            if (!"1.2.156.10197.1.501".equals(cert.getSigAlgOID())) {
                return "certificate " + i + ": signature algorithm " + cert.getSigAlgOID() + " is not SM2-with-SM3";
            }
            Signature sig = Signature.getInstance("SM3withSM2", "BC");
            sig.setParameter(new SM2ParameterSpec(GM_ID));
            sig.initVerify(issuer.getPublicKey());
            sig.update(cert.getTBSCertificate());
            if (!sig.verify(cert.getSignature())) return "certificate " + i + ": SM2 signature does not verify";
            if (!cert.getIssuerX500Principal().equals(issuer.getSubjectX500Principal())) {
                return "certificate " + i + ": issuer " + cert.getIssuerX500Principal() + " is not the subject of the next";
            }
            try {
                cert.checkValidity(at);
            } catch (GeneralSecurityException e) {
                return "certificate " + i + ": not valid at " + at + ": " + e.getMessage();
            }
            if (i > 0) {
                if (cert.getBasicConstraints() < 0) return "certificate " + i + ": issuer is not a CA";
                boolean[] ku = cert.getKeyUsage();
                if (ku != null && (ku.length < 6 || !ku[5])) return "certificate " + i + ": no keyCertSign";
            }
        }
        return null;
    }

    static String pkix(CertificateFactory cf, List<X509Certificate> chain, Date at) {
        try {
            X509Certificate root = chain.get(chain.size() - 1);
            CertPath path = cf.generateCertPath(new ArrayList<>(chain.subList(0, chain.size() - 1)));
            PKIXParameters params = new PKIXParameters(Collections.singleton(new TrustAnchor(root, null)));
            params.setRevocationEnabled(false);
            params.setDate(at);
            CertPathValidator.getInstance("PKIX", "BC").validate(path, params);
            return null;
        } catch (GeneralSecurityException | RuntimeException e) {
            return e.getClass().getSimpleName() + ": " + e.getMessage();
        }
    }

    public static void main(String[] args) throws IOException, GeneralSecurityException {
        if (args.length != 3) {
            System.err.println("usage: ChainCheck <in> <out> <unix-seconds>");
            System.exit(2);
        }
        Security.addProvider(new BouncyCastleProvider());
        CertificateFactory cf = CertificateFactory.getInstance("X.509", "BC");
        Date at = new Date(Long.parseLong(args[2]) * 1000L);
        List<String> lines = Files.readAllLines(Paths.get(args[0]), StandardCharsets.UTF_8);
        try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(Paths.get(args[1]), StandardCharsets.UTF_8))) {
            for (String line : lines) {
                if (line.isBlank()) continue;
                String[] parts = line.trim().split(" ");
                String name = parts[0];
                List<X509Certificate> chain = new ArrayList<>();
                String explicitVerdict;
                String pkixVerdict;
                try {
                    for (int i = 1; i < parts.length; i++) {
                        byte[] der = Files.readAllBytes(Paths.get(parts[i]));
                        chain.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(der)));
                    }
                    if (chain.size() < 2) throw new GeneralSecurityException("a chain needs a leaf and a root");
                    explicitVerdict = explicit(chain, at);
                    pkixVerdict = pkix(cf, chain, at);
                } catch (GeneralSecurityException | RuntimeException e) {
                    explicitVerdict = "parse: " + e.getClass().getSimpleName() + ": " + e.getMessage();
                    pkixVerdict = explicitVerdict;
                }
                out.println(name + " explicit " + (explicitVerdict == null ? "OK" : "FAIL " + explicitVerdict));
                out.println(name + " pkix " + (pkixVerdict == null ? "OK" : "FAIL " + pkixVerdict));
            }
        }
    }
}
