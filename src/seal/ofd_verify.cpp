// OFD document verification (see ofd_verify.h): the ofd layer reads the package and the
// signature structures, the seal layer verifies each SES_Signature, the cms layer each Type="Sign"
// SignedData.
#include "yinxin/seal/ofd_verify.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <sstream>

#include "yinxin/cms/signed_data.h"
#include "yinxin/crypto/sm3.h"
#include "yinxin/x509/path.h"

namespace yinxin::seal {
namespace {

std::string_view reference_status_name(ofd::ReferenceStatus s) {
    switch (s) {
        case ofd::ReferenceStatus::valid: return "valid";
        case ofd::ReferenceStatus::mismatch: return "mismatch";
        case ofd::ReferenceStatus::missing: return "missing";
        case ofd::ReferenceStatus::bad_check_value: return "bad_check_value";
        case ofd::ReferenceStatus::unsupported_method: return "unsupported_method";
    }
    return "unknown";
}

Bytes copy_of(BytesView v) { return Bytes(v.begin(), v.end()); }

bool equal_bytes(BytesView a, BytesView b) { return std::equal(a.begin(), a.end(), b.begin(), b.end()); }

nlohmann::json error_json(const Error& e) {
    return {{"code", e.numeric()}, {"name", std::string(errc_name(e.code))}, {"message", e.message}};
}

Check make_check(std::string name, CheckResult r, std::string message) {
    return Check{std::move(name), r, std::move(message)};
}

// GB/T 38540 step 7 for OFD (spec §1.5): every Reference. `list_path` is the signature list of the
// signature's document and `later_signatures` whether the list holds signatures after this one
// (see the leniency described in ofd_verify.h).
Check reference_check(const ofd::Package& package, const ofd::SignatureFile& file, const std::string& list_path,
                      bool later_signatures, OfdSignatureReport& out) {
    const ofd::ReferenceCheck rc = ofd::check_references(package, file);
    bool only_list_changed = true;
    std::size_t failed = 0;
    for (const auto& r : rc.results) {
        out.references.push_back({ofd::absolute(r.path), std::string(reference_status_name(r.status))});
        if (r.status == ofd::ReferenceStatus::valid) continue;
        ++failed;
        out.mismatched_references.push_back(ofd::absolute(r.path));
        if (r.status != ofd::ReferenceStatus::mismatch || r.path != list_path) only_list_changed = false;
    }
    if (rc.results.empty()) {
        return make_check("references", CheckResult::fail,
                          "Signature.xml has no Reference: nothing of the document is signed");
    }
    const std::string count = std::to_string(rc.results.size());
    if (failed == 0) return make_check("references", CheckResult::pass, "all " + count + " references match");
    std::string list;
    for (const auto& p : out.mismatched_references) list += (list.empty() ? "" : ", ") + p;
    if (only_list_changed && later_signatures) {
        return make_check("references", CheckResult::warn,
                          "only the signature list " + list +
                              " changed since signing: later signatures were appended to it (the signer digested "
                              "the list file); the other " +
                              std::to_string(rc.results.size() - failed) + " references match");
    }
    return make_check("references", CheckResult::fail,
                      std::to_string(failed) + " of " + count + " references do not match: " + list);
}

std::string iso(TimePoint t) { return format_rfc3339(t); }

// Signature.xml SignatureDateTime as written by producers (spec §1.5): "20200723130907.763Z",
// "2024-03-28 15:49:36", "2024-01-01T00:00:00". The first 14 digits are the date and time; with a
// trailing 'Z' it is UTC, without a zone it is taken as China Standard Time (UTC+8), which is what
// the zone-less producers write (keyword.ofd: "2020-06-20 17:18:49" beside 20200620091849Z).
std::optional<TimePoint> parse_signature_date_time(std::string_view text) {
    std::string digits;
    for (char c : text) {
        if (c >= '0' && c <= '9') digits += c;
        if (digits.size() == 14) break;
        if (c == '.' && digits.size() == 14) break;
    }
    if (digits.size() != 14) return std::nullopt;
    auto num = [&](std::size_t pos, std::size_t len) { return std::stoi(digits.substr(pos, len)); };
    using namespace std::chrono;
    const year_month_day ymd{year{num(0, 4)}, month{static_cast<unsigned>(num(4, 2))},
                             day{static_cast<unsigned>(num(6, 2))}};
    const int hh = num(8, 2), mm = num(10, 2), ss = num(12, 2);
    if (!ymd.ok() || hh > 23 || mm > 59 || ss > 60) return std::nullopt;
    TimePoint t = sys_days{ymd} + hours{hh} + minutes{mm} + seconds{ss};
    if (text.empty() || text.back() != 'Z') t -= hours{8};
    return t;
}

// Type="Sign": GB/T 35275 SignedData over the bytes of Signature.xml (spec §1.5).
void verify_sign_type(BytesView value, BytesView signature_xml, std::string_view signature_date_time,
                      const VerifyOptions& options, OfdSignatureReport& out) {
    auto sd = cms::SignedData::parse(value);
    if (!sd) {
        out.checks.push_back(make_check("format", CheckResult::fail,
                                        "SignedValue is not a GB/T 35275 SignedData: " + sd.error().to_string()));
        return;
    }
    cms::VerifyOptions co;
    co.sm2_id = options.sm2_id;
    co.extra_certificates = options.intermediates;
    auto vr = cms::verify(*sd, signature_xml, co);
    if (!vr) {
        out.checks.push_back(
            make_check("format", CheckResult::pass,
                       std::string(sd->flavor() == cms::Flavor::gm ? "GM/T 0010" : "PKCS#7") + " SignedData"));
        const bool digest = vr.error().code == Errc::cms_digest_mismatch;
        out.checks.push_back(make_check(digest ? "data_hash" : "signature", CheckResult::fail, vr.error().to_string()));
        return;
    }
    std::string binding = vr->binding == cms::ContentBinding::detached   ? "detached"
                          : vr->binding == cms::ContentBinding::embedded ? "attached Signature.xml"
                                                                         : "attached SM3(Signature.xml)";
    out.checks.push_back(make_check("format", CheckResult::pass,
                                    std::string(sd->flavor() == cms::Flavor::gm ? "GM/T 0010" : "PKCS#7") +
                                        " SignedData, " + std::to_string(sd->signers().size()) +
                                        " signer(s), content " + binding));
    // Every signer must check out; the checks report the first failing one (or the first).
    const cms::SignerVerification* sv = &vr->signers.front();
    for (const auto& s : vr->signers) {
        if (!s.ok()) {
            sv = &s;
            break;
        }
    }
    auto errors_text = [&] {
        std::string t;
        for (const auto& e : sv->errors) t += (t.empty() ? "" : "; ") + e.to_string();
        return t;
    };
    // The signing time: the signingTime attribute, else the SignatureDateTime inside the signed
    // Signature.xml (both the signer's claim), else the verification time (GB/T 38540 step 4).
    std::optional<TimePoint> claimed = sv->signing_time;
    std::string at = "signing time (signingTime attribute) ";
    if (!claimed) {
        claimed = parse_signature_date_time(signature_date_time);
        at = "signing time (SignatureDateTime in the signed Signature.xml) ";
    }
    if (!claimed) at = "verification time ";
    const TimePoint t = claimed.value_or(options.time);
    if (sv->signer_found != cms::CheckOutcome::passed || !sv->signer_certificate) {
        out.checks.push_back(
            make_check("signer_certificate", CheckResult::fail, "signer certificate not found: " + errors_text()));
    } else {
        const auto& cert = *sv->signer_certificate;
        auto valid_at = [&](TimePoint x) { return cert.not_before() <= x && x <= cert.not_after(); };
        const bool in_validity = valid_at(t);
        const bool now_too = valid_at(options.time);
        // As verify.cpp: valid when signed but expired since is a warning, not a failure.
        const CheckResult res = !in_validity ? CheckResult::fail : now_too ? CheckResult::pass : CheckResult::warn;
        std::string msg = "signer " + cert.subject().to_string() + (in_validity ? " valid" : " NOT valid") + " at " +
                          at + iso(t) + " (valid " + iso(cert.not_before()) + " to " + iso(cert.not_after()) + ")";
        if (in_validity && !now_too) msg += ", but not at the verification time " + iso(options.time);
        out.checks.push_back(make_check("signer_certificate", res, msg));
    }
    if (sv->message_digest == cms::CheckOutcome::passed) {
        out.checks.push_back(make_check("data_hash", CheckResult::pass, "messageDigest equals SM3(Signature.xml)"));
    } else if (sv->message_digest == cms::CheckOutcome::failed) {
        out.checks.push_back(
            make_check("data_hash", CheckResult::fail, "messageDigest differs from SM3(Signature.xml)"));
    } else if (vr->binding != cms::ContentBinding::detached) {
        out.checks.push_back(make_check("data_hash", CheckResult::pass, "the " + binding + " matches Signature.xml"));
    } else {
        out.checks.push_back(
            make_check("data_hash", sv->signature == cms::CheckOutcome::passed ? CheckResult::pass : CheckResult::fail,
                       "no signed attributes: the signature covers Signature.xml directly"));
    }
    out.checks.push_back(
        make_check("signature", sv->signature == cms::CheckOutcome::passed ? CheckResult::pass : CheckResult::fail,
                   sv->signature == cms::CheckOutcome::passed
                       ? "SM2 signature of " + std::to_string(vr->signers.size()) + " signer(s) verifies"
                       : "SM2 signature does not verify: " + errors_text()));
    if (options.trust_anchors.empty()) {
        out.checks.push_back(
            make_check("trust_chain", CheckResult::not_checked, "no trust anchors given: trust not established"));
    } else if (!sv->signer_certificate) {
        out.checks.push_back(make_check("trust_chain", CheckResult::fail, "no signer certificate"));
    } else {
        std::vector<x509::Certificate> inter = options.intermediates;
        inter.insert(inter.end(), sd->certificates().begin(), sd->certificates().end());
        x509::PathOptions po;
        po.sm2_id = options.sm2_id;
        const auto path = x509::validate_path(*sv->signer_certificate, inter, options.trust_anchors, t, po);
        out.checks.push_back(path.ok() ? make_check("trust_chain", CheckResult::pass,
                                                    "signer chains to a trust anchor at " + at + iso(t))
                                       : make_check("trust_chain", CheckResult::fail,
                                                    "signer is not trusted: " + path.status().error().to_string()));
    }
}

void verify_seal_type(const ofd::Package& package, BytesView value, BytesView signature_xml,
                      const ofd::SignatureFile& file, const VerifyOptions& options, OfdSignatureReport& out) {
    VerifyOptions o = options;
    o.data = signature_xml;
    o.data_digest.reset();
    Report r = verify_signature(value, o);
    out.checks = r.checks;
    // ofdrw OFDValidator (spec §1.5): the Seal.esl shown must be the seal that was signed.
    if (!file.seal) {
        out.checks.push_back(make_check("seal_file", CheckResult::not_checked, "Signature.xml names no Seal.esl"));
    } else if (auto esl = package.get(*file.seal); !esl) {
        out.checks.push_back(
            make_check("seal_file", CheckResult::fail, "Seal file missing: " + esl.error().to_string()));
    } else if (auto sig = SesSignature::parse(value); !sig) {
        out.checks.push_back(make_check("seal_file", CheckResult::not_checked, "the SES_Signature does not parse"));
    } else if (equal_bytes(*esl, sig->seal_der())) {
        out.checks.push_back(
            make_check("seal_file", CheckResult::pass, ofd::absolute(*file.seal) + " equals the signed seal"));
    } else {
        out.checks.push_back(make_check("seal_file", CheckResult::fail,
                                        ofd::absolute(*file.seal) + " differs from the seal inside the signature"));
    }
    out.seal_report = std::move(r);
}

void finish_signature(OfdSignatureReport& s) {
    auto res = [&](std::string_view n) { return s.result_of(n); };
    const bool crypto_ok = !s.error && res("format") == CheckResult::pass && res("signature") == CheckResult::pass &&
                           (s.type == ofd::SignatureType::sign || res("seal_signature") == CheckResult::pass);
    const bool content_ok = res("data_hash") != CheckResult::fail && res("references") != CheckResult::fail &&
                            res("seal_file") != CheckResult::fail;
    s.intact = crypto_ok && content_ok;
    bool any_fail = false;
    for (const auto& c : s.checks) any_fail = any_fail || c.result == CheckResult::fail;
    s.valid = s.intact && !any_fail && res("trust_chain") == CheckResult::pass;
}

bool crypto_sound(const OfdSignatureReport& s) {
    return !s.error && s.result_of("format") == CheckResult::pass && s.result_of("signature") == CheckResult::pass &&
           (s.type == ofd::SignatureType::sign || s.result_of("seal_signature") == CheckResult::pass);
}

// A failing check other than trust_chain: a document that is intact but only not trusted (no or
// other anchors) is `untrusted`, one that fails anything else (validity, signer not in the seal's
// list ...) is `invalid`.
bool any_failed(const std::vector<Check>& checks) {
    return std::any_of(checks.begin(), checks.end(),
                       [](const Check& c) { return c.result == CheckResult::fail && c.name != "trust_chain"; });
}

}  // namespace

std::string_view to_string(DocumentStatus s) {
    switch (s) {
        case DocumentStatus::valid: return "valid";
        case DocumentStatus::untrusted: return "untrusted";
        case DocumentStatus::tampered: return "tampered";
        case DocumentStatus::invalid: return "invalid";
        case DocumentStatus::unparseable: return "unparseable";
    }
    return "unknown";
}

DocumentStatus status_of(const Report& r) {
    if (r.result_of("format") != CheckResult::pass) return DocumentStatus::unparseable;
    if (r.valid) return DocumentStatus::valid;
    if (r.intact) return any_failed(r.checks) ? DocumentStatus::invalid : DocumentStatus::untrusted;
    const bool crypto_ok = r.result_of("seal_signature") == CheckResult::pass &&
                           (r.kind == ReportKind::seal || r.result_of("signature") == CheckResult::pass);
    return crypto_ok ? DocumentStatus::tampered : DocumentStatus::invalid;
}

const Check* OfdSignatureReport::find(std::string_view name) const {
    for (const auto& c : checks) {
        if (c.name == name) return &c;
    }
    return nullptr;
}

CheckResult OfdSignatureReport::result_of(std::string_view name) const {
    const Check* c = find(name);
    return c ? c->result : CheckResult::not_checked;
}

OfdReport verify_ofd(BytesView package_zip, const OfdVerifyOptions& options) {
    auto pkg = ofd::Package::read(package_zip, options.limits);
    if (!pkg) {
        OfdReport r;
        r.verification_time = options.verify.time;
        r.error = pkg.error();
        return r;
    }
    return verify_ofd(*pkg, options);
}

OfdReport verify_ofd(const ofd::Package& package, const OfdVerifyOptions& options) {
    OfdReport report;
    report.verification_time = options.verify.time;
    auto docs = ofd::read_ofd_xml(package);
    if (!docs) {
        report.error = docs.error();
        return report;
    }
    auto sigs = ofd::read_signatures(package);
    if (!sigs) {
        report.error = sigs.error();
        return report;
    }
    if (sigs->empty()) {
        report.status = DocumentStatus::invalid;
        report.error = make_error(Errc::seal_ofd_unsigned, "the OFD document has no signature");
        return report;
    }
    for (std::size_t i = 0; i < sigs->size(); ++i) {
        const auto& ds = (*sigs)[i];
        OfdSignatureReport s;
        s.doc_index = ds.doc_index;
        s.id = ds.entry.id;
        s.type = ds.entry.type;
        s.signature_file = ofd::absolute(ds.file.path);
        s.signed_value_file = ofd::absolute(ds.file.signed_value);
        if (ds.file.seal) s.seal_file = ofd::absolute(*ds.file.seal);
        s.provider = ds.file.provider.name;
        if (!ds.file.provider.version.empty()) s.provider += " " + ds.file.provider.version;
        if (!ds.file.provider.company.empty()) s.provider += " (" + ds.file.provider.company + ")";
        s.signature_date_time = ds.file.signature_date_time;

        auto xml = package.get(ds.file.path);
        auto value = package.get(ds.file.signed_value);
        if (!xml || !value) {
            s.error = !xml ? xml.error() : value.error();
            s.checks.push_back(
                make_check("format", CheckResult::fail, "cannot read the signature: " + s.error->to_string()));
        } else {
            // Keep copies: the views would survive, but a copy makes the lifetime obvious.
            const Bytes xml_bytes = copy_of(*xml);
            const Bytes value_bytes = copy_of(*value);
            if (ds.entry.type == ofd::SignatureType::seal) {
                verify_seal_type(package, value_bytes, xml_bytes, ds.file, options.verify, s);
            } else {
                verify_sign_type(value_bytes, xml_bytes, ds.file.signature_date_time, options.verify, s);
            }
        }
        const auto& doc = (*docs)[std::min(ds.doc_index, docs->size() - 1)];
        bool later = false;
        for (std::size_t j = i + 1; j < sigs->size(); ++j) later = later || (*sigs)[j].doc_index == ds.doc_index;
        s.checks.push_back(reference_check(package, ds.file, doc.signatures.value_or(std::string()), later, s));
        finish_signature(s);
        report.signatures.push_back(std::move(s));
    }
    const auto& ss = report.signatures;
    report.intact = std::all_of(ss.begin(), ss.end(), [](const auto& s) { return s.intact; });
    report.valid = std::all_of(ss.begin(), ss.end(), [](const auto& s) { return s.valid; });
    const bool sound = std::all_of(ss.begin(), ss.end(), crypto_sound);
    const bool any_fail = std::any_of(ss.begin(), ss.end(), [](const auto& s) { return any_failed(s.checks); });
    if (report.valid) {
        report.status = DocumentStatus::valid;
    } else if (report.intact) {
        report.status = any_fail ? DocumentStatus::invalid : DocumentStatus::untrusted;
    } else {
        report.status = sound ? DocumentStatus::tampered : DocumentStatus::invalid;
    }
    return report;
}

nlohmann::json OfdReport::to_json() const {
    nlohmann::json j;
    j["kind"] = "ofd";
    j["status"] = std::string(to_string(status));
    j["intact"] = intact;
    j["valid"] = valid;
    j["verification_time"] = format_rfc3339(verification_time);
    if (error) j["error"] = error_json(*error);
    auto arr = nlohmann::json::array();
    for (const auto& s : signatures) {
        nlohmann::json js;
        js["doc_index"] = s.doc_index;
        js["id"] = s.id;
        js["type"] = s.type == ofd::SignatureType::seal ? "Seal" : "Sign";
        js["signature_file"] = s.signature_file;
        js["signed_value_file"] = s.signed_value_file;
        if (!s.seal_file.empty()) js["seal_file"] = s.seal_file;
        js["provider"] = s.provider;
        js["signature_date_time"] = s.signature_date_time;
        js["intact"] = s.intact;
        js["valid"] = s.valid;
        auto checks = nlohmann::json::array();
        for (const auto& c : s.checks) {
            checks.push_back(
                {{"name", c.name}, {"result", std::string(seal::to_string(c.result))}, {"message", c.message}});
        }
        js["checks"] = std::move(checks);
        auto refs = nlohmann::json::array();
        for (const auto& r : s.references) refs.push_back({{"path", r.path}, {"status", r.status}});
        js["references"] = std::move(refs);
        js["mismatched_references"] = s.mismatched_references;
        if (s.seal_report) js["seal"] = s.seal_report->to_json();
        if (s.error) js["error"] = error_json(*s.error);
        arr.push_back(std::move(js));
    }
    j["signatures"] = std::move(arr);
    return j;
}

std::string OfdReport::to_json_string(int indent) const { return to_json().dump(indent); }

std::string OfdReport::to_text() const {
    std::ostringstream o;
    std::string verdict = std::string(to_string(status));
    std::transform(verdict.begin(), verdict.end(), verdict.begin(), [](unsigned char c) { return std::toupper(c); });
    o << "OFD document: " << verdict << " (intact: " << (intact ? "yes" : "no") << ", valid: " << (valid ? "yes" : "no")
      << "), verified at " << format_rfc3339(verification_time) << "\n";
    if (error) o << "  error: " << error->to_string() << "\n";
    for (const auto& s : signatures) {
        o << "Signature " << s.id << " (Type=" << (s.type == ofd::SignatureType::seal ? "Seal" : "Sign") << ") "
          << s.signature_file << ": "
          << (s.valid    ? "valid"
              : s.intact ? "intact, not valid"
                         : "NOT intact")
          << "\n";
        if (!s.provider.empty()) o << "  provider: " << s.provider << "\n";
        if (!s.signature_date_time.empty()) o << "  signature date: " << s.signature_date_time << "\n";
        if (s.seal_report) {
            if (!s.seal_report->es_id.empty())
                o << "  seal: esID " << s.seal_report->es_id << " \"" << s.seal_report->seal_name << "\"\n";
        }
        for (const auto& c : s.checks) {
            o << "  [" << seal::to_string(c.result) << "] " << c.name << ": " << c.message << "\n";
        }
        for (const auto& p : s.mismatched_references) o << "  mismatched reference: " << p << "\n";
    }
    return o.str();
}

}  // namespace yinxin::seal
