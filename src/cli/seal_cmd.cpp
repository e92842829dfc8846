// `yinxin seal`: parsing, file I/O and printing only; the formats, signing and the GB/T 38540
// verification procedure live in src/seal, the OFD package in src/ofd.
#include "seal_cmd.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli_util.h"
#include "http_client.h"
#include "signing_env.h"
#include "yinxin/audit/audit.h"
#include "yinxin/base/clock.h"
#include "yinxin/cms/timestamp.h"
#include "yinxin/crypto/pkcs12.h"
#include "yinxin/crypto/random.h"
#include "yinxin/crypto/sm2.h"
#include "yinxin/crypto/sm3.h"
#include "yinxin/ofd/package.h"
#include "yinxin/ofd/signatures.h"
#include "yinxin/seal/ofd_sign.h"
#include "yinxin/seal/ofd_verify.h"
#include "yinxin/seal/ses.h"
#include "yinxin/seal/verify.h"
#include "yinxin/x509/certificate.h"
#include "yinxin/x509/crl.h"
#include "yinxin/x509/revocation.h"

namespace yinxin::cli {
namespace {

constexpr const char* k_exit_help =
    "Exit status: 0 valid (intact, trusted, in validity); 3 invalid (a signature, seal signature, validity or "
    "other check fails, or an OFD without signatures); 4 tampered (signatures sound but the data, a referenced "
    "file or Seal.esl changed); 5 intact but untrusted (no or other trust anchors); 6 unparseable; 1 usage or I/O "
    "error.";

TimePoint time_or_now(const std::optional<std::int64_t>& unix_seconds) {
    return unix_seconds ? from_unix(*unix_seconds) : SystemClock().now();
}

bool is_pkcs12_path(const std::string& path) {
    std::string ext = std::filesystem::path(path).extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    return ext == ".p12" || ext == ".pfx";
}

// A PKCS#8 key (PEM or DER), or a PKCS#12 file (.p12/.pfx) opened with the password of
// `pass_file` (or YINXIN_KEY_PASSWORD).
crypto::Sm2PrivateKey read_key(const std::string& path, const std::string& pass_file = {}) {
    const Bytes raw = take(read_binary_file(path));
    if (is_pkcs12_path(path)) {
        const std::string pass = take(read_secret(pass_file, "YINXIN_KEY_PASSWORD", "PKCS#12 password"));
        return take(crypto::read_pkcs12(raw, pass)).key;
    }
    const std::string text = to_string(raw);
    if (text.find("-----BEGIN ") != std::string::npos) return take(crypto::Sm2PrivateKey::from_pem(text));
    return take(crypto::Sm2PrivateKey::from_pkcs8_der(raw));
}

// Where a signing key comes from: a key file (PKCS#8 or PKCS#12), or a key in the Yinxin device
// of --data-dir, unlocked by the custodians' shares with the key PIN, each signature audited.
struct KeySource {
    std::string key_file;
    std::string key_pass_file;
    std::string device_key;
    EnvArgs env;
};

void add_key_options(CLI::App* c, KeySource& k, const std::string& who) {
    c->add_option("--key-pass-file", k.key_pass_file, "PKCS#12 password file (default: $YINXIN_KEY_PASSWORD)");
    c->add_option("--device-key", k.device_key,
                  "Sign with this key of the Yinxin device instead of --" + who +
                      " (needs --data-dir, --shares-file, --pin-file)");
    c->add_option("--data-dir", k.env.data_dir, "Data directory of the device and its audit log")
        ->capture_default_str();
    c->add_option("--device-store", k.env.device_store, "Device key store (default <data-dir>/device.db)");
    c->add_option("--shares-file", k.env.shares_file, "Custodian shares that unlock the device");
    c->add_option("--pin-file", k.env.pin_file, "The key's PIN (default: $YINXIN_CA_KEY_PIN)");
}

// The sign callback of a key source. A device key stays in the device: the callback keeps the
// unlocked device and its audit log alive and records every signature as "seal.sign.device".
seal::SignCallback signer_of(const KeySource& k, const std::string& what) {
    if (k.device_key.empty() == k.key_file.empty()) {
        fail(make_error(Errc::invalid_argument, "give exactly one of a key file and --device-key for the " + what));
    }
    if (!k.key_file.empty()) return seal::sm2_sign_callback(read_key(k.key_file, k.key_pass_file));
    std::shared_ptr<SigningEnv> env = open_signing_env(k.env);
    const auto info = take(env->device->find_key(k.device_key));
    env->audit_device(take(env->device->get_private_key_access_right(info.index, env->pin)));
    return [env, info, what](BytesView tbs) -> Result<Bytes> {
        auto sig = env->device->sign(info.index, tbs);
        audit::AuditEvent ev;
        ev.source = "cli";
        ev.actor = cli_actor();
        ev.action = "seal.sign.device";
        ev.target = info.label;
        ev.detail = what + ", SM3 of the signed structure " + hex_encode(crypto::sm3(tbs));
        YX_TRY(env->audit_log->append(sig ? ev : ev.failed(sig.error())));
        return sig;
    };
}

x509::Certificate read_cert(const std::string& path) {
    const Bytes der = take(read_der_or_pem(path, "CERTIFICATE"));
    return take(x509::Certificate::parse(der, x509::ParseOptions::relaxed()));
}

// Every certificate of a PEM bundle, or one DER certificate.
std::vector<x509::Certificate> read_certs(const std::string& path) {
    const Bytes raw = take(read_binary_file(path));
    const std::string text = to_string(raw);
    if (text.find("-----BEGIN ") != std::string::npos) {
        return take(x509::Certificate::parse_pem_all(text, x509::ParseOptions::relaxed()));
    }
    return {take(x509::Certificate::parse(raw, x509::ParseOptions::relaxed()))};
}

std::string picture_type_for(const std::string& path) {
    std::string ext = std::filesystem::path(path).extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    if (ext == ".gif") return "GIF";
    if (ext == ".jpg" || ext == ".jpeg") return "JPG";
    if (ext == ".ofd") return "ofd";
    return "PNG";
}

bool is_zip(BytesView b) { return b.size() >= 4 && b[0] == 'P' && b[1] == 'K' && b[2] == 3 && b[3] == 4; }

std::string subject_of(BytesView der) {
    auto c = x509::Certificate::parse(der, x509::ParseOptions::relaxed());
    return c ? c->subject().to_string() : std::string("(certificate does not parse)");
}

// ---------------------------------------------------------------------------------------------
// make

struct MakeArgs {
    std::string maker_cert, picture, picture_type, es_id, name, vendor = "Yinxin", out;
    KeySource maker_key;
    std::vector<std::string> certs;
    std::int64_t type = 1, width = 40, height = 40, days = std::int64_t{3} * 365;
    std::optional<std::int64_t> valid_from, valid_to, created;
};

void run_make(const MakeArgs& a) {
    const TimePoint created = time_or_now(a.created);
    seal::SealRequest r;
    r.vendor_id = a.vendor;
    r.es_id = a.es_id;
    r.type = a.type;
    r.name = a.name;
    r.create_date = created;
    r.valid_start = a.valid_from ? from_unix(*a.valid_from) : created;
    r.valid_end = a.valid_to ? from_unix(*a.valid_to) : r.valid_start + std::chrono::hours(24) * a.days;
    for (const auto& c : a.certs) {
        const auto cert = read_cert(c);
        r.signer_certificates.emplace_back(cert.der().begin(), cert.der().end());
    }
    r.picture = take(read_binary_file(a.picture));
    r.picture_type = a.picture_type.empty() ? picture_type_for(a.picture) : a.picture_type;
    r.width_mm = a.width;
    r.height_mm = a.height;
    const auto maker = read_cert(a.maker_cert);
    const Bytes esl = take(seal::make_seal(r, maker.der(), signer_of(a.maker_key, "seal maker")));
    check(write_binary_file(a.out, esl));
    std::cout << "seal " << r.es_id << " \"" << r.name << "\" written to " << a.out << " (" << esl.size()
              << " bytes)\n";
}

// ---------------------------------------------------------------------------------------------
// show

nlohmann::json seal_json(const seal::Seal& s) {
    nlohmann::json j;
    j["version"] = static_cast<int>(s.version());
    j["vendor_id"] = s.header().vendor_id;
    j["es_id"] = s.es_id();
    j["type"] = s.property().type;
    j["name"] = s.property().name;
    j["create_date"] = format_rfc3339(s.property().create_date);
    j["valid_start"] = format_rfc3339(s.property().valid_start);
    j["valid_end"] = format_rfc3339(s.property().valid_end);
    j["cert_list_type"] = static_cast<int>(s.property().cert_list_type);
    auto certs = nlohmann::json::array();
    for (const auto& c : s.property().certificates) certs.push_back(subject_of(c));
    j["certificates"] = std::move(certs);
    auto digests = nlohmann::json::array();
    for (const auto& d : s.property().cert_digests)
        digests.push_back({{"hash", d.hash_name}, {"value", hex_encode(d.value)}});
    j["cert_digests"] = std::move(digests);
    j["picture"] = {{"type", s.picture().type},
                    {"bytes", s.picture().data.size()},
                    {"width_mm", s.picture().width_mm},
                    {"height_mm", s.picture().height_mm}};
    j["maker_certificate"] = subject_of(s.maker_certificate());
    j["signature_algorithm"] = s.signature_algorithm().to_string();
    j["time_stamp"] = s.time_stamp().has_value();
    return j;
}

nlohmann::json signature_json(const seal::SesSignature& s) {
    nlohmann::json j;
    j["version"] = static_cast<int>(s.version());
    if (s.time_info()) j["time_info"] = format_rfc3339(*s.time_info());
    if (!s.time_info_text().empty()) j["time_info_text"] = s.time_info_text();
    j["data_hash"] = hex_encode(s.data_hash());
    j["property_info"] = s.property_info();
    j["signer_certificate"] = subject_of(s.signer_certificate());
    j["signature_algorithm"] = s.signature_algorithm().to_string();
    j["time_stamp"] = s.time_stamp().has_value();
    j["seal"] = seal_json(s.seal());
    return j;
}

nlohmann::json ofd_json(const ofd::Package& pkg) {
    nlohmann::json j;
    j["kind"] = "ofd";
    j["entries"] = pkg.size();
    auto sigs = take(ofd::read_signatures(pkg));
    auto arr = nlohmann::json::array();
    for (const auto& ds : sigs) {
        nlohmann::json s;
        s["doc_index"] = ds.doc_index;
        s["id"] = ds.entry.id;
        s["type"] = ds.entry.type == ofd::SignatureType::seal ? "Seal" : "Sign";
        s["signature_file"] = ofd::absolute(ds.file.path);
        s["provider"] = ds.file.provider.name;
        s["signature_date_time"] = ds.file.signature_date_time;
        s["references"] = ds.file.references.size();
        auto stamps = nlohmann::json::array();
        for (const auto& a : ds.file.stamp_annots) {
            stamps.push_back({{"page_ref", a.page_ref},
                              {"boundary", {a.boundary.x, a.boundary.y, a.boundary.width, a.boundary.height}}});
        }
        s["stamp_annots"] = std::move(stamps);
        if (ds.entry.type == ofd::SignatureType::seal) {
            if (auto v = pkg.get(ds.file.signed_value); v) {
                if (auto ses = seal::SesSignature::parse(*v); ses) s["signed_value"] = signature_json(*ses);
            }
        }
        arr.push_back(std::move(s));
    }
    j["signatures"] = std::move(arr);
    return j;
}

void print_text(const nlohmann::json& j, const std::string& indent = "") {
    for (const auto& [k, v] : j.items()) {
        if (v.is_object()) {
            std::cout << indent << k << ":\n";
            print_text(v, indent + "  ");
        } else if (v.is_array() && !v.empty() && v.front().is_object()) {
            std::cout << indent << k << ":\n";
            for (const auto& e : v) {
                std::cout << indent << "  -\n";
                print_text(e, indent + "    ");
            }
        } else {
            std::cout << indent << k << ": " << (v.is_string() ? v.get<std::string>() : v.dump()) << "\n";
        }
    }
}

struct ShowArgs {
    std::string file;
    bool json = false;
};

void run_show(const ShowArgs& a) {
    const Bytes data = take(read_binary_file(a.file));
    nlohmann::json j;
    if (is_zip(data)) {
        j = ofd_json(take(ofd::Package::read(data)));
    } else if (auto sig = seal::SesSignature::parse(data); sig) {
        j = signature_json(*sig);
        j["kind"] = "signature";
    } else if (auto s = seal::Seal::parse(data); s) {
        j = seal_json(*s);
        j["kind"] = "seal";
    } else {
        fail(s.error(), k_seal_exit_unparseable);
    }
    if (a.json) {
        std::cout << j.dump(2) << "\n";
    } else {
        print_text(j);
    }
}

// ---------------------------------------------------------------------------------------------
// sign

struct SignArgs {
    std::string seal, cert, ofd, file, out, property, tsa, tsa_cacert;
    KeySource key;
    std::size_t page = 0;
    double x = 0, y = 0, w = 0, h = 0;
    std::optional<std::int64_t> at;
};

// RFC 3161 over HTTP (3.4): SM3 of the signature value, a random nonce, certReq; the answer must
// be granted and its token must verify over the signature value with our nonce.
seal::TimeStampCallback tsa_client(const std::string& url, const std::string& cacert) {
    const HttpTarget target = take(parse_http_url(url, cacert));
    return [target, url](BytesView signature_value) -> Result<Bytes> {
        cms::TimeStampRequest req;
        YX_ASSIGN_OR_RETURN(req.imprint, cms::MessageImprint::of(crypto::DigestAlgorithm::sm3, signature_value));
        crypto::OpensslRng rng;
        YX_ASSIGN_OR_RETURN(req.nonce, rng.bytes(8));
        req.nonce[0] = static_cast<std::uint8_t>((req.nonce[0] & 0x7f) | 0x01);  // positive, minimal
        req.cert_req = true;
        HttpCall call;
        call.method = "POST";
        YX_ASSIGN_OR_RETURN(Bytes body, req.encode());
        call.body = to_string(body);
        call.content_type = "application/timestamp-query";
        call.body_limit = std::uint64_t{1024} * 1024;
        YX_ASSIGN_OR_RETURN(HttpReply reply, http_call(target, call));
        if (reply.status != 200) {
            return make_error(Errc::cms_time_stamp_refused, url + " answered HTTP " + std::to_string(reply.status));
        }
        YX_ASSIGN_OR_RETURN(auto resp, cms::TimeStampResponse::parse(as_bytes(reply.body)));
        if (!resp.granted()) {
            return make_error(Errc::cms_time_stamp_refused, url + " refused the time stamp (PKIStatus " +
                                                                std::to_string(static_cast<int>(resp.status)) +
                                                                ", failInfo bits " + std::to_string(resp.failure_bits) +
                                                                "): " + resp.status_text);
        }
        YX_ASSIGN_OR_RETURN(auto token, cms::TimeStampToken::parse(resp.token));
        cms::TimeStampCheckOptions co;
        co.nonce = req.nonce;
        YX_ASSIGN_OR_RETURN(auto checked, cms::check_time_stamp(token, signature_value, co));
        (void)checked;
        return resp.token;
    };
}

void run_sign(const SignArgs& a) {
    const Bytes esl = take(read_binary_file(a.seal));
    const auto cert = read_cert(a.cert);
    const seal::SignCallback sign = signer_of(a.key, "signer");
    const seal::TimeStampCallback stamp = a.tsa.empty() ? seal::TimeStampCallback{} : tsa_client(a.tsa, a.tsa_cacert);
    const TimePoint t = time_or_now(a.at);
    if (!a.ofd.empty()) {
        seal::OfdSignRequest r;
        r.seal = esl;
        r.signer_certificate.assign(cert.der().begin(), cert.der().end());
        r.time = t;
        r.time_stamp = stamp;
        if (a.w > 0 || a.h > 0) {
            // Without a size the stamp takes the seal picture's size in millimetres.
            r.stamp = seal::OfdStamp{a.page, {a.x, a.y, a.w, a.h}};
        } else {
            const auto s = take(seal::Seal::parse(esl));
            r.stamp = seal::OfdStamp{
                a.page,
                {a.x, a.y, static_cast<double>(s.picture().width_mm), static_cast<double>(s.picture().height_mm)}};
        }
        const Bytes in = take(read_binary_file(a.ofd));
        const Bytes out = take(seal::sign_ofd(in, r, sign));
        check(write_binary_file(a.out, out));
        std::cout << "signed " << a.ofd << " -> " << a.out << "\n";
        return;
    }
    const Bytes data = take(read_binary_file(a.file));
    const std::string prop = a.property.empty() ? std::filesystem::path(a.file).filename().string() : a.property;
    const Bytes ses = take(seal::make_detached_signature(esl, data, prop, cert.der(), t, sign, stamp));
    check(write_binary_file(a.out, ses));
    std::cout << "signature over " << a.file << " written to " << a.out << " (" << ses.size() << " bytes)\n";
}

// ---------------------------------------------------------------------------------------------
// verify

struct VerifyArgs {
    std::string file, data, cacert;
    std::vector<std::string> anchors, intermediates, crls;
    bool online = false;
    std::optional<std::int64_t> at;
    bool json = false;
    std::string status_url;  // a seal status publishing system (§8.3): GET <url>/api/v1/seal-status/{code}
};

int exit_code_for(seal::DocumentStatus s) {
    switch (s) {
        case seal::DocumentStatus::valid: return k_seal_exit_valid;
        case seal::DocumentStatus::untrusted: return k_seal_exit_untrusted;
        case seal::DocumentStatus::tampered: return k_seal_exit_tampered;
        case seal::DocumentStatus::invalid: return k_seal_exit_invalid;
        case seal::DocumentStatus::unparseable: return k_seal_exit_unparseable;
    }
    return k_seal_exit_invalid;
}

// CRLs from --crl files and, with --online, from each certificate's CRL distribution points
// (http/https, each URL fetched once). Nothing given: no checker (revocation not_checked).
x509::RevocationChecker revocation_checker(const VerifyArgs& a, TimePoint now) {
    if (a.crls.empty() && !a.online) return {};
    struct State {
        std::vector<x509::Crl> crls;
        std::map<std::string, std::string> fetched;  // URL -> "" or why it failed
    };
    auto state = std::make_shared<State>();
    for (const auto& path : a.crls) {
        const Bytes der = take(read_der_or_pem(path, "X509 CRL"));
        state->crls.push_back(take(x509::Crl::parse(der)));
    }
    return [state, now, online = a.online, cacert = a.cacert](const x509::Certificate& cert,
                                                              const x509::Certificate& issuer) {
        std::string fetch_errors;
        if (online && cert.extensions().crl_distribution_points()) {
            for (const auto& url : cert.extensions().crl_distribution_points()->uris()) {
                if (url.rfind("http", 0) != 0) continue;
                auto [it, fresh] = state->fetched.try_emplace(url);
                if (fresh) {
                    auto target = parse_http_url(url, cacert);
                    auto reply = target ? http_call(*target, HttpCall{}) : Result<HttpReply>(target.error());
                    if (!reply) {
                        it->second = reply.error().message;
                    } else if (reply->status != 200) {
                        it->second = url + ": HTTP " + std::to_string(reply->status);
                    } else if (auto crl = x509::Crl::parse(as_bytes(reply->body)); !crl) {
                        it->second = url + ": " + crl.error().message;
                    } else {
                        state->crls.push_back(std::move(crl).value());
                    }
                }
                if (!it->second.empty()) fetch_errors += (fetch_errors.empty() ? "" : "; ") + it->second;
            }
        }
        auto st = x509::status_from_crls(cert, issuer, state->crls, now);
        if (st.state == x509::RevocationState::unknown && !fetch_errors.empty()) st.message += "; " + fetch_errors;
        return st;
    };
}

// LD/T 01.1-2022 §8.3.1 c: the seal's status from the status publishing system at `url` (for a
// seal of another province: the ministry's, §7.2 f).
std::function<seal::SealStatusAnswer(std::string_view)> seal_status_hook(const std::string& url,
                                                                         const std::string& cacert) {
    return [url, cacert](std::string_view code) {
        seal::SealStatusAnswer a;
        std::string base = url;
        while (!base.empty() && base.back() == '/') base.pop_back();
        auto target = parse_http_url(base + "/api/v1/seal-status/" + std::string(code), cacert);
        auto reply = target ? http_call(*target, HttpCall{}) : Result<HttpReply>(target.error());
        if (!reply) {
            a.message = reply.error().message;
            return a;
        }
        const auto j = nlohmann::json::parse(reply->body, nullptr, false);
        if (reply->status != 200 || !j.is_object()) {
            a.message = url + ": HTTP " + std::to_string(reply->status) +
                        (j.is_object() ? " " + j.value("detail", std::string()) : std::string());
            return a;
        }
        a.answered = true;
        a.status = j.value("status", std::string());
        a.valid = a.status == "valid";
        a.message = j.value("reason", std::string());
        if (!j.value("changed_at", std::string()).empty())
            a.message += (a.message.empty() ? "since " : ", since ") + j.value("changed_at", std::string());
        return a;
    };
}

void run_verify(const VerifyArgs& a) {
    const Bytes input = take(read_binary_file(a.file));
    seal::VerifyOptions o;
    o.time = time_or_now(a.at);
    for (const auto& p : a.anchors) {
        auto certs = read_certs(p);
        o.trust_anchors.insert(o.trust_anchors.end(), certs.begin(), certs.end());
    }
    for (const auto& p : a.intermediates) {
        auto certs = read_certs(p);
        o.intermediates.insert(o.intermediates.end(), certs.begin(), certs.end());
    }
    o.revocation = revocation_checker(a, o.time);
    if (!a.status_url.empty()) o.seal_status = seal_status_hook(a.status_url, a.cacert);
    Bytes data;
    if (!a.data.empty()) {
        data = take(read_binary_file(a.data));
        o.data = BytesView(data);
    }
    seal::DocumentStatus status;
    if (is_zip(input)) {
        seal::OfdVerifyOptions oo;
        oo.verify = o;
        const seal::OfdReport r = seal::verify_ofd(input, oo);
        std::cout << (a.json ? r.to_json_string() : r.to_text()) << (a.json ? "\n" : "");
        status = r.status;
    } else {
        // An SES_Signature holds a seal, never the other way round: try the signature first.
        const bool is_signature = seal::SesSignature::parse(input).ok() || !seal::Seal::parse(input).ok();
        const seal::Report r = is_signature ? seal::verify_signature(input, o) : seal::verify_seal(input, o);
        status = seal::status_of(r);
        if (a.json) {
            auto j = r.to_json();
            j["status"] = std::string(seal::to_string(status));
            std::cout << j.dump(2) << "\n";
        } else {
            std::cout << "status: " << seal::to_string(status) << "\n" << r.to_text();
        }
    }
    const int code = exit_code_for(status);
    if (code != 0) throw CLI::RuntimeError(code);
}

}  // namespace

void register_seal_commands(CLI::App& app) {
    auto* sc = app.add_subcommand("seal", "Electronic seals (GB/T 38540): make, show, sign (files, OFD) and verify");
    sc->require_subcommand(1);

    auto m = std::make_shared<MakeArgs>();
    auto* make = sc->add_subcommand("make", "Make an SES_Seal v4 (.esl) signed by the seal maker");
    make->add_option("--maker-cert", m->maker_cert, "Seal maker (organisation) certificate, PEM or DER")->required();
    make->add_option("--maker-key", m->maker_key.key_file, "Maker's SM2 private key: PKCS#8 PEM/DER or PKCS#12 (.p12)");
    add_key_options(make, m->maker_key, "maker-key");
    make->add_option("--cert", m->certs, "Seal holder (signer) certificate(s), PEM or DER (certListType 1)")
        ->required();
    make->add_option("--picture", m->picture, "Seal image file")->required();
    make->add_option("--picture-type", m->picture_type,
                     "Image type as written (PNG, GIF, JPG, ofd); default from the extension");
    make->add_option("--width", m->width, "Image width in mm")->capture_default_str();
    make->add_option("--height", m->height, "Image height in mm")->capture_default_str();
    make->add_option("--es-id", m->es_id, "Seal code (esID)")->required();
    make->add_option("--name", m->name, "Seal name")->required();
    make->add_option("--type", m->type, "Seal type (1 official, 2 personal, 3 financial, ...)")->capture_default_str();
    make->add_option("--vendor", m->vendor, "Vendor ID (SES_Header.vid)")->capture_default_str();
    make->add_option("--valid-from", m->valid_from, "Validity start, Unix seconds (default: now)");
    make->add_option("--valid-to", m->valid_to, "Validity end, Unix seconds (default: start + --days)");
    make->add_option("--days", m->days, "Validity in days when --valid-to is not given")->capture_default_str();
    make->add_option("--created", m->created, "Creation date, Unix seconds (default: now)");
    make->add_option("--out", m->out, "Output .esl file")->required();
    make->callback([m] { run_make(*m); });

    auto s = std::make_shared<ShowArgs>();
    auto* show = sc->add_subcommand("show", "Print a seal (.esl), a signature (.ses/.dat) or an OFD's signatures");
    show->add_option("FILE", s->file, "File to show")->required();
    show->add_flag("--json", s->json, "Machine-readable output");
    show->callback([s] { run_show(*s); });

    auto g = std::make_shared<SignArgs>();
    auto* sign = sc->add_subcommand("sign", "Sign an OFD document (GB/T 33190 embedding) or any file (detached .ses)");
    sign->add_option("--seal", g->seal, "Seal (.esl)")->required();
    sign->add_option("--cert", g->cert, "Signer certificate (in the seal's list), PEM or DER")->required();
    sign->add_option("--key", g->key.key_file, "Signer's SM2 private key: PKCS#8 PEM/DER or PKCS#12 (.p12)");
    add_key_options(sign, g->key, "key");
    sign->add_option("--tsa", g->tsa,
                     "RFC 3161 time-stamp authority URL (e.g. https://host/api/v1/tsa): the "
                     "signature value is time-stamped and the token embedded");
    sign->add_option("--tsa-cacert", g->tsa_cacert, "CA bundle for an https:// TSA");
    auto* ofd_opt = sign->add_option("--ofd", g->ofd, "OFD document to sign");
    auto* file_opt = sign->add_option("--file", g->file, "Any file: write a detached SES_Signature");
    ofd_opt->excludes(file_opt);
    sign->add_option("--out", g->out, "Output file (.ofd or .ses)")->required();
    sign->add_option("--page", g->page, "OFD: page index (0-based) of the stamp")->capture_default_str();
    sign->add_option("--x", g->x, "OFD: stamp left, mm")->capture_default_str();
    sign->add_option("--y", g->y, "OFD: stamp top, mm")->capture_default_str();
    sign->add_option("--w", g->w, "OFD: stamp width, mm (default: the seal picture's)");
    sign->add_option("--h", g->h, "OFD: stamp height, mm (default: the seal picture's)");
    sign->add_option("--property", g->property, "Detached: propertyInfo (default: the file name)");
    sign->add_option("--at", g->at, "Signing time, Unix seconds (default: now)");
    sign->callback([g] {
        if (g->ofd.empty() == g->file.empty()) {
            fail(make_error(Errc::invalid_argument, "exactly one of --ofd and --file is required"));
        }
        run_sign(*g);
    });

    auto v = std::make_shared<VerifyArgs>();
    auto* verify = sc->add_subcommand(
        "verify", std::string("Verify a seal (.esl), a signature (.ses/.dat, --data for the signed file) or an OFD "
                              "document by GB/T 38540. ") +
                      k_exit_help);
    verify->add_option("FILE", v->file, "File to verify")->required();
    verify->add_option("--data", v->data, "The signed file, for a detached signature (data hash)");
    verify->add_option("--anchor", v->anchors, "Trust anchor certificate(s), PEM bundle or DER (repeatable)");
    verify->add_option("--intermediate", v->intermediates, "Intermediate CA certificate(s) (repeatable)");
    verify->add_option("--at", v->at, "Verification time, Unix seconds (default: now)");
    verify->add_option("--crl", v->crls, "CRL file(s), PEM or DER, for the revocation check (repeatable)");
    verify->add_flag("--online", v->online,
                     "Fetch the CRLs of the certificates' distribution points for the revocation check");
    verify->add_option("--cacert", v->cacert, "CA bundle for https:// CRL distribution points");
    verify->add_option("--status-url", v->status_url,
                       "Seal status publishing system (base URL) asked for the seal's status by its code "
                       "(LD/T 01.1-2022 §8.3; across provinces: the ministry's)");
    verify->add_flag("--json", v->json, "Machine-readable report (stable fields: intact, valid, status, checks)");
    verify->footer(k_exit_help);
    verify->callback([v] { run_verify(*v); });
}

}  // namespace yinxin::cli
