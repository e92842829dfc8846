#include "smtp.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <ctime>
#include <fstream>
#include <set>
#include <vector>

#include "yinxin/base/bytes.h"
#include "yinxin/base/secure.h"

namespace yinxin::ra::smtp {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;

// RFC 5321 4.5.3.1.5: a reply line is at most 512 octets; some servers send longer EHLO lines.
constexpr std::size_t k_max_reply_line = 4096;
constexpr int k_max_reply_lines = 100;
constexpr std::size_t k_max_text_line = 998;      // RFC 5322 2.1.1
constexpr std::size_t k_subject_word_bytes = 36;  // 48 base64 characters: 60 with the "=?UTF-8?B?" frame

bool is_ascii_text(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u < 0x80;
    });
}

std::string trimmed(std::string_view s, std::size_t max) {
    std::string out(s.substr(0, std::min(s.size(), max)));
    for (char& c : out)
        if (static_cast<unsigned char>(c) < 0x20) c = ' ';
    if (s.size() > max) out += "...";
    return out;
}

// Splits into lines without their CR LF / LF ends (a bare CR ends a line too).
std::vector<std::string_view> split_lines(std::string_view text) {
    std::vector<std::string_view> lines;
    std::size_t start = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\r' || text[i] == '\n') {
            lines.push_back(text.substr(start, i - start));
            if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
            start = i + 1;
        }
    }
    if (start < text.size()) lines.push_back(text.substr(start));
    return lines;
}

std::string domain_of(std::string_view mailbox) {
    const auto at = mailbox.rfind('@');
    return at == std::string_view::npos ? std::string("yinxin.invalid") : std::string(mailbox.substr(at + 1));
}

bool is_loopback_host(const std::string& host) {
    if (host == "localhost") return true;
    boost::system::error_code ec;
    const auto a = net::ip::make_address(host, ec);
    return !ec && a.is_loopback();
}

Result<std::string> read_password(const std::string& path) {
    std::ifstream f(path);
    if (!f) return make_error(Errc::ra_delivery_failed, "SMTP password file '" + path + "' cannot be read");
    std::string line;
    std::getline(f, line);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) return make_error(Errc::ra_delivery_failed, "SMTP password file '" + path + "' is empty");
    return line;
}

struct Reply {
    int code = 0;
    std::vector<std::string> lines;  // the text after "NNN-" / "NNN "

    std::string text() const {
        std::string t = std::to_string(code);
        for (const auto& l : lines) t += " " + l;
        return trimmed(t, 400);
    }
};

// One SMTP conversation. Each network step is an asynchronous operation run to completion on the
// session's own io_context under the configured timeout (a synchronous read would wait for ever on
// a stalled server).
class Session {
public:
    explicit Session(const SmtpConfig& config)
        : m_config(config), m_tls_context(make_context(config, m_context_error)), m_stream(m_ioc, m_tls_context) {}

    Status run(const MailMessage& m, std::string_view ehlo_name) {
        YX_TRY(connect());
        YX_ASSIGN_OR_RETURN(Reply greeting, read_reply("greeting"));
        YX_TRY(expect(greeting, 2, "greeting"));
        const std::string name = ehlo_name.empty() ? local_literal() : std::string(ehlo_name);
        YX_TRY(hello(name));
        if (m_config.starttls) {
            if (!m_extensions.contains("STARTTLS"))
                return fail("the server does not offer STARTTLS (\"starttls\": true in notify.json)");
            YX_ASSIGN_OR_RETURN(Reply r, command("STARTTLS", "STARTTLS"));
            YX_TRY(expect(r, 2, "STARTTLS"));
            // RFC 3207 5: nothing the server sent before the handshake may be used (a man in the
            // middle could have injected it).
            if (!m_read.empty()) return fail("the server sent data after its STARTTLS answer");
            YX_TRY(handshake());
            YX_TRY(hello(name));  // RFC 3207 4.2: the client discards what it knew and asks again
        }
        if (!m_config.username.empty()) YX_TRY(authenticate());
        const bool eight_bit = m_extensions.contains("8BITMIME");
        const std::string message = build_message(m, eight_bit);
        const bool sends_8bit = message.find("Content-Transfer-Encoding: 8bit") != std::string::npos;
        YX_ASSIGN_OR_RETURN(Reply r,
                            command("MAIL FROM:<" + m.from + ">" + (sends_8bit ? " BODY=8BITMIME" : ""), "MAIL FROM"));
        YX_TRY(expect(r, 2, "MAIL FROM"));
        m_past_sender = true;
        YX_ASSIGN_OR_RETURN(r, command("RCPT TO:<" + m.to + ">", "RCPT TO"));
        YX_TRY(expect(r, 2, "RCPT TO <" + m.to + ">"));
        YX_ASSIGN_OR_RETURN(r, command("DATA", "DATA"));
        YX_TRY(expect(r, 3, "DATA"));
        YX_TRY(write(dot_stuff(message) + ".\r\n", "message"));
        YX_ASSIGN_OR_RETURN(r, read_reply("end of message"));
        YX_TRY(expect(r, 2, "end of message"));
        // The message is accepted; a QUIT that goes wrong changes nothing.
        (void)command("QUIT", "QUIT");
        return ok_status();
    }

