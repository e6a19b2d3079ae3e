// tests/interop/close_server.cpp: a tiny server for the interop tests. Echoes on / (text as
// text, binary as binary); the text message "please close" makes it close with 4000 "bye now".
// Flags: --host ADDR (default 127.0.0.1), --port N (default 0 = any free port).
// First stdout line: `listening on HOST:PORT`. SIGINT/SIGTERM: server.shutdown(5 s), exit 0.
#include <squall/squall.hpp>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

struct echo_or_close {
    void on_message(auto& conn, squall::message_view msg) {
        if (msg.is_text() && msg.text() == "please close") conn.close(squall::close_code{4000}, "bye now");
        else conn.send(msg);
    }
};

[[noreturn]] void usage(const std::string& why) {
    std::fprintf(stderr, "close_server: %s\nusage: close_server [--host ADDR] [--port N]\n", why.c_str());
    std::exit(2);
}

} // namespace

int main(int argc, char** argv) {
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;
    for (int i = 1; i < argc; ++i) {
        const std::string flag = argv[i];
        if (i + 1 >= argc) usage(flag == "--host" || flag == "--port" ? flag + " needs a value" : "unknown flag " + flag);
        const char* value = argv[++i];
        if (flag == "--host") host = value;
        else if (flag == "--port") {
            char* end = nullptr;
            errno = 0;
            const auto p = std::strtoul(value, &end, 10);
            if (errno != 0 || end == value || *end != '\0' || value[0] == '-' || p > 65535)
                usage("--port needs a number from 0 to 65535");
            port = static_cast<std::uint16_t>(p);
        } else usage("unknown flag " + flag);
    }
    try {
        squall::basic_websocket_server server{squall::threads{1}};
        server.route<echo_or_close>("/");
        // Signals are set up before the first line: a test may send SIGTERM as soon as it reads it.
        asio::io_context signals_ioc;
        asio::signal_set signals{signals_ioc, SIGINT, SIGTERM};
        signals.async_wait([](std::error_code, int) {});
        try {
            server.listen(host, port);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "close_server: cannot listen on %s port %u: %s\n", host.c_str(), port, e.what());
            return 1;
        }
        std::printf("listening on %s:%u\n", host.c_str(), server.port());
        std::fflush(stdout);
        signals_ioc.run();
        server.shutdown(std::chrono::seconds(5));
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "close_server: %s\n", e.what());
        return 1;
    }
}
