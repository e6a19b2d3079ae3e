// tests/fuzz/fuzz_engine.cpp: libFuzzer target for detail::engine, one connection's behaviour
// without a socket (DESIGN §2): connection_core, the policies and handler dispatch with the
// ordering rules of DESIGN §1.2. A fake server and a test-double connection (the pattern of
// tests/server/test_engine.cpp) stand in for the network; a handler driven by the input echoes,
// closes with sometimes invalid arguments, sends JSON (a map, or a NaN), pings, throws or aborts.
// A request head followed by the client bytes is fed in chunks, with ticks of a fake clock,
// runs of the posted work queue, partial drains of the output and the decisions of an
// asynchronous admission policy interleaved; then EOF and finish(), sometimes late work after.
//
// Input: [flags:1][admission:1][status:2][seed:3][client bytes...]
//   flags: bits 0-1 the head (see heads), 2 pings on, 3 the head pipelined with the first
//          bytes, 4 structured client bytes (records framed by the harness, see frame_records),
//          5 a small send queue cap, 6 drain everything before EOF, 7 late work after finish().
//   admission: bits 0-1 the policy (0 sync accept, 1 sync reject, 2-3 async), 2-4 its variant,
//          5-7 extras (7: over the connection cap, 6: the handler factory throws).
//   status: a signed 16-bit HTTP status for rejects and the plain-HTTP responder
//          (0x7fff: INT_MAX, -0x8000: INT_MIN).
// Violations call __builtin_trap().
#include <squall/close_code.hpp>
#include <squall/engine.hpp>
#include <squall/error.hpp>
#include <squall/protocol/close_frame.hpp>
#include <squall/protocol/frame.hpp>
#include <squall/protocol/frame_parser.hpp>
#include <squall/protocol/utf8.hpp>

#include <array>
#include <chrono>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

using namespace squall;
using namespace std::chrono_literals;
using steady = squall::protocol::clock; // (::clock is time.h's)

