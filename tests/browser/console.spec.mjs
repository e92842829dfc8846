// The operator console in headless Chromium (Debian's /usr/bin/chromium driven by playwright-core),
// against a real `yinxin serve` started by console_browser_test.cpp:
//
//   node console.spec.mjs <base-url> <logins.txt>
//
// Environment: YX_NODE_MODULES (the directory `npm ci` filled), YX_OUT (scratch directory for
// downloads and the files the C++ driver checks with openssl), YX_SCREENSHOTS, YX_CSR (a PKCS#10
// for the application walk), YX_STAFF_CERT (the login certificate of a member created in the
// console), YX_BATCH (a card batch file), YX_CHROMIUM (default /usr/bin/chromium), YX_SEAL_CODE (a
// made, centrally held seal), YX_SEAL_APPLICATION (a submitted seal application), YX_SEAL_USE (a
// seal-use request awaiting review).
//
// Prints one "ok"/"not ok" line per check and writes YX_OUT/results.json; exits 1 when any
// check failed.

import { createRequire } from "node:module";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const [, , baseUrl, loginsFile] = process.argv;
const OUT = process.env.YX_OUT;
const SHOTS = process.env.YX_SCREENSHOTS;
const CSR = process.env.YX_CSR;
if (!baseUrl || !loginsFile || !OUT || !SHOTS || !CSR || !process.env.YX_NODE_MODULES || !process.env.YX_STAFF_CERT) {
    console.error("usage: YX_NODE_MODULES=… YX_OUT=… YX_SCREENSHOTS=… YX_CSR=… node console.spec.mjs <url> <logins.txt>");
    process.exit(2);
}
const require = createRequire(join(process.env.YX_NODE_MODULES, "package.json"));
const { chromium } = require("playwright-core");
mkdirSync(SHOTS, { recursive: true });

// login role password key certificate
const logins = Object.fromEntries(
    readFileSync(loginsFile, "utf8")
        .split("\n")
        .filter((l) => l.trim() && !l.startsWith("#"))
        .map((l) => {
            const [login, role, password, key, cert] = l.trim().split(/\s+/);
            return [login, { login, role, password, key, cert }];
        }),
);

let failures = 0;
const results = {};
function check(name, cond, detail = "") {
    if (cond) console.log(`ok - ${name}`);
    else {
        failures++;
        console.log(`not ok - ${name}${detail ? `: ${detail}` : ""}`);
    }
    return cond;
}

const browser = await chromium.launch({
    executablePath: process.env.YX_CHROMIUM || "/usr/bin/chromium",
    headless: true,
    // As root in a container there is no user namespace for the sandbox; the closed network makes
    // Chromium's background services fail noisily, so they are off.
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
});

