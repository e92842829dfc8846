// The logged-in member: who (GET /api/v1/auth/me), what the role may do (the role × action matrix
// of /console/meta.json, the server's own table), and the SM2 signing key read from the member's
// key file. The key stays in this module's memory only: never stored, never sent; a reload asks
// for the file again when the next decision needs a signature.

import { api, get, post, token } from "./api.js";
import { sm2KeyFromPkcs8Pem, DEFAULT_SM2_ID } from "./crypto/sm2.js";
import { toBase64 } from "./crypto/encoding.js";

let meta = null;
let me = null;
let signingKey = null;
let actionIndex = new Map();

export async function loadMeta() {
    meta = await get("/console/meta.json", { auth: false });
    actionIndex = new Map(meta.actions.map((a) => [a.name, a]));
    return meta;
}

export const getMeta = () => meta;
export const getMe = () => me;
export const sm2Id = () => meta?.sm2_id ?? DEFAULT_SM2_ID;

// The matrix lookup of auth::role_allows + auth::subsystem_allows: business admins and operators
// act only in their own subsystem. The server decides again (and checks the organisation scope);
// this only decides what the console shows.
export function can(actionName, who = me) {
    if (!who || !who.active) return false;
    const a = actionIndex.get(actionName);
    if (!a || !a.roles.includes(who.role)) return false;
    if ((who.role === "business_admin" || who.role === "business_operator") && a.subsystem) {
        return who.subsystem === a.subsystem;
    }
    return true;
}

export const isStaff = (who = me) => Boolean(who && meta?.roles.find((r) => r.name === who.role)?.staff);

export function rolesManagedBy(role) {
    return meta?.roles.find((r) => r.name === role)?.manages ?? [];
}

// Restores the session of this tab (token in sessionStorage); null when there is none or it ended.
export async function restore() {
    if (!token.get()) return null;
    try {
        me = await get("/api/v1/auth/me");
        return me;
    } catch {
        token.clear();
        me = null;
        return null;
    }
}

// Password + SM2-signed challenge (staff_routes.h): the challenge is signed here with the key
// from the member's file. `progress(step)` reports each step.
export async function login(loginName, password, key, progress = () => {}) {
    progress("challenge");
    const ch = await post("/api/v1/auth/challenge", { login: loginName }, { auth: false });
    progress("sign");
    const sig = key.sign(ch.challenge, sm2Id()).der;
    progress("login");
    const s = await post(
        "/api/v1/auth/login",
        { login: loginName, password, challenge_id: ch.challenge_id, signature: toBase64(sig) },
        { auth: false },
    );
    token.set(s.token);
    signingKey = key;
    me = await get("/api/v1/auth/me");
    return me;
}

export async function logout() {
    try {
        if (token.get()) await api("POST", "/api/v1/auth/logout");
    } catch {
        // The session may already have ended; the local state is cleared either way.
    }
    endLocal();
}

export function endLocal() {
    token.clear();
    me = null;
    signingKey = null;
}

export const hasKey = () => signingKey !== null;
export function setKey(key) {
    signingKey = key;
}
export const parseKey = (pemText) => sm2KeyFromPkcs8Pem(pemText);

// auth::decision_text: the exact text a decision signature covers.
export function decisionText(decision, objectId, payloadSm3Hex) {
    return `yinxin-decision/1\n${decision}\n${objectId}\n${payloadSm3Hex}\n`;
}

// Base64 DER SM2 signature of `text` with the member's key; `askKey` is called (and must return
// a key) when the key is not loaded in this page.
export async function signText(text, askKey) {
    if (!signingKey) {
        const key = await askKey();
        if (!key) return null;
        signingKey = key;
    }
    return toBase64(signingKey.sign(text, sm2Id()).der);
}
