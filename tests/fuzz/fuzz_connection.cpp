// tests/fuzz/fuzz_connection.cpp: libFuzzer target for connection_core, the per-connection
// state machine (DESIGN §1.1, §1.2). A fixed request head followed by the fuzz input is fed in
// chunks, with ticks of a fake clock, admission decisions and application calls (send, ping,
// close with sometimes invalid arguments, abort, EOF) interleaved; the output is drained in
// pieces and parsed at the end as an HTTP response followed by well-formed server frames.
// Input: [flags:1][schedule seed:3][client bytes...]; flags: bits 0-1 the head (see heads),
// 2-4 the admission decision, 5 pings on, 6 decision delayed, 7 release_request after accept.
// Violations call __builtin_trap().
#include <squall/close_code.hpp>
#include <squall/error.hpp>
#include <squall/protocol/close_frame.hpp>
#include <squall/protocol/connection_core.hpp>
#include <squall/protocol/frame.hpp>
#include <squall/protocol/frame_parser.hpp>
#include <squall/protocol/utf8.hpp>
#include <squall/request.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

using namespace squall;
using namespace squall::protocol;
using namespace std::chrono_literals;

namespace {

void check(bool ok) {
    if (!ok) __builtin_trap();
}

constexpr std::array<std::string_view, 4> heads = {
    // 0: a browser-like upgrade offering two subprotocols
    "GET /chat?room=1 HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: chat, superchat\r\n"
    "Sec-WebSocket-Version: 13\r\n\r\n",
    // 1: a minimal upgrade
    "GET /echo HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: upgrade\r\n"
    "Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\r\nSec-WebSocket-Version: 13\r\n\r\n",
    // 2: plain HTTP (step 2b)
    "GET /health HTTP/1.1\r\nHost: a\r\n\r\n",
    // 3: an upgrade the origin hook refuses (403 before any decision)
    "GET /chat HTTP/1.1\r\nHost: a\r\nOrigin: https://evil.example\r\nUpgrade: websocket\r\n"
    "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
};

constexpr std::array<std::uint16_t, 12> close_codes = {1000, 1001, 4000, 3000, 1011, 1005, 1006,
                                                       1010, 999,  5000, 2999, 1015};

struct rng {
    std::uint32_t s;
    std::uint32_t operator()() noexcept {
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        return s;
    }
};

struct driver {
    core_config config;
    connection_core core;
    const std::uint8_t flags;
    rng r;
    clock::time_point now{};
    std::string wire;          // everything taken from pending_output, in order
    int errors = 0;            // error events seen
    bool seen_closed = false;
    bool dropped = false;      // queued output was discarded (abort, EOF, timeouts)
    bool pending_decision = false;
    int expected_status = 0;   // status line the wire must start with (0: none known)

    driver(const core_config& c, std::uint8_t f, std::uint32_t seed)
        : config(c), core(config, clock::time_point{}), flags(f), r{seed ? seed : 1u} {}

    void after_call() {
        if (core.should_close_transport()) check(core.pending_output().empty());
        if (core.state() == core_state::closed) seen_closed = true;
    }

    void on_event(const core_event& ev) {
        switch (ev.kind) {
        case core_event_kind::none: break;
        case core_event_kind::error:
            check(++errors == 1);
            check(ev.error && ev.error == core.first_error());
            check(ev.error.category() == error_category() || ev.error.category() == handshake_category());
            break;
        case core_event_kind::message:
            check(!seen_closed && core.state() == core_state::open);
            check(ev.op == opcode::text || ev.op == opcode::binary);
            check(ev.payload.size() <= config.limits.max_message_bytes);
            if (ev.op == opcode::text) check(is_valid_utf8(ev.text()));
            break;
        case core_event_kind::ping:
        case core_event_kind::pong:
            check(!seen_closed && core.state() == core_state::open);
            check(ev.payload.size() <= max_control_payload);
            break;
        case core_event_kind::close:
            check(core.state() == core_state::closed);
            check(ev.code == close_code::no_status || is_receivable(ev.code));
            check(is_valid_utf8(ev.reason));
            break;
        case core_event_kind::upgrade_request:
            check(core.state() == core_state::awaiting && (flags & 3) < 2);
            pending_decision = true;
            break;
        case core_event_kind::http_request:
            check(core.state() == core_state::awaiting && (flags & 3) == 2);
            check(core.request().path() == "/health");
            pending_decision = true;
            break;
        }
        if (ev.kind == core_event_kind::error && ev.error == handshake_error::origin_rejected) expected_status = 403;
        after_call();
    }

