// The seal registry: every seal of the member's subtree with its status (valid, lost, cancelled;
// expired when past its validity), filtered by state. The detail with its history is seal.js.

import { get } from "../api.js";
import { t, label } from "../i18n.js";
import { can } from "../session.js";
import { h, panel, table, select, button, formatTime } from "../ui.js";
import { sealBadge, sealState, sealLink, applicationLink } from "./seal_common.js";

const PAGE = 50;

export default {
    id: "seals",
    route: "seals",
    nav: { group: "seal", label: "nav.seals" },
    visible: () => can("seal.application.read"),
    async render({ query, navigate }) {
        const state = query.get("state") ?? "";
        const after = query.get("after") ?? "";
        const { seals } = await get("/api/v1/seal/seals", { query: { state, after, limit: PAGE } });
        const stateSel = select([["", t("common.all")], ...["valid", "lost", "cancelled"].map((s) => [s, label("seal", s)])], { value: state, testid: "filter-state" });
        stateSel.addEventListener("change", () => navigate("seals", { state: stateSel.value }));
        const rows = table(
            [
                { key: "seal_code", label: t("seal.code"), render: (s) => sealLink(s.seal_code) },
                { key: "seal_name", label: t("seal.seal_name") },
                { key: "unit_name", label: t("seal.unit_name") },
                { key: "delivery", label: t("seal.delivery"), render: (s) => label("sealdelivery", s.delivery) },
                { key: "state", label: t("req.state"), render: (s) => sealBadge("seal", sealState(s)) },
                { key: "valid_to", label: t("seal.valid_to"), render: (s) => formatTime(s.valid_to) },
                { key: "generation", label: t("seal.generation"), class: "num" },
                { key: "application", label: t("seal.application"), render: (s) => applicationLink(s.application_id) },
            ],
            seals,
            { testid: "seals", rowAttrs: (s) => ({ dataset: { code: s.seal_code, state: sealState(s) } }) },
        );
        const pager = h(
            "div",
            { class: "pager" },
            after ? button(t("common.first_page"), () => navigate("seals", { state })) : null,
            seals.length === PAGE ? button(t("common.next_page"), () => navigate("seals", { state, after: seals[seals.length - 1].seal_code })) : null,
        );
        return panel(t("seal.registry"), [h("div", { class: "filters" }, h("label", {}, t("req.state"), stateSel)), rows, pager], { testid: "seals-view" });
    },
};
