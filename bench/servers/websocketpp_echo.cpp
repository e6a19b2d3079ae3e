// bench/servers/websocketpp_echo.cpp: the websocketpp 0.8.2 peer (Debian's libwebsocketpp-dev),
// config asio_no_tls, one thread, in the style of websocketpp's echo_server example: a message
// handler that sends the payload back with the same opcode. Access and error logging off (they
// would write a line per connection). Built with -std=c++17 (0.8.2 does not compile as C++20 on
// GCC 12). Which Asio: see bench/README.md (WSPP_ASIO below picks; run.sh tries standalone Asio
// 1.22 first, then Boost.Asio 1.81).
// Binds 127.0.0.1; --port N (0 is not supported by this peer: run.py always passes a port).
#include <websocketpp/config/asio_no_tls.hpp>
#include <websocketpp/server.hpp>

#include "common_cli.hpp"

#include <csignal>

using server_t = websocketpp::server<websocketpp::config::asio>;

int main(int argc, char** argv) {
    const auto flags = bench::parse_flags(argc, argv, "websocketpp_echo");
    server_t server;
    server.clear_access_channels(websocketpp::log::alevel::all);
    server.clear_error_channels(websocketpp::log::elevel::all);
    server.init_asio();
    server.set_reuse_addr(true);
    server.set_message_handler([&server](websocketpp::connection_hdl hdl, server_t::message_ptr msg) {
        websocketpp::lib::error_code ec;
        server.send(hdl, msg->get_payload(), msg->get_opcode(), ec);
    });
    websocketpp::lib::asio::ip::tcp::endpoint ep{websocketpp::lib::asio::ip::make_address("127.0.0.1"), flags.port};
    server.listen(ep);
    server.start_accept();
    websocketpp::lib::asio::signal_set signals{server.get_io_service(), SIGINT, SIGTERM};
    signals.async_wait([&](const websocketpp::lib::asio::error_code&, int) { server.stop(); });
    websocketpp::lib::asio::error_code aec; // std::error_code with standalone Asio, boost's otherwise
    const auto local = server.get_local_endpoint(aec);
    bench::announce("websocketpp_echo", aec ? flags.port : local.port());
    server.run();
    return 0;
}
