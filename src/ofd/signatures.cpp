#include "yinxin/ofd/signatures.h"

#include <openssl/evp.h>
#include <pugixml.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>
#include <utility>

#include "yinxin/crypto/sm3.h"

namespace yinxin::ofd {

namespace {

constexpr const char* k_ofd_ns = "http://www.ofdspec.org/2016";

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

std::vector<pugi::xml_node> children(const pugi::xml_node& parent, std::string_view name) {
    std::vector<pugi::xml_node> out;
    for (auto c : parent.children()) {
        if (c.type() == pugi::node_element && local_name(c) == name) out.push_back(c);
    }
    return out;
}

std::string trim(std::string_view s) {
    auto sp = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
    while (!s.empty() && sp(s.front())) s.remove_prefix(1);
    while (!s.empty() && sp(s.back())) s.remove_suffix(1);
    return std::string(s);
}

std::string text(const pugi::xml_node& n) { return n ? trim(n.text().get()) : std::string(); }

// An attribute by local name (prefixes on attributes are rare but legal).
std::string attr(const pugi::xml_node& n, std::string_view name) {
    for (auto a : n.attributes()) {
        std::string_view an = a.name();
        const auto p = an.find(':');
        if (p != std::string_view::npos) an = an.substr(p + 1);
        if (an == name) return trim(a.value());
    }
    return {};
}

Status load(pugi::xml_document& doc, BytesView xml, std::string_view path, const ReadLimits& limits) {
    if (xml.size() > limits.max_xml_size) {
        return make_error(Errc::ofd_bad_xml, absolute(path) + " is larger than the XML size limit");
    }
    // No parse_doctype / entity expansion: pugixml never resolves external or custom entities.
    const auto r = doc.load_buffer(xml.data(), xml.size(), pugi::parse_default, pugi::encoding_auto);
    if (!r) {
        return make_error(Errc::ofd_bad_xml,
                          absolute(path) + ": " + r.description() + " at offset " + std::to_string(r.offset));
    }
    return ok_status();
}

Error structure_error(std::string_view path, const std::string& why) {
    return make_error(Errc::ofd_bad_structure, absolute(path) + ": " + why);
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

std::optional<DigestMethod> check_method_from(const std::string& raw) {
    const std::string m = lower(raw);
    // gm-and-seal-formats §1.5: "1.2.156.10197.1.401", "SM3" and "...401.2" are all seen.
    if (m.empty() || m == "sm3" || m == "1.2.156.10197.1.401" || m == "1.2.156.10197.1.401.1" ||
        m == "1.2.156.10197.1.401.2") {
        return DigestMethod::sm3;
    }
    if (m == "sha256" || m == "sha-256" || m == "2.16.840.1.101.3.4.2.1") return DigestMethod::sha256;
    return std::nullopt;
}

Result<Boundary> parse_box(std::string_view s, std::string_view path) {
    Boundary b;
    double* fields[] = {&b.x, &b.y, &b.width, &b.height};
    const char* p = s.data();
    const char* end = s.data() + s.size();
    for (double* f : fields) {
        while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) ++p;
        auto r = std::from_chars(p, end, *f);
        if (r.ec != std::errc()) return structure_error(path, "bad box \"" + std::string(s) + "\"");
        p = r.ptr;
    }
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) ++p;
    if (p != end) return structure_error(path, "bad box \"" + std::string(s) + "\"");
    return b;
}

struct StringWriter : pugi::xml_writer {
    std::string out;
    void write(const void* data, size_t size) override { out.append(static_cast<const char*>(data), size); }
};

std::string save(const pugi::xml_document& doc) {
    StringWriter w;
    doc.save(w, "", pugi::format_raw, pugi::encoding_utf8);
    return std::move(w.out);
}

void add_declaration(pugi::xml_document& doc) {
    auto decl = doc.prepend_child(pugi::node_declaration);
    decl.append_attribute("version") = "1.0";
    decl.append_attribute("encoding") = "UTF-8";
}

std::string format_number(double v) {
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, r.ptr);
}

std::string format_box(const Boundary& b) {
    return format_number(b.x) + " " + format_number(b.y) + " " + format_number(b.width) + " " + format_number(b.height);
}

// The prefix of the root element ("ofd" in every producer), reused for new children.
std::string prefix_of(const pugi::xml_node& n) {
    std::string_view s = n.name();
    const auto p = s.find(':');
    return p == std::string_view::npos ? std::string() : std::string(s.substr(0, p + 1));
}

}  // namespace

