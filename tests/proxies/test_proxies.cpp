// tests/proxies/test_proxies.cpp: the performance issue's deterministic proxies, asserted
// (DESIGN §6): zero heap allocations per echoed message in steady state (16 B and 4 KiB),
// one socket write per read batch of pipelined messages, and the allocations of a whole
// connection's life. Counts, never timings: counters.hpp counts on the server thread only.
#include "counters.hpp"

#include "../server/support.hpp"

#include <squall/squall.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <string>

namespace {

using squall::opcode;
using squall_test::raw_client;

struct echo_handler {
    void on_open(auto&) { squall_proxy::mark_server_thread(); }
    void on_message(auto& conn, squall::message_view m) { conn.send(m); }
};

template <class Server> raw_client open_client(Server& server) {
    raw_client c{"127.0.0.1", server.port()};
    auto head = c.upgrade();
    REQUIRE(head);
    REQUIRE(head->status == 101);
    return c;
}

// Builds `count` masked frames of `size` octets each, numbered in their first octets, as one
// buffer written with one send().
std::string batch(std::size_t count, std::size_t size, opcode op, std::uint32_t first) {
    std::string out;
    for (std::size_t i = 0; i < count; ++i) {
        std::string payload(size, 'a');
        const auto n = std::to_string(first + i);
        payload.replace(0, std::min(n.size(), size), n.substr(0, size));
        squall::protocol::append_masked_frame(out, op, squall::protocol::as_bytes(payload), {0x5a, 0x01, 0xc3, 0x7e});
    }
    return out;
}

// Sends `batches` batches of `per_batch` messages, each batch in one write, and checks every echo.
void echo_batches(raw_client& c, std::size_t batches, std::size_t per_batch, std::size_t size, opcode op) {
    std::uint32_t seq = 0;
    for (std::size_t b = 0; b < batches; ++b) {
        c.write(batch(per_batch, size, op, seq));
        for (std::size_t i = 0; i < per_batch; ++i, ++seq) {
            auto f = c.read_frame();
            REQUIRE(f);
            REQUIRE(f->op == op);
            REQUIRE(f->payload.size() == size);
            const auto n = std::to_string(seq);
            REQUIRE(f->payload.compare(0, std::min(n.size(), size), n, 0, std::min(n.size(), size)) == 0);
        }
    }
}

struct proxy_server {
    squall::basic_websocket_server<squall::no_ping> server{squall::threads{1}, squall::no_ping{}};
    proxy_server() {
        server.route("/", [](const squall::request_view&, const squall::accept&) { return echo_handler{}; });
        server.listen("127.0.0.1", 0);
    }
};

} // namespace

TEST_CASE("proxy: no heap allocation per echoed 16-octet message, 16 in flight", "[proxy][alloc]") {
    proxy_server s;
    auto c = open_client(s.server);
    echo_batches(c, 200, 16, 16, opcode::text); // warm-up: buffers reach their working size
    squall_proxy::arm();
    echo_batches(c, 1000, 16, 16, opcode::text);
    const auto counted = squall_proxy::disarm();
    INFO("16,000 echoed messages");
    CHECK(counted.allocations == 0);
}

TEST_CASE("proxy: no heap allocation per echoed 4 KiB message, 4 in flight", "[proxy][alloc]") {
    proxy_server s;
    auto c = open_client(s.server);
    echo_batches(c, 100, 4, 4096, opcode::binary);
    squall_proxy::arm();
    echo_batches(c, 1000, 4, 4096, opcode::binary);
    const auto counted = squall_proxy::disarm();
    INFO("4,000 echoed messages");
    CHECK(counted.allocations == 0);
}

TEST_CASE("proxy: no heap allocation per echoed 1 MiB message", "[proxy][alloc]") {
    proxy_server s;
    auto c = open_client(s.server);
    echo_batches(c, 4, 1, 1u << 20, opcode::binary); // the thread's pool gets its large blocks
    squall_proxy::arm();
    echo_batches(c, 16, 1, 1u << 20, opcode::binary);
    const auto counted = squall_proxy::disarm();
    INFO("16 echoed 1 MiB messages");
    CHECK(counted.allocations == 0);
}

TEST_CASE("proxy: one socket write per batch of 16 pipelined messages", "[proxy][syscalls]") {
    proxy_server s;
    auto c = open_client(s.server);
    echo_batches(c, 50, 16, 16, opcode::binary);
    constexpr std::size_t batches = 500;
    squall_proxy::arm();
    echo_batches(c, batches, 16, 16, opcode::binary);
    const auto counted = squall_proxy::disarm();
    INFO("reads counted: " << counted.reads);
    CHECK(counted.writes == batches);
}

TEST_CASE("proxy: the allocations of one connection's whole life, in steady state", "[proxy][alloc][handshake]") {
    proxy_server s;
    for (int i = 0; i < 3; ++i) { // warm-up: the thread's pools and the wheel reach their size
        auto c = open_client(s.server);
        echo_batches(c, 1, 1, 16, opcode::text);
        c.send_close(1000);
        REQUIRE(c.wait_eof());
    }
    REQUIRE(squall_test::eventually([&] { return s.server.connection_count() == 0; }));
    squall_proxy::arm();
    {
        auto c = open_client(s.server);
        echo_batches(c, 1, 1, 16, opcode::text);
        c.send_close(1000);
        REQUIRE(c.wait_eof());
    }
    REQUIRE(squall_test::eventually([&] { return s.server.connection_count() == 0; }));
    const auto counted = squall_proxy::disarm();
    // Accept, handshake, one echo and the close handshake. The counters count (this is also
    // the proof that they work): the connection object is one allocation at least.
    INFO("allocations: " << counted.allocations << ", writes: " << counted.writes);
    CHECK(counted.allocations >= 1);
    CHECK(counted.allocations <= 2); // the connection object and its handler: no set node, parser or buffers
    CHECK(counted.writes == 3); // 101 response, the echo, the close frame
}
