#include "support.hpp"

#include <catch2/catch.hpp>

#include <thread>
#include <tuple>
#include <type_traits>

using namespace squall_test;
using squall::opcode;

namespace {

// A server on a thread of its own, listening on 127.0.0.1 (or ::1), port 0, with one
// logging_handler route at "/".
template <class... Policies> struct fixture {
    event_log log;
    squall::basic_websocket_server<Policies...> server;
    explicit fixture(Policies... p) : server{squall::threads{1}, std::move(p)...} {}
    void start(const std::string& host = "127.0.0.1") {
        server.route("/", [this](const squall::request_view&, const squall::accept&) { return logging_handler{&log}; });
        server.listen(host, 0);
    }
    raw_client client(const std::string& host = "127.0.0.1") { return raw_client{host, server.port()}; }
};

} // namespace

TEST_CASE("server: echoes text and binary and reports open message close in order", "[server][events]") {
    fixture f{squall::no_ping{}};
    f.start();
    auto c = f.client();
    auto head = c.upgrade();
    REQUIRE(head);
    CHECK(head->status == 101);
    CHECK(head->has_header("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
    c.send_text("hello");
    auto fr = c.read_frame();
    REQUIRE(fr);
    CHECK(fr->op == opcode::text);
    CHECK(fr->payload == "hello");
    c.send_frame(opcode::binary, std::string("\x00\x01\x02", 3));
    fr = c.read_frame();
    REQUIRE(fr);
    CHECK(fr->op == opcode::binary);
    CHECK(fr->payload == std::string("\x00\x01\x02", 3));
    c.send_close(1000, "done");
    fr = c.read_frame();
    REQUIRE(fr);
    CHECK(fr->op == opcode::close);
    CHECK(fr->close_code() == 1000);
    CHECK(c.wait_eof());
    REQUIRE(f.log.wait_for("close 1000 done"));
    const auto ev = f.log.events();
    REQUIRE(ev.size() == 4);
    CHECK(ev[0] == "open");
    CHECK(ev[1] == "message text hello");
    CHECK(ev[2] == std::string("message binary \x00\x01\x02", 18));
    CHECK(ev[3] == "close 1000 done");
}

TEST_CASE("server: works on IPv6 loopback", "[server][ipv6]") {
    fixture f{squall::no_ping{}};
    f.start("::1");
    auto c = f.client("::1");
    auto head = c.upgrade();
    REQUIRE(head);
    CHECK(head->status == 101);
    c.send_text("v6");
    auto fr = c.read_frame();
    REQUIRE(fr);
    CHECK(fr->payload == "v6");
}

TEST_CASE("server: refused upgrades get the status of DESIGN 1.1", "[server][handshake]") {
    fixture f{squall::no_ping{}};
    f.start();
    const std::string good_key = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
    auto request = [&](std::string path, std::string headers) {
        return "GET " + path + " HTTP/1.1\r\n" + headers + "\r\n";
    };
    const std::string base = "Host: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n";
    auto [name, raw, status] = GENERATE_COPY(table<const char*, std::string, int>({
        {"unknown path", request("/nope", base + good_key + "Sec-WebSocket-Version: 13\r\n"), 404},
        {"bad key", request("/", base + "Sec-WebSocket-Key: short\r\nSec-WebSocket-Version: 13\r\n"), 400},
        {"no upgrade token", request("/", "Host: x\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n" + good_key + "Sec-WebSocket-Version: 13\r\n"), 400},
        {"no connection token", request("/", "Host: x\r\nUpgrade: websocket\r\nConnection: keep-alive\r\n" + good_key + "Sec-WebSocket-Version: 13\r\n"), 400},
        {"foreign origin", request("/", base + "Origin: http://evil.example\r\n" + good_key + "Sec-WebSocket-Version: 13\r\n"), 403},
        {"old version", request("/", base + good_key + "Sec-WebSocket-Version: 8\r\n"), 426},
        {"no host", request("/", "Upgrade: websocket\r\nConnection: Upgrade\r\n" + good_key + "Sec-WebSocket-Version: 13\r\n"), 400},
        {"POST", "POST / HTTP/1.1\r\n" + base + good_key + "Sec-WebSocket-Version: 13\r\n\r\n", 400},
        {"plain HTTP", request("/", "Host: x\r\n"), 400},
        {"head too large", "GET / HTTP/1.1\r\nX: " + std::string(9000, 'a') + "\r\n\r\n", 431},
        {"malformed", std::string("GET / HTTP/1.1\r\nBad Header\r\n\r\n"), 400},
    }));
    INFO(name);
    auto c = f.client();
    c.write(raw);
    auto head = c.read_http();
    REQUIRE(head);
    CHECK(head->status == status);
    CHECK_FALSE(head->body.empty()); // a short plain-text body naming the fault
    if (status == 426) CHECK(head->has_header("Sec-WebSocket-Version: 13"));
    CHECK(c.wait_eof());
    CHECK(f.log.events().empty()); // no handler was made
}

TEST_CASE("server: same-host origin passes", "[server][handshake][origin]") {
    fixture f{squall::no_ping{}};
    f.start();
    auto c = f.client();
    auto head = c.upgrade("/", "Origin: http://127.0.0.1\r\n");
    REQUIRE(head);
    CHECK(head->status == 101);
}

TEST_CASE("server: the plain-HTTP responder answers non-upgrade requests", "[server][handshake]") {
    fixture f{squall::no_ping{}};
    f.server.options().http_responder = [](const squall::request_view& req) {
        return squall::http_response{200, "page for " + std::string(req.path()), {{"Content-Type", "text/html"}}};
    };
    f.start();
    auto c = f.client();
    c.write("GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n");
    auto head = c.read_http();
    REQUIRE(head);
    CHECK(head->status == 200);
    CHECK(head->has_header("Content-Type: text/html"));
    CHECK(head->body == "page for /index.html");
}

TEST_CASE("server: client close with code and reason", "[server][close]") {
    fixture f{squall::no_ping{}};
    f.start();
    auto c = f.client();
    REQUIRE(c.upgrade());
    c.send_close(4321, "client says bye");
    auto fr = c.read_frame();
    REQUIRE(fr);
    CHECK(fr->close_code() == 4321);
    CHECK(c.wait_eof());
    CHECK(f.log.wait_for("close 4321 client says bye"));
    CHECK(f.log.starting_with("error").empty());
}

TEST_CASE("server: server-initiated close with code and reason", "[server][close]") {
    fixture f{squall::no_ping{}};
    f.start();
    auto c = f.client();
    REQUIRE(c.upgrade());
    c.send_text("close-4000");
    auto fr = c.read_frame();
    REQUIRE(fr);
    CHECK(fr->op == opcode::close);
    CHECK(fr->close_code() == 4000);
    CHECK(fr->close_reason() == "bye");
    c.send_close(4000);
    CHECK(c.wait_eof());
    CHECK(f.log.wait_for("close 4000 "));
}

TEST_CASE("server: protocol violations get their close code", "[server][close]") {
    auto [name, code, err] = GENERATE(table<const char*, std::uint16_t, squall::error>({
        {"unmasked", 1002, squall::error::unmasked_frame},
        {"utf8", 1007, squall::error::invalid_utf8},
        {"too big", 1009, squall::error::frame_too_big},
    }));
    INFO(name);
    fixture f{squall::no_ping{}, squall::message_size_limit{100}};
    f.start();
    auto c = f.client();
    REQUIRE(c.upgrade());
    if (code == 1002) c.write(std::string("\x81\x02hi", 4));
    else if (code == 1007) c.send_text("\xC0\xAF");
    else c.send_frame(opcode::binary, std::string(101, 'x'));
    auto fr = c.read_frame();
    REQUIRE(fr);
    CHECK(fr->op == opcode::close);
    CHECK(fr->close_code() == code);
    c.shutdown_write();
    CHECK(c.wait_eof());
    CHECK(f.log.wait_for(error_event(err)));
    CHECK(f.log.wait_for("close 1006 "));
    const auto ev = f.log.events();
    CHECK(ev.back() == "close 1006 "); // on_error before on_close
}

TEST_CASE("server: a message at the size limit passes and one octet more gets 1009", "[server][limits]") {
    fixture f{squall::no_ping{}, squall::message_size_limit{1000}};
    f.start();
    auto c = f.client();
    REQUIRE(c.upgrade());
    c.send_frame(opcode::binary, std::string(1000, 'a'));
    auto fr = c.read_frame();
    REQUIRE(fr);
    CHECK(fr->payload.size() == 1000);
    c.send_frame(opcode::binary, std::string(600, 'b'), false);
    c.send_frame(opcode::continuation, std::string(401, 'b'));
    fr = c.read_frame();
    REQUIRE(fr);
    CHECK(fr->close_code() == 1009);
    CHECK(f.log.wait_for(error_event(squall::error::message_too_big)));
}

TEST_CASE("server: a throwing handler gets 1011 and the server keeps serving", "[server][errors]") {
    fixture f{squall::no_ping{}};
    f.start();
    {
        auto c = f.client();
        REQUIRE(c.upgrade());
        c.send_text("throw");
        auto fr = c.read_frame();
        REQUIRE(fr);
        CHECK(fr->close_code() == 1011);
        CHECK(f.log.wait_for(error_event(squall::error::handler_exception)));
    }
    auto c2 = f.client();
    REQUIRE(c2.upgrade());
    c2.send_text("still here");
    auto fr = c2.read_frame();
    REQUIRE(fr);
    CHECK(fr->payload == "still here");
}

TEST_CASE("server: abort drops TCP and reports aborted then 1006", "[server][close]") {
    fixture f{squall::no_ping{}};
    f.start();
    auto c = f.client();
    REQUIRE(c.upgrade());
    c.send_text("abort");
    CHECK(c.wait_eof());
    CHECK(f.log.wait_for("close 1006 "));
    const auto ev = f.log.events();
    REQUIRE(ev.size() >= 3);
    CHECK(ev[ev.size() - 2] == error_event(squall::error::aborted));
}

TEST_CASE("server: pings a quiet client and drops it after the pong timeout", "[server][ping]") {
    fixture f{squall::interval_ping{std::chrono::milliseconds(100), std::chrono::milliseconds(300)}};
    f.start();
    auto c = f.client();
    REQUIRE(c.upgrade());
    auto fr = c.read_frame(2s);
    REQUIRE(fr);
    CHECK(fr->op == opcode::ping);
    // Never answer: the server drops TCP without a close frame.
    bool saw_close_frame = false;
    while (auto more = c.read_frame(2s)) saw_close_frame |= more->op == opcode::close;
    CHECK_FALSE(saw_close_frame);
    CHECK(c.eof());
    CHECK(f.log.wait_for(error_event(squall::error::ping_timeout)));
    CHECK(f.log.wait_for("close 1006 "));
}

TEST_CASE("server: pongs keep a connection alive and reach on_pong", "[server][ping]") {
    fixture f{squall::interval_ping{std::chrono::milliseconds(100), std::chrono::milliseconds(300)}};
    f.start();
    auto c = f.client();
    REQUIRE(c.upgrade());
    const auto until = std::chrono::steady_clock::now() + 800ms;
    while (std::chrono::steady_clock::now() < until) {
        auto fr = c.read_frame(500ms);
        REQUIRE(fr);
        if (fr->op == opcode::ping) c.send_frame(opcode::pong, fr->payload);
    }
    c.send_text("alive");
    auto fr = c.read_frame();
    while (fr && fr->op == opcode::ping) fr = c.read_frame();
    REQUIRE(fr);
    CHECK(fr->payload == "alive");
    CHECK_FALSE(f.log.starting_with("pong").empty());
}

TEST_CASE("server: on_ping sees the payload and the pong echoes it", "[server][ping]") {
    fixture f{squall::no_ping{}};
    f.start();
    auto c = f.client();
    REQUIRE(c.upgrade());
    c.send_frame(opcode::ping, "are you there");
    auto fr = c.read_frame();
    REQUIRE(fr);
    CHECK(fr->op == opcode::pong);
    CHECK(fr->payload == "are you there");
    CHECK(f.log.wait_for("ping are you there"));
}

TEST_CASE("server: the heartbeat option answers without waking the handler", "[server][ping]") {
    fixture f{squall::no_ping{}.heartbeat("ping", "pong")};
    f.start();
    auto c = f.client();
    REQUIRE(c.upgrade());
    c.send_text("ping");
    auto fr = c.read_frame();
    REQUIRE(fr);
    CHECK(fr->op == opcode::text);
    CHECK(fr->payload == "pong");
    c.send_text("other");
    fr = c.read_frame();
    REQUIRE(fr);
    CHECK(fr->payload == "other");
    CHECK(f.log.starting_with("message").size() == 1);
}

TEST_CASE("server: a client that never finishes its head is dropped at the deadline", "[server][handshake]") {
    fixture f{squall::no_ping{}};
    f.server.options().handshake_timeout = 200ms;
    f.start();
    auto c = f.client();
    c.write("GET / HTTP/1.1\r\nHost: slow");
    CHECK(c.wait_eof(3s));
    CHECK(c.buffered().empty()); // dropped without a response
    CHECK(eventually([&] { return f.server.connection_count() == 0; }));
}

#if defined(__linux__)
TEST_CASE("server: defer_accept hands a connection over with its first octets; zero turns it off", "[server][handshake]") {
    SECTION("default (1 s): a silent client is not the server's yet, a speaking one is") {
        fixture f{squall::no_ping{}};
        f.start();
        auto silent = f.client();
        std::this_thread::sleep_for(200ms);
        CHECK(f.server.connection_count() == 0); // the kernel holds it until octets arrive
        auto c = f.client();
        REQUIRE(c.upgrade()->status == 101);
        CHECK(f.server.connection_count() == 1);
        silent.write("GET / HTTP/1.1\r\n");
        CHECK(eventually([&] { return f.server.connection_count() == 2; }));
    }
    SECTION("zero: a connection is counted as soon as TCP completes") {
        fixture f{squall::no_ping{}};
        f.server.options().defer_accept = std::chrono::seconds(0);
        f.start();
        auto silent = f.client();
        CHECK(eventually([&] { return f.server.connection_count() == 1; }));
    }
}
#endif

TEST_CASE("server: max_connections answers 503 beyond the cap", "[server][handshake]") {
    fixture f{squall::no_ping{}};
    f.server.options().max_connections = 1;
    f.start();
    auto c1 = f.client();
    REQUIRE(c1.upgrade()->status == 101);
    auto c2 = f.client();
    auto head = c2.upgrade();
    REQUIRE(head);
    CHECK(head->status == 503);
}

TEST_CASE("server: graceful shutdown sends 1001 to every connection", "[server][shutdown]") {
    fixture f{squall::no_ping{}};
    f.start();
    auto c1 = f.client();
    auto c2 = f.client();
    REQUIRE(c1.upgrade());
    REQUIRE(c2.upgrade());
    REQUIRE(f.log.wait_for("open"));
    std::thread answer([&] {
        for (auto* c : {&c1, &c2}) {
            auto fr = c->read_frame();
            if (fr && fr->op == opcode::close) c->send_close(fr->close_code());
        }
    });
    f.server.shutdown(2s);
    answer.join();
    CHECK(f.server.connection_count() == 0);
    CHECK(f.log.starting_with("close 1001").size() == 2);
}

TEST_CASE("server: an empty close is answered empty and reported as 1005", "[server][close]") {
    fixture f{squall::no_ping{}};
    f.start();
    auto c = f.client();
    REQUIRE(c.upgrade());
    c.send_frame(opcode::close, "");
    auto fr = c.read_frame();
    REQUIRE(fr);
    CHECK(fr->op == opcode::close);
    CHECK(fr->payload.empty());
    CHECK(c.wait_eof());
    CHECK(f.log.wait_for("close 1005 "));
    CHECK(f.log.starting_with("error").empty());
}

TEST_CASE("server: a peer that never answers our close is dropped at the closing deadline", "[server][close]") {
    fixture f{squall::no_ping{}};
    f.server.options().close_timeout = 200ms;
    f.start();
    auto c = f.client();
    REQUIRE(c.upgrade());
    c.send_text("close-4000");
    auto fr = c.read_frame();
    REQUIRE(fr);
    CHECK(fr->close_code() == 4000);
    const auto sent = std::chrono::steady_clock::now();
    CHECK(c.wait_eof(3s)); // we do not answer
    CHECK(std::chrono::steady_clock::now() - sent >= 150ms);
    CHECK(f.log.wait_for(error_event(squall::error::close_timeout)));
    CHECK(f.log.wait_for("close 1006 "));
}

TEST_CASE("server: EOF without a close frame is reported as eof then 1006", "[server][close]") {
    fixture f{squall::no_ping{}};
    f.start();
    {
        auto c = f.client();
        REQUIRE(c.upgrade());
        REQUIRE(f.log.wait_for("open"));
    } // the client closes TCP
    CHECK(f.log.wait_for(error_event(squall::error::eof)));
    CHECK(f.log.wait_for("close 1006 "));
    CHECK(eventually([&] { return f.server.connection_count() == 0; }));
}

namespace {
using packs = std::tuple<squall::basic_websocket_server<>, squall::basic_websocket_server<squall::no_ping>,
                         squall::basic_websocket_server<squall::any_origin, squall::no_ping, squall::message_size_limit>,
                         squall::basic_websocket_server<squall::message_size_limit, squall::no_json, squall::any_origin>>;
}

TEMPLATE_LIST_TEST_CASE("server: core behaviours hold for every policy pack", "[server][policies]", packs) {
    event_log log;
    TestType server{squall::threads{1}};
    server.route("/", [&](const squall::request_view&, const squall::accept&) { return logging_handler{&log}; });
    server.listen("127.0.0.1", 0);
    using origin_type = typename TestType::policies_type::origin_type;
    constexpr bool any_origin = std::is_same_v<origin_type, squall::any_origin>;
    {
        raw_client c{"127.0.0.1", server.port()};
        auto head = c.upgrade("/", "Origin: http://elsewhere.example\r\n");
        REQUIRE(head);
        CHECK(head->status == (any_origin ? 101 : 403));
    }
    raw_client c{"127.0.0.1", server.port()};
    REQUIRE(c.upgrade()->status == 101);
    c.send_text("echo me");
    auto fr = c.read_frame();
    REQUIRE(fr);
    CHECK(fr->payload == "echo me");
    // A header announcing one octet over the (default 10 MiB) limit: 1009 before any payload.
    const std::uint64_t over = 10u * 1024 * 1024 + 1;
    std::string hdr{static_cast<char>(0x82), static_cast<char>(0xFF)};
    for (int i = 7; i >= 0; --i) hdr.push_back(static_cast<char>((over >> (8 * i)) & 0xFF));
    hdr += std::string("\x01\x02\x03\x04", 4);
    c.write(hdr);
    fr = c.read_frame();
    REQUIRE(fr);
    CHECK(fr->close_code() == 1009);
    CHECK(log.wait_for(error_event(squall::error::frame_too_big)));
}

TEST_CASE("server: a callbacks handler calls the members that are set", "[server][events]") {
    event_log log;
    squall::websocket_server server{squall::threads{1}};
    server.route("/", squall::websocket_server::callbacks_type{
                          .open = [&](auto&) { log.push("open"); },
                          .message = [](auto& c, squall::message_view m) { c.send(m); },
                          .close = [&](auto&, squall::close_code code, std::string_view) {
                              log.push("close " + std::to_string(squall::to_underlying(code)));
                          },
                      });
    server.listen("127.0.0.1", 0);
    raw_client c{"127.0.0.1", server.port()};
    REQUIRE(c.upgrade()->status == 101);
    c.send_frame(opcode::ping, "p"); // no on_ping member set: the pong still goes out
    auto fr = c.read_frame();
    REQUIRE(fr);
    CHECK(fr->op == opcode::pong);
    c.send_text("cb");
    fr = c.read_frame();
    REQUIRE(fr);
    CHECK(fr->payload == "cb");
    c.send_close(1000);
    CHECK(c.wait_eof());
    CHECK(log.wait_for("close 1000"));
    CHECK(log.events().front() == "open");
}

TEST_CASE("server: after a frame-level fault the server sends FIN right after its close", "[server][close]") {
    fixture f{squall::no_ping{}};
    f.start(); // closing deadline: the default 5 s
    auto c = f.client();
    REQUIRE(c.upgrade());
    c.send_frame(opcode::text, "x", true, 4); // RSV1 without an extension: the stream is unreadable
    auto fr = c.read_frame();
    REQUIRE(fr);
    CHECK(fr->close_code() == 1002);
    const auto start = std::chrono::steady_clock::now();
    CHECK(c.wait_eof(2s)); // the server's FIN, long before the closing deadline
    CHECK(std::chrono::steady_clock::now() - start < 2s);
    c.shutdown_write(); // the client closes its side: the server then drops the connection
    CHECK(f.log.wait_for("close 1006 "));
    CHECK(eventually([&] { return f.server.connection_count() == 0; }));
}
