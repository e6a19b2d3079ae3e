// bench/servers/asio_idle.cpp: the floor of an idle connection on Asio, to split squall's RSS per
// idle connection into Asio's share and squall's own (bench/README.md, "idle").
// A bare standalone-Asio TCP server on one thread: it accepts, keeps each socket in a list, and
// waits for readability with socket::async_wait (no buffer of its own: one static buffer serves
// every read). What it reads it writes back (so `loadgen --proto raw --mode idle` can check each
// connection), then waits again. What a connection costs here is the socket object, Asio's
// reactor state for the descriptor and one pending wait operation: nothing squall could avoid.
#include <asio.hpp>

#include "common_cli.hpp"

#include <csignal>
#include <list>

namespace {

unsigned char shared_buffer[65536];

struct server {
    asio::io_context& ioc;
    asio::ip::tcp::acceptor acceptor;
    std::list<asio::ip::tcp::socket> sockets;

    void accept() {
        acceptor.async_accept([this](std::error_code ec, asio::ip::tcp::socket s) {
            if (ec) return;
            sockets.push_back(std::move(s));
            wait(std::prev(sockets.end()));
            accept();
        });
    }

    void wait(std::list<asio::ip::tcp::socket>::iterator it) {
        it->async_wait(asio::socket_base::wait_read, [this, it](std::error_code ec) {
            if (ec) return;
            std::error_code rec;
            it->non_blocking(true);
            const std::size_t n = it->read_some(asio::buffer(shared_buffer), rec);
            if (rec == asio::error::would_block) return wait(it);
            if (rec) { // EOF or error: forget the socket
                sockets.erase(it);
                return;
            }
            asio::write(*it, asio::buffer(shared_buffer, n), rec); // small: fits the socket buffer
            if (rec) {
                sockets.erase(it);
                return;
            }
            wait(it);
        });
    }
};

} // namespace

int main(int argc, char** argv) {
    const auto flags = bench::parse_flags(argc, argv, "asio_idle");
    asio::io_context ioc{1};
    server s{ioc, asio::ip::tcp::acceptor{ioc, {asio::ip::make_address("127.0.0.1"), flags.port}}, {}};
    s.accept();
    asio::signal_set signals{ioc, SIGINT, SIGTERM};
    signals.async_wait([&](std::error_code, int) { ioc.stop(); });
    bench::announce("asio_idle", s.acceptor.local_endpoint().port());
    ioc.run();
    return 0;
}
