// Third-generation social-security card batches (ra::CardBatchService, LD/T 03-2022 §6.4.7) over the
// real SQLite store, soft device, demo CA hierarchy, auth register and audit log: the input formats,
// a 10,000-cardholder batch checked line by line against the store and the certificates,
// idempotent re-submission, crash points and resuming, the mode 3/5 real-time request, the
// organisation scope, authorisation and bad input that persists nothing.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "card_batch_fixture.h"
#include "yinxin/asn1/oids.h"
#include "yinxin/sqlite/database.h"
#include "yinxin/x509/certificate.h"

namespace yinxin::ra::test {
namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](char c) { return c >= 'A' && c <= 'Z' ? char(c + 32) : c; });
    return s;
}

class CardBatchTest : public CardBatchFixture {
protected:
    std::int64_t count_rows(const std::string& table) {
        auto db = yinxin::sqlite::Database::open(store_path(), {}).value();
        auto s = db.prepare("SELECT COUNT(*) FROM " + table).value();
        EXPECT_TRUE(s.step().value());
        return s.column_int(0);
    }
    void use_chunks(std::size_t n) {
        CardBatchOptions o;
        o.chunk_size = n;
        make_service(o);
    }
};

// ---- formats -------------------------------------------------------------------------------

TEST(CardFormats, CitizenIdCheckDigit) {
    // GB 11643-1999 examples and generated numbers.
    EXPECT_TRUE(valid_holder_id_number("11010519491231002X"));
    EXPECT_TRUE(valid_holder_id_number("440524198001010013"));
    for (std::uint32_t n : {0U, 1U, 99U, 12345U}) EXPECT_TRUE(valid_holder_id_number(citizen_id(n))) << citizen_id(n);
    EXPECT_FALSE(valid_holder_id_number("110105194912310021"));  // wrong check digit
    EXPECT_FALSE(valid_holder_id_number("11010519491231002x"));  // callers normalise to upper case
    // Right check digits, impossible birth dates.
    EXPECT_TRUE(valid_holder_id_number(with_check_digit("11010520000229123")));   // 2000 is a leap year
    EXPECT_FALSE(valid_holder_id_number(with_check_digit("11010519001329123")));  // month 13
    EXPECT_FALSE(valid_holder_id_number(with_check_digit("11010519900230123")));  // 30 February
    EXPECT_FALSE(valid_holder_id_number(with_check_digit("11010519000229123")));  // 1900 is not a leap year
    EXPECT_FALSE(valid_holder_id_number("1101051949123100"));
    EXPECT_FALSE(valid_holder_id_number(""));
}

TEST(CardFormats, BatchFilesInBothFormats) {
    const auto key = card_key(1);
    const std::string point = hex_encode(key.public_key().point());
    const std::string spki = base64_encode(key.public_key().spki_der());
    // CSV with a BOM, CRLF, a blank line, quoting and a lower-case x in the ID number.
    const std::string csv =
        "\xEF\xBB\xBF"
        "card_number,id_number,name,public_key,pkcs10\r\n"
        "a00000001," +
        citizen_id(1) + ",\"Zhang, San\"," + point + ",\r\n\r\n" + "A00000002," + citizen_id(2) + ",李四," + spki +
        ",\r\n";
    auto parsed = parse_batch_file(csv);
    ASSERT_TRUE(parsed.ok()) << parsed.error().to_string();
    EXPECT_EQ(parsed->format, "csv");
    ASSERT_EQ(parsed->items.size(), 2u);
    EXPECT_EQ(parsed->items[0].line, 2);
    EXPECT_EQ(parsed->items[0].card_number, "A00000001");
    EXPECT_EQ(parsed->items[0].name, "Zhang, San");
    EXPECT_EQ(parsed->items[0].key_kind, KeyKind::point);
    EXPECT_EQ(parsed->items[1].line, 4);
    EXPECT_EQ(parsed->items[1].key_kind, KeyKind::spki);
    // The same key as a point and as an SPKI has one fingerprint.
    EXPECT_EQ(parsed->items[0].spki_sm3, parsed->items[1].spki_sm3);

    const std::string jsonl = "{\"card_number\":\"A00000003\",\"id_number\":\"" + citizen_id(3) +
                              "\",\"name\":\"王五\",\"pkcs10\":\"" + pkcs10_base64(key, "王五") + "\"}\n\n" +
                              "{\"card_number\":\"A00000004\",\"id_number\":\"" + citizen_id(4) +
                              "\",\"name\":\"赵六\",\"public_key\":\"" + point + "\"}";
    parsed = parse_batch_file(jsonl);
    ASSERT_TRUE(parsed.ok()) << parsed.error().to_string();
    EXPECT_EQ(parsed->format, "jsonl");
    ASSERT_EQ(parsed->items.size(), 2u);
    EXPECT_EQ(parsed->items[0].key_kind, KeyKind::pkcs10);
    EXPECT_EQ(parsed->items[1].line, 3);
    EXPECT_EQ(parsed->items[0].spki_sm3, parsed->items[1].spki_sm3);
}

