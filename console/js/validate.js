// Form checks done in the browser before a request is sent, so the operator sees the field at
// fault at once. The server checks again (ra::validate_form) and its answer is what counts.

const digits = (s) => /^\d+$/.test(s);

// GB 11643-1999: 17 digits, a real birth date in positions 7-14, ISO 7064 MOD 11-2 check character.
export function validCitizenId(id) {
    if (!/^\d{17}[\dXx]$/.test(id)) return false;
    const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum = 0;
    for (let i = 0; i < 17; i++) sum += Number(id[i]) * weights[i];
    if ("10X98765432"[sum % 11] !== id[17].toUpperCase()) return false;
    const y = Number(id.slice(6, 10));
    const m = Number(id.slice(10, 12));
    const d = Number(id.slice(12, 14));
    const date = new Date(Date.UTC(y, m - 1, d));
    return y >= 1900 && date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

// GB 32100-2015 unified social credit code (the alphabet leaves out I, O, Z, S and V).
export function validSocialCreditCode(code) {
    const alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    const weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
    if (code.length !== 18) return false;
    let sum = 0;
    for (let i = 0; i < 17; i++) {
        const v = alphabet.indexOf(code[i]);
        if (v < 0) return false;
        sum += v * weights[i];
    }
    return code[17] === alphabet[(31 - (sum % 31)) % 31];
}

// GB 11714 organisation code: 8 characters [0-9A-Z] and a check digit or X, with or without '-'.
export function validOrgCode(s) {
    const code = s.replace(/-/g, "");
    if (!/^[0-9A-Z]{8}[0-9X]$/.test(code)) return false;
    const weights = [3, 7, 9, 10, 5, 8, 4, 2];
    let sum = 0;
    for (let i = 0; i < 8; i++) {
        const c = code[i];
        sum += (c >= "0" && c <= "9" ? Number(c) : c.charCodeAt(0) - 55) * weights[i];
    }
    const check = 11 - (sum % 11);
    return code[8] === (check === 10 ? "X" : String(check === 11 ? 0 : check));
}

function validIpv4(s) {
    const parts = s.split(".");
    return parts.length === 4 && parts.every((p) => digits(p) && p.length <= 3 && !(p.length > 1 && p[0] === "0") && Number(p) <= 255);
}

const CHECKS = {
    text: () => true,
    gender: (v) => ["male", "female", "男", "女"].includes(v),
    id_number: validCitizenId,
    postcode: (v) => /^\d{6}$/.test(v),
    email: (v) => /^[\x21-\x7e]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/.test(v) && !v.includes(" "),
    phone: (v) => /^\+?[\d-]+$/.test(v) && v.replace(/\D/g, "").length >= 7 && v.replace(/\D/g, "").length <= 15,
    org_code: (v) => validSocialCreditCode(v) || validOrgCode(v),
    mac: (v) => /^[0-9A-Fa-f]{2}([:-][0-9A-Fa-f]{2}){5}$/.test(v),
    ip: (v) => validIpv4(v) || (/^[0-9A-Fa-f:]{2,39}$/.test(v) && v.includes(":") && !v.includes(":::")),
    carrier: (v) => /^\d{16}$/.test(v),
};

// The catalogue key of what is wrong with `value` for a field spec {required, syntax}, or null.
export function checkField(spec, value) {
    const v = value.trim();
    if (!v) return spec.required ? "form.required" : null;
    if (new TextEncoder().encode(v).length > 256) return "validate.too_long";
    return (CHECKS[spec.syntax] ?? CHECKS.text)(v) ? null : `validate.${spec.syntax}`;
}
