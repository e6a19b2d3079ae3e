// expect: squall: a handler needs on_message
// A handler type without on_message is refused when it is routed.
#include <squall/server.hpp>

struct listener {
    void on_open(auto&) {}
#ifndef SQUALL_COMPILE_FAIL
    void on_message(auto&, squall::message_view) {}
#endif
};

int main() {
    asio::io_context ioc;
    squall::websocket_server server{ioc};
    server.route<listener>("/");
}
