// Certificate search (LD/T 03 §6.4.6 query service): by part of the subject, or by CA and serial.

import { get } from "../api.js";
import { t } from "../i18n.js";
import { can } from "../session.js";
import { h, panel, table, field, select, button, formatTime, errorBox } from "../ui.js";
import { stateBadge, certificateLink } from "./common.js";

// Certificates are public (the repository, LD/T 03 §6.2); the view is offered to the roles that
// work with them.
export const certificateViewAllowed = () => can("ca.certificate.read") || can("ra.revocation.approve") || can("ra.suspend");

export default {
    id: "certificates",
    route: "certificates",
    nav: { group: "certs", label: "nav.certificates" },
    visible: certificateViewAllowed,
    async render({ query, navigate }) {
        const subject = query.get("subject") ?? "";
        const ca = query.get("ca") ?? "";
        const { cas } = await get("/api/v1/cas", { auth: false });
        const subjectInput = h("input", { type: "search", value: subject, placeholder: t("certs.subject_placeholder"), "data-testid": "cert-subject" });
        const caSel = select([["", t("common.all")], ...cas.map((c) => [c.id, `${c.name} (${c.id})`])], { value: ca, testid: "cert-ca" });
        const serialInput = h("input", { type: "text", placeholder: "0a1b2c…", class: "mono", "data-testid": "cert-serial" });
        const searchForm = h(
            "form",
            { class: "filters", "data-testid": "cert-search" },
            field(t("certs.subject"), subjectInput),
            field(t("req.ca"), caSel),
            button(t("common.search"), null, { kind: "primary", type: "submit", testid: "cert-search-go" }),
        );
        searchForm.addEventListener("submit", (e) => {
            e.preventDefault();
            navigate("certificates", { subject: subjectInput.value.trim(), ca: caSel.value });
        });
        const lookupCa = select(cas.map((c) => [c.id, `${c.name} (${c.id})`]), { testid: "cert-lookup-ca" });
        const lookupForm = h("form", { class: "filters" }, field(t("req.ca"), lookupCa), field(t("certs.serial"), serialInput), button(t("certs.open"), null, { type: "submit", testid: "cert-open" }));
        lookupForm.addEventListener("submit", (e) => {
            e.preventDefault();
            const s = serialInput.value.trim().replace(/[:\s]/g, "").toLowerCase();
            if (s) navigate(`certificates/${encodeURIComponent(lookupCa.value)}/${encodeURIComponent(s)}`);
        });

        let results = h("p", { class: "muted" }, t("certs.hint"));
        if (subject) {
            try {
                const { certificates } = await get("/api/v1/certificates", { query: { subject, ca, limit: 100 }, auth: false });
                results = table(
                    [
                        { key: "serial", label: t("certs.serial"), render: (c) => certificateLink(`${c.ca_id}:${c.serial}`, c.serial) },
                        { key: "ca_id", label: t("req.ca") },
                        { key: "subject", label: t("certs.subject"), class: "wrap" },
                        { key: "profile", label: t("req.profile") },
                        { key: "status", label: t("req.state"), render: (c) => stateBadge(c.status, "certstate") },
                        { key: "not_after", label: t("certs.not_after"), render: (c) => formatTime(c.not_after) },
                    ],
                    certificates,
                    { testid: "cert-results" },
                );
            } catch (e) {
                results = errorBox(e);
            }
        }
        return h("div", { class: "stack" }, panel(t("certs.title"), [searchForm, results], { testid: "certificates" }), panel(t("certs.lookup"), lookupForm));
    },
};
