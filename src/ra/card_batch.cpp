// Third-generation social-security card certificates (LD/T 03-2022 §6.4.7): the input formats, the
// matching against the card-issuance data, and batch processing. See yinxin/ra/card_batch.h.
#include "yinxin/ra/card_batch.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "yinxin/crypto/sm2.h"
#include "yinxin/crypto/sm3.h"
#include "yinxin/ra/application.h"
#include "yinxin/x509/certificate.h"
#include "yinxin/x509/csr.h"
#include "yinxin/x509/public_key.h"

namespace yinxin::ra {

namespace {

constexpr std::string_view k_card_data_header = "card_number,id_number,name,division_code,org_node";
constexpr std::string_view k_batch_header = "card_number,id_number,name,public_key,pkcs10";
constexpr std::string_view k_result_header = "line,card_number,status,serial,certificate_or_error,message\n";
constexpr std::size_t k_max_name_chars = 64;  // X.520 ub-common-name: the name becomes the CN
constexpr std::size_t k_max_card_number = 32;
constexpr std::size_t k_result_page = 1000;

Error bad_request(std::string message) { return make_error(Errc::ra_bad_request, std::move(message)); }

Error at_line(std::int64_t line, const Error& e) {
    return make_error(e.code, "line " + std::to_string(line) + ": " + e.message);
}

template <class T>
Status status_of(const Result<T>& r) {
    if (r.ok()) return ok_status();
    return r.error();
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// Well-formed UTF-8 (no overlongs, no surrogates, at most U+10FFFF); counts code points.
std::optional<std::size_t> utf8_length(std::string_view s) {
    std::size_t n = 0;
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        std::size_t len = 0;
        std::uint32_t cp = 0;
        if (c < 0x80) {
            len = 1;
            cp = c;
        } else if ((c & 0xE0U) == 0xC0) {
            len = 2;
            cp = c & 0x1FU;
        } else if ((c & 0xF0U) == 0xE0) {
            len = 3;
            cp = c & 0x0FU;
        } else if ((c & 0xF8U) == 0xF0) {
            len = 4;
            cp = c & 0x07U;
        } else {
            return std::nullopt;
        }
        if (i + len > s.size()) return std::nullopt;
        for (std::size_t k = 1; k < len; ++k) {
            const auto cc = static_cast<unsigned char>(s[i + k]);
            if ((cc & 0xC0U) != 0x80) return std::nullopt;
            cp = (cp << 6U) | (cc & 0x3FU);
        }
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return std::nullopt;
        i += len;
        ++n;
    }
    return n;
}

// ---- field checks (messages name the field; the file parsers add the line) ----

Result<std::string> card_number_field(std::string_view raw) {
    std::string s(trim(raw));
    std::transform(s.begin(), s.end(), s.begin(), [](char c) { return c >= 'a' && c <= 'z' ? char(c - 32) : c; });
    if (s.empty()) return bad_request("card_number is empty");
    if (s.size() > k_max_card_number ||
        !std::all_of(s.begin(), s.end(), [](char c) { return is_digit(c) || (c >= 'A' && c <= 'Z'); }))
        return bad_request("card_number '" + std::string(raw.substr(0, 40)) +
                           "': 1..32 letters and digits (社会保障卡卡号)");
    return s;
}

// The form of a 公民身份号码; the check digit is judged separately (a batch fails the item only).
Result<std::string> id_number_field(std::string_view raw) {
    std::string s(trim(raw));
    if (!s.empty() && s.back() == 'x') s.back() = 'X';
    if (s.empty()) return bad_request("id_number is empty");
    if (s.size() != 18 || !std::all_of(s.begin(), s.end() - 1, is_digit) || !(is_digit(s.back()) || s.back() == 'X'))
        return bad_request("id_number: 18 characters, 17 digits and a check digit or X (GB 11643)");
    return s;
}

Result<std::string> name_field(std::string_view raw) {
    const std::string_view s = trim(raw);
    if (s.empty()) return bad_request("name is empty");
    auto n = utf8_length(s);
    if (!n) return bad_request("name is not UTF-8");
    if (*n > k_max_name_chars) return bad_request("name: more than 64 characters");
    if (std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7F; }))
        return bad_request("name contains a control character");
    return std::string(s);
}

Result<std::string> division_field(std::string_view raw) {
    const std::string_view s = trim(raw);
    if (s.size() != 6 || !std::all_of(s.begin(), s.end(), is_digit))
        return bad_request("division_code: 6 digits (GB/T 2260)");
    return std::string(s);
}

Result<std::string> org_node_field(std::string_view raw) {
    const std::string_view s = trim(raw);
    if (s.empty() || s.size() > 64 || !std::all_of(s.begin(), s.end(), [](char c) {
            return (c >= 'a' && c <= 'z') || is_digit(c) || c == '.' || c == '_' || c == '-';
        }))
        return bad_request("org_node: 1..64 of a-z, 0-9, '.', '_', '-'");
    return std::string(s);
}

// SM3 of the canonical SubjectPublicKeyInfo of an SM2 key (the same key always hashes the same,
// whichever of the two SM2 algorithm encodings the producer used); of the bytes as given otherwise.
std::string spki_fingerprint(BytesView spki_der) {
    auto spki = x509::SubjectPublicKeyInfo::parse(spki_der);
    if (spki && spki->is_sm2()) {
        auto key = spki->sm2_public_key();
        if (key) return hex_encode(crypto::sm3(key->spki_der()));
    }
    return hex_encode(crypto::sm3(spki_der));
}

