// Independent check of Yinxin-made GB/T 38540 SES_Signatures with BouncyCastle (Debian
// libbcprov-java), used by tests/seal/bc_check_test.cpp (issue 7). It shares no code with Yinxin:
// the structures are taken apart with BC's ASN.1 classes, the keys come out of the certificates
// with BC's X.509 classes, SM2 is BC's SM2Signer and SM3 BC's SM3Digest.
//
// Usage: java -cp bcprov.jar:<dir> SesCheck <ses> <data> [<ses> <data> ...]
// For each pair one output line:
//   <index> signature=OK|FAIL seal=OK|FAIL data=OK|FAIL version=<n> empty_id=OK|FAIL
// where signature is the SM2 signature (ID 1234567812345678) over the DER of TBS_Sign with the
// signer certificate's key, seal the maker's SM2 signature over SES_SealInfo, data whether
// TBS_Sign.dataHash equals SM3(<data>), and empty_id the signature checked under the empty ID
// (must FAIL: it shows the ID really is part of the signature). A structure BC cannot take apart
// prints "<index> ERROR <reason>". The exit status is non-zero only for usage or I/O errors.

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.Arrays;

import org.bouncycastle.asn1.ASN1BitString;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.gm.GMNamedCurves;
import org.bouncycastle.asn1.x509.Certificate;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.digests.SM3Digest;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.params.ParametersWithID;
import org.bouncycastle.crypto.signers.SM2Signer;

public final class SesCheck {
    private static final ECDomainParameters DOMAIN;
    private static final String SM2_WITH_SM3 = "1.2.156.10197.1.501";
    private static final byte[] DEFAULT_ID = "1234567812345678".getBytes(StandardCharsets.US_ASCII);

    static {
        X9ECParameters x9 = GMNamedCurves.getByName("sm2p256v1");
        DOMAIN = new ECDomainParameters(x9.getCurve(), x9.getG(), x9.getN(), x9.getH());
    }

    private SesCheck() {}

    static ECPublicKeyParameters keyOf(byte[] certDer) {
        Certificate cert = Certificate.getInstance(certDer);
        byte[] point = cert.getSubjectPublicKeyInfo().getPublicKeyData().getBytes();
        return new ECPublicKeyParameters(DOMAIN.getCurve().decodePoint(point), DOMAIN);
    }

    static boolean sm2Verify(ECPublicKeyParameters key, byte[] id, byte[] msg, byte[] sig) {
        try {
            SM2Signer signer = new SM2Signer();
            signer.init(false, new ParametersWithID(key, id));
            signer.update(msg, 0, msg.length);
            return signer.verifySignature(sig);
        } catch (RuntimeException e) {
            return false;
        }
    }

    static String ok(boolean b) {
        return b ? "OK" : "FAIL";
    }

    static String check(byte[] ses, byte[] data) throws Exception {
        // SES_Signature ::= SEQUENCE { toSign TBS_Sign, cert OCTET STRING, signatureAlgID OID,
        //                              signature BIT STRING, timeStamp [0] OPTIONAL }
        ASN1Sequence sig = ASN1Sequence.getInstance(ses);
        if (!Arrays.equals(sig.getEncoded(ASN1Encoding.DER), ses)) return "ERROR SES_Signature is not DER";
        ASN1Sequence tbs = ASN1Sequence.getInstance(sig.getObjectAt(0));
        byte[] signerCert = ASN1OctetString.getInstance(sig.getObjectAt(1)).getOctets();
        String alg = ASN1ObjectIdentifier.getInstance(sig.getObjectAt(2)).getId();
        if (!alg.equals(SM2_WITH_SM3)) return "ERROR signatureAlgID " + alg;
        byte[] signature = ASN1BitString.getInstance(sig.getObjectAt(3)).getBytes();

        // TBS_Sign ::= SEQUENCE { version, eseal SESeal, timeInfo, dataHash BIT STRING, propertyInfo, ... }
        int version = ASN1Integer.getInstance(tbs.getObjectAt(0)).intValueExact();
        ASN1Sequence seal = ASN1Sequence.getInstance(tbs.getObjectAt(1));
        byte[] dataHash = ASN1BitString.getInstance(tbs.getObjectAt(3)).getBytes();

        // SESeal ::= SEQUENCE { SES_SealInfo, cert OCTET STRING, signAlgID OID, signedValue BIT STRING }
        ASN1Sequence sealInfo = ASN1Sequence.getInstance(seal.getObjectAt(0));
        ASN1Sequence header = ASN1Sequence.getInstance(sealInfo.getObjectAt(0));
        ASN1Encodable id = header.getObjectAt(0);
        if (!(id instanceof ASN1String) || !((ASN1String) id).getString().equals("ES")) return "ERROR header id";
        int sealVersion = ASN1Integer.getInstance(header.getObjectAt(1)).intValueExact();
        if (sealVersion != version) return "ERROR TBS version " + version + " != seal version " + sealVersion;
        byte[] makerCert = ASN1OctetString.getInstance(seal.getObjectAt(1)).getOctets();
        String sealAlg = ASN1ObjectIdentifier.getInstance(seal.getObjectAt(2)).getId();
        if (!sealAlg.equals(SM2_WITH_SM3)) return "ERROR signAlgID " + sealAlg;
        byte[] sealSignature = ASN1BitString.getInstance(seal.getObjectAt(3)).getBytes();

        byte[] tbsDer = tbs.getEncoded(ASN1Encoding.DER);
        ECPublicKeyParameters signerKey = keyOf(signerCert);
        boolean sigOk = sm2Verify(signerKey, DEFAULT_ID, tbsDer, signature);
        boolean emptyIdOk = sm2Verify(signerKey, new byte[0], tbsDer, signature);
        boolean sealOk = sm2Verify(keyOf(makerCert), DEFAULT_ID, sealInfo.getEncoded(ASN1Encoding.DER), sealSignature);

        SM3Digest sm3 = new SM3Digest();
        sm3.update(data, 0, data.length);
        byte[] digest = new byte[sm3.getDigestSize()];
        sm3.doFinal(digest, 0);
        boolean dataOk = Arrays.equals(digest, dataHash);

        return "signature=" + ok(sigOk) + " seal=" + ok(sealOk) + " data=" + ok(dataOk) + " version=" + version
            + " empty_id=" + ok(emptyIdOk);
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0 || args.length % 2 != 0) {
            System.err.println("usage: SesCheck <ses> <data> [<ses> <data> ...]");
            System.exit(2);
        }
        for (int i = 0; i < args.length; i += 2) {
            byte[] ses = Files.readAllBytes(Paths.get(args[i]));
            byte[] data = Files.readAllBytes(Paths.get(args[i + 1]));
            String result;
            try {
                result = check(ses, data);
            } catch (Exception e) {
                result = "ERROR " + e.getClass().getSimpleName() + ": " + e.getMessage();
            }
            System.out.println((i / 2) + " " + result);
        }
    }
}