Result<std::vector<DocBody>> read_ofd_xml(const Package& package) {
    YX_ASSIGN_OR_RETURN(BytesView xml, package.get("OFD.xml"));
    pugi::xml_document doc;
    YX_TRY(load(doc, xml, "OFD.xml", package.limits()));
    auto root = doc.document_element();
    if (local_name(root) != "OFD") return structure_error("OFD.xml", "root element is not OFD");
    std::vector<DocBody> out;
    for (auto body : children(root, "DocBody")) {
        DocBody d;
        d.doc_root_raw = text(child(body, "DocRoot"));
        if (d.doc_root_raw.empty()) return structure_error("OFD.xml", "DocBody without DocRoot");
        // GB/T 33190 §7.4: paths in OFD.xml are relative to the package root.
        YX_ASSIGN_OR_RETURN(d.doc_root, resolve_path(d.doc_root_raw));
        auto sigs = child(body, "Signatures");
        if (sigs) {
            d.signatures_raw = text(sigs);
            YX_ASSIGN_OR_RETURN(auto p, resolve_path(*d.signatures_raw));
            d.signatures = std::move(p);
        }
        out.push_back(std::move(d));
    }
    if (out.empty()) return structure_error("OFD.xml", "no DocBody");
    return out;
}

Result<SignatureList> parse_signature_list(BytesView xml, std::string_view list_path, const ReadLimits& limits) {
    pugi::xml_document doc;
    YX_TRY(load(doc, xml, list_path, limits));
    auto root = doc.document_element();
    if (local_name(root) != "Signatures") return structure_error(list_path, "root element is not Signatures");
    SignatureList list;
    list.path = std::string(list_path);
    const std::string dir = parent_dir(list_path);
    for (auto c : root.children()) {
        if (c.type() != pugi::node_element) continue;
        if (local_name(c) == "MaxSignId") {
            list.max_sign_id = text(c);
        } else if (local_name(c) == "Signature") {
            SignatureListEntry e;
            e.id = attr(c, "ID");
            const std::string type = attr(c, "Type");
            if (type.empty() || type == "Seal") {
                e.type = SignatureType::seal;
            } else if (type == "Sign") {
                e.type = SignatureType::sign;
            } else {
                return structure_error(list_path, "unknown signature Type \"" + type + "\"");
            }
            e.base_loc_raw = attr(c, "BaseLoc");
            if (e.base_loc_raw.empty()) return structure_error(list_path, "Signature without BaseLoc");
            // Absolute, or relative to the list's directory (Koal: "Sign_0/Signature.xml").
            YX_ASSIGN_OR_RETURN(e.base_loc, resolve_path(e.base_loc_raw, dir));
            list.signatures.push_back(std::move(e));
        }
    }
    return list;
}

Result<SignatureFile> parse_signature_file(BytesView xml, std::string_view path, const ReadLimits& limits) {
    pugi::xml_document doc;
    YX_TRY(load(doc, xml, path, limits));
    auto root = doc.document_element();
    if (local_name(root) != "Signature") return structure_error(path, "root element is not Signature");
    SignatureFile s;
    s.path = std::string(path);
    const std::string dir = parent_dir(path);
    auto info = child(root, "SignedInfo");
    if (!info) return structure_error(path, "no SignedInfo");

    if (auto p = child(info, "Provider")) {
        s.provider.name = attr(p, "ProviderName");
        s.provider.version = attr(p, "Version");
        s.provider.company = attr(p, "Company");
        // dms360 iOFD writes them as child elements.
        if (s.provider.name.empty()) s.provider.name = text(child(p, "ProviderName"));
        if (s.provider.version.empty()) s.provider.version = text(child(p, "Version"));
        if (s.provider.company.empty()) s.provider.company = text(child(p, "Company"));
    }
    s.signature_method = text(child(info, "SignatureMethod"));
    s.signature_date_time = text(child(info, "SignatureDateTime"));
    if (auto refs = child(info, "References")) {
        s.check_method_raw = attr(refs, "CheckMethod");
        s.check_method = check_method_from(s.check_method_raw);
        for (auto r : children(refs, "Reference")) {
            Reference ref;
            ref.file_ref_raw = attr(r, "FileRef");
            if (ref.file_ref_raw.empty()) return structure_error(path, "Reference without FileRef");
            // GB/T 33190 §18.2.2: FileRef is an absolute package path; "//Doc_0/..." (Koal) and a
            // relative path are taken from the root.
            YX_ASSIGN_OR_RETURN(ref.path, resolve_path(ref.file_ref_raw));
            ref.check_value_base64 = text(child(r, "CheckValue"));
            auto v = base64_decode(ref.check_value_base64);
            if (v.ok()) ref.check_value = std::move(*v);
            s.references.push_back(std::move(ref));
        }
    }
    for (auto a : children(info, "StampAnnot")) {
        StampAnnot sa;
        sa.id = attr(a, "ID");
        sa.page_ref = attr(a, "PageRef");
        YX_ASSIGN_OR_RETURN(sa.boundary, parse_box(attr(a, "Boundary"), path));
        const std::string clip = attr(a, "Clip");
        if (!clip.empty()) {
            YX_ASSIGN_OR_RETURN(auto c, parse_box(clip, path));
            sa.clip = c;
        }
        s.stamp_annots.push_back(std::move(sa));
    }
    if (auto seal = child(info, "Seal")) {
        const std::string loc = text(child(seal, "BaseLoc"));
        if (!loc.empty()) {
            s.seal_raw = loc;
            YX_ASSIGN_OR_RETURN(auto p, resolve_path(loc, dir));
            s.seal = std::move(p);
        }
    }
    s.signed_value_raw = text(child(root, "SignedValue"));
    if (s.signed_value_raw.empty()) return structure_error(path, "no SignedValue");
    // testImageNotFound.ofd writes "SignedValue.dat": relative to the Signature.xml directory.
    YX_ASSIGN_OR_RETURN(s.signed_value, resolve_path(s.signed_value_raw, dir));
    return s;
}

