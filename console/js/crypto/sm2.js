// SM2 digital signatures (GB/T 32918.2-2016) over the curve sm2p256v1 (GB/T 32918.5), written for
// the console with BigInt: WebCrypto has no SM2. Only what a staff member's browser needs: read
// the member's PKCS#8 key, and sign with SM3 and the Z value of an explicit signer ID (the server
// verifies with auth::AuthConfig's ID, "1234567812345678" by default).
//
// BigInt arithmetic is not constant-time; the key lives only in this page's memory for the
// session (docs/threat-model.md, console rows).

import { parseDer, TAG, encodeSequence, encodeUnsignedInteger } from "./der.js";
import { bigIntToBytes, bytesToBigInt, concatBytes, pemDecode, pemLabels, utf8 } from "./encoding.js";
import { Sm3 } from "./sm3.js";

export const DEFAULT_SM2_ID = "1234567812345678";

// GB/T 32918.5 recommended curve parameters.
const P = 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn;
const A = 0xfffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffcn;
const B = 0x28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93n;
const N = 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n;
const GX = 0x32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7n;
const GY = 0xbc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0n;

const OID_EC_PUBLIC_KEY = "1.2.840.10045.2.1";
const OID_SM2_CURVE = "1.2.156.10197.1.301";

const mod = (a, m) => {
    const r = a % m;
    return r < 0n ? r + m : r;
};

function modPow(base, exp, m) {
    let result = 1n;
    let b = mod(base, m);
    for (let e = exp; e > 0n; e >>= 1n) {
        if (e & 1n) result = (result * b) % m;
        b = (b * b) % m;
    }
    return result;
}

// Fermat inverse (m is prime for both p and n).
const modInv = (a, m) => modPow(a, m - 2n, m);

// --- points in Jacobian coordinates (X/Z², Y/Z³); Z = 0 is the point at infinity ---

const INFINITY = Object.freeze({ x: 1n, y: 1n, z: 0n });

function double(pt) {
    if (pt.z === 0n || pt.y === 0n) return INFINITY;
    // a = -3 mod p: M = 3(X - Z²)(X + Z²).
    const zz = (pt.z * pt.z) % P;
    const m = (3n * mod(pt.x - zz, P) * ((pt.x + zz) % P)) % P;
    const yy = (pt.y * pt.y) % P;
    const s = (4n * pt.x * yy) % P;
    const x = mod(m * m - 2n * s, P);
    const y = mod(m * (s - x) - 8n * yy * yy, P);
    const z = (2n * pt.y * pt.z) % P;
    return { x, y, z };
}

function add(p1, p2) {
    if (p1.z === 0n) return p2;
    if (p2.z === 0n) return p1;
    const z1z1 = (p1.z * p1.z) % P;
    const z2z2 = (p2.z * p2.z) % P;
    const u1 = (p1.x * z2z2) % P;
    const u2 = (p2.x * z1z1) % P;
    const s1 = (p1.y * p2.z * z2z2) % P;
    const s2 = (p2.y * p1.z * z1z1) % P;
    if (u1 === u2) return s1 === s2 ? double(p1) : INFINITY;
    const h = mod(u2 - u1, P);
    const r = mod(s2 - s1, P);
    const hh = (h * h) % P;
    const hhh = (h * hh) % P;
    const v = (u1 * hh) % P;
    const x = mod(r * r - hhh - 2n * v, P);
    const y = mod(r * (v - x) - s1 * hhh, P);
    const z = (h * p1.z * p2.z) % P;
    return { x, y, z };
}

function toAffine(pt) {
    if (pt.z === 0n) throw new Error("point at infinity");
    const zi = modInv(pt.z, P);
    const zi2 = (zi * zi) % P;
    return { x: (pt.x * zi2) % P, y: (pt.y * zi2 * zi) % P };
}

// k·pt with a Montgomery ladder over all 256 bits (the same sequence of operations for every k).
function multiply(k, pt) {
    let r0 = INFINITY;
    let r1 = { x: pt.x, y: pt.y, z: 1n };
    for (let i = 255; i >= 0; i--) {
        if ((k >> BigInt(i)) & 1n) {
            r0 = add(r0, r1);
            r1 = double(r1);
        } else {
            r1 = add(r0, r1);
            r0 = double(r0);
        }
    }
    return toAffine(r0);
}

function onCurve(x, y) {
    return mod(y * y - (x * x * x + A * x + B), P) === 0n;
}

const G = { x: GX, y: GY };

// GB/T 32918.2 §5.5: Z_A = SM3(ENTL_A ‖ ID_A ‖ a ‖ b ‖ x_G ‖ y_G ‖ x_A ‖ y_A).
export function zValue(publicKey, id = DEFAULT_SM2_ID) {
    const idBytes = utf8(id);
    const bits = idBytes.length * 8;
    if (bits > 0xffff) throw new Error("SM2 ID too long");
    const h = new Sm3();
    h.update(Uint8Array.of(bits >> 8, bits & 0xff));
    h.update(idBytes);
    for (const v of [A, B, GX, GY, publicKey.x, publicKey.y]) h.update(bigIntToBytes(v, 32));
    return h.digest();
}

function randomScalar() {
    for (;;) {
        const k = bytesToBigInt(crypto.getRandomValues(new Uint8Array(32)));
        if (k >= 1n && k < N) return k;
    }
}