TEST(CardFormats, BadBatchFilesNameTheLine) {
    const std::string h = "card_number,id_number,name,public_key,pkcs10\n";
    const std::string ok = batch_line(5);
    struct Case {
        std::string text;
        Errc code;
        std::string needle;
    };
    const std::string point = hex_encode(card_key(6).public_key().point());
    const std::vector<Case> cases{
        {"", Errc::ra_bad_request, "empty"},
        {h, Errc::ra_bad_request, "no items"},
        {"card,id,name,key\n" + ok, Errc::ra_bad_request, "line 1: the header"},
        {h + ok + "A1," + citizen_id(1) + ",x," + point + "\n", Errc::ra_bad_request, "line 3: 4 fields"},
        {h + ok + "A1," + citizen_id(1) + ",," + point + ",\n", Errc::ra_bad_request, "line 3: name is empty"},
        {h + "A1," + citizen_id(1) + ",n,,\n", Errc::ra_bad_request, "line 2: give exactly one"},
        {h + "A1," + citizen_id(1) + ",n," + point + ",MIIB\n", Errc::ra_bad_request, "line 2: give exactly one"},
        {h + "A1," + citizen_id(1) + ",n,not*base64,\n", Errc::ra_bad_request, "line 2: public_key"},
        {h + "A1,12345,n," + point + ",\n", Errc::ra_bad_request, "line 2: id_number"},
        {h + "A-1," + citizen_id(1) + ",n," + point + ",\n", Errc::ra_bad_request, "line 2: card_number"},
        {h + "A1," + citizen_id(1) + ",\"n," + point + ",\n", Errc::ra_bad_request, "line 2: a quoted field"},
        {h + "A1," + citizen_id(1) + ",\xC3\x28," + point + ",\n", Errc::ra_bad_request, "line 2: name is not UTF-8"},
        {h + ok + ok, Errc::ra_duplicate, "line 2 and line 3"},
        {"{\"card_number\":\"A1\",\"id_number\":\"" + citizen_id(1) + "\",\"name\":\"n\",\"publickey\":\"" + point +
             "\"}\n",
         Errc::ra_bad_request, "line 1: unknown field \"publickey\""},
        {"{\"card_number\":\"A1\",\"id_number\":\"" + citizen_id(1) + "\",\"name\":[[[[[1]]]]],\"public_key\":\"" +
             point + "\"}\n",
         Errc::ra_bad_request, "line 1: field \"name\" must be a string"},
        {"{\"card_number\":\"A1\"\n", Errc::ra_bad_request, "line 1: not a JSON object"},
    };
    for (const auto& c : cases) {
        auto r = parse_batch_file(c.text);
        ASSERT_FALSE(r.ok()) << c.text;
        EXPECT_EQ(r.code(), c.code) << c.text << "\n" << r.error().to_string();
        EXPECT_NE(r.error().message.find(c.needle), std::string::npos) << r.error().message;
    }
}

TEST(CardFormats, CardDataRefusesTheWholeFileAtABadLine) {
    std::string csv = card_data_csv(0, 3);
    auto good = parse_card_data(csv);
    ASSERT_TRUE(good.ok()) << good.error().to_string();
    EXPECT_EQ(good->size(), 3u);
    EXPECT_EQ((*good)[1].division_code, "370302");
    // Line 5: an ID number with a wrong check digit.
    std::string bad_id = citizen_id(3);
    bad_id.back() = bad_id.back() == '1' ? '2' : '1';
    auto r = parse_card_data(csv + card_number(3) + "," + bad_id + ",x,370302,city-a\n");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.code(), Errc::ra_bad_request);
    EXPECT_NE(r.error().message.find("line 5: id_number fails the GB 11643 check digit"), std::string::npos)
        << r.error().message;
    r = parse_card_data(csv + card_number(3) + "," + citizen_id(3) + ",x,3703,city-a\n");
    EXPECT_NE(r.error().message.find("line 5: division_code"), std::string::npos) << r.error().message;
    r = parse_card_data(csv + card_number(3) + "," + citizen_id(3) + ",x,370302,City A\n");
    EXPECT_NE(r.error().message.find("line 5: org_node"), std::string::npos) << r.error().message;
}

