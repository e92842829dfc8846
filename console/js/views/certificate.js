// One certificate: what the repository says (status, revocation), what the certificate itself
// says (issuer, subject, validity, signature algorithm, read from its DER here), downloads as PEM
// and DER, and the status changes the member may make: revoke (a new CRL is signed at once),
// suspend / release a hold, or — for holders and approvers — a revocation request.

import { get, post, seg } from "../api.js";
import { t, label } from "../i18n.js";
import { can } from "../session.js";
import { pemDecode } from "../crypto/encoding.js";
import { parseCertificate } from "../crypto/x509.js";
import { h, panel, facts, button, dialog, field, select, setFieldError, withProgress, toast, formatTime, downloadBytes, errorBox, notice } from "../ui.js";
import { stateBadge } from "./common.js";
import { certificateViewAllowed } from "./certificates.js";

const REASONS = ["unspecified", "keyCompromise", "cACompromise", "affiliationChanged", "superseded", "cessationOfOperation", "privilegeWithdrawn"];

function askStatusChange(action) {
    return dialog(t(`cert.${action}`), (close) => {
        const reason = select(REASONS.map((r) => [r, label("reason", r)]), { testid: "revoke-reason", value: "keyCompromise" });
        const why = h("textarea", { rows: 3, maxlength: 500, "data-testid": "status-why" });
        const form = h(
            "form",
            { novalidate: true },
            h("p", {}, t(`cert.${action}_warning`)),
            action === "revoke" ? field(t("req.reason"), reason, { required: true }) : null,
            field(t("cert.why"), why, { required: true, hint: t("cert.why_hint") }),
            h("div", { class: "dialog-actions" }, button(t("common.cancel"), () => close(null)), button(t(`cert.${action}`), null, { kind: action === "revoke" ? "danger" : "primary", type: "submit", testid: "status-confirm" })),
        );
        form.addEventListener("submit", (e) => {
            e.preventDefault();
            if (!why.value.trim()) return setFieldError(why, t("form.required"));
            close({ reason: action === "revoke" ? reason.value : undefined, why: why.value.trim() });
        });
        return form;
    });
}

export default {
    id: "certificate",
    route: "certificates/:ca/:serial",
    nav: null,
    visible: certificateViewAllowed,
    async render({ params, refresh, navigate }) {
        const { ca, serial } = params;
        const c = await get(`/api/v1/cas/${seg(ca)}/certificates/${seg(serial)}`, { auth: false });
        const messages = h("div", { class: "messages", "data-testid": "messages" });
        let parsed = null;
        let der = null;
        if (c.certificate_pem) {
            der = pemDecode(c.certificate_pem, "CERTIFICATE");
            try {
                parsed = parseCertificate(der);
            } catch {
                parsed = null;
            }
        }
        const change = async (action) => {
            messages.replaceChildren();
            const input = await askStatusChange(action);
            if (!input) return;
            try {
                const out = await withProgress(t(`cert.${action}_progress`), async (progress) => {
                    progress(t("cert.step.request"));
                    return post(`/api/v1/ra/certificates/${seg(ca)}/${seg(serial)}/${action}`, input);
                });
                toast(out.crl_number !== undefined ? t("cert.done_crl", { status: label("certstate", out.status), n: out.crl_number }) : t("cert.done", { status: label("certstate", out.status) }));
                refresh();
            } catch (e) {
                messages.append(errorBox(e));
            }
        };

        const actions = [];
        if (der) {
            const base = `${ca}-${serial}`;
            actions.push(button(t("cert.download_pem"), () => downloadBytes(new TextEncoder().encode(c.certificate_pem), `${base}.pem`, "application/x-pem-file"), { testid: "download-pem" }));
            actions.push(button(t("cert.download_der"), () => downloadBytes(der, `${base}.cer`, "application/pkix-cert"), { testid: "download-der" }));
        }
        if (c.status === "issued" && can("ra.revocation.approve")) actions.push(button(t("cert.revoke"), () => change("revoke"), { kind: "danger", testid: "revoke" }));
        if (c.status === "issued" && can("ra.suspend")) actions.push(button(t("cert.suspend"), () => change("suspend"), { testid: "suspend" }));
        if (c.status === "on_hold" && can("ra.unsuspend")) actions.push(button(t("cert.unsuspend"), () => change("unsuspend"), { testid: "unsuspend" }));
        if (c.status === "issued" && !can("ra.revocation.approve") && can("ra.revocation.request"))
            actions.push(button(t("cert.request_revocation"), () => navigate("submit", { kind: "revocation", target: `${ca}:${serial}` }), { testid: "request-revocation" }));

        const info = facts(
            [
                [t("req.ca"), c.ca_id],
                [t("certs.serial"), h("span", { class: "mono", "data-testid": "cert-serial-value" }, c.serial)],
                [t("req.state"), stateBadge(c.status, "certstate")],
                [t("certs.subject"), c.subject],
                [t("cert.issuer"), parsed?.issuer],
                [t("certs.not_before"), formatTime(c.not_before)],
                [t("certs.not_after"), formatTime(c.not_after)],
                [t("req.profile"), c.profile],
                [t("cert.algorithm"), parsed?.signatureAlgorithm],
                [t("cert.fingerprint"), c.fingerprint_sm3 ? h("span", { class: "mono wrap" }, c.fingerprint_sm3) : ""],
                [t("cert.revoked_at"), c.revocation ? formatTime(c.revocation.time) : ""],
                [t("req.reason"), c.revocation ? label("reason", c.revocation.reason) : ""],
            ],
            { testid: "cert-facts" },
        );
        return h(
            "div",
            { class: "stack", "data-testid": "certificate-view", dataset: { status: c.status } },
            h("div", { class: "breadcrumbs" }, h("a", { href: "#/certificates" }, t("nav.certificates")), " / ", `${ca}:${serial}`),
            messages,
            c.status === "revoked" ? notice(t("cert.revoked_notice"), "warning", "revoked-notice") : null,
            panel(t("cert.title"), info, { actions, testid: "certificate" }),
            c.certificate_pem ? panel("PEM", h("pre", { class: "pem", "data-testid": "cert-pem" }, c.certificate_pem)) : null,
        );
    },
};
