// One seal: the registry record (code, unit, certificate, validity, generation, status and why),
// its published status (GET /api/v1/seal-status/{code}, what relying parties see), its lifecycle
// history — the application it was made from and every change, loss report, cancellation,
// renewal or replacement request with its signed approval — and who may use or review it.

import { get, seg } from "../api.js";
import { t, label } from "../i18n.js";
import { can } from "../session.js";
import { h, panel, facts, table, formatTime, downloadBytes, button, errorBox } from "../ui.js";
import { sealBadge, sealState, sealLink, applicationLink, signedMark } from "./seal_common.js";

async function orNull(p) {
    try {
        return await p;
    } catch {
        return null;
    }
}

export default {
    id: "seal",
    route: "seals/:code",
    nav: null,
    visible: () => can("seal.application.read"),
    async render({ params }) {
        const code = params.code;
        const [seal, published, lifecycle, grants] = await Promise.all([
            get(`/api/v1/seal/seals/${seg(code)}`),
            orNull(get(`/api/v1/seal-status/${seg(code)}`, { auth: false })),
            get("/api/v1/seal/lifecycle-requests", { query: { seal_code: code, limit: 1000 } }),
            orNull(get(`/api/v1/seal-use/seals/${seg(code)}/users`)),
        ]);
        const application = seal.application_id ? await orNull(get(`/api/v1/seal/applications/${seg(seal.application_id)}`)) : null;
        const state = sealState(seal);
        const messages = h("div", { class: "messages" });
        const summary = facts(
            [
                [t("seal.code"), h("span", { class: "mono", "data-testid": "seal-code" }, seal.seal_code)],
                [t("req.state"), sealBadge("seal", state)],
                [t("seal.state_reason"), seal.state_reason],
                [t("seal.published"), published ? h("span", { "data-testid": "published-status", dataset: { status: published.status } }, label("seal", published.status), published.changed_at ? ` · ${formatTime(published.changed_at)}` : "") : ""],
                [t("seal.seal_name"), seal.seal_name],
                [t("seal.unit_name"), seal.unit_name],
                [t("sealform.credit_code"), seal.credit_code],
                [t("req.org_node"), seal.org_node],
                [t("seal.delivery"), label("sealdelivery", seal.delivery)],
                [t("seal.valid_from"), formatTime(seal.valid_from)],
                [t("seal.valid_to"), formatTime(seal.valid_to)],
                [t("seal.generation"), String(seal.generation)],
                [t("seal.certificate"), h("span", { class: "mono" }, seal.certificate)],
                [t("seal.key_label"), seal.device_key_label],
                [t("seal.replaces"), sealLink(seal.replaces)],
                [t("seal.replaced_by"), sealLink(seal.replaced_by)],
                [t("seal.filing_ref"), seal.filing_ref],
            ],
            { testid: "seal-facts" },
        );
        const actions = [
            button(t("seal.download_cert"), () => downloadBytes(new TextEncoder().encode(seal.certificate_pem), `${seal.seal_code}.cer.pem`, "application/x-pem-file"), { testid: "seal-cert" }),
        ];
        // The history: the application, then each lifecycle request in time order.
        const events = [];
        if (application)
            events.push({
                at: application.submitted_at,
                kind: t("seal.ev_application"),
                id: applicationLink(application.id),
                state: sealBadge("sealapp", application.state),
                by: application.submitted_by,
                approved: application.approved_by ? `${application.approved_by} · ${formatTime(application.approved_at)}` : "",
                sig: application.approval_signature,
                detail: application.made_at ? t("seal.ev_made", { by: application.made_by, at: formatTime(application.made_at) }) : "",
            });
        for (const r of lifecycle.lifecycle_requests)
            events.push({
                at: r.submitted_at,
                kind: label("seallckind", r.kind),
                id: h("span", { class: "mono" }, r.id),
                state: sealBadge("seallc", r.state),
                by: r.submitted_by,
                approved: r.approved_by ? `${r.approved_by} · ${formatTime(r.approved_at)}` : r.rejected_by ? `${r.rejected_by} · ${r.reject_reason}` : "",
                sig: r.approval_signature,
                detail: [r.reason, r.completed_at ? t("seal.ev_done", { by: r.completed_by, at: formatTime(r.completed_at) }) : "", r.result].filter(Boolean).join(" · "),
            });
        events.sort((a, b) => String(a.at).localeCompare(String(b.at)));
        const history = table(
            [
                { key: "at", label: t("req.at"), render: (e) => formatTime(e.at) },
                { key: "kind", label: t("req.kind") },
                { key: "id", label: t("req.id") },
                { key: "state", label: t("req.state") },
                { key: "by", label: t("req.submitted_by") },
                { key: "approved", label: t("seal.decided") },
                { key: "sig", label: t("req.signed"), render: (e) => signedMark(e.sig) },
                { key: "detail", label: t("req.detail"), class: "wrap" },
            ],
            events,
            { testid: "seal-history" },
        );
        const parts = [
            h("div", { class: "breadcrumbs" }, h("a", { href: "#/seals" }, t("nav.seals")), " / ", seal.seal_code),
            messages,
            panel(t("seal.detail"), summary, { actions, testid: "seal-summary" }),
            panel(t("seal.history"), history),
        ];
        if (grants)
            parts.push(
                panel(
                    t("seal.grants"),
                    table(
                        [
                            { key: "staff_id", label: t("seal.member") },
                            { key: "permission", label: t("seal.permission"), render: (g) => label("sealperm", g.permission) },
                            { key: "granted", label: t("seal.granted"), render: (g) => `${g.granted_by} · ${formatTime(g.granted_at)}` },
                            { key: "withdrawn", label: t("seal.withdrawn"), render: (g) => (g.withdrawn_by ? `${g.withdrawn_by} · ${formatTime(g.withdrawn_at)}` : "") },
                        ],
                        grants.grants,
                        { testid: "seal-grants" },
                    ),
                ),
            );
        if (!published) messages.append(errorBox({ localMessage: t("seal.status_unavailable") }));
        return h("div", { class: "stack", "data-testid": "seal-view", dataset: { state } }, parts);
    },
};
