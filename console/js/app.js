// The console's shell: login, the header (member, role, language, logout), the navigation built
// from the views the role may use, and a hash router (#/requests/req-…) that renders one view
// module at a time. Views live in js/views/, one module each, listed in js/views/index.js.

import { setUnauthorizedHandler } from "./api.js";
import { t, label, lang, setLang, onLangChange } from "./i18n.js";
import * as session from "./session.js";
import { h, clear, errorBox, notice } from "./ui.js";
import { views } from "./views/index.js";
import { renderLogin } from "./views/login.js";

const root = document.getElementById("app");
let renderSeq = 0;

// "#/requests/req-1?state=submitted" → {segments: ["requests", "req-1"], query: URLSearchParams}.
function currentRoute() {
    const raw = location.hash.replace(/^#\/?/, "");
    const [path, qs] = raw.split("?");
    return { segments: path.split("/").filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(qs ?? "") };
}

export function navigate(path, query) {
    const qs = query ? new URLSearchParams(Object.entries(query).filter(([, v]) => v !== "" && v != null)).toString() : "";
    const target = `#/${path}${qs ? `?${qs}` : ""}`;
    if (location.hash === target) render();
    else location.hash = target;
}

function matchView(segments) {
    for (const v of views) {
        const pattern = v.route.split("/").filter(Boolean);
        if (pattern.length !== segments.length) continue;
        const params = {};
        let ok = true;
        pattern.forEach((p, i) => {
            if (p.startsWith(":")) params[p.slice(1)] = segments[i];
            else if (p !== segments[i]) ok = false;
        });
        if (ok) return { view: v, params };
    }
    return null;
}

function languageSwitch() {
    const other = lang() === "en" ? "zh-CN" : "en";
    return h(
        "button",
        { type: "button", class: "btn btn-ghost lang", "data-testid": "lang-switch", onclick: () => setLang(other), title: t("shell.language") },
        t(`lang.${other}`),
    );
}

function shell(me, content) {
    const nav = h(
        "nav",
        { class: "sidenav", "aria-label": t("shell.navigation"), "data-testid": "nav" },
        groupedNav(),
    );
    const header = h(
        "header",
        { class: "topbar" },
        h("a", { class: "brand", href: "#/" }, h("img", { src: "/console/img/logo.svg", alt: "", width: 28, height: 28 }), h("span", {}, t("app.title"))),
        h(
            "div",
            { class: "topbar-right" },
            h(
                "span",
                { class: "who", "data-testid": "who" },
                h("span", { class: "who-name" }, me.display_name || me.id),
                h("span", { class: "who-role", "data-testid": "who-role", dataset: { role: me.role } }, label("role", me.role)),
                me.subsystem ? h("span", { class: "who-sub" }, label("subsystem", me.subsystem)) : null,
                h("span", { class: "who-node" }, me.org_node),
            ),
            h("span", { class: session.hasKey() ? "key-state loaded" : "key-state", "data-testid": "key-state", title: t("shell.key_hint") }, session.hasKey() ? t("shell.key_loaded") : t("shell.key_missing")),
            languageSwitch(),
            h("button", { type: "button", class: "btn btn-ghost", "data-testid": "logout", onclick: doLogout }, t("shell.logout")),
        ),
    );
    return h("div", { class: "layout" }, header, h("div", { class: "body" }, nav, h("main", { class: "content", id: "main", tabindex: "-1" }, content)));
}

function groupedNav() {
    const visible = views.filter((v) => v.nav && v.visible());
    const groups = [];
    for (const v of visible) {
        let g = groups.find((x) => x.name === v.nav.group);
        if (!g) groups.push((g = { name: v.nav.group, items: [] }));
        g.items.push(v);
    }
    const active = currentRoute().segments[0] ?? "";
    return groups.map((g) =>
        h(
            "div",
            { class: "nav-group" },
            h("div", { class: "nav-group-title" }, t(`navgroup.${g.name}`)),
            h(
                "ul",
                {},
                g.items.map((v) =>
                    h(
                        "li",
                        {},
                        h("a", { href: `#/${v.route}`, class: v.route.split("/")[0] === active ? "active" : "", "data-testid": `nav-${v.id}`, dataset: { view: v.id } }, t(v.nav.label)),
                    ),
                ),
            ),
        ),
    );
}

async function doLogout() {
    await session.logout();
    location.hash = "#/";
    render();
}

export async function render() {
    const seq = ++renderSeq;
    document.title = t("app.title");
    const me = session.getMe();
    if (!me) {
        clear(root).append(renderLogin({ onLoggedIn: () => render(), languageSwitch }));
        return;
    }
    const { segments, query } = currentRoute();
    const match = segments.length === 0 ? { view: views.find((v) => v.id === "home"), params: {} } : matchView(segments);
    const content = h("div", { class: "view" });
    clear(root).append(shell(me, content));
    if (!match) {
        content.append(notice(t("shell.not_found"), "warning", "not-found"));
        return;
    }
    if (!match.view.visible()) {
        content.append(notice(t("shell.not_allowed"), "warning", "not-allowed"));
        return;
    }
    content.append(h("div", { class: "loading", "data-testid": "loading" }, t("common.loading")));
    try {
        const node = await match.view.render({ params: match.params, query, navigate, refresh: render });
        if (seq !== renderSeq) return; // a newer navigation won
        clear(content).append(node);
        content.dataset.view = match.view.id;
    } catch (e) {
        if (seq !== renderSeq) return;
        clear(content).append(errorBox(e));
    }
}

async function start() {
    try {
        await session.loadMeta();
    } catch (e) {
        clear(root).append(errorBox(e));
        return;
    }
    setUnauthorizedHandler(() => {
        session.endLocal();
        render();
    });
    await session.restore();
    onLangChange(() => render());
    window.addEventListener("hashchange", () => render());
    await render();
    document.body.dataset.ready = "true";
}

start();