// ---- the 10,000-cardholder batch -----------------------------------------------------------

enum class Expect { issued, wrong_name, unknown_card, bad_check_digit };

TEST_F(CardBatchTest, TenThousandCardholderBatchWithAPerItemResultFile) {
    constexpr std::uint32_t k_n = 10'000;
    import(card_data_csv(0, k_n));
    std::string csv = "card_number,id_number,name,public_key,pkcs10\n";
    std::vector<Expect> expect(k_n, Expect::issued);
    std::vector<Bytes> points(k_n);
    std::vector<std::string> card_of(k_n);
    std::vector<std::string> names(k_n);
    std::size_t expected_failed = 0;
    for (std::uint32_t n = 0; n < k_n; ++n) {
        std::string card = card_number(n);
        std::string id = citizen_id(n);
        std::string name = holder_name(n);
        if (n % 97 == 13) {
            name += "甲";  // not the name the card was issued to
            expect[n] = Expect::wrong_name;
        } else if (n % 89 == 7) {
            card = card_number(k_n + n);  // a card the issuing system never issued
            expect[n] = Expect::unknown_card;
        } else if (n % 1000 == 999) {
            id.back() = id.back() == '0' ? '1' : '0';  // a typo: the check digit no longer fits
            expect[n] = Expect::bad_check_digit;
        }
        if (expect[n] != Expect::issued) ++expected_failed;
        const auto key = card_key(n);
        points[n] = key.public_key().point();
        card_of[n] = card;
        names[n] = name;
        csv.append(card).append(",").append(id).append(",").append(csv_field(name)).append(",");
        if (n % 50 == 0)
            csv += "," + pkcs10_base64(key, name);  // a PKCS#10 made on the card
        else if (n % 3 == 0)
            csv += base64_encode(key.public_key().spki_der()) + ",";
        else
            csv += hex_encode(points[n]) + ",";
        csv += "\n";
    }

    const auto sub = submit(csv);
    ASSERT_TRUE(sub.created);
    EXPECT_EQ(sub.batch.total, k_n);
    EXPECT_EQ(sub.batch.state, BatchState::pending);
    std::vector<std::int64_t> seen_progress;
    ProcessOptions o;
    o.on_progress = [&](const CardBatch& b) { seen_progress.push_back(b.done()); };
    auto done = service->process(sub.batch.id, o);
    ASSERT_TRUE(done.ok()) << done.error().to_string();
    EXPECT_EQ(done->state, BatchState::done);
    EXPECT_EQ(done->failed, static_cast<std::int64_t>(expected_failed));
    EXPECT_EQ(done->issued, static_cast<std::int64_t>(k_n - expected_failed));
    ASSERT_EQ(seen_progress.size(), k_n / 100);  // one report per chunk
    EXPECT_TRUE(std::is_sorted(seen_progress.begin(), seen_progress.end()));
    EXPECT_EQ(seen_progress.back(), k_n);

    // The result file, line by line in input order.
    auto result = service->result_csv(sub.batch.id);
    ASSERT_TRUE(result.ok()) << result.error().to_string();
    const auto lines = text_lines(*result);
    ASSERT_EQ(lines.size(), k_n + 1);
    EXPECT_EQ(lines[0], "line,card_number,status,serial,certificate_or_error,message");
    const auto sub_ca = ca_cert("demo-sub");
    std::set<std::string> serials;
    std::size_t failed = 0;
    for (std::uint32_t n = 0; n < k_n; ++n) {
        const auto f = csv_split(lines[n + 1]);
        ASSERT_EQ(f.size(), 6u) << lines[n + 1];
        ASSERT_EQ(f[0], std::to_string(n + 2));  // the header is line 1
        ASSERT_EQ(f[1], card_of[n]);
        if (expect[n] != Expect::issued) {
            ++failed;
            ASSERT_EQ(f[2], "failed") << lines[n + 1];
            EXPECT_TRUE(f[3].empty());
            if (expect[n] == Expect::bad_check_digit) {
                EXPECT_EQ(f[4], "ra.bad_request") << lines[n + 1];
                EXPECT_NE(f[5].find("GB 11643"), std::string::npos) << f[5];
            } else {
                EXPECT_EQ(f[4], "ra.batch_mismatch") << lines[n + 1];
                EXPECT_NE(f[5].find(expect[n] == Expect::wrong_name ? "the name does not match"
                                                                    : "is not in the card-issuance data"),
                          std::string::npos)
                    << f[5];
            }
            continue;
        }
        ASSERT_EQ(f[2], "issued") << lines[n + 1];
        ASSERT_FALSE(f[3].empty());
        EXPECT_TRUE(serials.insert(f[3]).second) << "serial twice: " << f[3];
        const Bytes der = base64_decode(f[4]).value();
        auto cert = x509::Certificate::parse(der);
        ASSERT_TRUE(cert.ok()) << n << ": " << cert.error().to_string();
        EXPECT_EQ(lower(cert->serial_hex()), lower(f[3]));
        // The store holds exactly this certificate under the serial, as issued for this item.
        auto rec = m_store->certificate_by_serial("demo-sub", hex_decode(f[3]).value());
        ASSERT_TRUE(rec.ok()) << rec.error().to_string();
        EXPECT_EQ(rec->status, ca::CertificateStatus::issued);
        EXPECT_EQ(rec->certificate_der, der);
        EXPECT_EQ(rec->profile_id, "cardholder-sign");
        EXPECT_EQ(rec->request_id, "card:" + sub.batch.id + ":" + std::to_string(n + 2));
        // Subject C=CN, CN=<name>; identity extensions from the ID number; the card's key.
        EXPECT_EQ(cert->subject().get(asn1::oids::at_common_name), names[n]);
        EXPECT_EQ(cert->subject().get(asn1::oids::at_country), "CN");
        EXPECT_EQ(cert->extensions().gm_identity(asn1::oids::gm_identify_code), citizen_id(n));
        EXPECT_EQ(cert->extensions().gm_identity(asn1::oids::gm_insurance_number), citizen_id(n));
        EXPECT_EQ(cert->public_key_info().key_bytes(), points[n]);
        EXPECT_EQ(cert->issuer(), sub_ca.subject());
    }
    EXPECT_EQ(failed, expected_failed);

    // One certificate per issued item; the audit log has the submission, one record per chunk
    // (with its serials) and the completion.
    const auto by_request = certificates_by_request();
    EXPECT_EQ(by_request.size(), k_n - expected_failed);
    for (const auto& [rid, certs] : by_request) EXPECT_EQ(certs.size(), 1u) << rid;
    EXPECT_EQ(audit_records("ra.card_batch.submit").size(), 1u);
    const auto chunks = audit_records("ra.card_batch.chunk");
    ASSERT_EQ(chunks.size(), k_n / 100);
    std::set<std::string> audited;  // "<line>:<serial>" tokens of the chunk records
    for (const auto& c : chunks) {
        EXPECT_TRUE(c.success);
        EXPECT_EQ(c.actor, "ci");
        std::size_t pos = c.detail.find("; issued ");
        if (pos == std::string::npos) continue;
        std::string_view rest(c.detail);
        rest.remove_prefix(pos + 9);
        rest = rest.substr(0, rest.find(';'));
        while (!rest.empty()) {
            const auto sp = rest.find(' ');
            const auto token = rest.substr(0, sp);
            audited.insert(lower(std::string(token.substr(token.find(':') + 1))));
            if (sp == std::string_view::npos) break;
            rest.remove_prefix(sp + 1);
        }
    }
    for (const auto& serial : serials) EXPECT_EQ(audited.count(lower(serial)), 1u) << serial << " not audited";
    EXPECT_EQ(audit_records("ra.card_batch.complete").size(), 1u);

    // Submitting the same file again: the same batch, nothing created, nothing issued.
    const std::size_t certificates_before = all_certificates("demo-sub").size();
    const auto again = submit(csv);
    EXPECT_FALSE(again.created);
    EXPECT_EQ(again.batch.id, sub.batch.id);
    EXPECT_EQ(again.batch.state, BatchState::done);
    auto reprocessed = service->process(again.batch.id);
    ASSERT_TRUE(reprocessed.ok());
    EXPECT_EQ(all_certificates("demo-sub").size(), certificates_before);
    EXPECT_EQ(count_rows("card_batches"), 1);
    EXPECT_EQ(count_rows("card_batch_items"), k_n);
    const auto submits = audit_records("ra.card_batch.submit");
    ASSERT_EQ(submits.size(), 2u);
    EXPECT_NE(submits.back().detail.find("nothing created"), std::string::npos) << submits.back().detail;
    // The same content for another CA is refused, not a second batch.
    BatchRequest other;
    other.ca_id = "demo-root";
    other.content = csv;
    auto refused = service->submit({"ci", "test"}, other);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.code(), Errc::ra_duplicate);
    EXPECT_EQ(count_rows("card_batches"), 1);
}

