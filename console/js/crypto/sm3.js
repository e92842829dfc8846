// SM3 cryptographic hash (GB/T 32905-2016), written for the console: the browser has no SM3 in
// WebCrypto. Input and output are Uint8Array; the state is eight 32-bit words.

const IV = [0x7380166f, 0x4914b2b9, 0x172442d7, 0xda8a0600, 0xa96f30bc, 0x163138aa, 0xe38dee4d, 0xb0fb0e4e];

const rotl = (x, n) => ((x << (n & 31)) | (x >>> ((32 - (n & 31)) & 31))) >>> 0;
// GB/T 32905 §4.4: P0 in the compression function, P1 in the message expansion.
const p0 = (x) => (x ^ rotl(x, 9) ^ rotl(x, 17)) >>> 0;
const p1 = (x) => (x ^ rotl(x, 15) ^ rotl(x, 23)) >>> 0;

// §4.2 constants T_j, rotated by j as the compression function uses them (rotl(T_j, j mod 32)).
const T_ROT = Array.from({ length: 64 }, (_, j) => rotl(j < 16 ? 0x79cc4519 : 0x7a879d8a, j % 32));

function compress(v, block, offset) {
    const w = new Uint32Array(68);
    const w1 = new Uint32Array(64);
    for (let j = 0; j < 16; j++) {
        const i = offset + 4 * j;
        w[j] = ((block[i] << 24) | (block[i + 1] << 16) | (block[i + 2] << 8) | block[i + 3]) >>> 0;
    }
    // §5.3.2 message expansion.
    for (let j = 16; j < 68; j++) {
        w[j] = (p1(w[j - 16] ^ w[j - 9] ^ rotl(w[j - 3], 15)) ^ rotl(w[j - 13], 7) ^ w[j - 6]) >>> 0;
    }
    for (let j = 0; j < 64; j++) w1[j] = (w[j] ^ w[j + 4]) >>> 0;

    let [a, b, c, d, e, f, g, h] = v;
    // §5.3.3 compression function CF.
    for (let j = 0; j < 64; j++) {
        const a12 = rotl(a, 12);
        const ss1 = rotl((a12 + e + T_ROT[j]) >>> 0, 7);
        const ss2 = (ss1 ^ a12) >>> 0;
        const ff = j < 16 ? a ^ b ^ c : (a & b) | (a & c) | (b & c);
        const gg = j < 16 ? e ^ f ^ g : (e & f) | (~e & g);
        const tt1 = (ff + d + ss2 + w1[j]) >>> 0;
        const tt2 = (gg + h + ss1 + w[j]) >>> 0;
        d = c;
        c = rotl(b, 9);
        b = a;
        a = tt1;
        h = g;
        g = rotl(f, 19);
        f = e;
        e = p0(tt2);
    }
    const out = [a, b, c, d, e, f, g, h];
    for (let i = 0; i < 8; i++) v[i] = (v[i] ^ out[i]) >>> 0;
}

// Incremental SM3: update() any number of times, then digest() once.
export class Sm3 {
    constructor() {
        this.v = IV.slice();
        this.buf = new Uint8Array(64);
        this.used = 0;
        this.length = 0; // bytes so far
    }

    update(data) {
        const bytes = data instanceof Uint8Array ? data : new TextEncoder().encode(String(data));
        let i = 0;
        this.length += bytes.length;
        if (this.used > 0) {
            const take = Math.min(64 - this.used, bytes.length);
            this.buf.set(bytes.subarray(0, take), this.used);
            this.used += take;
            i = take;
            if (this.used < 64) return this;
            compress(this.v, this.buf, 0);
            this.used = 0;
        }
        for (; i + 64 <= bytes.length; i += 64) compress(this.v, bytes, i);
        this.buf.set(bytes.subarray(i), 0);
        this.used = bytes.length - i;
        return this;
    }

    digest() {
        // §5.2 padding: a 1 bit, zeros, and the 64-bit big-endian length in bits.
        const bits = BigInt(this.length) * 8n;
        const padLen = this.used < 56 ? 56 - this.used : 120 - this.used;
        const pad = new Uint8Array(padLen + 8);
        pad[0] = 0x80;
        for (let i = 0; i < 8; i++) pad[padLen + i] = Number((bits >> BigInt(8 * (7 - i))) & 0xffn);
        this.update(pad);
        const out = new Uint8Array(32);
        for (let i = 0; i < 8; i++) {
            out[4 * i] = this.v[i] >>> 24;
            out[4 * i + 1] = (this.v[i] >>> 16) & 0xff;
            out[4 * i + 2] = (this.v[i] >>> 8) & 0xff;
            out[4 * i + 3] = this.v[i] & 0xff;
        }
        return out;
    }
}

// SM3 of bytes, or of a string's UTF-8 encoding.
export function sm3(data) {
    return new Sm3().update(data).digest();
}
