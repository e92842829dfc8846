// Seal applications (申领, LD/T 01.1-2022 §7.5): the applications of the member's subtree with
// their state; the detail is seal_application.js.

import { get } from "../api.js";
import { t, label } from "../i18n.js";
import { can } from "../session.js";
import { h, panel, table, select, button, formatTime } from "../ui.js";
import { sealBadge, applicationLink, sealLink } from "./seal_common.js";

const PAGE = 50;
const STATES = ["submitted", "approved", "rejected", "made", "delivered"];

export default {
    id: "seal-applications",
    route: "seal-applications",
    nav: { group: "seal", label: "nav.seal_applications" },
    visible: () => can("seal.application.read"),
    async render({ query, navigate }) {
        const state = query.get("state") ?? "";
        const after = query.get("after") ?? "";
        const { applications } = await get("/api/v1/seal/applications", { query: { state, after, limit: PAGE } });
        const stateSel = select([["", t("common.all")], ...STATES.map((s) => [s, label("sealapp", s)])], { value: state, testid: "filter-state" });
        stateSel.addEventListener("change", () => navigate("seal-applications", { state: stateSel.value }));
        const rows = table(
            [
                { key: "id", label: t("req.id"), render: (a) => applicationLink(a.id) },
                { key: "unit", label: t("seal.unit_name"), render: (a) => a.form.unit_name },
                { key: "seal", label: t("seal.seal_name"), render: (a) => a.form.seal_name },
                { key: "delivery", label: t("seal.delivery"), render: (a) => label("sealdelivery", a.delivery) },
                { key: "org_node", label: t("req.org_node") },
                { key: "state", label: t("req.state"), render: (a) => sealBadge("sealapp", a.state) },
                { key: "submitted_at", label: t("req.submitted_at"), render: (a) => formatTime(a.submitted_at) },
                { key: "seal_code", label: t("seal.code"), render: (a) => sealLink(a.seal_code) },
            ],
            applications,
            { testid: "seal-applications", rowAttrs: (a) => ({ dataset: { id: a.id, state: a.state } }) },
        );
        const pager = h(
            "div",
            { class: "pager" },
            after ? button(t("common.first_page"), () => navigate("seal-applications", { state })) : null,
            applications.length === PAGE ? button(t("common.next_page"), () => navigate("seal-applications", { state, after: applications[applications.length - 1].id })) : null,
        );
        return panel(t("sealapp.title"), [h("div", { class: "filters" }, h("label", {}, t("req.state"), stateSel)), rows, pager], { testid: "seal-applications-view" });
    },
};