Result<std::vector<DocumentSignature>> read_signatures(const Package& package) {
    YX_ASSIGN_OR_RETURN(auto bodies, read_ofd_xml(package));
    std::vector<DocumentSignature> out;
    for (std::size_t i = 0; i < bodies.size(); ++i) {
        if (!bodies[i].signatures) continue;
        YX_ASSIGN_OR_RETURN(BytesView list_xml, package.get(*bodies[i].signatures));
        YX_ASSIGN_OR_RETURN(auto list, parse_signature_list(list_xml, *bodies[i].signatures, package.limits()));
        for (auto& e : list.signatures) {
            YX_ASSIGN_OR_RETURN(BytesView sig_xml, package.get(e.base_loc));
            YX_ASSIGN_OR_RETURN(auto file, parse_signature_file(sig_xml, e.base_loc, package.limits()));
            out.push_back(DocumentSignature{i, std::move(e), std::move(file)});
        }
    }
    return out;
}

Bytes digest(DigestMethod method, BytesView data) {
    if (method == DigestMethod::sm3) {
        const auto d = crypto::sm3(data);
        return Bytes(d.begin(), d.end());
    }
    Bytes out(32);
    unsigned int len = 0;
    if (EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr) != 1 || len != 32) {
        return {};  // OpenSSL without SHA-256 is a broken installation; an empty digest never matches
    }
    return out;
}

bool ReferenceCheck::all_valid() const {
    return std::all_of(results.begin(), results.end(),
                       [](const auto& r) { return r.status == ReferenceStatus::valid; });
}

std::vector<std::string> ReferenceCheck::failed_paths() const {
    std::vector<std::string> out;
    for (const auto& r : results) {
        if (r.status != ReferenceStatus::valid) out.push_back(absolute(r.path));
    }
    return out;
}

ReferenceCheck check_references(const Package& package, const SignatureFile& signature) {
    ReferenceCheck check;
    for (const auto& ref : signature.references) {
        ReferenceResult r;
        r.path = ref.path;
        r.file_ref_raw = ref.file_ref_raw;
        if (!signature.check_method) {
            r.status = ReferenceStatus::unsupported_method;
        } else if (ref.check_value.empty()) {
            r.status = ReferenceStatus::bad_check_value;
        } else if (auto data = package.get(ref.path); !data.ok()) {
            r.status = ReferenceStatus::missing;
        } else {
            r.status = digest(*signature.check_method, *data) == ref.check_value ? ReferenceStatus::valid
                                                                                 : ReferenceStatus::mismatch;
        }
        check.results.push_back(std::move(r));
    }
    return check;
}

// ------------------------------------------------------------------------------------------------

