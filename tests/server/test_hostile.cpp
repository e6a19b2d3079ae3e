// tests/server/test_hostile.cpp: hostile and careless peers against a real server on loopback:
// slow consumers, resets, half-closes and vanishing peers, absurd frame lengths, fragment
// floods, oversized heads, and a multi-threaded soak. Every wait is bounded. SECURITY.md names
// these tests.
#include "support.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

using namespace squall_test;
using squall::opcode;

namespace {

// A tiny client socket of our own: raw_client exposes no fd, and a reset needs SO_LINGER 0.
class peer {
public:
    explicit peer(std::uint16_t port) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        if (fd_ < 0) throw std::runtime_error("socket failed");
        int one = 1;
        ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        ::inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
        if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) throw std::runtime_error("connect failed");
    }
    ~peer() { close(); }
    peer(const peer&) = delete;
    peer& operator=(const peer&) = delete;

    void write(std::string_view bytes) {
        while (!bytes.empty()) {
            const auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
            if (n <= 0) throw std::runtime_error("send failed");
            bytes.remove_prefix(static_cast<std::size_t>(n));
        }
    }
    /// Reads until the end of an HTTP head; returns its status (0 on EOF or timeout).
    int read_status(std::chrono::milliseconds timeout = 5s) {
        std::string in;
        const auto until = std::chrono::steady_clock::now() + timeout;
        while (in.find("\r\n\r\n") == std::string::npos) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
            if (left.count() <= 0) return 0;
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return 0;
            char buf[4096];
            const auto n = ::recv(fd_, buf, sizeof buf, 0);
            if (n <= 0) return 0;
            in.append(buf, static_cast<std::size_t>(n));
        }
        return std::stoi(in.substr(9, 3));
    }
    void shutdown_write() { ::shutdown(fd_, SHUT_WR); }
    /// An abortive close: SO_LINGER with a zero timeout, then close() sends RST.
    void reset() {
        linger l{1, 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
        close();
    }
    /// An orderly close (FIN), or RST when unread data remains.
    void close() {
        if (fd_ >= 0) ::close(std::exchange(fd_, -1));
    }

private:
    int fd_ = -1;
};

const std::string upgrade_head = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                 "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

std::string masked_frame(opcode op, std::string_view payload, bool fin = true) {
    std::string out;
    squall::protocol::append_masked_frame(out, op, squall::protocol::as_bytes(payload), {0x11, 0x22, 0x33, 0x44}, fin, 0);
    return out;
}

// A frame header with a 64-bit length field (and a mask), no payload.
std::string header_64(std::uint64_t length) {
    std::string h{static_cast<char>(0x82), static_cast<char>(0xFF)};
    for (int i = 7; i >= 0; --i) h.push_back(static_cast<char>((length >> (8 * i)) & 0xFF));
    return h + std::string("\x01\x02\x03\x04", 4);
}

template <class Server> void route_logging(Server& server, event_log& log) {
    server.route("/", [&log](const squall::request_view&, const squall::accept&) { return logging_handler{&log}; });
}

// The events a connection logged obey DESIGN 1.2: one on_close, last, after at most one on_error.
void check_one_close(const event_log& log, const std::string& close_event) {
    const auto ev = log.events();
    INFO("events: " << ev.size());
    REQUIRE_FALSE(ev.empty());
    CHECK(ev.back() == close_event);
    CHECK(log.starting_with("close").size() == 1);
    CHECK(log.starting_with("error").size() <= 1);
}

// --- slow consumer -------------------------------------------------------------------------

constexpr std::size_t chunk_size = 64 * 1024;
constexpr std::size_t queue_cap = 1024 * 1024;

struct flood_stats {
    std::mutex m;
    int rounds = 0;
    int refused_rounds = 0;      // rounds that ended with send_queue_full
    int wrong_errors = 0;        // a send failed with another error
    int accepted_at_cap = 0;     // a send was accepted although buffered_amount() >= cap
    int refused_below_cap = 0;   // a send was refused although buffered_amount() < cap
    std::size_t max_buffered = 0;
};

