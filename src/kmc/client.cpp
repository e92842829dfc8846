#include "yinxin/kmc/client.h"

#include <utility>

#include "internal.h"

namespace yinxin::kmc {

Error error_of(const ErrorPkgRespond& e) {
    return make_error(Errc::kmc_error_response, "the KMC refused (" + std::to_string(e.err_no) +
                                                    (e.err_desc.empty() ? "" : " " + e.err_desc) + ")");
}

KmcClient::KmcClient(x509::Certificate ca_certificate, SignFunction sign, x509::Certificate kmc_certificate,
                     Transport transport, const Clock& clock, Rng& rng, std::string sm2_id)
    : m_ca_certificate(std::move(ca_certificate)),
      m_sign(std::move(sign)),
      m_kmc_certificate(std::move(kmc_certificate)),
      m_transport(std::move(transport)),
      m_clock(clock),
      m_rng(rng),
      m_sm2_id(std::move(sm2_id)) {}

Result<Bytes> KmcClient::sign_task(std::vector<Request> requests, KsRequest& q) {
    q.ca_name = EntName::of(m_ca_certificate);
    q.requests = std::move(requests);
    q.request_time = m_clock.now();
    YX_ASSIGN_OR_RETURN(Bytes raw, m_rng.bytes(8));
    raw[0] &= 0x7f;  // a positive 63-bit task number
    for (std::uint8_t b : raw) q.task_no = (q.task_no << 8) | b;
    return sign_ca_request(q, m_sign);
}

Result<KmRespond> KmcClient::exchange(std::vector<Request> requests) {
    KsRequest q;
    YX_ASSIGN_OR_RETURN(Bytes der, sign_task(std::move(requests), q));
    return send(q, der);
}

Result<KmRespond> KmcClient::send(const KsRequest& q, BytesView der) {
    const std::size_t count = q.requests.size();
    if (!m_transport) return make_error(Errc::invalid_argument, "the KMC client has no transport");
    YX_ASSIGN_OR_RETURN(Bytes answer, m_transport(der));
    YX_ASSIGN_OR_RETURN(KmRespond resp, parse_km_respond(answer));
    YX_TRY(verify_km_respond(resp, m_kmc_certificate, m_sm2_id));
    if (resp.ks_respond.task_no != q.task_no &&
        !(resp.ks_respond.responds.size() == 1 && resp.ks_respond.responds[0].kind == RespondKind::error))
        return make_error(Errc::kmc_bad_message, "the KMC answered task " + std::to_string(resp.ks_respond.task_no) +
                                                     ", not " + std::to_string(q.task_no));
    const auto& list = resp.ks_respond.responds;
    if (list.size() == 1 && list[0].kind == RespondKind::error) return resp;  // the whole task refused
    if (list.size() != count)
        return make_error(Errc::kmc_bad_message, "the KMC answered " + std::to_string(list.size()) + " of " +
                                                     std::to_string(count) + " requests");
    return resp;
}

Result<Respond> KmcClient::single(Request request, RespondKind expected) {
    YX_ASSIGN_OR_RETURN(KmRespond resp, exchange({std::move(request)}));
    Respond r = std::move(resp.ks_respond.responds.front());
    if (r.kind == RespondKind::error) return error_of(r.error);
    if (r.kind != expected) return make_error(Errc::kmc_bad_message, "the KMC answered with another kind of respond");
    return r;
}

namespace {

Result<KeyDelivery> delivery(Respond r, BytesView user_cert_no) {
    if (magnitude_hex(r.key.user_cert_no) != magnitude_hex(user_cert_no))
        return make_error(Errc::kmc_bad_message, "the KMC answered for another certificate number");
    KeyDelivery d;
    YX_ASSIGN_OR_RETURN(d.enveloped_key, repackage_as_enveloped_key(r.key));
    d.respond = std::move(r.key);
    return d;
}

}  // namespace

Result<KeyDelivery> KmcClient::apply(const AppUserInfo& user) {
    ApplyKeyReq a;
    a.user = user;
    YX_ASSIGN_OR_RETURN(Respond r, single(Request{std::move(a)}, RespondKind::apply));
    return delivery(std::move(r), user.user_cert_no);
}

Result<Bytes> KmcClient::prepare_apply(const AppUserInfo& user) {
    ApplyKeyReq a;
    a.user = user;
    KsRequest q;
    return sign_task({Request{std::move(a)}}, q);
}

Result<KeyDelivery> KmcClient::send_apply(BytesView ca_request_der) {
    YX_ASSIGN_OR_RETURN(CaRequest request, parse_ca_request(ca_request_der));
    const KsRequest& q = request.ks_request;
    if (q.requests.size() != 1 || !std::holds_alternative<ApplyKeyReq>(q.requests.front()))
        return make_error(Errc::kmc_bad_message, "a prepared apply task holds exactly one applyKeyReq");
    const Bytes cert_no = std::get<ApplyKeyReq>(q.requests.front()).user.user_cert_no;
    YX_ASSIGN_OR_RETURN(KmRespond resp, send(q, ca_request_der));
    Respond r = std::move(resp.ks_respond.responds.front());
    if (r.kind == RespondKind::error) return error_of(r.error);
    if (r.kind != RespondKind::apply)
        return make_error(Errc::kmc_bad_message, "the KMC answered with another kind of respond");
    return delivery(std::move(r), cert_no);
}

Result<KeyDelivery> KmcClient::restore(BytesView user_cert_no, BytesView user_public_key) {
    RestoreKeyReq q;
    q.user_cert_no.assign(user_cert_no.begin(), user_cert_no.end());
    q.user_public_key.assign(user_public_key.begin(), user_public_key.end());
    YX_ASSIGN_OR_RETURN(Respond r, single(Request{std::move(q)}, RespondKind::restore));
    return delivery(std::move(r), user_cert_no);
}

Status KmcClient::revoke(BytesView user_cert_no) {
    RevokeKeyReq q;
    q.user_cert_no.assign(user_cert_no.begin(), user_cert_no.end());
    YX_ASSIGN_OR_RETURN(Respond r, single(Request{std::move(q)}, RespondKind::revoke));
    if (magnitude_hex(r.revoke.user_cert_no) != magnitude_hex(user_cert_no))
        return make_error(Errc::kmc_bad_message, "the KMC confirmed another certificate number");
    return ok_status();
}

}  // namespace yinxin::kmc
