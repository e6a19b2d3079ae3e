// examples/example_cli.hpp: command-line and signal plumbing shared by the example programs;
// nothing here is squall API; each example keeps its squall code in its own .cpp file.
#pragma once

#include <squall/squall.hpp> // Asio comes through squall (asio::io_context, asio::signal_set)

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <functional>
#include <string>
#include <system_error>

namespace example {

// Walks argv as space-separated `--flag [value]` pairs:
//     example::cli cli{argc, argv, "prog", "[--port N]"};
//     for (std::string flag; cli.next(flag);) { if (flag == "--port") ... else cli.fail("unknown flag " + flag); }
class cli {
public:
    cli(int argc, char** argv, const char* program, const char* usage) noexcept
        : argc_{argc}, argv_{argv}, program_{program}, usage_{usage} {}

    // The next argument into `flag`; false after the last one.
    bool next(std::string& flag) {
        if (++i_ >= argc_) return false;
        flag = argv_[i_];
        return true;
    }

    // "<program>: <why>" and the usage line on stderr, exit status 2.
    [[noreturn]] void fail(const std::string& why) const {
        std::fprintf(stderr, "%s: %s\nusage: %s %s\n", program_, why.c_str(), program_, usage_);
        std::exit(2);
    }

    // The argument after `flag`.
    const char* value(const std::string& flag) {
        if (i_ + 1 >= argc_) fail(flag + " needs a value");
        return argv_[++i_];
    }

    // The argument after `flag` as a decimal number from `min` to `max`.
    unsigned long long number(const std::string& flag, unsigned long long min, unsigned long long max) {
        const auto v = parse(value(flag));
        if (!v.ok || v.n < min || v.n > max)
            fail(flag + " needs a number from " + std::to_string(min) + " to " + std::to_string(max));
        return v.n;
    }

    // The argument after `flag` as any non-negative decimal number (callers check the range).
    unsigned long long number(const std::string& flag) {
        const auto v = parse(value(flag));
        if (!v.ok) fail(flag + " needs a non-negative number");
        return v.n;
    }

private:
    struct parsed {
        bool ok;
        unsigned long long n;
    };
    static parsed parse(const char* text) {
        char* end = nullptr;
        errno = 0;
        const auto n = std::strtoull(text, &end, 10);
        return {errno == 0 && end != text && *end == '\0' && text[0] != '-', n};
    }

    int argc_;
    char** argv_;
    const char* program_;
    const char* usage_;
    int i_ = 0;
};

// server.listen(host, port); on failure "<program>: cannot listen on HOST port N: <what>" on
// stderr and false. On success "listening on HOST:PORT" (an IPv6 host in brackets) and, with
// print_open_url, "open http://HOST:PORT/ in a browser", flushed: the first line is what
// scripts wait for. PORT is server.port(), the one bound (port 0 picks a free one).
template <class Server>
bool listen_and_announce(Server& server, const std::string& host, std::uint16_t port, const char* program,
                         bool print_open_url = false) {
    try {
        server.listen(host, port);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: cannot listen on %s port %u: %s\n", program, host.c_str(), port, e.what());
        return false;
    }
    const bool v6 = host.find(':') != std::string::npos;
    const char* open = v6 ? "[" : "";
    const char* close = v6 ? "]" : "";
    std::printf("listening on %s%s%s:%u\n", open, host.c_str(), close, server.port());
    if (print_open_url) std::printf("open http://%s%s%s:%u/ in a browser\n", open, host.c_str(), close, server.port());
    std::fflush(stdout);
    return true;
}

// For a server with threads of its own: listen_and_announce, then block the calling thread
// until SIGINT or SIGTERM, then server.shutdown(5 s) (1001 to every client). Returns the exit
// status: 1 if listen failed, else 0. Meanwhile each SIGUSR1 prints one line
// "stats connections=N" (N = server.connection_count(): handshaking, open and closing
// connections), flushed, for scripts that check a running server (tests/soak/soak.py).
template <class Server>
int serve_until_signal(Server& server, const std::string& host, std::uint16_t port, const char* program,
                       bool print_open_url = false) {
    // A small io_context of our own, registered before the first line is printed: a signal
    // sent as soon as a script reads that line is never lost (nor kills the process).
    // connection_count() is thread-safe, so this thread reads it directly.
    asio::io_context signals_ioc;
    asio::signal_set signals{signals_ioc, SIGINT, SIGTERM, SIGUSR1};
    std::function<void(std::error_code, int)> on_signal = [&](std::error_code ec, int signo) {
        if (ec || signo != SIGUSR1) return; // SIGINT/SIGTERM: run() returns, shut down
        std::printf("stats connections=%zu\n", server.connection_count());
        std::fflush(stdout);
        signals.async_wait(on_signal);
    };
    signals.async_wait(on_signal);
    if (!listen_and_announce(server, host, port, program, print_open_url)) return 1;
    signals_ioc.run();
    server.shutdown(std::chrono::seconds(5));
    return 0;
}

} // namespace example