// ---- bad input, authorisation, scope -------------------------------------------------------

TEST_F(CardBatchTest, BadFilesAndBadRequestsPersistNothing) {
    import(card_data_csv(0, 5));
    const std::size_t audits_before = audit_records("ra.card_batch.submit").size();
    const std::string h = "card_number,id_number,name,public_key,pkcs10\n";
    const std::vector<std::string> bad{"", h, h + batch_line(1) + batch_line(1), h + batch_line(1) + "A2,x,y,z,\n",
                                       h + batch_line(1) + "\"\n"};
    for (const auto& text : bad) {
        BatchRequest req;
        req.ca_id = "demo-sub";
        req.content = text;
        auto r = service->submit({"ci", "test"}, req);
        ASSERT_FALSE(r.ok()) << text;
        EXPECT_TRUE(r.code() == Errc::ra_bad_request || r.code() == Errc::ra_duplicate) << r.error().to_string();
    }
    // Unknown CA and profile, and a single-request mode, are refused before anything is stored.
    BatchRequest req;
    req.content = batch_csv(0, 2);
    req.ca_id = "no-such-ca";
    EXPECT_EQ(service->submit({"ci", "test"}, req).code(), Errc::ca_not_found);
    req.ca_id = "demo-sub";
    req.profile_id = "no-such-profile";
    EXPECT_EQ(service->submit({"ci", "test"}, req).code(), Errc::profile_not_found);
    req.profile_id = "";
    req.mode = CardMode::quick_issue;
    EXPECT_EQ(service->submit({"ci", "test"}, req).code(), Errc::ra_bad_request);
    EXPECT_EQ(count_rows("card_batches"), 0);
    EXPECT_EQ(count_rows("card_batch_items"), 0);
    // Every refusal is in the audit log with its code.
    const auto audits = audit_records("ra.card_batch.submit");
    ASSERT_EQ(audits.size(), audits_before + bad.size() + 3);
    for (std::size_t i = audits_before; i < audits.size(); ++i) {
        EXPECT_FALSE(audits[i].success);
        EXPECT_NE(audits[i].error_code, 0u);
        EXPECT_EQ(audits[i].actor, "ci");
    }

    // Card data: a bad line refuses the whole file; a card number already imported with other
    // holder data refuses the file; identical records are counted unchanged.
    const std::int64_t records = count_rows("card_records");
    auto r = service->import_card_data({"bo", "test"}, card_data_csv(10, 13) + "A1,1,x,370302,city-a\n");
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("line 5"), std::string::npos) << r.error().message;
    EXPECT_EQ(count_rows("card_records"), records);
    std::string changed = card_data_csv(3, 4);
    changed.replace(changed.find(holder_name(3)), holder_name(3).size(), "另一个人");
    r = service->import_card_data({"bo", "test"}, card_data_csv(20, 22) + changed.substr(changed.find('\n') + 1));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.code(), Errc::ra_duplicate);
    EXPECT_EQ(count_rows("card_records"), records);
    auto same = service->import_card_data({"bo", "test"}, card_data_csv(0, 5));
    ASSERT_TRUE(same.ok());
    EXPECT_EQ(same->added, 0);
    EXPECT_EQ(same->unchanged, 5);
}

