#include "yinxin/ca/hierarchy.h"

#include <algorithm>
#include <chrono>

#include "pipeline.h"
#include "yinxin/asn1/oids.h"
#include "yinxin/crypto/random.h"
#include "yinxin/profile/lint.h"
#include "yinxin/x509/builder.h"
#include "yinxin/x509/csr.h"

namespace yinxin::ca {
namespace {

// Records a ceremony step and reports it for the audit log (LD/T 03-2022 §8.3.6 a: key
// management operations are audited).
class StepLog {
public:
    StepLog(std::vector<CeremonyStep>& steps, const CaContext& ctx) : m_steps(steps), m_ctx(ctx) {}

    void add(std::string action, const std::string& ca_id, std::string detail, bool success = true,
             const Error* error = nullptr) {
        CeremonyStep s{.number = static_cast<int>(m_steps.size()) + 1,
                       .action = std::move(action),
                       .ca_id = ca_id,
                       .detail = std::move(detail),
                       .success = success,
                       .at = m_ctx.clock->now()};
        if (m_ctx.events) {
            CaEvent ev;
            ev.action = "ca.ceremony.step";
            ev.ca_id = ca_id;
            ev.success = success;
            if (error != nullptr) {
                ev.error_code = std::string(errc_name(error->code));
                ev.error = error->code;
            }
            ev.detail = "step " + std::to_string(s.number) + " " + s.action + ": " + s.detail;
            ev.at = s.at;
            m_ctx.events(ev);
        }
        m_steps.push_back(std::move(s));
    }
    void event(std::string action, const CaRecord& ca, std::string detail) {
        if (!m_ctx.events) return;
        CaEvent ev;
        ev.action = std::move(action);
        ev.ca_id = ca.id;
        ev.subject_dn = ca.subject_dn;
        ev.detail = std::move(detail);
        ev.at = m_ctx.clock->now();
        m_ctx.events(ev);
    }

private:
    std::vector<CeremonyStep>& m_steps;
    const CaContext& m_ctx;
};

Status check_context(const CaContext& ctx) {
    if (ctx.stores.registry == nullptr || ctx.stores.pending == nullptr || ctx.stores.writer == nullptr ||
        ctx.stores.reader == nullptr)
        return make_error(Errc::invalid_argument, "CA context: a store interface is missing");
    if (ctx.profiles == nullptr || ctx.device == nullptr || ctx.clock == nullptr || ctx.rng == nullptr)
        return make_error(Errc::invalid_argument, "CA context: profiles, device, clock and rng are required");
    return ok_status();
}

// The CA record, or nullopt when the id is free.
Result<std::optional<CaRecord>> lookup_ca(CaRegistry& registry, std::string_view id) {
    auto r = registry.get_ca(id);
    if (r) return std::optional<CaRecord>(std::move(r).value());
    if (r.code() == Errc::store_not_found) return std::optional<CaRecord>();
    return std::move(r).error();
}

// The key labelled `label` (a re-run after a crash between key generation and registration reuses
// it), else a new one generated inside the device. The access right is taken with ctx.key_pin.
Result<device::KeyInfo> ensure_key(CaContext& ctx, const std::string& label, device::KeyAlgorithm alg,
                                   const std::string& ca_id, StepLog& log) {
    auto found = ctx.device->find_key(label);
    device::KeyInfo key;
    if (found) {
        if (found->algorithm != alg)
            return make_error(Errc::ca_key_mismatch, "device key '" + label + "' exists with another algorithm");
        key = std::move(found).value();
        log.add("key.reuse", ca_id, "device key " + std::to_string(key.index) + " '" + label + "' (generated earlier)");
    } else if (found.code() == Errc::device_key_not_found) {
        auto gen = ctx.device->generate_key_pair(alg, label, ctx.key_pin);
        if (!gen) {
            log.add("key.generate", ca_id, gen.error().message, false, &gen.error());
            return std::move(gen).error();
        }
        key = gen->key;
        log.add("key.generate", ca_id,
                std::string(device::key_algorithm_name(alg)) + " key " + std::to_string(key.index) + " '" + label +
                    "' generated inside " + ctx.device_backend + " device " + ctx.device->info().device_id);
    } else {
        return std::move(found).error();
    }
    if (!key.access_right) YX_TRY(ctx.device->get_private_key_access_right(key.index, ctx.key_pin));
    return key;
}

// PKCS#10 for a device key, signed inside the device (proof of possession with the GM ID).
Result<Bytes> device_csr(device::Device& dev, const device::KeyInfo& key,
                         const std::vector<std::pair<std::string, std::string>>& subject) {
    YX_ASSIGN_OR_RETURN(x509::Name name, x509::Name::build(subject));
    YX_ASSIGN_OR_RETURN(x509::SubjectPublicKeyInfo spki, x509::SubjectPublicKeyInfo::parse(key.public_key));
    YX_ASSIGN_OR_RETURN(x509::AlgorithmIdentifier alg, x509::signature_algorithm_for(spki));
    x509::CsrBuilder builder;
    builder.subject(name).public_key(spki).signature_algorithm(alg);
    YX_ASSIGN_OR_RETURN(Bytes info, builder.build_info());
    YX_ASSIGN_OR_RETURN(Bytes sig, dev.sign(key.index, info, crypto::k_default_sm2_id));
    YX_ASSIGN_OR_RETURN(Bytes der, x509::assemble_csr(info, builder.algorithm(), sig));
    // Our own request must pass the check every applicant's does.
    YX_ASSIGN_OR_RETURN(auto csr, x509::CertificationRequest::parse(der));
    YX_TRY(csr.verify_pop());
    return der;
}

struct SelfSigned {
    Bytes der;
    Bytes serial;
};

// A self-signed root (profile kind root_ca): prepare → lint → sign in the device. Nothing is
// persisted before the CA is registered: there is no CA yet to reserve the serial under.
Result<SelfSigned> self_sign(CaContext& ctx, const profile::Profile& profile, const std::string& ca_id,
                             const std::vector<std::pair<std::string, std::string>>& subject,
                             const device::KeyInfo& key, std::uint32_t validity_days,
                             const PublicationConfig& publication) {
    if (profile.kind() != profile::ProfileKind::root_ca)
        return make_error(Errc::ca_bad_config, "profile " + profile.id() + " is not a root profile");
    profile::CertificateRequestData data;
    data.subject = subject;
    data.spki_der = key.public_key;
    if (validity_days != 0) data.validity_days = validity_days;
    const TimePoint now = detail::whole_seconds(ctx.clock->now());
    const std::uint32_t days = validity_days != 0 ? validity_days : profile.validity_days();

    // The root's own URLs: its certificate is self-issued, so the context names itself.
    profile::IssuerContext issuer;
    {
        PublicationConfig pub = publication;
        std::string base = pub.base_url;
        while (!base.empty() && base.back() == '/') base.pop_back();
        issuer.crl_url = base + "/crl/" + ca_id + ".crl";
        issuer.ocsp_url = base + "/ocsp/" + ca_id;
        issuer.ca_issuers_url = base + "/ca/" + ca_id + ".cer";
        issuer.cps_oid = pub.cps_oid;
        issuer.cps_uri = pub.cps_uri;
    }
    issuer.not_before = now;
    issuer.not_after = now + std::chrono::days(days) - std::chrono::seconds(1);
    YX_ASSIGN_OR_RETURN(x509::SubjectPublicKeyInfo spki, x509::SubjectPublicKeyInfo::parse(key.public_key));
    YX_ASSIGN_OR_RETURN(issuer.signature_algorithm, x509::signature_algorithm_for(spki));
    YX_ASSIGN_OR_RETURN(Bytes serial, crypto::random_serial(*ctx.rng));
    YX_ASSIGN_OR_RETURN(Bytes tbs, profile::build_tbs(profile, data, issuer, serial, now));
    YX_TRY(profile::check_tbs(tbs, profile, issuer));
    SigningKey signing{.device = ctx.device, .index = key.index, .sm2_id = std::string(crypto::k_default_sm2_id)};
    YX_ASSIGN_OR_RETURN(Bytes der, detail::sign_and_assemble(signing, tbs, spki));
    return SelfSigned{std::move(der), std::move(serial)};
}

Result<CaRecord> register_ca(CaContext& ctx, const std::string& id, const std::string& name, CaKind kind,
                             const std::string& parent_id, BytesView certificate_der, const device::KeyInfo& key) {
    YX_ASSIGN_OR_RETURN(x509::Certificate cert, x509::Certificate::parse(certificate_der));
    CaRecord rec{.id = id,
                 .name = name,
                 .subject_dn = cert.subject().to_string(),
                 .certificate_der = Bytes(certificate_der.begin(), certificate_der.end()),
                 .key = {.backend = ctx.device_backend, .index = key.index, .label = key.label},
                 .parent_id = parent_id,
                 .status = CaStatus::active,
                 .kind = kind,
                 .created_at = 0};
    YX_TRY(ctx.stores.registry->add_ca(rec));
    return ctx.stores.registry->get_ca(id);
}

// An issued certificate of `issuer_id` answering `request_id` for `spki` (a ceremony re-run after
// the certificate was issued but before the CA was registered).
Result<std::optional<Bytes>> find_issued(CertificateReader& reader, const std::string& issuer_id,
                                         const std::string& request_id, const Bytes& spki) {
    std::int64_t after = 0;
    for (;;) {
        YX_ASSIGN_OR_RETURN(CertificatePage page, reader.list_certificates(issuer_id, after, 1000));
        for (const auto& rec : page.records) {
            if (rec.status != CertificateStatus::issued || rec.request_id != request_id) continue;
            auto cert = x509::Certificate::parse(rec.certificate_der);
            if (cert && cert->public_key_info().der() == spki) return std::optional<Bytes>(rec.certificate_der);
        }
        if (!page.next_after_id) return std::optional<Bytes>();
        after = *page.next_after_id;
    }
}

// Issues a sub CA certificate for `key` from `parent_id` through the Issuer (so it is persisted
// like any other certificate), unless a re-run finds it already issued.
Result<Bytes> issue_sub_certificate(CaContext& ctx, const std::string& ca_id, const std::string& parent_id,
                                    const std::string& profile_id,
                                    const std::vector<std::pair<std::string, std::string>>& subject,
                                    const device::KeyInfo& key, std::uint32_t validity_days,
                                    const PublicationConfig& publication, const std::string& request_id, StepLog& log) {
    YX_ASSIGN_OR_RETURN(auto existing, find_issued(*ctx.stores.reader, parent_id, request_id, key.public_key));
    if (existing) {
        log.add("certificate.reuse", ca_id, "certificate issued earlier by '" + parent_id + "' (" + request_id + ")");
        return std::move(*existing);
    }
    YX_ASSIGN_OR_RETURN(Bytes csr, device_csr(*ctx.device, key, subject));
    log.add("csr.write", ca_id, "PKCS#10 for device key " + std::to_string(key.index) + " sent to '" + parent_id + "'");
    Issuer issuer(ctx.stores, *ctx.profiles, device_key_resolver(*ctx.device, ctx.device_backend, ctx.key_pin),
                  publication, *ctx.clock, *ctx.rng, ctx.events);
    IssueRequest req;
    req.ca_id = parent_id;
    req.profile_id = profile_id;
    req.csr = csr;
    req.request_id = request_id;
    req.data.subject = subject;
    if (validity_days != 0) req.data.validity_days = validity_days;
    auto issued = issuer.issue(req);
    if (!issued) {
        log.add("certificate.sign", ca_id, issued.error().message, false, &issued.error());
        return std::move(issued).error();
    }
    log.add("certificate.sign", ca_id,
            "issued by '" + parent_id + "', serial " + hex_encode(issued->serial) + ", profile " + profile_id);
    return std::move(issued->certificate_der);
}

std::string fingerprint_hex(BytesView der) {
    auto cert = x509::Certificate::parse(der);
    if (!cert) return "?";
    const auto fp = cert->fingerprint_sm3();
    return "SM3 " + hex_encode(BytesView(fp.data(), fp.size()));
}

// Link certificates of a key changeover certify one CA key under the other CA's key; they are CA
// certificates without a path length (a NewWithOld must carry the new hierarchy's sub CAs) and
// live no longer than the shorter-lived of the two keys (SHECA CPS; RFC 4210 4.4).
const profile::Profile& link_profile() {
    static const profile::Profile p = [] {
        auto r = profile::Profile::parse(R"json({
  "id": "ca-link",
  "name_zh": "CA密钥更新链接证书",
  "description": "Key changeover link certificate (NewWithOld / OldWithNew), RFC 4210 4.4.",
  "kind": "sub_ca",
  "validity_days": 7305,
  "key_algorithms": ["sm2"],
  "key_usage": ["digitalSignature", "keyCertSign", "cRLSign"],
  "key_usage_critical": true,
  "subject": {"required": ["CN"], "allowed": ["C", "ST", "L", "O", "OU", "CN", "E"]},
  "certificate_policies": false
})json",
                                         "ca-link (built in)");
        if (!r) throw std::logic_error("built-in link profile: " + r.error().to_string());
        return std::move(r).value();
    }();
    return p;
}

}  // namespace