// The key of an item: exactly one of public_key (base64 SPKI or hex point) and pkcs10 (base64).
Status key_fields(std::string_view public_key, std::string_view pkcs10, BatchItem& item) {
    public_key = trim(public_key);
    pkcs10 = trim(pkcs10);
    if (public_key.empty() == pkcs10.empty())
        return bad_request("give exactly one of public_key and pkcs10 (the card-generated signing key)");
    if (!public_key.empty()) {
        if (public_key.size() == 130 && public_key.substr(0, 2) == "04" &&
            std::all_of(public_key.begin(), public_key.end(), is_hex)) {
            item.key_kind = KeyKind::point;
            item.key_data = hex_decode(public_key).value();
            auto key = crypto::Sm2PublicKey::from_point(item.key_data);
            if (key) item.spki_sm3 = hex_encode(crypto::sm3(key->spki_der()));
        } else {
            auto der = base64_decode(public_key);
            if (!der || der->empty())
                return bad_request(
                    "public_key: neither base64 SubjectPublicKeyInfo DER nor a 04||X||Y point in 130 hex digits");
            item.key_kind = KeyKind::spki;
            item.key_data = std::move(der).value();
            item.spki_sm3 = spki_fingerprint(item.key_data);
        }
    } else {
        auto der = base64_decode(pkcs10);
        if (!der || der->empty()) return bad_request("pkcs10: not base64 (PKCS#10 DER)");
        item.key_kind = KeyKind::pkcs10;
        item.key_data = std::move(der).value();
        auto csr = x509::CertificationRequest::parse(item.key_data);
        if (csr) item.spki_sm3 = spki_fingerprint(csr->public_key_info().der());
    }
    if (item.key_data.size() > ca::k_max_csr_size) return bad_request("the key or PKCS#10 is larger than 64 KiB");
    return ok_status();
}

Result<BatchItem> make_item(std::string_view card, std::string_view id, std::string_view name,
                            std::string_view public_key, std::string_view pkcs10) {
    BatchItem item;
    YX_ASSIGN_OR_RETURN(item.card_number, card_number_field(card));
    YX_ASSIGN_OR_RETURN(item.id_number, id_number_field(id));
    YX_ASSIGN_OR_RETURN(item.name, name_field(name));
    YX_TRY(key_fields(public_key, pkcs10, item));
    return item;
}

// ---- lines and CSV ----

struct Line {
    std::int64_t number;
    std::string_view text;
};

// Lines without their end (LF or CRLF) and without a leading UTF-8 BOM; numbered from 1.
std::vector<Line> split_lines(std::string_view text) {
    if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
    std::vector<Line> out;
    std::int64_t n = 0;
    while (!text.empty()) {
        const auto nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        out.push_back({++n, line});
        if (nl == std::string_view::npos) break;
        text.remove_prefix(nl + 1);
    }
    return out;
}

bool blank(std::string_view s) { return trim(s).empty(); }

// One CSV record on one line (RFC 4180 quoting; a quoted field cannot span lines).
Result<std::vector<std::string>> split_csv(std::string_view line) {
    std::vector<std::string> out;
    std::size_t i = 0;
    for (;;) {
        std::string field;
        if (i < line.size() && line[i] == '"') {
            ++i;
            for (;;) {
                if (i >= line.size()) return bad_request("a quoted field is not closed");
                const char c = line[i++];
                if (c != '"') {
                    field += c;
                } else if (i < line.size() && line[i] == '"') {
                    field += '"';
                    ++i;
                } else {
                    break;
                }
            }
            if (i < line.size() && line[i] != ',') return bad_request("text after a closing quote");
        } else {
            while (i < line.size() && line[i] != ',') {
                if (line[i] == '"') return bad_request("a quote inside an unquoted field");
                field += line[i++];
            }
        }
        out.push_back(std::move(field));
        if (i >= line.size()) break;
        ++i;  // the comma
    }
    return out;
}

Status check_size(std::string_view text) {
    if (text.size() > k_max_card_file_bytes)
        return bad_request("the file has " + std::to_string(text.size()) + " bytes, more than the limit of " +
                           std::to_string(k_max_card_file_bytes));
    return ok_status();
}

// The CSV header (the first non-blank line) must be exactly `header`; returns the index after it.
Result<std::size_t> expect_header(const std::vector<Line>& lines, std::string_view header) {
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (blank(lines[i].text)) continue;
        if (trim(lines[i].text) != header)
            return bad_request("line " + std::to_string(lines[i].number) + ": the header must be \"" +
                               std::string(header) + "\"");
        return i + 1;
    }
    return bad_request("the file is empty");
}

Status check_unique(std::vector<std::pair<std::string, std::int64_t>> seen) {
    std::sort(seen.begin(), seen.end());
    for (std::size_t i = 1; i < seen.size(); ++i)
        if (seen[i].first == seen[i - 1].first)
            return make_error(Errc::ra_duplicate, "card " + seen[i].first + " is on line " +
                                                      std::to_string(std::min(seen[i].second, seen[i - 1].second)) +
                                                      " and line " +
                                                      std::to_string(std::max(seen[i].second, seen[i - 1].second)));
    return ok_status();
}

Result<BatchItem> parse_json_item(std::string_view text) {
    // Only the top-level object is kept (nothing nested is built, however deep the input).
    const nlohmann::json::parser_callback_t flat = [](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
        return depth <= 1;
    };
    auto j = nlohmann::json::parse(text.begin(), text.end(), flat, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) return bad_request("not a JSON object");
    static constexpr std::string_view k_fields[] = {"card_number", "id_number", "name", "public_key", "pkcs10"};
    std::string values[std::size(k_fields)];
    for (const auto& [key, value] : j.items()) {
        const auto* f = std::find(std::begin(k_fields), std::end(k_fields), key);
        if (f == std::end(k_fields)) return bad_request("unknown field \"" + key + "\"");
        if (!value.is_string()) return bad_request("field \"" + key + "\" must be a string");
        values[f - std::begin(k_fields)] = value.get<std::string>();
    }
    return make_item(values[0], values[1], values[2], values[3], values[4]);
}

std::string request_id_of(std::string_view batch_id, std::int64_t line) {
    return "card:" + std::string(batch_id) + ":" + std::to_string(line);
}

