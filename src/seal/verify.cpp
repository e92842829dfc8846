// GB/T 38540 verification procedure (gm-and-seal-formats.md §1.4).
#include "yinxin/seal/verify.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <ctime>
#include <utility>

#include "yinxin/asn1/oids.h"
#include "yinxin/asn1/reader.h"
#include "yinxin/cms/timestamp.h"
#include "yinxin/crypto/signature.h"
#include "yinxin/x509/path.h"

namespace yinxin::seal {

namespace {

std::string iso_time(TimePoint t) {
    const std::time_t s = static_cast<std::time_t>(to_unix(t));
    std::tm tm{};
    if (::gmtime_r(&s, &tm) == nullptr) return "?";
    char buf[32];
    if (std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) return "?";
    return buf;
}

std::string_view encoding_name(crypto::SignatureEncoding e) {
    switch (e) {
        case crypto::SignatureEncoding::der: return "DER";
        case crypto::SignatureEncoding::raw: return "raw 64-byte r||s";
        case crypto::SignatureEncoding::non_minimal_der: return "non-minimal DER";
    }
    return "?";
}

void add(Report& r, std::string name, CheckResult result, std::string message) {
    r.checks.push_back(Check{std::move(name), result, std::move(message)});
}

// SM2-with-SM3 over `message` with the certificate's key and the report's ID. Returns the check.
Check sm2_check(std::string name, const asn1::Oid& alg, const x509::Certificate* cert, BytesView message,
                BytesView signature, const std::string& id, std::string_view what) {
    Check c{std::move(name), CheckResult::fail, {}};
    if (alg != asn1::oids::sm2_with_sm3) {
        c.message = std::string(what) + ": unsupported signature algorithm " + asn1::oid_display(alg);
        return c;
    }
    if (cert == nullptr) {
        c.message = std::string(what) + ": the certificate does not parse, no key to verify with";
        return c;
    }
    auto key = cert->public_key_info().sm2_public_key();
    if (!key) {
        c.message = std::string(what) + ": the certificate has no SM2 key: " + key.error().to_string();
        return c;
    }
    auto norm = crypto::normalise_signature(signature);
    if (!norm) {
        c.message = std::string(what) + ": the signature value is not an SM2 signature: " + norm.error().to_string();
        return c;
    }
    const std::string enc(encoding_name(norm->received));
    if (auto v = crypto::sm2_verify(*key, message, norm->der, id); !v) {
        c.message = std::string(what) + " does not verify (SM2 with ID \"" + id + "\", value " + enc +
                    "): " + v.error().to_string();
        return c;
    }
    c.result = CheckResult::pass;
    c.message = std::string(what) + " verifies (SM2 with ID \"" + id + "\", value " + enc + ")";
    return c;
}

// GB/T 38540 seal step 2 / signature step 4: validity at `t` and, when keyUsage is present,
// digitalSignature or nonRepudiation. The chain is trust_chain's business.
//
// `now` is set when `t` is a signing time claimed by the signer (timeInfo, no verified time stamp):
// a certificate valid then but not now passes the standard's check, with a warning that only the
// signer vouches for that time.
Check certificate_check(std::string name, const x509::Certificate* cert, const Error* parse_error, TimePoint t,
                        std::string_view what, std::string_view at, std::optional<TimePoint> now = std::nullopt) {
    Check c{std::move(name), CheckResult::fail, {}};
    if (cert == nullptr) {
        c.message = std::string(what) + " does not parse: " + (parse_error ? parse_error->to_string() : "");
        return c;
    }
    const std::string subject = cert->subject().to_string();
    if (!cert->valid_at(t)) {
        c.message = std::string(what) + " (" + subject + ") is not valid at " + std::string(at) + " " + iso_time(t) +
                    " (valid " + iso_time(cert->not_before()) + " to " + iso_time(cert->not_after()) + ")";
        return c;
    }
    const auto& ku = cert->extensions().key_usage();
    if (ku && !ku->has(x509::KeyUsageBit::digital_signature) && !ku->has(x509::KeyUsageBit::non_repudiation)) {
        c.message =
            std::string(what) + " (" + subject + ") keyUsage allows neither digitalSignature nor nonRepudiation";
        return c;
    }
    c.result = CheckResult::pass;
    c.message = std::string(what) + " (" + subject + ") valid at " + std::string(at) + " " + iso_time(t);
    if (now && !cert->valid_at(*now)) {
        c.result = CheckResult::warn;
        c.message += ", but not at the verification time " + iso_time(*now) + " (valid " +
                     iso_time(cert->not_before()) + " to " + iso_time(cert->not_after()) +
                     "); the signing time is the signer's claim (timeInfo), no verified time stamp";
    }
    return c;
}

Check validity_check(const Seal& seal, TimePoint t, std::string_view at) {
    const auto& p = seal.property();
    Check c{"seal_validity", CheckResult::pass, {}};
    const std::string period = iso_time(p.valid_start) + " to " + iso_time(p.valid_end);
    if (t < p.valid_start || t > p.valid_end) {
        c.result = CheckResult::fail;
        c.message = "the seal's validity period " + period + " does not contain " + std::string(at) + " " + iso_time(t);
    } else {
        c.message = "the seal is valid (" + period + ") at " + std::string(at) + " " + iso_time(t);
    }
    return c;
}

// An RFC 3161 token over `over` (the signature value): see verify.h. `gen_time` is set when the
// check passes (a sound token from a TSA that chains to a trust anchor at its genTime).
struct TimeStampOutcome {
    Check check;
    std::optional<TimePoint> gen_time;
};

TimeStampOutcome time_stamp_check(std::string name, const std::optional<TimeStampField>& ts, BytesView over,
                                  std::string_view what, const VerifyOptions& options) {
    TimeStampOutcome out{Check{std::move(name), CheckResult::not_checked, {}}, std::nullopt};
    Check& c = out.check;
    if (!ts) {
        c.message = "no time stamp";
        return out;
    }
    auto token = cms::TimeStampToken::parse(ts->token);
    if (!token) {
        c.result = CheckResult::fail;
        c.message = "time stamp present (" + std::to_string(ts->token.size()) +
                    " bytes) but not a valid time-stamp token: " + token.error().to_string();
        return out;
    }
    cms::TimeStampCheckOptions to;
    to.sm2_id = options.sm2_id;
    to.extra_certificates = options.intermediates;
    auto checked = cms::check_time_stamp(*token, over, to);
    if (!checked) {
        c.result = CheckResult::fail;
        c.message = "the RFC 3161 time stamp over the " + std::string(what) +
                    " does not verify: " + checked.error().to_string();
        return out;
    }
    const std::string head = "RFC 3161 time stamp of " + checked->tsa_certificate.subject().to_string() + " at " +
                             iso_time(checked->gen_time) + " over the " + std::string(what) + " (" +
                             std::string(crypto::to_string(checked->info.imprint.algorithm)) + ")";
    if (options.trust_anchors.empty()) {
        c.result = CheckResult::warn;
        c.message = head + " verifies, but no trust anchors were given: its time is not relied on";
        return out;
    }
    x509::PathOptions po;
    po.sm2_id = options.sm2_id;
    std::vector<x509::Certificate> pool = options.intermediates;
    for (const auto& extra : token->signed_data().certificates()) pool.push_back(extra);
    const auto path = x509::validate_path(checked->tsa_certificate, pool, options.trust_anchors, checked->gen_time, po);
    if (!path.ok()) {
        c.result = CheckResult::warn;
        c.message = head + " verifies, but the TSA is not trusted (" + path.status().error().to_string() +
                    "): its time is not relied on";
        return out;
    }
    c.result = CheckResult::pass;
    c.message = head + ", TSA trusted";
    out.gen_time = checked->gen_time;
    return out;
}

struct ParsedCert {
    std::optional<x509::Certificate> cert;
    std::optional<Error> error;
    const x509::Certificate* get() const { return cert ? &*cert : nullptr; }
    const Error* err() const { return error ? &*error : nullptr; }
};

ParsedCert parse_cert(BytesView der) {
    ParsedCert p;
    // Lenient: real seal certificates are BER-ish and carry explicit DEFAULTs (spec §1.3).
    auto c = x509::Certificate::parse(der, x509::ParseOptions::relaxed());
    if (c) {
        p.cert = std::move(c).value();
    } else {
        p.error = c.error();
    }
    return p;
}

// A certificate of a validated path and its issuer (the next one, or the anchor).
struct PathLink {
    x509::Certificate cert;
    x509::Certificate issuer;
};

// One path validation per certificate; the check passes only when every one does. The links of
// the validated paths go to `links` for the revocation check.
Check trust_check(const std::vector<std::pair<std::string, const x509::Certificate*>>& certs,
                  const VerifyOptions& options, TimePoint t, std::string_view at, std::vector<PathLink>& links) {
    Check c{"trust_chain", CheckResult::pass, {}};
    if (options.trust_anchors.empty()) {
        c.result = CheckResult::not_checked;
        c.message = "no trust anchors given: trust not established";
        return c;
    }
    x509::PathOptions po;
    po.sm2_id = options.sm2_id;
    std::string msg;
    for (const auto& [what, cert] : certs) {
        if (!msg.empty()) msg += "; ";
        if (cert == nullptr) {
            c.result = CheckResult::fail;
            msg += what + " does not parse";
            continue;
        }
        const auto path = x509::validate_path(*cert, options.intermediates, options.trust_anchors, t, po);
        if (path.ok()) {
            msg += what + " chains to " + (path.anchor ? path.anchor->subject().to_string() : std::string("an anchor"));
            for (std::size_t i = 0; i < path.path.size(); ++i) {
                if (i + 1 < path.path.size()) {
                    links.push_back({path.path[i], path.path[i + 1]});
                } else if (path.anchor) {
                    links.push_back({path.path[i], *path.anchor});
                }
            }
        } else {
            c.result = CheckResult::fail;
            msg += what + " is not trusted: " + path.status().error().to_string();
        }
    }
    c.message = msg + " (at " + std::string(at) + " " + iso_time(t) + ")";
    return c;
}

// See verify.h. `t` is the signing time; `time_stamped` when it comes from a trusted token.
Check revocation_check(const std::vector<PathLink>& links, const VerifyOptions& options, TimePoint t,
                       bool time_stamped) {
    Check c{"revocation", CheckResult::not_checked, {}};
    if (!options.revocation) {
        c.message = "no revocation source given (CRLs or --online): revocation not checked";
        return c;
    }
    if (links.empty()) {
        c.message = "no validated trust path: revocation not checked";
        return c;
    }
    c.result = CheckResult::pass;
    std::string msg;
    std::vector<std::string> seen;
    for (const auto& link : links) {
        const std::string key = hex_encode(link.cert.serial()) + "/" + link.cert.issuer().to_string();
        if (std::find(seen.begin(), seen.end(), key) != seen.end()) continue;
        seen.push_back(key);
        const auto st = options.revocation(link.cert, link.issuer);
        const std::string who = link.cert.subject().to_string();
        if (!msg.empty()) msg += "; ";
        switch (st.state) {
            case x509::RevocationState::good:
                msg += who;
                msg += " not revoked (" + st.source + ")";
                break;
            case x509::RevocationState::revoked: {
                const std::string what = st.reason == x509::CrlReason::certificate_hold ? "on hold" : "revoked";
                std::string detail = who;
                detail += " " + what + " since " + iso_time(st.revoked_at) + " (";
                detail += std::string(x509::crl_reason_name(st.reason)) + ", " + st.source + ")";
                if (time_stamped && st.revoked_at > t && st.reason != x509::CrlReason::key_compromise &&
                    st.reason != x509::CrlReason::ca_compromise) {
                    msg += detail;
                    msg += ", after the time-stamped signing time " + iso_time(t);
                } else {
                    c.result = CheckResult::fail;
                    msg += detail;
                }
                break;
            }
            case x509::RevocationState::unknown:
                if (c.result == CheckResult::pass) c.result = CheckResult::warn;
                msg += who;
                msg += ": status unknown (" + st.message + ")";
                break;
        }
    }
    c.message = msg;
    return c;
}

// §8.3: the seal's status as its status publishing system reports it, by esID.
void seal_status_check(Report& r, const VerifyOptions& options) {
    if (!options.seal_status) return;
    Check c{"seal_status", CheckResult::warn, {}};
    if (r.es_id.empty()) {
        c.message = "no esID: the seal status was not asked for";
    } else {
        const SealStatusAnswer a = options.seal_status(r.es_id);
        if (!a.answered) {
            c.message = "seal status of " + r.es_id + " unknown: " + a.message;
        } else if (a.valid) {
            c.result = CheckResult::pass;
            c.message = "seal " + r.es_id + " is valid" + (a.message.empty() ? "" : " (" + a.message + ")");
        } else {
            c.result = CheckResult::fail;
            c.message =
                "seal not valid: " + r.es_id + " is " + a.status + (a.message.empty() ? "" : " (" + a.message + ")");
        }
    }
    r.checks.push_back(std::move(c));
}

void finish(Report& r) {
    auto res = [&](std::string_view n) { return r.result_of(n); };
    r.intact = res("format") == CheckResult::pass && res("seal_signature") == CheckResult::pass &&
               (r.kind == ReportKind::seal || res("signature") == CheckResult::pass) &&
               res("data_hash") != CheckResult::fail;
    bool any_fail = false;
    for (const auto& c : r.checks) any_fail = any_fail || c.result == CheckResult::fail;
    r.valid = r.intact && !any_fail && res("trust_chain") == CheckResult::pass;
}

void describe_seal(Report& r, const Seal& seal) {
    r.version = static_cast<int>(seal.version());
    r.es_id = seal.es_id();
    r.vendor_id = seal.header().vendor_id;
    r.seal_name = seal.property().name;
}

std::string seal_format_message(const Seal& seal) {
    const char* std_name = seal.version() == SealVersion::v1 ? "GM/T 0031-2014" : "GB/T 38540";
    return "SESeal v" + std::to_string(seal.header().version) + " (" + std_name + "), vendor \"" +
           seal.header().vendor_id + "\", esID \"" + seal.es_id() + "\", type " + std::to_string(seal.property().type) +
           ", picture " + seal.picture().type + " " + std::to_string(seal.picture().width_mm) + "x" +
           std::to_string(seal.picture().height_mm) + " mm";
}

// Seal steps 2-4 (spec §1.4) at time t; appends maker_certificate, seal_signature, seal_validity.
void seal_checks(Report& r, const Seal& seal, const ParsedCert& maker, const VerifyOptions& options, TimePoint t,
                 std::string_view at, std::optional<TimePoint> now = std::nullopt) {
    r.checks.push_back(
        certificate_check("maker_certificate", maker.get(), maker.err(), t, "the maker certificate", at, now));
    r.checks.push_back(sm2_check("seal_signature", seal.signature_algorithm(), maker.get(), seal.signed_bytes(),
                                 seal.signature_value(), options.sm2_id,
                                 seal.version() == SealVersion::v1
                                     ? "the seal signature over SEQUENCE{sealInfo, cert, alg}"
                                     : "the seal signature over SES_SealInfo"));
    r.checks.push_back(validity_check(seal, t, at));
}

}  // namespace

std::string_view to_string(CheckResult r) {
    switch (r) {
        case CheckResult::pass: return "pass";
        case CheckResult::fail: return "fail";
        case CheckResult::not_checked: return "not_checked";
        case CheckResult::warn: return "warn";
    }
    return "?";
}

const Check* Report::find(std::string_view name) const {
    for (const auto& c : checks)
        if (c.name == name) return &c;
    return nullptr;
}

CheckResult Report::result_of(std::string_view name) const {
    const Check* c = find(name);
    return c == nullptr ? CheckResult::not_checked : c->result;
}

nlohmann::json Report::to_json() const {
    nlohmann::json j;
    j["kind"] = kind == ReportKind::seal ? "seal" : "signature";
    j["intact"] = intact;
    j["valid"] = valid;
    if (version) j["version"] = *version;
    if (!es_id.empty()) j["es_id"] = es_id;
    if (!vendor_id.empty()) j["vendor_id"] = vendor_id;
    if (!seal_name.empty()) j["seal_name"] = seal_name;
    if (!property_info.empty()) j["property_info"] = property_info;
    j["sm2_id"] = sm2_id;
    j["verification_time"] = iso_time(verification_time);
    if (signing_time) j["signing_time"] = iso_time(*signing_time);
    if (!signing_time_source.empty()) j["signing_time_source"] = signing_time_source;
    if (error) {
        j["error"] = {
            {"code", error->numeric()}, {"name", std::string(errc_name(error->code))}, {"message", error->message}};
    }
    nlohmann::json list = nlohmann::json::array();
    for (const auto& c : checks)
        list.push_back({{"name", c.name}, {"result", std::string(to_string(c.result))}, {"message", c.message}});
    j["checks"] = std::move(list);
    return j;
}

std::string Report::to_json_string(int indent) const {
    // Seal names and vendor texts from other systems may hold invalid UTF-8: replace, never throw.
    return to_json().dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string Report::to_text() const {
    std::string s = kind == ReportKind::seal ? "seal" : "signature";
    if (version) s += " v" + std::to_string(*version);
    if (!es_id.empty()) s += " esID " + es_id;
    s += std::string(": ") + (intact ? "intact" : "NOT INTACT") + ", " + (valid ? "valid" : "NOT VALID") + "\n";
    for (const auto& c : checks)
        s += "  " + c.name + ": " + std::string(to_string(c.result)) + " - " + c.message + "\n";
    return s;
}

Report verify_seal(BytesView seal_der, const VerifyOptions& options) {
    auto seal = Seal::parse(seal_der);
    if (!seal) {
        Report r;
        r.kind = ReportKind::seal;
        r.sm2_id = options.sm2_id;
        r.verification_time = options.time;
        add(r, "format", CheckResult::fail, seal.error().to_string());
        r.error = seal.error();
        finish(r);
        return r;
    }
    return verify_seal(*seal, options);
}

Report verify_seal(const Seal& seal, const VerifyOptions& options) {
    Report r;
    r.kind = ReportKind::seal;
    r.sm2_id = options.sm2_id;
    r.verification_time = options.time;
    describe_seal(r, seal);
    add(r, "format", CheckResult::pass, seal_format_message(seal));
    const ParsedCert maker = parse_cert(seal.maker_certificate());
    seal_checks(r, seal, maker, options, options.time, "verification time");
    if (seal.version() == SealVersion::v5) {
        r.checks.push_back(
            time_stamp_check("time_stamp", seal.time_stamp(), seal.signature_value(), "seal signature value", options)
                .check);
    }
    std::vector<PathLink> links;
    r.checks.push_back(
        trust_check({{"the maker certificate", maker.get()}}, options, options.time, "verification time", links));
    r.checks.push_back(revocation_check(links, options, options.time, false));
    seal_status_check(r, options);
    finish(r);
    return r;
}

Report verify_signature(BytesView signature_der, const VerifyOptions& options) {
    auto sig = SesSignature::parse(signature_der);
    if (!sig) {
        Report r;
        r.kind = ReportKind::signature;
        r.sm2_id = options.sm2_id;
        r.verification_time = options.time;
        add(r, "format", CheckResult::fail, sig.error().to_string());
        r.error = sig.error();
        finish(r);
        return r;
    }
    return verify_signature(*sig, options);
}

Report verify_signature(const SesSignature& sig, const VerifyOptions& options) {
    Report r;
    r.kind = ReportKind::signature;
    r.sm2_id = options.sm2_id;
    r.verification_time = options.time;
    const Seal& seal = sig.seal();
    describe_seal(r, seal);
    r.property_info = sig.property_info();
    // Step 1: format (the parse checked TBS_Sign.version == the seal's header version).
    add(r, "format", CheckResult::pass,
        "SES_Signature v" + std::to_string(static_cast<int>(sig.version())) + " with " + seal_format_message(seal));

    // GB/T 38540 step 4: the signing time is a trusted time stamp's genTime, else timeInfo (as the
    // signer claims it).
    TimeStampOutcome stamp =
        time_stamp_check("time_stamp", sig.time_stamp(), sig.signature_value(), "signature value", options);
    TimePoint t = options.time;
    if (stamp.gen_time) {
        t = *stamp.gen_time;
        r.signing_time_source = "time_stamp";
    } else if (sig.time_info()) {
        t = *sig.time_info();
        r.signing_time_source = "time_info";
    } else {
        r.signing_time_source = "verification_time";
    }
    r.signing_time = t;
    const std::string at = r.signing_time_source == "time_stamp"  ? "time-stamped signing time"
                           : r.signing_time_source == "time_info" ? "signing time"
                                                                  : "verification time";

    const ParsedCert signer = parse_cert(sig.signer_certificate());
    const ParsedCert maker = parse_cert(seal.maker_certificate());

    // Step 2: the signature over TBS_Sign as received.
    r.checks.push_back(sm2_check("signature", sig.signature_algorithm(), signer.get(), sig.tbs_raw(),
                                 sig.signature_value(), options.sm2_id, "the signature over TBS_Sign"));

    // Step 3: the signer's certificate is bound to the seal.
    {
        Check c{"signer_in_cert_list", CheckResult::fail, {}};
        const auto& p = seal.property();
        const BytesView cert = sig.signer_certificate();
        if (p.cert_list_type == CertListType::certificates) {
            for (const auto& listed : p.certificates)
                if (BytesView(listed).size() == cert.size() && std::equal(cert.begin(), cert.end(), listed.begin()))
                    c.result = CheckResult::pass;
            c.message = c.result == CheckResult::pass
                            ? "the signer certificate is in the seal's certificate list"
                            : "the signer certificate is not among the seal's " +
                                  std::to_string(p.certificates.size()) + " listed certificates";
        } else {
            bool unsupported = false;
            for (const auto& d : p.cert_digests) {
                Bytes digest;
                if (d.hash_name == "SM3" || d.hash_name == "sm3" || d.hash_name == "1.2.156.10197.1.401") {
                    const auto h = crypto::sm3(cert);
                    digest.assign(h.begin(), h.end());
                } else if (signer.get() != nullptr &&
                           (d.hash_name == "SHA256" || d.hash_name == "sha256" || d.hash_name == "SHA-256" ||
                            d.hash_name == "2.16.840.1.101.3.4.2.1")) {
                    const auto h = signer.get()->fingerprint_sha256();
                    digest.assign(h.begin(), h.end());
                } else {
                    unsupported = true;
                    continue;
                }
                if (digest == d.value) c.result = CheckResult::pass;
            }
            c.message = c.result == CheckResult::pass
                            ? "the signer certificate's digest is in the seal's certificate digest list"
                            : std::string("the signer certificate's digest is not in the seal's digest list") +
                                  (unsupported ? " (some entries use an unsupported hash)" : "");
        }
        r.checks.push_back(std::move(c));
    }

    // Step 4: the signer certificate at the signing time.
    std::optional<TimePoint> claimed_now;
    if (r.signing_time_source == "time_info") claimed_now = options.time;
    r.checks.push_back(certificate_check("signer_certificate", signer.get(), signer.err(), t, "the signer certificate",
                                         at, claimed_now));

    // Step 5: the seal, its period checked against the signing time.
    seal_checks(r, seal, maker, options, t, at, claimed_now);
    if (seal.version() == SealVersion::v5 && seal.time_stamp()) {
        r.checks.push_back(time_stamp_check("seal_time_stamp", seal.time_stamp(), seal.signature_value(),
                                            "seal signature value", options)
                               .check);
    }

    // Step 6: the time stamp over the signature value.
    r.checks.push_back(std::move(stamp.check));

    // Step 7: the data hash.
    {
        Check c{"data_hash", CheckResult::not_checked, "no data given: the data hash is not checked"};
        std::optional<crypto::Sm3Digest> digest = options.data_digest;
        if (!digest && options.data) digest = crypto::sm3(*options.data);
        if (digest) {
            const BytesView h = sig.data_hash();
            const bool same = h.size() == digest->size() && std::equal(h.begin(), h.end(), digest->begin());
            c.result = same ? CheckResult::pass : CheckResult::fail;
            c.message = same ? "SM3 of the data equals TBS_Sign.dataHash"
                             : "SM3 of the data (" + hex_encode(*digest) + ") differs from TBS_Sign.dataHash (" +
                                   hex_encode(h) + "): the data was changed after signing";
        }
        r.checks.push_back(std::move(c));
    }

    std::vector<PathLink> links;
    r.checks.push_back(trust_check({{"the signer certificate", signer.get()}, {"the maker certificate", maker.get()}},
                                   options, t, at, links));
    r.checks.push_back(revocation_check(links, options, t, r.signing_time_source == "time_stamp"));
    seal_status_check(r, options);
    finish(r);
    return r;
}

}  // namespace yinxin::seal