Result<CeremonyResult> run_ceremony(const CeremonyConfig& config, CaContext& ctx) {
    YX_TRY(check_context(ctx));
    CeremonyResult result;
    StepLog log(result.steps, ctx);
    for (const CaSpec& spec : config.cas) {
        YX_ASSIGN_OR_RETURN(auto existing, lookup_ca(*ctx.stores.registry, spec.id));
        if (existing) {
            log.add("ca.exists", spec.id, "already registered (" + existing->subject_dn + "), skipped");
            continue;
        }
        auto profile = ctx.profiles->find(spec.profile_id);
        if (!profile) return make_error(Errc::ca_bad_config, "CA '" + spec.id + "': " + profile.error().message);
        const std::string label = spec.key_label.empty() ? spec.id : spec.key_label;
        {
            const auto& algs = (*profile)->key_algorithms();
            const std::string alg_name(device::key_algorithm_name(spec.key_algorithm));
            if (std::find(algs.begin(), algs.end(), alg_name) == algs.end())
                return make_error(Errc::ca_unsupported, "CA '" + spec.id + "': profile " + spec.profile_id +
                                                            " does not take " + alg_name + " keys");
        }
        if (spec.kind == CaKind::sub) {
            // Checked before a key is generated: a missing parent must not leave an orphan key.
            YX_ASSIGN_OR_RETURN(auto parent, lookup_ca(*ctx.stores.registry, spec.parent_id));
            if (!parent)
                return make_error(Errc::ca_bad_config, "CA '" + spec.id + "': parent '" + spec.parent_id +
                                                           "' is neither earlier in the config nor registered");
        }

        YX_ASSIGN_OR_RETURN(device::KeyInfo key, ensure_key(ctx, label, spec.key_algorithm, spec.id, log));
        Bytes certificate;
        switch (spec.kind) {
            case CaKind::root:
            case CaKind::seal_root: {
                auto signed_cert =
                    self_sign(ctx, **profile, spec.id, spec.subject, key, spec.validity_days, config.publication);
                if (!signed_cert) {
                    log.add("certificate.sign", spec.id, signed_cert.error().message, false, &signed_cert.error());
                    return std::move(signed_cert).error();
                }
                log.add("certificate.sign", spec.id,
                        "self-signed, serial " + hex_encode(signed_cert->serial) + ", " +
                            fingerprint_hex(signed_cert->der));
                YX_ASSIGN_OR_RETURN(CaRecord rec,
                                    register_ca(ctx, spec.id, spec.name, spec.kind, {}, signed_cert->der, key));
                // The self-signed certificate's serial is used by this CA from now on.
                YX_TRY(ctx.stores.pending->reserve_serial(spec.id, signed_cert->serial));
                log.add("ca.register", spec.id, rec.subject_dn);
                log.event("ca.create", rec, "self-signed " + spec.profile_id);
                result.created.push_back(std::move(rec));
                break;
            }
            case CaKind::sub: {
                YX_ASSIGN_OR_RETURN(certificate, issue_sub_certificate(ctx, spec.id, spec.parent_id, spec.profile_id,
                                                                       spec.subject, key, spec.validity_days,
                                                                       config.publication, "ceremony:" + spec.id, log));
                YX_ASSIGN_OR_RETURN(
                    CaRecord rec, register_ca(ctx, spec.id, spec.name, CaKind::sub, spec.parent_id, certificate, key));
                log.add("ca.register", spec.id, rec.subject_dn + ", parent '" + spec.parent_id + "'");
                log.event("ca.create", rec, "sub CA of '" + spec.parent_id + "'");
                result.created.push_back(std::move(rec));
                break;
            }
            case CaKind::external: {
                YX_ASSIGN_OR_RETURN(Bytes csr, device_csr(*ctx.device, key, spec.subject));
                log.add("csr.write", spec.id,
                        "PKCS#10 (" + std::to_string(csr.size()) +
                            " bytes) for the outside authority; import its certificate to register the CA");
                if (ctx.events) {
                    CaEvent ev;
                    ev.action = "ca.csr";
                    ev.ca_id = spec.id;
                    ev.detail = "CSR for the outside authority written";
                    ev.at = ctx.clock->now();
                    ctx.events(ev);
                }
                result.csrs.emplace_back(spec.id, std::move(csr));
                break;
            }
        }
    }
    return result;
}

