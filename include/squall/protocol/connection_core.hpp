// squall/protocol/connection_core.hpp: the per-connection state machine of a WebSocket server
// (handshake -> awaiting decision -> open -> closing -> closed). Bytes and clock readings go
// in; events, output bytes and the next deadline come out. It runs DESIGN §1.1 steps 1-9 with
// two hooks (route lookup, origin decision) and then waits for its driver's accept/reject
// (steps 10-12); it implements the close table of DESIGN §1.2. No sockets, no Asio, no
// policy types: net/session drives it in production, tests and fuzzers with byte vectors.
#pragma once

#include <squall/close_code.hpp>
#include <squall/detail/function_ref.hpp>
#include <squall/error.hpp>
#include <squall/protocol/byte_buffer.hpp>
#include <squall/protocol/close_frame.hpp>
#include <squall/protocol/frame.hpp>
#include <squall/protocol/handshake.hpp>
#include <squall/protocol/http_parser.hpp>
#include <squall/protocol/message_assembler.hpp>
#include <squall/protocol/response_writer.hpp>
#include <squall/request.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>

namespace squall::inline v0::protocol {

using clock = std::chrono::steady_clock;

/// Route lookup (DESIGN §1.1 step 3): the route id for a path, or nullopt for 404.
using route_hook = detail::function_ref<std::optional<std::size_t>(std::string_view path)>;
/// Origin decision (step 7), called only when the request carries an Origin.
using origin_hook = detail::function_ref<bool(std::string_view origin, const request_view& request)>;

/// Per-server settings, shared by every connection core (held by pointer: keep it alive).
struct core_config {
    message_limits limits{};
    std::size_t head_limit = 8192;
    clock::duration handshake_timeout = std::chrono::seconds(10);
    clock::duration close_timeout = std::chrono::seconds(5);
    std::optional<clock::duration> ping_interval = std::chrono::seconds(30); ///< nullopt: no pings
    clock::duration pong_timeout = std::chrono::seconds(90);
    route_hook route{};   ///< empty: every path is route 0
    origin_hook origin{}; ///< empty: every origin passes
};

enum class core_state : std::uint8_t {
    handshake, ///< reading the request head
    awaiting,  ///< head validated; waiting for accept/reject/respond
    open,      ///< 101 sent
    closing,   ///< we sent a close frame; waiting for the peer's
    closed,    ///< nothing more is read or sent; close TCP once the output is flushed
};

enum class core_event_kind : std::uint8_t {
    none,            ///< input exhausted (or nothing due): wait for more
    upgrade_request, ///< valid upgrade: call accept() or reject() (steps 10-12)
    http_request,    ///< plain HTTP (step 2b): call respond() or reject()
    message,         ///< a complete text or binary message
    ping,            ///< a ping; the pong is already queued
    pong,
    close,           ///< the peer's close frame (code, reason); state is closed
    error,           ///< the fault that ends the connection (at most one per connection)
};

struct core_event {
    core_event_kind kind = core_event_kind::none;
    opcode op = opcode::binary;
    std::span<const std::uint8_t> payload{}; ///< message/ping/pong; valid until the next call
    close_code code = close_code::abnormal;  ///< close
    std::string_view reason{};               ///< close
    std::error_code error{};                 ///< error: a squall error or handshake_error
    std::string_view text() const noexcept { return as_text(payload); }
};

class connection_core {
public:
    connection_core(const core_config& config, clock::time_point now)
        : config_(&config), assembler_(config.limits), hs_(handshake_data::acquire(config.head_limit)),
          deadline_(now + config.handshake_timeout) {}
    ~connection_core() { handshake_data::recycle(std::move(hs_)); }

    connection_core(const connection_core&) = delete;
    connection_core& operator=(const connection_core&) = delete;

    // ---- input -------------------------------------------------------------------------