    // MAIL FROM was accepted: a failure after it is about this message, not the server.
    bool past_sender() const noexcept { return m_past_sender; }

private:
    Error fail(const std::string& what) const {
        return make_error(Errc::ra_delivery_failed,
                          "SMTP " + m_config.host + ":" + std::to_string(m_config.port) + ": " + what);
    }

    beast::tcp_stream& lowest() { return beast::get_lowest_layer(m_stream); }

    // Runs one asynchronous operation to completion: its error, or timed_out.
    template <class Start>
    beast::error_code wait(Start&& start) {
        beast::error_code result = net::error::timed_out;
        lowest().expires_after(m_config.timeout);
        std::forward<Start>(start)([&result](beast::error_code ec, auto&&...) { result = ec; });
        m_ioc.restart();
        m_ioc.run();
        return result;
    }

    std::string network_error(const beast::error_code& ec) const {
        if (ec == beast::error::timeout || ec == net::error::timed_out)
            return "no answer within " + std::to_string(m_config.timeout.count()) + " s";
        return ec.message();
    }

    Status connect() {
        tcp::resolver resolver(m_ioc);
        tcp::resolver::results_type endpoints;
        beast::error_code rec = net::error::timed_out;
        resolver.async_resolve(m_config.host, std::to_string(m_config.port),
                               [&](beast::error_code ec, const tcp::resolver::results_type& r) {
                                   rec = ec;
                                   endpoints = r;
                               });
        m_ioc.restart();
        // Name resolution is not covered by the stream's timer.
        if (m_ioc.run_for(m_config.timeout) == 0 && !m_ioc.stopped()) {
            resolver.cancel();
            m_ioc.run();
        }
        if (rec) return fail("cannot resolve: " + network_error(rec));
        const auto ec = wait([&](auto handler) { lowest().async_connect(endpoints, std::move(handler)); });
        if (ec) return fail("cannot connect: " + network_error(ec));
        return ok_status();
    }

    std::string local_literal() {
        boost::system::error_code ec;
        const auto ep = lowest().socket().local_endpoint(ec);
        if (ec) return "[127.0.0.1]";
        const auto a = ep.address();
        // RFC 5321 4.1.3: address literals.
        if (a.is_v6() && !a.to_v6().is_v4_mapped()) return "[IPv6:" + a.to_string() + "]";
        if (a.is_v6()) return "[" + net::ip::make_address_v4(net::ip::v4_mapped, a.to_v6()).to_string() + "]";
        return "[" + a.to_string() + "]";
    }

    Status write(const std::string& data, std::string_view step) {
        const auto ec = wait([&](auto handler) {
            if (m_tls)
                net::async_write(m_stream, net::buffer(data), std::move(handler));
            else
                net::async_write(m_stream.next_layer(), net::buffer(data), std::move(handler));
        });
        if (ec) return fail(std::string(step) + ": cannot send: " + network_error(ec));
        return ok_status();
    }