std::int64_t now_of(const Clock& clock) { return to_unix(clock.now()); }

ItemUpdate to_status(std::int64_t line, ItemStatus status) {
    ItemUpdate u;
    u.line = line;
    u.status = status;
    return u;
}
ItemUpdate to_issued(std::int64_t line, std::string serial_hex) {
    ItemUpdate u = to_status(line, ItemStatus::issued);
    u.serial_hex = std::move(serial_hex);
    return u;
}
ItemUpdate to_failed(std::int64_t line, const Error& e) {
    ItemUpdate u = to_status(line, ItemStatus::failed);
    u.error_code = e.numeric();
    u.message = e.message;
    return u;
}

}  // namespace

std::optional<CardMode> card_mode_from_number(std::int64_t n) noexcept {
    if (n < 1 || n > 5) return std::nullopt;
    return static_cast<CardMode>(n);
}

bool valid_holder_id_number(std::string_view id) noexcept {
    // ra::valid_citizen_id: GB 11643-1999 §5 check character and a real birth date; the card
    // service normalises 'x' to 'X' first, so a lower-case one here is a bug in the caller.
    return id.size() == 18 && id[17] != 'x' && valid_citizen_id(id);
}

std::string csv_field(std::string_view s) {
    if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
    std::string out = "\"";
    for (char c : s) {
        if (c == '"') out += '"';
        out += c;
    }
    out += '"';
    return out;
}

Result<std::vector<CardRecord>> parse_card_data(std::string_view text) {
    YX_TRY(check_size(text));
    const auto lines = split_lines(text);
    YX_ASSIGN_OR_RETURN(std::size_t first, expect_header(lines, k_card_data_header));
    std::vector<CardRecord> out;
    std::vector<std::pair<std::string, std::int64_t>> seen;
    for (std::size_t i = first; i < lines.size(); ++i) {
        const Line& l = lines[i];
        if (blank(l.text)) continue;
        auto record = [&]() -> Result<CardRecord> {
            YX_ASSIGN_OR_RETURN(auto f, split_csv(l.text));
            if (f.size() != 5) return bad_request(std::to_string(f.size()) + " fields, expected 5");
            CardRecord r;
            YX_ASSIGN_OR_RETURN(r.card_number, card_number_field(f[0]));
            YX_ASSIGN_OR_RETURN(r.id_number, id_number_field(f[1]));
            // The card issuing system's own data must be right: a bad check digit refuses the file.
            if (!valid_holder_id_number(r.id_number))
                return bad_request("id_number fails the GB 11643 check digit or has no valid birth date");
            YX_ASSIGN_OR_RETURN(r.name, name_field(f[2]));
            YX_ASSIGN_OR_RETURN(r.division_code, division_field(f[3]));
            YX_ASSIGN_OR_RETURN(r.org_node, org_node_field(f[4]));
            return r;
        }();
        if (!record) return at_line(l.number, record.error());
        seen.emplace_back(record->card_number, l.number);
        out.push_back(std::move(record).value());
        if (out.size() > k_max_batch_items)
            return bad_request("more than " + std::to_string(k_max_batch_items) + " records in one file");
    }
    if (out.empty()) return bad_request("the file has a header but no records");
    YX_TRY(check_unique(std::move(seen)));
    return out;
}

Result<ParsedBatch> parse_batch_file(std::string_view text) {
    YX_TRY(check_size(text));
    const auto lines = split_lines(text);
    ParsedBatch out;
    std::size_t first = 0;
    while (first < lines.size() && blank(lines[first].text)) ++first;
    if (first == lines.size()) return bad_request("the file is empty");
    const bool jsonl = trim(lines[first].text).front() == '{';
    out.format = jsonl ? "jsonl" : "csv";
    if (!jsonl) {
        YX_ASSIGN_OR_RETURN(first, expect_header(lines, k_batch_header));
    }
    std::vector<std::pair<std::string, std::int64_t>> seen;
    for (std::size_t i = first; i < lines.size(); ++i) {
        const Line& l = lines[i];
        if (blank(l.text)) continue;
        auto item = [&]() -> Result<BatchItem> {
            if (jsonl) return parse_json_item(l.text);
            YX_ASSIGN_OR_RETURN(auto f, split_csv(l.text));
            if (f.size() != 5) return bad_request(std::to_string(f.size()) + " fields, expected 5");
            return make_item(f[0], f[1], f[2], f[3], f[4]);
        }();
        if (!item) return at_line(l.number, item.error());
        item->line = l.number;
        seen.emplace_back(item->card_number, l.number);
        out.items.push_back(std::move(item).value());
        if (out.items.size() > k_max_batch_items)
            return bad_request("more than " + std::to_string(k_max_batch_items) + " items in one batch");
    }
    if (out.items.empty()) return bad_request("the file has no items");
    YX_TRY(check_unique(std::move(seen)));
    return out;
}

// ---- the service ----

CardBatchService::CardBatchService(CardBatchDeps deps, CardBatchOptions options)
    : m_deps(deps), m_options(std::move(options)) {
    if (m_deps.store == nullptr || m_deps.auth == nullptr || m_deps.audit == nullptr || m_deps.clock == nullptr ||
        m_deps.rng == nullptr)
        throw std::invalid_argument("CardBatchService: store, auth, audit, clock and rng are required");
    m_options.chunk_size = std::clamp<std::size_t>(m_options.chunk_size, 1, ca::Issuer::k_max_batch);
    if (m_options.lease.count() < 1) m_options.lease = std::chrono::seconds(1);
}

std::string CardBatchService::random_hex(std::size_t bytes) {
    std::lock_guard lock(m_rng_mutex);
    auto b = m_deps.rng->bytes(bytes);
    if (!b) throw std::runtime_error("CardBatchService: the random generator failed: " + b.error().to_string());
    return hex_encode(*b);
}

