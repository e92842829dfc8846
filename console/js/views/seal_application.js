// One seal application: the §7.5 form as entered (unit, handler, approving unit, seal name and
// picture), the Table 1 materials with their SM3, and the decisions the member may take. Approval
// and rejection are signed here with the member's SM2 key over
// auth::decision_text(approve|reject, id, payload_sm3 of the application).

import { get, post, seg } from "../api.js";
import { t, label } from "../i18n.js";
import { can } from "../session.js";
import { signedDecision } from "../sign.js";
import { h, panel, facts, table, button, toast, formatTime, downloadBytes, errorBox } from "../ui.js";
import { sealBadge, sealLink, askReason, bytesText } from "./seal_common.js";

const FORM_FIELDS = [
    "unit_name",
    "credit_code",
    "division_code",
    "unit_type",
    "unit_address",
    "handler_name",
    "handler_id_number",
    "handler_mobile",
    "approving_unit_name",
    "approving_division_code",
    "seal_name",
    "seal_type",
    "picture_type",
    "width_mm",
    "height_mm",
];

function formValue(form, key) {
    if (key === "unit_type") return label("sealunit", form.unit_type);
    return form[key] === undefined || form[key] === null ? "" : String(form[key]);
}

export default {
    id: "seal-application",
    route: "seal-applications/:id",
    nav: null,
    visible: () => can("seal.application.read"),
    async render({ params, refresh }) {
        const id = params.id;
        const base = `/api/v1/seal/applications/${seg(id)}`;
        const app = await get(base);
        const messages = h("div", { class: "messages", "data-testid": "messages" });

        const decide = async (step, extra = {}) => {
            messages.replaceChildren();
            try {
                const done = await signedDecision({
                    title: t(`req.${step}_progress`),
                    decision: step,
                    objectId: id,
                    // What the server says the decision covers, read fresh (not the page's copy).
                    payload: async () => ({ payload_sm3: (await get(base)).payload_sm3 }),
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
        const plain = (path, done) => async () => {
            messages.replaceChildren();
            try {
                await post(`${base}/${path}`, {});
                toast(t(done));
                refresh();
            } catch (e) {
                messages.append(errorBox(e));
            }
        };

        const actions = [];
        if (app.state === "submitted" && can("seal.application.approve")) {
            actions.push(button(t("req.approve"), () => decide("approve"), { kind: "primary", testid: "approve" }));
            actions.push(
                button(t("req.reject"), async () => {
                    const reason = await askReason(t("req.reject"), t("req.reject"));
                    if (reason) await decide("reject", { reason });
                }, { kind: "danger", testid: "reject" }),
            );
        }
        if (app.state === "approved" && can("seal.make")) actions.push(button(t("sealapp.make"), plain("make", "sealapp.make_done"), { kind: "primary", testid: "make" }));
        if (app.state === "made" && can("seal.make")) actions.push(button(t("req.deliver"), plain("deliver", "req.deliver_done"), { testid: "deliver" }));

        const summary = facts(
            [
                [t("req.id"), h("span", { class: "mono", "data-testid": "application-id" }, app.id)],
                [t("req.state"), sealBadge("sealapp", app.state)],
                [t("req.org_node"), app.org_node],
                [t("seal.delivery"), label("sealdelivery", app.delivery)],
                [t("seal.scope"), label("sealscope", app.scope)],
                [t("seal.validity_days"), app.validity_days ? String(app.validity_days) : ""],
                [t("req.submitted_by"), `${app.submitted_by} · ${formatTime(app.submitted_at)}`],
                [t("req.approved_by"), app.approved_by ? `${app.approved_by} · ${formatTime(app.approved_at)}` : ""],
                [t("req.signed"), app.approval_signature ? h("span", { class: "badge badge-ok", title: app.approval_signature, "data-testid": "approval-signed" }, t("req.signed_yes")) : ""],
                [t("req.rejected"), app.rejected_by ? `${app.rejected_by} · ${formatTime(app.rejected_at)} · ${app.reject_reason}` : ""],
                [t("sealapp.made_by"), app.made_by ? `${app.made_by} · ${formatTime(app.made_at)}` : ""],
                [t("seal.code"), app.seal_code ? h("span", { "data-testid": "application-seal" }, sealLink(app.seal_code)) : ""],
                [t("req.delivery"), app.delivered_by ? `${app.delivered_by} · ${app.received_by} · ${formatTime(app.delivered_at)}` : ""],
                [t("sealapp.payload_sm3"), h("span", { class: "mono small" }, app.payload_sm3)],
            ],
            { testid: "application-facts" },
        );
        const form = facts(
            FORM_FIELDS.map((k) => [t(`sealform.${k}`), formValue(app.form, k), { dataset: { field: k } }]),
            { testid: "seal-form-fields" },
        );
        const downloadMaterial = async (n, m) => {
            messages.replaceChildren();
            try {
                downloadBytes(await get(`${base}/materials/${n}`, { as: "bytes" }), m.name, "application/octet-stream");
            } catch (e) {
                messages.append(errorBox(e));
            }
        };
        const materials = table(
            [
                { key: "kind", label: t("sealapp.material_kind"), render: (m) => label("material", m.kind) },
                { key: "name", label: t("sealapp.material_name") },
                { key: "size", label: t("sealapp.material_size"), class: "num", render: (m) => bytesText(m.size) },
                { key: "sm3", label: "SM3", render: (m) => h("span", { class: "mono small" }, m.sm3) },
                { key: "get", label: "", render: (m) => button(t("sealapp.download"), () => downloadMaterial(app.materials.indexOf(m), m), { testid: "material-download" }) },
            ],
            app.materials,
            { testid: "materials" },
        );
        return h(
            "div",
            { class: "stack", "data-testid": "seal-application-view", dataset: { state: app.state } },
            h("div", { class: "breadcrumbs" }, h("a", { href: "#/seal-applications" }, t("nav.seal_applications")), " / ", app.id),
            messages,
            panel(t("sealapp.detail"), summary, { actions, testid: "seal-application-summary" }),
            panel(t("sealapp.form"), form),
            panel(t("sealapp.materials"), materials),
        );
    },
};