    Result<Reply> read_reply(std::string_view step) {
        Reply reply;
        for (int n = 0; n < k_max_reply_lines; ++n) {
            auto buffer = net::dynamic_buffer(m_read, k_max_reply_line);
            const auto ec = wait([&](auto handler) {
                if (m_tls)
                    net::async_read_until(m_stream, buffer, "\r\n", std::move(handler));
                else
                    net::async_read_until(m_stream.next_layer(), buffer, "\r\n", std::move(handler));
            });
            if (ec == net::error::eof) return fail(std::string(step) + ": the server closed the connection");
            if (ec) return fail(std::string(step) + ": " + network_error(ec));
            const auto end = m_read.find("\r\n");
            const std::string line = m_read.substr(0, end);
            m_read.erase(0, end + 2);
            // RFC 5321 4.2: Reply-code [ "-" / SP text ]; continuation lines repeat the code.
            const bool well_formed = line.size() >= 3 && std::isdigit(static_cast<unsigned char>(line[0])) &&
                                     std::isdigit(static_cast<unsigned char>(line[1])) &&
                                     std::isdigit(static_cast<unsigned char>(line[2])) &&
                                     (line.size() == 3 || line[3] == ' ' || line[3] == '-');
            if (!well_formed) return fail(std::string(step) + ": not an SMTP reply: " + trimmed(line, 200));
            const int code = std::stoi(line.substr(0, 3));
            if (n > 0 && code != reply.code)
                return fail(std::string(step) + ": reply lines with different codes: " + trimmed(line, 200));
            reply.code = code;
            reply.lines.push_back(line.size() > 4 ? line.substr(4) : std::string());
            if (line.size() == 3 || line[3] == ' ') return reply;
        }
        return fail(std::string(step) + ": reply of more than " + std::to_string(k_max_reply_lines) + " lines");
    }

    Result<Reply> command(const std::string& line, std::string_view step) {
        YX_TRY(write(line + "\r\n", step));
        return read_reply(step);
    }

    Status expect(const Reply& r, int reply_class, const std::string& step) const {
        if (r.code / 100 == reply_class) return ok_status();
        const char* kind = r.code / 100 == 4 ? " (temporary)" : r.code / 100 == 5 ? " (permanent)" : "";
        return fail(step + " refused" + kind + ": " + r.text());
    }

    // EHLO (RFC 5321 4.1.1.1), HELO when the server does not know it; records the extensions.
    Status hello(const std::string& name) {
        m_extensions.clear();
        m_auth_mechanisms.clear();
        YX_ASSIGN_OR_RETURN(Reply r, command("EHLO " + name, "EHLO"));
        if (r.code == 500 || r.code == 502) {
            YX_ASSIGN_OR_RETURN(r, command("HELO " + name, "HELO"));
            return expect(r, 2, "HELO");
        }
        YX_TRY(expect(r, 2, "EHLO"));
        for (std::size_t i = 1; i < r.lines.size(); ++i) {
            std::string word;
            std::vector<std::string> params;
            std::string current;
            for (char c : r.lines[i] + " ") {
                if (c == ' ') {
                    if (!current.empty()) (word.empty() ? word : params.emplace_back()) = current;
                    current.clear();
                } else {
                    current += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
                }
            }
            if (word.empty()) continue;
            if (word == "AUTH") m_auth_mechanisms.insert(params.begin(), params.end());
            m_extensions.insert(word);
        }
        return ok_status();
    }

