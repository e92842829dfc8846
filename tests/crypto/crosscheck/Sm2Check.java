// Independent SM2 checker on BouncyCastle's lightweight API (Debian libbcprov-java), used by
// tests/crypto/crosscheck_bc_test.cpp to cross-check Yinxin's SM2 against a third-party
// implementation (issue 2). One JVM launch handles a whole batch file, because JVM start-up
// dominates the run time.
//
// Usage: java -cp bcprov.jar:<dir> Sm2Check <mode> <in> <out> [args]
//   verify  <in> <out> id:<ascii>...   in:  "<pub> <msg> <sig>" per line
//                                      out: "<line> <id#> OK|FAIL" per line and id
//   sign    <in> <out> id:<ascii>...   in:  "<msg>" per line; own fresh key pair
//                                      out: "PUB <pub>" then "<line> <id#> <sig>" (DER) per line
//                                      and id
//   encrypt <in> <out>                 in:  "PUB <pub>" then "<mode> <msg>" per line
//                                      out: "<line> <ciphertext>"
//   decrypt <in> <out>                 in:  "PRIV <d>" then "<mode> <ciphertext>" per line
//                                      out: "<line> OK <plaintext>" or "<line> FAIL <reason>"
// Every byte string is lower-case hex; "-" stands for the empty string. <pub> is 04||X||Y,
// <d> the 32-byte private scalar, <mode> c1c3c2 or c1c2c3. The exit status is non-zero only for
// usage or I/O errors; per-line results are in the output file for the C++ side to judge.

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;

import org.bouncycastle.asn1.gm.GMNamedCurves;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.CryptoException;
import org.bouncycastle.crypto.engines.SM2Engine;
import org.bouncycastle.crypto.generators.ECKeyPairGenerator;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECKeyGenerationParameters;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.params.ParametersWithID;
import org.bouncycastle.crypto.params.ParametersWithRandom;
import org.bouncycastle.crypto.signers.SM2Signer;
import org.bouncycastle.util.encoders.Hex;

public final class Sm2Check {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final ECDomainParameters DOMAIN;

    static {
        // GM/T 0003.5 curve parameters as BouncyCastle ships them, not Yinxin's copy.
        X9ECParameters x9 = GMNamedCurves.getByName("sm2p256v1");
        DOMAIN = new ECDomainParameters(x9.getCurve(), x9.getG(), x9.getN(), x9.getH());
    }

    private Sm2Check() {}

    static byte[] unhex(String s) {
        return s.equals("-") ? new byte[0] : Hex.decode(s);
    }

    static String hex(byte[] b) {
        return b.length == 0 ? "-" : Hex.toHexString(b);
    }

    static ECPublicKeyParameters publicKey(String pointHex) {
        return new ECPublicKeyParameters(DOMAIN.getCurve().decodePoint(unhex(pointHex)), DOMAIN);
    }

    static ECPrivateKeyParameters privateKey(String scalarHex) {
        return new ECPrivateKeyParameters(new BigInteger(1, unhex(scalarHex)), DOMAIN);
    }

    static SM2Engine.Mode cipherMode(String name) {
        switch (name) {
            case "c1c3c2": return SM2Engine.Mode.C1C3C2;
            case "c1c2c3": return SM2Engine.Mode.C1C2C3;
            default: throw new IllegalArgumentException("unknown cipher mode " + name);
        }
    }

    static byte[] parseId(String arg) {
        if (!arg.startsWith("id:")) throw new IllegalArgumentException("expected id:<ascii>, got " + arg);
        return arg.substring(3).getBytes(StandardCharsets.US_ASCII);
    }