Result<CaRecord> import_external_certificate(std::string_view ca_id, BytesView certificate_der, CaContext& ctx,
                                             std::string_view key_label) {
    YX_TRY(check_context(ctx));
    std::vector<CeremonyStep> steps;
    StepLog log(steps, ctx);
    const std::string id(ca_id);
    auto cert = x509::Certificate::parse(certificate_der);
    if (!cert) {
        Error e = std::move(cert).error();
        e.message = "imported certificate: " + e.message;
        return e;
    }
    YX_ASSIGN_OR_RETURN(auto existing, lookup_ca(*ctx.stores.registry, id));
    if (existing) {
        if (existing->certificate_der == Bytes(certificate_der.begin(), certificate_der.end())) return *existing;
        return make_error(Errc::store_conflict, "CA '" + id + "' is already registered with another certificate");
    }
    const auto& bc = cert->extensions().basic_constraints();
    if (!bc || !bc->ca)
        return make_error(Errc::ca_bad_certificate, "imported certificate is not a CA certificate (basicConstraints)");
    const auto& ku = cert->extensions().key_usage();
    if (ku && !ku->has(x509::KeyUsageBit::key_cert_sign))
        return make_error(Errc::ca_bad_certificate, "imported certificate does not assert keyCertSign");
    if (!cert->valid_at(ctx.clock->now()))
        return make_error(Errc::ca_bad_certificate, "imported certificate is not valid now");
    const std::string label = key_label.empty() ? id : std::string(key_label);
    auto key = ctx.device->find_key(label);
    if (!key) {
        if (key.code() == Errc::device_key_not_found)
            return make_error(Errc::ca_no_key, "no device key '" + label + "' for external CA '" + id +
                                                   "' (run the ceremony that wrote its CSR first)");
        return std::move(key).error();
    }
    if (key->public_key != cert->public_key_info().der())
        return make_error(Errc::ca_key_mismatch,
                          "the imported certificate certifies another key than device key '" + label + "'");
    const std::string name = cert->subject().get(asn1::oids::at_common_name).value_or(id);
    YX_ASSIGN_OR_RETURN(CaRecord rec, register_ca(ctx, id, name, CaKind::external, {}, certificate_der, *key));
    log.add("certificate.import", id,
            "issued by " + cert->issuer().to_string() + ", serial " + cert->serial_hex() + ", " +
                fingerprint_hex(certificate_der));
    log.add("ca.register", id, rec.subject_dn);
    log.event("ca.import", rec, "certificate issued by " + cert->issuer().to_string());
    return rec;
}

