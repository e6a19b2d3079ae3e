// bench/compile/squall_echo.cpp: the minimal squall echo server whose compile time
// bench/compile/run.py measures (the README's fifteen-line example).
#include <squall/squall.hpp>

struct echo {
    void on_message(auto& conn, squall::message_view msg) { conn.send(msg); }
};

int main() {
    asio::io_context ioc;
    squall::websocket_server server{ioc};
    server.route<echo>("/");
    server.listen("127.0.0.1", 9001);
    ioc.run();
}
