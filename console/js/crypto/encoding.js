// Byte encodings the console needs: hex, base64, UTF-8 and PEM armour (RFC 7468).

export function toHex(bytes) {
    let s = "";
    for (const b of bytes) s += b.toString(16).padStart(2, "0");
    return s;
}

export function fromHex(hex) {
    const clean = hex.replace(/[\s:]/g, "");
    if (clean.length % 2 !== 0 || /[^0-9a-fA-F]/.test(clean)) throw new Error("not hex");
    const out = new Uint8Array(clean.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.substr(2 * i, 2), 16);
    return out;
}

export function toBase64(bytes) {
    let bin = "";
    for (let i = 0; i < bytes.length; i += 0x8000) {
        bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    }
    return btoa(bin);
}

export function fromBase64(text) {
    const bin = atob(text.replace(/\s+/g, ""));
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
}

export const utf8 = (s) => new TextEncoder().encode(s);

// The DER inside the first PEM block with `label` (RFC 7468 §2); throws when there is none.
export function pemDecode(text, label) {
    const re = new RegExp(`-----BEGIN ${label}-----([\\s\\S]*?)-----END ${label}-----`);
    const m = re.exec(text);
    if (!m) throw new Error(`no PEM block "${label}"`);
    return fromBase64(m[1]);
}

// PEM labels present in the text, in order.
export function pemLabels(text) {
    return [...text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----/g)].map((m) => m[1]);
}

export function bytesToBigInt(bytes) {
    let v = 0n;
    for (const b of bytes) v = (v << 8n) | BigInt(b);
    return v;
}

export function bigIntToBytes(v, length) {
    const out = new Uint8Array(length);
    let x = v;
    for (let i = length - 1; i >= 0; i--) {
        out[i] = Number(x & 0xffn);
        x >>= 8n;
    }
    if (x !== 0n) throw new Error("integer too large");
    return out;
}

export function concatBytes(...parts) {
    const total = parts.reduce((n, p) => n + p.length, 0);
    const out = new Uint8Array(total);
    let at = 0;
    for (const p of parts) {
        out.set(p, at);
        at += p.length;
    }
    return out;
}