Result<auth::StaffRecord> CardBatchService::authorize(std::string_view actor, std::string& node) {
    if (node.empty()) {
        YX_ASSIGN_OR_RETURN(auto me, m_deps.auth->find_staff(actor));
        if (me) node = me->org_node;
    }
    // An unknown actor fails inside authorize() before the node matters.
    return m_deps.auth->authorize(actor, auth::Action::ra_card_batch_submit, node);
}

Status CardBatchService::audit(const Caller& caller, std::string_view role, std::string_view action,
                               std::string_view target, std::string detail, const Status& outcome) {
    audit::AuditEvent ev;
    ev.source = caller.source.empty() ? "local" : caller.source;
    ev.actor = caller.id.empty() ? "anonymous" : caller.id;
    ev.role = std::string(role);
    ev.action = std::string(action);
    ev.target = std::string(target);
    if (detail.size() > audit::k_max_field_len / 2) {
        detail.resize(audit::k_max_field_len / 2);
        detail += " ...";
    }
    ev.detail = std::move(detail);
    if (!outcome.ok()) ev.failed(outcome.error());
    auto appended = m_deps.audit->append(ev);
    // An operation whose record cannot be written is reported as failed (LD/T 03-2022 §8.3.8).
    if (!appended && outcome.ok()) return std::move(appended).error();
    return outcome;
}

Status CardBatchService::has_issuer() const {
    if (m_deps.issuer == nullptr || m_deps.cas == nullptr || m_deps.profiles == nullptr)
        return make_error(Errc::unsupported, "this card service was opened without an issuer (import and reads only)");
    return ok_status();
}

Status CardBatchService::check_issuer(std::string_view ca_id, std::string_view profile_id) {
    YX_TRY(has_issuer());
    if (ca_id.empty()) return bad_request("the issuing CA is required");
    auto ca = m_deps.cas->get_ca(ca_id);
    if (!ca) {
        if (ca.code() == Errc::store_not_found)
            return make_error(Errc::ca_not_found, "no CA '" + std::string(ca_id) + "'");
        return std::move(ca).error();
    }
    if (ca->status != ca::CaStatus::active)
        return make_error(Errc::ca_retired, "CA '" + std::string(ca_id) + "' is retired: it issues no certificates");
    YX_ASSIGN_OR_RETURN(const profile::Profile* p, m_deps.profiles->find(profile_id));
    if (p->kind() != profile::ProfileKind::end_entity)
        return bad_request("profile " + std::string(profile_id) + " is not for end-entity certificates");
    return ok_status();
}

Result<CardImportCounts> CardBatchService::import_card_data(const Caller& caller, std::string_view csv) {
    std::string role;
    std::string detail;
    auto r = [&]() -> Result<CardImportCounts> {
        std::string own;  // the operator's own node
        YX_ASSIGN_OR_RETURN(auth::StaffRecord s, authorize(caller.id, own));
        role = std::string(auth::role_name(s.role));
        // §6.4.7.2 b): the issuing region's HR department compares the vendor's data with ITS card
        // data, so the data comes from the RA's own operators, never from a card vendor.
        if (s.role != auth::Role::business_operator)
            return make_error(Errc::auth_denied, "card-issuance data is imported by RA business operators only");
        YX_ASSIGN_OR_RETURN(std::vector<CardRecord> records, parse_card_data(csv));
        std::vector<std::string> nodes;
        for (auto& rec : records) {
            if (std::find(nodes.begin(), nodes.end(), rec.org_node) == nodes.end()) {
                YX_TRY(m_deps.auth->authorize(caller.id, auth::Action::ra_card_batch_submit, rec.org_node));
                nodes.push_back(rec.org_node);
            }
            rec.imported_by = caller.id;
            rec.imported_at = now_of(*m_deps.clock);
        }
        YX_ASSIGN_OR_RETURN(CardImportCounts c, m_deps.store->import_card_records(records));
        detail = std::to_string(records.size()) + " records: " + std::to_string(c.added) + " added, " +
                 std::to_string(c.unchanged) + " unchanged; nodes " + [&] {
                     std::string list;
                     for (const auto& n : nodes) list += (list.empty() ? "" : ",") + n;
                     return list;
                 }();
        return c;
    }();
    YX_TRY(audit(caller, role, "ra.card_data.import", "card-issuance data", detail, status_of(r)));
    return r;
}

Status CardBatchService::same_submission(const CardBatch& existing, const CardBatch& wanted) {
    if (existing.ca_id == wanted.ca_id && existing.profile_id == wanted.profile_id && existing.mode == wanted.mode &&
        existing.org_node == wanted.org_node)
        return ok_status();
    return make_error(Errc::ra_duplicate, "this content was submitted before as batch " + existing.id + " (CA " +
                                              existing.ca_id + ", profile " + existing.profile_id + ", mode " +
                                              std::to_string(static_cast<int>(existing.mode)) + ", node " +
                                              existing.org_node + ")");
}

Result<SubmitResult> CardBatchService::store_batch(const CardBatch& batch, const std::vector<BatchItem>& items) {
    auto created = m_deps.store->create_batch(batch, items);
    if (!created) {
        // Somebody stored the same content a moment ago: theirs is the batch.
        if (created.code() != Errc::ra_duplicate) return std::move(created).error();
        YX_ASSIGN_OR_RETURN(auto existing, m_deps.store->batch_by_content(batch.content_sm3));
        if (!existing) return std::move(created).error();
        YX_TRY(same_submission(*existing, batch));
        return SubmitResult{std::move(*existing), false};
    }
    YX_ASSIGN_OR_RETURN(CardBatch stored, m_deps.store->batch(batch.id));
    return SubmitResult{std::move(stored), true};
}

