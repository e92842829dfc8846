// One seal-use request: the document (name, kind, size, SM3, the stamp position), the purpose,
// and the canonical payload the decision covers, whose SM3 the browser recomputes before signing.
// The seal reviewer approves or refuses with an SM2 signature over
// auth::decision_text(approve|reject, id, payload SM3) (§8.2.3); the requester then has the
// approved request signed with the seal key in the device and downloads the signed document once
// (§8.2.4).

import { get, post, seg } from "../api.js";
import { t, label } from "../i18n.js";
import { can, getMe } from "../session.js";
import { signedDecision } from "../sign.js";
import { sm3 } from "../crypto/sm3.js";
import { toHex } from "../crypto/encoding.js";
import { h, panel, facts, button, toast, formatTime, downloadBytes, errorBox, withProgress } from "../ui.js";
import { sealBadge, sealLink, askReason, bytesText } from "./seal_common.js";
import { useDeadline } from "./seal_uses.js";

// The payload as the server shows it, with its SM3 checked here: a payload whose digest the server
// misstates is not signed.
async function checkedPayload(base) {
    const p = await get(`${base}/payload`);
    const mine = toHex(sm3(p.payload));
    if (mine !== p.payload_sm3) throw Object.assign(new Error(t("sealuse.payload_mismatch")), { localMessage: t("sealuse.payload_mismatch") });
    return p;
}

export default {
    id: "seal-use",
    route: "seal-uses/:id",
    nav: null,
    visible: () => can("seal.use.review") || can("seal.use.request"),
    async render({ params, refresh }) {
        const id = params.id;
        const base = `/api/v1/seal-use/requests/${seg(id)}`;
        const [r, shown] = await Promise.all([get(base), checkedPayload(base).catch((e) => ({ error: e }))]);
        const messages = h("div", { class: "messages", "data-testid": "messages" });
        if (shown.error) messages.append(errorBox(shown.error));
        const me = getMe();

        const decide = async (decision, path, extra = {}) => {
            messages.replaceChildren();
            try {
                const done = await signedDecision({
                    title: t(`sealuse.${path}_progress`),
                    decision,
                    objectId: id,
                    payload: () => checkedPayload(base),
                    send: (signature) => post(`${base}/${path}`, { ...extra, signature }),
                });
                if (done) {
                    toast(t(`sealuse.${path}_done`));
                    refresh();
                }
            } catch (e) {
                messages.append(errorBox(e));
            }
        };

        const actions = [];
        if (r.state === "requested" && can("seal.use.review") && r.requested_by !== me?.id) {
            actions.push(button(t("sealuse.approve"), () => decide("approve", "approve"), { kind: "primary", testid: "use-approve" }));
            actions.push(
                button(t("sealuse.refuse"), async () => {
                    const reason = await askReason(t("sealuse.refuse"), t("sealuse.refuse"));
                    if (reason) await decide("reject", "refuse", { reason });
                }, { kind: "danger", testid: "use-refuse" }),
            );
        }
        if (r.state === "approved" && r.requested_by === me?.id)
            actions.push(
                button(t("sealuse.sign"), async () => {
                    messages.replaceChildren();
                    try {
                        await withProgress(t("sealuse.sign_progress"), async (progress) => {
                            progress(t("sealuse.sign_progress"), 0.5);
                            await post(`${base}/sign`, {});
                        });
                        toast(t("sealuse.sign_done"));
                        refresh();
                    } catch (e) {
                        messages.append(errorBox(e));
                    }
                }, { kind: "primary", testid: "use-sign" }),
            );
        if (r.state === "signed" && !r.fetched_at && r.requested_by === me?.id)
            actions.push(
                button(t("sealuse.fetch"), async () => {
                    messages.replaceChildren();
                    try {
                        const bytes = await get(`${base}/document`, { as: "bytes" });
                        const got = toHex(sm3(bytes));
                        if (got !== r.result_sm3) throw Object.assign(new Error("SM3"), { localMessage: t("sealuse.result_mismatch") });
                        const name = r.document_kind === "ofd" ? r.document_name : `${r.document_name}.sig`;
                        downloadBytes(bytes, name, r.document_kind === "ofd" ? "application/ofd" : "application/octet-stream");
                        toast(t("sealuse.fetch_done"));
                        refresh();
                    } catch (e) {
                        messages.append(errorBox(e));
                    }
                }, { testid: "use-fetch" }),
            );
        if (r.state === "requested" || can("seal.use.review"))
            actions.push(
                button(t("sealuse.original"), async () => {
                    messages.replaceChildren();
                    try {
                        downloadBytes(await get(`${base}/original`, { as: "bytes" }), r.document_name, "application/octet-stream");
                    } catch (e) {
                        messages.append(errorBox(e));
                    }
                }, { testid: "use-original" }),
            );

        const stamp = r.stamp ? t("sealuse.stamp_at", { page: r.stamp.page + 1, x: r.stamp.x, y: r.stamp.y, w: r.stamp.width, h: r.stamp.height }) : "";
        const summary = facts(
            [
                [t("req.id"), h("span", { class: "mono", "data-testid": "use-id" }, r.id)],
                [t("req.state"), sealBadge("sealuse", r.state)],
                [t("seal.seal_name"), h("span", {}, r.seal_name, " ", sealLink(r.seal_code))],
                [t("sealuse.document"), `${r.document_name} · ${label("sealdoc", r.document_kind)} · ${bytesText(r.document_size)}`],
                [t("sealuse.document_sm3"), h("span", { class: "mono small" }, r.document_sm3)],
                [t("sealuse.stamp"), stamp],
                [t("sealuse.purpose"), r.purpose],
                [t("sealuse.requested_by"), `${r.requested_by} · ${label("role", r.requester_role)} · ${formatTime(r.requested_at)}`],
                [t("sealuse.deadline"), useDeadline(r)],
                [t("sealuse.reviewed_by"), r.reviewed_by ? h("span", { "data-testid": "use-reviewed-by" }, `${r.reviewed_by} · ${formatTime(r.reviewed_at)}`) : ""],
                [t("req.signed"), r.decision_signature ? h("span", { class: "badge badge-ok", title: r.decision_signature, "data-testid": "use-decision-signed" }, t("req.signed_yes")) : ""],
                [t("sealuse.refuse_reason"), r.refuse_reason],
                [t("sealuse.signed_by"), r.signed_by ? `${r.signed_by} · ${formatTime(r.signed_at)}` : ""],
                [t("sealuse.result_sm3"), r.result_sm3 ? h("span", { class: "mono small", "data-testid": "use-result-sm3" }, r.result_sm3) : ""],
                [t("sealuse.fetched"), r.fetched_by ? h("span", { "data-testid": "use-fetched" }, `${r.fetched_by} · ${formatTime(r.fetched_at)}`) : ""],
            ],
            { testid: "use-facts" },
        );
        const payloadBox = shown.payload
            ? panel(t("sealuse.payload"), [h("p", { class: "muted" }, t("sealuse.payload_hint")), h("pre", { class: "payload", "data-testid": "use-payload" }, shown.payload), h("div", { class: "mono small" }, `SM3 ${shown.payload_sm3} ✓`)])
            : null;
        return h(
            "div",
            { class: "stack", "data-testid": "seal-use-view", dataset: { state: r.state } },
            h("div", { class: "breadcrumbs" }, h("a", { href: "#/seal-uses" }, t("nav.seal_uses")), " / ", r.id),
            messages,
            panel(t("sealuse.detail"), summary, { actions, testid: "use-summary" }),
            payloadBox,
        );
    },
};
