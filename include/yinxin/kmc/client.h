// KmcClient: the CA side of GM/T 0014 (protocol.h). Builds and signs a CARequest for apply,
// restore or revoke with the CA's key (a sign callback: the CA key stays in its device), sends it
// through a transport the caller provides (in-process KmcService::handle, or HTTPS with mutual TLS
// to `yinxin serve --role kmc`), and checks the KMRespond: signed by the configured KMC certificate
// (kmc.bad_signature), taskNO echoed and one answer of the right kind per request
// (kmc.bad_message). An ErrorPkgRespond is kmc.error_response with the KMC's code name and text.
//
// The key of an apply or restore comes back as the RetKeyRespond (a SignedAndEnvelopedData to the
// holder's signing key) and as the SM2EnvelopedKey repackaged from it without decrypting anything
// (protocol.h repackage_as_enveloped_key): the CA never holds the encryption private key.
#pragma once

#include <functional>
#include <string>

#include "yinxin/base/bytes.h"
#include "yinxin/base/clock.h"
#include "yinxin/base/result.h"
#include "yinxin/base/rng.h"
#include "yinxin/kmc/protocol.h"
#include "yinxin/x509/certificate.h"

namespace yinxin::kmc {

// Sends a CARequest (DER) and returns the KMRespond (DER).
using Transport = std::function<Result<Bytes>(BytesView ca_request_der)>;

struct KeyDelivery {
    RetKeyRespond respond;
    Bytes enveloped_key;  // SM2EnvelopedKey DER to the holder's signing key
};

class KmcClient {
public:
    // `ca_certificate` names the CA in caName and holds the key `sign` signs with; responses must
    // come from `kmc_certificate`. `rng` draws task numbers; both `clock` and `rng` must outlive
    // the client.
    KmcClient(x509::Certificate ca_certificate, SignFunction sign, x509::Certificate kmc_certificate,
              Transport transport, const Clock& clock, Rng& rng,
              std::string sm2_id = std::string(crypto::k_default_sm2_id));

    // A new encryption key pair for the encryption certificate `user.user_cert_no`.
    Result<KeyDelivery> apply(const AppUserInfo& user);
    // The same in two steps, for a caller that must survive a crash between them: the signed
    // CARequest (a fresh taskNO) is kept by the caller first, then sent — and sent again unchanged
    // after a crash, when the KMC answers a repeated task with its stored answer instead of
    // escrowing a second key.
    Result<Bytes> prepare_apply(const AppUserInfo& user);
    Result<KeyDelivery> send_apply(BytesView ca_request_der);
    // The escrowed key of `user_cert_no` enveloped to `user_public_key` (the holder's current
    // signing key); the KMC answers only for an approved holder recovery (kmc.h).
    Result<KeyDelivery> restore(BytesView user_cert_no, BytesView user_public_key);
    // Marks the escrowed key of a revoked encryption certificate.
    Status revoke(BytesView user_cert_no);

    // Any request list; the checked response (ErrorPkgRespond entries are returned, not turned
    // into errors).
    Result<KmRespond> exchange(std::vector<Request> requests);

private:
    Result<Bytes> sign_task(std::vector<Request> requests, KsRequest& q);
    Result<KmRespond> send(const KsRequest& q, BytesView der);
    Result<Respond> single(Request request, RespondKind expected);

    x509::Certificate m_ca_certificate;
    SignFunction m_sign;
    x509::Certificate m_kmc_certificate;
    Transport m_transport;
    const Clock& m_clock;
    Rng& m_rng;
    std::string m_sm2_id;
};

// The Error an ErrorPkgRespond stands for (kmc.error_response, naming the KMC's code).
Error error_of(const ErrorPkgRespond& e);

}  // namespace yinxin::kmc