// A member's signing key: the private scalar d and its public point.
export class Sm2PrivateKey {
    constructor(d) {
        if (d < 1n || d >= N - 1n) throw new Error("SM2 private key out of range");
        this.d = d;
        this.publicKey = multiply(d, G);
    }

    // GB/T 32918.2 §6.1 (A1-A7): e = SM3(Z ‖ M); DER SEQUENCE { r, s } (GM/T 0009 §7.3).
    // `nonce` is for known-answer tests only; normally k comes from crypto.getRandomValues.
    sign(message, id = DEFAULT_SM2_ID, nonce = undefined) {
        const msg = message instanceof Uint8Array ? message : utf8(String(message));
        const e = bytesToBigInt(new Sm3().update(zValue(this.publicKey, id)).update(msg).digest());
        const dInv = modInv(1n + this.d, N);
        for (;;) {
            const k = nonce ?? randomScalar();
            const x1 = multiply(k, G).x;
            const r = (e + x1) % N;
            if (r === 0n || r + k === N) {
                if (nonce !== undefined) throw new Error("nonce gives r = 0 or r + k = n");
                continue;
            }
            const s = mod(dInv * (k - r * this.d), N);
            if (s === 0n) {
                if (nonce !== undefined) throw new Error("nonce gives s = 0");
                continue;
            }
            return { r, s, der: encodeSequence(encodeUnsignedInteger(r), encodeUnsignedInteger(s)) };
        }
    }

    // The uncompressed public key 04 ‖ x ‖ y.
    publicKeyBytes() {
        return concatBytes(Uint8Array.of(4), bigIntToBytes(this.publicKey.x, 32), bigIntToBytes(this.publicKey.y, 32));
    }
}

// GB/T 32918.2 §7.1 verification (used by the console's self-test against its own signer).
export function sm2Verify(publicKey, message, signature, id = DEFAULT_SM2_ID) {
    const seq = parseDer(signature).expect(TAG.SEQUENCE).children();
    if (seq.length !== 2) return false;
    const r = seq[0].bigint();
    const s = seq[1].bigint();
    if (r < 1n || r >= N || s < 1n || s >= N) return false;
    const t = (r + s) % N;
    if (t === 0n) return false;
    const msg = message instanceof Uint8Array ? message : utf8(String(message));
    const e = bytesToBigInt(new Sm3().update(zValue(publicKey, id)).update(msg).digest());
    const jacobian = (pt) => ({ x: pt.x, y: pt.y, z: 1n });
    const sum = add(jacobian(multiply(s, G)), jacobian(multiply(t, publicKey)));
    if (sum.z === 0n) return false;
    return (e + toAffine(sum).x) % N === r;
}

// Reads an unencrypted PKCS#8 PrivateKeyInfo (RFC 5208; the "PRIVATE KEY" PEM of `yinxin staff
// demo` and `openssl genpkey -algorithm SM2`) holding an SM2 key (id-ecPublicKey with the SM2 curve
// or the SM2 OID as the algorithm) with its RFC 5915 ECPrivateKey. When the key carries its public
// point, it must match d·G.
export function sm2KeyFromPkcs8Pem(text) {
    const labels = pemLabels(text);
    if (labels.includes("ENCRYPTED PRIVATE KEY")) throw new KeyFormatError("encrypted");
    if (!labels.includes("PRIVATE KEY")) throw new KeyFormatError("not_pkcs8");
    let info;
    try {
        info = parseDer(pemDecode(text, "PRIVATE KEY")).expect(TAG.SEQUENCE).children();
    } catch (e) {
        throw new KeyFormatError("malformed", e);
    }
    if (info.length < 3 || info[0].bigint() !== 0n) throw new KeyFormatError("malformed");
    const alg = info[1].expect(TAG.SEQUENCE).children();
    const algOid = alg[0].oid();
    const curve = alg.length > 1 && alg[1].tag === TAG.OID ? alg[1].oid() : "";
    if (!(algOid === OID_SM2_CURVE || (algOid === OID_EC_PUBLIC_KEY && curve === OID_SM2_CURVE))) {
        throw new KeyFormatError("not_sm2");
    }
    const ec = parseDer(info[2].expect(TAG.OCTET_STRING).content).expect(TAG.SEQUENCE).children();
    if (ec.length < 2 || ec[0].bigint() !== 1n) throw new KeyFormatError("malformed");
    const key = new Sm2PrivateKey(bytesToBigInt(ec[1].expect(TAG.OCTET_STRING).content));
    const pub = ec.find((c) => c.isContext(1));
    if (pub) {
        const point = parseDer(pub.content).bitStringBytes();
        if (point.length !== 65 || point[0] !== 4) throw new KeyFormatError("malformed");
        const x = bytesToBigInt(point.subarray(1, 33));
        const y = bytesToBigInt(point.subarray(33));
        if (!onCurve(x, y) || x !== key.publicKey.x || y !== key.publicKey.y) throw new KeyFormatError("mismatch");
    }
    return key;
}

// Why a key file was refused; `reason` picks the message in the catalogue (key.<reason>).
export class KeyFormatError extends Error {
    constructor(reason, cause = undefined) {
        super(`SM2 key: ${reason}`);
        this.reason = reason;
        this.cause = cause;
    }
}
