// A new registration request: the application form of the subject kind (表 A.1 person, A.2
// organisation, A.3 device, A.4 carrier / key recovery) plus what the request needs besides the
// form: the PKCS#10 made on the holder's USB key or card (issue, renewal, change), or the
// certificate it concerns (revocation, suspension). The server validates again and decides.

import { get, post } from "../api.js";
import { t, label } from "../i18n.js";
import { can, getMe, getMeta } from "../session.js";
import { checkField } from "../validate.js";
import { h, panel, field, select, setFieldError, button, errorBox, withProgress, readFileText, toast } from "../ui.js";
import { fieldLabel } from "./request.js";

const CERT_KINDS = ["issue", "renewal", "change"];
const TARGET_KINDS = ["renewal", "change", "revocation", "suspension", "unsuspension", "key_recovery"];
const REASONS = ["unspecified", "keyCompromise", "affiliationChanged", "superseded", "cessationOfOperation", "privilegeWithdrawn"];

// Which kinds the member may submit (ra::Workflow::submit asks for these actions).
function allowedKinds() {
    const kinds = [];
    if (can("ra.application.submit")) kinds.push("issue", "renewal", "change", "suspension", "unsuspension");
    if (can("ra.revocation.request")) kinds.push("revocation");
    if (can("ra.keyrecovery.request")) kinds.push("key_recovery");
    return kinds;
}

