// libFuzzer harness for x509::Name: the input as a DER Name under the strict and lenient options
// (accessors, RFC 4514 output, re-parse and rebuild invariants in x509_checks.h), and as text for
// Name::build, which takes attribute labels and values from requests and configuration. Yinxin has
// no RFC 4514 string parser (name.h prints RFC 4514 only); the builder is the text entry point.
//
// Text form for the builder: lines "label=value"; a line starting with '+' joins the previous RDN
// (a multi-valued RDN, built with build_rdns).
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "driver.h"
#include "x509_checks.h"
#include "yinxin/x509/name.h"

namespace yinxin::fuzz {
namespace {

void build_from_text(std::string_view text) {
    std::vector<std::pair<std::string, std::string>> flat;
    std::vector<std::vector<x509::NameAttribute>> rdns;
    bool labels_known = true;
    while (!text.empty()) {
        std::size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        bool join = !line.empty() && line.front() == '+';
        if (join) line.remove_prefix(1);
        std::size_t eq = line.find('=');
        if (eq == std::string_view::npos) continue;
        std::string label(line.substr(0, eq));
        std::string value(line.substr(eq + 1));
        flat.emplace_back(label, value);
        auto type = x509::name_attribute_from_label(label);
        if (!type) {
            labels_known = false;
            continue;
        }
        if (join && !rdns.empty())
            rdns.back().push_back({*type, value, std::nullopt});
        else
            rdns.push_back({{*type, value, std::nullopt}});
        if (flat.size() > 64) break;
    }
    const auto strict = x509::ParseOptions::strict();
    if (auto n = x509::Name::build(flat); n.ok()) {
        check(n->rdns().size() == flat.size(), "one RDN per attribute");
        walk_name(*n, strict);
    }
    if (labels_known && !rdns.empty())
        if (auto n = x509::Name::build_rdns(rdns); n.ok()) walk_name(*n, strict);
}

}  // namespace

void fuzz_one(BytesView in) {
    const auto strict = x509::ParseOptions::strict();
    const auto lenient = x509::ParseOptions::relaxed();
    auto s = x509::Name::parse(in, strict);
    if (s.ok()) {
        walk_name(*s, strict);
        check(same(s->der(), in), "a strictly parsed Name keeps exactly its input");
    }
    auto l = x509::Name::parse(in, lenient);
    if (s.ok()) check(l.ok() && *l == *s, "lenient accepts what strict accepts");
    if (l.ok()) walk_name(*l, lenient);

    if (in.size() <= 4096) build_from_text(as_text(in));
}

}  // namespace yinxin::fuzz
