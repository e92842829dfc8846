#include "yinxin/ra/carrier.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <utility>

#include "yinxin/crypto/sm2_cipher.h"
#include "yinxin/crypto/sm3.h"
#include "yinxin/ra/application.h"

namespace yinxin::ra {
namespace {

using auth::Action;
using auth::Role;
using auth::StaffRecord;

constexpr std::string_view k_code_prefix = "yinxin-carrier-code/1\n";
constexpr std::size_t k_max_text = 128;
constexpr std::size_t k_max_long_text = 512;
constexpr std::size_t k_min_code = 4;
constexpr std::size_t k_max_code = 64;
constexpr std::size_t k_max_serial_hex = 40;  // RFC 5280 4.1.2.2: at most 20 octets

std::string str(std::string_view s) { return std::string(s); }

Error bad_request(std::string message) { return make_error(Errc::ra_bad_request, std::move(message)); }

// Non-empty (unless optional), at most `max` bytes, no control characters.
bool valid_text(std::string_view s, bool optional, std::size_t max = k_max_text) {
    if (s.empty()) return optional;
    if (s.size() > max) return false;
    return std::none_of(s.begin(), s.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u < 0x20 || u == 0x7f;
    });
}

bool all_digits(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Lower-case hex of 1..20 octets.
Result<std::string> normalise_serial(std::string_view serial_hex) {
    std::string s(serial_hex);
    for (char& c : s)
        if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    if (s.empty() || s.size() > k_max_serial_hex || s.size() % 2 != 0 || !hex_decode(s).ok())
        return bad_request("certificate serial must be 1..20 octets of hexadecimal");
    return s;
}

bool same_id_number(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i] == 'x' ? 'X' : a[i];
        char y = b[i] == 'x' ? 'X' : b[i];
        if (x != y) return false;
    }
    return true;
}

// One RFC 4180 record on one line: fields separated by commas, optionally quoted with '"' ("" is a
// quote inside a quoted field). Quoted fields spanning lines are not part of the delivery format.
Result<std::vector<std::string>> split_csv_line(std::string_view line) {
    std::vector<std::string> fields;
    std::string cur;
    std::size_t i = 0;
    for (;;) {
        cur.clear();
        if (i < line.size() && line[i] == '"') {
            ++i;
            for (;;) {
                if (i >= line.size()) return bad_request("unterminated quoted field");
                if (line[i] == '"') {
                    if (i + 1 < line.size() && line[i + 1] == '"') {
                        cur += '"';
                        i += 2;
                        continue;
                    }
                    ++i;
                    break;
                }
                cur += line[i++];
            }
            if (i < line.size() && line[i] != ',') return bad_request("text after a closing quote");
        } else {
            while (i < line.size() && line[i] != ',') {
                if (line[i] == '"') return bad_request("a quote inside an unquoted field");
                cur += line[i++];
            }
        }
        fields.push_back(cur);
        if (i >= line.size()) break;
        ++i;  // the comma
    }
    return fields;
}

