// OFD signing (see ofd_sign.h).
#include "yinxin/seal/ofd_sign.h"

#include <pugixml.hpp>

#include <algorithm>
#include <cstdio>

#include "yinxin/crypto/sm3.h"

namespace yinxin::seal {
namespace {

Error bad_request(std::string m) { return make_error(Errc::seal_bad_request, std::move(m)); }

std::string_view local_name(const pugi::xml_node& n) {
    std::string_view s = n.name();
    const auto p = s.find(':');
    return p == std::string_view::npos ? s : s.substr(p + 1);
}

pugi::xml_node child(const pugi::xml_node& parent, std::string_view name) {
    for (auto c : parent.children()) {
        if (c.type() == pugi::node_element && local_name(c) == name) return c;
    }
    return {};
}

// GB/T 33190 §7.5 Document.xml: Pages/Page[@ID]. StampAnnot PageRef is the page object's ID, not
// its index (h.ofd: PageRef="1", "21", "43" ...).
Result<std::string> page_id(const ofd::Package& package, const std::string& document_xml, std::size_t index) {
    YX_ASSIGN_OR_RETURN(auto xml, package.get(document_xml));
    if (xml.size() > package.limits().max_xml_size) {
        return make_error(Errc::ofd_bad_xml, document_xml + " is larger than the XML limit");
    }
    pugi::xml_document doc;
    if (!doc.load_buffer(xml.data(), xml.size(), pugi::parse_default, pugi::encoding_auto)) {
        return make_error(Errc::ofd_bad_xml, document_xml + " does not parse");
    }
    std::size_t i = 0;
    for (auto p : child(doc.document_element(), "Pages").children()) {
        if (p.type() != pugi::node_element || local_name(p) != "Page") continue;
        if (i++ == index) {
            std::string id = p.attribute("ID").as_string();
            if (id.empty()) return make_error(Errc::ofd_bad_structure, document_xml + ": Page without ID");
            return id;
        }
    }
    return bad_request("page index " + std::to_string(index) + " out of range: the document has " + std::to_string(i) +
                       " page(s)");
}

// The trailing number of an ID ("s006" → 6); 0 when none.
unsigned long long id_number(std::string_view id) {
    std::size_t p = id.size();
    while (p > 0 && id[p - 1] >= '0' && id[p - 1] <= '9') --p;
    const std::string_view digits = id.substr(p, std::min<std::size_t>(id.size() - p, 12));
    unsigned long long n = 0;
    for (char c : digits) n = n * 10 + static_cast<unsigned long long>(c - '0');
    return n;
}

std::string make_id(unsigned long long n) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "s%03llu", n);
    return buf;
}

// "2025-01-01T00:00:00Z" → "20250101000000Z" (the GeneralizedTime form the tax invoices write).
std::string signature_date_time(TimePoint t) {
    std::string out;
    for (char c : format_rfc3339(t)) {
        if (c != '-' && c != ':' && c != 'T') out += c;
    }
    return out;
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

}  // namespace

