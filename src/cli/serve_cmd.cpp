// `yinxin serve --listen 127.0.0.1:8080 [--tls-cert F --tls-key F [--client-ca F]] [--data-dir D]`
#include "serve_cmd.h"

#include <CLI/CLI.hpp>

#include <charconv>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include "cli_util.h"
#include "yinxin/api/public_routes.h"
#include "yinxin/api/server.h"
#include "yinxin/store/sqlite_store.h"

namespace yinxin::cli {

namespace {

struct ServeOptions {
    std::string listen = "127.0.0.1:8080";
    std::string tls_cert;
    std::string tls_key;
    std::string client_ca;
    bool require_client_cert = false;
    bool allow_insecure_http = false;
    std::string data_dir;
    unsigned threads = 2;
    unsigned handler_threads = 4;
    std::uint64_t max_body_bytes = std::uint64_t{1024} * 1024;
    double grace_seconds = 10;
};

// "127.0.0.1:8080", "[::1]:8080", "0.0.0.0:443".
Result<std::pair<std::string, std::uint16_t>> parse_listen(const std::string& s) {
    std::string host;
    std::string port;
    if (!s.empty() && s.front() == '[') {
        const auto close = s.find(']');
        if (close == std::string::npos || close + 1 >= s.size() || s[close + 1] != ':') {
            return make_error(Errc::invalid_argument, "--listen '" + s + "': expected [v6-address]:port");
        }
        host = s.substr(1, close - 1);
        port = s.substr(close + 2);
    } else {
        const auto colon = s.rfind(':');
        if (colon == std::string::npos)
            return make_error(Errc::invalid_argument, "--listen '" + s + "': expected host:port");
        host = s.substr(0, colon);
        port = s.substr(colon + 1);
    }
    unsigned value = 0;
    auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || ptr != port.data() + port.size() || value > 65535 || host.empty()) {
        return make_error(Errc::invalid_argument, "--listen '" + s + "': bad port");
    }
    return std::make_pair(host, static_cast<std::uint16_t>(value));
}

void run_serve(const ServeOptions& o) {
    auto where = take(parse_listen(o.listen));
    api::ServerConfig config;
    config.address = where.first;
    config.port = where.second;
    config.io_threads = o.threads;
    config.handler_threads = o.handler_threads;
    config.limits.max_body_bytes = o.max_body_bytes;
    config.allow_plain_http_on_non_loopback = o.allow_insecure_http;
    config.version = YINXIN_VERSION;
    if (!o.tls_cert.empty() || !o.tls_key.empty()) {
        if (o.tls_cert.empty() || o.tls_key.empty()) {
            fail(make_error(Errc::invalid_argument, "--tls-cert and --tls-key go together"));
        }
        api::TlsConfig tls;
        tls.certificate_chain_file = o.tls_cert;
        tls.private_key_file = o.tls_key;
        tls.client_ca_file = o.client_ca;
        tls.require_client_certificate = o.require_client_cert;
        config.tls = tls;
    } else if (!o.client_ca.empty()) {
        fail(make_error(Errc::invalid_argument, "--client-ca needs --tls-cert and --tls-key"));
    }
    if (!o.data_dir.empty()) {
        std::error_code ec;
        std::filesystem::create_directories(o.data_dir, ec);
        if (ec) fail(make_error(Errc::io_error, "--data-dir '" + o.data_dir + "': " + ec.message()));
    }

    // Installed before the server starts, so a signal during start-up is not fatal.
    api::TerminationSignals signals;
    api::Server server(config);
    // The embedded store of the data directory (created by `yinxin ca init`): public CA routes.
    std::unique_ptr<store::SqliteStore> store;
    if (!o.data_dir.empty()) {
        store = take(store::SqliteStore::open((std::filesystem::path(o.data_dir) / "store.db").string()));
        check(api::add_public_ca_routes(server, *store, *store));
        server.add_health_check("store", [s = store.get()]() -> Status {
            auto cas = s->list_cas();
            return cas.ok() ? ok_status() : Status(cas.error());
        });
    }
    check(server.start());
    const std::string url = server.url();
    std::cout << "listening on " << url << "\n"
              << "  health:  " << url << "/health\n"
              << "  metrics: " << url << "/metrics" << std::endl;
    if (store) {
        std::cout << "  CAs:     " << url << "/api/v1/cas" << std::endl;
        auto cas = store->list_cas();
        if (cas.ok()) {
            for (const auto& c : cas.value())
                std::cout << "  CA cert: " << url << "/ca/" << c.id << ".cer" << std::endl;
        }
    }
    const int sig = signals.wait();
    std::cout << "signal " << sig << ": shutting down" << std::endl;
    const bool clean = server.stop(std::chrono::milliseconds(static_cast<long long>(o.grace_seconds * 1000.0)));
    std::cout << (clean ? "stopped" : "stopped (requests still running at the deadline were cut off)") << std::endl;
}

}  // namespace

void register_serve_commands(CLI::App& app) {
    auto opts = std::make_shared<ServeOptions>();
    auto* serve = app.add_subcommand("serve", "Run the HTTP API server until SIGINT/SIGTERM");
    serve->add_option("--listen", opts->listen, "Address and port, e.g. 127.0.0.1:8080 or [::1]:8443 (port 0: any)")
        ->capture_default_str();
    serve->add_option("--tls-cert", opts->tls_cert, "Server certificate chain (PEM), enables HTTPS");
    serve->add_option("--tls-key", opts->tls_key, "Server private key (PEM)");
    serve->add_option("--client-ca", opts->client_ca, "CA bundle (PEM) for client certificates (staff, systems)");
    serve->add_flag("--require-client-cert", opts->require_client_cert, "Refuse TLS clients without a certificate");
    serve->add_flag("--allow-insecure-http", opts->allow_insecure_http,
                    "Allow plain HTTP on a non-loopback address (only behind a local TLS terminator)");
    serve->add_option("--data-dir", opts->data_dir, "Directory for the embedded store");
    serve->add_option("--threads", opts->threads, "Network I/O threads")
        ->capture_default_str()
        ->check(CLI::Range(1, 64));
    serve->add_option("--handler-threads", opts->handler_threads, "Request handler threads")
        ->capture_default_str()
        ->check(CLI::Range(1, 256));
    serve->add_option("--max-body-bytes", opts->max_body_bytes, "Default request body limit")->capture_default_str();
    serve->add_option("--shutdown-grace", opts->grace_seconds, "Seconds in-flight requests get on shutdown")
        ->capture_default_str();
    serve->callback([opts] { run_serve(*opts); });
}

}  // namespace yinxin::cli
