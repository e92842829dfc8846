// Reading certificates (RFC 5280 §4.1) and CRLs (§5.1) for display: names, validity, serials, the
// CRL number and the revoked entries. Nothing here decides trust; the server and relying parties
// verify signatures.

import { parseDer, TAG } from "./der.js";

const NAME_OIDS = {
    "2.5.4.6": "C",
    "2.5.4.8": "ST",
    "2.5.4.7": "L",
    "2.5.4.10": "O",
    "2.5.4.11": "OU",
    "2.5.4.3": "CN",
    "2.5.4.5": "serialNumber",
    "2.5.4.12": "title",
    "1.2.840.113549.1.9.1": "emailAddress",
};

const SIG_OIDS = {
    "1.2.156.10197.1.501": "SM2-with-SM3",
    "1.2.840.10045.4.3.2": "ecdsa-with-SHA256",
    "1.2.840.10045.4.3.3": "ecdsa-with-SHA384",
    "1.2.840.113549.1.1.11": "sha256WithRSAEncryption",
};

const REASONS = [
    "unspecified",
    "keyCompromise",
    "cACompromise",
    "affiliationChanged",
    "superseded",
    "cessationOfOperation",
    "certificateHold",
    "",
    "removeFromCRL",
    "privilegeWithdrawn",
    "aACompromise",
];

// Name → "C=CN, O=…, CN=…" in the order of the RDN sequence.
export function nameToString(tlv) {
    const parts = [];
    for (const rdn of tlv.expect(TAG.SEQUENCE).children()) {
        for (const atv of rdn.expect(TAG.SET).children()) {
            const [type, value] = atv.children();
            const oid = type.oid();
            parts.push(`${NAME_OIDS[oid] ?? oid}=${value.string()}`);
        }
    }
    return parts.join(", ");
}

function extensionsOf(tlv) {
    const out = new Map();
    for (const ext of tlv.expect(TAG.SEQUENCE).children()) {
        const c = ext.children();
        const value = c[c.length - 1].expect(TAG.OCTET_STRING).content;
        out.set(c[0].oid(), value);
    }
    return out;
}

export function parseCertificate(der) {
    const [tbs, sigAlg] = parseDer(der).expect(TAG.SEQUENCE).children();
    const f = tbs.expect(TAG.SEQUENCE).children();
    let i = 0;
    let version = 1;
    if (f[0].isContext(0)) {
        version = Number(parseDer(f[0].content).bigint()) + 1;
        i = 1;
    }
    const serial = f[i].integerHex();
    const issuer = nameToString(f[i + 2]);
    const [notBefore, notAfter] = f[i + 3].children().map((x) => x.time());
    const subject = nameToString(f[i + 4]);
    return {
        version,
        serial,
        issuer,
        subject,
        notBefore,
        notAfter,
        signatureAlgorithm: SIG_OIDS[sigAlg.children()[0].oid()] ?? sigAlg.children()[0].oid(),
    };
}

// {issuer, thisUpdate, nextUpdate, number, delta, entries: [{serial, date, reason}]}.
export function parseCrl(der) {
    const [tbs] = parseDer(der).expect(TAG.SEQUENCE).children();
    const f = tbs.expect(TAG.SEQUENCE).children();
    let i = 0;
    if (f[0].tag === TAG.INTEGER) i = 1; // version v2
    const issuer = nameToString(f[i + 1]);
    const thisUpdate = f[i + 2].time();
    let at = i + 3;
    let nextUpdate = null;
    if (f[at] && (f[at].tag === TAG.UTC_TIME || f[at].tag === TAG.GENERALIZED_TIME)) nextUpdate = f[at++].time();
    const entries = [];
    if (f[at] && f[at].tag === TAG.SEQUENCE) {
        for (const e of f[at++].children()) {
            const c = e.children();
            let reason = "unspecified";
            if (c[2]) {
                const code = extensionsOf(c[2]).get("2.5.29.21");
                if (code) reason = REASONS[parseDer(code).content[0]] ?? "unspecified";
            }
            entries.push({ serial: c[0].integerHex(), date: c[1].time(), reason });
        }
    }
    let number = null;
    let delta = false;
    if (f[at] && f[at].isContext(0)) {
        const exts = extensionsOf(parseDer(f[at].content));
        const n = exts.get("2.5.29.20");
        if (n) number = parseDer(n).bigint();
        delta = exts.has("2.5.29.27");
    }
    return { issuer, thisUpdate, nextUpdate, number, delta, entries };
}
