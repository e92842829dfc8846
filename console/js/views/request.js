// One registration request: the form (表 A.1–A.4) as entered, where it stands in the §6.4 chain
// (submitted → 主管部门 approved → 证书管理部门 reviewed → completed → delivered), its history with
// the signed decisions, and the decisions the member may take. Every decision is signed here
// with the member's SM2 key over auth::decision_text(step, id, payload SM3 of GET .../payload).

import { get, post, seg } from "../api.js";
import { t, label, lang } from "../i18n.js";
import { can, getMeta } from "../session.js";
import { signedDecision } from "../sign.js";
import { h, panel, facts, table, button, dialog, field, select, setFieldError, toast, formatTime, decisionClock, downloadBytes, errorBox } from "../ui.js";
import { stateBadge, certificateLink, subjectName } from "./common.js";

const ISSUING = new Set(["issue", "renewal", "change"]);

export function fieldLabel(key, spec) {
    const l = t(`field.${key}`, {}, null);
    if (l) return l;
    return lang() === "en" ? key : (spec?.label_zh ?? key);
}

function formFacts(req) {
    const specs = getMeta().forms[req.subject_kind]?.fields ?? [];
    const known = new Set(specs.map((f) => f.key));
    const pairs = specs.map((f) => [fieldLabel(f.key, f), req.form[f.key] ?? "", { dataset: { field: f.key } }]);
    for (const [k, v] of Object.entries(req.form)) if (!known.has(k)) pairs.push([k, v]);
    return facts(pairs, { testid: "form-fields" });
}

function askReason(title) {
    return dialog(title, (close) => {
        const reason = h("textarea", { rows: 3, maxlength: 500, "data-testid": "reject-reason" });
        const form = h(
            "form",
            { novalidate: true },
            field(t("req.reject_reason"), reason, { required: true }),
            h("div", { class: "dialog-actions" }, button(t("common.cancel"), () => close(null)), button(t("req.reject"), null, { kind: "danger", type: "submit", testid: "reject-confirm" })),
        );
        form.addEventListener("submit", (e) => {
            e.preventDefault();
            if (!reason.value.trim()) return setFieldError(reason, t("form.required"));
            close(reason.value.trim());
        });
        return form;
    });
}

function askDelivery() {
    return dialog(t("req.deliver"), (close) => {
        const method = select(["mail", "courier", "collection", "online"].map((m) => [m, label("delivery", m)]), { testid: "deliver-method", value: "collection" });
        const receivedBy = h("input", { type: "text", maxlength: 128, "data-testid": "deliver-received-by" });
        const carrier = h("input", { type: "text", maxlength: 16, inputmode: "numeric", "data-testid": "deliver-carrier" });
        const form = h(
            "form",
            { novalidate: true },
            field(t("req.delivery_method"), method, { required: true }),
            field(t("req.received_by"), receivedBy, { required: true }),
            field(t("req.carrier_no"), carrier, { hint: t("req.carrier_hint") }),
            h("div", { class: "dialog-actions" }, button(t("common.cancel"), () => close(null)), button(t("req.deliver"), null, { kind: "primary", type: "submit", testid: "deliver-confirm" })),
        );
        form.addEventListener("submit", (e) => {
            e.preventDefault();
            if (!receivedBy.value.trim()) return setFieldError(receivedBy, t("form.required"));
            if (carrier.value && !/^\d{16}$/.test(carrier.value)) return setFieldError(carrier, t("validate.carrier"));
            close({ method: method.value, received_by: receivedBy.value.trim(), carrier_no: carrier.value });
        });
        return form;
    });
}