struct flooder {
    flood_stats* stats;
    event_log* log;
    void flood(auto& conn) {
        const std::string chunk(chunk_size, 'f');
        std::lock_guard lock{stats->m};
        ++stats->rounds;
        for (int i = 0; i < 200; ++i) { // 200 x 64 KiB = 12.5 MiB: far past kernel buffers + cap
            const std::size_t before = conn.buffered_amount();
            std::error_code ec;
            conn.send(chunk, ec);
            const std::size_t after = conn.buffered_amount();
            stats->max_buffered = std::max(stats->max_buffered, after);
            if (!ec) {
                if (before >= queue_cap) ++stats->accepted_at_cap;
                continue;
            }
            if (ec != squall::error::send_queue_full) ++stats->wrong_errors;
            else if (before < queue_cap) ++stats->refused_below_cap;
            else ++stats->refused_rounds;
            if (after != before) ++stats->wrong_errors; // nothing is queued or half-sent
            break;
        }
        log->push("flooded");
    }
    void on_open(auto& conn) { flood(conn); }
    void on_message(auto& conn, squall::message_view) { flood(conn); }
    void on_close(auto&, squall::close_code code, std::string_view) {
        log->push("close " + std::to_string(squall::to_underlying(code)));
    }
    void on_error(auto&, std::error_code ec) { log->push("error " + ec.message()); }
};

} // namespace

TEST_CASE("hostile: a slow consumer is capped at the send queue limit and freed when it leaves", "[server][hostile]") {
    event_log log;
    flood_stats stats;
    squall::basic_websocket_server server{squall::threads{1}, squall::no_ping{}};
    server.options().send_queue_limit = queue_cap;
    server.route("/", [&](const squall::request_view&, const squall::accept&) { return flooder{&stats, &log}; });
    server.listen("127.0.0.1", 0);
    REQUIRE(server.options().send_queue_limit == queue_cap);
    {
        raw_client c{"127.0.0.1", server.port()};
        c.write(upgrade_head); // never reads anything: not even the 101
        REQUIRE(log.wait_for("flooded"));
        for (int i = 0; i < 3; ++i) c.send_text("more"); // each message floods again
        REQUIRE(eventually([&] { return log.starting_with("flooded").size() == 4; }));
        REQUIRE(eventually([&] { return server.connection_count() == 1; }));
    } // the client closes its socket with unread data (RST)
    CHECK(log.wait_for("close 1006"));
    CHECK(eventually([&] { return server.connection_count() == 0; }));
    check_one_close(log, "close 1006");
    std::lock_guard lock{stats.m};
    CHECK(stats.rounds == 4);
    CHECK(stats.refused_rounds == 4); // every round ended refused with send_queue_full
    CHECK(stats.wrong_errors == 0);
    CHECK(stats.accepted_at_cap == 0);
    CHECK(stats.refused_below_cap == 0);
    CHECK(stats.max_buffered >= queue_cap);
    CHECK(stats.max_buffered <= queue_cap + chunk_size + 14); // cap + one message (and its header)
}

// --- peers that vanish --------------------------------------------------------------------

