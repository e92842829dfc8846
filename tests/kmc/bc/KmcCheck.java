// Independent check of a recovered encryption key pair with BouncyCastle (Debian libbcprov-java,
// libbcpkix-java), for tests/kmc/bc_check_test.cpp (issue 9 "Checked by").
//
// Usage: java -cp bcprov.jar:bcpkix.jar:bcutil.jar:<dir> KmcCheck <cert.der> <token.pem> <in> <out>
//   <cert.der>   the encryption certificate Yinxin's CA issued for the KMC-generated key
//   <token.pem>  the PKCS#8 key pair `yinxin kmc open-envelope` wrote
//   in, one request per line:
//     ENCRYPT <plain>    BouncyCastle SM2-encrypts <plain> to the certificate's public key
//                        out: "ENC <i> <C1||C3||C2>"
//     DECRYPT <cipher>   BouncyCastle decrypts a GM/T 0009 SM2Cipher (DER) with the token's key
//                        out: "DEC <i> OK <plain>" or "DEC <i> FAIL <reason>"
//   first output line: "MATCH yes|no": the token's scalar times G is the certificate's public key.
// Byte strings are lower-case hex. Exit status non-zero only for usage or I/O errors.

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Reader;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.security.SecureRandom;
import java.util.List;

import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.gm.GMNamedCurves;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.crypto.engines.SM2Engine;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.params.ParametersWithRandom;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.util.BigIntegers;
import org.bouncycastle.util.encoders.Hex;

public final class KmcCheck {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final ECDomainParameters DOMAIN;

    static {
        // GM/T 0003.5 curve parameters as BouncyCastle ships them.
        X9ECParameters x9 = GMNamedCurves.getByName("sm2p256v1");
        DOMAIN = new ECDomainParameters(x9.getCurve(), x9.getG(), x9.getN(), x9.getH());
    }

    private KmcCheck() {}

    static BigInteger scalarOf(String pemPath) throws IOException {
        try (Reader r = Files.newBufferedReader(Paths.get(pemPath), StandardCharsets.US_ASCII);
             PEMParser p = new PEMParser(r)) {
            Object o = p.readObject();
            if (!(o instanceof PrivateKeyInfo)) throw new IOException("not a PKCS#8 PRIVATE KEY: " + o);
            return ECPrivateKey.getInstance(((PrivateKeyInfo) o).parsePrivateKey()).getKey();
        }
    }

    // GM/T 0009 SM2Cipher { x, y, hash, ciphertext } to BouncyCastle's C1||C3||C2.
    static byte[] c1c3c2(byte[] der) {
        ASN1Sequence s = ASN1Sequence.getInstance(der);
        BigInteger x = ASN1Integer.getInstance(s.getObjectAt(0)).getPositiveValue();
        BigInteger y = ASN1Integer.getInstance(s.getObjectAt(1)).getPositiveValue();
        byte[] hash = ASN1OctetString.getInstance(s.getObjectAt(2)).getOctets();
        byte[] ct = ASN1OctetString.getInstance(s.getObjectAt(3)).getOctets();
        byte[] out = new byte[65 + hash.length + ct.length];
        out[0] = 0x04;
        System.arraycopy(BigIntegers.asUnsignedByteArray(32, x), 0, out, 1, 32);
        System.arraycopy(BigIntegers.asUnsignedByteArray(32, y), 0, out, 33, 32);
        System.arraycopy(hash, 0, out, 65, hash.length);
        System.arraycopy(ct, 0, out, 65 + hash.length, ct.length);
        return out;
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            System.err.println("usage: KmcCheck <cert.der> <token.pem> <in> <out>");
            System.exit(2);
        }
        X509CertificateHolder cert = new X509CertificateHolder(Files.readAllBytes(Paths.get(args[0])));
        SubjectPublicKeyInfo spki = cert.getSubjectPublicKeyInfo();
        ECPoint q = DOMAIN.getCurve().decodePoint(spki.getPublicKeyData().getOctets());
        ECPublicKeyParameters pub = new ECPublicKeyParameters(q, DOMAIN);
        BigInteger d = scalarOf(args[1]);
        ECPrivateKeyParameters priv = new ECPrivateKeyParameters(d, DOMAIN);
        List<String> in = Files.readAllLines(Paths.get(args[2]), StandardCharsets.US_ASCII);
        try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(Paths.get(args[3]), StandardCharsets.US_ASCII))) {
            out.println("MATCH " + (DOMAIN.getG().multiply(d).normalize().equals(q.normalize()) ? "yes" : "no"));
            int i = 0;
            for (String line : in) {
                String[] f = line.trim().split("\\s+");
                if (f.length != 2) continue;
                if (f[0].equals("ENCRYPT")) {
                    byte[] msg = Hex.decode(f[1]);
                    SM2Engine e = new SM2Engine(SM2Engine.Mode.C1C3C2);
                    e.init(true, new ParametersWithRandom(pub, RANDOM));
                    out.println("ENC " + i + " " + Hex.toHexString(e.processBlock(msg, 0, msg.length)));
                } else if (f[0].equals("DECRYPT")) {
                    try {
                        byte[] ct = c1c3c2(Hex.decode(f[1]));
                        SM2Engine e = new SM2Engine(SM2Engine.Mode.C1C3C2);
                        e.init(false, priv);
                        out.println("DEC " + i + " OK " + Hex.toHexString(e.processBlock(ct, 0, ct.length)));
                    } catch (Exception ex) {
                        out.println("DEC " + i + " FAIL " + ex.getClass().getSimpleName());
                    }
                }
                ++i;
            }
        }
    }
}
