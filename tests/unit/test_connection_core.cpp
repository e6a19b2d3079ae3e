#include "support.hpp"

#include <squall/protocol/connection_core.hpp>

#include <catch2/catch.hpp>

#include <chrono>

using namespace squall;
using namespace squall::protocol;
using namespace squall_test;
using namespace std::chrono_literals;

namespace {

const std::string upgrade_head = "GET /chat?room=1 HTTP/1.1\r\n"
                                 "Host: server.example.com\r\n"
                                 "Upgrade: websocket\r\n"
                                 "Connection: Upgrade\r\n"
                                 "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                 "Sec-WebSocket-Protocol: chat, superchat\r\n"
                                 "Sec-WebSocket-Version: 13\r\n\r\n";

const clock::time_point t0{};

struct out_frame {
    opcode op;
    std::string payload;
    bool fin;
};

// Drives a core with byte vectors and a fake clock; collects its events and output.
struct harness {
    core_config config;
    std::unique_ptr<connection_core> core;
    std::vector<core_event> events; // kinds and codes only: views die with the next call
    std::vector<std::string> texts;
    std::string wire;               // everything the core wanted written

    explicit harness(core_config c = {}) : config(c) { core = std::make_unique<connection_core>(config, t0); }

    void feed(std::string bytes, clock::time_point now = t0) {
        std::span<std::uint8_t> in{reinterpret_cast<std::uint8_t*>(bytes.data()), bytes.size()};
        for (;;) {
            auto ev = core->receive(in, now);
            if (ev.kind == core_event_kind::none) break;
            record(ev);
        }
        drain();
    }
    void record(const core_event& ev) {
        texts.emplace_back(ev.kind == core_event_kind::close ? ev.reason : ev.text());
        events.push_back(ev);
        events.back().payload = {};
        events.back().reason = {};
    }
    void drain() {
        const auto out = core->pending_output();
        wire.append(reinterpret_cast<const char*>(out.data()), out.size());
        core->consume_output(out.size());
    }
    void open() {
        feed(upgrade_head);
        REQUIRE(events.size() == 1);
        REQUIRE(events[0].kind == core_event_kind::upgrade_request);
        REQUIRE_FALSE(core->accept({}, t0));
        events.clear();
        texts.clear();
        drain();
        wire.clear();
    }
    void tick(clock::time_point now) {
        auto ev = core->tick(now);
        if (ev.kind != core_event_kind::none) record(ev);
        drain();
    }
    // Server frames written so far (the wire must hold whole, unmasked frames only).
    std::vector<out_frame> frames() const {
        frame_parser p{frame_rules{~0ULL, false, 0}};
        std::string copy = wire;
        std::span<std::uint8_t> in{reinterpret_cast<std::uint8_t*>(copy.data()), copy.size()};
        std::vector<out_frame> out;
        for (;;) {
            auto ev = p.next(in);
            if (ev.kind == frame_parser::event_kind::need_more) break;
            REQUIRE(ev.kind != frame_parser::event_kind::error);
            if (ev.kind == frame_parser::event_kind::header) {
                REQUIRE_FALSE(p.header().masked);
                out.push_back({p.header().op, {}, p.header().fin});
            } else {
                out.back().payload.append(as_text(ev.chunk));
            }
        }
        return out;
    }
};

std::string close_payload(std::uint16_t code, std::string_view reason = {}) {
    std::string s{static_cast<char>(code >> 8), static_cast<char>(code & 0xFF)};
    return s.append(reason);
}

} // namespace

TEST_CASE("connection_core: upgrade then echo", "[protocol][connection_core]") {
    harness h;
    h.feed(upgrade_head);
    REQUIRE(h.events.size() == 1);
    CHECK(h.events[0].kind == core_event_kind::upgrade_request);
    CHECK(h.core->state() == core_state::awaiting);
    CHECK(h.core->request().path() == "/chat");
    CHECK(h.core->request().query() == "room=1");
    accept_options opts;
    opts.subprotocol = "chat";
    REQUIRE_FALSE(h.core->accept(opts, t0));
    h.drain();
    CHECK(h.wire == "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: chat\r\n\r\n");
    CHECK(h.core->is_open());
    h.core->release_request();
    h.wire.clear();
    h.feed(client_frame(opcode::text, "hello"));
    REQUIRE(h.events.size() == 2);
    CHECK(h.events[1].kind == core_event_kind::message);
    CHECK(h.events[1].op == opcode::text);
    CHECK(h.texts[1] == "hello");
    REQUIRE_FALSE(h.core->send_text("hello"));
    h.drain();
    CHECK(h.wire == std::string("\x81\x05hello"));
}