TEST_CASE("hostile: peers that reset half-close or vanish mid-way are freed with one on_close", "[server][hostile]") {
    enum ending { reset, half_close, vanish };
    auto [name, upgraded, tail, how] = GENERATE(table<const char*, bool, std::string, int>({
        {"reset after open", true, "", reset},
        {"reset mid-frame", true, masked_frame(opcode::text, std::string(100, 'x')).substr(0, 40), reset},
        {"half-close mid-frame", true, masked_frame(opcode::text, std::string(100, 'x')).substr(0, 40), half_close},
        {"vanish mid-frame", true, masked_frame(opcode::binary, std::string(300, 'y')).substr(0, 5), vanish},
        {"vanish mid-handshake", false, upgrade_head.substr(0, upgrade_head.size() / 2), vanish},
        {"reset mid-handshake", false, upgrade_head.substr(0, upgrade_head.size() / 2), reset},
        {"half-close mid-handshake", false, upgrade_head.substr(0, upgrade_head.size() / 2), half_close},
        {"vanish mid-close", true, masked_frame(opcode::close, std::string("\x03\xE8going", 7)).substr(0, 8), vanish},
        {"reset mid-close", true, masked_frame(opcode::close, std::string("\x03\xE8going", 7)).substr(0, 8), reset},
        {"vanish mid-ping", true, masked_frame(opcode::ping, "are you there").substr(0, 9), vanish},
        {"reset mid-ping", true, masked_frame(opcode::ping, "are you there").substr(0, 9), reset},
    }));
    INFO(name);
    event_log log;
    squall::basic_websocket_server server{squall::threads{1}, squall::no_ping{}};
    route_logging(server, log);
    server.listen("127.0.0.1", 0);
    peer p{server.port()};
    if (upgraded) {
        p.write(upgrade_head);
        REQUIRE(p.read_status() == 101);
        REQUIRE(log.wait_for("open"));
    }
    p.write(tail);
    REQUIRE(eventually([&] { return server.connection_count() == 1; }));
    std::this_thread::sleep_for(20ms); // let the server read the partial octets first
    if (how == reset) p.reset();
    else if (how == half_close) p.shutdown_write();
    else p.close();
    CHECK(eventually([&] { return server.connection_count() == 0; }));
    if (!upgraded) {
        std::this_thread::sleep_for(50ms);
        CHECK(log.events().empty()); // no handler was made
        return;
    }
    REQUIRE(log.wait_for("close 1006 "));
    std::this_thread::sleep_for(50ms); // a second on_close would show up now
    check_one_close(log, "close 1006 ");
    CHECK(log.events().front() == "open");
    CHECK(log.starting_with("message").empty());
    const auto errors = log.starting_with("error");
    REQUIRE(errors.size() == 1);
    if (how != reset) CHECK(errors.front() == error_event(squall::error::eof)); // FIN mid-frame is an EOF
}

// --- absurd lengths ---------------------------------------------------------------------------

TEST_CASE("hostile: a header announcing 2^63-1 octets gets 1009 and 2^63 gets 1002", "[server][hostile][limits]") {
    auto [length, code, err] = GENERATE(table<std::uint64_t, std::uint16_t, squall::error>({
        // top bit clear, minimal: a legal length, over the 10 MiB frame limit
        {(std::uint64_t{1} << 63) - 1, 1009, squall::error::frame_too_big},
        // top bit set: RFC 6455 5.2 says it MUST be 0
        {std::uint64_t{1} << 63, 1002, squall::error::bad_payload_length},
    }));
    INFO(length);
    event_log log;
    squall::basic_websocket_server server{squall::threads{1}, squall::no_ping{}};
    route_logging(server, log);
    server.listen("127.0.0.1", 0);
    raw_client c{"127.0.0.1", server.port()};
    REQUIRE(c.upgrade()->status == 101);
    c.write(header_64(length)); // exactly 14 octets, no payload
    auto fr = c.read_frame();
    REQUIRE(fr);
    CHECK(fr->op == opcode::close);
    CHECK(fr->close_code() == code);
    CHECK(c.wait_eof(2s)); // a frame-level fault: FIN right after the close
    c.shutdown_write();
    CHECK(log.wait_for("close 1006 "));
    CHECK(eventually([&] { return server.connection_count() == 0; }));
    CHECK(log.starting_with("error") == std::vector<std::string>{error_event(err)});
    check_one_close(log, "close 1006 ");
}

// --- fragment floods -----------------------------------------------------------------------

