// Login: login name, password and the member's SM2 private key file (PKCS#8 PEM). The file is read
// by the browser (FileReader) and never uploaded: the challenge from the server is signed here
// (SM3 with the Z value of the SM2 ID, DER signature) and only the signature is sent.

import { t } from "../i18n.js";
import * as session from "../session.js";
import { KeyFormatError } from "../crypto/sm2.js";
import { h, field, setFieldError, errorBox, withProgress, readFileText } from "../ui.js";

export function renderLogin({ onLoggedIn, languageSwitch }) {
    const loginInput = h("input", { type: "text", name: "login", autocomplete: "username", "data-testid": "login-name", maxlength: 64 });
    const password = h("input", { type: "password", name: "password", autocomplete: "current-password", "data-testid": "login-password" });
    const keyFile = h("input", { type: "file", name: "key", accept: ".pem,.key,application/x-pem-file,text/plain", "data-testid": "login-key" });
    const errors = h("div", { class: "form-errors" });

    const form = h(
        "form",
        { class: "login-form", novalidate: true, "data-testid": "login-form" },
        field(t("login.name"), loginInput, { required: true }),
        field(t("login.password"), password, { required: true }),
        field(t("login.key"), keyFile, { required: true, hint: t("login.key_hint") }),
        errors,
        h("button", { type: "submit", class: "btn btn-primary btn-block", "data-testid": "login-submit" }, t("login.submit")),
    );
    form.addEventListener("submit", async (e) => {
        e.preventDefault();
        errors.replaceChildren();
        let ok = true;
        for (const [c, empty] of [
            [loginInput, !loginInput.value.trim()],
            [password, !password.value],
            [keyFile, keyFile.files.length === 0],
        ]) {
            setFieldError(c, empty ? t("form.required") : "");
            ok = ok && !empty;
        }
        if (!ok) return;
        let key;
        try {
            key = session.parseKey(await readFileText(keyFile.files[0]));
        } catch (err) {
            const reason = err instanceof KeyFormatError ? err.reason : "malformed";
            setFieldError(keyFile, t(`key.${reason}`));
            return;
        }
        try {
            await withProgress(t("login.progress"), async (progress) => {
                await session.login(loginInput.value.trim(), password.value, key, (step) => progress(t(`login.step.${step}`)));
            });
            password.value = "";
            onLoggedIn();
        } catch (err) {
            errors.append(errorBox(err));
        }
    });

    return h(
        "div",
        { class: "login-page" },
        h(
            "div",
            { class: "login-card" },
            h(
                "div",
                { class: "login-head" },
                h("img", { src: "/console/img/logo.svg", alt: "", width: 40, height: 40 }),
                h("div", {}, h("h1", {}, t("app.title")), h("p", { class: "muted" }, t("login.subtitle"))),
                languageSwitch(),
            ),
            form,
            h("p", { class: "small muted" }, t("login.privacy")),
        ),
    );
}
