#include "yinxin/ca/tsa.h"

#include <utility>

#include "pipeline.h"
#include "yinxin/asn1/oids.h"
#include "yinxin/x509/certificate.h"

namespace yinxin::ca {

namespace oids = asn1::oids;

Result<detail::Delegate> detail::issue_delegate(CaContext& ctx, const PublicationConfig& publication,
                                                std::string_view ca_id, std::string_view profile_id,
                                                std::string_view kind, std::string_view cn_suffix,
                                                std::uint32_t validity_days, CaEvent& ev) {
    YX_ASSIGN_OR_RETURN(CaRecord ca, ctx.stores.registry->get_ca(ca_id));
    if (ca.kind == CaKind::external) return make_error(Errc::ca_no_key, "CA '" + ca.id + "' is external");
    YX_ASSIGN_OR_RETURN(x509::Certificate ca_cert, x509::Certificate::parse(ca.certificate_der));
    const std::string label = ca.id + "-" + std::string(kind) + "-" + std::to_string(to_unix(ctx.clock->now()));
    YX_ASSIGN_OR_RETURN(device::GeneratedKey key,
                        ctx.device->generate_key_pair(device::KeyAlgorithm::sm2, label, ctx.key_pin));
    ev.detail = "device key " + label;

    profile::CertificateRequestData data;
    data.subject.emplace_back("C", ca_cert.subject().get(oids::at_country).value_or("CN"));
    data.subject.emplace_back("O", ca_cert.subject().get(oids::at_organization).value_or(ca.name));
    data.subject.emplace_back(
        "CN", ca_cert.subject().get(oids::at_common_name).value_or(ca.name) + " " + std::string(cn_suffix));
    data.spki_der = key.key.public_key;
    if (validity_days != 0) data.validity_days = validity_days;
    IssueRequest req;
    req.ca_id = ca.id;
    req.profile_id = std::string(profile_id);
    req.data = std::move(data);
    req.request_id = std::string(kind) + "-delegate-" + label;
    Issuer issuer(ctx.stores, *ctx.profiles, device_key_resolver(*ctx.device, ctx.device_backend, ctx.key_pin),
                  publication, *ctx.clock, *ctx.rng, ctx.events);
    YX_ASSIGN_OR_RETURN(IssuedCertificate issued, issuer.issue(req));
    YX_ASSIGN_OR_RETURN(x509::Certificate cert, x509::Certificate::parse(issued.certificate_der));
    ev.serial_hex = hex_encode(issued.serial);
    ev.subject_dn = cert.subject().to_string();
    return Delegate{
        .ca_id = ca.id,
        .key = KeyRef{.backend = ctx.device_backend, .index = static_cast<std::int64_t>(key.key.index), .label = label},
        .issued = std::move(issued),
        .certificate = std::move(cert)};
}

Result<TsaSigner> delegate_time_stamping(CaContext& ctx, const PublicationConfig& publication, std::string_view ca_id,
                                         std::uint32_t validity_days) {
    CaEvent ev;
    ev.action = "ca.tsa.delegate";
    ev.ca_id = std::string(ca_id);
    ev.profile_id = "time-stamping";
    if (ctx.device == nullptr || ctx.clock == nullptr || ctx.rng == nullptr || ctx.profiles == nullptr)
        return make_error(Errc::invalid_argument, "delegate_time_stamping: incomplete context");
    auto r = detail::issue_delegate(ctx, publication, ca_id, "time-stamping", "tsa", "TSA", validity_days, ev);
    if (!r) {
        detail::emit_failure(ctx.events, ev, r.error(), "no time-stamp authority", *ctx.clock);
        return r.error();
    }
    detail::emit(ctx.events, ev, *ctx.clock);
    return TsaSigner{r->ca_id, r->key, r->issued.certificate_der};
}

Result<TimeStampAuthority> TimeStampAuthority::open(const TsaSigner& signer, std::vector<x509::Certificate> chain,
                                                    asn1::Oid policy, const KeyResolver& keys, const Clock& clock,
                                                    Rng& rng) {
    YX_ASSIGN_OR_RETURN(x509::Certificate cert, x509::Certificate::parse(signer.certificate_der));
    CaRecord as_ca;
    as_ca.id = signer.ca_id;
    as_ca.key = signer.key;
    YX_ASSIGN_OR_RETURN(SigningKey key, keys(as_ca));
    cms::TsaConfig config{
        .certificate = std::move(cert),
        .sign = [key](BytesView message) { return key.device->sign(key.index, message, key.sm2_id); },
        .sm2_id = key.sm2_id,
        .policy = policy,
        .chain = std::move(chain),
    };
    return TimeStampAuthority(std::move(config), clock, rng);
}

cms::TsaOutcome TimeStampAuthority::respond(BytesView request_der) {
    auto serial = m_rng->bytes(16);
    if (!serial) {
        cms::TimeStampResponse failed;
        failed.status_text = "system failure";
        failed.failure_bits = std::uint32_t{1} << static_cast<unsigned>(cms::PkiFailure::system_failure);
        cms::TsaOutcome out;
        out.detail = serial.error().to_string();
        if (auto der = failed.encode()) out.response = std::move(der).value();
        return out;
    }
    (*serial)[0] &= 0x7f;  // positive, 127 random bits at most; leading zeros are stripped on output
    (*serial)[0] |= 0x40;  // never zero, always 16 octets
    return cms::respond_time_stamp(request_der, m_config, m_clock->now(), *serial);
}

}  // namespace yinxin::ca
