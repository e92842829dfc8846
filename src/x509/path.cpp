#include "yinxin/x509/path.h"

#include <algorithm>

#include "yinxin/asn1/oids.h"

namespace yinxin::x509 {

namespace {

struct Failure {
    Errc code = Errc::ok;
    std::size_t index = 0;
    std::string message;
};

class PathBuilder {
public:
    PathBuilder(const std::vector<Certificate>& intermediates, const std::vector<Certificate>& anchors, TimePoint time,
                const PathOptions& options)
        : m_intermediates(intermediates), m_anchors(anchors), m_time(time), m_opt(options) {}

    PathResult run(const Certificate& leaf) {
        // A leaf that is itself a trust anchor needs nothing but its validity.
        for (const auto& a : m_anchors) {
            if (a == leaf) {
                PathResult r;
                r.path = {leaf};
                r.anchor = a;
                if (auto f = check_validity(leaf, 0)) return fail_result(*f, r.path);
                return r;
            }
        }
        std::vector<Certificate> chain{leaf};
        if (search(chain)) return m_success;
        if (!m_best) {
            m_best = Failure{Errc::x509_path_no_issuer, 0, "no issuer found"};
            m_best_chain = chain;
        }
        return fail_result(*m_best, m_best_chain);
    }

private:
    static PathResult fail_result(const Failure& f, const std::vector<Certificate>& chain) {
        PathResult r;
        r.code = f.code;
        r.index = f.index;
        r.message = f.message;
        r.path = chain;
        return r;
    }

    // Keeps the failure of the candidate path that got furthest: ranked by the length of the path
    // tried, a path that reached a trust anchor (`complete`) above one that did not; the first on a
    // tie. A search-limit failure always wins: the search was cut short.
    void record(Failure f, const std::vector<Certificate>& chain, bool complete = false) {
        if (m_best && m_best->code == Errc::x509_path_search_limit) return;
        const std::size_t rank = chain.size() * 2 + (complete ? 1 : 0);
        if (!m_best || rank > m_best_rank || f.code == Errc::x509_path_search_limit) {
            m_best = std::move(f);
            m_best_rank = rank;
            m_best_chain = chain;
        }
    }

    std::optional<Failure> check_validity(const Certificate& c, std::size_t i) const {
        // RFC 5280 6.1.3 (a)(2): the certificate validity period includes the current time.
        const asn1::UnixTime t = asn1::to_unix_time(m_time);
        if (t < c.not_before_exact()) return Failure{Errc::x509_path_not_yet_valid, i, "not valid before notBefore"};
        if (t > c.not_after_exact()) return Failure{Errc::x509_path_expired, i, "expired (after notAfter)"};
        return std::nullopt;
    }

    bool known_critical(const asn1::Oid& oid) const {
        return Extensions::is_known(oid) ||
               std::find(m_opt.extra_known_critical.begin(), m_opt.extra_known_critical.end(), oid) !=
                   m_opt.extra_known_critical.end();
    }

    // Checks on a certificate of the path that do not depend on its issuer.
    std::optional<Failure> check_certificate(const Certificate& c, std::size_t i) const {
        if (auto f = check_validity(c, i)) return f;
        const Extensions& ex = c.extensions();
        // Lenient parsing kept known extensions that did not decode; their meaning is unknown.
        if (!ex.decode_errors().empty())
            return Failure{Errc::x509_path_bad_extension, i, ex.decode_errors().front().to_string()};
        // RFC 5280 4.2 / 6.1.4 (o): an unrecognised critical extension rejects the certificate.
        for (const auto& e : ex.list())
            if (e.critical && !known_critical(e.oid))
                return Failure{Errc::x509_path_unknown_critical, i,
                               "unrecognised critical extension " + asn1::oid_display(e.oid)};
        if (i > 0) {
            if (auto f = check_issuer_role(c, i)) return f;
        }
        return std::nullopt;
    }

    // Constraints on a certificate that issues the next one down.
    static std::optional<Failure> check_issuer_role(const Certificate& c, std::size_t i) {
        const Extensions& ex = c.extensions();
        // RFC 5280 6.1.4 (k): basicConstraints present and cA TRUE (v1/v2 CA certificates are
        // not accepted as intermediates).
        if (!ex.basic_constraints() || !ex.basic_constraints()->ca)
            return Failure{Errc::x509_path_not_ca, i, "issues a certificate but is not a CA (basicConstraints cA)"};
        // RFC 5280 6.1.4 (n): keyUsage, when present, asserts keyCertSign.
        if (ex.key_usage() && !ex.key_usage()->has(KeyUsageBit::key_cert_sign))
            return Failure{Errc::x509_path_bad_key_usage, i, "keyUsage lacks keyCertSign"};
        return std::nullopt;
    }

    // RFC 5280 6.1.4 (l)(m): a CA's pathLenConstraint bounds the non-self-issued intermediate
    // certificates below it. `chain` = leaf, intermediates...; the anchor when enforced is index n.
    std::optional<Failure> check_path_len(const std::vector<Certificate>& chain, const Certificate& anchor) const {
        auto below = [&](std::size_t j) {
            std::size_t n = 0;
            for (std::size_t k = 1; k < j; ++k)
                if (!chain[k].is_self_issued()) ++n;
            return n;
        };
        for (std::size_t j = 1; j < chain.size(); ++j) {
            const auto& bc = chain[j].extensions().basic_constraints();
            if (bc && bc->path_len && below(j) > *bc->path_len)
                return Failure{Errc::x509_path_len_exceeded, j,
                               "pathLenConstraint " + std::to_string(*bc->path_len) + " exceeded by " +
                                   std::to_string(below(j)) + " intermediate CA(s)"};
        }
        if (m_opt.check_anchor_constraints) {
            const auto& bc = anchor.extensions().basic_constraints();
            const std::size_t n = chain.size();
            if (bc && bc->path_len && below(n) > *bc->path_len)
                return Failure{Errc::x509_path_len_exceeded, n,
                               "trust anchor pathLenConstraint " + std::to_string(*bc->path_len) + " exceeded"};
        }
        return std::nullopt;
    }

