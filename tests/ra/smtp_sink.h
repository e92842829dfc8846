// A mail server for the notification tests: a Boost.Asio SMTP server on 127.0.0.1 that speaks
// enough of RFC 5321 (EHLO/HELO, STARTTLS per RFC 3207, AUTH PLAIN per RFC 4616, MAIL, RCPT, DATA
// with dot-unstuffing, RSET, NOOP, QUIT), records every message and every command line, and
// refuses on request (a 5xx/4xx answer to the greeting, RCPT or the end of DATA) or stalls (accepts
// the connection and never answers). One connection at a time. Test code only.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "yinxin/base/bytes.h"

namespace yinxin::test {

class SmtpSink {
public:
    struct TlsFiles {
        std::string certificate_chain;  // PEM
        std::string private_key;        // PEM
    };
    struct Options {
        std::uint16_t port = 0;         // 0: an ephemeral port; else this one (a sink "coming back")
        std::optional<TlsFiles> tls{};  // offer STARTTLS
        bool eight_bit_mime = true;     // offer 8BITMIME (RFC 6152)
        std::string username{};         // require AUTH PLAIN with these before MAIL
        std::string password{};
        bool stall = false;  // accept connections but never answer
    };
    struct Message {
        std::string ehlo;
        std::string mail_from;    // the address between < >
        std::string mail_params;  // what follows "MAIL FROM:<...>", e.g. " BODY=8BITMIME"
        std::vector<std::string> rcpt_to;
        std::string wire;  // the DATA lines as received (dot-stuffed), CRLF ends, without the final "."
        std::string data;  // unstuffed: the message
        bool tls = false;
        std::string auth_user;
    };

    SmtpSink() : SmtpSink(Options{}) {}
    explicit SmtpSink(Options options)
        : m_options(std::move(options)),
          m_acceptor(m_ioc, {boost::asio::ip::make_address("127.0.0.1"), m_options.port}, true) {
        if (m_options.tls) {
            m_tls = std::make_unique<boost::asio::ssl::context>(boost::asio::ssl::context::tls_server);
            m_tls->use_certificate_chain_file(m_options.tls->certificate_chain);
            m_tls->use_private_key_file(m_options.tls->private_key, boost::asio::ssl::context::pem);
        }
        m_port = m_acceptor.local_endpoint().port();
        m_thread = std::thread([this] { serve(); });
    }
    ~SmtpSink() { stop(); }
    SmtpSink(const SmtpSink&) = delete;
    SmtpSink& operator=(const SmtpSink&) = delete;

    std::uint16_t port() const { return m_port; }
    // The answer to the greeting (220 normally), to every RCPT TO (250) and to the end of DATA (250).
    void greet_with(int code) { m_greeting = code; }
    void answer_rcpt_with(int code) { m_rcpt = code; }
    void answer_data_with(int code) { m_data = code; }

    std::vector<Message> messages() const {
        std::lock_guard lock(m_mu);
        return m_messages;
    }
    // Every command line received, in order ("AUTH PLAIN ..." included).
    std::vector<std::string> commands() const {
        std::lock_guard lock(m_mu);
        return m_commands;
    }
    std::size_t connections() const { return m_connections; }

    void stop() {
        if (!m_thread.joinable()) return;
        m_stopping = true;
        // Wakes the blocking accept.
        boost::asio::io_context ioc;
        boost::asio::ip::tcp::socket s(ioc);
        boost::system::error_code ec;
        s.connect({boost::asio::ip::make_address("127.0.0.1"), m_port}, ec);
        m_thread.join();
        m_acceptor.close(ec);
    }

private:
    using Socket = boost::asio::ip::tcp::socket;
    using TlsStream = boost::asio::ssl::stream<Socket&>;

    struct Conn {
        Socket& socket;
        std::unique_ptr<TlsStream> tls;
        std::string buffer;

        bool read_line(std::string& line) {
            boost::system::error_code ec;
            auto dyn = boost::asio::dynamic_buffer(buffer, 1 << 20);
            if (tls)
                boost::asio::read_until(*tls, dyn, "\r\n", ec);
            else
                boost::asio::read_until(socket, dyn, "\r\n", ec);
            if (ec) return false;
            const auto end = buffer.find("\r\n");
            line = buffer.substr(0, end);
            buffer.erase(0, end + 2);
            return true;
        }
        bool send(const std::string& text) {
            boost::system::error_code ec;
            const std::string wire = text + "\r\n";
            if (tls)
                boost::asio::write(*tls, boost::asio::buffer(wire), ec);
            else
                boost::asio::write(socket, boost::asio::buffer(wire), ec);
            return !ec;
        }
    };

    static std::string upper(std::string s) {
        for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        return s;
    }
    static std::string between_brackets(const std::string& s) {
        const auto open = s.find('<');
        const auto close = s.find('>', open == std::string::npos ? 0 : open);
        if (open == std::string::npos || close == std::string::npos) return {};
        return s.substr(open + 1, close - open - 1);
    }

