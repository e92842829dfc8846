// The start page: who is logged in, what needs attention (open and overdue requests for those who
// decide them), and what the role may do — the rows of the role × action matrix that name it.

import { get } from "../api.js";
import { t, label } from "../i18n.js";
import { can, getMe, getMeta, hasKey } from "../session.js";
import { views } from "./index.js";
import { h, panel, facts, badge, notice } from "../ui.js";

function tile(title, value, href, kind, testid) {
    return h("a", { class: `tile tile-${kind}`, href, "data-testid": testid }, h("div", { class: "tile-value" }, String(value)), h("div", { class: "tile-title" }, title));
}

export default {
    id: "home",
    route: "home",
    nav: { group: "start", label: "nav.home" },
    visible: () => true,
    async render() {
        const me = getMe();
        const meta = getMeta();
        const tiles = [];
        if (can("ra.application.read")) {
            const [submitted, approved, overdue] = await Promise.all([
                get("/api/v1/ra/requests", { query: { state: "submitted", limit: 1000 } }),
                get("/api/v1/ra/requests", { query: { state: "approved", limit: 1000 } }),
                get("/api/v1/ra/requests/overdue"),
            ]);
            tiles.push(tile(t("home.submitted"), submitted.requests.length, "#/requests?state=submitted", "info", "tile-submitted"));
            tiles.push(tile(t("home.approved"), approved.requests.length, "#/requests?state=approved", "info", "tile-approved"));
            tiles.push(tile(t("home.overdue"), overdue.requests.length, "#/overdue", overdue.requests.length ? "danger" : "ok", "tile-overdue"));
        }
        const mine = meta.actions.filter((a) => can(a.name));
        const shortcuts = views.filter((v) => v.nav && v.id !== "home" && v.visible());
        return h(
            "div",
            { class: "stack", "data-testid": "home" },
            panel(
                t("home.welcome", { name: me.display_name || me.id }),
                [
                    facts([
                        [t("staff.id"), h("span", { class: "mono" }, me.id)],
                        [t("staff.role"), h("span", { "data-testid": "home-role" }, label("role", me.role))],
                        [t("staff.subsystem"), me.subsystem ? label("subsystem", me.subsystem) : ""],
                        [t("req.org_node"), me.org_node],
                        [t("shell.signing_key"), hasKey() ? badge(t("shell.key_loaded"), "ok") : badge(t("shell.key_missing"), "warning")],
                    ]),
                    me.must_change_password ? notice(t("home.change_password"), "warning") : null,
                    tiles.length ? h("div", { class: "tiles" }, tiles) : null,
                ],
                { testid: "home-welcome" },
            ),
            panel(t("home.shortcuts"), h("div", { class: "shortcuts" }, shortcuts.map((v) => h("a", { class: "shortcut", href: `#/${v.route}`, "data-testid": `shortcut-${v.id}` }, t(v.nav.label))))),
            panel(
                t("home.permissions"),
                h("ul", { class: "perm-list", "data-testid": "permissions" }, mine.map((a) => h("li", { dataset: { action: a.name } }, h("span", { class: "mono" }, a.name), " ", h("span", { class: "muted" }, t(`action.${a.name}`, {}, a.description))))),
            ),
        );
    },
};
