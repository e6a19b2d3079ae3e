// bench/compile/websocketpp_echo.cpp: a minimal websocketpp echo server (plain TCP, its
// Asio transport on Boost.Asio), the same job as squall_echo.cpp. websocketpp 0.8 needs
// -std=c++17 (it does not compile as C++20).
#include <websocketpp/config/asio_no_tls.hpp>
#include <websocketpp/server.hpp>

using server = websocketpp::server<websocketpp::config::asio>;

int main() {
    server srv;
    srv.clear_access_channels(websocketpp::log::alevel::all);
    srv.init_asio();
    srv.set_message_handler([&srv](websocketpp::connection_hdl hdl, server::message_ptr msg) {
        srv.send(hdl, msg->get_payload(), msg->get_opcode());
    });
    srv.listen(9001);
    srv.start_accept();
    srv.run();
}
