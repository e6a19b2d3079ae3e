// expect: squall: handler member on_close has the wrong signature
// A member with a known name and a wrong signature is an error, not silently ignored.
#include <squall/server.hpp>

#include <string_view>

struct closer {
    void on_message(squall::websocket_server::connection_type&, squall::message_view) {}
#ifdef SQUALL_COMPILE_FAIL
    void on_close(squall::websocket_server::connection_type&, int code) { (void)code; }
#else
    void on_close(squall::websocket_server::connection_type&, squall::close_code, std::string_view) {}
#endif
};

int main() {
    asio::io_context ioc;
    squall::websocket_server server{ioc};
    server.route<closer>("/");
}