Result<SubmitResult> CardBatchService::submit(const Caller& caller, const BatchRequest& request) {
    std::string role;
    std::string target = request.source.empty() ? "card batch" : request.source;
    std::string detail;
    auto r = [&]() -> Result<SubmitResult> {
        std::string node = request.org_node;
        YX_ASSIGN_OR_RETURN(auth::StaffRecord s, authorize(caller.id, node));
        role = std::string(auth::role_name(s.role));
        if (!is_batch_mode(request.mode))
            return bad_request("mode " + std::to_string(static_cast<int>(request.mode)) + " (" +
                               std::string(card_mode_name(request.mode)) +
                               ") is a real-time single request, not a batch (batch modes: 1, 2, 4)");
        CardBatch b;
        b.ca_id = request.ca_id;
        b.profile_id = request.profile_id.empty() ? m_options.default_profile : request.profile_id;
        b.mode = request.mode;
        b.org_node = node;
        b.submitted_by = caller.id;
        b.source = request.source.empty() ? caller.source : request.source;
        YX_TRY(check_issuer(b.ca_id, b.profile_id));
        YX_TRY(check_size(request.content));
        b.content_sm3 = hex_encode(crypto::sm3(as_bytes(request.content)));
        // Idempotent: the same file again is the same batch, whatever state it is in.
        YX_ASSIGN_OR_RETURN(auto existing, m_deps.store->batch_by_content(b.content_sm3));
        if (existing) {
            YX_TRY(same_submission(*existing, b));
            target = existing->id;
            detail = "the same file (SM3 " + b.content_sm3 + ") again: batch " + existing->id + ", nothing created";
            return SubmitResult{std::move(*existing), false};
        }
        YX_ASSIGN_OR_RETURN(ParsedBatch parsed, parse_batch_file(request.content));
        b.id = "cb-" + random_hex(8);
        b.format = parsed.format;
        b.total = static_cast<std::int64_t>(parsed.items.size());
        b.state = BatchState::pending;
        b.created_at = b.updated_at = now_of(*m_deps.clock);
        target = b.id;
        YX_ASSIGN_OR_RETURN(SubmitResult out, store_batch(b, parsed.items));
        detail = "mode " + std::to_string(static_cast<int>(b.mode)) + " " + std::string(card_mode_name(b.mode)) + ", " +
                 std::to_string(out.batch.total) + " items (" + out.batch.format + "), CA " + b.ca_id + ", profile " +
                 b.profile_id + ", node " + b.org_node + ", SM3 " + b.content_sm3 +
                 (out.created ? "" : ", stored by a concurrent submission");
        return out;
    }();
    YX_TRY(audit(caller, role, "ra.card_batch.submit", target, detail, status_of(r)));
    return r;
}

Result<CardBatch> CardBatchService::process(std::string_view batch_id, const ProcessOptions& options) {
    return run(batch_id, options, false);
}

Result<CardBatch> CardBatchService::run(std::string_view batch_id, const ProcessOptions& options, bool quiet) {
    YX_ASSIGN_OR_RETURN(CardBatch b, m_deps.store->batch(batch_id));
    if (b.state == BatchState::done) return b;
    YX_TRY(has_issuer());
    const std::string owner = options.owner.empty() ? "run-" + random_hex(8) : options.owner;
    const auto lease_end = [this] { return now_of(*m_deps.clock) + m_options.lease.count(); };
    YX_TRY(m_deps.store->acquire_lease(b.id, owner, now_of(*m_deps.clock), lease_end(), options.take_over));
    const Caller system{b.submitted_by, options.source};
    RunState st;
    if (auto ca = m_deps.cas->get_ca(b.ca_id); ca) {
        if (auto cert = x509::Certificate::parse(ca->certificate_der); cert) st.ca_not_after = cert->not_after();
    }
    auto result = [&]() -> Result<CardBatch> {
        for (;;) {
            if (options.stop_requested && options.stop_requested()) return b;
            if (options.max_chunks != 0 && st.chunks >= options.max_chunks) return b;
            YX_ASSIGN_OR_RETURN(std::vector<BatchItem> items, m_deps.store->open_items(b.id, m_options.chunk_size));
            if (items.empty()) return m_deps.store->batch(b.id);
            ++st.chunks;
            YX_TRY(m_deps.store->acquire_lease(b.id, owner, now_of(*m_deps.clock), lease_end(), false));
            auto chunk = process_chunk(b, items, options, st);
            if (!chunk) {
                if (!st.crashed && !quiet)
                    (void)audit(system, "", "ra.card_batch.chunk", b.id,
                                "chunk " + std::to_string(st.chunks) + " stopped", chunk.error());
                return std::move(chunk).error();
            }
            b = std::move(chunk).value();
            if (!quiet) YX_TRY(audit(system, "", "ra.card_batch.chunk", b.id, std::move(st.chunk_detail), {}));
            if (options.on_progress) options.on_progress(b);
            if (b.state == BatchState::done) {
                if (!quiet)
                    YX_TRY(audit(system, "", "ra.card_batch.complete", b.id,
                                 std::to_string(b.total) + " items: " + std::to_string(b.issued) + " issued, " +
                                     std::to_string(b.failed) + " failed (mode " +
                                     std::to_string(static_cast<int>(b.mode)) + " " +
                                     std::string(card_mode_name(b.mode)) + ", CA " + b.ca_id + ")",
                                 {}));
                return b;
            }
        }
    }();
    // A crash point leaves the lease to run out, as a killed process would.
    if (!st.crashed) (void)m_deps.store->release_lease(b.id, owner);
    return result;
}

