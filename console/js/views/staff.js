// Staff and role administration (LD/T 03-2022 §5.4, §8.3.3): the members of the caller's subtree,
// new members (only roles the caller may manage: super admin → business/security/audit admins and
// maintainers, audit admin → auditors, business admin → operators and external principals, RA
// operator → applicants), role changes, deactivation (ends every session at once), unlocks and
// password resets. The server applies the rules; this view offers what the role allows.

import { get, post, put, seg } from "../api.js";
import { t, label } from "../i18n.js";
import { can, getMe, getMeta, rolesManagedBy } from "../session.js";
import { h, panel, table, badge, button, field, select, setFieldError, dialog, toast, errorBox, formatTime, readFileText, withProgress } from "../ui.js";

const SUBSYSTEM_ROLES = new Set(["business_admin", "business_operator"]);
// LD/T 01.1-2022 §9.4: audit admins and auditors MAY belong to one subsystem.
const OPTIONAL_SUBSYSTEM_ROLES = new Set(["audit_admin", "auditor"]);

function roleOptions(roles) {
    return roles.map((r) => [r, label("role", r)]);
}

function subsystemSelect(value, testid) {
    return select([["", "—"], ...getMeta().subsystems.map((s) => [s, label("subsystem", s)])], { value: value ?? "", testid });
}

function askRole(member) {
    const roles = rolesManagedBy(getMe().role);
    return dialog(t("staff.assign_role_for", { id: member.id }), (close) => {
        const role = select(roleOptions(roles), { value: roles.includes(member.role) ? member.role : roles[0], testid: "assign-role" });
        const sub = subsystemSelect(member.subsystem, "assign-subsystem");
        const form = h(
            "form",
            { novalidate: true },
            field(t("staff.role"), role, { required: true }),
            field(t("staff.subsystem"), sub, { hint: t("staff.subsystem_hint") }),
            h("div", { class: "dialog-actions" }, button(t("common.cancel"), () => close(null)), button(t("staff.assign_role"), null, { kind: "primary", type: "submit", testid: "assign-confirm" })),
        );
        form.addEventListener("submit", (e) => {
            e.preventDefault();
            if (SUBSYSTEM_ROLES.has(role.value) && !sub.value) return setFieldError(sub, t("staff.subsystem_required"));
            close({ role: role.value, subsystem: sub.value || undefined });
        });
        return form;
    });
}

function askPassword(member) {
    return dialog(t("staff.reset_password_for", { id: member.id }), (close) => {
        const pw = h("input", { type: "password", autocomplete: "new-password", "data-testid": "reset-password" });
        const form = h(
            "form",
            { novalidate: true },
            field(t("staff.new_password"), pw, { required: true, hint: t("staff.password_hint") }),
            h("div", { class: "dialog-actions" }, button(t("common.cancel"), () => close(null)), button(t("staff.reset_password"), null, { kind: "primary", type: "submit", testid: "reset-confirm" })),
        );
        form.addEventListener("submit", (e) => {
            e.preventDefault();
            if (pw.value.length < 8) return setFieldError(pw, t("staff.password_hint"));
            close(pw.value);
        });
        return form;
    });
}

function confirmDialog(title, text, confirmLabel) {
    return dialog(title, (close) =>
        h("div", {}, h("p", {}, text), h("div", { class: "dialog-actions" }, button(t("common.cancel"), () => close(false)), button(confirmLabel, () => close(true), { kind: "danger", testid: "confirm" }))),
    );
}