    // The TLS settings are made before the stream (its SSL object copies them when it is created).
    static net::ssl::context make_context(const SmtpConfig& config, std::string& error) {
        net::ssl::context ctx(net::ssl::context::tls_client);
        ctx.set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                        net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 | net::ssl::context::no_tlsv1_1);
        boost::system::error_code ec;
        if (config.ca_file.empty())
            ctx.set_default_verify_paths(ec);
        else
            ctx.load_verify_file(config.ca_file, ec);
        if (ec) error = "CA file '" + config.ca_file + "' cannot be loaded: " + ec.message();
        ctx.set_verify_mode(net::ssl::verify_peer);
        return ctx;
    }

    Status handshake() {
        if (!m_context_error.empty()) return fail(m_context_error);
        SSL* ssl = m_stream.native_handle();
        // RFC 9525: the certificate must name the configured host (an IP address as iPAddress).
        X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
        boost::system::error_code aec;
        (void)net::ip::make_address(m_config.host, aec);
        if (!aec) {
            if (X509_VERIFY_PARAM_set1_ip_asc(param, m_config.host.c_str()) != 1)
                return fail("bad IP address '" + m_config.host + "'");
        } else if (SSL_set_tlsext_host_name(ssl, m_config.host.c_str()) != 1 ||
                   SSL_set1_host(ssl, m_config.host.c_str()) != 1) {
            return fail("bad host name '" + m_config.host + "'");
        }
        const auto hec =
            wait([&](auto handler) { m_stream.async_handshake(net::ssl::stream_base::client, std::move(handler)); });
        if (hec) {
            std::string what = network_error(hec);
            const long verify = SSL_get_verify_result(ssl);
            if (verify != X509_V_OK) what += " (" + std::string(X509_verify_cert_error_string(verify)) + ")";
            return fail("STARTTLS handshake failed: " + what);
        }
        m_tls = true;
        return ok_status();
    }

    // RFC 4616: base64("" NUL username NUL password); only on an encrypted connection or to a
    // relay on this host.
    Status authenticate() {
        if (!m_tls && !is_loopback_host(m_config.host))
            return fail("will not send the password in clear: turn on \"starttls\"");
        if (!m_auth_mechanisms.contains("PLAIN")) return fail("the server does not offer AUTH PLAIN");
        YX_ASSIGN_OR_RETURN(std::string password, read_password(m_config.password_file));
        std::string token;
        token.push_back('\0');
        token += m_config.username;
        token.push_back('\0');
        token += password;
        std::string line = "AUTH PLAIN " + base64_encode(as_bytes(token));
        secure_zero(password.data(), password.size());
        secure_zero(token.data(), token.size());
        auto r = command(line, "AUTH PLAIN");
        secure_zero(line.data(), line.size());
        if (!r.ok()) return std::move(r).error();
        return expect(*r, 2, "AUTH PLAIN as '" + m_config.username + "'");
    }

    const SmtpConfig& m_config;
    net::io_context m_ioc;
    std::string m_context_error;  // set before m_tls_context (declaration order)
    net::ssl::context m_tls_context;
    beast::ssl_stream<beast::tcp_stream> m_stream;
    bool m_tls = false;
    bool m_past_sender = false;
    std::string m_read;
    std::set<std::string> m_extensions;
    std::set<std::string> m_auth_mechanisms;
};

void append_base64_lines(std::string& out, std::string_view data) {
    const std::string b64 = base64_encode(as_bytes(data));
    for (std::size_t i = 0; i < b64.size(); i += 76) out += b64.substr(i, 76) + "\r\n";  // RFC 2045 6.8
}

}  // namespace

bool valid_mailbox(std::string_view address) noexcept {
    if (address.size() < 3 || address.size() > 254) return false;  // RFC 5321 4.5.3.1.3
    const auto at = address.rfind('@');
    if (at == std::string_view::npos || at == 0 || at + 1 == address.size() || at > 64) return false;
    constexpr std::string_view k_forbidden = " <>(),;:\\\"[]@";
    const auto local = address.substr(0, at);
    const auto domain = address.substr(at + 1);
    const auto printable = [](char c) { return c > 0x20 && c < 0x7f; };
    if (!std::all_of(local.begin(), local.end(),
                     [&](char c) { return printable(c) && k_forbidden.find(c) == std::string_view::npos; }))
        return false;
    if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos) return false;
    if (domain.front() == '.' || domain.back() == '.' || domain.find("..") != std::string_view::npos) return false;
    return std::all_of(domain.begin(), domain.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
    });
}