TEST_F(CardBatchTest, AuthorisationOfEveryEntryPoint) {
    // A card vendor may not import the data its own batches are matched against.
    auto r = service->import_card_data({"ci", "test"}, card_data_csv(0, 3));
    EXPECT_EQ(r.code(), Errc::auth_denied);
    EXPECT_EQ(service->import_card_data({"app", "test"}, card_data_csv(0, 3)).code(), Errc::auth_denied);
    EXPECT_EQ(service->import_card_data({"nobody", "test"}, card_data_csv(0, 3)).code(), Errc::auth_denied);
    // An operator of city-b may not import city-a's cards.
    EXPECT_EQ(service->import_card_data({"bo.b", "test"}, card_data_csv(0, 3)).code(), Errc::auth_out_of_scope);
    EXPECT_EQ(count_rows("card_records"), 0);
    import(card_data_csv(0, 3));

    BatchRequest req;
    req.ca_id = "demo-sub";
    req.content = batch_csv(0, 3);
    EXPECT_EQ(service->submit({"app", "test"}, req).code(), Errc::auth_denied);  // an applicant
    req.org_node = "city-b";
    EXPECT_EQ(service->submit({"ci", "test"}, req).code(), Errc::auth_out_of_scope);
    EXPECT_EQ(count_rows("card_batches"), 0);
    req.org_node = "";
    auto ok = service->submit({"ci", "test"}, req);
    ASSERT_TRUE(ok.ok()) << ok.error().to_string();
    EXPECT_EQ(ok->batch.org_node, "city-a");

    SingleRequest one;
    one.ca_id = "demo-sub";
    one.card_number = card_number(0);
    one.id_number = citizen_id(0);
    one.name = holder_name(0);
    one.public_key = card_key(0).public_key().point();
    EXPECT_EQ(service->request_single({"app", "test"}, one).code(), Errc::auth_denied);

    // Reads: the batch's subtree only.
    EXPECT_TRUE(service->batch_for("ci", ok->batch.id).ok());
    EXPECT_TRUE(service->batch_for("bo", ok->batch.id).ok());
    EXPECT_EQ(service->batch_for("ci.b", ok->batch.id).code(), Errc::auth_out_of_scope);
    EXPECT_EQ(service->result_csv_for("app", ok->batch.id).code(), Errc::auth_denied);
    EXPECT_EQ(service->batch_for("ci", "cb-0000000000000000").code(), Errc::ra_not_found);

    // The refusals are audited with the actor and the code.
    bool found = false;
    for (const auto& a : audit_records("ra.card_batch.submit"))
        if (a.actor == "app" && !a.success && a.error_code == static_cast<std::uint32_t>(Errc::auth_denied))
            found = true;
    EXPECT_TRUE(found);
    EXPECT_FALSE(audit_records("ra.card_request").front().success);
}

