// examples/json_push.cpp: server push on a timer. Every client of the WebSocket route /ticks
// first gets {"interval_ms":N} (send_json), then every N ms (default 100) a tick
// {"seq":S,"time_ms":T}: S counts ticks since the server started, T is the wall clock in ms
// since the Unix epoch. Messages from clients are ignored.
// The server runs on the application's own io_context (one thread: main), next to an
// asio::steady_timer and the signal handler, so nothing here needs a lock.
// Flags: --host ADDR (default 127.0.0.1), --port N (default 9001, 0 = any free port),
// --interval-ms N (default 100). SIGINT/SIGTERM: graceful shutdown (1001 to all, 5 s), exit 0.
#include <squall/squall.hpp>

#include "example_cli.hpp"

#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <map>
#include <string>

namespace {

using server_type = squall::websocket_server; // every default policy
using handle_type = server_type::connection_handle;

// The open connections, by a number of our own. Only touched on the io_context's thread
// (handlers and the timer run there), hence no mutex. A handle is weak: a connection that
// went away between two ticks just reports error::closed to a completion we do not ask for.
struct subscribers {
    std::map<std::uint64_t, handle_type> by_id;
    std::uint64_t next_id = 1;
};

struct subscriber {
    subscribers* all;
    long interval_ms;
    std::uint64_t id = 0;

    void on_open(auto& conn) {
        id = all->next_id++;
        all->by_id.emplace(id, conn.handle());
        conn.send_json(std::map<std::string, long>{{"interval_ms", interval_ms}});
    }
    void on_message(auto&, squall::message_view) {} // a push-only route
    void on_close(auto&, squall::close_code, std::string_view) { all->by_id.erase(id); }
};

struct settings {
    std::string host = "127.0.0.1";
    std::uint16_t port = 9001;
    long interval_ms = 100;
};

settings parse(int argc, char** argv) {
    example::cli cli{argc, argv, "json_push", "[--host ADDR] [--port N] [--interval-ms N]"};
    settings s;
    for (std::string flag; cli.next(flag);) {
        if (flag == "--host") s.host = cli.value(flag);
        else if (flag == "--port") s.port = static_cast<std::uint16_t>(cli.number(flag, 0, 65535));
        else if (flag == "--interval-ms") {
            s.interval_ms = static_cast<long>(cli.number(flag, 0, 3'600'000));
            if (s.interval_ms == 0) cli.fail("--interval-ms must be at least 1");
        } else cli.fail("unknown flag " + flag);
    }
    return s;
}

// Re-arms itself from the previous expiry, not from "now", so ticks do not drift.
class ticker {
public:
    ticker(asio::io_context& ioc, server_type& server, subscribers& subs, std::chrono::milliseconds interval)
        : timer_{ioc}, server_{server}, subs_{subs}, interval_{interval} {}

    void start() {
        timer_.expires_after(interval_);
        wait();
    }
    void stop() { timer_.cancel(); }

private:
    void wait() {
        timer_.async_wait([this](std::error_code ec) {
            if (ec) return; // cancelled by stop()
            tick();
            timer_.expires_at(timer_.expiry() + interval_);
            wait();
        });
    }

    void tick() {
        ++seq_;
        if (subs_.by_id.empty()) return;
        const auto now = std::chrono::system_clock::now().time_since_epoch();
        const std::map<std::string, std::int64_t> value{
            {"seq", seq_}, {"time_ms", std::chrono::duration_cast<std::chrono::milliseconds>(now).count()}};
        // Encoded once with the server's JSON encoder policy (what send_json uses), then
        // queued on each connection through its handle. (server_.broadcast("/ticks", text)
        // would also do, and frame the message only once.)
        std::string text;
        if (server_.policies().json().encode(value, text)) return;
        for (const auto& [id, handle] : subs_.by_id) handle.send(text);
    }

    asio::steady_timer timer_;
    server_type& server_;
    subscribers& subs_;
    std::chrono::milliseconds interval_;
    std::int64_t seq_ = 0;
};

int run(const settings& s) {
    asio::io_context ioc{1}; // run by this thread only
    subscribers subs;
    server_type server{ioc};
    server.route("/ticks", [&subs, ms = s.interval_ms](const squall::request_view&, const squall::accept&) {
        return subscriber{&subs, ms};
    });
    ticker tick{ioc, server, subs, std::chrono::milliseconds(s.interval_ms)};

    // Before the first line is printed, so an early signal is not lost.
    asio::signal_set signals{ioc, SIGINT, SIGTERM};
    signals.async_wait([&](std::error_code ec, int) {
        if (ec) return;
        tick.stop();
        // 1001 to every client, up to 5 s for their answers; then the loop may end. The
        // server is destroyed after ioc.run() returned, as a server on a user io_context must be.
        server.async_shutdown(std::chrono::seconds(5), [&ioc] { ioc.stop(); });
    });

    // server.listen(host, port), then the "listening on HOST:PORT" line (example_cli.hpp).
    if (!example::listen_and_announce(server, s.host, s.port, "json_push")) return 1;

    tick.start();
    ioc.run();
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    const settings s = parse(argc, argv);
    try {
        return run(s);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "json_push: %s\n", e.what());
        return 1;
    }
}