export default {
    id: "request",
    route: "requests/:id",
    nav: null,
    visible: () => can("ra.application.read"),
    async render({ params, refresh }) {
        const id = params.id;
        const base = `/api/v1/ra/requests/${seg(id)}`;
        const [req, { history }] = await Promise.all([get(base), get(`${base}/history`)]);
        const messages = h("div", { class: "messages", "data-testid": "messages" });
        const payload = () => get(`${base}/payload`);

        const decide = async (step, extra = {}) => {
            messages.replaceChildren();
            try {
                const done = await signedDecision({
                    title: t(`req.${step}_progress`),
                    decision: step,
                    objectId: id,
                    payload,
                    send: (signature) => post(`${base}/${step}`, { ...extra, signature }),
                });
                if (done) {
                    toast(t(`req.${step}_done`));
                    refresh();
                }
            } catch (e) {
                messages.append(errorBox(e));
            }
        };

        const actions = [];
        const open = req.state === "submitted" || req.state === "approved";
        if (req.state === "submitted" && can("ra.application.approve"))
            actions.push(button(t("req.approve"), () => decide("approve"), { kind: "primary", testid: "approve" }));
        if (req.state === "approved" && can("ra.application.review"))
            actions.push(button(t("req.review"), () => decide("review"), { kind: "primary", testid: "review" }));
        if (open && can("ra.application.reject"))
            actions.push(
                button(t("req.reject"), async () => {
                    const reason = await askReason(t("req.reject"));
                    if (reason) await decide("reject", { reason });
                }, { kind: "danger", testid: "reject" }),
            );
        if (req.state === "reviewed" && can("ra.application.review"))
            actions.push(
                button(t("req.complete"), async () => {
                    messages.replaceChildren();
                    try {
                        await post(`${base}/complete`, {});
                        toast(t("req.complete_done"));
                        refresh();
                    } catch (e) {
                        messages.append(errorBox(e));
                    }
                }, { testid: "complete" }),
            );
        if (req.state === "completed" && ISSUING.has(req.kind) && can("ra.application.review"))
            actions.push(
                button(t("req.deliver"), async () => {
                    const d = await askDelivery();
                    if (d) await decide("deliver", d);
                }, { testid: "deliver" }),
            );
        if ((req.state === "completed" || req.state === "delivered") && ISSUING.has(req.kind)) {
            const download = async (format) => {
                messages.replaceChildren();
                try {
                    const bytes = await get(`${base}/certificate`, { query: { format }, as: "bytes" });
                    const name = `${id}.${format === "der" ? "cer" : "pem"}`;
                    downloadBytes(bytes, name, format === "der" ? "application/pkix-cert" : "application/x-pem-file");
                } catch (e) {
                    messages.append(errorBox(e));
                }
            };
            actions.push(button(t("cert.download_pem"), () => download("pem"), { testid: "download-pem" }));
            actions.push(button(t("cert.download_der"), () => download("der"), { testid: "download-der" }));
        }

        const summary = facts(
            [
                [t("req.id"), h("span", { class: "mono", "data-testid": "request-id" }, req.id)],
                [t("req.kind"), label("kind", req.kind)],
                [t("req.state"), stateBadge(req.state)],
                [t("req.clock"), decisionClock(req)],
                [t("req.subject"), subjectName(req)],
                [t("req.subject_kind"), label("subject", req.subject_kind)],
                [t("req.org_node"), req.org_node],
                [t("req.ca"), req.ca],
                [t("req.profile"), req.profile],
                [t("req.target"), req.target ? certificateLink(req.target) : ""],
                [t("req.reason"), req.reason ? label("reason", req.reason) : ""],
                [t("req.submitted_by"), req.submitted_by],
                [t("req.submitted_at"), formatTime(req.submitted_at)],
                [t("req.decision_due"), formatTime(req.decision_due)],
                [t("req.approved_by"), req.approved_by ? `${req.approved_by} · ${formatTime(req.approved_at)}` : ""],
                [t("req.reviewed_by"), req.reviewed_by ? `${req.reviewed_by} · ${formatTime(req.reviewed_at)}` : ""],
                [t("req.completed_at"), formatTime(req.completed_at)],
                [t("req.result"), req.result ? h("span", { "data-testid": "result" }, certificateLink(req.result)) : ""],
                [t("req.rejected"), req.rejected_by ? `${req.rejected_by} · ${formatTime(req.rejected_at)} · ${req.reject_reason}` : ""],
                [t("req.delivery"), req.delivery ? `${label("delivery", req.delivery.method)} · ${req.delivery.received_by} · ${formatTime(req.delivery.delivered_at)}` : ""],
            ],
            { testid: "request-facts" },
        );

        const historyTable = table(
            [
                { key: "seq", label: "#" },
                { key: "at", label: t("req.at"), render: (e) => formatTime(e.at) },
                { key: "actor", label: t("req.actor") },
                { key: "role", label: t("req.role"), render: (e) => label("role", e.role) },
                { key: "action", label: t("req.action") },
                { key: "to", label: t("req.state"), render: (e) => stateBadge(e.to) },
                { key: "signature", label: t("req.signed"), render: (e) => (e.signature ? h("span", { class: "badge badge-ok", title: e.signature }, t("req.signed_yes")) : "—") },
                { key: "detail", label: t("req.detail"), class: "wrap" },
            ],
            history,
            { testid: "history" },
        );

        return h(
            "div",
            { class: "stack", "data-testid": "request-view", dataset: { state: req.state } },
            h("div", { class: "breadcrumbs" }, h("a", { href: "#/requests" }, t("nav.queue")), " / ", req.id),
            messages,
            panel(t("req.title"), summary, { actions, testid: "request-summary" }),
            panel(t(`form.title.${req.subject_kind}`), formFacts(req), { testid: "request-form" }),
            panel(t("req.history"), historyTable),
        );
    },
};