function createForm(nodes, onCreated) {
    const me = getMe();
    const roles = rolesManagedBy(me.role);
    const id = h("input", { type: "text", maxlength: 64, "data-testid": "new-id", autocomplete: "off" });
    const name = h("input", { type: "text", maxlength: 128, "data-testid": "new-name" });
    const role = select(roleOptions(roles), { testid: "new-role" });
    const sub = subsystemSelect(me.subsystem, "new-subsystem");
    const node = nodes ? select(nodes.map((n) => [n.id, `${n.name} (${n.id})`]), { value: me.org_node, testid: "new-org-node" }) : h("input", { type: "text", value: me.org_node, "data-testid": "new-org-node" });
    const pw = h("input", { type: "password", autocomplete: "new-password", "data-testid": "new-password" });
    const phone = h("input", { type: "tel", maxlength: 20, "data-testid": "new-phone" });
    const cert = h("input", { type: "file", accept: ".pem,.crt,.cer,text/plain", "data-testid": "new-cert" });
    const errors = h("div", { class: "form-errors" });
    const form = h(
        "form",
        { novalidate: true, class: "stack", "data-testid": "staff-create" },
        h(
            "div",
            { class: "grid-2" },
            field(t("staff.id"), id, { required: true, hint: t("staff.id_hint") }),
            field(t("staff.display_name"), name, { required: true }),
            field(t("staff.role"), role, { required: true }),
            field(t("staff.subsystem"), sub, { hint: t("staff.subsystem_hint") }),
            field(t("req.org_node"), node, { required: true }),
            field(t("staff.initial_password"), pw, { required: true, hint: t("staff.password_hint") }),
            field(t("staff.phone"), phone),
            field(t("staff.certificate"), cert, { hint: t("staff.certificate_hint") }),
        ),
        errors,
        h("div", { class: "form-actions" }, button(t("staff.create"), null, { kind: "primary", type: "submit", testid: "staff-create-go" })),
    );
    form.addEventListener("submit", async (e) => {
        e.preventDefault();
        errors.replaceChildren();
        let ok = true;
        const check = (c, bad, key) => {
            setFieldError(c, bad ? t(key) : "");
            ok = ok && !bad;
        };
        check(id, !/^[A-Za-z0-9._-]{2,64}$/.test(id.value.trim()), "staff.id_hint");
        check(name, !name.value.trim(), "form.required");
        check(pw, pw.value.length < 8, "staff.password_hint");
        check(sub, SUBSYSTEM_ROLES.has(role.value) && !sub.value, "staff.subsystem_required");
        if (!ok) return;
        const body = { id: id.value.trim(), display_name: name.value.trim(), role: role.value, org_node: node.value.trim(), initial_password: pw.value };
        if (SUBSYSTEM_ROLES.has(role.value) || (OPTIONAL_SUBSYSTEM_ROLES.has(role.value) && sub.value)) body.subsystem = sub.value;
        if (phone.value.trim()) body.phone = phone.value.trim();
        if (cert.files.length) {
            const pem = await readFileText(cert.files[0]);
            if (!pem.includes("-----BEGIN CERTIFICATE-----")) {
                setFieldError(cert, t("staff.certificate_invalid"));
                return;
            }
            body.certificate_pem = pem;
        }
        try {
            const created = await withProgress(t("staff.creating"), () => post("/api/v1/staff", body));
            toast(t("staff.created", { id: created.id }));
            onCreated();
        } catch (err) {
            errors.append(errorBox(err));
        }
    });
    return form;
}