TEST_F(CardBatchTest, ScopeJsonLinesAndKeysAlreadyCertified) {
    import(card_data_csv(0, 10));
    import(card_data_csv(10, 20, "city-b"), "bo.b");
    // A city-a vendor's batch with city-b cards: those items fail, the rest is issued.
    auto first = submit(batch_csv(0, 20));
    auto done = service->process(first.batch.id);
    ASSERT_TRUE(done.ok()) << done.error().to_string();
    EXPECT_EQ(done->issued, 10);
    EXPECT_EQ(done->failed, 10);
    const auto lines = text_lines(service->result_csv(first.batch.id).value());
    for (std::uint32_t n = 10; n < 20; ++n) {
        const auto f = csv_split(lines[n + 1]);
        EXPECT_EQ(f[4], "ra.batch_mismatch");
        EXPECT_NE(f[5].find("outside node city-a"), std::string::npos) << f[5];
    }

    // A corrected file (JSON lines): cards 0-4 again with the same keys are refused as already
    // certified; cards 5-9 with new keys (re-personalised cards) are issued.
    std::string jsonl;
    for (std::uint32_t n = 0; n < 10; ++n) {
        const auto key = card_key(n, n < 5 ? "card" : "new");
        jsonl += "{\"card_number\":\"" + card_number(n) + "\",\"id_number\":\"" + citizen_id(n) + "\",\"name\":\"" +
                 holder_name(n) + "\",\"public_key\":\"" + base64_encode(key.public_key().spki_der()) + "\"}\n";
    }
    auto second = submit(jsonl);
    ASSERT_TRUE(second.created);
    EXPECT_EQ(second.batch.format, "jsonl");
    done = service->process(second.batch.id);
    ASSERT_TRUE(done.ok());
    EXPECT_EQ(done->issued, 5);
    EXPECT_EQ(done->failed, 5);
    const auto again = text_lines(service->result_csv(second.batch.id).value());
    for (std::uint32_t n = 0; n < 5; ++n) {
        const auto f = csv_split(again[n + 1]);
        EXPECT_EQ(f[0], std::to_string(n + 1));  // JSON lines have no header
        EXPECT_EQ(f[4], "ra.duplicate");
        EXPECT_NE(f[5].find("batch " + first.batch.id), std::string::npos) << f[5];
    }
    // 模式四: the holder downloads the newest certificate of the card later.
    auto latest = service->certificate_for_card("ci", card_number(7));
    ASSERT_TRUE(latest.ok()) << latest.error().to_string();
    auto cert = x509::Certificate::parse(latest->certificate_der).value();
    EXPECT_EQ(cert.public_key_info().key_bytes(), card_key(7, "new").public_key().point());
    EXPECT_EQ(service->certificate_for_card("ci", card_number(12)).code(), Errc::auth_out_of_scope);
    EXPECT_EQ(service->certificate_for_card("ci", card_number(99)).code(), Errc::ra_not_found);
}