const consoleErrors = [];
async function newPage(tag) {
    const context = await browser.newContext({ locale: "zh-CN", acceptDownloads: true, viewport: { width: 1360, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(45000);
    page.on("pageerror", (e) => consoleErrors.push(`${tag}: ${e.message}`));
    page.on("console", (m) => {
        // 4xx answers are what some checks provoke; the known-answer page provokes a Trusted Types refusal.
        if (m.type() !== "error" || /status of 40[134]/.test(m.text())) return;
        if (tag === "kat" && m.text().includes("TrustedHTML")) return;
        consoleErrors.push(`${tag}: ${m.text()}`);
    });
    return page;
}
const $ = (id) => `[data-testid="${id}"]`;
const shot = (page, name) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

async function openLogin(page) {
    await page.goto(`${baseUrl}/console/`);
    await page.waitForSelector($("login-form"));
}

async function login(page, who, { password = who.password, expectOk = true } = {}) {
    await openLogin(page);
    await page.fill($("login-name"), who.login);
    await page.fill($("login-password"), password);
    await page.setInputFiles($("login-key"), who.key);
    await page.click($("login-submit"));
    if (expectOk) await page.waitForSelector($("who-role"));
}

async function go(page, hash, readySelector) {
    await page.evaluate((h) => {
        location.hash = h;
    }, hash);
    if (readySelector) await page.waitForSelector(readySelector);
}

async function navViews(page) {
    return page.$$eval(`${$("nav")} a`, (as) => as.map((a) => a.dataset.view).sort());
}

async function download(page, testid, path) {
    const [dl] = await Promise.all([page.waitForEvent("download"), page.click($(testid))]);
    await dl.saveAs(path);
    return path;
}

try {
    // --- 1. Crypto known answers, CSP and catalogues, inside the page ---------------------------
    {
        const page = await newPage("kat");
        await openLogin(page);
        const keyPem = readFileSync(logins.auditor.key, "utf8");
        const kat = await page.evaluate(async (pem) => {
            const { sm3 } = await import("/console/js/crypto/sm3.js");
            const { toHex, toBase64 } = await import("/console/js/crypto/encoding.js");
            const { sm2KeyFromPkcs8Pem, sm2Verify } = await import("/console/js/crypto/sm2.js");
            const key = sm2KeyFromPkcs8Pem(pem);
            const message = "yinxin console known-answer test: 印信";
            const sig = key.sign(message);
            let trustedTypes = "no error";
            try {
                document.createElement("div").innerHTML = "<b>x</b>";
            } catch (e) {
                trustedTypes = e.name;
            }
            const zh = (await import("/console/js/i18n/zh-CN.js")).default;
            const en = (await import("/console/js/i18n/en.js")).default;
            return {
                abc: toHex(sm3("abc")),
                abcd16: toHex(sm3("abcd".repeat(16))),
                message,
                signature: toBase64(sig.der),
                selfVerify: sm2Verify(key.publicKey, message, sig.der),
                publicKey: toHex(key.publicKeyBytes()),
                trustedTypes,
                onlyZh: Object.keys(zh).filter((k) => !(k in en)),
                onlyEn: Object.keys(en).filter((k) => !(k in zh)),
            };
        }, keyPem);
        // GB/T 32905-2016 Appendix A, examples 1 and 2.
        check("SM3('abc') = GB/T 32905 A.1", kat.abc === "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0", kat.abc);
        check("SM3('abcd' x 16) = GB/T 32905 A.2", kat.abcd16 === "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732", kat.abcd16);
        check("SM2 signature made in the browser verifies in the browser", kat.selfVerify);
        check("Trusted Types (CSP) refuse innerHTML", kat.trustedTypes === "TypeError", kat.trustedTypes);
        check("catalogues have the same keys", kat.onlyZh.length === 0 && kat.onlyEn.length === 0, JSON.stringify({ zh: kat.onlyZh, en: kat.onlyEn }));
        writeFileSync(join(OUT, "kat-message.txt"), kat.message);
        writeFileSync(join(OUT, "kat-signature.der"), Buffer.from(kat.signature, "base64"));
        results.kat_public_key = kat.publicKey;
        await shot(page, "01-login");
        await page.context().close();
    }

    // --- 2. A wrong password shows the problem code in the user's language ----------------------
    {
        const page = await newPage("bad-password");
        await login(page, logins.auditor, { password: "Wrong#Pass9x", expectOk: false });
        await page.waitForSelector($("error-code"));
        const code = await page.textContent($("error-code"));
        const text = await page.textContent($("error"));
        check("wrong password: problem code auth.bad_credentials shown", code.includes("auth.bad_credentials"), code);
        check("wrong password: message in Chinese", text.includes("登录名、口令或证书签名不正确"), text);
        await shot(page, "02-login-error");
        // A key file that is not a PKCS#8 SM2 key is refused before anything is sent.
        await page.setInputFiles($("login-key"), logins.auditor.cert);
        await page.click($("login-submit"));
        await page.waitForSelector(".field-error:has-text('PKCS#8')");
        check("a certificate offered as the key is refused in the browser", true);
        await page.context().close();
    }

    // --- 3. Each demo role sees only its views and actions -----------------------------------
    // Derived by hand from docs/roles.md (not from the console's own tables).
    const expectedViews = {
        admin: ["home", "publication", "staff"],
        security: ["home", "publication", "staff"],
        auditadmin: ["audit", "home", "publication", "seal-use-log", "staff"],
        auditor: ["audit", "home", "publication", "seal-use-log"],
        maintainer: ["home", "publication"],
        "ra.admin": ["certificates", "expiring", "home", "overdue", "publication", "queue", "staff", "statistics"],
        "ra.operator": ["card-batches", "certificates", "expiring", "home", "overdue", "publication", "queue", "staff", "submit"],
        "ra.approver": ["certificates", "expiring", "home", "overdue", "queue", "seal-applications", "seal-use-log", "seals", "submit"],
        holder: ["certificates", "expiring", "home", "overdue", "queue", "seal-applications", "seal-use-log", "seals", "submit"],
    };
    const mustHave = { auditor: "audit.verify", admin: "staff.create", "ra.operator": "ra.application.review", "ra.approver": "ra.application.approve", security: "staff.unlock" };
    const mustNotHave = { auditor: "staff.create", admin: "audit.read", "ra.operator": "audit.read", "ra.approver": "ra.application.review", holder: "ra.application.approve" };
    for (const [name, views] of Object.entries(expectedViews)) {
        const who = logins[name];
        if (!check(`demo login ${name} exists`, Boolean(who))) continue;
        const page = await newPage(name);
        await login(page, who);
        const role = await page.getAttribute($("who-role"), "data-role");
        check(`${name}: logged in with role ${who.role}`, role === who.role, role);
        const seen = await navViews(page);
        check(`${name}: navigation shows exactly its views`, JSON.stringify(seen) === JSON.stringify(views), `${seen} != ${views}`);
        await page.waitForSelector($("permissions"));
        const perms = await page.$$eval(`${$("permissions")} li`, (lis) => lis.map((l) => l.dataset.action));
        if (mustHave[name]) check(`${name}: may ${mustHave[name]}`, perms.includes(mustHave[name]));
        if (mustNotHave[name]) check(`${name}: may not ${mustNotHave[name]}`, !perms.includes(mustNotHave[name]));
        const stored = await page.evaluate(() => ({
            session: Object.keys(sessionStorage),
            local: Object.keys(localStorage),
            anyKey: [...Object.values(sessionStorage), ...Object.values(localStorage)].some((v) => v.includes("PRIVATE KEY")),
        }));
        check(`${name}: token in sessionStorage only, no key stored`, stored.session.includes("yinxin.console.token") && !stored.local.includes("yinxin.console.token") && !stored.anyKey, JSON.stringify(stored));
        if (name === "auditor") {
            await go(page, "#/staff", $("not-allowed"));
            check("auditor: the staff view is refused in the console", true);
            const status = await page.evaluate(async () => (await fetch("/api/v1/staff", { headers: { Authorization: `Bearer ${sessionStorage.getItem("yinxin.console.token")}` } })).status);
            check("auditor: the API refuses the staff list too (403)", status === 403, String(status));
        }
        await shot(page, `03-home-${name}`);
        await page.context().close();
    }

    // --- 4. An application from submission to issuance ----------------------------------------
    let requestId;
    let certRef;
    {
        const page = await newPage("holder");
        await login(page, logins.holder);
        await go(page, "#/submit", $("submit-form"));
        await page.fill($("f-name"), "张三");
        await page.fill($("f-id_number"), "110105194912310021"); // wrong check digit
        await page.fill($("f-province_city"), "山东省济南市");
        await page.fill($("f-phone"), "13800138000");
        await page.fill($("f-unit_department"), "济南市人力资源和社会保障局 信息中心");
        await page.fill($("f-email"), "zhangsan@example.cn");
        await page.fill($("submit-validity"), "730");
        await page.setInputFiles($("submit-csr-file"), CSR);
        await page.waitForFunction(() => document.querySelector('[data-testid="submit-csr"]').value.includes("BEGIN CERTIFICATE REQUEST"));
        await page.click($("submit-send"));
        await page.waitForSelector($("form-invalid"));
        const idError = await page.evaluate(() => document.querySelector('[data-testid="f-id_number"]').parentElement.querySelector(".field-error").textContent);
        check("form validation: a bad citizen ID number is refused in the browser", idError.includes("GB 11643"), idError);
        await page.fill($("f-id_number"), "11010519491231002X");
        await page.click($("submit-send"));
        await page.waitForSelector(`${$("request-view")}[data-state="submitted"]`);
        requestId = (await page.textContent($("request-id"))).trim();
        check("holder submitted an application", /^req-[0-9a-f]+$/.test(requestId), requestId);
        const clock = await page.textContent($("clock"));
        check("the 48-hour clock runs", /剩余 47 小时|剩余 48 小时/.test(clock), clock);
        check("holder has no decision buttons", (await page.$$(`${$("approve")}, ${$("review")}`)).length === 0);
        await shot(page, "04-request-submitted");
        await page.context().close();
    }
    {
        const page = await newPage("approver");
        await login(page, logins["ra.approver"]);
        await go(page, "#/requests?state=submitted", $("requests"));
        check("the approver's queue lists the application", (await page.$(`tr[data-id="${requestId}"]`)) !== null);
        await shot(page, "05-queue");
        await page.click(`tr[data-id="${requestId}"] a`);
        await page.waitForSelector(`${$("request-view")}[data-state="submitted"]`);
        check("approver: no review button before approval", (await page.$($("review"))) === null);
        const fields = await page.$$eval(`${$("form-fields")} dd`, (dds) => Object.fromEntries(dds.map((d) => [d.dataset.field, d.textContent])));
        check("the detail shows the A.1 form fields", fields.name === "张三" && fields.id_number === "11010519491231002X", JSON.stringify(fields));
        await shot(page, "06-request-detail");
        await page.click($("approve"));
        await page.waitForSelector(`${$("request-view")}[data-state="approved"]`);
        const history = await page.textContent($("history"));
        check("approval recorded with its SM2 signature", history.includes("SM2 已签名") && history.includes("ra.approver"), history);
        await page.context().close();
    }
    {
        const page = await newPage("operator");
        await login(page, logins["ra.operator"]);
        // A reload loses the in-memory key: the review asks for the key file again.
        await go(page, `#/requests/${requestId}`, `${$("request-view")}[data-state="approved"]`);
        await page.reload();
        await page.waitForSelector(`${$("request-view")}[data-state="approved"]`);
        check("after a reload the session survives and the key is not loaded", (await page.textContent($("key-state"))).includes("未载入"));
        await page.click($("review"));
        await page.waitForSelector($("key-dialog"));
        await page.setInputFiles($("key-file"), logins["ra.operator"].key);
        await page.click($("key-use"));
        await page.waitForSelector(`${$("request-view")}[data-state="completed"]`);
        certRef = (await page.textContent($("result"))).trim();
        check("review issued the certificate", /^demo-sub:[0-9a-f]+$/.test(certRef), certRef);
        results.request_id = requestId;
        results.certificate = certRef;
        await shot(page, "07-request-completed");
        await download(page, "download-pem", join(OUT, "issued.pem"));
        await download(page, "download-der", join(OUT, "issued.cer"));
        check("certificate downloaded as PEM and DER", true);

        // --- 5. Revoke it and see the CRL change ---
        const [ca, serial] = certRef.split(":");
        await go(page, `#/publication`, $("crl-summary"));
        const before = Number(await page.textContent(`tr[data-ca="demo-sub"] ${$("crl-number")}`));
        await go(page, `#/certificates/${ca}/${serial}`, `${$("certificate-view")}[data-status="issued"]`);
        await shot(page, "08-certificate");
        await page.click($("revoke"));
        await page.selectOption($("revoke-reason"), "keyCompromise");
        await page.fill($("status-why"), "持有者报告 USB Key 遗失 (browser test)");
        await page.click($("status-confirm"));
        await page.waitForSelector(`${$("certificate-view")}[data-status="revoked"]`);
        await go(page, `#/publication?ca=demo-sub`, $("crl-entries-demo-sub"));
        const after = Number(await page.textContent(`tr[data-ca="demo-sub"] ${$("crl-number")}`));
        const listed = await page.$$eval(`${$("crl-entries-demo-sub")} ${$("crl-serial")}`, (as) => as.map((a) => a.textContent));
        check("the CRL number went up after the revocation", after > before, `${before} -> ${after}`);
        check("the revoked serial is on the CRL read by the console", listed.includes(serial), listed.join(","));
        await shot(page, "09-publication");
        const crl = await page.evaluate(async () => Array.from(new Uint8Array(await (await fetch("/crl/demo-sub.crl")).arrayBuffer())));
        writeFileSync(join(OUT, "demo-sub.crl"), Buffer.from(crl));
        results.crl_number = after;
        // A card batch: upload, live progress until the worker is done, the per-item results.
        await go(page, "#/card-batches", $("batch-form"));
        await page.setInputFiles($("batch-file"), process.env.YX_BATCH);
        await page.selectOption($("batch-ca"), "demo-sub");
        await page.click($("batch-submit"));
        await page.waitForSelector(`${$("batch-progress")}[data-state="done"]`, { timeout: 90000 });
        const progress = await page.$eval($("batch-progress"), (e) => ({ ...e.dataset }));
        check("card batch: done with 5 issued and 1 failed", progress.total === "6" && progress.done === "6" && progress.issued === "5" && progress.failed === "1", JSON.stringify(progress));
        await shot(page, "10-card-batch");
        await download(page, "batch-result", join(OUT, "batch-result.csv"));
        const resultLines = readFileSync(join(OUT, "batch-result.csv"), "utf8").trim().split("\n");
        check("card batch: the result file has a line per item", resultLines.length === 7 && resultLines.filter((l) => l.includes(",issued,")).length === 5, resultLines.map((l) => l.slice(0, 60)).join(" | "));
        await go(page, "#/expiring", $("expiring-list"));
        await shot(page, "10-expiring");
        await go(page, "#/overdue", $("overdue-summary"));
        await shot(page, "11-overdue");
        await page.context().close();
    }

    // --- 6. A rejected application ---
    {
        const page = await newPage("holder-2");
        await login(page, logins.holder);
        await go(page, "#/submit", $("submit-form"));
        await page.fill($("f-name"), "李四");
        await page.fill($("f-id_number"), "11010519491231002X");
        await page.fill($("f-province_city"), "山东省青岛市");
        await page.fill($("f-phone"), "0532-12345678");
        await page.fill($("f-unit_department"), "青岛市社保中心");
        await page.setInputFiles($("submit-csr-file"), CSR);
        await page.waitForFunction(() => document.querySelector('[data-testid="submit-csr"]').value.includes("BEGIN"));
        await page.click($("submit-send"));
        await page.waitForSelector(`${$("request-view")}[data-state="submitted"]`);
        const second = (await page.textContent($("request-id"))).trim();
        await page.context().close();
        const ap = await newPage("approver-2");
        await login(ap, logins["ra.approver"]);
        await go(ap, `#/requests/${second}`, `${$("request-view")}[data-state="submitted"]`);
        await ap.click($("reject"));
        await ap.fill($("reject-reason"), "申请材料不全");
        await ap.click($("reject-confirm"));
        await ap.waitForSelector(`${$("request-view")}[data-state="rejected"]`);
        check("the approver rejected an application with a signed decision", (await ap.textContent($("request-facts"))).includes("申请材料不全"));
        await shot(ap, "12-request-rejected");
        await ap.context().close();
    }

    // --- 7. Statistics and staff administration ---
    {
        const page = await newPage("ra.admin");
        await login(page, logins["ra.admin"]);
        await go(page, "#/statistics", $("chart-type"));
        const bars = await page.$$eval(`${$("chart-type")} rect[data-status]`, (r) => r.length);
        check("statistics: the chart by type has bars", bars > 0, String(bars));
        const counted = Number(await page.getAttribute($("stat-total"), "data-count"));
        check("statistics: the issued certificate is counted", counted >= 1, String(counted));
        await shot(page, "13-statistics");
        const open = await page.evaluate(async () => {
            const headers = { Authorization: `Bearer ${sessionStorage.getItem("yinxin.console.token")}` };
            const noEnd = await fetch("/api/v1/ra/statistics", { headers });
            const farEnd = await fetch("/api/v1/ra/statistics?from=2000-01-01&to=9999-12-31", { headers });
            const sum = async (r) => (r.ok ? (await r.json()).statistics.reduce((n, x) => n + x.count, 0) : -r.status);
            return { noEnd: await sum(noEnd), farEnd: await sum(farEnd) };
        });
        check("statistics without ?to= (and to 9999-12-31) count the issued certificates", open.noEnd >= 1 && open.noEnd === counted && open.farEnd === counted, JSON.stringify({ ...open, counted }));
        await page.context().close();
    }
    {
        const page = await newPage("admin");
        await login(page, logins.admin);
        await go(page, "#/staff", $("staff-create"));
        await page.fill($("new-id"), "maint.two");
        await page.fill($("new-name"), "第二维护员");
        await page.selectOption($("new-role"), "system_maintainer");
        await page.fill($("new-password"), "Qx7#Rv3!Tn");
        await page.setInputFiles($("new-cert"), process.env.YX_STAFF_CERT);
        await page.click($("staff-create-go"));
        await page.waitForSelector(`tr[data-id="maint.two"][data-active="true"]`);
        check("super admin created a system maintainer", true);
        await page.click(`tr[data-id="maint.two"] ${$("assign")}`);
        await page.selectOption($("assign-role"), "security_admin");
        await page.click($("assign-confirm"));
        await page.waitForFunction(() => document.querySelector('tr[data-id="maint.two"]')?.textContent.includes("安全管理员"));
        check("super admin assigned another role", true);
        await page.click(`tr[data-id="maint.two"] ${$("deactivate")}`);
        await page.click($("confirm"));
        await page.waitForSelector(`tr[data-id="maint.two"][data-active="false"]`);
        check("super admin deactivated the member", true);
        await shot(page, "14-staff");
        await page.context().close();
    }

    // --- 8. The audit view verifies the log; English and back ---
    {
        const page = await newPage("auditor-2");
        await login(page, logins.auditor);
        await go(page, "#/audit", `${$("verify-result")}`);
        const intact = await page.getAttribute($("verify-result"), "data-intact");
        check("audit view: the log verifies intact", intact === "true", intact);
        check("audit view: the verify result reads 完整", (await page.textContent($("verify-badge"))).trim() === "完整");
        const actions = await page.$$eval(`${$("audit-records")} tbody tr`, (rows) => rows.map((r) => r.textContent));
        check("audit view: the revocation is in the log", actions.some((a) => a.includes("ra.revoke.forced")));
        await shot(page, "15-audit-zh");
        await page.click($("lang-switch"));
        await page.waitForFunction(() => document.documentElement.lang === "en");
        await page.waitForSelector(`${$("verify-result")}`);
        check("English: the verify result reads intact", (await page.textContent($("verify-badge"))).trim() === "intact");
        check("English: navigation in English", (await page.textContent($("nav-audit"))).trim() === "Audit log");
        await shot(page, "16-audit-en");
        await page.reload();
        await page.waitForSelector($("verify-result"));
        check("English is remembered over a reload (localStorage), the session too (sessionStorage)", (await page.textContent($("nav-audit"))).trim() === "Audit log" && (await page.evaluate(() => localStorage.getItem("yinxin.console.lang"))) === "en");
        await page.click($("lang-switch"));
        await page.waitForFunction(() => document.documentElement.lang === "zh-CN");
        await page.waitForSelector($("nav-audit"));
        check("back to Chinese", (await page.textContent($("nav-audit"))).trim() === "审计日志");
        await page.click($("logout"));
        await page.waitForSelector($("login-form"));
        check("logout ends the session in the tab", (await page.evaluate(() => sessionStorage.getItem("yinxin.console.token"))) === null);
        await page.context().close();
    }
    // --- 9. Seals: an application approved with a signed decision, the registry, a seal use -----
    const SEAL = process.env.YX_SEAL_CODE;
    const SEAL_APP = process.env.YX_SEAL_APPLICATION;
    const SEAL_USE = process.env.YX_SEAL_USE;
    {
        // The seal making system's operator: sees the applications of the subtree (an approver or
        // applicant sees those of their own unit only), approves one and makes its seal.
        const page = await newPage("seal-operator");
        await login(page, logins["seal.operator"]);
        await go(page, "#/seal-applications", $("seal-applications"));
        check("seal applications: the submitted application is listed", (await page.$(`${$("seal-applications")} tr[data-id="${SEAL_APP}"][data-state="submitted"]`)) !== null);
        await page.click(`tr[data-id="${SEAL_APP}"] a`);
        await page.waitForSelector(`${$("seal-application-view")}[data-state="submitted"]`);
        const fields = await page.$$eval(`${$("seal-form-fields")} dd`, (dds) => Object.fromEntries(dds.map((d) => [d.dataset.field, d.textContent])));
        check("seal application: the §7.5 form fields are shown", fields.unit_name === "济南市人力资源和社会保障局" && fields.seal_name === "合同专用章" && fields.handler_id_number === "11010519491231002X" && fields.credit_code === "11370100MB2867521T", JSON.stringify(fields));
        const materials = await page.$$eval(`${$("materials")} tbody tr`, (rows) => rows.map((r) => r.textContent));
        check("seal application: the four materials with their SM3", materials.length === 4 && materials.some((m) => m.includes("application_letter.pdf")), materials.join(" | "));
        await shot(page, "17-seal-application");
        await page.click($("approve"));
        await page.waitForSelector(`${$("seal-application-view")}[data-state="approved"]`);
        check("seal application approved with an SM2-signed decision", (await page.$($("approval-signed"))) !== null && (await page.textContent($("application-facts"))).includes("seal.operator"));
        await page.click($("make"));
        await page.waitForSelector(`${$("seal-application-view")}[data-state="made"]`);
        const second = (await page.textContent($("application-seal"))).trim();
        check("the seal of the approved application was made", /^\d{14}$/.test(second) && second !== SEAL, second);
        await go(page, "#/seals", $("seals"));
        const states = await page.$$eval(`${$("seals")} tbody tr[data-code]`, (rows) => Object.fromEntries(rows.map((r) => [r.dataset.code, r.dataset.state])));
        check("seal registry: both seals are listed as valid", states[SEAL] === "valid" && states[second] === "valid", JSON.stringify(states));
        await shot(page, "18-seal-registry");
        await page.click(`tr[data-code="${SEAL}"] ${$("seal-link")}`);
        await page.waitForSelector(`${$("seal-view")}[data-state="valid"]`);
        const published = await page.getAttribute($("published-status"), "data-status");
        check("seal detail: the published status is valid", published === "valid", published);
        const history = await page.textContent($("seal-history"));
        check("seal detail: the history shows the signed approval of its application", history.includes("ra.approver") && history.includes("SM2 已签名"), history);
        await shot(page, "19-seal-detail");
        await page.context().close();
    }
    {
        const page = await newPage("seal-reviewer");
        await login(page, logins["seal.reviewer"]);
        const seen = await navViews(page);
        check("seal reviewer: the seal-use approvals are in the navigation", seen.includes("seal-uses") && !seen.includes("seal-applications"), seen.join(","));
        await go(page, "#/seal-uses", $("seal-uses"));
        check("seal reviewer: the pending request is listed", (await page.$(`${$("seal-uses")} tr[data-id="${SEAL_USE}"][data-state="requested"]`)) !== null);
        await shot(page, "20-seal-uses");
        await page.click(`tr[data-id="${SEAL_USE}"] ${$("seal-use-link")}`);
        await page.waitForSelector(`${$("seal-use-view")}[data-state="requested"]`);
        const payload = await page.textContent($("use-payload"));
        check("seal use: the payload the decision signs is shown (SM3 checked in the browser)", payload.includes(SEAL_USE) && payload.includes(SEAL), payload);
        await page.click($("use-approve"));
        await page.waitForSelector(`${$("seal-use-view")}[data-state="approved"]`);
        check("seal use approved with the reviewer's SM2 signature", (await page.$($("use-decision-signed"))) !== null && (await page.textContent($("use-reviewed-by"))).includes("seal.reviewer"));
        await shot(page, "21-seal-use-approved");
        await page.context().close();
    }
    {
        const page = await newPage("seal-user");
        await login(page, logins["seal.user"]);
        await go(page, `#/seal-uses/${SEAL_USE}`, `${$("seal-use-view")}[data-state="approved"]`);
        await page.click($("use-sign"));
        await page.waitForSelector(`${$("seal-use-view")}[data-state="signed"]`);
        check("seal user: the approved request is signed with the seal", /^[0-9a-f]{64}$/.test((await page.textContent($("use-result-sm3"))).trim()));
        await download(page, "use-fetch", join(OUT, "signed.sig"));
        await page.waitForFunction(() => !document.querySelector('[data-testid="use-fetch"]'));
        await page.waitForSelector($("use-fetched"));
        check("seal user: the signed document was downloaded once", (await page.textContent($("use-fetched"))).includes("seal.user"));
        results.seal_use_signed = SEAL_USE;
        const root = await page.evaluate(async () => Array.from(new Uint8Array(await (await fetch("/ca/demo-seal-root.cer")).arrayBuffer())));
        writeFileSync(join(OUT, "demo-seal-root.cer"), Buffer.from(root));
        await shot(page, "22-seal-use-signed");
        await page.context().close();
    }
    {
        const page = await newPage("seal-auditor");
        await login(page, logins.auditor);
        await go(page, "#/seal-use-log", $("seal-use-log"));
        const row = await page.textContent(`${$("seal-use-log")} tr[data-request="${SEAL_USE}"]`);
        check("use log: the signed use with requester and reviewer", row.includes("seal.user") && row.includes("seal.reviewer") && row.includes(SEAL), row);
        await shot(page, "23-seal-use-log");
        await page.context().close();
    }
    // --- 10. The publication queue: the offline directory's rows wait with their error ---
    {
        const page = await newPage("maintainer-queue");
        await login(page, logins.maintainer);
        await go(page, "#/publication", $("pubq-targets"));
        const pending = Number(await page.textContent(`${$("pubq-targets")} tr[data-target="dir-offline"] ${$("pubq-pending")}`));
        check("publication queue: the offline directory has pending rows", pending > 0, String(pending));
        const failed = await page.$$eval(`${$("pubq-items")} tbody tr[data-attempts]`, (rows) => rows.filter((r) => Number(r.dataset.attempts) > 0).map((r) => r.textContent));
        check("publication queue: a failed row shows its attempts and last error", failed.length > 0 && failed[0].length > 20, failed.slice(0, 1).join(""));
        await shot(page, "24-publication-queue");
        await page.context().close();
        const denied = await newPage("holder-queue");
        await login(denied, logins.holder);
        const status = await denied.evaluate(async () => (await fetch("/api/v1/publication", { headers: { Authorization: `Bearer ${sessionStorage.getItem("yinxin.console.token")}` } })).status);
        check("publication queue: an applicant is refused (403)", status === 403, String(status));
        await denied.context().close();
    }
    check("no script errors in any page", consoleErrors.length === 0, consoleErrors.join(" | "));
} catch (e) {
    failures++;
    console.log(`not ok - the scenario stopped: ${e.stack ?? e}`);
} finally {
    await browser.close();
    writeFileSync(join(OUT, "results.json"), JSON.stringify({ ...results, failures }, null, 2));
}
console.log(failures === 0 ? "# all console checks passed" : `# ${failures} console checks failed`);
process.exit(failures === 0 ? 0 : 1);