    /// Consumes octets from the front of `in` (unmasking frames in place) until one event is
    /// ready, and returns it; `none` once `in` is used up. Call it in a loop until `none`.
    /// After accept() call it once more, even with empty input: octets the client sent
    /// right behind its request head are processed then.
    core_event receive(std::span<std::uint8_t>& in, clock::time_point now) {
        switch (state_) {
        case core_state::handshake: return receive_head(in, now);
        case core_state::awaiting:
            // Nothing is read while a decision is pending (DESIGN §3 admission): the octets
            // stay with the driver, since the request view points into the stored head.
            return {};
        case core_state::closed:
            in = {}; // after the close handshake (or a fatal error) input is ignored
            return {};
        case core_state::open:
        case core_state::closing: break;
        }
        return receive_frames(in, now); // a prvalue: built straight in the caller's object
    }

    /// The peer closed TCP (or the read failed with `cause`). Returns the error event for
    /// the application, or `none` when the connection had already ended cleanly.
    core_event receive_eof(std::error_code cause = make_error_code(error::eof)) {
        if (state_ == core_state::closed) return {};
        state_ = core_state::closed;
        output_.clear();
        return report(cause);
    }

    // ---- handshake decisions -----------------------------------------------------------

    /// The request being decided (valid from upgrade_request/http_request until
    /// release_request(); headers are not kept once the connection is open and released).
    request_view request() const noexcept {
        if (!hs_) return {};
        return hs_->has_remote ? hs_->parser.request().with_remote(hs_->remote) : hs_->parser.request();
    }
    /// The peer's address, which request() then carries (kept with the head, not after it).
    void set_remote(const endpoint& ep) {
        if (!hs_) return;
        hs_->remote = ep;
        hs_->has_remote = true;
    }
    /// The route id the route hook gave (upgrade_request only).
    std::size_t route() const noexcept { return hs_ ? hs_->route : 0; }
    /// Drops the stored request head (the driver calls it after on_open).
    void release_request() noexcept {
        request_released_ = true;
        free_head_if_done();
    }

    /// Step 12: writes the 101 and opens the connection. An admission result with a
    /// subprotocol the client did not offer, or a malformed header, is a server fault: the
    /// client gets 500, the connection closes, and bad_admission_result is returned.
    std::error_code accept(const accept_options& options, clock::time_point now) {
        if (state_ != core_state::awaiting || !is_upgrade_) return make_error_code(error::closed);
        if (auto ec = write_accept(request(), hs_->key, options, output_)) {
            reject(ec);
            return ec;
        }
        state_ = core_state::open;
        last_received_ = now;
        deadline_ = {}; // open: the last ping, none yet
        hs_->leftover = hs_->parser.head_size();
        return {};
    }

    /// Refuses the request with the status of a handshake_error (and its message as body).
    void reject(std::error_code handshake_err) {
        if (state_ != core_state::awaiting) return;
        write_rejection(handshake_err, output_);
        finish_http();
    }

    /// Answers with any HTTP response (plain-HTTP responder, admission rejection with its
    /// own status, headers and body); the connection closes after it.
    std::error_code respond(int status, std::span<const header_field> headers, std::string_view body) {
        if (state_ != core_state::awaiting) return make_error_code(error::closed);
        if (auto ec = write_response(status, headers, body, output_)) {
            write_rejection(ec, output_);
            finish_http();
            return ec;
        }
        finish_http();
        return {};
    }

    // ---- sending -----------------------------------------------------------------------