Result<RolloverResult> rollover(std::string_view old_ca_id, std::string_view new_ca_id, CaContext& ctx,
                                const PublicationConfig& publication) {
    YX_TRY(check_context(ctx));
    RolloverResult result;
    StepLog log(result.steps, ctx);
    const std::string old_id(old_ca_id);
    const std::string new_id(new_ca_id);

    auto old_rec = ctx.stores.registry->get_ca(old_id);
    if (!old_rec) {
        if (old_rec.code() == Errc::store_not_found) return make_error(Errc::ca_not_found, "no CA '" + old_id + "'");
        return std::move(old_rec).error();
    }
    if (old_rec->status == CaStatus::retired)
        return make_error(Errc::ca_retired, "CA '" + old_id + "' is already retired");
    if (old_rec->kind == CaKind::external)
        return make_error(Errc::ca_unsupported,
                          "CA '" + old_id + "' is certified outside: its changeover starts with a new ceremony");
    YX_ASSIGN_OR_RETURN(auto taken, lookup_ca(*ctx.stores.registry, new_id));
    if (taken) return make_error(Errc::store_conflict, "CA '" + new_id + "' already exists");
    YX_ASSIGN_OR_RETURN(x509::Certificate old_cert, x509::Certificate::parse(old_rec->certificate_der));
    // RFC 4210 4.4: the CA keeps its name; only the key changes.
    YX_ASSIGN_OR_RETURN(auto subject, detail::name_to_pairs(old_cert.subject()));

    KeyResolver keys = device_key_resolver(*ctx.device, ctx.device_backend, ctx.key_pin);
    YX_ASSIGN_OR_RETURN(SigningKey old_key, keys(*old_rec));
    // The new key has the old key's algorithm (an SM2 CA stays SM2, the TLS CA stays P-256).
    device::KeyAlgorithm new_alg = device::KeyAlgorithm::sm2;
    if (old_cert.public_key_info().is_p256()) new_alg = device::KeyAlgorithm::ecdsa_p256;
    YX_ASSIGN_OR_RETURN(device::KeyInfo new_key, ensure_key(ctx, new_id, new_alg, new_id, log));

    if (old_rec->kind == CaKind::sub) {
        YX_ASSIGN_OR_RETURN(auto parent, ctx.stores.registry->get_ca(old_rec->parent_id));
        (void)parent;
        YX_ASSIGN_OR_RETURN(Bytes cert, issue_sub_certificate(ctx, new_id, old_rec->parent_id, "sub-ca", subject,
                                                              new_key, 0, publication, "rollover:" + new_id, log));
        YX_ASSIGN_OR_RETURN(result.new_ca,
                            register_ca(ctx, new_id, old_rec->name, CaKind::sub, old_rec->parent_id, cert, new_key));
        log.add("ca.register", new_id, result.new_ca.subject_dn + ", parent '" + old_rec->parent_id + "'");
    } else {
        const std::string profile_id = old_rec->kind == CaKind::seal_root ? "seal-root-ca" : "root-ca";
        auto profile = ctx.profiles->find(profile_id);
        if (!profile) return std::move(profile).error();
        YX_ASSIGN_OR_RETURN(SelfSigned nwn, self_sign(ctx, **profile, new_id, subject, new_key, 0, publication));
        log.add("certificate.sign", new_id,
                "NewWithNew: self-signed, serial " + hex_encode(nwn.serial) + ", " + fingerprint_hex(nwn.der));
        YX_ASSIGN_OR_RETURN(result.new_ca,
                            register_ca(ctx, new_id, old_rec->name, old_rec->kind, {}, nwn.der, new_key));
        YX_TRY(ctx.stores.pending->reserve_serial(new_id, nwn.serial));
        log.add("ca.register", new_id, result.new_ca.subject_dn);
        result.new_with_new = std::move(nwn.der);

        YX_ASSIGN_OR_RETURN(x509::Certificate new_cert, x509::Certificate::parse(result.new_with_new));
        const TimePoint now = detail::whole_seconds(ctx.clock->now());
        SigningKey new_signing{
            .device = ctx.device, .index = new_key.index, .sm2_id = std::string(crypto::k_default_sm2_id)};

        // OldWithNew: the old public key under the new key, so relying parties that already trust
        // the new root accept certificates of the old hierarchy until they expire.
        {
            detail::PipelineInput in;
            in.profile = &link_profile();
            in.ca = &result.new_ca;
            in.request_id = "rollover:" + old_id + ":old-with-new";
            in.not_before = now;
            in.data.subject = subject;
            in.data.spki_der = old_cert.public_key_info().der();
            const std::uint32_t days =
                std::min(detail::days_until(now, std::min(old_cert.not_after(), new_cert.not_after())),
                         link_profile().validity_days());
            if (days == 0) return make_error(Errc::ca_retired, "CA '" + old_id + "' has expired");
            in.data.validity_days = days;
            YX_ASSIGN_OR_RETURN(IssuedCertificate owk, detail::run_pipeline(in, new_signing, ctx.stores, publication,
                                                                            *ctx.rng, *ctx.clock, ctx.events));
            log.add("certificate.sign", new_id,
                    "OldWithNew: serial " + hex_encode(owk.serial) + ", " + fingerprint_hex(owk.certificate_der));
            result.old_with_new = std::move(owk.certificate_der);
        }
        // NewWithOld: the new public key under the old key, so relying parties that still trust
        // only the old root accept certificates of the new hierarchy.
        {
            detail::PipelineInput in;
            in.profile = &link_profile();
            in.ca = &*old_rec;
            in.request_id = "rollover:" + new_id + ":new-with-old";
            in.not_before = now;
            in.data.subject = subject;
            in.data.spki_der = new_key.public_key;
            const std::uint32_t days =
                std::min(detail::days_until(now, old_cert.not_after()), link_profile().validity_days());
            if (days == 0) return make_error(Errc::ca_retired, "CA '" + old_id + "' has expired");
            in.data.validity_days = days;
            YX_ASSIGN_OR_RETURN(IssuedCertificate nwo, detail::run_pipeline(in, old_key, ctx.stores, publication,
                                                                            *ctx.rng, *ctx.clock, ctx.events));
            log.add("certificate.sign", old_id,
                    "NewWithOld: serial " + hex_encode(nwo.serial) + ", " + fingerprint_hex(nwo.certificate_der));
            result.new_with_old = std::move(nwo.certificate_der);
        }
    }

    // The old CA issues nothing more; it keeps signing CRLs while its certificates live
    // (may_sign_crls).
    YX_TRY(ctx.stores.registry->set_ca_status(old_id, CaStatus::retired));
    log.add("ca.retire", old_id, "retired by key changeover to '" + new_id + "'");
    log.event("ca.rollover", result.new_ca, "key changeover from '" + old_id + "'");
    return result;
}

