// Decision support (iTrus CPS 决策支持; LD/T 03 §9.3): certificates issued through the RA counted
// by type (profile), region (the form's 所在省份/城市) and month, stacked by status, drawn as SVG
// bar charts; the table and a CSV download carry the same numbers.

import { get } from "../api.js";
import { t, label } from "../i18n.js";
import { can } from "../session.js";
import { h, svg, panel, table, field, button, downloadBytes, errorBox } from "../ui.js";

const STATUSES = ["valid", "suspended", "revoked", "expired"];
const COLORS = { valid: "#2f7d5b", suspended: "#c8912e", revoked: "#b8453c", expired: "#8a8f98" };

// {key → {status → count}} for one dimension.
function groupBy(rows, key) {
    const out = new Map();
    for (const r of rows) {
        const k = r[key] || "—";
        if (!out.has(k)) out.set(k, Object.fromEntries(STATUSES.map((s) => [s, 0])));
        const g = out.get(k);
        g[r.status] = (g[r.status] ?? 0) + r.count;
    }
    return out;
}

// A horizontal stacked bar chart: one bar per key, one segment per status.
export function barChart(groups, { title, testid, sortKeys = false }) {
    const keys = [...groups.keys()];
    if (sortKeys) keys.sort();
    else keys.sort((a, b) => total(groups.get(b)) - total(groups.get(a)));
    const max = Math.max(1, ...keys.map((k) => total(groups.get(k))));
    const rowH = 26;
    const labelW = 150;
    const width = 560;
    const barW = width - labelW - 50;
    const height = Math.max(rowH, keys.length * rowH) + 30;
    const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart", role: "img", "aria-label": title, "data-testid": testid });
    keys.forEach((k, i) => {
        const y = i * rowH + 4;
        chart.append(svg("text", { x: labelW - 8, y: y + 15, "text-anchor": "end", class: "chart-label" }, k));
        let x = labelW;
        for (const s of STATUSES) {
            const v = groups.get(k)[s];
            if (!v) continue;
            const w = (v / max) * barW;
            chart.append(svg("rect", { x, y, width: Math.max(w, 1), height: rowH - 8, fill: COLORS[s], "data-status": s }, svg("title", {}, `${k} · ${label("stat", s)}: ${v}`)));
            x += w;
        }
        chart.append(svg("text", { x: x + 6, y: y + 15, class: "chart-value" }, String(total(groups.get(k)))));
    });
    // Legend.
    let lx = labelW;
    for (const s of STATUSES) {
        chart.append(svg("rect", { x: lx, y: height - 18, width: 12, height: 12, fill: COLORS[s] }));
        chart.append(svg("text", { x: lx + 16, y: height - 8, class: "chart-legend" }, label("stat", s)));
        lx += 100;
    }
    return h("figure", { class: "chart-box" }, h("figcaption", {}, title), keys.length ? chart : h("p", { class: "muted" }, t("common.empty")));
}

const total = (g) => STATUSES.reduce((n, s) => n + (g[s] ?? 0), 0);

export default {
    id: "statistics",
    route: "statistics",
    nav: { group: "ra", label: "nav.statistics" },
    visible: () => can("ra.statistics.read"),
    async render({ query, navigate }) {
        const from = query.get("from") ?? "";
        const to = query.get("to") ?? "";
        const fromInput = h("input", { type: "date", value: from, "data-testid": "stat-from" });
        const toInput = h("input", { type: "date", value: to, "data-testid": "stat-to" });
        const form = h("form", { class: "filters" }, field(t("stat.from"), fromInput), field(t("stat.to"), toInput), button(t("common.apply"), null, { type: "submit", kind: "primary", testid: "stat-apply" }));
        form.addEventListener("submit", (e) => {
            e.preventDefault();
            navigate("statistics", { from: fromInput.value, to: toInput.value });
        });
        // Without ?to= the server's default end (year 9999) overflows its nanosecond clock and
        // matches nothing, so the console always names the end: tomorrow (UTC) unless chosen.
        const end = to || new Date(Date.now() + 86400000).toISOString().slice(0, 10);
        const { statistics } = await get("/api/v1/ra/statistics", { query: { from, to: end } });
        const messages = h("div");
        const csv = button(t("stat.csv"), async () => {
            try {
                const bytes = await get("/api/v1/ra/statistics", { query: { from, to: end, format: "csv" }, as: "bytes" });
                downloadBytes(bytes, "statistics.csv", "text/csv");
            } catch (e) {
                messages.replaceChildren(errorBox(e));
            }
        }, { testid: "stat-csv" });
        const sum = statistics.reduce((n, r) => n + r.count, 0);
        return h(
            "div",
            { class: "stack", "data-testid": "statistics" },
            panel(t("stat.title"), [form, messages, h("p", { "data-testid": "stat-total", dataset: { count: sum } }, t("stat.total", { n: sum }))], { actions: [csv] }),
            h(
                "div",
                { class: "grid-charts" },
                barChart(groupBy(statistics, "profile"), { title: t("stat.by_type"), testid: "chart-type" }),
                barChart(groupBy(statistics, "region"), { title: t("stat.by_region"), testid: "chart-region" }),
                barChart(groupBy(statistics, "period"), { title: t("stat.by_month"), testid: "chart-month", sortKeys: true }),
            ),
            panel(
                t("stat.table"),
                table(
                    [
                        { key: "period", label: t("stat.month") },
                        { key: "profile", label: t("req.profile") },
                        { key: "region", label: t("stat.region") },
                        { key: "org_node", label: t("req.org_node") },
                        { key: "status", label: t("req.state"), render: (r) => label("stat", r.status) },
                        { key: "count", label: t("stat.count"), class: "num" },
                    ],
                    statistics,
                    { testid: "stat-table" },
                ),
            ),
        );
    },
};