bool valid_utf8_text(std::string_view text, bool multi_line) noexcept {
    std::size_t i = 0;
    while (i < text.size()) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x80) {
            const bool allowed = c >= 0x20 || c == '\t' || (multi_line && (c == '\r' || c == '\n'));
            if (!allowed || c == 0x7f) return false;
            ++i;
            continue;
        }
        std::size_t n = 0;
        std::uint32_t cp = 0;
        if ((c & 0xE0) == 0xC0) {
            n = 1;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            n = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        for (std::size_t k = 1; k <= n; ++k) {
            if (i + k >= text.size()) return false;
            const auto cc = static_cast<unsigned char>(text[i + k]);
            if ((cc & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (cc & 0x3F);
        }
        // No overlong forms, surrogates or code points beyond U+10FFFF (RFC 3629 3).
        static constexpr std::array<std::uint32_t, 4> k_min{0, 0x80, 0x800, 0x10000};
        if (cp < k_min[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        i += n + 1;
    }
    return true;
}

std::string rfc5322_date(TimePoint t) {
    static constexpr std::array<const char*, 7> k_days{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr std::array<const char*, 12> k_months{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const std::time_t tt = static_cast<std::time_t>(to_unix(t));
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", k_days.at(tm.tm_wday % 7), tm.tm_mday,
                  k_months.at(tm.tm_mon % 12), tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return buf;
}

std::string encode_subject(std::string_view utf8) {
    const bool plain = utf8.size() <= 66 &&
                       std::all_of(utf8.begin(), utf8.end(), [](char c) { return c >= 0x20 && c < 0x7f; }) &&
                       utf8.find("=?") == std::string_view::npos;
    if (plain) return std::string(utf8);
    // RFC 2047 5 (3): each encoded word holds whole characters; 2: a line with encoded words is at
    // most 76 characters ("Subject: " + 60 here); 6.2: the folding white space between adjacent
    // encoded words is not part of the text.
    std::string out;
    std::size_t i = 0;
    while (i < utf8.size()) {
        std::size_t end = std::min(utf8.size(), i + k_subject_word_bytes);
        while (end < utf8.size() && end > i && (static_cast<unsigned char>(utf8[end]) & 0xC0) == 0x80) --end;
        if (end == i) end = std::min(utf8.size(), i + k_subject_word_bytes);
        if (!out.empty()) out += "\r\n ";
        out += "=?UTF-8?B?" + base64_encode(as_bytes(utf8.substr(i, end - i))) + "?=";
        i = end;
    }
    return out;
}

std::string build_message(const MailMessage& m, bool eight_bit) {
    const auto lines = split_lines(m.body);
    const bool short_lines =
        std::all_of(lines.begin(), lines.end(), [](std::string_view l) { return l.size() <= k_max_text_line; });
    const bool ascii = is_ascii_text(m.body);
    const char* encoding = short_lines && ascii ? "7bit" : short_lines && eight_bit ? "8bit" : "base64";

    std::string out;
    out += "Date: " + rfc5322_date(m.date) + "\r\n";
    out += "From: " + m.from + "\r\n";
    out += "To: " + m.to + "\r\n";
    out += "Subject: " + encode_subject(m.subject) + "\r\n";
    // The same for every attempt, so a recipient can recognise a message sent twice (a delivery
    // whose answer was lost).
    out += "Message-ID: <yinxin." + std::to_string(m.id) + "." + std::to_string(to_unix(m.created_at)) + "@" +
           domain_of(m.from) + ">\r\n";
    out += "MIME-Version: 1.0\r\n";
    out += "Content-Type: text/plain; charset=UTF-8\r\n";
    out += std::string("Content-Transfer-Encoding: ") + encoding + "\r\n";
    out += "X-Yinxin-Event: " + m.event + "\r\n";
    out += "X-Yinxin-Notification-Id: " + std::to_string(m.id) + "\r\n";
    out += "\r\n";
    if (std::string_view(encoding) == "base64") {
        // RFC 2045 6.8: text is converted to its canonical form (CRLF line ends) before encoding.
        std::string canonical;
        for (std::size_t i = 0; i < lines.size(); ++i) {
            canonical += lines[i];
            if (i + 1 < lines.size() || (!m.body.empty() && (m.body.back() == '\n' || m.body.back() == '\r')))
                canonical += "\r\n";
        }
        append_base64_lines(out, canonical);
    } else {
        for (const auto& l : lines) {
            out += l;
            out += "\r\n";
        }
    }
    return out;
}

std::string dot_stuff(std::string_view message) {
    std::string out;
    out.reserve(message.size() + 64);
    bool line_start = true;
    for (std::size_t i = 0; i < message.size(); ++i) {
        const char c = message[i];
        if (line_start && c == '.') out += '.';
        out += c;
        line_start = c == '\n';
    }
    if (!out.ends_with("\r\n")) out += "\r\n";
    return out;
}

Status send_mail(const SmtpConfig& config, const MailMessage& m, std::string_view ehlo_name, bool* server_failure) {
    if (server_failure != nullptr) *server_failure = false;
    try {
        Session session(config);
        Status s = session.run(m, ehlo_name);
        if (!s.ok() && server_failure != nullptr) *server_failure = !session.past_sender();
        return s;
    } catch (const std::exception& e) {
        if (server_failure != nullptr) *server_failure = true;
        // Asio reports resource exhaustion (no sockets, no memory) by exception.
        return make_error(Errc::ra_delivery_failed,
                          "SMTP " + config.host + ":" + std::to_string(config.port) + ": " + e.what());
    }
}

}  // namespace yinxin::ra::smtp