// ---- crash points and resuming -------------------------------------------------------------

TEST_F(CardBatchTest, CrashAfterIssueResumesWithoutIssuingTwice) {
    use_chunks(20);
    import(card_data_csv(0, 100));
    const auto sub = submit(batch_csv(0, 100));
    ProcessOptions crash;
    crash.owner = "run-1";
    crash.crash_point = CrashPoint::after_issue;
    crash.crash_chunk = 2;
    auto r = service->process(sub.batch.id, crash);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.code(), Errc::internal);
    // Chunk 1 recorded; chunk 2 issued by the CA but not recorded: its items are still issuing.
    auto b = cards->batch(sub.batch.id).value();
    EXPECT_EQ(b.issued, 20);
    EXPECT_EQ(certificates_by_request().size(), 40u);
    std::map<std::string, std::string> serial_before;
    for (const auto& [rid, certs] : certificates_by_request()) serial_before[rid] = hex_encode(certs.front().serial);

    // The crashed run's lease holds until it runs out (60 s) or another run takes over.
    ProcessOptions next;
    next.owner = "run-2";
    EXPECT_EQ(service->process(sub.batch.id, next).code(), Errc::ra_conflict);
    const std::int64_t now = to_unix(m_clock.now());
    EXPECT_EQ(cards->acquire_lease(sub.batch.id, "run-3", now + 59, now + 120, false).code(), Errc::ra_conflict);
    YX_CARD_ASSERT_OK(cards->acquire_lease(sub.batch.id, "run-3", now + 61, now + 120, false));
    YX_CARD_ASSERT_OK(cards->release_lease(sub.batch.id, "run-3"));
    YX_CARD_ASSERT_OK(cards->acquire_lease(sub.batch.id, "run-1", now, now + 60, false));  // as the crash left it
    next.take_over = true;
    r = service->process(sub.batch.id, next);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ(r->state, BatchState::done);
    EXPECT_EQ(r->issued, 100);
    const auto by_request = certificates_by_request();
    ASSERT_EQ(by_request.size(), 100u);
    for (const auto& [rid, certs] : by_request) EXPECT_EQ(certs.size(), 1u) << rid << " issued twice";
    // The items the crash left issuing got the certificates issued before the crash.
    const auto lines = text_lines(service->result_csv(sub.batch.id).value());
    for (std::uint32_t n = 20; n < 40; ++n) {
        const auto f = csv_split(lines[n + 1]);
        const std::string rid = "card:" + sub.batch.id + ":" + f[0];
        ASSERT_EQ(serial_before.count(rid), 1u) << rid;
        EXPECT_EQ(lower(f[3]), lower(serial_before[rid]));
    }
}

TEST_F(CardBatchTest, CrashAfterClaimAndACleanStopBothResume) {
    use_chunks(20);
    import(card_data_csv(0, 120));
    // Crash after the chunk was marked issuing, before the CA saw it: nothing issued for it.
    const auto a = submit(batch_csv(0, 60));
    ProcessOptions crash;
    crash.crash_point = CrashPoint::after_claim;
    crash.crash_chunk = 1;
    EXPECT_EQ(service->process(a.batch.id, crash).code(), Errc::internal);
    EXPECT_EQ(certificates_by_request().size(), 0u);
    ProcessOptions take;
    take.take_over = true;  // the crashed run is known to be gone
    auto r = service->process(a.batch.id, take);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ(r->issued, 60);
    EXPECT_EQ(certificates_by_request().size(), 60u);

    // A run limited to one chunk stops cleanly and gives the batch back at once.
    const auto b = submit(batch_csv(60, 120));
    ProcessOptions one;
    one.max_chunks = 1;
    r = service->process(b.batch.id, one);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ(r->state, BatchState::processing);
    EXPECT_EQ(r->done(), 20);
    EXPECT_EQ(service->unfinished_batches().value(), std::vector<std::string>{b.batch.id});
    r = service->process(b.batch.id);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ(r->issued, 60);
    const auto by_request = certificates_by_request();
    EXPECT_EQ(by_request.size(), 120u);
    for (const auto& [rid, certs] : by_request) EXPECT_EQ(certs.size(), 1u) << rid;
    EXPECT_TRUE(service->unfinished_batches().value().empty());
}