    /// Queues one frame (a message, or a fragment when fin is false). error::closed unless open.
    std::error_code send(opcode op, std::span<const std::uint8_t> payload, bool fin = true) {
        return to_error_code(queue_frame(op, payload, fin));
    }
    /// The same, with the fault as a bare enumerator (error{} when queued): the per-message
    /// path of the driver, which builds no std::error_code unless something failed (each
    /// empty one is a call into the C++ runtime for its category).
    error queue_frame(opcode op, std::span<const std::uint8_t> payload, bool fin = true) {
        if (state_ != core_state::open) return error::closed;
        if (is_control(op) && payload.size() > max_control_payload) return error::control_payload_too_big;
        if (output_.empty()) output_.reserve_more(payload.size() + max_frame_header_bytes + input_left_);
        append_frame(output_, op, payload, fin);
        return {};
    }
    std::error_code send_text(std::string_view text) { return send(opcode::text, as_bytes(text)); }
    std::error_code send_binary(std::span<const std::uint8_t> bytes) { return send(opcode::binary, bytes); }
    /// Queues octets that are already whole server frames (a broadcast framed once).
    std::error_code send_frames(std::span<const std::uint8_t> frames) {
        if (state_ != core_state::open) return make_error_code(error::closed);
        output_.append(frames);
        return {};
    }
    std::error_code ping(std::span<const std::uint8_t> payload = {}) { return send(opcode::ping, payload); }
    std::error_code pong(std::span<const std::uint8_t> payload = {}) { return send(opcode::pong, payload); }

    /// Starts the closing handshake: sends close(code, reason) and waits for the peer's close
    /// until the closing deadline. Invalid code or reason: an invalid_argument-like error and
    /// nothing is sent; not open: error::closed.
    std::error_code close(close_code code, std::string_view reason, clock::time_point now) {
        if (state_ != core_state::open) return make_error_code(error::closed);
        if (auto ec = check_sendable_close(code, reason)) return ec;
        start_closing(code, reason, now);
        return {};
    }

    /// A fault found above the core (a handler threw: handler_exception): closes with the
    /// code close_code_for(cause) gives (1011) and returns the error event to report.
    core_event fail(std::error_code cause, clock::time_point now) {
        if (state_ == core_state::open) {
            start_closing(close_code_for_error(cause), {}, now);
            return report(cause);
        }
        return {};
    }

    /// Drops the connection at once (Tornado's send_error): nothing more is sent.
    core_event abort() {
        if (state_ == core_state::closed) return {};
        state_ = core_state::closed;
        output_.clear();
        return report(make_error_code(error::aborted));
    }

    // ---- time --------------------------------------------------------------------------

    /// When tick() next has work, if ever.
    std::optional<clock::time_point> next_deadline() const noexcept {
        switch (state_) {
        case core_state::handshake:
        case core_state::closing: return deadline_;
        case core_state::open: {
            if (!config_->ping_interval) return std::nullopt;
            auto next = ping_due();
            if (ping_outstanding() && ping_outstanding_since_ + config_->pong_timeout < next)
                next = ping_outstanding_since_ + config_->pong_timeout;
            return next;
        }
        case core_state::awaiting:
        case core_state::closed: return std::nullopt;
        }
        return std::nullopt;
    }

    /// Runs what is due at `now`: drops a client whose head is late (handshake_timeout), a
    /// peer that did not answer our close (close_timeout) or our pings (ping_timeout), and
    /// sends a ping on a quiet link. Returns the error event, if one ends the connection.
    core_event tick(clock::time_point now) {
        switch (state_) {
        case core_state::handshake:
            if (now >= deadline_) {
                state_ = core_state::closed;
                return report(make_error_code(error::handshake_timeout));
            }
            return {};
        case core_state::closing:
            if (now >= deadline_) {
                state_ = core_state::closed;
                output_.clear();
                return report(make_error_code(error::close_timeout));
            }
            return {};
        case core_state::open:
            if (!config_->ping_interval) return {};
            if (ping_outstanding() && now >= ping_outstanding_since_ + config_->pong_timeout) {
                state_ = core_state::closed;
                output_.clear();
                return report(make_error_code(error::ping_timeout));
            }
            if (now >= ping_due()) {
                append_frame(output_, opcode::ping, {});
                deadline_ = now; // open: the last ping
                if (!ping_outstanding()) ping_outstanding_since_ = now;
            }
            return {};
        case core_state::awaiting:
        case core_state::closed: return {};
        }
        return {};
    }

    // ---- output ------------------------------------------------------------------------

