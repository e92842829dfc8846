// The HTTP API client: JSON in and out, the bearer token of the session, and RFC 9457 problem
// documents turned into ApiError with the stable dotted code ("auth.bad_credentials").

import { t } from "./i18n.js";

const TOKEN_KEY = "yinxin.console.token";

// The session token lives in sessionStorage: it survives a reload of this tab and is gone when the
// tab closes; other tabs and later visits must log in again (docs/threat-model.md).
export const token = {
    get: () => sessionStorage.getItem(TOKEN_KEY),
    set: (v) => sessionStorage.setItem(TOKEN_KEY, v),
    clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

export class ApiError extends Error {
    constructor(status, problem, fallbackMessage) {
        super(problem?.detail || fallbackMessage || `HTTP ${status}`);
        this.status = status;
        this.code = problem?.error ?? null; // dotted name, e.g. "auth.bad_credentials"
        this.numeric = problem?.code ?? null; // stable number, e.g. 14003
        this.detail = problem?.detail ?? "";
        this.requestId = problem?.request_id ?? null;
    }
}

let onUnauthorized = () => {};
export function setUnauthorizedHandler(fn) {
    onUnauthorized = fn;
}

// api("GET", "/api/v1/ra/requests", {query: {state: "submitted"}}) → parsed JSON (or text/bytes
// with `as`). Throws ApiError on a problem or a network failure.
export async function api(method, path, { body, query, as = "json", contentType, auth = true } = {}) {
    const url = new URL(path, location.origin);
    for (const [k, v] of Object.entries(query ?? {})) {
        if (v !== undefined && v !== null && v !== "") url.searchParams.set(k, v);
    }
    const headers = { Accept: as === "json" ? "application/json, application/problem+json" : "*/*" };
    const tok = token.get();
    if (auth && tok) headers.Authorization = `Bearer ${tok}`;
    let payload;
    if (body !== undefined) {
        if (contentType) {
            headers["Content-Type"] = contentType;
            payload = body;
        } else {
            headers["Content-Type"] = "application/json";
            payload = JSON.stringify(body);
        }
    }
    let res;
    try {
        res = await fetch(url, { method, headers, body: payload, cache: "no-store", credentials: "same-origin" });
    } catch (e) {
        const err = new ApiError(0, null, t("error.network"));
        err.localMessage = t("error.network");
        throw err;
    }
    if (!res.ok) {
        let problem = null;
        const type = res.headers.get("Content-Type") || "";
        if (type.includes("json")) problem = await res.json().catch(() => null);
        const err = new ApiError(res.status, problem);
        if (res.status === 401 && auth && tok) onUnauthorized(err);
        throw err;
    }
    if (res.status === 204) return null;
    if (as === "text") return res.text();
    if (as === "bytes") return new Uint8Array(await res.arrayBuffer());
    return res.json();
}

export const get = (path, opts) => api("GET", path, opts);
export const post = (path, body, opts = {}) => api("POST", path, { ...opts, body });
export const put = (path, body, opts = {}) => api("PUT", path, { ...opts, body });

// Path segment escaping for ids taken from data.
export const seg = (s) => encodeURIComponent(String(s));
