// Shared fixture of the publication tests: the CA fixture (real SQLite store and soft device, the
// demo hierarchy, a fixed clock) plus the certificate status service, the publication queue on
// the same store file, and a Publisher whose events are collected.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "ca/ca_test_util.h"
#include "yinxin/ca/status.h"
#include "yinxin/publish/publisher.h"
#include "yinxin/store/sqlite_publication_store.h"
#include "yinxin/store/sqlite_revocation_store.h"

namespace yinxin::publish::test {

using ca::test::k_key_pin;
using ca::test::profiles;
using ca::test::request_data;
using yinxin::test::ScratchDir;

class PublishFixture : public ca::test::CaFixture {
protected:
    void SetUp() override {
        CaFixture::SetUp();
        run_demo();
        auto st = store::SqliteRevocationStore::open(store_path(), {.busy_timeout_ms = 5000, .clock = &m_clock});
        ASSERT_TRUE(st.ok()) << st.error().to_string();
        m_status = std::move(st).value();
        auto q = store::SqlitePublicationStore::open(store_path(), {.busy_timeout_ms = 5000, .clock = &m_clock});
        ASSERT_TRUE(q.ok()) << q.error().to_string();
        m_queue = std::move(q).value();
    }

    ca::StatusService status_service(bool deltas = false) {
        ca::CrlPolicy p;
        p.deltas = deltas;
        p.base_url = "http://127.0.0.1:8080";
        return ca::StatusService(
            stores(), *m_status, ca::device_key_resolver(*m_device, "soft", std::string(k_key_pin)), m_clock,
            [this](const ca::CaEvent& e) { m_events.push_back(e); }, p);
    }

    Publisher publisher(bool with_keys = true) {
        PublisherOptions o;
        if (with_keys) o.keys = ca::device_key_resolver(*m_device, "soft", std::string(k_key_pin));
        return Publisher(
            *m_queue, *m_store, m_clock, [this](const PublishEvent& e) { m_published.push_back(e); }, std::move(o));
    }

    // A personnel certificate of demo-sub for "CN=<cn>,O=<org>,ST=山东省,C=CN"; returns (serial, DER).
    std::pair<Bytes, Bytes> issue(const std::string& request_id, const std::string& cn,
                                  const std::string& org = "Applicant Org") {
        ca::IssueRequest r;
        r.ca_id = "demo-sub";
        r.profile_id = "personnel-sign";
        r.csr = make_csr({{"C", "CN"}, {"O", org}, {"CN", cn}});
        r.data = request_data(*profiles().find("personnel-sign").value());
        for (auto& [label, value] : r.data.subject) {
            if (label == "CN") value = cn;
            if (label == "O") value = org;
        }
        r.request_id = request_id;
        auto issued = issuer().issue(r);
        EXPECT_TRUE(issued.ok()) << issued.error().to_string();
        if (!issued.ok()) return {};
        return {issued->serial, issued->certificate_der};
    }

    // Revokes and returns the CRL signed right after.
    ca::CrlRecord revoke(ca::StatusService& svc, const Bytes& serial) {
        auto r = svc.revoke({.ca_id = "demo-sub",
                             .serial = serial,
                             .reason = x509::CrlReason::key_compromise,
                             .invalidity_date = std::nullopt,
                             .actor = "operator-1"});
        EXPECT_TRUE(r.ok()) << r.error().to_string();
        if (!r.ok() || !r->crl) {
            ADD_FAILURE() << "no CRL after the revocation";
            return {};
        }
        return *r->crl;
    }

    // The CA's certificate as stored.
    Bytes ca_der(const std::string& id) {
        const auto c = ca_cert(id);
        return {c.der().begin(), c.der().end()};
    }

    std::vector<QueueItem> rows(const std::string& target, bool pending_only = false) {
        QueueFilter f;
        f.target_id = target;
        f.pending_only = pending_only;
        f.limit = 1000;
        auto r = m_queue->list_items(f);
        EXPECT_TRUE(r.ok()) << r.error().to_string();
        return r.ok() ? *r : std::vector<QueueItem>{};
    }

    std::size_t count_events(const std::string& action) const {
        return static_cast<std::size_t>(std::count_if(m_published.begin(), m_published.end(),
                                                      [&](const PublishEvent& e) { return e.action == action; }));
    }

    std::unique_ptr<store::SqliteRevocationStore> m_status;
    std::unique_ptr<store::SqlitePublicationStore> m_queue;
    std::vector<PublishEvent> m_published;
};

}  // namespace yinxin::publish::test
