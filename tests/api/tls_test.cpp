// HTTPS: a throwaway ECDSA P-256 CA, server and client certificates made with the openssl CLI (an
// independent implementation), then real TLS clients (Beast and curl) against the server.
#include <gtest/gtest.h>

#include "http_client.h"
#include "server_fixture.h"
#include "support/test_support.h"

namespace yinxin::test {
namespace {

using namespace std::chrono_literals;

// CA + leaf certificates in a scratch directory.
class Pki {
public:
    explicit Pki(const ScratchDir& dir) : m_dir(dir) {}

    ::testing::AssertionResult make() {
        if (auto a = openssl_available(); !a) return a;
        for (auto step : {&Pki::ca_step, &Pki::leaves_step}) {
            if (auto r = (this->*step)(); !r) return r;
        }
        return ::testing::AssertionSuccess();
    }
    std::string path(std::string_view name) const { return (m_dir / name).string(); }

private:
    ::testing::AssertionResult run(const std::vector<std::string>& args) {
        auto r = openssl(args);
        if (r.exit_code != 0) {
            std::vector<std::string> full{"openssl"};
            full.insert(full.end(), args.begin(), args.end());
            return ::testing::AssertionFailure() << describe(full, r);
        }
        return ::testing::AssertionSuccess();
    }
    ::testing::AssertionResult key(const std::string& name) {
        return run({"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", path(name)});
    }
    ::testing::AssertionResult ca(const std::string& name, const std::string& cn) {
        if (auto r = key(name + ".key"); !r) return r;
        return run({"req", "-x509", "-new", "-key", path(name + ".key"), "-subj", "/CN=" + cn, "-days", "2", "-out",
                    path(name + ".pem"), "-addext", "basicConstraints=critical,CA:TRUE", "-addext",
                    "keyUsage=critical,keyCertSign,cRLSign"});
    }
    ::testing::AssertionResult leaf(const std::string& name, const std::string& cn, const std::string& issuer,
                                    const std::string& ext) {
        if (auto r = key(name + ".key"); !r) return r;
        if (auto r =
                run({"req", "-new", "-key", path(name + ".key"), "-subj", "/CN=" + cn, "-out", path(name + ".csr")});
            !r) {
            return r;
        }
        write_file(m_dir / (name + ".ext"), ext);
        if (auto r = run({"x509", "-req", "-in", path(name + ".csr"), "-CA", path(issuer + ".pem"), "-CAkey",
                          path(issuer + ".key"), "-set_serial", std::to_string(++m_serial), "-days", "1", "-extfile",
                          path(name + ".ext"), "-out", path(name + ".pem")});
            !r) {
            return r;
        }
        return run({"x509", "-in", path(name + ".pem"), "-outform", "DER", "-out", path(name + ".der")});
    }
    ::testing::AssertionResult ca_step() {
        if (auto r = ca("ca", "Yinxin Test CA"); !r) return r;
        return ca("rogue", "Rogue CA");
    }
    ::testing::AssertionResult leaves_step() {
        const std::string server_ext =
            "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n"
            "subjectAltName=IP:127.0.0.1\n";
        const std::string client_ext =
            "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n";
        if (auto r = leaf("server", "127.0.0.1", "ca", server_ext); !r) return r;
        if (auto r = leaf("client", "operator-01", "ca", client_ext); !r) return r;
        return leaf("intruder", "intruder", "rogue", client_ext);
    }

    const ScratchDir& m_dir;
    int m_serial = 1;
};

class TlsTest : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_TRUE(m_pki.make()); }
    void start(bool client_ca, bool require) {
        auto c = test_config(m_sink);
        api::TlsConfig tls;
        tls.certificate_chain_file = m_pki.path("server.pem");
        tls.private_key_file = m_pki.path("server.key");
        if (client_ca) tls.client_ca_file = m_pki.path("ca.pem");
        tls.require_client_certificate = require;
        c.tls = tls;
        m_server = std::make_unique<api::Server>(c);
        add_test_routes(*m_server);
        auto st = m_server->start();
        ASSERT_TRUE(st.ok()) << st.error().to_string();
    }
    TlsClientOptions client(std::string_view who = {}) const {
        TlsClientOptions o;
        o.ca_file = m_pki.path("ca.pem");
        if (!who.empty()) {
            o.cert_file = m_pki.path(std::string(who) + ".pem");
            o.key_file = m_pki.path(std::string(who) + ".key");
        }
        return o;
    }