export default {
    id: "staff",
    route: "staff",
    nav: { group: "admin", label: "nav.staff" },
    visible: () => can("staff.read") || (can("staff.create") && rolesManagedBy(getMe()?.role).length > 0),
    async render({ refresh }) {
        const me = getMe();
        const messages = h("div", { class: "messages", "data-testid": "messages" });
        const [staffList, nodes] = await Promise.all([
            can("staff.read") ? get("/api/v1/staff").then((r) => r.staff) : Promise.resolve(null),
            can("org.read") ? get("/api/v1/org-nodes").then((r) => r.org_nodes) : Promise.resolve(null),
        ]);
        const managed = rolesManagedBy(me.role);
        const act = async (work, done) => {
            messages.replaceChildren();
            try {
                await work();
                toast(done);
                refresh();
            } catch (e) {
                messages.append(errorBox(e));
            }
        };
        const rowActions = (m) => {
            if (m.id === me.id) return h("span", { class: "muted small" }, t("staff.you"));
            const out = [];
            const manages = managed.includes(m.role);
            if (m.active && manages && can("staff.role.assign"))
                out.push(button(t("staff.assign_role"), async () => {
                    const r = await askRole(m);
                    if (r) await act(() => put(`/api/v1/staff/${seg(m.id)}/role`, r), t("staff.role_assigned", { id: m.id }));
                }, { testid: "assign" }));
            if (m.active && manages && can("staff.password.reset"))
                out.push(button(t("staff.reset_password"), async () => {
                    const pw = await askPassword(m);
                    if (pw) await act(() => post(`/api/v1/staff/${seg(m.id)}/password-reset`, { new_password: pw }), t("staff.password_reset_done", { id: m.id }));
                }, { testid: "reset" }));
            if (m.locked_until && can("staff.unlock"))
                out.push(button(t("staff.unlock"), () => act(() => post(`/api/v1/staff/${seg(m.id)}/unlock`, {}), t("staff.unlocked", { id: m.id })), { testid: "unlock" }));
            if (m.active && manages && can("staff.deactivate"))
                out.push(button(t("staff.deactivate"), async () => {
                    if (await confirmDialog(t("staff.deactivate"), t("staff.deactivate_confirm", { id: m.id }), t("staff.deactivate")))
                        await act(() => post(`/api/v1/staff/${seg(m.id)}/deactivate`, {}), t("staff.deactivated", { id: m.id }));
                }, { kind: "danger", testid: "deactivate" }));
            return h("div", { class: "row-actions" }, out);
        };
        const parts = [messages];
        if (staffList) {
            parts.push(
                panel(
                    t("staff.title"),
                    table(
                        [
                            { key: "id", label: t("staff.id"), render: (m) => h("span", { class: "mono" }, m.id) },
                            { key: "display_name", label: t("staff.display_name") },
                            { key: "role", label: t("staff.role"), render: (m) => label("role", m.role) },
                            { key: "subsystem", label: t("staff.subsystem"), render: (m) => (m.subsystem ? label("subsystem", m.subsystem) : "") },
                            { key: "org_node", label: t("req.org_node") },
                            { key: "active", label: t("req.state"), render: (m) => (m.active ? (m.locked_until ? badge(t("staff.locked"), "warning") : badge(t("staff.active"), "ok")) : badge(t("staff.inactive"), "neutral")) },
                            { key: "has_certificate", label: t("staff.certificate"), render: (m) => (m.has_certificate ? t("common.yes") : t("common.no")) },
                            { key: "created", label: t("staff.created_at"), render: (m) => `${formatTime(m.created_at)}${m.created_by ? ` · ${m.created_by}` : ""}` },
                            { key: "actions", label: "", render: rowActions },
                        ],
                        staffList,
                        { testid: "staff-list", rowAttrs: (m) => ({ dataset: { id: m.id, active: String(m.active) } }) },
                    ),
                    { testid: "staff" },
                ),
            );
        }
        if (can("staff.create") && managed.length) parts.push(panel(t("staff.new"), createForm(nodes, refresh)));
        if (nodes) {
            parts.push(
                panel(
                    t("org.title"),
                    table(
                        [
                            { key: "id", label: "ID", render: (n) => h("span", { class: "mono" }, n.id) },
                            { key: "name", label: t("org.name") },
                            { key: "kind", label: t("org.kind"), render: (n) => label("orgkind", n.kind) },
                            { key: "parent", label: t("org.parent") },
                            { key: "quota", label: t("org.quota"), class: "num", render: (n) => (n.sponsored ? String(n.quota_remaining) : "—") },
                        ],
                        nodes,
                        { testid: "org-nodes" },
                    ),
                ),
            );
        }
        return h("div", { class: "stack", "data-testid": "staff-view" }, parts);
    },
};