    static bool key_ids_compatible(const Certificate& child, const Certificate& candidate) {
        const auto& aki = child.extensions().authority_key_identifier();
        const auto& ski = candidate.extensions().subject_key_identifier();
        if (aki && aki->key_id && ski) return *aki->key_id == *ski;
        return true;
    }

    static bool is_issuer_candidate(const Certificate& child, const Certificate& candidate) {
        // RFC 5280 6.1.4 (a)(4) name chaining, names compared per 7.1.
        return child.issuer() == candidate.subject() && key_ids_compatible(child, candidate);
    }

    std::optional<Failure> check_signature(const Certificate& c, const Certificate& issuer, std::size_t i) {
        if (++m_signature_checks > m_opt.max_signature_checks) {
            m_budget_exhausted = true;
            return Failure{Errc::x509_path_search_limit, i,
                           "more than " + std::to_string(m_opt.max_signature_checks) + " signature checks"};
        }
        // The signer ID applies to every certificate, not only the leaf (gm-and-seal-formats §6.3).
        Status s = c.verify_signature_with(issuer.public_key_info(), m_opt.sm2_id);
        if (s.ok()) return std::nullopt;
        return Failure{Errc::x509_path_signature_invalid, i,
                       "signature by " + issuer.subject().to_string() + " does not verify: " + s.error().to_string()};
    }

    bool try_anchor(std::vector<Certificate>& chain, const Certificate& anchor) {
        const std::size_t i = chain.size() - 1;
        const std::size_t anchor_index = chain.size();
        if (auto f = check_signature(chain.back(), anchor, i)) {
            record(*f, chain);
            return false;
        }
        if (m_opt.check_anchor_validity) {
            if (auto f = check_validity(anchor, anchor_index)) {
                f->message = "trust anchor " + f->message;
                record(*f, chain, true);
                return false;
            }
        }
        if (m_opt.check_anchor_constraints) {
            if (auto f = check_issuer_role(anchor, anchor_index)) {
                record(*f, chain, true);
                return false;
            }
        }
        if (auto f = check_path_len(chain, anchor)) {
            record(*f, chain, true);
            return false;
        }
        if (m_opt.revocation) {
            for (std::size_t k = 0; k < chain.size(); ++k) {
                const Certificate& issuer = k + 1 < chain.size() ? chain[k + 1] : anchor;
                Status s = m_opt.revocation(chain[k], issuer, k);
                if (!s.ok()) {
                    record(Failure{s.code(), k, s.error().message}, chain, true);
                    return false;
                }
            }
        }
        m_success = PathResult{};
        m_success.path = chain;
        m_success.anchor = anchor;
        return true;
    }

    bool search(std::vector<Certificate>& chain) {
        const std::size_t i = chain.size() - 1;
        // chain[i] is re-read after every push_back: the vector may reallocate.
        if (auto f = check_certificate(chain[i], i)) {
            record(*f, chain);
            return false;
        }
        bool any_candidate = false;
        for (const auto& a : m_anchors) {
            if (m_budget_exhausted) return false;
            if (!is_issuer_candidate(chain[i], a)) continue;
            any_candidate = true;
            if (try_anchor(chain, a)) return true;
        }
        for (const auto& c : m_intermediates) {
            if (m_budget_exhausted) return false;
            if (!is_issuer_candidate(chain[i], c)) continue;
            // Already in the path (loops), or a trust anchor (tried above, as an anchor).
            if (std::any_of(chain.begin(), chain.end(), [&](const Certificate& x) { return x == c; })) continue;
            if (std::any_of(m_anchors.begin(), m_anchors.end(), [&](const Certificate& x) { return x == c; })) continue;
            any_candidate = true;
            if (chain.size() >= m_opt.max_path_length) {
                record(Failure{Errc::x509_path_too_long, i,
                               "issuer would make the path longer than " + std::to_string(m_opt.max_path_length) +
                                   " certificates"},
                       chain);
                continue;
            }
            if (auto f = check_signature(chain[i], c, i)) {
                record(*f, chain);
                continue;
            }
            chain.push_back(c);
            if (search(chain)) return true;
            chain.pop_back();
        }
        if (!any_candidate)
            record(Failure{Errc::x509_path_no_issuer, i, "no issuer named " + chain[i].issuer().to_string()}, chain);
        return false;
    }

    const std::vector<Certificate>& m_intermediates;
    const std::vector<Certificate>& m_anchors;
    TimePoint m_time;
    const PathOptions& m_opt;
    std::size_t m_signature_checks = 0;
    bool m_budget_exhausted = false;
    std::optional<Failure> m_best;
    std::size_t m_best_rank = 0;
    std::vector<Certificate> m_best_chain;
    PathResult m_success;
};

}  // namespace

Status PathResult::status() const {
    if (ok()) return ok_status();
    std::string who;
    if (index < path.size()) {
        who = "certificate " + std::to_string(index) + " (" + path[index].subject().to_string() + ")";
    } else {
        who = "trust anchor";
    }
    return make_error(code, who + ": " + message);
}

PathResult validate_path(const Certificate& leaf, const std::vector<Certificate>& intermediates,
                         const std::vector<Certificate>& trust_anchors, TimePoint time, const PathOptions& options) {
    PathBuilder b(intermediates, trust_anchors, time, options);
    return b.run(leaf);
}

}  // namespace yinxin::x509