    ScratchDir m_dir;
    Pki m_pki{m_dir};
    std::shared_ptr<CaptureSink> m_sink = std::make_shared<CaptureSink>();
    std::unique_ptr<api::Server> m_server;
};

TEST_F(TlsTest, HttpsRequestVerifiesTheServer) {
    start(false, false);
    EXPECT_TRUE(m_server->url().starts_with("https://127.0.0.1:"));
    HttpClient c(m_server->port(), client());
    ASSERT_TRUE(c.ok()) << c.error();
    auto r = c.get("/health");
    ASSERT_TRUE(r) << c.error();
    EXPECT_EQ(r->status(), 200u);
    EXPECT_EQ(r->json()["status"], "ok");
    r = c.get("/whoami");
    ASSERT_TRUE(r) << c.error();
    EXPECT_EQ(r->json()["client_cert_der_hex"], "");

    // A client trusting another CA refuses the server.
    TlsClientOptions wrong;
    wrong.ca_file = m_pki.path("rogue.pem");
    HttpClient w(m_server->port(), wrong);
    EXPECT_FALSE(w.ok());

    // Plain HTTP on the TLS port: the handshake fails and the connection is closed, nothing served.
    RawConnection raw(m_server->port());
    raw.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
    auto rr = raw.read_until_close(3s);
    EXPECT_TRUE(rr.closed);
    EXPECT_EQ(rr.data.find("200"), std::string::npos);
}

TEST_F(TlsTest, ClientCertificateReachesTheHandler) {
    start(true, false);
    HttpClient c(m_server->port(), client("client"));
    ASSERT_TRUE(c.ok()) << c.error();
    auto r = c.get("/whoami");
    ASSERT_TRUE(r) << c.error();
    EXPECT_EQ(r->json()["client_cert_der_hex"], hex_encode(read_file(m_dir / "client.der")));

    // Optional mode: no certificate is fine, the handler sees none.
    HttpClient anon(m_server->port(), client());
    r = anon.get("/whoami");
    ASSERT_TRUE(r) << anon.error();
    EXPECT_EQ(r->json()["client_cert_der_hex"], "");

    // A certificate from an untrusted CA never reaches a handler (TLS 1.3 reports the failure on the
    // first read, TLS 1.2 in the handshake).
    HttpClient intruder(m_server->port(), client("intruder"));
    EXPECT_FALSE(intruder.ok() && intruder.get("/whoami").has_value());
}

TEST_F(TlsTest, RequiredClientCertificate) {
    start(true, true);
    HttpClient anon(m_server->port(), client());
    EXPECT_FALSE(anon.ok() && anon.get("/health").has_value());
    HttpClient c(m_server->port(), client("client"));
    auto r = c.get("/health");
    ASSERT_TRUE(r) << c.error();
    EXPECT_EQ(r->status(), 200u);
}

TEST_F(TlsTest, CurlWithClientCertificate) {
    ASSERT_TRUE(executable_available(YINXIN_CURL, "curl"));
    start(true, false);
    auto r = run_process({YINXIN_CURL, "-sS", "--cacert", m_pki.path("ca.pem"), "--cert", m_pki.path("client.pem"),
                          "--key", m_pki.path("client.key"), m_server->url() + "/whoami"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    auto j = nlohmann::json::parse(r.output, nullptr, false);
    EXPECT_EQ(j["client_cert_der_hex"], hex_encode(read_file(m_dir / "client.der"))) << r.output;
}

TEST_F(TlsTest, BadTlsMaterialIsRefusedAtStart) {
    auto c = test_config(m_sink);
    api::TlsConfig tls;
    tls.certificate_chain_file = m_pki.path("server.pem");
    tls.private_key_file = m_pki.path("client.key");  // not the server's key
    c.tls = tls;
    api::Server s(c);
    EXPECT_EQ(s.start().code(), Errc::api_tls_error);

    tls.private_key_file = m_pki.path("missing.key");
    c.tls = tls;
    api::Server s2(c);
    EXPECT_EQ(s2.start().code(), Errc::api_tls_error);

    // TLS on a non-loopback address is allowed.
    tls.private_key_file = m_pki.path("server.key");
    c.tls = tls;
    c.address = "0.0.0.0";
    api::Server s3(c);
    EXPECT_TRUE(s3.start().ok());
}

}  // namespace
}  // namespace yinxin::test
