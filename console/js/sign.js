// Signed decisions: fetch what the server says the decision covers (payload SM3), build
// auth::decision_text, sign it with the member's key (asking for the key file when this page does
// not hold it yet), and send the decision, with a progress overlay for the whole chain.

import { t } from "./i18n.js";
import * as session from "./session.js";
import { KeyFormatError } from "./crypto/sm2.js";
import { h, dialog, field, setFieldError, button, readFileText, withProgress } from "./ui.js";

// Asks for the member's key file; resolves with the parsed key, or null when cancelled.
export function askKey() {
    return dialog(
        t("key.prompt_title"),
        (close) => {
            const input = h("input", { type: "file", accept: ".pem,.key,text/plain", "data-testid": "key-file" });
            const form = h(
                "form",
                { novalidate: true },
                h("p", {}, t("key.prompt_text")),
                field(t("login.key"), input, { required: true }),
                h(
                    "div",
                    { class: "dialog-actions" },
                    button(t("common.cancel"), () => close(null)),
                    button(t("key.use"), null, { kind: "primary", type: "submit", testid: "key-use" }),
                ),
            );
            form.addEventListener("submit", async (e) => {
                e.preventDefault();
                if (input.files.length === 0) {
                    setFieldError(input, t("form.required"));
                    return;
                }
                try {
                    close(session.parseKey(await readFileText(input.files[0])));
                } catch (err) {
                    setFieldError(input, t(`key.${err instanceof KeyFormatError ? err.reason : "malformed"}`));
                }
            });
            return form;
        },
        { testid: "key-dialog" },
    );
}

// Runs a signed decision: `payload()` → {payload_sm3}, then `send(signature)`. Returns send()'s
// result, or null when the member cancelled the key prompt.
export async function signedDecision({ title, decision, objectId, payload, send }) {
    let signature = null;
    let hash = null;
    const ready = await withProgress(title, async (progress) => {
        progress(t("sign.step.payload"), 0.1);
        hash = (await payload()).payload_sm3;
        progress(t("sign.step.sign"), 0.4);
        return true;
    });
    if (!ready) return null;
    // The key prompt (if needed) runs outside the overlay so the dialog can take input.
    signature = await session.signText(session.decisionText(decision, objectId, hash), askKey);
    if (!signature) return null;
    return withProgress(title, async (progress) => {
        progress(t("sign.step.send"), 0.7);
        const result = await send(signature, hash);
        progress(t("sign.step.done"), 1);
        return result;
    });
}
