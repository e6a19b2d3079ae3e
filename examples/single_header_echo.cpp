// examples/single_header_echo.cpp: the drop-in door. An echo server that needs nothing but the
// single header and Asio:
//
//     g++ -std=c++20 -I single_include single_header_echo.cpp -pthread
//     clang++ -std=c++20 -DASIO_HAS_CO_AWAIT=1 -I single_include single_header_echo.cpp -pthread
//
// Flags: --host ADDR (127.0.0.1), --port N (9001; 0 picks a free port). Prints
// "listening on HOST:PORT" once it accepts, echoes every message on / (text as text, binary as
// binary), and on SIGINT/SIGTERM sends 1001 to every client, waits up to 5 s, and exits 0.
// Self-contained on purpose (no example_cli.hpp): it is what a user copies into a project.
#include <squall/squall.hpp>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <string>

namespace {

struct echo {
    void on_message(auto& conn, squall::message_view msg) { conn.send(msg); }
};

[[noreturn]] void usage(const char* why) {
    std::fprintf(stderr, "single_header_echo: %s\nusage: single_header_echo [--host ADDR] [--port N]\n", why);
    std::exit(2);
}

} // namespace

int main(int argc, char** argv) {
    std::string host = "127.0.0.1";
    unsigned long port = 9001;
    for (int i = 1; i < argc; ++i) {
        const std::string flag = argv[i];
        if (i + 1 >= argc) usage(("unknown flag or missing value: " + flag).c_str());
        const char* value = argv[++i];
        if (flag == "--host") {
            host = value;
        } else if (flag == "--port") {
            char* end = nullptr;
            port = std::strtoul(value, &end, 10);
            if (end == value || *end != '\0' || value[0] == '-' || port > 65535) usage("--port needs 0 to 65535");
        } else {
            usage(("unknown flag " + flag).c_str());
        }
    }

    try {
        asio::io_context ioc;
        squall::websocket_server server{ioc};
        server.route<echo>("/");

        // Registered before the first line is printed: a SIGTERM sent as soon as a script reads
        // that line is handled, never the default action.
        asio::signal_set signals{ioc, SIGINT, SIGTERM};
        signals.async_wait([&](std::error_code ec, int) {
            if (ec) return;
            server.async_shutdown(std::chrono::seconds(5), [&ioc] { ioc.stop(); });
        });

        server.listen(host, static_cast<std::uint16_t>(port));
        const bool v6 = host.find(':') != std::string::npos;
        std::printf("listening on %s%s%s:%u\n", v6 ? "[" : "", host.c_str(), v6 ? "]" : "",
                    static_cast<unsigned>(server.port()));
        std::fflush(stdout);
        ioc.run();
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "single_header_echo: %s\n", e.what());
        return 1;
    }
}