Result<CardBatch> CardBatchService::process_chunk(const CardBatch& batch, const std::vector<BatchItem>& items,
                                                  const ProcessOptions& options, RunState& st) {
    std::vector<ItemUpdate> claim;  // transaction 1: early results and the items going to the CA
    std::vector<ca::IssueRequest> requests;
    std::vector<std::int64_t> request_lines;
    bool recovered = false;
    for (const BatchItem& item : items) {
        if (item.status == ItemStatus::issuing) {
            // A run before this one sent the item to the CA and stopped: what did the CA do?
            const std::string rid = request_id_of(batch.id, item.line);
            YX_ASSIGN_OR_RETURN(auto found, m_deps.store->certificate_for_request(batch.ca_id, rid));
            if (found && found->status == ca::CertificateStatus::pending && !recovered) {
                std::lock_guard lock(m_issue_mutex);
                YX_TRY(status_of(m_deps.issuer->recover_pending()));
                recovered = true;
                YX_ASSIGN_OR_RETURN(found, m_deps.store->certificate_for_request(batch.ca_id, rid));
            }
            if (found && found->status == ca::CertificateStatus::issued) {
                claim.push_back(to_issued(item.line, found->serial_hex));
                continue;
            }
            if (found && found->status == ca::CertificateStatus::pending)
                return make_error(Errc::ca_no_key, "request " + rid +
                                                       " is still pending at the CA after recovery (its key is not "
                                                       "usable now): nothing issued twice, run again later");
            // Failed at the CA, or never recorded there: it was not issued, so it is issued now.
        }
        ItemUpdate failure = to_status(item.line, ItemStatus::failed);
        YX_ASSIGN_OR_RETURN(auto request, prepare_item(batch, item, failure, st));
        if (!request) {
            claim.push_back(std::move(failure));
            continue;
        }
        claim.push_back(to_status(item.line, ItemStatus::issuing));
        requests.push_back(std::move(*request));
        request_lines.push_back(item.line);
    }
    const auto crash_here = [&](CrashPoint p) {
        if (options.crash_point != p || options.crash_chunk != st.chunks) return false;
        st.crashed = true;
        return true;
    };
    YX_ASSIGN_OR_RETURN(CardBatch b, m_deps.store->update_items(batch.id, claim, now_of(*m_deps.clock)));
    if (crash_here(CrashPoint::after_claim)) return make_error(Errc::internal, "crash point after_claim");

    std::vector<ItemUpdate> results;
    if (!requests.empty()) {
        auto issued = [&] {
            std::lock_guard lock(m_issue_mutex);
            return m_deps.issuer->issue_batch(requests);
        }();
        if (!issued) {
            // The CA refused the whole chunk. A CA that is gone or retired will not come back:
            // those items fail. Anything else (store, device) may pass: the items go back to
            // pending and the run stops with the error.
            const bool permanent = issued.code() == Errc::ca_not_found || issued.code() == Errc::ca_retired;
            for (std::int64_t line : request_lines)
                results.push_back(permanent ? to_failed(line, issued.error()) : to_status(line, ItemStatus::pending));
            YX_ASSIGN_OR_RETURN(b, m_deps.store->update_items(batch.id, results, now_of(*m_deps.clock)));
            if (!permanent) return std::move(issued).error();
            results.clear();
        } else {
            for (std::size_t i = 0; i < issued->size(); ++i) {
                const auto& one = (*issued)[i];
                if (one)
                    results.push_back(to_issued(request_lines[i], hex_encode(one->serial)));
                else
                    results.push_back(to_failed(request_lines[i], one.error()));
            }
        }
    }
    if (crash_here(CrashPoint::after_issue)) return make_error(Errc::internal, "crash point after_issue");
    if (!results.empty()) {
        YX_ASSIGN_OR_RETURN(b, m_deps.store->update_items(batch.id, results, now_of(*m_deps.clock)));
    }

    // The chunk's audit record: every serial issued, every failure with its code.
    std::string issued_list;
    std::string failed_list;
    std::size_t n_issued = 0;
    std::size_t n_failed = 0;
    for (const auto* list : {&claim, &results}) {
        for (const ItemUpdate& u : *list) {
            if (u.status == ItemStatus::issued) {
                ++n_issued;
                issued_list += " " + std::to_string(u.line) + ":" + u.serial_hex;
            } else if (u.status == ItemStatus::failed) {
                ++n_failed;
                failed_list +=
                    " " + std::to_string(u.line) + ":" + std::string(errc_name(static_cast<Errc>(u.error_code)));
            }
        }
    }
    st.chunk_detail = "chunk " + std::to_string(st.chunks) + " (lines " + std::to_string(items.front().line) + "-" +
                      std::to_string(items.back().line) + "): " + std::to_string(n_issued) + " issued, " +
                      std::to_string(n_failed) + " failed; progress " + std::to_string(b.done()) + "/" +
                      std::to_string(b.total) + (issued_list.empty() ? "" : "; issued" + issued_list) +
                      (failed_list.empty() ? "" : "; failed" + failed_list);
    return b;
}

