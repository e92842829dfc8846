// The seal use log (§8.2.4): every signed use — object, seal, requester, reviewer, operator, time
// and the SM3 of the document before and after — for auditors and the seal staff of the subtree.

import { get } from "../api.js";
import { t } from "../i18n.js";
import { can } from "../session.js";
import { h, panel, table, button, formatTime } from "../ui.js";
import { sealLink, useLink } from "./seal_common.js";

const PAGE = 100;

export default {
    id: "seal-use-log",
    route: "seal-use-log",
    nav: { group: "seal", label: "nav.seal_use_log" },
    visible: () => can("audit.read") || can("seal.application.read") || can("seal.user.manage"),
    async render({ query, navigate }) {
        const seal = query.get("seal") ?? "";
        const after = query.get("after") ?? "";
        const { entries } = await get("/api/v1/seal-use/log", { query: { seal, after, limit: PAGE } });
        const sealInput = h("input", { type: "text", value: seal, maxlength: 32, "data-testid": "log-seal" });
        const filters = h(
            "form",
            { class: "filters", novalidate: true, onsubmit: (e) => (e.preventDefault(), navigate("seal-use-log", { seal: sealInput.value.trim() })) },
            h("label", {}, t("seal.code"), sealInput),
            button(t("common.filter"), null, { type: "submit" }),
        );
        const rows = table(
            [
                { key: "seq", label: "#", class: "num" },
                { key: "signed_at", label: t("sealuse.signed_at"), render: (e) => formatTime(e.signed_at) },
                { key: "seal", label: t("seal.seal_name"), render: (e) => h("span", {}, e.seal_name, " ", sealLink(e.seal_code)) },
                { key: "document_name", label: t("sealuse.document") },
                { key: "request_id", label: t("req.id"), render: (e) => useLink(e.request_id) },
                { key: "requested_by", label: t("sealuse.requested_by") },
                { key: "reviewed_by", label: t("sealuse.reviewed_by") },
                { key: "operator", label: t("sealuse.operator") },
                { key: "result_sm3", label: t("sealuse.result_sm3"), render: (e) => h("span", { class: "mono small", title: e.result_sm3 }, e.result_sm3.slice(0, 16) + "…") },
            ],
            entries,
            { testid: "seal-use-log", rowAttrs: (e) => ({ dataset: { request: e.request_id } }) },
        );
        const pager = h(
            "div",
            { class: "pager" },
            after ? button(t("common.first_page"), () => navigate("seal-use-log", { seal })) : null,
            entries.length === PAGE ? button(t("common.next_page"), () => navigate("seal-use-log", { seal, after: entries[entries.length - 1].seq })) : null,
        );
        return panel(t("sealuse.log_title"), [filters, rows, pager], { testid: "seal-use-log-view" });
    },
};
