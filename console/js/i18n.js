// Messages in two catalogues (zh-CN, the default, and English). The choice is remembered in
// localStorage; every view re-renders when it changes.

import zh from "./i18n/zh-CN.js";
import en from "./i18n/en.js";

const CATALOGUES = { "zh-CN": zh, en };
const STORAGE_KEY = "yinxin.console.lang";

let current = CATALOGUES[localStorage.getItem(STORAGE_KEY)] ? localStorage.getItem(STORAGE_KEY) : "zh-CN";
const listeners = new Set();

export const languages = () => Object.keys(CATALOGUES);
export const lang = () => current;

export function setLang(l) {
    if (!CATALOGUES[l] || l === current) return;
    current = l;
    localStorage.setItem(STORAGE_KEY, l);
    document.documentElement.lang = l;
    for (const fn of listeners) fn(l);
}

export function onLangChange(fn) {
    listeners.add(fn);
    return () => listeners.delete(fn);
}

// t("queue.title"), t("clock.left", {d: "3 h"}). A key missing from the current catalogue falls
// back to the other one, then to `fallback` (undefined: the key itself).
export function t(key, params = {}, fallback = undefined) {
    let s = CATALOGUES[current][key];
    if (s === undefined) s = CATALOGUES[current === "en" ? "zh-CN" : "en"][key];
    if (s === undefined) return fallback === undefined ? key : fallback;
    return s.replace(/\{(\w+)\}/g, (m, name) => (params[name] !== undefined ? String(params[name]) : m));
}

// A label for an enumerated value (role, state, kind, form field...), or the raw value.
export function label(group, value) {
    return t(`${group}.${value}`, {}, String(value ?? ""));
}

document.documentElement.lang = current;
