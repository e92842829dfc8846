#include "yinxin/x509/revocation.h"

#include <optional>

#include "yinxin/base/bytes.h"

namespace yinxin::x509 {

std::string_view to_string(RevocationState s) noexcept {
    switch (s) {
        case RevocationState::good: return "good";
        case RevocationState::revoked: return "revoked";
        case RevocationState::unknown: return "unknown";
    }
    return "?";
}

namespace {

std::string describe(const Crl& crl) {
    std::string s = "CRL";
    if (crl.crl_number()) s += " " + std::to_string(*crl.crl_number());
    return s + " of " + crl.issuer().to_string() + " (this update " + format_rfc3339(crl.this_update()) + ")";
}

}  // namespace

RevocationStatus status_from_crls(const Certificate& cert, const Certificate& issuer, const std::vector<Crl>& crls,
                                  TimePoint now, std::string_view sm2_id) {
    RevocationStatus out;
    std::string why;
    const Crl* best = nullptr;
    for (const auto& crl : crls) {
        if (!(crl.issuer() == cert.issuer())) continue;
        if (crl.delta_base()) continue;  // a delta CRL alone does not answer
        if (auto st = crl.verify_signature_with(issuer.public_key_info(), sm2_id); !st.ok()) {
            why = describe(crl) + " does not verify with the issuer's key: " + st.error().message;
            continue;
        }
        if (crl.next_update() && *crl.next_update() < now) {
            why = describe(crl) + " is out of date (next update " + format_rfc3339(*crl.next_update()) + ")";
            continue;
        }
        if (best == nullptr || crl.this_update() > best->this_update()) best = &crl;
    }
    if (best == nullptr) {
        out.message = why.empty() ? "no CRL of " + cert.issuer().to_string() + " was available" : why;
        return out;
    }
    out.source = describe(*best);
    BytesView serial = cert.serial();
    while (serial.size() > 1 && serial[0] == 0) serial = serial.subspan(1);
    if (const RevokedEntry* e = best->find(serial)) {
        out.state = RevocationState::revoked;
        out.revoked_at = e->revoked_at;
        out.reason = e->reason;
    } else {
        out.state = RevocationState::good;
    }
    return out;
}

}  // namespace yinxin::x509
