// yinxin: the single command-line entry point (ARCHITECTURE.md "Interfaces users expect").
// The CLI parses arguments, calls the components and renders results; it holds no business rules.
#include <CLI/CLI.hpp>
#include <openssl/opensslv.h>

#include <iostream>
#include <string>

#include "audit_cmd.h"
#include "ca_cmd.h"
#include "card_cmd.h"
#include "carrier_cmd.h"
#include "device_cmd.h"
#include "kmc_cmd.h"
#include "notify_cmd.h"
#include "publish_cmd.h"
#include "seal_cmd.h"
#include "seal_use_cmd.h"
#include "sealsys_cmd.h"
#include "serve_cmd.h"
#include "yinxin/crypto/self_test.h"

namespace {

std::string json_escape(const std::string& s) {
    std::string out;
    for (char c : s) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", c);
                    out += buf;
                } else {
                    out += c;
                }
        }
    }
    return out;
}

int cmd_version(bool json) {
    if (json) {
        std::cout << "{\"version\":\"" << YINXIN_VERSION << "\",\"openssl\":\"" << OPENSSL_VERSION_TEXT << "\"}\n";
    } else {
        std::cout << "yinxin " << YINXIN_VERSION << " (" << OPENSSL_VERSION_TEXT << ")\n";
    }
    return 0;
}

int cmd_selftest(bool json) {
    auto report = yinxin::crypto::run_self_tests();
    if (json) {
        std::cout << "{\"passed\":" << (report.passed() ? "true" : "false") << ",\"items\":[";
        for (std::size_t i = 0; i < report.items.size(); ++i) {
            const auto& it = report.items[i];
            std::cout << (i ? "," : "") << "{\"name\":\"" << json_escape(it.name)
                      << "\",\"passed\":" << (it.passed ? "true" : "false") << ",\"detail\":\""
                      << json_escape(it.detail) << "\"}";
        }
        std::cout << "]}\n";
    } else {
        for (const auto& it : report.items)
            std::cout << (it.passed ? "  ok    " : "  FAIL  ") << it.name << (it.detail.empty() ? "" : ": ")
                      << it.detail << "\n";
        std::cout << (report.passed() ? "self-test passed\n" : "self-test FAILED\n");
    }
    return report.passed() ? 0 : 1;
}

int run(int argc, char** argv) {
    CLI::App app{"Yinxin (印信): electronic certification service and electronic seal platform"};
    app.require_subcommand(1);
    bool json = false;
    app.add_flag("--json", json, "Machine-readable JSON output");

    auto* version = app.add_subcommand("version", "Print the version");
    auto* selftest = app.add_subcommand("selftest", "Run the cryptographic power-on self-tests (SM2/SM3/SM4)");

    // Commands registered by component files run inside CLI11 callbacks and report failure by
    // throwing CLI::RuntimeError, which CLI11_PARSE turns into the exit code.
    yinxin::cli::register_device_commands(app);
    yinxin::cli::register_audit_commands(app);  // before ca: ca adds `audit checkpoint`
    yinxin::cli::register_ca_commands(app);
    yinxin::cli::register_seal_commands(app);
    yinxin::cli::register_seal_use_commands(app);
    yinxin::cli::register_sealsys_commands(app);
    yinxin::cli::register_publish_commands(app);
    yinxin::cli::register_carrier_commands(app);
    yinxin::cli::register_card_commands(app);
    yinxin::cli::register_notify_commands(app);
    yinxin::cli::register_kmc_commands(app);
    yinxin::cli::register_serve_commands(app);

    CLI11_PARSE(app, argc, argv);
    if (version->parsed()) return cmd_version(json);
    if (selftest->parsed()) return cmd_selftest(json);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    // Exceptions are for bugs only (STYLE.md 9); report one instead of aborting without a word.
    try {
        return run(argc, argv);
    } catch (const std::exception& e) {
        std::cerr << "yinxin: internal error (a bug, please report): " << e.what() << "\n";
    } catch (...) {
        std::cerr << "yinxin: internal error (a bug, please report)\n";
    }
    return 70;  // EX_SOFTWARE
}