TEST_CASE("hostile: 100 fragments pass the fragment limit of 100 and 101 get 1009", "[server][hostile][limits]") {
    event_log log;
    squall::basic_websocket_server server{squall::threads{1}, squall::no_ping{},
                                          squall::message_size_limit{1 << 20, 1 << 20, 100}};
    route_logging(server, log);
    server.listen("127.0.0.1", 0);
    raw_client c{"127.0.0.1", server.port()};
    REQUIRE(c.upgrade()->status == 101);
    auto send_fragments = [&](int n) {
        std::string all;
        for (int i = 0; i < n; ++i)
            all += masked_frame(i == 0 ? opcode::text : opcode::continuation, "a", i == n - 1);
        c.write(all);
    };
    send_fragments(100);
    auto fr = c.read_frame();
    REQUIRE(fr);
    CHECK(fr->op == opcode::text);
    CHECK(fr->payload == std::string(100, 'a'));
    send_fragments(101);
    fr = c.read_frame();
    REQUIRE(fr);
    CHECK(fr->op == opcode::close);
    CHECK(fr->close_code() == 1009);
    CHECK(log.wait_for(error_event(squall::error::too_many_fragments)));
    c.send_close(1009); // a message-level fault: the peer's answer is what on_close reports
    CHECK(c.wait_eof());
    CHECK(log.wait_for("close 1009 "));
    CHECK(eventually([&] { return server.connection_count() == 0; }));
    check_one_close(log, "close 1009 ");
    CHECK(log.starting_with("message").size() == 1);
}

// --- oversized heads -------------------------------------------------------------------------

TEST_CASE("hostile: a head of exactly the head limit passes and one octet more gets 431", "[server][hostile][handshake]") {
    auto [extra, status] = GENERATE(table<std::size_t, int>({{0, 101}, {1, 431}}));
    event_log log;
    squall::basic_websocket_server server{squall::threads{1}, squall::no_ping{}};
    server.options().head_limit = 1024;
    route_logging(server, log);
    server.listen("127.0.0.1", 0);
    const std::string start = upgrade_head.substr(0, upgrade_head.size() - 2); // without the final CRLF
    const std::string frame = "X-Pad: \r\n\r\n";
    REQUIRE(start.size() + frame.size() < 1024);
    const std::string head = start + "X-Pad: " + std::string(1024 - start.size() - frame.size() + extra, 'p') + "\r\n\r\n";
    REQUIRE(head.size() == 1024 + extra);
    INFO("head size " << head.size());
    raw_client c{"127.0.0.1", server.port()};
    c.write(head);
    auto h = c.read_http();
    REQUIRE(h);
    CHECK(h->status == status);
    if (status == 431) {
        CHECK(c.wait_eof());
        CHECK(eventually([&] { return server.connection_count() == 0; }));
        CHECK(log.events().empty());
    } else {
        c.send_text("fits");
        auto fr = c.read_frame();
        REQUIRE(fr);
        CHECK(fr->payload == "fits");
    }
}

// --- soak ----------------------------------------------------------------------------------

namespace {

struct echo_handler {
    void on_message(auto& conn, squall::message_view m) { conn.send(m); }
};

std::uint32_t fnv1a(std::string_view s) {
    std::uint32_t h = 2166136261u;
    for (unsigned char ch : s) h = (h ^ ch) * 16777619u;
    return h;
}

// "<client> <seq> <checksum> " then a deterministic random body of 0..4095 octets.
std::string soak_message(int client, int seq) {
    std::mt19937 rng{static_cast<std::uint32_t>(client * 100003 + seq)};
    std::string body(rng() % 4096, '\0');
    for (auto& ch : body) ch = static_cast<char>(rng() & 0xFF);
    return std::to_string(client) + " " + std::to_string(seq) + " " + std::to_string(fnv1a(body)) + " " + body;
}

// Checks an echo's header fields against its body and the expected client and sequence.
bool soak_echo_ok(const std::string& echo, int client, int seq) {
    const auto a = echo.find(' ');
    const auto b = echo.find(' ', a + 1);
    const auto c = echo.find(' ', b + 1);
    if (a == std::string::npos || b == std::string::npos || c == std::string::npos) return false;
    return echo.substr(0, a) == std::to_string(client) && echo.substr(a + 1, b - a - 1) == std::to_string(seq) &&
           echo.substr(b + 1, c - b - 1) == std::to_string(fnv1a(std::string_view(echo).substr(c + 1)));
}

} // namespace

