// bench/servers/beast_echo.cpp: the Boost.Beast 1.81 peer (Debian's libboost1.81-dev), in the
// style of Beast's own asynchronous server examples: one session object per connection owning a
// websocket::stream<beast::tcp_stream> and a flat_buffer; async_accept, then a loop of
// async_read / async_write of the same buffer, text as text, binary as binary. One thread.
// Beast's defaults otherwise (suggested server timeouts, no compression, 16 MiB read limit).
// Binds 127.0.0.1; --port N (0: a free port, printed). Runs until SIGINT/SIGTERM.
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include "common_cli.hpp"

#include <memory>

namespace beast = boost::beast;
namespace net = boost::asio;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

namespace {

class session : public std::enable_shared_from_this<session> {
public:
    explicit session(tcp::socket&& socket) : ws_(std::move(socket)) {}

    void start() {
        ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
        ws_.async_accept(beast::bind_front_handler(&session::on_accept, shared_from_this()));
    }

private:
    void on_accept(beast::error_code ec) {
        if (ec) return;
        read();
    }
    void read() { ws_.async_read(buffer_, beast::bind_front_handler(&session::on_read, shared_from_this())); }
    void on_read(beast::error_code ec, std::size_t) {
        if (ec) return; // closed, reset, or a protocol error
        ws_.text(ws_.got_text());
        ws_.async_write(buffer_.data(), beast::bind_front_handler(&session::on_write, shared_from_this()));
    }
    void on_write(beast::error_code ec, std::size_t n) {
        if (ec) return;
        buffer_.consume(n);
        read();
    }

    websocket::stream<beast::tcp_stream> ws_;
    beast::flat_buffer buffer_;
};

class listener : public std::enable_shared_from_this<listener> {
public:
    listener(net::io_context& ioc, tcp::endpoint ep) : ioc_(ioc), acceptor_(ioc) {
        acceptor_.open(ep.protocol());
        acceptor_.set_option(net::socket_base::reuse_address(true));
        acceptor_.bind(ep);
        acceptor_.listen(net::socket_base::max_listen_connections);
    }
    unsigned short port() const { return acceptor_.local_endpoint().port(); }
    void accept() {
        acceptor_.async_accept(net::make_strand(ioc_), beast::bind_front_handler(&listener::on_accept, shared_from_this()));
    }

private:
    void on_accept(beast::error_code ec, tcp::socket socket) {
        if (!ec) std::make_shared<session>(std::move(socket))->start();
        accept();
    }
    net::io_context& ioc_;
    tcp::acceptor acceptor_;
};

} // namespace

int main(int argc, char** argv) {
    const auto flags = bench::parse_flags(argc, argv, "beast_echo");
    net::io_context ioc{1};
    auto l = std::make_shared<listener>(ioc, tcp::endpoint{net::ip::make_address("127.0.0.1"), flags.port});
    l->accept();
    net::signal_set signals{ioc, SIGINT, SIGTERM};
    signals.async_wait([&](beast::error_code, int) { ioc.stop(); });
    bench::announce("beast_echo", l->port());
    ioc.run();
    return 0;
}
