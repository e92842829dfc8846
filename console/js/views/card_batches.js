// Third-generation social-security card batches (LD/T 03-2022 §6.4.7): send a batch file of
// card-generated signing keys, follow its progress while the server's worker issues the
// certificates, and fetch the per-item result file. The same file sent twice is the same batch.

import { get, api, seg } from "../api.js";
import { t, label } from "../i18n.js";
import { can, getMe } from "../session.js";
import { h, panel, facts, field, select, button, badge, errorBox, toast, formatTime, downloadBytes, withProgress } from "../ui.js";

const RECENT_KEY = "yinxin.console.batches";
const recent = () => JSON.parse(sessionStorage.getItem(RECENT_KEY) ?? "[]");
function remember(id) {
    sessionStorage.setItem(RECENT_KEY, JSON.stringify([id, ...recent().filter((x) => x !== id)].slice(0, 20)));
}

function progressBar(b) {
    const fraction = b.total ? b.done / b.total : b.state === "done" ? 1 : 0;
    const bar = h("div", { class: "progress-bar" });
    bar.style.width = `${Math.round(fraction * 100)}%`;
    return h(
        "div",
        { class: "batch-progress", "data-testid": "batch-progress", dataset: { state: b.state, done: b.done, total: b.total, issued: b.issued, failed: b.failed } },
        h("div", { class: "progress-track" }, bar),
        h("div", { class: "small" }, t("batch.progress", { done: b.done, total: b.total, issued: b.issued, failed: b.failed })),
    );
}

function batchPanel(b, messages) {
    const download = button(t("batch.result"), async () => {
        try {
            downloadBytes(await get(`/api/v1/ra/card-batches/${seg(b.id)}/result`, { as: "bytes" }), `${b.id}-result.csv`, "text/csv");
        } catch (e) {
            messages.replaceChildren(errorBox(e));
        }
    }, { testid: "batch-result", disabled: b.state !== "done" });
    return panel(
        t("batch.batch", { id: b.id }),
        [
            progressBar(b),
            facts([
                [t("req.state"), badge(label("batchstate", b.state), b.state === "done" ? (b.failed ? "warning" : "ok") : "info", { "data-testid": "batch-state" })],
                [t("batch.mode"), `${b.mode} · ${label("cardmode", b.mode_name)}`],
                [t("req.ca"), b.ca],
                [t("req.profile"), b.profile],
                [t("req.org_node"), b.org_node],
                [t("batch.source"), b.source],
                [t("req.submitted_by"), b.submitted_by],
                [t("batch.created_at"), formatTime(b.created_at)],
                [t("batch.completed_at"), formatTime(b.completed_at)],
                ["SM3", h("span", { class: "mono wrap" }, b.content_sm3)],
            ]),
        ],
        { actions: [download], testid: "batch" },
    );
}

export default {
    id: "card-batches",
    route: "card-batches",
    nav: { group: "ra", label: "nav.card_batches" },
    visible: () => can("ra.card_batch.submit"),
    async render({ navigate, query }) {
        const me = getMe();
        const messages = h("div", { class: "messages" });
        const { cas } = await get("/api/v1/cas", { auth: false });
        const file = h("input", { type: "file", accept: ".csv,.txt,.ndjson,.jsonl", "data-testid": "batch-file" });
        const caSel = select(cas.filter((c) => c.status === "active").map((c) => [c.id, `${c.name} (${c.id})`]), { testid: "batch-ca", value: cas.find((c) => c.kind === "sub")?.id });
        const profile = h("input", { type: "text", placeholder: "cardholder-sign", "data-testid": "batch-profile" });
        // Modes 1, 2 and 4 arrive as batch files (3 and 5 are single real-time requests).
        const mode = select([1, 2, 4].map((m) => [String(m), `${m} · ${t(`batch.mode_${m}`)}`]), { value: "1", testid: "batch-mode" });
        const node = h("input", { type: "text", value: me.org_node, "data-testid": "batch-org-node" });
        const name = h("input", { type: "text", maxlength: 100, "data-testid": "batch-name" });
        const form = h(
            "form",
            { novalidate: true, class: "stack", "data-testid": "batch-form" },
            h("div", { class: "grid-2" }, field(t("batch.file"), file, { required: true, hint: t("batch.file_hint") }), field(t("req.ca"), caSel, { required: true }), field(t("req.profile"), profile), field(t("batch.mode"), mode), field(t("req.org_node"), node), field(t("batch.name"), name)),
            h("div", { class: "form-actions" }, button(t("batch.submit"), null, { kind: "primary", type: "submit", testid: "batch-submit" })),
        );
        form.addEventListener("submit", async (e) => {
            e.preventDefault();
            messages.replaceChildren();
            if (!file.files.length) {
                messages.append(errorBox({ localMessage: t("batch.file_missing") }));
                return;
            }
            const f = file.files[0];
            const type = /\.(ndjson|jsonl)$/i.test(f.name) ? "application/x-ndjson" : "text/csv";
            try {
                const b = await withProgress(t("batch.uploading"), async (progress) => {
                    progress(t("batch.uploading_file", { name: f.name }));
                    return api("POST", "/api/v1/ra/card-batches", {
                        query: { ca: caSel.value, profile: profile.value.trim(), mode: mode.value, org_node: node.value.trim(), name: name.value.trim() || f.name },
                        body: await f.arrayBuffer(),
                        contentType: type,
                    });
                });
                remember(b.id);
                toast(b.created ? t("batch.created", { id: b.id }) : t("batch.same", { id: b.id }));
                navigate("card-batches", { id: b.id });
            } catch (err) {
                messages.append(errorBox(err));
            }
        });

        const parts = [messages];
        const id = query.get("id");
        if (id) {
            const holder = h("div");
            parts.push(holder);
            const show = async () => {
                const b = await get(`/api/v1/ra/card-batches/${seg(id)}`);
                remember(b.id);
                holder.replaceChildren(batchPanel(b, messages));
                return b;
            };
            try {
                // Follow the worker until the batch is done (the view is re-rendered on navigation,
                // which ends this loop through the detached holder).
                let b = await show();
                const poll = async () => {
                    if (!holder.isConnected || b.state === "done") return;
                    try {
                        b = await show();
                        if (b.state === "done") toast(t("batch.finished", { id: b.id, issued: b.issued, failed: b.failed }));
                    } catch (err) {
                        messages.replaceChildren(errorBox(err));
                        return;
                    }
                    setTimeout(poll, 1000);
                };
                setTimeout(poll, 1000);
            } catch (err) {
                holder.replaceChildren(errorBox(err));
            }
        }
        const lookup = h("input", { type: "text", placeholder: "cb-…", class: "mono", "data-testid": "batch-lookup" });
        const lookupForm = h("form", { class: "filters" }, field(t("batch.open"), lookup), button(t("certs.open"), null, { type: "submit" }));
        lookupForm.addEventListener("submit", (e) => {
            e.preventDefault();
            if (lookup.value.trim()) navigate("card-batches", { id: lookup.value.trim() });
        });
        const list = recent();
        parts.push(panel(t("batch.new"), form, { testid: "batch-new" }));
        parts.push(panel(t("batch.recent"), [lookupForm, list.length ? h("ul", { class: "plain" }, list.map((x) => h("li", {}, h("a", { href: `#/card-batches?id=${encodeURIComponent(x)}`, class: "mono" }, x)))) : h("p", { class: "muted" }, t("batch.none"))]));
        return h("div", { class: "stack", "data-testid": "card-batches" }, parts);
    },
};