    static List<String[]> readLines(String path) throws IOException {
        List<String[]> lines = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(Paths.get(path), StandardCharsets.US_ASCII)) {
            for (String line; (line = r.readLine()) != null; ) {
                if (!line.isEmpty()) lines.add(line.trim().split("\\s+"));
            }
        }
        return lines;
    }

    static void verify(List<String[]> in, PrintWriter out, List<byte[]> ids) {
        for (int i = 0; i < in.size(); ++i) {
            String[] f = in.get(i);
            byte[] msg = unhex(f[1]);
            byte[] sig = unhex(f[2]);
            for (int k = 0; k < ids.size(); ++k) {
                boolean ok;
                try {
                    SM2Signer signer = new SM2Signer();
                    signer.init(false, new ParametersWithID(publicKey(f[0]), ids.get(k)));
                    signer.update(msg, 0, msg.length);
                    ok = signer.verifySignature(sig);
                } catch (RuntimeException e) {
                    ok = false;
                }
                out.println(i + " " + k + (ok ? " OK" : " FAIL"));
            }
        }
    }

    static void sign(List<String[]> in, PrintWriter out, List<byte[]> ids) {
        ECKeyPairGenerator gen = new ECKeyPairGenerator();
        gen.init(new ECKeyGenerationParameters(DOMAIN, RANDOM));
        AsymmetricCipherKeyPair kp = gen.generateKeyPair();
        ECPublicKeyParameters pub = (ECPublicKeyParameters) kp.getPublic();
        out.println("PUB " + hex(pub.getQ().getEncoded(false)));
        for (int i = 0; i < in.size(); ++i) {
            byte[] msg = unhex(in.get(i)[0]);
            for (int k = 0; k < ids.size(); ++k) {
                SM2Signer signer = new SM2Signer();  // StandardDSAEncoding: DER SEQUENCE{r, s}
                signer.init(true, new ParametersWithID(new ParametersWithRandom(kp.getPrivate(), RANDOM), ids.get(k)));
                signer.update(msg, 0, msg.length);
                try {
                    out.println(i + " " + k + " " + hex(signer.generateSignature()));
                } catch (CryptoException e) {
                    throw new IllegalStateException("SM2 signing failed", e);
                }
            }
        }
    }

    static void encrypt(List<String[]> in, PrintWriter out) throws Exception {
        if (in.isEmpty() || !in.get(0)[0].equals("PUB")) throw new IllegalArgumentException("first line must be PUB <point>");
        ECPublicKeyParameters pub = publicKey(in.get(0)[1]);
        for (int i = 1; i < in.size(); ++i) {
            String[] f = in.get(i);
            byte[] msg = unhex(f[1]);
            SM2Engine engine = new SM2Engine(cipherMode(f[0]));
            engine.init(true, new ParametersWithRandom(pub, RANDOM));
            out.println((i - 1) + " " + hex(engine.processBlock(msg, 0, msg.length)));
        }
    }

    static void decrypt(List<String[]> in, PrintWriter out) {
        if (in.isEmpty() || !in.get(0)[0].equals("PRIV")) throw new IllegalArgumentException("first line must be PRIV <d>");
        ECPrivateKeyParameters priv = privateKey(in.get(0)[1]);
        for (int i = 1; i < in.size(); ++i) {
            String[] f = in.get(i);
            try {
                byte[] ct = unhex(f[1]);
                SM2Engine engine = new SM2Engine(cipherMode(f[0]));
                engine.init(false, priv);
                out.println((i - 1) + " OK " + hex(engine.processBlock(ct, 0, ct.length)));
            } catch (Exception e) {
                out.println((i - 1) + " FAIL " + e.getClass().getSimpleName() + ":"
                            + String.valueOf(e.getMessage()).replaceAll("\\s+", "_"));
            }
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: Sm2Check verify|sign|encrypt|decrypt <in> <out> [id:<ascii>...]");
            System.exit(2);
        }
        List<String[]> in = readLines(args[1]);
        try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(Paths.get(args[2]), StandardCharsets.US_ASCII))) {
            List<byte[]> ids = new ArrayList<>();
            for (int i = 3; i < args.length; ++i) ids.add(parseId(args[i]));
            switch (args[0]) {
                case "verify":
                case "sign":
                    if (ids.isEmpty()) throw new IllegalArgumentException(args[0] + " needs at least one id:");
                    if (args[0].equals("verify")) verify(in, out, ids);
                    else sign(in, out, ids);
                    break;
                case "encrypt": encrypt(in, out); break;
                case "decrypt": decrypt(in, out); break;
                default:
                    System.err.println("unknown mode " + args[0]);
                    System.exit(2);
            }
            if (out.checkError()) {
                System.err.println("error writing " + args[2]);
                System.exit(3);
            }
        }
    }
}