Result<OfdSignResult> sign_ofd(const ofd::Package& input, const OfdSignRequest& request, const SignCallback& sign) {
    auto seal = Seal::parse(request.seal);
    if (!seal) return bad_request("the seal does not parse: " + seal.error().to_string());
    YX_ASSIGN_OR_RETURN(auto docs, ofd::read_ofd_xml(input));
    if (request.doc_index >= docs.size()) {
        return bad_request("document index " + std::to_string(request.doc_index) + " out of range");
    }
    const ofd::DocBody& doc = docs[request.doc_index];
    ofd::Package pkg = input;

    // 1. The signature list: where it is, or where it will be (Doc_N/Signs/Signatures.xml).
    std::string list_path;
    if (doc.signatures) {
        list_path = *doc.signatures;
    } else {
        const std::string doc_dir = ofd::parent_dir(doc.doc_root);
        list_path = (doc_dir.empty() ? std::string() : doc_dir + "/") + "Signs/Signatures.xml";
        YX_ASSIGN_OR_RETURN(auto ofd_xml, pkg.get("OFD.xml"));
        YX_ASSIGN_OR_RETURN(auto new_ofd_xml,
                            ofd::set_signatures_location(ofd_xml, request.doc_index, list_path, pkg.limits()));
        YX_TRY(pkg.put("OFD.xml", to_bytes(new_ofd_xml)));
    }
    Bytes old_list;
    unsigned long long last_id = 0;
    if (pkg.contains(list_path)) {
        YX_ASSIGN_OR_RETURN(auto v, pkg.get(list_path));
        old_list.assign(v.begin(), v.end());
        YX_ASSIGN_OR_RETURN(auto list, ofd::parse_signature_list(old_list, list_path, pkg.limits()));
        last_id = id_number(list.max_sign_id);
        for (const auto& e : list.signatures) last_id = std::max(last_id, id_number(e.id));
    }
    const std::string id = make_id(last_id + 1);

    // 2. A fresh Sign_N directory next to the list.
    const std::string signs_dir = ofd::parent_dir(list_path);
    const std::string signs_prefix = signs_dir.empty() ? std::string() : signs_dir + "/";
    std::string sign_dir;
    for (std::size_t n = 0;; ++n) {
        sign_dir = signs_prefix + "Sign_" + std::to_string(n) + "/";
        const bool used = std::any_of(pkg.entries().begin(), pkg.entries().end(),
                                      [&](const ofd::Entry& e) { return starts_with(e.name, sign_dir); });
        if (!used) break;
    }

    ofd::SignatureFile file;
    file.path = sign_dir + "Signature.xml";
    file.provider = {request.provider_name, request.provider_version, "Yinxin"};
    file.signature_method = "1.2.156.10197.1.501";  // SM2 with SM3 (GM/T 0006)
    file.signature_date_time = signature_date_time(request.time);
    file.check_method = ofd::DigestMethod::sm3;
    file.check_method_raw = "1.2.156.10197.1.401";
    file.seal = sign_dir + "Seal.esl";
    file.signed_value = sign_dir + "SignedValue.dat";
    if (request.stamp) {
        YX_ASSIGN_OR_RETURN(auto pid, page_id(pkg, doc.doc_root, request.stamp->page_index));
        const auto& b = request.stamp->boundary;
        if (!(b.width > 0 && b.height > 0)) return bad_request("stamp width and height must be positive");
        file.stamp_annots.push_back({id + "_1", pid, b, std::nullopt});
    }

    // 3. References: every file except the list and this signature's own files (ofd_sign.h).
    for (const auto& e : pkg.entries()) {
        if (e.name == list_path || starts_with(e.name, sign_dir)) continue;
        ofd::Reference r;
        r.path = e.name;
        r.check_value = ofd::digest(ofd::DigestMethod::sm3, e.data);
        r.check_value_base64 = base64_encode(r.check_value);
        file.references.push_back(std::move(r));
    }
    const std::string xml = ofd::write_signature_file(file);
    const auto xml_digest = crypto::sm3(as_bytes(xml));

    // 4. SES_Signature over SM3(Signature.xml) (GB/T 38540 §1.5 / ofdrw: dataHash).
    SignatureRequest sr;
    sr.seal = request.seal;
    sr.time = request.time;
    sr.data_hash.assign(xml_digest.begin(), xml_digest.end());
    sr.property_info = ofd::absolute(file.path);
    sr.signer_certificate = request.signer_certificate;
    sr.time_stamp = request.time_stamp;
    YX_ASSIGN_OR_RETURN(auto value, make_signature(sr, sign));

    YX_TRY(pkg.put(*file.seal, request.seal));
    YX_TRY(pkg.put(file.path, to_bytes(xml)));
    YX_TRY(pkg.put(file.signed_value, std::move(value)));
    ofd::SignatureListEntry entry;
    entry.id = id;
    entry.type = ofd::SignatureType::seal;
    entry.base_loc_raw = ofd::absolute(file.path);
    entry.base_loc = file.path;
    YX_ASSIGN_OR_RETURN(auto list_xml, ofd::add_to_signature_list(old_list, entry, pkg.limits()));
    YX_TRY(pkg.put(list_path, to_bytes(list_xml)));
    return OfdSignResult{std::move(pkg), file.path, id};
}

Result<Bytes> sign_ofd(BytesView package_zip, const OfdSignRequest& request, const SignCallback& sign) {
    YX_ASSIGN_OR_RETURN(auto pkg, ofd::Package::read(package_zip));
    YX_ASSIGN_OR_RETURN(auto signed_pkg, sign_ofd(pkg, request, sign));
    return signed_pkg.package.write();
}

}  // namespace yinxin::seal