    /// Octets to write to the transport, in order.
    std::span<const std::uint8_t> pending_output() const noexcept { return output_.span(); }
    /// The transport took n octets (once all are taken the buffer's memory goes back to the
    /// thread's pool: an idle connection holds none).
    void consume_output(std::size_t n) noexcept { output_.consume(n); }
    /// Octets queued and not yet taken by the transport.
    std::size_t buffered_amount() const noexcept { return output_.size(); }
    /// Octets of memory the connection holds for its output and partial input (0 when idle).
    std::size_t buffer_capacity() const noexcept { return output_.capacity() + assembler_.capacity(); }
    /// Closed and flushed: the driver closes TCP now (the server closes first, RFC 6455 §7.1.1).
    bool should_close_transport() const noexcept { return state_ == core_state::closed && buffered_amount() == 0; }

    // ---- state -------------------------------------------------------------------------

    core_state state() const noexcept { return state_; }
    bool is_open() const noexcept { return state_ == core_state::open; }
    /// What on_close reports (DESIGN §1.2): the first close frame received (1005 when it had
    /// no code), or 1006 when none was received.
    close_code peer_close_code() const noexcept { return peer_code_; }
    std::string_view peer_close_reason() const noexcept { return peer_reason_.text(); }
    /// A frame-level fault made the input unreadable (RFC 6455 §7.1.7): nothing more will be
    /// parsed, so once our close frame is out the driver half-closes TCP instead of waiting
    /// for a close frame that cannot be read.
    bool input_failed() const noexcept { return assembler_.broken(); }
    /// The first fault reported, if any.
    std::error_code first_error() const noexcept { return first_error_; }

private:
    using assembler_event = message_assembler::event;
    using assembler_event_kind = message_assembler::event_kind;

    // The frames of an open or closing connection. Every path returns the one object `out`,
    // so it is built in the caller's result (NRVO): as a local copied out at the end, GCC 12
    // assembled it from scalar stores and reread it in 16-octet loads, a store-forwarding
    // stall per event that was 4 % of the 16-octet echo's CPU (perf annotate).
    core_event receive_frames(std::span<std::uint8_t>& in, clock::time_point now) {
        if (!in.empty() || leftover_pending()) {
            last_received_ = now;
            ping_outstanding_since_ = no_ping_outstanding;
        }
        core_event out;
        for (;;) {
            if (assembler_.broken()) { // RFC 6455 §7.1.7: no more processing after a failure
                in = {};
                return out;
            }
            assembler_event ev;
            if (leftover_pending()) {
                auto& head = hs_->head;
                std::span<std::uint8_t> rest{head.data() + hs_->leftover, head.size() - hs_->leftover};
                ev = assembler_.next(rest, &out.payload);
                hs_->leftover = head.size() - rest.size();
                if (ev.kind == assembler_event_kind::need_more) {
                    free_head_if_done();
                    continue;
                }
            } else {
                ev = assembler_.next(in, &out.payload);
                if (ev.kind == assembler_event_kind::need_more) {
                    input_left_ = 0;
                    out.payload = {}; // a drained message's, if one was skipped
                    return out;
                }
            }
            if (on_assembled(ev, now, out)) {
                // What the handler sends while it sees this event likely answers this batch
                // (an echo, a reply per request): the first frame queued takes room for the
                // rest of it too, so the batch's output is not regrown and copied per frame.
                input_left_ = static_cast<std::uint32_t>(in.size() < (1u << 20) ? in.size() : (1u << 20));
                return out;
            }
            if (state_ == core_state::closed) {
                in = {};
                return out;
            }
        }
    }

    core_event receive_head(std::span<std::uint8_t>& in, clock::time_point now) {
        (void)now;
        auto& head = hs_->head;
        head.append(in);
        in = {};
        const auto status = hs_->parser.parse(head.text());
        if (status == parse_status::need_more) return {};
        if (status == parse_status::failed) return refuse(hs_->parser.error());
        const auto route_of = [this](std::string_view path) -> std::optional<std::size_t> {
            if (config_->route) return config_->route(path);
            return std::size_t{0};
        };
        const auto origin_ok = [this](std::string_view origin, const request_view& req) {
            return !config_->origin || config_->origin(origin, req);
        };
        const auto result = validate_upgrade(hs_->parser.request(), route_of, origin_ok);
        switch (result.kind) {
        case handshake_kind::plain_http:
            state_ = core_state::awaiting;
            return {core_event_kind::http_request};
        case handshake_kind::rejected: return refuse(result.error);
        case handshake_kind::upgrade: break;
        }
        state_ = core_state::awaiting;
        is_upgrade_ = true;
        hs_->route = result.route;
        hs_->key = result.key;
        return {core_event_kind::upgrade_request};
    }