bool valid_code(std::string_view code) {
    if (code.size() < k_min_code || code.size() > k_max_code) return false;
    return std::all_of(code.begin(), code.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

bool is_staff(const StaffRecord& s) { return auth::is_staff_role(s.role); }

}  // namespace

std::string_view carrier_kind_name(CarrierKind k) noexcept { return k == CarrierKind::card ? "card" : "usb_key"; }
std::optional<CarrierKind> carrier_kind_from_name(std::string_view name) noexcept {
    if (name == "usb_key") return CarrierKind::usb_key;
    if (name == "card") return CarrierKind::card;
    return std::nullopt;
}

std::string_view carrier_state_name(CarrierState s) noexcept {
    switch (s) {
        case CarrierState::in_stock: return "in_stock";
        case CarrierState::assigned: return "assigned";
        case CarrierState::retired: return "retired";
    }
    return "in_stock";
}
std::optional<CarrierState> carrier_state_from_name(std::string_view name) noexcept {
    for (CarrierState s : {CarrierState::in_stock, CarrierState::assigned, CarrierState::retired})
        if (carrier_state_name(s) == name) return s;
    return std::nullopt;
}

std::string_view retire_reason_name(RetireReason r) noexcept {
    switch (r) {
        case RetireReason::lost: return "lost";
        case RetireReason::damaged: return "damaged";
        case RetireReason::returned: return "returned";
    }
    return "lost";
}
std::optional<RetireReason> retire_reason_from_name(std::string_view name) noexcept {
    for (RetireReason r : {RetireReason::lost, RetireReason::damaged, RetireReason::returned})
        if (retire_reason_name(r) == name) return r;
    return std::nullopt;
}

std::string_view gender_name(Gender g) noexcept { return g == Gender::female ? "female" : "male"; }
std::optional<Gender> gender_from_name(std::string_view name) noexcept {
    if (name == "male") return Gender::male;
    if (name == "female") return Gender::female;
    return std::nullopt;
}

std::string_view unlock_state_name(UnlockState s) noexcept {
    switch (s) {
        case UnlockState::submitted: return "submitted";
        case UnlockState::approved: return "approved";
        case UnlockState::reviewed: return "reviewed";
        case UnlockState::released: return "released";
        case UnlockState::rejected: return "rejected";
    }
    return "submitted";
}
std::optional<UnlockState> unlock_state_from_name(std::string_view name) noexcept {
    for (UnlockState s : {UnlockState::submitted, UnlockState::approved, UnlockState::reviewed, UnlockState::released,
                          UnlockState::rejected})
        if (unlock_state_name(s) == name) return s;
    return std::nullopt;
}

bool valid_carrier_no(std::string_view no) noexcept { return no.size() == k_carrier_no_len && all_digits(no); }

std::string unblock_code_plaintext(std::string_view carrier_no, std::string_view code) {
    std::string s(k_code_prefix);
    s.append(carrier_no).append("\n").append(code);
    return s;
}

Status validate_unlock_form(const UnlockForm& f) {
    if (!valid_text(f.name, false, 64)) return bad_request("name (姓名) is required, at most 64 bytes");
    if (!valid_citizen_id(f.id_number))
        return bad_request("id_number (身份证号) must be an 18-character GB 11643 citizen ID with a valid check digit");
    if (!valid_text(f.province_city, false)) return bad_request("province_city (所在省份/城市) is required");
    if (!valid_text(f.address, false, 256)) return bad_request("address (通信地址) is required, at most 256 bytes");
    if (f.postcode.size() != 6 || !all_digits(f.postcode)) return bad_request("postcode (邮政编码) must be 6 digits");
    if (!f.email.empty()) {
        const auto at = f.email.find('@');
        if (!valid_text(f.email, false, 254) || at == std::string::npos || at == 0 || at + 1 == f.email.size() ||
            f.email.find('@', at + 1) != std::string::npos || f.email.find(' ') != std::string::npos)
            return bad_request("email (电子邮件) is not an e-mail address");
    }
    const bool phone_ok =
        f.phone.size() >= 5 && f.phone.size() <= 32 && std::all_of(f.phone.begin(), f.phone.end(), [](char c) {
            return (c >= '0' && c <= '9') || c == '+' || c == '-' || c == ' ';
        });
    if (!phone_ok) return bad_request("phone (联系电话) must be 5..32 digits, '+', '-' or spaces");
    if (!valid_text(f.unit, false)) return bad_request("unit (所属单位及部门) is required");
    if (!valid_text(f.position, true)) return bad_request("position (职务) is at most 128 bytes");
    if (!valid_carrier_no(f.carrier_no))
        return bad_request("carrier_no (证书载体编号) must be the 16 digits printed on the carrier");
    return ok_status();
}

std::string unlock_payload(const UnlockRequest& r) {
    const UnlockForm& f = r.form;
    nlohmann::json j{{"id", r.id},
                     {"name", f.name},
                     {"gender", gender_name(f.gender)},
                     {"id_number", f.id_number},
                     {"province_city", f.province_city},
                     {"address", f.address},
                     {"postcode", f.postcode},
                     {"email", f.email},
                     {"phone", f.phone},
                     {"unit", f.unit},
                     {"position", f.position},
                     {"carrier_no", f.carrier_no}};
    return j.dump();
}

Bytes unlock_payload_hash(const UnlockRequest& r) {
    const crypto::Sm3Digest d = crypto::sm3(as_bytes(unlock_payload(r)));
    return {d.begin(), d.end()};
}

Result<CodeKey> open_code_key(device::Device& device, std::string_view pin, audit::AuditLog& audit,
                              std::string_view label) {
    auto write = [&audit](const device::DeviceEvent& e) -> Status {
        audit::AuditEvent ev;
        ev.time = e.at;
        ev.source = "local";
        ev.actor = "system";
        ev.action = e.action;
        ev.target = e.key_label.empty() ? e.device_id : e.key_label;
        ev.detail = e.detail.empty() ? "carrier unblock-code key" : e.detail;
        YX_TRY(audit.append(ev));
        return ok_status();
    };
    auto found = device.find_key(label);
    device::KeyInfo key;
    if (found) {
        key = std::move(found).value();
        if (key.algorithm != device::KeyAlgorithm::sm2)
            return make_error(Errc::crypto_bad_key, "device key '" + str(label) + "' is not an SM2 key");
    } else if (found.code() == Errc::device_key_not_found) {
        YX_ASSIGN_OR_RETURN(device::GeneratedKey g, device.generate_key_pair(device::KeyAlgorithm::sm2, label, pin));
        YX_TRY(write(g.event));
        key = std::move(g.key);
    } else {
        return std::move(found).error();
    }
    if (!key.access_right) {
        YX_ASSIGN_OR_RETURN(device::DeviceEvent granted, device.get_private_key_access_right(key.index, pin));
        YX_TRY(write(granted));
    }
    CodeKey out;
    out.device = &device;
    out.index = key.index;
    YX_ASSIGN_OR_RETURN(out.public_key, device.export_public_key(key.index));
    return out;
}

// ---------------------------------------------------------------------------------------------

CarrierService::CarrierService(CarrierStore& store, auth::AuthService& auth, audit::AuditLog& audit, CodeKey code_key,
                               const Clock& clock, Rng& rng, ca::CertificateReader* certificates)
    : m_store(store),
      m_auth(auth),
      m_audit(audit),
      m_code_key(std::move(code_key)),
      m_clock(clock),
      m_rng(rng),
      m_certificates(certificates) {}

Status CarrierService::write_audit(const Caller& who, std::string_view action, const Note& note, const Error* error) {
    audit::AuditEvent ev;
    ev.source = who.source;
    ev.actor = who.id.empty() ? "anonymous" : who.id;
    ev.role = note.role;
    ev.action = str(action);
    ev.target = note.target;
    ev.detail = note.detail;
    if (error != nullptr) ev.failed(*error);
    YX_TRY(m_audit.append(ev));
    return ok_status();
}

Result<StaffRecord> CarrierService::authorize(const Caller& who, Action action, std::string_view node, Note& note,
                                              std::string_view maker) {
    auto s =
        maker.empty() ? m_auth.authorize(who.id, action, node) : m_auth.authorize_checker(who.id, action, node, maker);
    if (s) note.role = str(auth::role_name(s->role));
    return s;
}

Result<std::vector<std::string>> CarrierService::subtree_nodes(const StaffRecord& actor) {
    // Acceptance points have no children (SDCA CPS §1.3.4): an applicant or approver sees its node.
    if (!is_staff(actor)) return std::vector<std::string>{actor.org_node};
    YX_ASSIGN_OR_RETURN(std::vector<auth::OrgNode> nodes, m_auth.list_org_nodes(actor.id));
    std::vector<std::string> ids;
    ids.reserve(nodes.size());
    for (const auto& n : nodes) ids.push_back(n.id);
    return ids;
}

Result<std::string> CarrierService::signed_decision(const Caller& who, std::string_view decision,
                                                    const UnlockRequest& r, BytesView signature) {
    YX_ASSIGN_OR_RETURN(std::string note,
                        m_auth.verify_decision(who.id, decision, r.id, unlock_payload_hash(r), signature));
    return note + "; SM2 signature " + base64_encode(signature);
}

Result<UnlockRequest> CarrierService::load_request(std::string_view id) {
    YX_ASSIGN_OR_RETURN(auto r, m_store.find_unlock_request(id));
    if (!r) return make_error(Errc::ra_not_found, "no unlock request '" + str(id) + "'");
    return std::move(*r);
}

template <class T, class F>
Result<T> CarrierService::audited(const Caller& who, std::string_view action, Note& note, F&& body) {
    Result<T> r = body();
    const Error* err = r.ok() ? nullptr : &r.error();
    auto written = write_audit(who, action, note, err);
    if (!written && r) return std::move(written).error();
    return r;
}

// --- inventory ---------------------------------------------------------------------------------

Result<ImportResult> CarrierService::import_csv(const Caller& who, std::string_view org_node, std::string_view csv) {
    Note note;
    note.target = str(org_node);
    return audited<ImportResult>(who, "ra.carrier.import", note, [&]() -> Result<ImportResult> {
        YX_TRY(authorize(who, Action::ra_application_review, org_node, note));
        YX_ASSIGN_OR_RETURN(crypto::Sm2PublicKey pub, crypto::Sm2PublicKey::from_spki_der(m_code_key.public_key));
        std::string_view text = csv;
        if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // UTF-8 BOM
        static constexpr std::array<std::string_view, 6> k_columns{"carrier_no", "kind",  "model",
                                                                   "vendor",     "batch", "unblock_code"};
        std::array<std::size_t, k_columns.size()> col{};
        bool have_header = false;
        std::vector<Carrier> carriers;
        std::map<std::string, std::size_t, std::less<>> seen;  // number → line
        std::set<std::string> batches;
        const TimePoint now = m_clock.now();
        std::size_t line_no = 0;
        while (!text.empty()) {
            const auto nl = text.find('\n');
            std::string_view line = text.substr(0, nl);
            text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
            ++line_no;
            if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
            if (line.empty()) continue;
            const std::string at = "line " + std::to_string(line_no) + ": ";
            auto fields = split_csv_line(line);
            if (!fields) return bad_request(at + fields.error().message);
            if (!have_header) {
                if (fields->size() != k_columns.size())
                    return bad_request(at +
                                       "the header must name the columns carrier_no,kind,model,vendor,batch,"
                                       "unblock_code");
                for (std::size_t c = 0; c < k_columns.size(); ++c) {
                    auto it = std::find(fields->begin(), fields->end(), k_columns[c]);
                    if (it == fields->end()) return bad_request(at + "the header has no column " + str(k_columns[c]));
                    col[c] = static_cast<std::size_t>(it - fields->begin());
                }
                have_header = true;
                continue;
            }
            if (fields->size() != k_columns.size())
                return bad_request(at + std::to_string(fields->size()) + " fields, expected " +
                                   std::to_string(k_columns.size()));
            if (carriers.size() >= k_max_import_lines)
                return make_error(Errc::limit_exceeded,
                                  "at most " + std::to_string(k_max_import_lines) + " carriers per file");
            auto field = [&](std::size_t c) -> std::string& { return (*fields)[col[c]]; };
            Carrier c;
            c.carrier_no = field(0);
            if (!valid_carrier_no(c.carrier_no))
                return bad_request(at + "carrier_no must be 16 digits (表 A.4), got '" + c.carrier_no + "'");
            auto kind = carrier_kind_from_name(field(1));
            if (!kind) return bad_request(at + "kind must be usb_key or card");
            c.kind = *kind;
            c.model = field(2);
            c.vendor = field(3);
            c.delivery_batch = field(4);
            if (!valid_text(c.model, false) || !valid_text(c.vendor, false) || !valid_text(c.delivery_batch, false))
                return bad_request(at +
                                   "model, vendor and batch are required (at most 128 bytes, no control "
                                   "characters)");
            std::string& code = field(5);
            if (!valid_code(code)) {
                secure_zero(code.data(), code.size());
                return bad_request(at + "unblock_code must be 4..64 printable ASCII characters without spaces");
            }
            if (auto [it, fresh] = seen.emplace(c.carrier_no, line_no); !fresh)
                return make_error(Errc::ra_duplicate,
                                  at + "carrier " + c.carrier_no + " is also on line " + std::to_string(it->second));
            std::string plain = unblock_code_plaintext(c.carrier_no, code);
            auto sealed = crypto::sm2_encrypt(pub, as_bytes(plain));
            secure_zero(plain.data(), plain.size());
            secure_zero(code.data(), code.size());
            if (!sealed) return std::move(sealed).error();
            c.code_ciphertext = std::move(sealed).value();
            c.org_node = str(org_node);
            c.state = CarrierState::in_stock;
            c.imported_by = who.id;
            c.imported_at = now;
            batches.insert(c.delivery_batch);
            carriers.push_back(std::move(c));
        }
        if (!have_header) return bad_request("empty file: expected a header line and at least one carrier");
        if (carriers.empty()) return bad_request("the file lists no carriers");
        YX_TRY(m_store.insert_carriers(carriers));
        ImportResult out;
        out.imported = carriers.size();
        for (const auto& b : batches) out.delivery_batches += (out.delivery_batches.empty() ? "" : ",") + b;
        note.detail = "imported " + std::to_string(out.imported) + " carriers into " + str(org_node) + " (batches " +
                      out.delivery_batches + "); unblock codes sealed to the device key";
        return out;
    });
}

Result<Carrier> CarrierService::assign(const Caller& who, std::string_view carrier_no, std::string_view ca_id,
                                       std::string_view serial_hex, const CarrierHolder& holder) {
    Note note;
    note.target = str(carrier_no);
    return audited<Carrier>(who, "ra.carrier.assign", note, [&]() -> Result<Carrier> {
        if (!valid_carrier_no(carrier_no)) return bad_request("carrier number must be 16 digits");
        if (!valid_text(ca_id, false)) return bad_request("a CA id is required");
        YX_ASSIGN_OR_RETURN(std::string serial, normalise_serial(serial_hex));
        if (!valid_text(holder.name, false, 64)) return bad_request("the holder's name is required");
        if (!holder.id_number.empty() && !valid_citizen_id(holder.id_number))
            return bad_request("the holder's ID number is not a valid GB 11643 citizen ID");
        const Error unavailable = make_error(Errc::ra_carrier_unavailable,
                                             "carrier " + str(carrier_no) + " is not in the stock of your subtree");
        YX_ASSIGN_OR_RETURN(auto found, m_store.find_carrier(carrier_no));
        if (!found) return unavailable;
        Carrier c = std::move(*found);
        auto staff = authorize(who, Action::ra_application_review, c.org_node, note);
        if (!staff) return staff.code() == Errc::auth_out_of_scope ? unavailable : std::move(staff).error();
        if (c.state != CarrierState::in_stock)
            return make_error(Errc::ra_carrier_unavailable,
                              "carrier " + c.carrier_no + " is " + str(carrier_state_name(c.state)));
        if (!holder.org_node.empty()) YX_TRY(authorize(who, Action::ra_application_review, holder.org_node, note));
        if (m_certificates != nullptr) {
            auto cert = m_certificates->certificate_by_serial(ca_id, hex_decode(serial).value());
            if (!cert) {
                if (cert.code() == Errc::store_not_found)
                    return make_error(Errc::ra_not_found, "CA '" + str(ca_id) + "' has no certificate " + serial);
                return std::move(cert).error();
            }
            if (cert->status != ca::CertificateStatus::issued)
                return bad_request("certificate " + serial + " of CA '" + str(ca_id) + "' is not issued");
        }
        c.state = CarrierState::assigned;
        c.ca_id = str(ca_id);
        c.serial_hex = serial;
        c.holder = holder;
        c.assigned_by = who.id;
        c.assigned_at = m_clock.now();
        YX_TRY(m_store.update_carrier(c, CarrierState::in_stock));
        note.detail = "assigned to certificate " + c.ca_id + ":" + serial + " of " + holder.name;
        return c;
    });
}

Result<Carrier> CarrierService::retire(const Caller& who, std::string_view carrier_no, RetireReason reason,
                                       std::string_view text) {
    Note note;
    note.target = str(carrier_no);
    return audited<Carrier>(who, "ra.carrier.retire", note, [&]() -> Result<Carrier> {
        if (!valid_text(text, true, k_max_long_text)) return bad_request("the note is at most 512 bytes");
        YX_ASSIGN_OR_RETURN(auto found, m_store.find_carrier(carrier_no));
        if (!found) return make_error(Errc::ra_not_found, "no carrier " + str(carrier_no));
        Carrier c = std::move(*found);
        YX_TRY(authorize(who, Action::ra_application_review, c.org_node, note));
        if (c.state == CarrierState::retired)
            return make_error(Errc::ra_illegal_transition, "carrier " + c.carrier_no + " is retired already");
        const CarrierState before = c.state;
        c.state = CarrierState::retired;
        c.retire_reason = reason;
        c.retire_note = str(text);
        c.retired_by = who.id;
        c.retired_at = m_clock.now();
        YX_TRY(m_store.update_carrier(c, before));
        note.detail = "retired (" + str(retire_reason_name(reason)) + ") from " + str(carrier_state_name(before));
        return c;
    });
}

Result<Carrier> CarrierService::get(const Caller& who, std::string_view carrier_no) {
    YX_ASSIGN_OR_RETURN(auto found, m_store.find_carrier(carrier_no));
    if (!found) return make_error(Errc::ra_not_found, "no carrier " + str(carrier_no));
    Note note;
    auto s = authorize(who, Action::ra_application_read, found->org_node, note);
    if (!s && s.code() == Errc::auth_out_of_scope && found->holder_node() != found->org_node)
        s = authorize(who, Action::ra_application_read, found->holder_node(), note);
    if (!s) return std::move(s).error();
    if (!is_staff(*s)) return make_error(Errc::auth_denied, "the carrier inventory is for RA staff");
    return std::move(*found);
}

Result<std::vector<Carrier>> CarrierService::list(const Caller& who, std::optional<CarrierState> state,
                                                  std::string_view after_carrier_no, std::size_t limit) {
    if (limit == 0 || limit > k_max_page) return bad_request("limit must be 1..1000");
    YX_ASSIGN_OR_RETURN(auto me, m_auth.find_staff(who.id));
    if (!me) return make_error(Errc::auth_denied, "unknown staff member");
    Note note;
    YX_ASSIGN_OR_RETURN(StaffRecord s, authorize(who, Action::ra_application_read, me->org_node, note));
    if (!is_staff(s)) return make_error(Errc::auth_denied, "the carrier inventory is for RA staff");
    CarrierFilter f;
    YX_ASSIGN_OR_RETURN(f.org_nodes, subtree_nodes(s));
    f.state = state;
    f.after_carrier_no = str(after_carrier_no);
    f.limit = limit;
    return m_store.list_carriers(f);
}

// --- unlock requests ---------------------------------------------------------------------------

Result<UnlockRequest> CarrierService::submit_unlock(const Caller& who, const UnlockForm& form) {
    Note note;
    note.target = form.carrier_no;
    return audited<UnlockRequest>(who, "ra.unlock.submit", note, [&]() -> Result<UnlockRequest> {
        YX_TRY(validate_unlock_form(form));
        YX_ASSIGN_OR_RETURN(auto found, m_store.find_carrier(form.carrier_no));
        if (!found) return make_error(Errc::ra_not_found, "no carrier " + form.carrier_no);
        const Carrier& c = *found;
        YX_ASSIGN_OR_RETURN(StaffRecord s, authorize(who, Action::ra_application_submit, c.holder_node(), note));
        if (s.role == Role::applicant &&
            (s.id_number.empty() || !same_id_number(s.id_number, form.id_number) ||
             (!c.holder.id_number.empty() && !same_id_number(s.id_number, c.holder.id_number))))
            return make_error(Errc::auth_denied, "an applicant may only ask to unlock their own carrier");
        if (c.state != CarrierState::assigned)
            return make_error(Errc::ra_carrier_unavailable, "carrier " + c.carrier_no + " is " +
                                                                str(carrier_state_name(c.state)) +
                                                                ": only an assigned carrier can be unlocked");
        if (form.name != c.holder.name ||
            (!c.holder.id_number.empty() && !same_id_number(form.id_number, c.holder.id_number)))
            return bad_request("the applicant's name and ID number are not those of the carrier's holder");
        UnlockRequest r;
        {
            std::lock_guard lock(m_rng_mu);
            YX_ASSIGN_OR_RETURN(Bytes raw, m_rng.bytes(8));
            r.id = "ul-" + hex_encode(raw);
        }
        note.target = r.id;
        r.form = form;
        if (r.form.id_number.size() == 18 && r.form.id_number[17] == 'x') r.form.id_number[17] = 'X';
        r.org_node = c.holder_node();
        r.state = UnlockState::submitted;
        r.entered_by = who.id;
        r.entered_at = m_clock.now();
        YX_TRY(m_store.insert_unlock_request(r));
        note.detail = "unlock request for carrier " + c.carrier_no + " (" + c.ca_id + ":" + c.serial_hex + ")";
        return r;
    });
}

Result<UnlockRequest> CarrierService::approve_unlock(const Caller& who, std::string_view id, BytesView signature) {
    Note note;
    note.target = str(id);
    return audited<UnlockRequest>(who, "ra.unlock.approve", note, [&]() -> Result<UnlockRequest> {
        YX_ASSIGN_OR_RETURN(UnlockRequest r, load_request(id));
        YX_ASSIGN_OR_RETURN(StaffRecord s, authorize(who, Action::ra_application_approve, r.org_node, note));
        // LD/T 03-2022 §6.4.5.2: the 主管部门 verifies the applicant's identity and stamps the form.
        if (s.role != Role::approver)
            return make_error(Errc::auth_denied,
                              "the first approval of an unlock request is the 主管部门's (approver)");
        if (r.state != UnlockState::submitted)
            return make_error(Errc::ra_illegal_transition,
                              "request " + r.id + " is " + str(unlock_state_name(r.state)) + ", not submitted");
        YX_ASSIGN_OR_RETURN(r.approval_signature, signed_decision(who, "approve", r, signature));
        r.state = UnlockState::approved;
        r.approved_by = who.id;
        r.approved_at = m_clock.now();
        YX_TRY(m_store.update_unlock_request(r, UnlockState::submitted));
        note.detail = "主管部门 approval; " + r.approval_signature;
        return r;
    });
}

Result<UnlockRequest> CarrierService::review_unlock(const Caller& who, std::string_view id, BytesView signature) {
    Note note;
    note.target = str(id);
    return audited<UnlockRequest>(who, "ra.unlock.review", note, [&]() -> Result<UnlockRequest> {
        YX_ASSIGN_OR_RETURN(UnlockRequest r, load_request(id));
        // 录入 and 审核 by different people (CPS maker-checker).
        YX_TRY(authorize(who, Action::ra_application_review, r.org_node, note, r.entered_by));
        if (r.state != UnlockState::approved)
            return make_error(Errc::ra_illegal_transition,
                              "request " + r.id + " is " + str(unlock_state_name(r.state)) +
                                  ": the 主管部门 approves first, then the certificate management department");
        YX_ASSIGN_OR_RETURN(r.review_signature, signed_decision(who, "approve", r, signature));
        r.state = UnlockState::reviewed;
        r.reviewed_by = who.id;
        r.reviewed_at = m_clock.now();
        YX_TRY(m_store.update_unlock_request(r, UnlockState::approved));
        note.detail = "数字证书管理部门 review; " + r.review_signature;
        return r;
    });
}

Result<UnlockRequest> CarrierService::reject_unlock(const Caller& who, std::string_view id, std::string_view reason,
                                                    BytesView signature) {
    Note note;
    note.target = str(id);
    return audited<UnlockRequest>(who, "ra.unlock.reject", note, [&]() -> Result<UnlockRequest> {
        if (!valid_text(reason, false, k_max_long_text))
            return bad_request("a rejection needs a reason (at most 512 bytes)");
        YX_ASSIGN_OR_RETURN(UnlockRequest r, load_request(id));
        const UnlockState before = r.state;
        if (before == UnlockState::submitted) {
            YX_ASSIGN_OR_RETURN(StaffRecord s, authorize(who, Action::ra_application_reject, r.org_node, note));
            if (s.role != Role::approver)
                return make_error(Errc::auth_denied, "a submitted request is decided by the 主管部门 (approver)");
        } else if (before == UnlockState::approved) {
            YX_ASSIGN_OR_RETURN(StaffRecord s,
                                authorize(who, Action::ra_application_reject, r.org_node, note, r.entered_by));
            if (s.role != Role::business_operator)
                return make_error(Errc::auth_denied,
                                  "an approved request is decided by the certificate management department");
        } else {
            YX_TRY(authorize(who, Action::ra_application_reject, r.org_node, note));
            return make_error(Errc::ra_illegal_transition,
                              "request " + r.id + " is " + str(unlock_state_name(before)) + " and cannot be rejected");
        }
        YX_ASSIGN_OR_RETURN(r.reject_signature, signed_decision(who, "reject", r, signature));
        r.state = UnlockState::rejected;
        r.rejected_by = who.id;
        r.rejected_at = m_clock.now();
        r.reject_reason = str(reason);
        YX_TRY(m_store.update_unlock_request(r, before));
        note.detail =
            "rejected when " + str(unlock_state_name(before)) + ": " + r.reject_reason + "; " + r.reject_signature;
        return r;
    });
}

Result<ReleasedCode> CarrierService::release_code(const Caller& who, std::string_view id) {
    Note note;
    note.target = str(id);
    return audited<ReleasedCode>(who, "ra.unlock.release", note, [&]() -> Result<ReleasedCode> {
        YX_ASSIGN_OR_RETURN(UnlockRequest r, load_request(id));
        YX_TRY(authorize(who, Action::ra_application_review, r.org_node, note));
        if (r.state == UnlockState::released)
            return make_error(Errc::ra_code_released,
                              "the unblock code of request " + r.id + " was released to " + r.released_by + " already");
        if (r.state != UnlockState::reviewed)
            return make_error(Errc::ra_illegal_transition, "request " + r.id + " is " +
                                                               str(unlock_state_name(r.state)) +
                                                               ": the code is released only after both approvals");
        YX_ASSIGN_OR_RETURN(auto carrier, m_store.find_carrier(r.form.carrier_no));
        if (!carrier) return make_error(Errc::ra_not_found, "no carrier " + r.form.carrier_no);
        if (m_code_key.device == nullptr)
            return make_error(Errc::device_no_access_right, "no crypto device holds the carrier code key here");
        // Decrypt first: a device failure must not use up the one release.
        YX_ASSIGN_OR_RETURN(SecretBytes plain, m_code_key.device->decrypt(m_code_key.index, carrier->code_ciphertext));
        const std::string prefix = std::string(k_code_prefix) + carrier->carrier_no + "\n";
        if (plain.size() <= prefix.size() || !std::equal(prefix.begin(), prefix.end(), plain.begin()))
            return make_error(Errc::crypto_decrypt_failed,
                              "the stored unblock code does not belong to carrier " + carrier->carrier_no);
        ReleasedCode out;
        out.code.assign(plain.begin() + static_cast<std::ptrdiff_t>(prefix.size()), plain.end());
        r.state = UnlockState::released;
        r.released_by = who.id;
        r.released_at = m_clock.now();
        auto stored = m_store.update_unlock_request(r, UnlockState::reviewed);
        if (!stored) {
            if (stored.code() == Errc::ra_conflict)
                return make_error(Errc::ra_code_released,
                                  "the unblock code of request " + r.id + " was released concurrently");
            return std::move(stored).error();
        }
        note.detail = "unblock code of carrier " + carrier->carrier_no + " released once to " + who.id;
        out.request = std::move(r);
        return out;
    });
}

Result<UnlockRequest> CarrierService::get_unlock(const Caller& who, std::string_view id) {
    YX_ASSIGN_OR_RETURN(UnlockRequest r, load_request(id));
    Note note;
    YX_ASSIGN_OR_RETURN(StaffRecord s, authorize(who, Action::ra_application_read, r.org_node, note));
    if (s.role == Role::applicant && r.entered_by != s.id && !same_id_number(s.id_number, r.form.id_number))
        return make_error(Errc::auth_denied, "applicants read their own requests only");
    return r;
}

Result<std::vector<UnlockRequest>> CarrierService::list_unlock(const Caller& who, std::optional<UnlockState> state,
                                                               std::string_view after_id, std::size_t limit) {
    if (limit == 0 || limit > k_max_page) return bad_request("limit must be 1..1000");
    YX_ASSIGN_OR_RETURN(auto me, m_auth.find_staff(who.id));
    if (!me) return make_error(Errc::auth_denied, "unknown staff member");
    Note note;
    YX_ASSIGN_OR_RETURN(StaffRecord s, authorize(who, Action::ra_application_read, me->org_node, note));
    UnlockFilter f;
    YX_ASSIGN_OR_RETURN(f.org_nodes, subtree_nodes(s));
    if (s.role == Role::applicant) f.entered_by = s.id;
    f.state = state;
    f.after_id = str(after_id);
    f.limit = limit;
    return m_store.list_unlock_requests(f);
}

}  // namespace yinxin::ra
