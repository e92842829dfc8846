// The time-stamp authority (RFC 3161) of the certification service: a CA gives a delegated
// time-stamping certificate (critical extendedKeyUsage id-kp-timeStamping, RFC 3161 2.3) to a new
// SM2 key in the device, and `TimeStampAuthority` answers TimeStampReqs with tokens signed by that
// key (SM2 + SM3 with the signer ID). Seal signing (`yinxin seal sign --tsa`) and any RFC 3161
// client use it; `yinxin serve` answers POST /api/v1/tsa (application/timestamp-query).
//
// The TSA keeps no state: serial numbers are random 128-bit values (RFC 3161 2.4.2 requires them
// unique; 2^-64 collision odds over 2^32 tokens), genTime comes from the injected clock, whose
// accuracy the operator states in TSTInfo.accuracy (one second by default).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "yinxin/base/clock.h"
#include "yinxin/base/rng.h"
#include "yinxin/ca/hierarchy.h"
#include "yinxin/ca/issuer.h"
#include "yinxin/cms/timestamp.h"

namespace yinxin::ca {

struct TsaSigner {
    std::string ca_id;
    KeyRef key;
    Bytes certificate_der;
};

// Makes the TSA of a CA: a new SM2 key in the device (label "<ca>-tsa-<unix time>") and a
// "time-stamping" profile certificate issued by the CA, subject C and O of the CA with CN
// "<CA CN> TSA". Audited as "ca.tsa.delegate" plus the issuance events.
Result<TsaSigner> delegate_time_stamping(CaContext& ctx, const PublicationConfig& publication, std::string_view ca_id,
                                         std::uint32_t validity_days);

class TimeStampAuthority {
public:
    // `chain`: the certificates sent after the TSA's own when a request sets certReq (its CA ...).
    // `keys` resolves signer.key (the CA record handed to it carries the TSA's key reference).
    static Result<TimeStampAuthority> open(const TsaSigner& signer, std::vector<x509::Certificate> chain,
                                           asn1::Oid policy, const KeyResolver& keys, const Clock& clock, Rng& rng);

    // Always a DER TimeStampResp (see cms::respond_time_stamp).
    cms::TsaOutcome respond(BytesView request_der);
    const x509::Certificate& certificate() const { return m_config.certificate; }

private:
    TimeStampAuthority(cms::TsaConfig config, const Clock& clock, Rng& rng)
        : m_config(std::move(config)), m_clock(&clock), m_rng(&rng) {}
    cms::TsaConfig m_config;
    const Clock* m_clock;
    Rng* m_rng;
};

}  // namespace yinxin::ca
