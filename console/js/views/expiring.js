// Certificates of the member's subtree that expire within two months (the holders get a reminder
// once each; docs/operations.md "Registration"), soonest first.

import { get } from "../api.js";
import { t } from "../i18n.js";
import { can } from "../session.js";
import { h, panel, table, badge, formatTime, formatDuration } from "../ui.js";
import { certificateLink, requestLink } from "./common.js";

export default {
    id: "expiring",
    route: "expiring",
    nav: { group: "certs", label: "nav.expiring" },
    visible: () => can("ra.application.read"),
    async render() {
        const { certificates } = await get("/api/v1/ra/expiring");
        const now = Date.now();
        const rows = [...certificates].sort((a, b) => new Date(a.not_after) - new Date(b.not_after));
        return panel(
            t("expiring.title"),
            [
                h("p", { class: "muted" }, t("expiring.hint")),
                table(
                    [
                        { key: "certificate", label: t("expiring.certificate"), render: (c) => certificateLink(c.certificate) },
                        { key: "subject", label: t("certs.subject"), class: "wrap" },
                        { key: "profile", label: t("req.profile") },
                        { key: "org_node", label: t("req.org_node") },
                        { key: "not_after", label: t("certs.not_after"), render: (c) => formatTime(c.not_after) },
                        {
                            key: "left",
                            label: t("expiring.left"),
                            render: (c) => {
                                const left = new Date(c.not_after).getTime() - now;
                                return badge(left > 0 ? formatDuration(left) : t("expiring.expired"), left < 14 * 86400000 ? "danger" : "warning");
                            },
                        },
                        { key: "request_id", label: t("req.id"), render: (c) => (c.request_id ? requestLink(c.request_id) : "—") },
                    ],
                    rows,
                    { testid: "expiring-list" },
                ),
            ],
            { testid: "expiring" },
        );
    },
};
