// Key-recovery requests (KMC, issue 9): a holder's or a judicial recovery of an escrowed
// encryption key. One operator starts it (through the RA), a second person approves or rejects
// it with an SM2 signature over auth::decision_text(approve|reject, id, payload_sm3), and someone
// other than the approver executes it; the key leaves the KMC only enveloped to the holder's (or
// the medium's) public key. The list and the detail are in this module.

import { get, post, seg } from "../api.js";
import { t, label } from "../i18n.js";
import { can, getMe } from "../session.js";
import { signedDecision } from "../sign.js";
import { h, panel, facts, table, select, button, toast, formatTime, downloadBytes, errorBox } from "../ui.js";
import { sealBadge, askReason } from "./seal_common.js";
import { fromBase64 } from "../crypto/encoding.js";

const STATES = ["pending", "approved", "completed", "rejected"];
const visible = () => can("kmc.recover") || can("kmc.judicial.recover");
const recoveryLink = (id) => h("a", { href: `#/recoveries/${encodeURIComponent(id)}`, class: "mono", "data-testid": "recovery-link" }, id);

export const recoveryList = {
    id: "recoveries",
    route: "recoveries",
    nav: { group: "kmc", label: "nav.recoveries" },
    visible,
    async render({ query, navigate }) {
        const state = query.get("state") ?? "";
        const { recoveries } = await get("/api/v1/kmc/recoveries", { query: { state, limit: 200 } });
        const stateSel = select([["", t("common.all")], ...STATES.map((s) => [s, label("recovery", s)])], { value: state, testid: "filter-state" });
        stateSel.addEventListener("change", () => navigate("recoveries", { state: stateSel.value }));
        const rows = table(
            [
                { key: "id", label: t("req.id"), render: (r) => recoveryLink(r.id) },
                { key: "kind", label: t("req.kind"), render: (r) => label("recoverykind", r.kind) },
                { key: "cert", label: t("recovery.certificate"), render: (r) => h("span", { class: "mono" }, `${r.ca}:${r.cert_no}`) },
                { key: "org_node", label: t("req.org_node") },
                { key: "requested", label: t("req.submitted_by"), render: (r) => `${r.requested_by} · ${formatTime(r.requested_at)}` },
                { key: "state", label: t("req.state"), render: (r) => sealBadge("recovery", r.state) },
            ],
            recoveries,
            { testid: "recoveries", rowAttrs: (r) => ({ dataset: { id: r.id, state: r.state } }) },
        );
        return panel(t("recovery.title"), [h("p", { class: "muted" }, t("recovery.hint")), h("div", { class: "filters" }, h("label", {}, t("req.state"), stateSel)), rows], { testid: "recoveries-view" });
    },
};

export const recoveryDetail = {
    id: "recovery",
    route: "recoveries/:id",
    nav: null,
    visible,
    async render({ params, refresh }) {
        const id = params.id;
        const base = `/api/v1/kmc/recoveries/${seg(id)}`;
        const r = await get(base);
        const me = getMe();
        const messages = h("div", { class: "messages", "data-testid": "messages" });
        const decide = async (step, extra = {}) => {
            messages.replaceChildren();
            try {
                const done = await signedDecision({
                    title: t(`req.${step}_progress`),
                    decision: step,
                    objectId: id,
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
        const actions = [];
        // The second person: not the one who started the recovery (the server enforces it too).
        if (r.state === "pending" && r.requested_by !== me?.id) {
            actions.push(button(t("recovery.approve"), () => decide("approve"), { kind: "primary", testid: "recovery-approve" }));
            actions.push(
                button(t("req.reject"), async () => {
                    const reason = await askReason(t("req.reject"), t("req.reject"));
                    if (reason) await decide("reject", { reason });
                }, { kind: "danger", testid: "recovery-reject" }),
            );
        }
        if (r.state === "approved" && r.decided_by !== me?.id)
            actions.push(
                button(t("recovery.execute"), async () => {
                    messages.replaceChildren();
                    try {
                        const out = await post(`${base}/execute`, {});
                        downloadBytes(fromBase64(out.enveloped_key), `${id}.sm2env`, "application/octet-stream");
                        toast(t("recovery.executed"));
                        refresh();
                    } catch (e) {
                        messages.append(errorBox(e));
                    }
                }, { kind: "primary", testid: "recovery-execute" }),
            );
        const summary = facts(
            [
                [t("req.id"), h("span", { class: "mono", "data-testid": "recovery-id" }, r.id)],
                [t("req.kind"), label("recoverykind", r.kind)],
                [t("req.state"), sealBadge("recovery", r.state)],
                [t("recovery.certificate"), h("span", { class: "mono" }, `${r.ca}:${r.cert_no}`)],
                [t("recovery.key_id"), h("span", { class: "mono" }, r.key_id)],
                [t("recovery.ra_request"), r.ra_request_id ? h("a", { href: `#/requests/${encodeURIComponent(r.ra_request_id)}`, class: "mono" }, r.ra_request_id) : ""],
                [t("req.org_node"), r.org_node],
                [t("recovery.case"), r.case_reference],
                [t("req.submitted_by"), `${r.requested_by} · ${formatTime(r.requested_at)}`],
                [t("recovery.decided"), r.decided_by ? h("span", { "data-testid": "recovery-decided" }, `${r.decided_by} · ${formatTime(r.decided_at)}`) : ""],
                [t("req.reason"), r.reason],
                [t("recovery.completed_by"), r.completed_by ? `${r.completed_by} · ${formatTime(r.completed_at)}` : ""],
                [t("recovery.output_sm3"), r.output_sm3 ? h("span", { class: "mono small" }, r.output_sm3) : ""],
                [t("sealapp.payload_sm3"), h("span", { class: "mono small" }, r.payload_sm3)],
            ],
            { testid: "recovery-facts" },
        );
        return h(
            "div",
            { class: "stack", "data-testid": "recovery-view", dataset: { state: r.state } },
            h("div", { class: "breadcrumbs" }, h("a", { href: "#/recoveries" }, t("nav.recoveries")), " / ", r.id),
            messages,
            panel(t("recovery.detail"), summary, { actions, testid: "recovery-summary" }),
        );
    },
};