TEST_CASE("hostile: a soak of 20 clients x 200 checked messages on 2 threads ends with no connection", "[server][hostile][soak]") {
    constexpr int clients = 20;
    constexpr int messages = 200;
    constexpr int window = 8; // messages in flight per client
    squall::basic_websocket_server server{squall::threads{2}, squall::no_ping{}};
    server.route("/", [](const squall::request_view&, const squall::accept&) { return echo_handler{}; });
    server.listen("127.0.0.1", 0);
    const auto start = std::chrono::steady_clock::now();
    std::atomic<int> verified{0};
    std::mutex failures_m;
    std::vector<std::string> failures;
    auto fail = [&](int id, std::string what) {
        std::lock_guard lock{failures_m};
        failures.push_back("client " + std::to_string(id) + ": " + std::move(what));
    };
    std::vector<std::thread> threads;
    for (int id = 0; id < clients; ++id)
        threads.emplace_back([&, id] {
            try {
                raw_client c{"127.0.0.1", server.port()};
                auto head = c.upgrade();
                if (!head || head->status != 101) return fail(id, "upgrade failed");
                int sent = 0;
                for (int seq = 0; seq < messages; ++seq) {
                    while (sent < messages && sent < seq + window) c.send_frame(opcode::binary, soak_message(id, sent++));
                    auto fr = c.read_frame(10s);
                    if (!fr) return fail(id, "no echo for " + std::to_string(seq));
                    if (fr->op != opcode::binary) return fail(id, "wrong opcode at " + std::to_string(seq));
                    if (!soak_echo_ok(fr->payload, id, seq)) return fail(id, "bad header or checksum at " + std::to_string(seq));
                    if (fr->payload != soak_message(id, seq)) return fail(id, "content differs at " + std::to_string(seq));
                    ++verified;
                }
                if (id % 2 == 0) { // half leave with a close handshake, half just disconnect
                    c.send_close(1000);
                    auto fr = c.read_frame();
                    if (!fr || fr->op != opcode::close || fr->close_code() != 1000) return fail(id, "no close echo");
                    if (!c.wait_eof()) return fail(id, "no EOF after close");
                }
            } catch (const std::exception& e) {
                fail(id, e.what());
            }
        });
    for (auto& t : threads) t.join();
    const auto took = std::chrono::steady_clock::now() - start;
    INFO("soak took " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms");
    {
        std::lock_guard lock{failures_m};
        for (auto& f : failures) UNSCOPED_INFO(f);
        CHECK(failures.empty());
    }
    CHECK(verified.load() == clients * messages);
    CHECK(eventually([&] { return server.connection_count() == 0; }));
    CHECK(took < 20s);
}

namespace {
// An origin policy that throws for one origin: a user bug squall must contain.
struct throwing_origin {
    using policy_role = squall::origin_role;
    bool allow_origin(std::string_view origin, const squall::request_view&) const {
        if (origin == "http://boom.example") throw std::runtime_error("origin lookup failed");
        return true;
    }
};
} // namespace

TEST_CASE("hostile: an origin policy that throws refuses the request with 403 and the server goes on",
          "[server][hostile][handshake]") {
    event_log log;
    squall::basic_websocket_server server{squall::threads{1}, throwing_origin{}, squall::no_ping{}};
    server.route("/", [&](const squall::request_view&, const squall::accept&) { return logging_handler{&log}; });
    server.listen("127.0.0.1", 0);
    {
        raw_client c{"127.0.0.1", server.port()};
        auto head = c.upgrade("/", "Origin: http://boom.example\r\n");
        REQUIRE(head);
        CHECK(head->status == 403);
        CHECK(c.wait_eof());
    }
    raw_client ok{"127.0.0.1", server.port()};
    auto head = ok.upgrade("/", "Origin: http://fine.example\r\n");
    REQUIRE(head);
    CHECK(head->status == 101);
    ok.send_text("still here");
    auto f = ok.read_frame();
    REQUIRE(f);
    CHECK(f->payload == "still here");
    CHECK(log.starting_with("open").size() == 1); // no handler for the refused request
}