    void receive(std::span<std::uint8_t>& in) {
        for (int guard = 0;; ++guard) {
            check(guard < 100000); // every event consumes input or changes state
            const auto ev = core.receive(in, now);
            if (ev.kind == core_event_kind::none) break;
            on_event(ev);
            if (pending_decision && !(flags & 0x40)) decide(); // decide at once unless delayed
        }
        after_call();
    }

    void decide() {
        pending_decision = false;
        const bool awaiting = core.state() == core_state::awaiting;
        const unsigned choice = (flags >> 2) & 7;
        static constexpr std::array<header_field, 1> cookie = {header_field{"Set-Cookie", "id=1"}};
        static constexpr std::array<header_field, 1> bad = {header_field{"Content-Length", "5"}};
        if ((flags & 3) == 2) { // plain HTTP: respond, reject, or a (refused) accept
            if (choice < 4) {
                const auto ec = core.respond(200, {}, "ok\n");
                check(!ec == awaiting);
                if (awaiting) expected_status = 200;
            } else if (choice < 6) {
                core.reject(make_error_code(handshake_error::not_websocket));
                if (awaiting) expected_status = 400;
            } else {
                check(core.accept({}, now) == make_error_code(error::closed));
                if (awaiting) {
                    core.reject(make_error_code(handshake_error::not_websocket));
                    expected_status = 400;
                }
            }
            after_call();
            return;
        }
        accept_options opts;
        bool ok = true;
        switch (choice) {
        case 0:
        case 1: break;
        case 2: opts.headers = cookie; break;
        case 3: opts.subprotocol = "chat"; ok = (flags & 3) == 0; break;
        case 4: opts.subprotocol = "x-not-offered"; ok = false; break;
        case 5:
            core.reject(make_error_code(handshake_error::admission_rejected));
            if (awaiting) expected_status = 403;
            after_call();
            return;
        case 6: {
            const auto ec = core.respond(401, cookie, "who are you?\n");
            check(!ec == awaiting);
            if (awaiting) expected_status = 401;
            after_call();
            return;
        }
        case 7: {
            const auto ec = core.respond(r() % 2 ? 101 : 204, bad, "x"); // refused: a 500 goes out
            check(!!ec);
            if (awaiting) expected_status = 500;
            after_call();
            return;
        }
        }
        const auto ec = core.accept(opts, now);
        if (!awaiting) {
            check(ec == make_error_code(error::closed));
        } else {
            check(!ec == ok);
            expected_status = ok ? 101 : 500;
            check(core.state() == (ok ? core_state::open : core_state::closed));
            if (ok && (flags & 0x80)) core.release_request();
        }
        after_call();
        // Octets pipelined behind the head are processed on the next receive, even empty.
        std::span<std::uint8_t> none{};
        receive(none);
    }

    void drain(bool all) {
        const auto out = core.pending_output();
        check(out.size() == core.buffered_amount());
        const std::size_t n = all ? out.size() : (r() % 4 == 0 ? out.size() : out.size() * (r() % 8) / 8);
        wire.append(reinterpret_cast<const char*>(out.data()), n);
        core.consume_output(n);
        check(core.buffered_amount() == out.size() - n);
        after_call();
    }

