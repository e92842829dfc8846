// A business system's receiver for the callback tests: a Boost.Beast HTTP(S) server on an
// ephemeral port of 127.0.0.1 that records every request and answers with the status the test
// sets (500 to fail, 200 to accept). Test code only.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace yinxin::test {

class Receiver {
public:
    struct Request {
        std::string target;
        std::string body;
        std::map<std::string, std::string> headers;
    };
    struct TlsFiles {
        std::string certificate_chain;  // PEM
        std::string private_key;        // PEM
    };

    explicit Receiver(std::optional<TlsFiles> tls = std::nullopt)
        : m_acceptor(m_ioc, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
        if (tls) {
            m_tls = std::make_unique<boost::asio::ssl::context>(boost::asio::ssl::context::tls_server);
            m_tls->use_certificate_chain_file(tls->certificate_chain);
            m_tls->use_private_key_file(tls->private_key, boost::asio::ssl::context::pem);
        }
        m_port = m_acceptor.local_endpoint().port();
        m_thread = std::thread([this] { serve(); });
    }
    ~Receiver() { stop(); }
    Receiver(const Receiver&) = delete;
    Receiver& operator=(const Receiver&) = delete;

    std::uint16_t port() const { return m_port; }
    void answer_with(unsigned status) { m_status = status; }
    std::vector<Request> requests() const {
        std::lock_guard lock(m_mu);
        return m_requests;
    }

    void stop() {
        if (!m_thread.joinable()) return;
        m_stopping = true;
        // Wakes the blocking accept.
        boost::asio::io_context ioc;
        boost::asio::ip::tcp::socket s(ioc);
        boost::system::error_code ec;
        s.connect({boost::asio::ip::make_address("127.0.0.1"), m_port}, ec);
        m_thread.join();
    }

private:
    template <class Stream>
    void exchange(Stream& stream) {
        namespace http = boost::beast::http;
        boost::beast::flat_buffer buffer;
        http::request<http::string_body> req;
        boost::system::error_code ec;
        http::read(stream, buffer, req, ec);
        if (ec) return;
        Request r;
        r.target = std::string(req.target());
        r.body = req.body();
        for (const auto& f : req) r.headers[std::string(f.name_string())] = std::string(f.value());
        {
            std::lock_guard lock(m_mu);
            m_requests.push_back(std::move(r));
        }
        http::response<http::string_body> res{static_cast<http::status>(m_status.load()), 11};
        res.set(http::field::content_type, "text/plain");
        res.body() = m_status == 200 ? "accepted" : "receiver is down for maintenance";
        res.prepare_payload();
        http::write(stream, res, ec);
    }

    void serve() {
        for (;;) {
            boost::asio::ip::tcp::socket socket(m_ioc);
            boost::system::error_code ec;
            m_acceptor.accept(socket, ec);
            if (m_stopping) return;
            if (ec) continue;
            if (m_tls) {
                boost::beast::ssl_stream<boost::asio::ip::tcp::socket> stream(std::move(socket), *m_tls);
                stream.handshake(boost::asio::ssl::stream_base::server, ec);
                if (!ec) exchange(stream);
            } else {
                exchange(socket);
            }
        }
    }

    boost::asio::io_context m_ioc;
    boost::asio::ip::tcp::acceptor m_acceptor;
    std::unique_ptr<boost::asio::ssl::context> m_tls;
    std::uint16_t m_port = 0;
    std::atomic<unsigned> m_status{200};
    std::atomic<bool> m_stopping{false};
    mutable std::mutex m_mu;
    std::vector<Request> m_requests;
    std::thread m_thread;
};

}  // namespace yinxin::test
