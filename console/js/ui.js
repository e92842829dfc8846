// DOM helpers. Every node is built with createElement and textContent: the console never turns
// a string into markup (the Content-Security-Policy enforces Trusted Types, so innerHTML would
// throw), which keeps data from the API (names, form fields, audit details) inert.

import { t, lang } from "./i18n.js";

// h("div", {class: "x", onclick: fn, dataset: {id: 1}}, child, "text", [more]) → element.
export function h(tag, attrs = {}, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs ?? {})) {
        if (v === undefined || v === null || v === false) continue;
        if (k.startsWith("on") && typeof v === "function") {
            el.addEventListener(k.slice(2), v);
        } else if (k === "class") {
            el.className = Array.isArray(v) ? v.filter(Boolean).join(" ") : v;
        } else if (k === "dataset") {
            for (const [dk, dv] of Object.entries(v)) el.dataset[dk] = String(dv);
        } else if (k === "value" && (tag === "input" || tag === "textarea" || tag === "select")) {
            el.value = v;
        } else if (v === true) {
            el.setAttribute(k, "");
        } else {
            el.setAttribute(k, String(v));
        }
    }
    append(el, children);
    return el;
}

function append(el, children) {
    for (const c of children) {
        if (c === undefined || c === null || c === false) continue;
        if (Array.isArray(c)) append(el, c);
        else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
}

const SVG_NS = "http://www.w3.org/2000/svg";
export function svg(tag, attrs = {}, ...children) {
    const el = document.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) el.setAttribute(k, String(v));
    for (const c of children.flat()) {
        if (c === undefined || c === null) continue;
        el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
}

export function clear(el) {
    while (el.firstChild) el.removeChild(el.firstChild);
    return el;
}

// A page section with a title and optional toolbar.
export function panel(title, body, { actions = [], id, testid } = {}) {
    return h(
        "section",
        { class: "panel", id, "data-testid": testid },
        h("header", { class: "panel-head" }, h("h2", {}, title), h("div", { class: "toolbar" }, actions)),
        h("div", { class: "panel-body" }, body),
    );
}

// columns: [{key, label, render?(row) → node|string, class?}]; rows: objects.
export function table(columns, rows, { empty = t("common.empty"), testid, rowAttrs } = {}) {
    const head = h("thead", {}, h("tr", {}, columns.map((c) => h("th", { class: c.class, scope: "col" }, c.label))));
    const body = h(
        "tbody",
        {},
        rows.length === 0
            ? h("tr", {}, h("td", { colspan: columns.length, class: "empty" }, empty))
            : rows.map((r) =>
                  h(
                      "tr",
                      rowAttrs ? rowAttrs(r) : {},
                      columns.map((c) => h("td", { class: c.class }, c.render ? c.render(r) : (r[c.key] ?? ""))),
                  ),
              ),
    );
    return h("div", { class: "table-wrap" }, h("table", { class: "data", "data-testid": testid }, head, body));
}

// A description list of label/value pairs.
export function facts(pairs, { testid } = {}) {
    return h(
        "dl",
        { class: "facts", "data-testid": testid },
        pairs
            .filter(([, v]) => v !== undefined && v !== null && v !== "")
            .map(([k, v, attrs]) => [h("dt", {}, k), h("dd", attrs ?? {}, v)]),
    );
}

export function badge(text, kind = "neutral", attrs = {}) {
    return h("span", { class: `badge badge-${kind}`, ...attrs }, text);
}

export function button(label, onclick, { kind = "secondary", testid, disabled, type = "button", title } = {}) {
    return h("button", { type, class: `btn btn-${kind}`, onclick, "data-testid": testid, disabled, title }, label);
}

export function link(label, href, attrs = {}) {
    return h("a", { href, ...attrs }, label);
}

// A labelled form control; `control` is an input/select/textarea. The error line below it is
// filled by setFieldError().
export function field(label, control, { required = false, hint, testid } = {}) {
    const id = control.id || `f-${Math.random().toString(36).slice(2, 10)}`;
    control.id = id;
    if (required) control.setAttribute("aria-required", "true");
    const err = h("div", { class: "field-error", role: "alert" });
    return h(
        "div",
        { class: "field", "data-testid": testid },
        h("label", { for: id }, label, required ? h("span", { class: "req", "aria-hidden": "true" }, " *") : null),
        control,
        hint ? h("div", { class: "hint" }, hint) : null,
        err,
    );
}

export function setFieldError(control, message) {
    const err = control.parentElement?.querySelector(".field-error");
    if (err) err.textContent = message ?? "";
    control.classList.toggle("invalid", Boolean(message));
    if (message) control.setAttribute("aria-invalid", "true");
    else control.removeAttribute("aria-invalid");
}

export function select(options, { value, testid, name } = {}) {
    const el = h(
        "select",
        { "data-testid": testid, name },
        options.map(([v, label]) => h("option", { value: v }, label)),
    );
    if (value !== undefined) el.value = value;
    return el;
}

// An error box: the message in the user's language, the problem code, the server's detail and
// the request id to quote to the operator.
export function errorBox(err) {
    const code = err?.code;
    const known = code ? t(`error.${code}`, {}, null) : null;
    const message = known ?? err?.localMessage ?? (err?.status ? t("error.http", { status: err.status }) : t("error.unexpected"));
    return h(
        "div",
        { class: "alert alert-error", role: "alert", "data-testid": "error" },
        h("strong", {}, message),
        code ? h("span", { class: "code", "data-testid": "error-code" }, ` [${code}${err.numeric ? ` ${err.numeric}` : ""}]`) : null,
        err?.detail && err.detail !== message ? h("div", { class: "detail" }, err.detail) : null,
        err?.requestId ? h("div", { class: "detail small" }, t("error.request_id", { id: err.requestId })) : null,
    );
}

export function notice(text, kind = "info", testid) {
    return h("div", { class: `alert alert-${kind}`, role: "status", "data-testid": testid }, text);
}

// --- toasts and progress ---

let toastHost;
export function toast(text, kind = "success") {
    if (!toastHost) {
        toastHost = h("div", { class: "toasts", "aria-live": "polite" });
        document.body.append(toastHost);
    }
    const el = h("div", { class: `toast toast-${kind}`, "data-testid": "toast" }, text);
    toastHost.append(el);
    setTimeout(() => el.remove(), 6000);
}

// Runs `work(progress)` while an overlay shows the step it reports: progress(label, fraction?).
// The overlay blocks input so a decision cannot be sent twice.
export async function withProgress(title, work) {
    const label = h("div", { class: "progress-label", "data-testid": "progress-label" }, "");
    const bar = h("div", { class: "progress-bar" });
    const track = h("div", { class: "progress-track indeterminate" }, bar);
    const overlay = h(
        "div",
        { class: "overlay", role: "dialog", "aria-modal": "true", "aria-busy": "true", "data-testid": "progress" },
        h("div", { class: "overlay-card" }, h("h3", {}, title), label, track),
    );
    document.body.append(overlay);
    const progress = (text, fraction) => {
        label.textContent = text ?? "";
        if (typeof fraction === "number") {
            track.classList.remove("indeterminate");
            bar.style.width = `${Math.round(Math.max(0, Math.min(1, fraction)) * 100)}%`;
        }
    };
    try {
        return await work(progress);
    } finally {
        overlay.remove();
    }
}

// A modal dialog with content and buttons; resolves with the value passed to close().
export function dialog(title, build, { testid = "dialog" } = {}) {
    return new Promise((resolve) => {
        const body = h("div", { class: "dialog-body" });
        const card = h("div", { class: "dialog", role: "dialog", "aria-modal": "true", "data-testid": testid }, h("h3", {}, title), body);
        const overlay = h("div", { class: "overlay" }, card);
        const close = (value) => {
            overlay.remove();
            document.removeEventListener("keydown", onKey);
            resolve(value);
        };
        const onKey = (e) => {
            if (e.key === "Escape") close(undefined);
        };
        document.addEventListener("keydown", onKey);
        body.append(build(close));
        document.body.append(overlay);
        const first = card.querySelector("input, select, textarea, button");
        first?.focus();
    });
}

// --- formatting ---

export function formatTime(iso) {
    if (!iso) return "";
    const d = iso instanceof Date ? iso : new Date(iso);
    if (Number.isNaN(d.getTime())) return String(iso);
    return d.toLocaleString(lang() === "en" ? "en-GB" : "zh-CN", { hour12: false });
}

// "3 h 20 min" / "3小时20分" for a duration in milliseconds (absolute).
export function formatDuration(ms) {
    const minutes = Math.floor(Math.abs(ms) / 60000);
    const hours = Math.floor(minutes / 60);
    if (hours >= 48) return t("time.days_hours", { d: Math.floor(hours / 24), h: hours % 24 });
    return t("time.hours_minutes", { h: hours, m: minutes % 60 });
}

// The 48-hour decision clock of a request (CPS: a decision within 48 hours of submission).
export function decisionClock(request, now = Date.now()) {
    const open = request.state === "submitted" || request.state === "approved";
    if (!open || !request.decision_due) return null;
    const left = new Date(request.decision_due).getTime() - now;
    if (left < 0) return badge(t("clock.overdue", { d: formatDuration(left) }), "danger", { "data-testid": "clock" });
    return badge(t("clock.left", { d: formatDuration(left) }), left < 8 * 3600 * 1000 ? "warning" : "ok", { "data-testid": "clock" });
}

export function downloadBytes(bytes, filename, type) {
    const url = URL.createObjectURL(new Blob([bytes], { type }));
    const a = h("a", { href: url, download: filename, class: "hidden" });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
}

export function readFileText(file) {
    return new Promise((resolve, reject) => {
        const r = new FileReader();
        r.onload = () => resolve(String(r.result));
        r.onerror = () => reject(r.error);
        r.readAsText(file);
    });
}