TEST_F(CardBatchTest, WorkerResumesUnfinishedBatchesOnStart) {
    use_chunks(10);
    import(card_data_csv(0, 30));
    const auto a = submit(batch_csv(0, 15));
    const auto b = submit(batch_csv(15, 30));
    std::vector<std::string> errors;
    {
        CardBatchWorker worker(*service,
                               [&](const std::string& id, const Error& e) { errors.push_back(id + e.message); });
        YX_CARD_ASSERT_OK(worker.start());
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        while (!worker.idle() && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        EXPECT_TRUE(worker.idle());
    }
    EXPECT_TRUE(errors.empty()) << errors.front();
    EXPECT_EQ(cards->batch(a.batch.id)->state, BatchState::done);
    EXPECT_EQ(cards->batch(b.batch.id)->state, BatchState::done);
    EXPECT_EQ(certificates_by_request().size(), 30u);
}

// ---- modes 3 and 5 -------------------------------------------------------------------------

TEST_F(CardBatchTest, RealTimeSingleRequestsModes3And5) {
    import(card_data_csv(0, 3));
    SingleRequest one;
    one.ca_id = "demo-sub";
    one.card_number = card_number(0);
    one.id_number = citizen_id(0);
    one.name = holder_name(0);
    one.public_key = card_key(0).public_key().point();
    auto r = service->request_single({"ci", "terminal-7"}, one);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_TRUE(r->created);
    auto cert = x509::Certificate::parse(r->certificate_der).value();
    EXPECT_EQ(cert.subject().get(asn1::oids::at_common_name), holder_name(0));
    EXPECT_EQ(cert.public_key_info().key_bytes(), one.public_key);
    EXPECT_EQ(cards->batch(r->batch_id)->mode, CardMode::quick_issue);

    // The terminal retries (a lost answer): the same certificate, nothing new issued.
    const std::size_t issued = certificates_by_request().size();
    auto again = service->request_single({"ci", "terminal-7"}, one);
    ASSERT_TRUE(again.ok()) << again.error().to_string();
    EXPECT_FALSE(again->created);
    EXPECT_EQ(again->serial_hex, r->serial_hex);
    EXPECT_EQ(again->certificate_der, r->certificate_der);
    EXPECT_EQ(certificates_by_request().size(), issued);

    // Mode 5 (service window) with a PKCS#10 made on the card.
    SingleRequest window;
    window.ca_id = "demo-sub";
    window.mode = CardMode::service_window;
    window.card_number = card_number(1);
    window.id_number = citizen_id(1);
    window.name = holder_name(1);
    window.pkcs10 = base64_decode(pkcs10_base64(card_key(1), "ignored")).value();
    r = service->request_single({"bo", "window-2"}, window);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    cert = x509::Certificate::parse(r->certificate_der).value();
    EXPECT_EQ(cert.subject().get(asn1::oids::at_common_name), holder_name(1));  // the matched holder, not the CSR's

    // A card the issuing system has not reported yet: refused; once its data arrives, the same
    // request is tried again and issued.
    SingleRequest later = one;
    later.card_number = card_number(50);
    later.id_number = citizen_id(50);
    later.name = holder_name(50);
    later.public_key = card_key(50).public_key().point();
    r = service->request_single({"ci", "terminal-7"}, later);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.code(), Errc::ra_batch_mismatch);
    import(card_data_csv(50, 51));
    r = service->request_single({"ci", "terminal-7"}, later);
    ASSERT_TRUE(r.ok()) << r.error().to_string();

    // Bad requests persist nothing.
    const std::int64_t batches = count_rows("card_batches");
    SingleRequest bad = one;
    bad.mode = CardMode::vendor_batch;
    EXPECT_EQ(service->request_single({"ci", "t"}, bad).code(), Errc::ra_bad_request);
    bad = one;
    bad.public_key.clear();
    EXPECT_EQ(service->request_single({"ci", "t"}, bad).code(), Errc::ra_bad_request);
    bad = one;
    bad.pkcs10 = Bytes{0x30, 0x00};
    EXPECT_EQ(service->request_single({"ci", "t"}, bad).code(), Errc::ra_bad_request);
    bad = one;
    bad.card_number = "卡号";
    EXPECT_EQ(service->request_single({"ci", "t"}, bad).code(), Errc::ra_bad_request);
    EXPECT_EQ(count_rows("card_batches"), batches);

    // Each request is one audit record (no chunk records for single requests).
    const auto recs = audit_records("ra.card_request");
    EXPECT_EQ(recs.size(), 9u);
    EXPECT_TRUE(audit_records("ra.card_batch.chunk").empty());
}

}  // namespace
}  // namespace yinxin::ra::test
