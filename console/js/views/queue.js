// The application queue (LD/T 03-2022 §6.4): open and finished requests of the member's subtree,
// filtered by state and kind, with the 48-hour decision clock of each open request.

import { get } from "../api.js";
import { t, label } from "../i18n.js";
import { can, getMeta } from "../session.js";
import { h, panel, table, select, button, formatTime, decisionClock } from "../ui.js";
import { stateBadge, subjectName, requestLink } from "./common.js";

const PAGE = 50;

export function requestColumns() {
    return [
        { key: "id", label: t("req.id"), render: (r) => requestLink(r.id) },
        { key: "kind", label: t("req.kind"), render: (r) => label("kind", r.kind) },
        { key: "subject", label: t("req.subject"), render: (r) => subjectName(r) },
        { key: "org_node", label: t("req.org_node") },
        { key: "state", label: t("req.state"), render: (r) => stateBadge(r.state) },
        { key: "submitted_at", label: t("req.submitted_at"), render: (r) => formatTime(r.submitted_at) },
        { key: "clock", label: t("req.clock"), render: (r) => decisionClock(r) ?? "—" },
    ];
}

export default {
    id: "queue",
    route: "requests",
    nav: { group: "ra", label: "nav.queue" },
    visible: () => can("ra.application.read"),
    async render({ query, navigate }) {
        const state = query.get("state") ?? "";
        const kind = query.get("kind") ?? "";
        const after = query.get("after") ?? "";
        const { requests } = await get("/api/v1/ra/requests", { query: { state, kind, after, limit: PAGE } });
        const meta = getMeta();
        const stateSel = select([["", t("common.all")], ...meta.request_states.map((s) => [s, label("state", s)])], { value: state, testid: "filter-state" });
        const kindSel = select([["", t("common.all")], ...meta.request_kinds.map((k) => [k, label("kind", k)])], { value: kind, testid: "filter-kind" });
        const apply = () => navigate("requests", { state: stateSel.value, kind: kindSel.value });
        stateSel.addEventListener("change", apply);
        kindSel.addEventListener("change", apply);
        const filters = h(
            "div",
            { class: "filters" },
            h("label", {}, t("req.state"), stateSel),
            h("label", {}, t("req.kind"), kindSel),
        );
        const pager = h(
            "div",
            { class: "pager" },
            after ? button(t("common.first_page"), () => navigate("requests", { state, kind })) : null,
            requests.length === PAGE ? button(t("common.next_page"), () => navigate("requests", { state, kind, after: requests[requests.length - 1].id })) : null,
        );
        const actions = [];
        if (can("ra.application.submit")) actions.push(button(t("submit.new"), () => navigate("submit"), { kind: "primary", testid: "new-request" }));
        return panel(t("queue.title"), [filters, table(requestColumns(), requests, { testid: "requests", rowAttrs: (r) => ({ dataset: { id: r.id, state: r.state } }) }), pager], {
            actions,
            testid: "queue",
        });
    },
};
