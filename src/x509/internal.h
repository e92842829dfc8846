// Helpers shared by the x509 sources (not installed).
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "yinxin/asn1/reader.h"
#include "yinxin/asn1/tag.h"
#include "yinxin/asn1/writer.h"
#include "yinxin/base/error.h"
#include "yinxin/base/result.h"

namespace yinxin::x509::detail {

inline bool is_x509_code(Errc c) {
    const auto n = static_cast<std::uint32_t>(c);
    return n >= 4000 && n < 5000;
}

// Gives a lower-layer error (asn1.*, base.*) a stable x509 code, keeping its text; an error that
// already has an x509 code passes through.
inline Error relabel(Error e, Errc code, std::string_view what) {
    if (is_x509_code(e.code)) return e;
    std::string msg(what);
    msg += ": ";
    msg += e.to_string();
    return make_error(code, std::move(msg));
}

template <class T>
Result<T> relabel(Result<T>&& r, Errc code, std::string_view what) {
    if (r.ok()) return std::move(r);
    return relabel(std::move(r).error(), code, what);
}

inline Status relabel(Status&& s, Errc code, std::string_view what) {
    if (s.ok()) return s;
    return relabel(std::move(s).error(), code, what);
}

// YX_X509_TRY(code, what, expr): YX_TRY with the error relabelled.
#define YX_X509_TRY(code, what, expr)                                                                            \
    do {                                                                                                         \
        auto&& yx_x509_r_ = (expr);                                                                              \
        if (!yx_x509_r_.ok()) return ::yinxin::x509::detail::relabel(std::move(yx_x509_r_).error(), code, what); \
    } while (false)

#define YX_X509_ASSIGN(lhs, code, what, expr) \
    YX_X509_ASSIGN_IMPL_(YX_CONCAT_(yx_x509_tmp_, __LINE__), lhs, code, what, expr)
#define YX_X509_ASSIGN_IMPL_(tmp, lhs, code, what, expr)                                       \
    auto tmp = (expr);                                                                         \
    if (!tmp.ok()) return ::yinxin::x509::detail::relabel(std::move(tmp).error(), code, what); \
    lhs = std::move(tmp).value()

// Writes a character string of the given universal type (UTF8String, PrintableString, IA5String,
// VisibleString, NumericString, BMPString). A value outside the type's character set, or another
// tag, is base.invalid_argument and nothing is written.
Status write_string(asn1::Writer& w, asn1::Tag tag, std::string_view value);
bool is_string_tag(asn1::Tag tag);

// Extensions ::= SEQUENCE OF Extension (the CRL, CRL entry and OCSP lists), each handed to
// `on(oid, critical, value)` → Status. Malformed entries are x509.bad_extension.
template <class F>
Status each_extension(const asn1::Element& seq, F&& on) {
    asn1::Reader r = seq.children();
    while (!r.at_end()) {
        YX_X509_ASSIGN(asn1::Element ext, Errc::x509_bad_extension, "Extension", r.read_sequence());
        asn1::Reader e = ext.children();
        YX_X509_ASSIGN(asn1::Oid oid, Errc::x509_bad_extension, "extnID", e.read_oid());
        bool critical = false;
        if (e.next_is(asn1::tags::boolean)) {
            YX_X509_ASSIGN(critical, Errc::x509_bad_extension, "critical", e.read_boolean());
        }
        YX_X509_ASSIGN(BytesView value, Errc::x509_bad_extension, "extnValue", e.read_octet_string());
        YX_X509_TRY(Errc::x509_bad_extension, "Extension", e.expect_end());
        YX_TRY(on(oid, critical, value));
    }
    return ok_status();
}

}  // namespace yinxin::x509::detail