namespace {

void check(bool ok) {
    if (!ok) __builtin_trap();
}

constexpr std::array<std::string_view, 4> heads = {
    // 0: offers two subprotocols
    "GET /chat?room=1 HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: chat, superchat\r\n"
    "Sec-WebSocket-Version: 13\r\n\r\n",
    // 1: offers none
    "GET /chat HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: upgrade\r\n"
    "Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\r\nSec-WebSocket-Version: 13\r\n\r\n",
    // 2: offers superchat only
    "GET /chat HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Protocol: superchat\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
    // 3: plain HTTP (DESIGN §1.1 step 2b)
    "GET /chat HTTP/1.1\r\nHost: a\r\n\r\n",
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

// Everything the handler, the policies and the driver share for one input.
struct shared_state {
    rng r;
    std::uint8_t flags = 0;
    std::uint8_t adm = 0;
    int status = 0;
    steady::time_point now{};

    // handler events
    int opens = 0;
    int messages = 0;
    int errors = 0;
    int closes = 0;
    bool in_finish = false;
    std::size_t queue_limit = 0;

    // the handshake's expected outcome: the status line, and the subprotocol after a 101
    int expected_status = 0;
    std::string expected_sub;

    // the asynchronous admission's stored callback (and a second copy, mode 7)
    std::optional<admission_callback> pending_cb;
    std::optional<admission_callback> spare_cb;

    // output taken from the core, in order
    std::string wire;
    std::size_t last_buffered = 0; // core().buffered_amount() when last seen
    bool dropped = false;          // queued output was discarded (abort, EOF, timeouts)

    unsigned head() const noexcept { return flags & 3u; }
    unsigned variant() const noexcept { return (adm >> 2) & 7u; }
    unsigned extras() const noexcept { return (adm >> 5) & 7u; }
    bool factory_throws() const noexcept { return extras() == 6; }
    bool over_limit() const noexcept { return extras() == 7; }

    void expect(int status_line, std::string sub = {}) {
        if (expected_status != 0) return; // the first decision wins
        expected_status = status_line;
        expected_sub = std::move(sub);
    }

    bool offered(std::string_view sub) const noexcept {
        if (head() == 0) return sub == "chat" || sub == "superchat";
        if (head() == 2) return sub == "superchat";
        return false;
    }

    // An accept and the status it must produce (the factory runs before the 101 is written).
    admission make_accept(unsigned v) {
        squall::accept a;
        switch (v & 7u) {
        case 0: break;
        case 1: a.subprotocol("chat"); break;
        case 2: a.subprotocol("superchat"); break;
        case 3: a.subprotocol((v & 8u) ? "x-not-offered" : "bad token"); break;
        case 4: a.header("Set-Cookie", "id=1"); break;
        case 5: a.header((v & 8u) ? "Sec-WebSocket-Accept" : "X-Bad", (v & 8u) ? "x" : "a\r\nb"); break;
        case 6: a.header("X-Empty", ""); break;
        case 7: a.subprotocol("chat").user_data(42).header("X-A", "b"); break;
        }
        const bool sub_ok = a.subprotocol().empty() || offered(a.subprotocol());
        const bool headers_ok = (v & 7u) != 5;
        if (factory_throws() || !sub_ok || !headers_ok) expect(500);
        else expect(101, std::string{a.subprotocol()});
        return a;
    }

    static int response_status(int st, bool bad_header, bool body) {
        if (st < 200 || st > 599) st = 500;
        if (bad_header || ((st == 204 || st == 304) && body)) return 500;
        return st;
    }

    admission make_reject(unsigned v) {
        reject r{status, (v & 4u) ? std::string{} : std::string{"no\n"}};
        switch (v & 3u) {
        case 0: break;
        case 1: r.header("Set-Cookie", "id=1"); break;
        case 2: r.header("Content-Length", "5"); break; // squall writes it: refused
        case 3: r.header("Content-Type", "text/html"); break;
        }
        // The engine answers 500 for a status outside 300..599, then the writer's rules apply.
        const int st = status >= 300 && status <= 599 ? status : 500;
        expect(response_status(st, (v & 3u) == 2, !(v & 4u)));
        return r;
    }
};

// ---- the handler -------------------------------------------------------------------------

const message_view no_message{std::string_view{}}; // actions outside on_message send ""

struct fuzz_handler {
    shared_state* s;

    // An event other than on_open/on_close: after on_open, before on_close.
    void live(auto& conn) {
        check(s->opens == 1 && s->closes == 0 && !s->in_finish);
        check(conn.state() == connection_state::open); // the core hands out data only while open
    }

    void on_open(auto& conn) {
        check(s->opens == 0 && s->messages == 0 && s->errors == 0 && s->closes == 0 && !s->in_finish);
        ++s->opens;
        check(conn.state() == connection_state::open && conn.is_open());
        check(conn.subprotocol() == s->expected_sub);
        // The request is readable during on_open (ASan checks the views).
        const auto req = conn.request();
        check(req.path() == "/chat");
        check(req.remote_endpoint() && req.remote_endpoint()->port == 40000);
        check(req.header("Host").has_value());
        const std::uint32_t x = s->r();
        if (x % 4 == 0) act(conn, x >> 2, no_message);
    }

    void on_message(auto& conn, message_view m) {
        live(conn);
        ++s->messages;
        check(m.is_text() || m.is_binary());
        if (m.is_text()) check(protocol::is_valid_utf8(m.text()));
        (void)conn.request().target(); // valid or empty, never dangling
        const std::uint32_t a = m.empty() ? s->r() : (std::uint32_t{m.bytes()[0]} | (s->r() << 8));
        act(conn, a, m);
    }

    void on_ping(auto& conn, std::span<const std::uint8_t> p) {
        live(conn);
        check(p.size() <= protocol::max_control_payload);
        const std::uint32_t x = s->r();
        if (x % 4 == 0) act(conn, p.empty() ? x >> 2 : (std::uint32_t{p[0]} | (x & ~0xFFu)), no_message);
    }

    void on_pong(auto& conn, std::span<const std::uint8_t> p) {
        live(conn);
        check(p.size() <= protocol::max_control_payload);
        const std::uint32_t x = s->r();
        if (x % 8 == 0) act(conn, x >> 3, no_message);
    }

    void on_error(auto& conn, std::error_code ec) {
        check(s->opens == 1 && s->closes == 0 && s->errors == 0);
        ++s->errors;
        check(!!ec);
        check(conn.state() != connection_state::open); // the fault ends the connection
        if (ec == error::handler_exception) check(conn.last_exception() != nullptr);
        const std::uint32_t x = s->r();
        switch (x % 8) {
        case 0: {
            std::error_code e;
            check(conn.send(message_view{"late"}, e) == make_error_code(error::closed) && e == error::closed);
            break;
        }
        case 1: conn.abort(); break; // no second on_error
        case 2: throw std::runtime_error("on_error failed"); // swallowed, not reported again
        default: break;
        }
    }

    void on_close(auto& conn, close_code code, std::string_view reason) {
        check(s->in_finish && s->opens == 1 && s->closes == 0);
        ++s->closes;
        check(conn.state() == connection_state::closed);
        const auto c = to_underlying(code);
        check(c == 1005 || c == 1006 || is_receivable(code));
        check(protocol::is_valid_utf8(reason) && reason.size() <= max_close_reason_bytes);
        const std::uint32_t x = s->r();
        std::error_code e;
        switch (x % 8) {
        case 0: check(conn.send(message_view{"late"}, e) == make_error_code(error::closed)); break;
        case 1: check(conn.close(close_code::normal, "bye", e) == make_error_code(error::closed)); break;
        case 2: check(conn.ping({}, e) == make_error_code(error::closed)); break;
        case 3: conn.abort(); break; // nothing to report any more
        case 4: throw std::runtime_error("on_close failed"); // swallowed
        default: break;
        }
    }

    // One action chosen by `a`: most of them check the error_code form's result.
    void act(auto& conn, std::uint32_t a, message_view m) {
        const bool open = conn.is_open();
        const std::size_t before = conn.buffered_amount();
        const bool full = before >= s->queue_limit;
        const auto closed = make_error_code(error::closed);
        std::error_code ec;
        switch (a % 16) {
        case 0: case 1: case 2: case 3: case 4: { // echo
            const auto r = conn.send(m, ec);
            check(r == ec);
            if (!open) check(ec == closed);
            else if (full) check(ec == error::send_queue_full && conn.buffered_amount() == before);
            else check(!ec);
            break;
        }
        case 5: case 6: { // close, sometimes with a code or reason a server may not send
            const auto code = close_code{close_codes[(a >> 4) % close_codes.size()]};
            std::string reason;
            switch ((a >> 8) % 5) {
            case 0: break;
            case 1: reason = "bye"; break;
            case 2: reason.assign(max_close_reason_bytes, 'r'); break;
            case 3: reason.assign(max_close_reason_bytes + 1, 'r'); break;
            case 4: reason = "bad \xff utf-8"; break;
            }
            check(conn.close(code, reason, ec) == ec);
            if (!open) check(ec == closed);
            else check(ec == protocol::check_sendable_close(code, reason));
            if (ec) check(conn.buffered_amount() == before && conn.is_open() == open);
            else check(conn.state() == connection_state::closing);
            break;
        }
        case 7: { // send_json with a map (a key from the message: maybe cut inside a UTF-8 sequence)
            const std::string key{m.text().substr(0, (a >> 4) % 8)};
            const std::map<std::string, int> obj{{key, 1}, {"n", 2}};
            const bool utf8 = protocol::is_valid_utf8(key);
            check(conn.send_json(obj, ec) == ec);
            if (!open) check(ec == closed);
            else if (!utf8) check(ec == error::json_encode_failed && conn.buffered_amount() == before);
            else if (full) check(ec == error::send_queue_full);
            else check(!ec);
            break;
        }
        case 8: { // send_json with a NaN: nothing is sent
            const double nan = std::numeric_limits<double>::quiet_NaN();
            check(conn.send_json((a >> 4) % 2 ? nan : std::numeric_limits<double>::infinity(), ec) == ec);
            check(ec == (open ? make_error_code(error::json_encode_failed) : closed));
            check(conn.buffered_amount() == before);
            break;
        }
        case 9: { // ping, sometimes over 125 octets
            const std::vector<std::uint8_t> payload((a >> 4) % 132, 0x5a);
            check(conn.ping(payload, ec) == ec);
            if (!open) check(ec == closed);
            else check(!ec == (payload.size() <= protocol::max_control_payload));
            if (ec) check(conn.buffered_amount() == before);
            break;
        }
        case 10: throw std::runtime_error("handler failed"); // closed with 1011
        case 11: {
            if ((a >> 4) % 2) break; // less often
            conn.abort();
            check(conn.state() == connection_state::closed && conn.buffered_amount() == 0);
            break;
        }
        case 12: { // binary then close: the second send after it is refused
            const std::uint8_t b[3] = {1, 2, 3};
            (void)conn.send_binary(b, ec);
            if (!conn.close(close_code{4000}, "done", ec)) {
                check(conn.send(m, ec) == closed && conn.send_json(1, ec) == closed);
            }
            break;
        }
        case 13: conn.send(m); break; // the throwing form: closed_error or send_queue_full escape
        case 14: conn.close(close_code{1005}); break; // std::invalid_argument (or closed_error) escapes
        default: break;
        }
    }
};

// ---- policies ----------------------------------------------------------------------------

struct sync_admission {
    using policy_role = admission_role;
    shared_state* s;
    admission admit(const request_view& req) const {
        check(req.path() == "/chat" && req.remote_endpoint() != nullptr);
        if ((s->adm & 3u) == 0) {
            if (s->variant() == 6 && (s->r() % 2)) {
                s->expect(500);
                throw std::runtime_error("admission failed");
            }
            return s->make_accept(s->variant() | (s->r() & 8u));
        }
        return s->make_reject(s->variant());
    }
};

struct async_admission {
    using policy_role = admission_role;
    shared_state* s;
    void admit(const request_view& req, admission_callback cb) const {
        check(req.path() == "/chat" && req.remote_endpoint() != nullptr);
        (void)req.offers("chat");
        switch (s->variant()) {
        case 4: // answered during admit (the decision is still applied later, on the posted queue)
            cb(s->make_accept(s->r()));
            return;
        case 5: // answered, then throws: the first answer wins
            cb(s->r() % 2 ? s->make_accept(s->r()) : s->make_reject(s->r()));
            throw std::runtime_error("admission failed after answering");
        case 6: // throws without answering: 500 (the stored copy's later answer is ignored)
            s->pending_cb = cb;
            s->expect(500);
            throw std::runtime_error("admission failed");
        case 7: // two copies: one is dropped at some point, the other may answer
            s->spare_cb = cb;
            s->pending_cb = std::move(cb);
            return;
        default: s->pending_cb = std::move(cb); return;
        }
    }
};

// ---- the fake server and connection --------------------------------------------------------

template <class Admission> struct fake_server {
    using policies_type = policy_pack<Admission, no_ping, builtin_json>;

    fake_server(Admission a, shared_state& st)
        : policies_(std::move(a), no_ping{}.heartbeat("hb?", "hb!"), builtin_json{}), s(&st) {
        config_.limits = protocol::message_limits{1024, 512, 8};
        config_.head_limit = 1024;
        config_.handshake_timeout = 20s;
        config_.close_timeout = 500ms;
        config_.ping_interval = (st.flags & 4u) ? std::optional<steady::duration>{200ms} : std::nullopt;
        config_.pong_timeout = 600ms;
        if (st.flags & 0x20u) options_.send_queue_limit = 64;
        st.queue_limit = options_.send_queue_limit;
        if ((st.adm & 3u) != 1) {
            options_.http_responder = [p = &st](const request_view& req) -> http_response {
                check(req.path() == "/chat");
                const unsigned v = p->variant();
                if (v == 6) {
                    p->expect(500);
                    throw std::runtime_error("responder failed");
                }
                http_response r{p->status, (v & 4u) ? std::string{} : std::string{"ok\n"}, {}};
                if (v & 1u) r.headers.push_back({"X-A", "b"});
                if (v & 2u) r.headers.push_back({"Transfer-Encoding", "chunked"}); // refused
                p->expect(shared_state::response_status(p->status, v & 2u, !(v & 4u)));
                return r;
            };
        }
    }

    const protocol::core_config& core_config() const { return config_; }
    const policies_type& policies() const { return policies_; }
    const server_options& options() const { return options_; }
    bool over_connection_limit() const {
        if (s->over_limit()) s->expect(503);
        return s->over_limit();
    }
    template <class Conn>
    void make_handler(detail::handler_holder<Conn>& into, std::size_t route, const request_view& req, const squall::accept&) {
        check(route == 0 && req.path() == "/chat");
        if (s->factory_throws()) throw std::runtime_error("factory failed");
        into.emplace(fuzz_handler{s});
    }

    policies_type policies_;
    protocol::core_config config_;
    server_options options_;
    shared_state* s;
};

template <class Server>
struct fuzz_conn final : detail::engine<fuzz_conn<Server>, Server>, std::enable_shared_from_this<fuzz_conn<Server>> {
    using base = detail::engine<fuzz_conn<Server>, Server>;
    fuzz_conn(Server& server, shared_state& st) : base(server, st.now), s(&st) { this->core().set_remote(remote); }

    shared_state* s;
    std::deque<std::function<void()>> posted;
    endpoint remote{"192.0.2.1", 40000};

    // engine callbacks
    endpoint remote_endpoint() const { return remote; }
    template <class F> void post(F&& f) { posted.emplace_back(std::forward<F>(f)); }
    void output_ready() {
        const std::uint32_t x = s->r();
        if (x % 4 != 0) drain(x % 4 != 1); // sometimes the write waits, or takes a part
        else observe();
    }
    void input_resumed() { check(!this->paused()); }
    void spawn_handler(asio::awaitable<void>) { check(false); } // the handler is not a coroutine

    // Output only grows between drains, except when it is discarded (the core is closed then).
    void observe() {
        const std::size_t n = this->core().buffered_amount();
        if (n < s->last_buffered) {
            check(this->core().state() == protocol::core_state::closed && n == 0);
            s->dropped = true;
        }
        s->last_buffered = n;
        if (this->should_close_transport()) check(this->core().pending_output().empty());
    }

    void drain(bool all) {
        observe();
        const auto out = this->core().pending_output();
        check(out.size() == this->core().buffered_amount());
        const std::size_t n = all ? out.size() : out.size() * (s->r() % 8) / 8;
        s->wire.append(reinterpret_cast<const char*>(out.data()), n);
        this->core().consume_output(n);
        s->last_buffered = this->core().buffered_amount();
    }

    void run_posted() {
        for (int guard = 0; !posted.empty(); ++guard) {
            check(guard < 1000);
            auto f = std::move(posted.front());
            posted.pop_front();
            f();
            observe();
        }
    }
};

// Structured client bytes: records [ctl][len][payload...] framed and masked by the harness.
// ctl bits 0-3: opcode (reserved ones too), 4: not FIN, 5: unmasked, 6: RSV1, 7: the record's
// bytes go out raw instead (garbage). A text/binary record whose payload starts "hb" sends
// the heartbeat request.
std::string frame_records(std::span<const std::uint8_t> in, rng& r) {
    std::string out;
    std::size_t i = 0;
    while (i + 2 <= in.size()) {
        const std::uint8_t ctl = in[i];
        const std::size_t len = in[i + 1];
        i += 2;
        const std::size_t n = len < in.size() - i ? len : in.size() - i;
        std::string payload(reinterpret_cast<const char*>(in.data() + i), n);
        i += n;
        if (ctl & 0x80u) {
            out += payload;
            continue;
        }
        if (payload.rfind("hb", 0) == 0) payload = "hb?";
        const std::uint8_t op = ctl & 0x0Fu;
        const std::uint8_t b0 = static_cast<std::uint8_t>(((ctl & 0x10u) ? 0 : 0x80) | ((ctl & 0x40u) ? 0x40 : 0) | op);
        const bool masked = !(ctl & 0x20u);
        out += static_cast<char>(b0);
        const std::uint8_t mbit = masked ? 0x80 : 0;
        if (payload.size() < 126) {
            out += static_cast<char>(mbit | payload.size());
        } else {
            out += static_cast<char>(mbit | 126);
            out += static_cast<char>(payload.size() >> 8);
            out += static_cast<char>(payload.size() & 0xFF);
        }
        if (masked) {
            const std::uint32_t k = r();
            const std::uint8_t key[4] = {static_cast<std::uint8_t>(k), static_cast<std::uint8_t>(k >> 8),
                                         static_cast<std::uint8_t>(k >> 16), static_cast<std::uint8_t>(k >> 24)};
            out.append(reinterpret_cast<const char*>(key), 4);
            for (std::size_t j = 0; j < payload.size(); ++j) payload[j] = static_cast<char>(payload[j] ^ key[j % 4]);
        }
        out += payload;
    }
    return out;
}

// The wire: one HTTP response; after a 101, whole unmasked server frames with nothing after a
// close frame; only dropped output may end in the middle of a frame.
void check_wire(const shared_state& s) {
    const std::string& wire = s.wire;
    if (wire.empty()) return; // nothing written, or the response was discarded before a write
    const std::size_t end = wire.find("\r\n\r\n");
    if (end == std::string::npos) {
        check(s.dropped);
        return;
    }
    check(wire.compare(0, 9, "HTTP/1.1 ") == 0 && wire.size() >= 13);
    const int status = (wire[9] - '0') * 100 + (wire[10] - '0') * 10 + (wire[11] - '0');
    check(wire[12] == ' ');
    check(status == s.expected_status);
    check((status == 101) == (s.opens == 1)); // 101 exactly when the handler was opened
    const std::size_t body = end + 4;
    if (status != 101) {
        const std::size_t cl = wire.find("\r\nContent-Length: ");
        if (cl == std::string::npos || cl > end) {
            check(status == 204 || status == 304);
            check(wire.size() == body);
            return;
        }
        std::size_t n = 0;
        for (std::size_t i = cl + 18; wire[i] >= '0' && wire[i] <= '9'; ++i)
            n = n * 10 + static_cast<std::size_t>(wire[i] - '0');
        check(wire.size() == body + n);
        return;
    }
    const std::string_view head{wire.data(), end};
    const bool has_sub = head.find("\r\nSec-WebSocket-Protocol: ") != std::string_view::npos;
    check(has_sub == !s.expected_sub.empty());
    protocol::frame_parser p{protocol::frame_rules{~std::uint64_t{0}, false, 0}};
    std::string copy = wire.substr(body);
    std::span<std::uint8_t> in{reinterpret_cast<std::uint8_t*>(copy.data()), copy.size()};
    const std::size_t total = in.size();
    std::size_t boundary = 0;
    bool closed = false;
    std::string payload;
    for (;;) {
        const auto ev = p.next(in);
        if (ev.kind == protocol::frame_parser::event_kind::need_more) break;
        check(ev.kind != protocol::frame_parser::event_kind::error);
        if (ev.kind == protocol::frame_parser::event_kind::header) {
            check(!closed); // nothing follows our close frame (RFC 6455 §5.5.1)
            const auto& h = p.header();
            check(!h.masked && h.rsv == 0 && h.fin); // the engine never fragments
            check(h.op == opcode::text || h.op == opcode::binary || h.op == opcode::close ||
                  h.op == opcode::ping || h.op == opcode::pong);
            payload.clear();
            continue;
        }
        payload.append(protocol::as_text(ev.chunk));
        if (ev.last) {
            boundary = total - in.size();
            const auto op = p.header().op;
            if (op == opcode::text) check(protocol::is_valid_utf8(payload));
            if (op == opcode::close) {
                closed = true;
                protocol::close_info info;
                // A valid code (ours, or the peer's echoed: 1010 included) and a UTF-8 reason.
                check(!protocol::parse_close_payload(protocol::as_bytes(payload), info));
                check(payload.size() <= 2 + max_close_reason_bytes);
            }
        }
    }
    if (!s.dropped) check(boundary == total);
}

template <class Admission>
void run(shared_state& s, Admission admission_policy, std::span<const std::uint8_t> client) {
    fake_server<Admission> server{std::move(admission_policy), s};
    auto c = std::make_shared<fuzz_conn<fake_server<Admission>>>(server, s);

    const std::string_view head = heads[s.head()];
    std::string stream{head};
    if (s.flags & 0x10u) stream += frame_records(client, s.r);
    else stream.append(reinterpret_cast<const char*>(client.data()), client.size());

    const auto tick = [&](bool far) {
        const std::uint32_t x = s.r();
        switch (x % 8) {
        case 0: break;
        case 6: s.now += std::chrono::milliseconds(100 + x / 8 % 900); break;
        case 7: s.now += std::chrono::milliseconds(1000 + x / 8 % 4000); break;
        default: s.now += std::chrono::milliseconds(x / 8 % 50); break;
        }
        if (far) s.now += 30s;
        // Nothing is due before the announced deadline (the driver's timer sleeps until then).
        const auto deadline = c->next_deadline();
        const auto state = c->state();
        const std::size_t produced = s.wire.size() + c->core().buffered_amount();
        const int errors = s.errors;
        c->tick(s.now);
        c->observe();
        if (!deadline || s.now < *deadline)
            check(c->state() == state && s.errors == errors && s.wire.size() + c->core().buffered_amount() == produced);
    };
    // The asynchronous policy's answer, given later: accept, reject, drop, or twice.
    const auto decide = [&] {
        if (!s.pending_cb && !s.spare_cb) return;
        const std::uint32_t x = s.r();
        if (s.spare_cb && x % 2) { // mode 7: one copy goes away without answering
            s.spare_cb.reset();
            if (!s.pending_cb) s.expect(500);
            return;
        }
        if (!s.pending_cb) return;
        auto cb = std::move(*s.pending_cb);
        s.pending_cb.reset();
        switch (x / 2 % 8) {
        case 0: case 1: case 2: cb(s.make_accept(s.r())); break;
        case 3: case 4: cb(s.make_reject(s.r())); break;
        case 5: // dropped: every copy gone means 500
            if (!s.spare_cb) s.expect(500);
            break;
        case 6: // twice: the second call is ignored
            cb(s.make_accept(s.r()));
            cb(reject{403});
            break;
        case 7: // an answer from another copy, kept for later
            s.spare_cb = cb;
            cb(s.make_reject(s.r()));
            break;
        }
    };

    std::size_t pos = 0;
    for (int step = 0; step < 20000 && pos < stream.size(); ++step) {
        const std::uint32_t x = s.r();
        std::size_t want = x % 8 == 0 ? 1 + x / 8 % 512 : 1 + x / 8 % 16;
        if (pos == 0 && (s.flags & 8u)) want = head.size() + x / 8 % 64; // pipelined
        else if (pos == 0 && (x & 0x1000)) want = head.size();
        const std::size_t n = want < stream.size() - pos ? want : stream.size() - pos;
        c->receive({reinterpret_cast<std::uint8_t*>(stream.data()) + pos, n}, s.now);
        pos += n;
        c->observe();
        if (x & 0x100) tick(false);
        if (x & 0x200) c->run_posted();
        if (x & 0x400) c->drain(x & 0x4000);
        if (x & 0x800) decide();
    }
    // A while longer (decisions, posted work, timers), or not: then the peer goes away.
    for (std::uint32_t k = s.r() % 8; k != 0; --k) {
        const std::uint32_t x = s.r();
        if (x & 1u) decide();
        if (x & 2u) c->run_posted();
        if (x & 4u) tick((x & 0x18u) == 0);
        if (x & 0x20u) c->drain(x & 0x40u);
    }
    if (s.flags & 0x40u) c->drain(true);
    const std::error_code cause = s.r() % 2 ? make_error_code(error::eof) : make_error_code(std::errc::connection_reset);
    // Once opened, finish() may be what ends the core (a driver that skips receive_eof).
    if (!s.opens || s.r() % 8) {
        c->receive_eof(cause);
        c->observe();
        check(c->state() == connection_state::closed);
    }
    s.in_finish = true;
    c->finish();
    s.in_finish = false;
    c->observe();
    check(c->state() == connection_state::closed);
    check(s.closes == s.opens); // on_close once, at finish(), exactly when opened
    const int errors = s.errors;
    const int messages = s.messages;
    c->drain(true); // what is left after a clean close
    check(c->should_close_transport());

    // Late work: nothing reaches the handler after on_close, and nothing more is written.
    if (s.flags & 0x80u) {
        const std::size_t written = s.wire.size();
        decide();
        s.spare_cb.reset();
        c->run_posted();
        std::string more = stream.substr(head.size(), 64);
        c->receive({reinterpret_cast<std::uint8_t*>(more.data()), more.size()}, s.now);
        tick(true);
        c->abort();
        c->finish();
        c->run_posted();
        c->drain(true);
        check(s.wire.size() == written && s.closes == s.opens && s.errors == errors && s.messages == messages);
    }

    // No leaks and no cycles: the callbacks hold the connection weakly, the queue strongly.
    // A callback may outlive the connection: then its answer goes nowhere.
    const bool callbacks_outlive = s.r() % 2;
    if (!callbacks_outlive) {
        s.pending_cb.reset();
        s.spare_cb.reset();
    }
    if (s.r() % 2) c->run_posted();
    c->posted.clear();
    std::weak_ptr<fuzz_conn<fake_server<Admission>>> weak = c;
    c.reset();
    check(weak.expired());
    if (s.pending_cb && s.r() % 2) (*s.pending_cb)(squall::accept{});
    s.pending_cb.reset();
    s.spare_cb.reset();
    check(s.closes == s.opens && s.errors == errors && s.messages == messages);
    check_wire(s);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 7) return 0;
    shared_state s;
    s.flags = data[0];
    s.adm = data[1];
    const auto st16 = static_cast<std::int16_t>(static_cast<std::uint16_t>((data[2] << 8) | data[3]));
    s.status = st16 == 0x7fff ? INT_MAX : st16 == -0x8000 ? INT_MIN : st16;
    const std::uint32_t seed = (std::uint32_t{data[4]} << 16) | (std::uint32_t{data[5]} << 8) | data[6];
    s.r = rng{(seed ^ 0x9e3779b9u) | 1u};
    // A fake clock near the real one: the engine reads clock::now() for closing deadlines.
    s.now = steady::now();
    const std::span<const std::uint8_t> client{data + 7, size - 7};
    if (s.head() == 3 && (s.adm & 3u) == 1) s.expect(400); // plain HTTP without a responder
    if ((s.adm & 3u) < 2) run(s, sync_admission{&s}, client);
    else run(s, async_admission{&s}, client);
    return 0;
}