    core_event refuse(std::error_code ec) {
        state_ = core_state::awaiting;
        reject(ec);
        return report(ec);
    }

    void finish_http() {
        state_ = core_state::closed;
        request_released_ = true;
        if (hs_) hs_->leftover = hs_->head.size();
        free_head_if_done();
    }

    // Fills `out` and returns true when the assembled event is one to hand out; the
    // assembler already wrote the event's payload into out.payload.
    bool on_assembled(const assembler_event& ev, clock::time_point now, core_event& out) {
        const bool open = state_ == core_state::open;
        switch (ev.kind) {
        case assembler_event_kind::need_more: return false;
        case assembler_event_kind::message:
            if (!open) return false; // closing: data is drained, not delivered
            out.kind = core_event_kind::message;
            out.op = ev.op;
            return true;
        case assembler_event_kind::ping:
            if (!open) return false;
            append_frame(output_, opcode::pong, out.payload); // RFC 6455 §5.5.2
            out.kind = core_event_kind::ping;
            out.op = opcode::ping;
            return true;
        case assembler_event_kind::pong:
            if (!open) return false;
            out.kind = core_event_kind::pong;
            out.op = opcode::pong;
            return true;
        case assembler_event_kind::close:
            out = on_close_frame(out.payload, now);
            return out.kind != core_event_kind::none;
        case assembler_event_kind::error:
            // Already closing: our close frame is out or queued and the peer cannot be told
            // twice; keep waiting for its close, EOF or the closing deadline.
            if (!open) return false;
            start_closing(close_code_for_error(ev.error()), {}, now);
            out = report(ev.error());
            return out.kind != core_event_kind::none;
        }
        return false;
    }

    core_event on_close_frame(std::span<const std::uint8_t> payload, clock::time_point now) {
        close_info info;
        if (auto ec = parse_close_payload(payload, info)) {
            // An invalid close frame is a violation: answer 1002 (1007 for a bad reason);
            // the peer already sent its close, so the handshake is over either way.
            if (state_ == core_state::open) start_closing(close_code_for_error(ec), {}, now);
            state_ = core_state::closed;
            return report(ec);
        }
        peer_code_ = info.code;
        peer_reason_.clear();
        peer_reason_ += info.reason;
        if (state_ == core_state::open) {
            // Echo the code (RFC 6455 §5.5.1); an empty close is answered with an empty one.
            std::uint8_t body[max_control_payload];
            const std::size_t n = info.code == close_code::no_status ? 0 : build_close_payload(info.code, {}, body);
            append_frame(output_, opcode::close, {body, n});
        }
        state_ = core_state::closed;
        return {core_event_kind::close, opcode::close, {}, peer_code_, peer_reason_.text()};
    }

    void start_closing(close_code code, std::string_view reason, clock::time_point now) {
        std::uint8_t body[max_control_payload];
        const auto n = build_close_payload(code, reason, body);
        append_frame(output_, opcode::close, {body, n});
        state_ = core_state::closing;
        deadline_ = now + config_->close_timeout;
    }

    static close_code close_code_for_error(std::error_code ec) noexcept {
        if (ec.category() == error_category()) return close_code_for(static_cast<error>(ec.value()));
        return close_code::internal_error;
    }

    // At most one error event per connection: the first cause (DESIGN §1.2).
    core_event report(std::error_code ec) {
        if (first_error_) return {};
        first_error_ = ec;
        core_event ev;
        ev.kind = core_event_kind::error;
        ev.error = ec;
        return ev;
    }