Result<bool> may_sign_crls(std::string_view ca_id, CaStores stores, TimePoint now) {
    auto ca = stores.registry->get_ca(ca_id);
    if (!ca) {
        if (ca.code() == Errc::store_not_found)
            return make_error(Errc::ca_not_found, "no CA '" + std::string(ca_id) + "'");
        return std::move(ca).error();
    }
    YX_ASSIGN_OR_RETURN(x509::Certificate cert, x509::Certificate::parse(ca->certificate_der));
    // A CRL signed after the CA certificate expired cannot be validated by anyone.
    if (!cert.valid_at(now)) return false;
    if (ca->status == CaStatus::active) return true;
    // SHECA CPS key changeover: the old key signs CRLs until its last certificate expires.
    const long long t = to_unix(now);
    std::int64_t after = 0;
    for (;;) {
        YX_ASSIGN_OR_RETURN(CertificatePage page, stores.reader->list_certificates(ca_id, after, 1000));
        for (const auto& rec : page.records) {
            if (rec.status == CertificateStatus::issued && rec.not_after >= t) return true;
        }
        if (!page.next_after_id) return false;
        after = *page.next_after_id;
    }
}

KeyResolver device_key_resolver(device::Device& device, std::string backend, std::string pin) {
    return [&device, backend = std::move(backend), pin = std::move(pin)](const CaRecord& ca) -> Result<SigningKey> {
        if (ca.key.backend.empty())
            return make_error(Errc::ca_no_key, "CA '" + ca.id + "' has no key in this installation");
        if (ca.key.backend != backend)
            return make_error(Errc::ca_no_key, "CA '" + ca.id + "' keeps its key in backend '" + ca.key.backend +
                                                   "', not '" + backend + "'");
        device::KeyInfo info;
        if (!ca.key.label.empty()) {
            YX_ASSIGN_OR_RETURN(info, device.find_key(ca.key.label));
            if (ca.key.index != 0 && info.index != static_cast<device::KeyIndex>(ca.key.index))
                return make_error(Errc::ca_key_mismatch, "CA '" + ca.id + "': device key '" + ca.key.label +
                                                             "' has index " + std::to_string(info.index) +
                                                             ", the registry says " + std::to_string(ca.key.index));
        } else {
            if (ca.key.index <= 0) return make_error(Errc::ca_no_key, "CA '" + ca.id + "' names no key");
            YX_ASSIGN_OR_RETURN(auto keys, device.list_keys());
            auto it = std::find_if(keys.begin(), keys.end(), [&](const device::KeyInfo& k) {
                return k.index == static_cast<device::KeyIndex>(ca.key.index);
            });
            if (it == keys.end())
                return make_error(Errc::device_key_not_found,
                                  "CA '" + ca.id + "': no device key " + std::to_string(ca.key.index));
            info = *it;
        }
        if (!info.access_right) YX_TRY(device.get_private_key_access_right(info.index, pin));
        return SigningKey{.device = &device, .index = info.index, .sm2_id = std::string(crypto::k_default_sm2_id)};
    };
}

}  // namespace yinxin::ca
