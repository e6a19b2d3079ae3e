// conan test_package: squall's headers, Asio and threads arrive through squall::squall; a server
// listens on a free loopback port, then stops.
#include <squall/squall.hpp>

#include <cstdio>

struct echo {
    void on_message(auto& conn, squall::message_view msg) { conn.send(msg); }
};

int main() {
    squall::websocket_server server{squall::threads{1}};
    server.route<echo>("/");
    server.listen("127.0.0.1", 0);
    std::printf("squall %d.%d.%d listened on 127.0.0.1:%u\n", squall::version_major, squall::version_minor,
                squall::version_patch, static_cast<unsigned>(server.port()));
    server.stop();
    return server.port() != 0 ? 0 : 1;
}
