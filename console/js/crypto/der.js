// A small DER reader and writer (ITU-T X.690) for what the console handles itself: the PKCS#8 SM2
// key, the SM2 signature value, and reading certificates and CRLs for display. Definite lengths
// only; every read is bounds-checked and throws on malformed input.

import { bytesToBigInt, toHex } from "./encoding.js";

const MAX_DEPTH = 32;

export const TAG = Object.freeze({
    INTEGER: 0x02,
    BIT_STRING: 0x03,
    OCTET_STRING: 0x04,
    NULL: 0x05,
    OID: 0x06,
    UTF8_STRING: 0x0c,
    PRINTABLE_STRING: 0x13,
    IA5_STRING: 0x16,
    UTC_TIME: 0x17,
    GENERALIZED_TIME: 0x18,
    BMP_STRING: 0x1e,
    SEQUENCE: 0x30,
    SET: 0x31,
});

// One TLV: `tag` is the first identifier octet (low tag numbers only, as X.509 uses), `content`
// a view of the value octets, `raw` the whole TLV.
export class Tlv {
    constructor(bytes, start, depth = 0) {
        if (depth > MAX_DEPTH) throw new Error("DER nested too deeply");
        if (start + 2 > bytes.length) throw new Error("DER truncated");
        this.tag = bytes[start];
        if ((this.tag & 0x1f) === 0x1f) throw new Error("DER high tag numbers are not supported");
        let at = start + 1;
        let len = bytes[at++];
        if (len & 0x80) {
            const n = len & 0x7f;
            if (n === 0 || n > 4) throw new Error("DER length form not supported");
            if (at + n > bytes.length) throw new Error("DER truncated");
            len = 0;
            for (let i = 0; i < n; i++) len = len * 256 + bytes[at++];
        }
        if (at + len > bytes.length) throw new Error("DER value runs past its container");
        this.depth = depth;
        this.content = bytes.subarray(at, at + len);
        this.raw = bytes.subarray(start, at + len);
        this.end = at + len;
    }

    get constructed() {
        return (this.tag & 0x20) !== 0;
    }

    // Context-specific [n] tag test.
    isContext(n) {
        return (this.tag & 0xc0) === 0x80 && (this.tag & 0x1f) === n;
    }

    children() {
        if (!this.constructed) throw new Error("DER value is not constructed");
        const out = [];
        for (let at = 0; at < this.content.length; ) {
            const c = new Tlv(this.content, at, this.depth + 1);
            out.push(c);
            at = c.end;
        }
        return out;
    }

    expect(tag) {
        if (this.tag !== tag) throw new Error(`DER: expected tag 0x${tag.toString(16)}, got 0x${this.tag.toString(16)}`);
        return this;
    }

    bigint() {
        this.expect(TAG.INTEGER);
        if (this.content.length === 0) throw new Error("DER INTEGER empty");
        let v = bytesToBigInt(this.content);
        if (this.content[0] & 0x80) v -= 1n << BigInt(8 * this.content.length);
        return v;
    }

    // An INTEGER's two's-complement octets as hex (how serial numbers are shown).
    integerHex() {
        this.expect(TAG.INTEGER);
        return toHex(this.content);
    }

    oid() {
        this.expect(TAG.OID);
        const c = this.content;
        if (c.length === 0) throw new Error("DER OID empty");
        const arcs = [];
        let v = 0n;
        for (let i = 0; i < c.length; i++) {
            v = (v << 7n) | BigInt(c[i] & 0x7f);
            if ((c[i] & 0x80) === 0) {
                arcs.push(v);
                v = 0n;
            } else if (i === c.length - 1) {
                throw new Error("DER OID truncated");
            }
        }
        const first = arcs[0] < 40n ? 0n : arcs[0] < 80n ? 1n : 2n;
        return [first, arcs[0] - first * 40n, ...arcs.slice(1)].join(".");
    }

    bitStringBytes() {
        this.expect(TAG.BIT_STRING);
        if (this.content.length === 0 || this.content[0] !== 0) throw new Error("DER BIT STRING with unused bits");
        return this.content.subarray(1);
    }

    // UTCTime / GeneralizedTime (RFC 5280 §4.1.2.5: Zulu, seconds present) → Date.
    time() {
        const s = new TextDecoder().decode(this.content);
        let m;
        if (this.tag === TAG.UTC_TIME && (m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s))) {
            const yy = Number(m[1]);
            return new Date(Date.UTC(yy < 50 ? 2000 + yy : 1900 + yy, m[2] - 1, m[3], m[4], m[5], m[6]));
        }
        if (this.tag === TAG.GENERALIZED_TIME && (m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s))) {
            return new Date(Date.UTC(Number(m[1]), m[2] - 1, m[3], m[4], m[5], m[6]));
        }
        throw new Error("DER time not in RFC 5280 form");
    }

    string() {
        if (this.tag === TAG.BMP_STRING) {
            let s = "";
            for (let i = 0; i + 1 < this.content.length; i += 2) {
                s += String.fromCharCode((this.content[i] << 8) | this.content[i + 1]);
            }
            return s;
        }
        return new TextDecoder().decode(this.content);
    }
}

export function parseDer(bytes) {
    const t = new Tlv(bytes, 0);
    if (t.end !== bytes.length) throw new Error("DER has trailing bytes");
    return t;
}

// --- writer ---

function encodeLength(n) {
    if (n < 0x80) return [n];
    const out = [];
    for (let v = n; v > 0; v = Math.floor(v / 256)) out.unshift(v & 0xff);
    return [0x80 | out.length, ...out];
}

export function encodeTlv(tag, content) {
    const len = encodeLength(content.length);
    const out = new Uint8Array(1 + len.length + content.length);
    out[0] = tag;
    out.set(len, 1);
    out.set(content, 1 + len.length);
    return out;
}

// A non-negative INTEGER in minimal DER form.
export function encodeUnsignedInteger(v) {
    if (v < 0n) throw new Error("negative");
    let hex = v.toString(16);
    if (hex.length % 2) hex = "0" + hex;
    let bytes = Array.from({ length: hex.length / 2 }, (_, i) => parseInt(hex.substr(2 * i, 2), 16));
    if (bytes[0] & 0x80) bytes = [0, ...bytes];
    return encodeTlv(TAG.INTEGER, Uint8Array.from(bytes));
}

export function encodeSequence(...parts) {
    const total = parts.reduce((n, p) => n + p.length, 0);
    const content = new Uint8Array(total);
    let at = 0;
    for (const p of parts) {
        content.set(p, at);
        at += p.length;
    }
    return encodeTlv(TAG.SEQUENCE, content);
}
