// Pieces shared by the registration views.

import { label } from "../i18n.js";
import { badge, h } from "../ui.js";

const STATE_KIND = {
    submitted: "info",
    approved: "info",
    reviewed: "warning",
    completed: "ok",
    delivered: "ok",
    rejected: "danger",
    issued: "ok",
    revoked: "danger",
    on_hold: "warning",
    pending: "info",
    failed: "danger",
};

export const stateBadge = (state, group = "state") =>
    badge(label(group, state), STATE_KIND[state] ?? "neutral", { "data-testid": "state", dataset: { state } });

// The name on the form (A.1 person, A.2 organisation, A.3 device, A.4 carrier).
export function subjectName(req) {
    const f = req.form ?? {};
    return f.name || f.org_name || f.device_name || req.target || "";
}

export const requestLink = (id) => h("a", { href: `#/requests/${encodeURIComponent(id)}`, class: "mono", "data-testid": "request-link" }, id);

// "demo-sub:0a1b…" → link to the certificate view.
export function certificateLink(ref, text = ref) {
    const [ca, serial] = String(ref).split(":");
    if (!ca || !serial) return text;
    return h("a", { href: `#/certificates/${encodeURIComponent(ca)}/${encodeURIComponent(serial)}`, class: "mono", "data-testid": "certificate-link" }, text);
}