Result<std::optional<ca::IssueRequest>> CardBatchService::prepare_item(const CardBatch& batch, const BatchItem& item,
                                                                       ItemUpdate& failure, RunState& st) {
    std::vector<std::string>& covered = st.covered;
    const auto fail = [&](Errc code, std::string message) -> Result<std::optional<ca::IssueRequest>> {
        failure.error_code = static_cast<std::uint32_t>(code);
        failure.message = std::move(message);
        return std::optional<ca::IssueRequest>{};
    };
    const std::string& card = item.card_number;
    if (!valid_holder_id_number(item.id_number))
        return fail(Errc::ra_bad_request, "card " + card + ": the ID number fails the GB 11643 check digit");
    // §6.4.7.2 b): the application data must agree with the card-issuance data. The recorded
    // values are not echoed: the result file goes back to the vendor.
    YX_ASSIGN_OR_RETURN(auto record, m_deps.store->card_record(card));
    if (!record) return fail(Errc::ra_batch_mismatch, "card " + card + " is not in the card-issuance data");
    if (record->id_number != item.id_number)
        return fail(Errc::ra_batch_mismatch, "card " + card + ": the ID number does not match the card-issuance data");
    if (record->name != item.name)
        return fail(Errc::ra_batch_mismatch, "card " + card + ": the name does not match the card-issuance data");
    if (std::find(covered.begin(), covered.end(), record->org_node) == covered.end()) {
        YX_ASSIGN_OR_RETURN(bool inside, m_deps.auth->covers(batch.org_node, record->org_node));
        if (!inside)
            return fail(Errc::ra_batch_mismatch, "card " + card + " was issued by node " + record->org_node +
                                                     ", outside node " + batch.org_node + " of the batch");
        covered.push_back(record->org_node);
    }
    if (!item.spki_sm3.empty()) {
        YX_ASSIGN_OR_RETURN(auto prior, m_deps.store->issued_for_card(card, item.spki_sm3));
        if (prior)
            return fail(Errc::ra_duplicate, "card " + card + " already has certificate " + prior->serial_hex +
                                                " for this key (batch " + prior->batch_id + " line " +
                                                std::to_string(prior->line) + ")");
    }
    auto profile = m_deps.profiles->find(batch.profile_id);
    if (!profile) return fail(profile.code(), profile.error().message);

    ca::IssueRequest req;
    req.ca_id = batch.ca_id;
    req.profile_id = batch.profile_id;
    req.request_id = request_id_of(batch.id, item.line);
    switch (item.key_kind) {
        case KeyKind::spki: {
            // The canonical SM2 encoding; anything else goes to the CA as given, to be refused there.
            auto spki = x509::SubjectPublicKeyInfo::parse(item.key_data);
            auto key = spki ? spki->sm2_public_key() : Result<crypto::Sm2PublicKey>(spki.error());
            req.data.spki_der = key ? key->spki_der() : item.key_data;
            break;
        }
        case KeyKind::point: {
            auto key = crypto::Sm2PublicKey::from_point(item.key_data);
            if (!key) return fail(key.code(), "card " + card + ": public key refused: " + key.error().message);
            req.data.spki_der = key->spki_der();
            break;
        }
        case KeyKind::pkcs10: req.csr = item.key_data; break;
    }
    // LD/T 03-2022 gives cardholder certificates 10 years, as long as an issuing CA's certificate:
    // a certificate may not outlive its issuer (lint validity_within_issuer), so once the CA has
    // less than the profile's validity left, the RA asks for the whole days it has left.
    if (st.ca_not_after) {
        const auto left = std::chrono::floor<std::chrono::days>(*st.ca_not_after - m_deps.clock->now()).count();
        if (left > 0 && left < static_cast<std::int64_t>((*profile)->validity_days()))
            req.data.validity_days = static_cast<std::uint32_t>(left);
    }
    // The approved subject is the matched holder, whatever a PKCS#10 says.
    req.data.subject = {{"C", "CN"}, {"CN", item.name}};
    // GM/T 0015 identity extensions the profile carries: 个人身份标识码 is the citizen ID number, and
    // so is 个人社会保险号 (社会保险法 §58: 个人社会保障号码为公民身份号码). The card number is no
    // GM/T 0015 field; the RA keeps card ↔ serial in its items.
    for (std::string_view ext : {"identify_code", "insurance_number"})
        if ((*profile)->identity_spec(ext) != nullptr) req.data.identities.emplace_back(ext, item.id_number);
    return std::optional<ca::IssueRequest>(std::move(req));
}

Result<SingleResult> CardBatchService::request_single(const Caller& caller, const SingleRequest& request) {
    std::string role;
    std::string target = request.card_number;
    std::string detail =
        "mode " + std::to_string(static_cast<int>(request.mode)) + " " + std::string(card_mode_name(request.mode));
    auto r = [&]() -> Result<SingleResult> {
        std::string node = request.org_node;
        YX_ASSIGN_OR_RETURN(auth::StaffRecord s, authorize(caller.id, node));
        role = std::string(auth::role_name(s.role));
        if (request.mode != CardMode::quick_issue && request.mode != CardMode::service_window)
            return bad_request("a single request is mode 3 (quick_issue) or 5 (service_window)");
        const std::string profile_id = request.profile_id.empty() ? m_options.default_profile : request.profile_id;
        YX_TRY(check_issuer(request.ca_id, profile_id));
        if (request.public_key.empty() == request.pkcs10.empty())
            return bad_request("give exactly one of public_key and pkcs10 (the card-generated signing key)");
        // The request as one JSON line: its SM3 makes a repeated request the same job.
        nlohmann::json line{
            {"card_number", request.card_number}, {"id_number", request.id_number}, {"name", request.name}};
        if (!request.pkcs10.empty())
            line["pkcs10"] = base64_encode(request.pkcs10);
        else if (request.public_key.size() == 65 && request.public_key[0] == 0x04)
            line["public_key"] = hex_encode(request.public_key);
        else
            line["public_key"] = base64_encode(request.public_key);
        const std::string content = line.dump();
        YX_ASSIGN_OR_RETURN(BatchItem item, parse_json_item(content));
        target = item.card_number;
        item.line = 1;

        CardBatch b;
        b.ca_id = request.ca_id;
        b.profile_id = profile_id;
        b.mode = request.mode;
        b.org_node = node;
        b.submitted_by = caller.id;
        b.source = caller.source;
        b.format = "jsonl";
        b.total = 1;
        b.content_sm3 = hex_encode(crypto::sm3(as_bytes(content)));
        b.created_at = b.updated_at = now_of(*m_deps.clock);
        bool created = false;
        YX_ASSIGN_OR_RETURN(auto existing, m_deps.store->batch_by_content(b.content_sm3));
        if (existing) {
            YX_TRY(same_submission(*existing, b));
            b = std::move(*existing);
            // Asked again after a failure (say the card data arrived since): try again.
            if (b.state == BatchState::done && b.failed > 0) {
                YX_ASSIGN_OR_RETURN(b, m_deps.store->reopen_failed(b.id, now_of(*m_deps.clock)));
            }
        } else {
            b.id = "cb-" + random_hex(8);
            YX_ASSIGN_OR_RETURN(SubmitResult stored, store_batch(b, {item}));
            b = std::move(stored.batch);
            created = stored.created;
        }
        detail += ", batch " + b.id;
        ProcessOptions o;
        o.source = caller.source;
        YX_TRY(status_of(run(b.id, o, /*quiet=*/true)));
        YX_ASSIGN_OR_RETURN(auto rows, m_deps.store->result_rows(b.id, 0, 1));
        if (rows.empty()) return make_error(Errc::internal, "batch " + b.id + " has no item");
        const BatchItem& done = rows.front().item;
        if (done.status == ItemStatus::failed) return make_error(static_cast<Errc>(done.error_code), done.message);
        if (done.status != ItemStatus::issued)
            return make_error(Errc::ra_conflict, "request " + b.id + " is being processed by another run");
        detail += ", serial " + done.serial_hex + (created ? "" : " (the same request again)");
        return SingleResult{b.id, done.serial_hex, rows.front().certificate_der, created};
    }();
    YX_TRY(audit(caller, role, "ra.card_request", target, detail, status_of(r)));
    return r;
}

