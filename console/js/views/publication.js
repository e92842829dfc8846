// Status publication as relying parties see it: each CA's newest full CRL fetched from its CRL
// distribution point URL (/crl/<id>.crl), read here — number, this/next update, the revoked
// serials with reasons — and the OCSP URL. Every revocation signs a new CRL at once, so a
// revoked serial shows up here as soon as the revocation is done.

import { get, seg } from "../api.js";
import { t, label } from "../i18n.js";
import { isStaff } from "../session.js";
import { parseCrl } from "../crypto/x509.js";
import { h, panel, table, badge, formatTime, button, facts } from "../ui.js";

async function crlOf(ca) {
    try {
        const bytes = await get(`/crl/${seg(ca.id)}.crl`, { as: "bytes", auth: false });
        return { crl: parseCrl(bytes), bytes };
    } catch (e) {
        return { error: e };
    }
}

export default {
    id: "publication",
    route: "publication",
    nav: { group: "certs", label: "nav.publication" },
    visible: () => isStaff(),
    async render({ refresh, query }) {
        const { cas } = await get("/api/v1/cas", { auth: false });
        const open = query.get("ca");
        const results = await Promise.all(cas.map(async (ca) => ({ ca, ...(await crlOf(ca)) })));
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
            ...details,
        );
    },
};