    clock::time_point ping_due() const noexcept {
        const clock::time_point last_ping = deadline_; // open: the last ping
        const auto base = last_ping > last_received_ ? last_ping : last_received_;
        return base + *config_->ping_interval;
    }

    static constexpr clock::time_point no_ping_outstanding = clock::time_point::min();
    bool ping_outstanding() const noexcept { return ping_outstanding_since_ != no_ping_outstanding; }

    bool leftover_pending() const noexcept { return hs_ && hs_->leftover < hs_->head.size(); }
    void free_head_if_done() noexcept {
        if (request_released_ && !leftover_pending() && state_ != core_state::awaiting)
            handshake_data::recycle(std::move(hs_));
    }

    // Only while handshaking (and until the request is released): an open connection holds
    // neither the parser nor the head (DESIGN §6: small idle connections). The parser is a
    // few KiB, so a thread keeps a few for the next handshakes (DESIGN §6: allocation-free
    // handshakes); the head's buffer comes from the thread's byte_buffer pool.
    struct handshake_data {
        explicit handshake_data(std::size_t head_limit) : parser(head_limit) {}
        request_parser parser;
        byte_buffer head;          // request head, then the octets pipelined behind it
        std::size_t leftover = 0;  // once open: the next unprocessed octet of head
        std::size_t route = 0;     // the route hook's answer
        std::string_view key{};    // Sec-WebSocket-Key, inside head
        endpoint remote{};         // the peer, for request_view::remote_endpoint()
        bool has_remote = false;

        // A thread keeps up to cache_size of them, the way byte_buffer pools its blocks:
        // trivially destructible state, emptied by a guard when the thread ends.
        static constexpr std::size_t cache_size = 4;
        struct cache {
            handshake_data* slots[cache_size];
            std::size_t count;
            bool guarded;
            bool dead;
        };
        struct cache_guard {
            ~cache_guard() {
                cache& c = local();
                for (std::size_t i = 0; i < c.count; ++i) delete c.slots[i];
                c.count = 0;
                c.dead = true;
            }
        };
        static cache& local() noexcept {
            static constinit thread_local cache c{};
            return c;
        }
        static std::unique_ptr<handshake_data> acquire(std::size_t head_limit) {
            auto& c = local();
            if (c.count == 0) return std::make_unique<handshake_data>(head_limit);
            std::unique_ptr<handshake_data> hs{c.slots[--c.count]};
            hs->parser.reset(head_limit);
            return hs;
        }
        static void recycle(std::unique_ptr<handshake_data> hs) noexcept {
            if (!hs) return;
            auto& c = local();
            if (c.dead || c.count == cache_size) return; // hs is deleted here
            if (!c.guarded) {
                static thread_local cache_guard g;
                (void)g;
                c.guarded = true;
            }
            hs->head.clear();
            hs->leftover = hs->route = 0;
            hs->key = {};
            hs->has_remote = false;
            c.slots[c.count++] = hs.release();
        }
    };

    const core_config* config_;
    message_assembler assembler_;
    std::unique_ptr<handshake_data> hs_;
    byte_buffer output_; // queued output, consumed from the front as the transport takes it
    byte_buffer peer_reason_;
    std::error_code first_error_{};
    // Handshake and closing: the deadline (handshake_timeout, close_timeout). Open: when our
    // last ping went out. No state needs both, so they share one member (DESIGN §6: every
    // octet of an idle connection counts); accept() turns the one into the other.
    clock::time_point deadline_{};
    clock::time_point last_received_{};
    clock::time_point ping_outstanding_since_ = no_ping_outstanding; // or when the oldest unanswered ping went out
    close_code peer_code_ = close_code::abnormal;
    core_state state_ = core_state::handshake;
    // Input octets left in the batch when the last event was handed out (at most 1 MiB; 0
    // between batches): the output reservation hint of send().
    std::uint32_t input_left_ = 0;
    bool is_upgrade_ = false;
    bool request_released_ = false;
};

} // namespace squall::inline v0::protocol