    void tick(bool far) {
        const std::uint32_t x = r();
        switch (x % 8) {
        case 0: break;
        case 6: now += std::chrono::milliseconds(100 + x / 8 % 900); break;
        case 7: now += std::chrono::milliseconds(1000 + x / 8 % 4000); break;
        default: now += std::chrono::milliseconds(x / 8 % 50); break;
        }
        if (far) now += 10s;
        const auto deadline = core.next_deadline();
        const auto before = core.buffered_amount();
        const auto ev = core.tick(now);
        // Nothing is due before the announced deadline.
        if (!deadline || now < *deadline) check(ev.kind == core_event_kind::none && core.buffered_amount() == before);
        if (ev.kind == core_event_kind::error)
            check(ev.error == error::ping_timeout || ev.error == error::close_timeout ||
                  ev.error == error::handshake_timeout);
        // A timeout discards queued output (reported or not: only the first error is).
        if (core.buffered_amount() < before) {
            check(core.state() == core_state::closed && core.buffered_amount() == 0);
            dropped = true;
        }
        on_event(ev);
    }

    void app_action() {
        const std::uint32_t x = r();
        const bool open = core.state() == core_state::open;
        const auto before = core.buffered_amount();
        switch (x % 64) {
        case 0: case 1: case 2: case 3: case 4: case 5: { // send a text message
            const std::string text(x / 64 % 300, 'a' + static_cast<char>(x % 26));
            const auto ec = core.send_text(text);
            check(!ec == open);
            if (ec) check(ec == make_error_code(error::closed) && core.buffered_amount() == before);
            else check(core.buffered_amount() == before + header_size(text.size(), false) + text.size());
            break;
        }
        case 6: case 7: case 8: { // ping, sometimes over 125 octets
            const std::vector<std::uint8_t> payload(x / 64 % 132, 0x5a);
            const auto ec = core.ping(payload);
            if (!open) check(ec == make_error_code(error::closed));
            else check(!ec == (payload.size() <= max_control_payload));
            if (ec) check(core.buffered_amount() == before);
            break;
        }
        case 9: case 10: { // close, sometimes with a code or reason a server may not send
            const auto code = close_code{close_codes[x / 64 % close_codes.size()]};
            std::string reason;
            switch (x / 1024 % 5) {
            case 0: break;
            case 1: reason = "bye"; break;
            case 2: reason.assign(max_close_reason_bytes, 'r'); break;
            case 3: reason.assign(max_close_reason_bytes + 1, 'r'); break;
            case 4: reason = "bad \xff utf-8"; break;
            }
            const auto ec = core.close(code, reason, now);
            if (!open) check(ec == make_error_code(error::closed));
            else check(ec == check_sendable_close(code, reason));
            if (ec) check(core.buffered_amount() == before && core.state() == (open ? core_state::open : core.state()));
            else check(core.state() == core_state::closing);
            break;
        }
        case 11: { // a handler threw
            const auto ev = core.fail(make_error_code(error::handler_exception), now);
            check((ev.kind == core_event_kind::error) == (open && errors == 0));
            on_event(ev);
            break;
        }
        case 12: {
            if (x / 64 % 4) break; // rare
            const bool live = core.state() != core_state::closed;
            const auto ev = core.abort();
            if (live) dropped = true;
            check(core.state() == core_state::closed && (!live || core.pending_output().empty()));
            on_event(ev);
            break;
        }
        case 13: {
            if (x / 64 % 4) break; // rare
            const bool live = core.state() != core_state::closed;
            const auto ev = core.receive_eof();
            if (live) {
                dropped = true;
                check(core.buffered_amount() == 0);
            }
            on_event(ev);
            break;
        }
        default: break;
        }
        after_call();
    }