export default {
    id: "submit",
    route: "submit",
    nav: { group: "ra", label: "nav.submit" },
    visible: () => allowedKinds().length > 0,
    async render({ navigate, query }) {
        const me = getMe();
        const meta = getMeta();
        const [{ cas }, nodes] = await Promise.all([
            get("/api/v1/cas", { auth: false }),
            can("org.read") ? get("/api/v1/org-nodes").then((r) => r.org_nodes) : Promise.resolve(null),
        ]);
        const issuing = cas.filter((c) => c.status === "active" && c.kind === "sub");
        const kinds = allowedKinds();
        const kindSel = select(kinds.map((k) => [k, label("kind", k)]), { value: query.get("kind") ?? kinds[0], testid: "submit-kind" });
        const subjectSel = select(["person", "organisation", "device", "carrier"].map((k) => [k, label("subject", k)]), { value: "person", testid: "submit-subject" });
        const orgNode = nodes
            ? select(nodes.map((n) => [n.id, `${n.name} (${n.id})`]), { value: me.org_node, testid: "submit-org-node" })
            : h("input", { type: "text", value: me.org_node, "data-testid": "submit-org-node" });
        const caSel = select((issuing.length ? issuing : cas).map((c) => [c.id, `${c.name} (${c.id})`]), { testid: "submit-ca" });
        const profile = h("input", { type: "text", "data-testid": "submit-profile", placeholder: "" });
        const validity = h("input", { type: "number", min: 0, max: 36500, step: 1, "data-testid": "submit-validity" });
        const target = h("input", { type: "text", placeholder: "demo-sub:0123abcd…", "data-testid": "submit-target", value: query.get("target") ?? "" });
        const reason = select(REASONS.map((r) => [r, label("reason", r)]), { testid: "submit-reason" });
        const csrFile = h("input", { type: "file", accept: ".csr,.pem,.req,text/plain", "data-testid": "submit-csr-file" });
        const csrText = h("textarea", { rows: 5, class: "mono", placeholder: "-----BEGIN CERTIFICATE REQUEST-----", "data-testid": "submit-csr" });
        const phrase = h("input", { type: "password", autocomplete: "new-password", "data-testid": "submit-phrase" });
        csrFile.addEventListener("change", async () => {
            if (csrFile.files.length) csrText.value = await readFileText(csrFile.files[0]);
        });

        const formBox = h("div", { class: "grid-2", "data-testid": "form-fields" });
        let inputs = new Map();
        const buildForm = () => {
            const kind = subjectSel.value;
            profile.placeholder = meta.forms[kind]?.profile ?? "";
            inputs = new Map();
            formBox.replaceChildren(
                ...meta.forms[kind].fields.map((spec) => {
                    const input =
                        spec.syntax === "gender"
                            ? select([["", "—"], ["male", label("gender", "male")], ["female", label("gender", "female")]], { testid: `f-${spec.key}` })
                            : h("input", { type: spec.syntax === "email" ? "email" : "text", name: spec.key, "data-testid": `f-${spec.key}`, maxlength: 256 });
                    // Errors clear while typing and show when the value is committed, so the
                    // layout does not move under the pointer between mousedown and click.
                    input.addEventListener("input", () => {
                        if (input.classList.contains("invalid") && !checkField(spec, input.value)) setFieldError(input, "");
                    });
                    input.addEventListener("change", () => {
                        const err = checkField(spec, input.value);
                        setFieldError(input, err ? t(err) : "");
                    });
                    inputs.set(spec.key, { spec, input });
                    return field(fieldLabel(spec.key, spec), input, { required: spec.required, hint: t(`hint.${spec.syntax}`, {}, null) ?? undefined });
                }),
            );
        };
        subjectSel.addEventListener("change", buildForm);
        buildForm();

        const targetRow = field(t("req.target"), target, { hint: t("submit.target_hint"), required: true });
        const reasonRow = field(t("req.reason"), reason);
        const csrRow = h("div", {}, field(t("submit.csr_file"), csrFile, { hint: t("submit.csr_hint") }), field(t("submit.csr"), csrText, { required: true }));
        const syncKind = () => {
            const k = kindSel.value;
            targetRow.hidden = !TARGET_KINDS.includes(k);
            reasonRow.hidden = k !== "revocation";
            csrRow.hidden = !CERT_KINDS.includes(k);
            if (k === "key_recovery" && subjectSel.value !== "carrier") {
                subjectSel.value = "carrier";
                buildForm();
            }
        };
        kindSel.addEventListener("change", syncKind);
        syncKind();

        const errors = h("div", { class: "form-errors" });
        const form = h(
            "form",
            { novalidate: true, class: "stack", "data-testid": "submit-form" },
            h(
                "div",
                { class: "grid-2" },
                field(t("req.kind"), kindSel, { required: true }),
                field(t("req.subject_kind"), subjectSel, { required: true }),
                field(t("req.org_node"), orgNode, { required: true }),
                field(t("req.ca"), caSel, { required: true }),
                field(t("req.profile"), profile, { hint: t("submit.profile_hint") }),
                field(t("submit.validity_days"), validity, { hint: t("submit.validity_hint") }),
                targetRow,
                reasonRow,
                field(t("submit.challenge_phrase"), phrase, { hint: t("submit.challenge_hint") }),
            ),
            h("h3", {}, t(`form.title.${subjectSel.value}`)),
            formBox,
            csrRow,
            errors,
            h("div", { class: "form-actions" }, button(t("submit.send"), null, { kind: "primary", type: "submit", testid: "submit-send" })),
        );
        subjectSel.addEventListener("change", () => {
            form.querySelector("h3").textContent = t(`form.title.${subjectSel.value}`);
        });

        form.addEventListener("submit", async (e) => {
            e.preventDefault();
            errors.replaceChildren();
            let ok = true;
            const values = {};
            for (const [key, { spec, input }] of inputs) {
                const err = checkField(spec, input.value);
                setFieldError(input, err ? t(err) : "");
                ok = ok && !err;
                if (input.value.trim()) values[key] = input.value.trim();
            }
            const kind = kindSel.value;
            const needsCsr = CERT_KINDS.includes(kind);
            const csr = csrText.value.trim();
            if (needsCsr && !/-----BEGIN (NEW )?CERTIFICATE REQUEST-----/.test(csr)) {
                setFieldError(csrText, t("submit.csr_missing"));
                ok = false;
            } else setFieldError(csrText, "");
            const needsTarget = TARGET_KINDS.includes(kind);
            if (needsTarget && !/^[A-Za-z0-9._-]+:[0-9A-Fa-f]+$/.test(target.value.trim())) {
                setFieldError(target, t("submit.target_invalid"));
                ok = false;
            } else setFieldError(target, "");
            const days = validity.value ? Number(validity.value) : 0;
            if (!Number.isInteger(days) || days < 0 || days > 36500) {
                setFieldError(validity, t("submit.validity_invalid"));
                ok = false;
            } else setFieldError(validity, "");
            if (!ok) {
                errors.append(h("div", { class: "alert alert-error", role: "alert", "data-testid": "form-invalid" }, t("form.fix_errors")));
                return;
            }
            const body = {
                kind,
                subject_kind: subjectSel.value,
                form: values,
                org_node: orgNode.value.trim(),
                ca: caSel.value,
            };
            if (profile.value.trim()) body.profile = profile.value.trim();
            if (needsCsr) body.csr = csr;
            if (needsTarget) body.target = target.value.trim();
            if (kind === "revocation") body.reason = reason.value;
            if (days) body.validity_days = days;
            if (phrase.value) body.challenge_phrase = phrase.value;
            try {
                const created = await withProgress(t("submit.progress"), () => post("/api/v1/ra/requests", body));
                toast(t("submit.done", { id: created.id }));
                navigate(`requests/${encodeURIComponent(created.id)}`);
            } catch (err) {
                errors.append(errorBox(err));
            }
        });
        return panel(t("submit.title"), form, { testid: "submit" });
    },
};
