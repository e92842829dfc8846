// Seal-use requests (集中式用章, LD/T 01.1-2022 §8.2): a seal reviewer sees the requests for the
// seals they review (pending ones first: the default filter), a seal user their own requests,
// seal staff those of their subtree. The detail with the signed decision is seal_use.js.

import { get } from "../api.js";
import { t, label } from "../i18n.js";
import { can } from "../session.js";
import { h, panel, table, select, button, formatTime } from "../ui.js";
import { sealBadge, sealLink, useLink } from "./seal_common.js";

const PAGE = 50;
const STATES = ["requested", "approved", "refused", "signed", "expired"];

export function useDeadline(r, now = Date.now()) {
    if (r.state !== "requested") return "—";
    const left = new Date(r.review_deadline).getTime() - now;
    return left < 0 ? h("span", { class: "badge badge-danger" }, t("sealuse.overdue")) : formatTime(r.review_deadline);
}

export default {
    id: "seal-uses",
    route: "seal-uses",
    nav: { group: "seal", label: "nav.seal_uses" },
    visible: () => can("seal.use.review") || can("seal.use.request"),
    async render({ query, navigate }) {
        const reviewer = can("seal.use.review");
        const state = query.get("state") ?? (reviewer ? "requested" : "");
        const after = query.get("after") ?? "";
        const { requests } = await get("/api/v1/seal-use/requests", { query: { state, after, limit: PAGE } });
        const stateSel = select([["", t("common.all")], ...STATES.map((s) => [s, label("sealuse", s)])], { value: state, testid: "filter-state" });
        stateSel.addEventListener("change", () => navigate("seal-uses", { state: stateSel.value }));
        const rows = table(
            [
                { key: "id", label: t("req.id"), render: (r) => useLink(r.id) },
                { key: "seal", label: t("seal.seal_name"), render: (r) => h("span", {}, r.seal_name, " ", h("span", { class: "muted" }, sealLink(r.seal_code))) },
                { key: "document_name", label: t("sealuse.document") },
                { key: "purpose", label: t("sealuse.purpose"), class: "wrap" },
                { key: "requested_by", label: t("sealuse.requested_by") },
                { key: "requested_at", label: t("req.submitted_at"), render: (r) => formatTime(r.requested_at) },
                { key: "deadline", label: t("sealuse.deadline"), render: (r) => useDeadline(r) },
                { key: "state", label: t("req.state"), render: (r) => sealBadge("sealuse", r.state) },
            ],
            requests,
            { testid: "seal-uses", rowAttrs: (r) => ({ dataset: { id: r.id, state: r.state } }) },
        );
        const pager = h(
            "div",
            { class: "pager" },
            after ? button(t("common.first_page"), () => navigate("seal-uses", { state })) : null,
            requests.length === PAGE ? button(t("common.next_page"), () => navigate("seal-uses", { state, after: requests[requests.length - 1].id })) : null,
        );
        return panel(t(reviewer ? "sealuse.title_reviewer" : "sealuse.title"), [h("div", { class: "filters" }, h("label", {}, t("req.state"), stateSel)), rows, pager], { testid: "seal-uses-view" });
    },
};
