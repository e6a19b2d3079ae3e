// expect: squall: send_json needs a JSON encoder policy
// With no_json in the pack, send_json is a compile error that names the policy.
#include <squall/server.hpp>

#include <map>
#include <string>

struct pusher {
    void on_open(auto& conn) {
#ifdef SQUALL_COMPILE_FAIL
        conn.send_json(std::map<std::string, int>{{"a", 1}});
#else
        conn.send("{\"a\":1}");
#endif
    }
    void on_message(auto&, squall::message_view) {}
};

int main() {
    asio::io_context ioc;
    squall::basic_websocket_server server{ioc, squall::no_json{}};
    server.route<pusher>("/");
}