    void session(Socket& socket) {
        Conn c{socket, nullptr, {}};
        if (m_options.stall) {
            std::string ignored;
            c.read_line(ignored);  // until the client gives up and closes
            return;
        }
        if (m_greeting != 220) {
            c.send(std::to_string(m_greeting.load()) + " sink.test no service here");
            std::string ignored;
            c.read_line(ignored);
            return;
        }
        c.send("220 sink.test ESMTP test sink");
        Message m;
        bool authed = false;
        std::string line;
        while (!m_stopping && c.read_line(line)) {
            {
                std::lock_guard lock(m_mu);
                m_commands.push_back(line);
            }
            const std::string verb = upper(line.substr(0, line.find(' ')));
            if (verb == "EHLO") {
                m.ehlo = line.size() > 5 ? line.substr(5) : "";
                std::vector<std::string> ext{"sink.test greets " + m.ehlo, "PIPELINING", "SIZE 10485760"};
                if (m_options.eight_bit_mime) ext.emplace_back("8BITMIME");
                if (m_tls && !c.tls) ext.emplace_back("STARTTLS");
                if (!m_options.username.empty()) ext.emplace_back("AUTH LOGIN PLAIN");
                ext.emplace_back("HELP");
                for (std::size_t i = 0; i < ext.size(); ++i)
                    c.send("250" + std::string(i + 1 == ext.size() ? " " : "-") + ext[i]);
            } else if (verb == "HELO") {
                m.ehlo = line.size() > 5 ? line.substr(5) : "";
                c.send("250 sink.test");
            } else if (verb == "STARTTLS") {
                if (!m_tls || c.tls) {
                    c.send("502 5.5.1 not offered");
                    continue;
                }
                c.send("220 2.0.0 ready to start TLS");
                c.tls = std::make_unique<TlsStream>(socket, *m_tls);
                boost::system::error_code ec;
                c.tls->handshake(boost::asio::ssl::stream_base::server, ec);
                if (ec) return;
                m = Message{};
                m.tls = true;
                authed = false;
            } else if (verb == "AUTH") {
                const std::string rest = line.size() > 5 ? line.substr(5) : "";
                if (upper(rest.substr(0, 6)) != "PLAIN " || m_options.username.empty()) {
                    c.send("504 5.5.4 only AUTH PLAIN with an initial response");
                    continue;
                }
                auto token = base64_decode(rest.substr(6));
                const std::string expected = std::string(1, '\0') + m_options.username + '\0' + m_options.password;
                if (token.ok() && to_string(*token) == expected) {
                    authed = true;
                    m.auth_user = m_options.username;
                    c.send("235 2.7.0 authenticated");
                } else {
                    c.send("535 5.7.8 authentication credentials invalid");
                }
            } else if (verb.starts_with("MAIL")) {
                if (!m_options.username.empty() && !authed) {
                    c.send("530 5.7.0 authentication required");
                    continue;
                }
                m.mail_from = between_brackets(line);
                const auto close = line.find('>');
                m.mail_params = close == std::string::npos ? "" : line.substr(close + 1);
                m.rcpt_to.clear();
                c.send("250 2.1.0 sender ok");
            } else if (verb.starts_with("RCPT")) {
                if (m_rcpt != 250) {
                    c.send(std::to_string(m_rcpt.load()) + " 5.1.1 mailbox unavailable");
                    continue;
                }
                m.rcpt_to.push_back(between_brackets(line));
                c.send("250 2.1.5 recipient ok");
            } else if (verb == "DATA") {
                if (m.rcpt_to.empty()) {
                    c.send("503 5.5.1 no valid recipients");
                    continue;
                }
                c.send("354 end data with <CR><LF>.<CR><LF>");
                m.wire.clear();
                m.data.clear();
                std::string dl;
                while (c.read_line(dl) && dl != ".") {
                    m.wire += dl + "\r\n";
                    // RFC 5321 4.5.2: the receiver removes the first '.' of a line that starts with one.
                    m.data += (dl.starts_with('.') ? dl.substr(1) : dl) + "\r\n";
                }
                if (m_data != 250) {
                    c.send(std::to_string(m_data.load()) + " 4.3.0 try again later");
                    continue;
                }
                {
                    std::lock_guard lock(m_mu);
                    m_messages.push_back(m);
                }
                c.send("250 2.0.0 queued");
            } else if (verb == "RSET") {
                m.mail_from.clear();
                m.rcpt_to.clear();
                c.send("250 2.0.0 ok");
            } else if (verb == "NOOP") {
                c.send("250 2.0.0 ok");
            } else if (verb == "QUIT") {
                c.send("221 2.0.0 bye");
                return;
            } else {
                c.send("500 5.5.2 command not recognised");
            }
        }
    }

    void serve() {
        for (;;) {
            Socket socket(m_ioc);
            boost::system::error_code ec;
            m_acceptor.accept(socket, ec);
            if (m_stopping) return;
            if (ec) continue;
            ++m_connections;
            session(socket);
        }
    }

    Options m_options;
    boost::asio::io_context m_ioc;
    boost::asio::ip::tcp::acceptor m_acceptor;
    std::unique_ptr<boost::asio::ssl::context> m_tls;
    std::uint16_t m_port = 0;
    std::atomic<int> m_greeting{220};
    std::atomic<int> m_rcpt{250};
    std::atomic<int> m_data{250};
    std::atomic<bool> m_stopping{false};
    std::atomic<std::size_t> m_connections{0};
    mutable std::mutex m_mu;
    std::vector<Message> m_messages;
    std::vector<std::string> m_commands;
    std::thread m_thread;
};

}  // namespace yinxin::test