    // The wire: one HTTP response, then (after a 101) whole, unmasked server frames with
    // nothing after a close frame; only dropped output may end in the middle of something.
    void check_wire() {
        if (wire.empty()) {
            check(expected_status == 0 || dropped);
            return;
        }
        const std::size_t end = wire.find("\r\n\r\n");
        if (end == std::string::npos) {
            check(dropped);
            return;
        }
        check(wire.compare(0, 9, "HTTP/1.1 ") == 0 && wire.size() >= 13);
        const int status = (wire[9] - '0') * 100 + (wire[10] - '0') * 10 + (wire[11] - '0');
        check(wire[12] == ' ');
        check(status == expected_status);
        const std::size_t body = end + 4;
        if (status != 101) {
            const std::size_t cl = wire.find("\r\nContent-Length: ");
            check(cl != std::string::npos && cl < end);
            std::size_t n = 0;
            for (std::size_t i = cl + 18; wire[i] >= '0' && wire[i] <= '9'; ++i)
                n = n * 10 + static_cast<std::size_t>(wire[i] - '0');
            check(wire.size() == body + n);
            return;
        }
        frame_parser p{frame_rules{~std::uint64_t{0}, false, 0}};
        std::span<std::uint8_t> in{reinterpret_cast<std::uint8_t*>(wire.data()) + body, wire.size() - body};
        const std::size_t total = in.size();
        std::size_t boundary = 0;
        bool closed = false;
        std::string control;
        for (;;) {
            const auto ev = p.next(in);
            if (ev.kind == frame_parser::event_kind::need_more) break;
            check(ev.kind != frame_parser::event_kind::error);
            if (ev.kind == frame_parser::event_kind::header) {
                check(!closed); // nothing follows our close frame (RFC 6455 §5.5.1)
                check(!p.header().masked && p.header().rsv == 0);
                control.clear();
                continue;
            }
            if (p.header().op == opcode::close) control.append(as_text(ev.chunk));
            if (ev.last) {
                boundary = total - in.size();
                if (p.header().op == opcode::close) {
                    closed = true;
                    const auto payload = as_bytes(control);
                    close_info info;
                    check(!parse_close_payload(payload, info));
                    check(payload.size() <= 2 + max_close_reason_bytes);
                }
            }
        }
        if (!dropped) check(boundary == total);
    }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 4) return 0;
    const std::uint8_t flags = data[0];
    const std::uint32_t seed = (std::uint32_t{data[1]} << 16) | (std::uint32_t{data[2]} << 8) | data[3];

    static const auto route = [](std::string_view path) -> std::optional<std::size_t> {
        if (path == "/chat") return std::size_t{1};
        if (path == "/echo") return std::size_t{2};
        return std::nullopt;
    };
    static const auto origin = [](std::string_view o, const request_view&) { return o != "https://evil.example"; };
    core_config config;
    config.limits = message_limits{1024, 512, 8};
    config.head_limit = 1024;
    config.handshake_timeout = 20s; // reachable, but most runs get past the head
    config.close_timeout = 500ms;
    config.ping_interval = (flags & 0x20) ? std::optional<clock::duration>{200ms} : std::nullopt;
    config.pong_timeout = 600ms;
    config.route = route;
    config.origin = origin;

    std::string stream{heads[flags & 3]};
    stream.append(reinterpret_cast<const char*>(data + 4), size - 4);

    driver d{config, flags, seed ^ 0x5bd1e995u};
    std::size_t pos = 0;
    for (int step = 0; step < 20000; ++step) {
        const std::uint32_t x = d.r();
        if (d.pending_decision && (x % 4 == 0 || pos == stream.size())) d.decide();
        if (pos < stream.size()) {
            std::size_t want = x % 8 == 0 ? 1 + x / 8 % 512 : 1 + x / 8 % 16;
            if (pos == 0 && (seed & 2)) want = heads[flags & 3].size(); // the head in one read
            const std::size_t n = want < stream.size() - pos ? want : stream.size() - pos;
            std::span<std::uint8_t> in{reinterpret_cast<std::uint8_t*>(stream.data()) + pos, n};
            d.receive(in);
            pos += n - in.size(); // nothing is read while a decision is pending
        } else if (!d.pending_decision) {
            break;
        }
        if (x & 0x100) d.tick(false);
        if (x & 0x200) d.app_action();
        if (x & 0x400) d.drain(false);
    }
    if (d.pending_decision) d.decide();
    std::span<std::uint8_t> none{};
    d.receive(none);
    if (seed & 1) d.tick(true); // a late tick: timeouts fire
    d.drain(true);
    d.check_wire();
    if (d.core.state() == core_state::closed) check(d.core.should_close_transport());
    return 0;
}