std::string write_signature_file(const SignatureFile& s) {
    pugi::xml_document doc;
    add_declaration(doc);
    auto root = doc.append_child("ofd:Signature");
    root.append_attribute("xmlns:ofd") = k_ofd_ns;
    auto info = root.append_child("ofd:SignedInfo");
    auto provider = info.append_child("ofd:Provider");
    provider.append_attribute("ProviderName") = s.provider.name.c_str();
    if (!s.provider.version.empty()) provider.append_attribute("Version") = s.provider.version.c_str();
    if (!s.provider.company.empty()) provider.append_attribute("Company") = s.provider.company.c_str();
    if (!s.signature_method.empty()) info.append_child("ofd:SignatureMethod").text() = s.signature_method.c_str();
    if (!s.signature_date_time.empty()) {
        info.append_child("ofd:SignatureDateTime").text() = s.signature_date_time.c_str();
    }
    auto refs = info.append_child("ofd:References");
    std::string method = s.check_method_raw;
    if (method.empty()) {
        method = s.check_method == DigestMethod::sha256 ? "2.16.840.1.101.3.4.2.1" : "1.2.156.10197.1.401";
    }
    refs.append_attribute("CheckMethod") = method.c_str();
    for (const auto& r : s.references) {
        auto ref = refs.append_child("ofd:Reference");
        const std::string loc = r.file_ref_raw.empty() ? absolute(r.path) : r.file_ref_raw;
        ref.append_attribute("FileRef") = loc.c_str();
        const std::string v = r.check_value_base64.empty() ? base64_encode(r.check_value) : r.check_value_base64;
        ref.append_child("ofd:CheckValue").text() = v.c_str();
    }
    for (const auto& a : s.stamp_annots) {
        auto sa = info.append_child("ofd:StampAnnot");
        sa.append_attribute("ID") = a.id.c_str();
        sa.append_attribute("PageRef") = a.page_ref.c_str();
        sa.append_attribute("Boundary") = format_box(a.boundary).c_str();
        if (a.clip) sa.append_attribute("Clip") = format_box(*a.clip).c_str();
    }
    if (s.seal || s.seal_raw) {
        const std::string loc = s.seal_raw ? *s.seal_raw : absolute(*s.seal);
        info.append_child("ofd:Seal").append_child("ofd:BaseLoc").text() = loc.c_str();
    }
    const std::string sv = s.signed_value_raw.empty() ? absolute(s.signed_value) : s.signed_value_raw;
    root.append_child("ofd:SignedValue").text() = sv.c_str();
    return save(doc);
}

Result<std::string> add_to_signature_list(BytesView existing_xml, const SignatureListEntry& entry,
                                          const ReadLimits& limits) {
    pugi::xml_document doc;
    pugi::xml_node root;
    std::string prefix = "ofd:";
    if (existing_xml.empty()) {
        add_declaration(doc);
        root = doc.append_child("ofd:Signatures");
        root.append_attribute("xmlns:ofd") = k_ofd_ns;
    } else {
        YX_TRY(load(doc, existing_xml, "Signatures.xml", limits));
        root = doc.document_element();
        if (local_name(root) != "Signatures")
            return structure_error("Signatures.xml", "root element is not Signatures");
        prefix = prefix_of(root);
    }
    // One MaxSignId, first (GB/T 33190 §18.1 order); h.ofd has several, all replaced by one.
    for (auto m : children(root, "MaxSignId")) root.remove_child(m);
    root.prepend_child((prefix + "MaxSignId").c_str()).text() = entry.id.c_str();
    auto sig = root.append_child((prefix + "Signature").c_str());
    sig.append_attribute("ID") = entry.id.c_str();
    sig.append_attribute("Type") = entry.type == SignatureType::sign ? "Sign" : "Seal";
    const std::string loc = entry.base_loc_raw.empty() ? absolute(entry.base_loc) : entry.base_loc_raw;
    sig.append_attribute("BaseLoc") = loc.c_str();
    return save(doc);
}

Result<std::string> set_signatures_location(BytesView ofd_xml, std::size_t doc_index, std::string_view list_path,
                                            const ReadLimits& limits) {
    pugi::xml_document doc;
    YX_TRY(load(doc, ofd_xml, "OFD.xml", limits));
    auto root = doc.document_element();
    if (local_name(root) != "OFD") return structure_error("OFD.xml", "root element is not OFD");
    auto bodies = children(root, "DocBody");
    if (doc_index >= bodies.size()) return structure_error("OFD.xml", "no DocBody " + std::to_string(doc_index));
    auto body = bodies[doc_index];
    // Existing signatures reference OFD.xml: never re-serialise it when nothing changes.
    if (child(body, "Signatures")) return to_string(ofd_xml);
    // GB/T 33190 §7.4 order: DocInfo, DocRoot, Versions, Signatures.
    auto node = body.append_child((prefix_of(root) + "Signatures").c_str());
    node.text() = absolute(list_path).c_str();
    return save(doc);
}

}  // namespace yinxin::ofd
