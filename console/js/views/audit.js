// The audit log (LD/T 03-2022 §8.3.8): the hash chain's verification (every record's SM3 link
// and the signed checkpoints, `yinxin audit verify`) and the records page by page, newest first,
// with a filter over the page. Reading and verifying are themselves recorded in the log.

import { get } from "../api.js";
import { t, label } from "../i18n.js";
import { can } from "../session.js";
import { h, panel, table, facts, badge, button, field, select, formatTime, errorBox } from "../ui.js";

const PAGE = 50;

function verifyPanel() {
    const body = h("div", { class: "verify", "data-testid": "audit-verify" }, h("div", { class: "loading", "data-testid": "verify-running" }, t("audit.verifying")));
    const run = async () => {
        body.replaceChildren(h("div", { class: "loading", "data-testid": "verify-running" }, t("audit.verifying")));
        try {
            const r = await get("/api/v1/audit/verify");
            const parts = [
                h(
                    "div",
                    { class: `verify-result ${r.intact ? "ok" : "bad"}`, "data-testid": "verify-result", dataset: { intact: String(r.intact) } },
                    badge(r.intact ? t("audit.intact") : t("audit.broken"), r.intact ? "ok" : "danger", { "data-testid": "verify-badge" }),
                    h("span", {}, r.intact ? t("audit.intact_text", { n: r.records }) : t("audit.broken_text", { n: r.findings.length })),
                ),
                facts([
                    [t("audit.records"), String(r.records)],
                    [t("audit.head_seq"), String(r.head_seq)],
                    [t("audit.checkpoints"), String(r.checkpoints)],
                    [t("audit.anchored_seq"), String(r.anchored_seq)],
                    [t("audit.unanchored"), String(r.unanchored)],
                    [t("audit.key_pinned"), r.key_pinned ? t("common.yes") : t("common.no")],
                ]),
                r.findings.length
                    ? table(
                          [
                              { key: "kind", label: t("audit.finding") },
                              { key: "seq", label: "seq" },
                              { key: "row_id", label: "row" },
                              { key: "message", label: t("req.detail"), class: "wrap" },
                          ],
                          r.findings,
                          { testid: "verify-findings" },
                      )
                    : null,
            ];
            body.replaceChildren(...parts.filter(Boolean));
            return r;
        } catch (e) {
            body.replaceChildren(errorBox(e));
            return null;
        }
    };
    return { node: panel(t("audit.verify_title"), body, { actions: [button(t("audit.verify_again"), () => run(), { testid: "verify-again" })] }), run };
}

export default {
    id: "audit",
    route: "audit",
    nav: { group: "audit", label: "nav.audit" },
    visible: () => can("audit.read") || can("audit.verify"),
    async render({ query, navigate }) {
        const parts = [];
        let head = null;
        if (can("audit.verify")) {
            const v = verifyPanel();
            parts.push(v.node);
            head = await v.run();
        }
        if (can("audit.read")) {
            const requested = Number(query.get("from") ?? 0);
            const headSeq = head?.head_seq ?? 0;
            const from = requested > 0 ? requested : Math.max(1, headSeq - PAGE + 1);
            const page = await get("/api/v1/audit/records", { query: { from, limit: PAGE } });
            const records = [...page.records].reverse();
            const filter = h("input", { type: "search", placeholder: t("audit.filter_placeholder"), value: query.get("q") ?? "", "data-testid": "audit-filter" });
            const result = select([["", t("common.all")], ["success", label("result", "success")], ["failure", label("result", "failure")]], { value: query.get("result") ?? "", testid: "audit-result-filter" });
            const columns = [
                { key: "seq", label: "seq", class: "num" },
                { key: "time", label: t("req.at"), class: "nowrap", render: (r) => formatTime(r.time) },
                { key: "actor", label: t("req.actor") },
                { key: "role", label: t("req.role"), class: "nowrap", render: (r) => (r.role ? label("role", r.role) : "") },
                { key: "action", label: t("req.action"), render: (r) => h("span", { class: "mono" }, r.action) },
                { key: "target", label: t("audit.target"), class: "clip", render: (r) => h("span", { title: r.target }, r.target) },
                { key: "result", label: t("audit.result"), render: (r) => badge(label("result", r.result), r.result === "success" ? "ok" : "danger") },
                { key: "error_code", label: t("audit.error_code"), render: (r) => (r.error_code ? h("span", { class: "mono" }, r.error_code) : "") },
                { key: "source", label: t("audit.source") },
                { key: "detail", label: t("req.detail"), class: "clip small", render: (r) => h("span", { title: r.detail }, r.detail) },
            ];
            const tableBox = h("div");
            const draw = () => {
                const q = filter.value.trim().toLowerCase();
                const rows = records.filter(
                    (r) => (!result.value || r.result === result.value) && (!q || [r.actor, r.action, r.target, r.detail, r.error_code].some((x) => String(x ?? "").toLowerCase().includes(q))),
                );
                tableBox.replaceChildren(table(columns, rows, { testid: "audit-records" }));
            };
            filter.addEventListener("input", draw);
            result.addEventListener("change", draw);
            draw();
            const first = records.length ? records[records.length - 1].seq : from;
            const pager = h(
                "div",
                { class: "pager" },
                first > 1 ? button(t("audit.older"), () => navigate("audit", { from: Math.max(1, first - PAGE) }), { testid: "audit-older" }) : null,
                requested && page.next_from ? button(t("audit.newer"), () => navigate("audit", { from: page.next_from }), { testid: "audit-newer" }) : null,
                requested ? button(t("audit.latest"), () => navigate("audit")) : null,
            );
            parts.push(panel(t("audit.title"), [h("div", { class: "filters" }, field(t("common.filter"), filter), field(t("audit.result"), result)), tableBox, pager], { testid: "audit-log" }));
        }
        return h("div", { class: "stack", "data-testid": "audit" }, parts);
    },
};
