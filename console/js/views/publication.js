// Status publication as relying parties see it: each CA's newest full CRL fetched from its CRL
// distribution point URL (/crl/<id>.crl), read here — number, this/next update, the revoked
// serials with reasons — and the OCSP URL. Every revocation signs a new CRL at once, so a
// revoked serial shows up here as soon as the revocation is done. For the members who run
// publication (status.crl.issue, system.maintain) also the publication queue of
// GET /api/v1/publication: each LDAP directory or business-system target with its pending, done
// and skipped rows, and the pending rows with their failed attempts and last error.

import { get, seg } from "../api.js";
import { t, label } from "../i18n.js";
import { isStaff, can } from "../session.js";
import { parseCrl } from "../crypto/x509.js";
import { h, panel, table, badge, formatTime, button, facts, errorBox } from "../ui.js";

async function crlOf(ca) {
    try {
        const bytes = await get(`/crl/${seg(ca.id)}.crl`, { as: "bytes", auth: false });
        return { crl: parseCrl(bytes), bytes };
    } catch (e) {
        return { error: e };
    }
}

// The queue panel, or an error box when it cannot be read.
async function queuePanel() {
    let q;
    try {
        q = await get("/api/v1/publication");
    } catch (e) {
        return panel(t("pubq.title"), errorBox(e), { testid: "pub-queue" });
    }
    const failing = q.items.filter((i) => i.attempts > 0).length;
    const targets = table(
        [
            { key: "id", label: t("pubq.target"), render: (x) => h("span", { class: "mono" }, x.id) },
            { key: "kind", label: t("pub.kind"), render: (x) => label("pubtarget", x.kind) },
            { key: "url", label: t("pubq.url"), render: (x) => h("span", { class: "mono small" }, [x.url, x.base_dn].filter(Boolean).join(" · ")) },
            { key: "enabled", label: t("pubq.enabled"), render: (x) => (x.enabled ? badge(t("common.yes"), "ok") : badge(t("common.no"), "warning")) },
            { key: "pending", label: t("pubq.pending"), class: "num", render: (x) => h("span", { "data-testid": "pubq-pending" }, String(x.counts.pending)) },
            { key: "done", label: t("pubq.done"), class: "num", render: (x) => String(x.counts.done) },
            { key: "skipped", label: t("pubq.skipped"), class: "num", render: (x) => String(x.counts.skipped) },
        ],
        q.targets,
        { testid: "pubq-targets", empty: t("pubq.no_targets"), rowAttrs: (x) => ({ dataset: { target: x.id } }) },
    );
    const items = table(
        [
            { key: "id", label: "#", class: "num" },
            { key: "target", label: t("pubq.target") },
            { key: "object", label: t("pubq.object"), render: (i) => `${label("pubobject", i.object)} · ${i.ca}${i.object_id !== null ? ` #${i.object_id}` : ""}` },
            { key: "created_at", label: t("pubq.queued"), render: (i) => formatTime(i.created_at) },
            { key: "attempts", label: t("pubq.attempts"), class: "num", render: (i) => (i.attempts > 0 ? badge(String(i.attempts), "danger") : "0") },
            { key: "next", label: t("pubq.next_attempt"), render: (i) => (i.next_attempt_at ? formatTime(i.next_attempt_at) : t("pubq.due_now")) },
            { key: "last_error", label: t("pubq.last_error"), class: "wrap" },
        ],
        q.items,
        { testid: "pubq-items", empty: t("pubq.nothing_pending"), rowAttrs: (i) => ({ dataset: { id: i.id, attempts: i.attempts } }) },
    );
    return panel(
        t("pubq.title"),
        [
            h("p", { class: "muted" }, t("pubq.hint")),
            targets,
            h("h3", {}, t("pubq.items"), " ", failing > 0 ? badge(t("pubq.failing", { n: failing }), "danger", { "data-testid": "pubq-failing" }) : null),
            items,
        ],
        { testid: "pub-queue" },
    );
}

export default {
    id: "publication",
    route: "publication",
    nav: { group: "certs", label: "nav.publication" },
    visible: () => isStaff(),
    async render({ refresh, query }) {
        const { cas } = await get("/api/v1/cas", { auth: false });
        const open = query.get("ca");
        const showQueue = can("status.crl.issue") || can("system.maintain");
        const [results, queue] = await Promise.all([Promise.all(cas.map(async (ca) => ({ ca, ...(await crlOf(ca)) }))), showQueue ? queuePanel() : null]);
        const now = Date.now();
        const rows = results.map(({ ca, crl, error }) => ({ ca, crl, error }));
        const summary = table(
            [
                { key: "ca", label: t("req.ca"), render: (r) => h("span", {}, h("strong", {}, r.ca.name), " ", h("span", { class: "mono muted" }, r.ca.id)) },
                { key: "kind", label: t("pub.kind"), render: (r) => label("cakind", r.ca.kind) },
                { key: "number", label: t("pub.crl_number"), render: (r) => (r.crl ? h("span", { "data-testid": "crl-number" }, String(r.crl.number ?? "—")) : "—") },
                { key: "this", label: t("pub.this_update"), render: (r) => (r.crl ? formatTime(r.crl.thisUpdate) : "—") },
                {
                    key: "next",
                    label: t("pub.next_update"),
                    render: (r) => {
                        if (!r.crl) return r.error?.status === 404 ? badge(t("pub.no_crl"), "warning") : badge(t("pub.unavailable"), "danger");
                        if (!r.crl.nextUpdate) return "—";
                        const late = r.crl.nextUpdate.getTime() < now;
                        return h("span", {}, formatTime(r.crl.nextUpdate), " ", late ? badge(t("pub.stale"), "danger") : badge(t("pub.current"), "ok"));
                    },
                },
                { key: "entries", label: t("pub.entries"), class: "num", render: (r) => (r.crl ? String(r.crl.entries.length) : "—") },
                { key: "ocsp", label: t("pub.ocsp"), render: (r) => h("span", { class: "mono small" }, `${location.origin}/ocsp/${r.ca.id}`) },
                { key: "links", label: t("pub.links"), render: (r) => h("span", { class: "links" }, h("a", { href: `/crl/${encodeURIComponent(r.ca.id)}.crl`, download: `${r.ca.id}.crl` }, "CRL"), " · ", h("a", { href: `/ca/${encodeURIComponent(r.ca.id)}.cer`, download: `${r.ca.id}.cer` }, t("pub.ca_cert")), " · ", h("a", { href: `#/publication?ca=${encodeURIComponent(r.ca.id)}` }, t("pub.entries_link"))) },
            ],
            rows,
            { testid: "crl-summary", rowAttrs: (r) => ({ dataset: { ca: r.ca.id } }) },
        );
        const details = rows
            .filter((r) => r.crl && (open ? r.ca.id === open : r.crl.entries.length > 0))
            .map((r) =>
                panel(
                    t("pub.crl_of", { ca: r.ca.name }),
                    [
                        facts([
                            [t("cert.issuer"), r.crl.issuer],
                            [t("pub.crl_number"), String(r.crl.number ?? "—")],
                            [t("pub.this_update"), formatTime(r.crl.thisUpdate)],
                            [t("pub.next_update"), formatTime(r.crl.nextUpdate)],
                            [t("pub.ocsp"), `${location.origin}/ocsp/${r.ca.id}`],
                        ]),
                        table(
                            [
                                { key: "serial", label: t("certs.serial"), render: (e) => h("a", { href: `#/certificates/${encodeURIComponent(r.ca.id)}/${e.serial}`, class: "mono", "data-testid": "crl-serial" }, e.serial) },
                                { key: "date", label: t("cert.revoked_at"), render: (e) => formatTime(e.date) },
                                { key: "reason", label: t("req.reason"), render: (e) => label("reason", e.reason) },
                            ],
                            r.crl.entries,
                            { testid: `crl-entries-${r.ca.id}` },
                        ),
                    ],
                    { testid: "crl-detail" },
                ),
            );
        return h(
            "div",
            { class: "stack", "data-testid": "publication" },
            panel(t("pub.title"), [h("p", { class: "muted" }, t("pub.hint")), summary], { actions: [button(t("common.refresh"), () => refresh(), { testid: "pub-refresh" })] }),
            queue,
            ...details,
        );
    },
};