TEST_CASE("connection_core: a frame pipelined behind the head waits for accept", "[protocol][connection_core]") {
    harness h;
    h.feed(upgrade_head + client_frame(opcode::binary, "early") + client_frame(opcode::text, "second"));
    REQUIRE(h.events.size() == 1); // nothing is processed while the decision is pending
    REQUIRE_FALSE(h.core->accept({}, t0));
    h.core->release_request(); // the pipelined octets outlive the released request
    h.feed("");
    REQUIRE(h.events.size() == 3);
    CHECK(h.events[1].kind == core_event_kind::message);
    CHECK(h.texts[1] == "early");
    CHECK(h.texts[2] == "second");
}

TEST_CASE("connection_core: the head split at every point gives the same upgrade", "[protocol][connection_core]") {
    const std::string stream = upgrade_head + client_frame(opcode::text, "hi");
    for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
        harness h;
        h.feed(stream.substr(0, cut));
        const bool all_fed = h.events.empty();
        if (all_fed) h.feed(stream.substr(cut));
        REQUIRE(h.events.size() == 1);
        REQUIRE(h.events[0].kind == core_event_kind::upgrade_request);
        REQUIRE_FALSE(h.core->accept({}, t0));
        // Octets that arrived behind the head are processed after accept, then the rest.
        h.feed(all_fed ? std::string{} : stream.substr(cut));
        REQUIRE(h.events.size() == 2);
        REQUIRE(h.texts[1] == "hi");
    }
}

TEST_CASE("connection_core: refused upgrades get their status and close", "[protocol][connection_core]") {
    std::size_t known_route = 0;
    auto route = [&](std::string_view path) -> std::optional<std::size_t> {
        if (path == "/chat") return known_route;
        return std::nullopt;
    };
    auto origin = [](std::string_view o, const request_view&) { return o == "https://ok.example"; };
    core_config cfg;
    cfg.route = route;
    cfg.origin = origin;
    auto with = [](std::string head, std::string_view from, std::string_view to) {
        head.replace(head.find(from), from.size(), to);
        return head;
    };
    auto [name, head, status, err] = GENERATE_COPY(table<const char*, std::string, std::string, handshake_error>({
        {"404", with(upgrade_head, "/chat", "/nope"), "HTTP/1.1 404 ", handshake_error::route_not_found},
        {"403", with(upgrade_head, "Host:", "Origin: https://evil.example\r\nHost:"), "HTTP/1.1 403 ", handshake_error::origin_rejected},
        {"426", with(upgrade_head, "Version: 13", "Version: 8"), "HTTP/1.1 426 ", handshake_error::bad_version},
        {"400 key", with(upgrade_head, "dGhlIHNhbXBsZSBub25jZQ==", "short"), "HTTP/1.1 400 ", handshake_error::bad_sec_key},
        {"400 method", with(upgrade_head, "GET", "POST"), "HTTP/1.1 400 ", handshake_error::bad_method},
        {"400 line", "GARBAGE\r\n\r\n", "HTTP/1.1 400 ", handshake_error::bad_request_line},
        {"431", "GET / HTTP/1.1\r\nX: " + std::string(9000, 'a'), "HTTP/1.1 431 ", handshake_error::head_too_large},
    }));
    INFO(name);
    harness h{cfg};
    h.feed(head);
    REQUIRE(h.events.size() == 1);
    CHECK(h.events[0].kind == core_event_kind::error);
    CHECK(h.events[0].error == make_error_code(err));
    CHECK(h.wire.rfind(status, 0) == 0);
    if (err == handshake_error::bad_version) CHECK(h.wire.find("\r\nSec-WebSocket-Version: 13\r\n") != std::string::npos);
    CHECK(h.core->state() == core_state::closed);
    CHECK(h.core->should_close_transport());
    CHECK(h.core->send_text("x") == make_error_code(error::closed));
}