Result<CardBatch> CardBatchService::batch(std::string_view id) { return m_deps.store->batch(id); }

Result<CardBatch> CardBatchService::batch_for(std::string_view actor, std::string_view id) {
    YX_ASSIGN_OR_RETURN(CardBatch b, m_deps.store->batch(id));
    YX_TRY(status_of(m_deps.auth->authorize(actor, auth::Action::ra_card_batch_submit, b.org_node)));
    return b;
}

Status write_result_csv(CardBatchStore& store, std::string_view batch_id,
                        const std::function<Status(std::string_view)>& sink) {
    YX_ASSIGN_OR_RETURN(CardBatch b, store.batch(batch_id));
    YX_TRY(sink(k_result_header));
    std::int64_t after = 0;
    for (;;) {
        YX_ASSIGN_OR_RETURN(auto rows, store.result_rows(b.id, after, k_result_page));
        if (rows.empty()) break;
        std::string out;
        for (const ResultRow& row : rows) {
            const BatchItem& it = row.item;
            std::string result;
            if (it.status == ItemStatus::issued) result = base64_encode(row.certificate_der);
            if (it.status == ItemStatus::failed) result = std::string(errc_name(static_cast<Errc>(it.error_code)));
            out += std::to_string(it.line) + "," + csv_field(it.card_number) + "," +
                   std::string(item_status_name(it.status)) + "," + it.serial_hex + "," + result + "," +
                   csv_field(it.message) + "\n";
            after = it.line;
        }
        YX_TRY(sink(out));
    }
    return ok_status();
}

Status CardBatchService::write_result_csv(std::string_view id, const std::function<Status(std::string_view)>& sink) {
    return ra::write_result_csv(*m_deps.store, id, sink);
}

Result<std::string> CardBatchService::result_csv(std::string_view id) {
    std::string out;
    YX_TRY(write_result_csv(id, [&out](std::string_view part) -> Status {
        out += part;
        return ok_status();
    }));
    return out;
}

Result<std::string> CardBatchService::result_csv_for(std::string_view actor, std::string_view id) {
    YX_TRY(status_of(batch_for(actor, id)));
    return result_csv(id);
}

Result<ResultRow> CardBatchService::certificate_for_card(std::string_view actor, std::string_view card_number) {
    YX_ASSIGN_OR_RETURN(std::string card, card_number_field(card_number));
    YX_ASSIGN_OR_RETURN(auto record, m_deps.store->card_record(card));
    std::string node = record ? record->org_node : std::string();
    YX_TRY(status_of(authorize(actor, node)));
    YX_ASSIGN_OR_RETURN(auto found, m_deps.store->latest_for_card(card));
    if (!found) return make_error(Errc::ra_not_found, "no certificate was issued for card " + card);
    return std::move(found->first);
}

Result<std::vector<std::string>> CardBatchService::unfinished_batches() { return m_deps.store->unfinished_batches(); }

// ---- the worker ----

CardBatchWorker::CardBatchWorker(CardBatchService& service, ErrorSink on_error)
    : m_service(service), m_on_error(std::move(on_error)) {}

CardBatchWorker::~CardBatchWorker() { stop(); }

Status CardBatchWorker::start() {
    YX_ASSIGN_OR_RETURN(auto open, m_service.unfinished_batches());
    {
        std::lock_guard lock(m_mutex);
        if (m_thread.joinable()) return make_error(Errc::invalid_argument, "the card batch worker runs already");
        m_stopping = false;
        for (auto& id : open) m_queue.push_back(std::move(id));
    }
    m_thread = std::thread([this] { loop(); });
    return ok_status();
}

void CardBatchWorker::enqueue(std::string batch_id) {
    {
        std::lock_guard lock(m_mutex);
        if (std::find(m_queue.begin(), m_queue.end(), batch_id) != m_queue.end()) return;
        m_queue.push_back(std::move(batch_id));
    }
    m_wake.notify_one();
}

void CardBatchWorker::stop() {
    m_stopping = true;
    m_wake.notify_all();
    if (m_thread.joinable()) m_thread.join();
}

bool CardBatchWorker::idle() {
    std::lock_guard lock(m_mutex);
    return m_queue.empty() && !m_busy;
}

void CardBatchWorker::loop() {
    std::unique_lock lock(m_mutex);
    for (;;) {
        m_wake.wait(lock, [this] { return m_stopping || !m_queue.empty(); });
        if (m_stopping) return;
        std::string id = std::move(m_queue.front());
        m_queue.pop_front();
        m_busy = true;
        lock.unlock();
        ProcessOptions o;
        o.source = "worker";
        o.stop_requested = [this] { return m_stopping.load(); };
        auto r = m_service.process(id, o);
        if (!r && m_on_error) m_on_error(id, r.error());
        lock.lock();
        m_busy = false;
    }
}

}  // namespace yinxin::ra
