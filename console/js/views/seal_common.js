// Pieces shared by the seal views (docs/seal-system.md): state badges of applications, seals,
// lifecycle and use requests, links, and the reason prompt of a signed refusal.

import { t, label } from "../i18n.js";
import { badge, h, dialog, field, button, setFieldError } from "../ui.js";

const KIND = {
    submitted: "info",
    requested: "info",
    approved: "info",
    made: "ok",
    delivered: "ok",
    completed: "ok",
    signed: "ok",
    valid: "ok",
    pending: "info",
    rejected: "danger",
    refused: "danger",
    lost: "danger",
    cancelled: "danger",
    expired: "warning",
};

// group: "sealapp" (applications), "seal" (registry), "seallc" (lifecycle), "sealuse" (use).
export const sealBadge = (group, state) =>
    badge(label(group, state), KIND[state] ?? "neutral", { "data-testid": "state", dataset: { state } });

// A valid seal past its validity end is shown as expired (the registry keeps "valid").
export function sealState(seal, now = Date.now()) {
    if (seal.state === "valid" && seal.valid_to && new Date(seal.valid_to).getTime() < now) return "expired";
    return seal.state;
}

export const sealLink = (code) => (code ? h("a", { href: `#/seals/${encodeURIComponent(code)}`, class: "mono", "data-testid": "seal-link" }, code) : "");
export const applicationLink = (id) => (id ? h("a", { href: `#/seal-applications/${encodeURIComponent(id)}`, class: "mono", "data-testid": "seal-application-link" }, id) : "");
export const useLink = (id) => (id ? h("a", { href: `#/seal-uses/${encodeURIComponent(id)}`, class: "mono", "data-testid": "seal-use-link" }, id) : "");

export const signedMark = (sig) => (sig ? h("span", { class: "badge badge-ok", title: sig, "data-testid": "signed-mark" }, t("req.signed_yes")) : "—");

// Asks for the reason of a refusal / rejection; resolves with it or null.
export function askReason(title, confirmLabel) {
    return dialog(title, (close) => {
        const reason = h("textarea", { rows: 3, maxlength: 500, "data-testid": "reject-reason" });
        const form = h(
            "form",
            { novalidate: true },
            field(t("req.reject_reason"), reason, { required: true }),
            h("div", { class: "dialog-actions" }, button(t("common.cancel"), () => close(null)), button(confirmLabel, null, { kind: "danger", type: "submit", testid: "reject-confirm" })),
        );
        form.addEventListener("submit", (e) => {
            e.preventDefault();
            if (!reason.value.trim()) return setFieldError(reason, t("form.required"));
            close(reason.value.trim());
        });
        return form;
    });
}

export const bytesText = (n) => (n >= 1024 * 1024 ? `${(n / 1048576).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`);
