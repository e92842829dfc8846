// Open requests past their 48-hour decision time (CPS: SHECA §4.2, iTrus), oldest first.

import { get } from "../api.js";
import { t } from "../i18n.js";
import { can } from "../session.js";
import { panel, table, notice } from "../ui.js";
import { requestColumns } from "./queue.js";

export default {
    id: "overdue",
    route: "overdue",
    nav: { group: "ra", label: "nav.overdue" },
    visible: () => can("ra.application.read"),
    async render() {
        const { requests } = await get("/api/v1/ra/requests/overdue");
        return panel(
            t("overdue.title"),
            [
                notice(requests.length ? t("overdue.count", { n: requests.length }) : t("overdue.none"), requests.length ? "warning" : "ok", "overdue-summary"),
                table(requestColumns(), requests, { testid: "overdue-requests" }),
            ],
            { testid: "overdue" },
        );
    },
};