TEST_CASE("connection_core: origin allowed by the hook passes", "[protocol][connection_core]") {
    auto origin = [](std::string_view o, const request_view&) { return o == "https://ok.example"; };
    core_config cfg;
    cfg.origin = origin;
    harness h{cfg};
    std::string head = upgrade_head;
    head.insert(head.find("Host:"), "Origin: https://ok.example\r\n");
    h.feed(head);
    REQUIRE(h.events.size() == 1);
    CHECK(h.events[0].kind == core_event_kind::upgrade_request);
}

TEST_CASE("connection_core: plain HTTP goes to respond", "[protocol][connection_core]") {
    harness h;
    h.feed("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
    REQUIRE(h.events.size() == 1);
    CHECK(h.events[0].kind == core_event_kind::http_request);
    CHECK(h.core->request().path() == "/health");
    REQUIRE_FALSE(h.core->respond(200, {}, "ok\n"));
    h.drain();
    CHECK(h.wire.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
    CHECK(h.wire.substr(h.wire.size() - 3) == "ok\n");
    CHECK(h.core->should_close_transport());
}

TEST_CASE("connection_core: plain HTTP without a responder gets 400", "[protocol][connection_core]") {
    harness h;
    h.feed("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    REQUIRE(h.events.at(0).kind == core_event_kind::http_request);
    h.core->reject(make_error_code(handshake_error::not_websocket));
    h.drain();
    CHECK(h.wire.rfind("HTTP/1.1 400 ", 0) == 0);
    CHECK(h.wire.find("Can Upgrade only to WebSocket.") != std::string::npos);
}

TEST_CASE("connection_core: accept with a subprotocol the client did not offer is a 500", "[protocol][connection_core]") {
    harness h;
    h.feed(upgrade_head);
    accept_options opts;
    opts.subprotocol = "graphql";
    CHECK(h.core->accept(opts, t0) == make_error_code(handshake_error::bad_admission_result));
    h.drain();
    CHECK(h.wire.rfind("HTTP/1.1 500 ", 0) == 0);
    CHECK(h.core->state() == core_state::closed);
}

TEST_CASE("connection_core: close table peer closes with a code", "[protocol][connection_core][close]") {
    harness h;
    h.open();
    h.feed(client_frame(opcode::close, close_payload(4000, "bye")) + client_frame(opcode::text, "ignored"));
    REQUIRE(h.events.size() == 1); // data after the close is not delivered
    CHECK(h.events[0].kind == core_event_kind::close);
    CHECK(h.events[0].code == close_code{4000});
    CHECK(h.texts[0] == "bye");
    const auto f = h.frames();
    REQUIRE(f.size() == 1);
    CHECK(f[0].op == opcode::close);
    CHECK(f[0].payload == close_payload(4000)); // the code is echoed
    CHECK(h.core->state() == core_state::closed);
    CHECK(h.core->should_close_transport());
    CHECK(h.core->peer_close_code() == close_code{4000});
    CHECK(h.core->peer_close_reason() == "bye");
    CHECK_FALSE(h.core->first_error());
    CHECK(h.core->receive_eof().kind == core_event_kind::none); // a clean end is not an error
}

TEST_CASE("connection_core: close table peer sends an empty close", "[protocol][connection_core][close]") {
    harness h;
    h.open();
    h.feed(client_frame(opcode::close, ""));
    REQUIRE(h.events.size() == 1);
    CHECK(h.events[0].code == close_code::no_status);
    const auto f = h.frames();
    REQUIRE(f.size() == 1);
    CHECK(f[0].payload.empty());
    CHECK(h.core->peer_close_code() == close_code::no_status);
}

TEST_CASE("connection_core: close table server closes and the peer answers", "[protocol][connection_core][close]") {
    harness h;
    h.open();
    REQUIRE_FALSE(h.core->close(close_code{4001}, "done", t0));
    h.drain();
    auto f = h.frames();
    REQUIRE(f.size() == 1);
    CHECK(f[0].payload == close_payload(4001, "done"));
    CHECK(h.core->state() == core_state::closing);
    CHECK(h.core->send_text("late") == make_error_code(error::closed)); // closing counts as closed
    CHECK(h.core->close(close_code::normal, "", t0) == make_error_code(error::closed));
    CHECK_FALSE(h.core->should_close_transport());
    h.feed(client_frame(opcode::text, "in flight") + client_frame(opcode::ping, "p") +
           client_frame(opcode::close, close_payload(4001)));
    REQUIRE(h.events.size() == 1); // data and pings while closing are drained, not delivered
    CHECK(h.events[0].kind == core_event_kind::close);
    CHECK(h.frames().size() == 1); // no pong, no second close
    CHECK(h.core->state() == core_state::closed);
    CHECK(h.core->peer_close_code() == close_code{4001});
    CHECK_FALSE(h.core->first_error());
}

TEST_CASE("connection_core: close table peer never answers our close", "[protocol][connection_core][close]") {
    harness h;
    h.open();
    REQUIRE_FALSE(h.core->close(close_code::going_away, "", t0));
    CHECK(h.core->next_deadline() == t0 + 5s);
    h.tick(t0 + 5s - 1ms);
    CHECK(h.events.empty());
    h.tick(t0 + 5s);
    REQUIRE(h.events.size() == 1);
    CHECK(h.events[0].error == make_error_code(error::close_timeout));
    CHECK(h.core->state() == core_state::closed);
    CHECK(h.core->peer_close_code() == close_code::abnormal);
}

TEST_CASE("connection_core: close table abort and EOF", "[protocol][connection_core][close]") {
    harness h;
    h.open();
    REQUIRE_FALSE(h.core->send_text("queued"));
    auto ev = h.core->abort();
    CHECK(ev.error == make_error_code(error::aborted));
    CHECK(h.core->buffered_amount() == 0); // nothing more goes out
    CHECK(h.core->should_close_transport());
    CHECK(h.core->peer_close_code() == close_code::abnormal);
    CHECK(h.core->abort().kind == core_event_kind::none);

    harness e;
    e.open();
    ev = e.core->receive_eof();
    CHECK(ev.error == make_error_code(error::eof));
    CHECK(e.core->peer_close_code() == close_code::abnormal);
}

TEST_CASE("connection_core: close table protocol violations send their close code", "[protocol][connection_core][close]") {
    core_config cfg;
    cfg.limits.max_message_bytes = 100;
    cfg.limits.max_frame_bytes = 100;
    // framing_lost: a frame-level fault; the stream cannot be parsed further (RFC 6455
    // §7.1.7), so the peer's close is not read and on_close gets 1006.
    auto [name, bytes, err, code, framing_lost] = GENERATE(table<const char*, std::string, error, std::uint16_t, bool>({
        {"unmasked", std::string("\x81\x01" "a", 3), error::unmasked_frame, 1002, true},
        {"reserved bits", client_frame(opcode::text, "a", true, 4), error::reserved_bits, 1002, true},
        {"bad opcode", client_frame(opcode{5}, "a"), error::bad_opcode, 1002, true},
        {"too big", client_frame(opcode::binary, std::string(101, 'x')), error::frame_too_big, 1009, true},
        {"continuation", client_frame(opcode::continuation, "a"), error::unexpected_continuation, 1002, false},
        {"utf8", client_frame(opcode::text, "\xC0\xAF" + std::string(50, 'u')), error::invalid_utf8, 1007, false},
        {"too big message", client_frame(opcode::binary, std::string(60, 'x'), false) + client_frame(opcode::continuation, std::string(60, 'x')), error::message_too_big, 1009, false},
    }));
    INFO(name);
    harness h{cfg};
    h.open();
    h.feed(bytes);
    REQUIRE(h.events.size() == 1);
    CHECK(h.events[0].kind == core_event_kind::error);
    CHECK(h.events[0].error == make_error_code(err));
    auto f = h.frames();
    REQUIRE(f.size() == 1);
    CHECK(f[0].op == opcode::close);
    CHECK(f[0].payload == close_payload(code));
    CHECK(h.core->state() == core_state::closing);
    // The peer goes on sending, then answers; on_close gets the peer's answer (when the
    // framing is intact); there is no second error.
    h.feed(client_frame(opcode::text, "more") + client_frame(opcode::close, close_payload(code)));
    CHECK(h.core->first_error() == make_error_code(err));
    CHECK(h.frames().size() == 1);
    if (framing_lost) {
        CHECK(h.events.size() == 1);
        CHECK(h.core->state() == core_state::closing);
        CHECK(h.core->receive_eof().kind == core_event_kind::none);
        CHECK(h.core->peer_close_code() == close_code::abnormal);
    } else {
        REQUIRE(h.events.size() == 2);
        CHECK(h.events.back().kind == core_event_kind::close);
        CHECK(h.core->peer_close_code() == close_code{code});
    }
    CHECK(h.core->state() == core_state::closed);
    h.tick(t0 + 1h);
    CHECK(h.events.size() == (framing_lost ? 1 : 2));
}

TEST_CASE("connection_core: invalid close frames from the peer", "[protocol][connection_core][close]") {
    auto [payload, err, code] = GENERATE(table<std::string, error, std::uint16_t>({
        {"\x03", error::bad_close_payload, 1002},
        {close_payload(1005), error::bad_close_code, 1002},
        {close_payload(999), error::bad_close_code, 1002},
        {close_payload(1000, "\xFF"), error::invalid_utf8, 1007},
    }));
    harness h;
    h.open();
    h.feed(client_frame(opcode::close, payload));
    REQUIRE(h.events.size() == 1);
    CHECK(h.events[0].error == make_error_code(err));
    const auto f = h.frames();
    REQUIRE(f.size() == 1);
    CHECK(f[0].payload == close_payload(code));
    CHECK(h.core->state() == core_state::closed); // the peer's close was its last word
    CHECK(h.core->peer_close_code() == close_code::abnormal);
}

TEST_CASE("connection_core: close table handler exception and shutdown", "[protocol][connection_core][close]") {
    harness h;
    h.open();
    const auto ev = h.core->fail(make_error_code(error::handler_exception), t0);
    CHECK(ev.error == make_error_code(error::handler_exception));
    h.drain();
    CHECK(h.frames().at(0).payload == close_payload(1011));

    harness s;
    s.open();
    REQUIRE_FALSE(s.core->close(close_code::going_away, "", t0));
    s.drain();
    CHECK(s.frames().at(0).payload == close_payload(1001));
    CHECK_FALSE(s.core->first_error());
}

TEST_CASE("connection_core: close arguments are checked before anything is sent", "[protocol][connection_core][close]") {
    harness h;
    h.open();
    CHECK(h.core->close(close_code::mandatory_extension, "", t0) == std::errc::invalid_argument);
    CHECK(h.core->close(close_code::normal, std::string(124, 'r'), t0) == make_error_code(error::close_reason_too_long));
    CHECK(h.core->ping(as_bytes(std::string(126, 'p'))) == make_error_code(error::control_payload_too_big));
    CHECK(h.core->buffered_amount() == 0);
    CHECK(h.core->is_open());
}

TEST_CASE("connection_core: pings are answered and reported", "[protocol][connection_core]") {
    harness h;
    h.open();
    h.feed(client_frame(opcode::ping, "abc") + client_frame(opcode::pong, "unsolicited"));
    REQUIRE(h.events.size() == 2);
    CHECK(h.events[0].kind == core_event_kind::ping);
    CHECK(h.texts[0] == "abc");
    CHECK(h.events[1].kind == core_event_kind::pong);
    CHECK(h.texts[1] == "unsolicited");
    const auto f = h.frames();
    REQUIRE(f.size() == 1);
    CHECK(f[0].op == opcode::pong);
    CHECK(f[0].payload == "abc");
}

TEST_CASE("connection_core: keepalive pings a quiet link and times out a dead one", "[protocol][connection_core][ping]") {
    harness h; // defaults: 30 s interval, 90 s timeout
    h.open();
    CHECK(h.core->next_deadline() == t0 + 30s);
    h.feed(client_frame(opcode::text, "alive"), t0 + 20s); // any frame counts as liveness
    CHECK(h.core->next_deadline() == t0 + 50s);
    h.tick(t0 + 49s);
    CHECK(h.frames().empty());
    h.tick(t0 + 50s);
    REQUIRE(h.frames().size() == 1);
    CHECK(h.frames()[0].op == opcode::ping);
    CHECK(h.core->next_deadline() == t0 + 80s);
    h.tick(t0 + 80s); // still quiet: another ping
    CHECK(h.frames().size() == 2);
    h.tick(t0 + 140s - 1ms);
    CHECK(h.events.size() == 1); // only the message so far
    h.tick(t0 + 140s); // 90 s after the first unanswered ping
    REQUIRE(h.events.size() == 2);
    CHECK(h.events[1].error == make_error_code(error::ping_timeout));
    CHECK(h.core->state() == core_state::closed);
    CHECK(h.frames().back().op == opcode::ping); // no close frame: TCP is dropped
    CHECK(h.core->peer_close_code() == close_code::abnormal);
}

TEST_CASE("connection_core: a pong resets the keepalive", "[protocol][connection_core][ping]") {
    harness h;
    h.open();
    h.tick(t0 + 30s);
    h.feed(client_frame(opcode::pong, ""), t0 + 31s);
    h.tick(t0 + 120s); // would have been the timeout without the pong
    CHECK(h.core->is_open());
}

TEST_CASE("connection_core: no pings when the interval is off", "[protocol][connection_core][ping]") {
    core_config cfg;
    cfg.ping_interval.reset();
    harness h{cfg};
    h.open();
    CHECK_FALSE(h.core->next_deadline());
    h.tick(t0 + 24h);
    CHECK(h.core->is_open());
    CHECK(h.wire.empty());
}

TEST_CASE("connection_core: a client that never finishes its head is dropped", "[protocol][connection_core]") {
    harness h;
    h.feed("GET / HTTP/1.1\r\nHost: slow", t0 + 1s);
    CHECK(h.core->next_deadline() == t0 + 10s);
    h.tick(t0 + 10s);
    REQUIRE(h.events.size() == 1);
    CHECK(h.events[0].error == make_error_code(error::handshake_timeout));
    CHECK(h.wire.empty());
    CHECK(h.core->should_close_transport());
}

TEST_CASE("connection_core: only the first fault is reported", "[protocol][connection_core]") {
    harness h;
    h.open();
    h.feed(client_frame(opcode{3}, "x"));
    REQUIRE(h.events.size() == 1);
    h.tick(t0 + 5s); // close deadline passes: no second error
    CHECK(h.events.size() == 1);
    CHECK(h.core->state() == core_state::closed);
    CHECK(h.core->receive_eof().kind == core_event_kind::none);
}

TEST_CASE("connection_core: large fragmented message reassembled across reads", "[protocol][connection_core]") {
    harness h;
    h.open();
    const std::string part(70000, 'm');
    const std::string stream = client_frame(opcode::binary, part, false) + client_frame(opcode::continuation, part);
    for (std::size_t pos = 0; pos < stream.size(); pos += 4096) h.feed(stream.substr(pos, 4096));
    REQUIRE(h.events.size() == 1);
    CHECK(h.texts[0] == part + part);
}

TEST_CASE("connection_core: an idle open connection holds no buffer memory", "[protocol][connection_core][memory]") {
    harness h;
    h.open();
    h.core->release_request();
    CHECK(h.core->buffer_capacity() == 0); // the 101 was written: its buffer went back
    // A message split across reads is kept, and its memory released once it is delivered.
    const std::string frame = client_frame(opcode::binary, std::string(3000, 'x'));
    h.feed(frame.substr(0, 1000));
    CHECK(h.events.empty());
    CHECK(h.core->buffer_capacity() >= 1000 - 8);
    h.feed(frame.substr(1000));
    REQUIRE(h.events.size() == 1);
    CHECK(h.texts[0] == std::string(3000, 'x'));
    REQUIRE_FALSE(h.core->send_binary(as_bytes(h.texts[0])));
    CHECK(h.core->buffer_capacity() > 0); // queued output
    h.drain();
    h.feed(""); // the next call lets the assembler give back the delivered message's buffer
    CHECK(h.core->buffer_capacity() == 0);
}

TEST_CASE("connection_core: a control frame split between reads inside a fragmented message",
          "[protocol][connection_core]") {
    harness h;
    h.open();
    h.core->release_request();
    const std::string ping = client_frame(opcode::ping, "are you there?");
    h.feed(client_frame(opcode::text, "Hel", false) + ping.substr(0, 7));
    CHECK(h.events.empty());
    h.feed(ping.substr(7) + client_frame(opcode::continuation, "lo", true));
    REQUIRE(h.events.size() == 2);
    CHECK(h.events[0].kind == core_event_kind::ping);
    CHECK(h.texts[0] == "are you there?");
    CHECK(h.events[1].kind == core_event_kind::message);
    CHECK(h.texts[1] == "Hello"); // the ping's octets, gathered behind "Hel", were cut off again
    const auto out = h.frames();
    REQUIRE(out.size() == 1);
    CHECK(out[0].op == opcode::pong);
    CHECK(out[0].payload == "are you there?");
}
