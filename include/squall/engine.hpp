// squall/engine.hpp: one connection's behaviour without a socket (DESIGN §2): the sans-IO
// connection_core, the server's policies (origin, admission, ping heartbeat, size limits, JSON)
// and handler dispatch, with the ordering rules of DESIGN §1.2 (on_error before on_close, one
// on_close, exceptions closed with 1011). Output goes to a buffer; the driver (net/session in
// production, a test double in unit tests) moves bytes and calls back through CRTP.
#pragma once

#include <squall/close_code.hpp>
#include <squall/error.hpp>
#include <squall/handler.hpp>
#include <squall/message.hpp>
#include <squall/policies.hpp>
#include <squall/protocol/connection_core.hpp>
#include <squall/server_options.hpp>

#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <stdexcept>
#include <system_error>
#include <vector>

namespace squall::inline v0 {

/// Where a connection is, as the application sees it.
enum class connection_state : std::uint8_t { connecting, open, closing, closed };

namespace detail {

/// Derived provides: post(F) to run F later on the connection's thread, output_ready() when
/// bytes were queued outside a receive batch, input_resumed() when a pause ended.
template <class Derived, class Server> class engine {
public:
    using clock = protocol::clock;

    engine(Server& server, clock::time_point now) : server_(&server), core_(server.core_config(), now) {}
    engine(const engine&) = delete;
    engine& operator=(const engine&) = delete;
    ~engine() = default;

    // ---- the handler-facing API (the connection's public members) ----------------------

    /// Queues a message (text or binary as the view says). Throws closed_error on a closing
    /// or closed connection and std::system_error(send_queue_full) over the queue cap.
    void send(message_view m) {
        if (const error e = queue_message(m.kind(), m.bytes()); e != error{}) throw_if(make_error_code(e));
    }
    std::error_code send(message_view m, std::error_code& ec) { return ec = queue(m.kind(), m.bytes()); }
    /// Queues octets that are already whole server frames (a broadcast framed once), under the
    /// same rules as send(): error::closed unless open, send_queue_full at the cap.
    std::error_code send_frames(std::span<const std::uint8_t> frames, std::error_code& ec) {
        if ((ec = may_queue())) return ec;
        ec = core_.send_frames(frames);
        after_send(!ec);
        return ec;
    }
    void send_binary(std::span<const std::uint8_t> bytes) { send(message_view::binary(bytes)); }
    std::error_code send_binary(std::span<const std::uint8_t> bytes, std::error_code& ec) {
        return send(message_view::binary(bytes), ec);
    }

    /// Encodes `value` with the server's JSON encoder policy and sends it as text. An encoder
    /// error sends nothing.
    template <class T> void send_json(const T& value) {
        std::error_code ec;
        throw_if(send_json(value, ec));
    }
    template <class T> std::error_code send_json(const T& value, std::error_code& ec) {
        using json_type = typename Server::policies_type::json_type;
        static_assert(json_enabled_v<json_type>,
                      "squall: send_json needs a JSON encoder policy, but the server was given no_json");
        if (!open()) return ec = make_error_code(error::closed);
        std::string text;
        if (auto e = server_->policies().json().encode(value, text)) return ec = e;
        return ec = queue(opcode::text, protocol::as_bytes(text));
    }

    /// Sends a ping (payload at most 125 octets: std::invalid_argument otherwise).
    void ping(std::span<const std::uint8_t> payload = {}) {
        std::error_code ec;
        throw_if(ping(payload, ec));
    }
    std::error_code ping(std::span<const std::uint8_t> payload, std::error_code& ec) {
        ec = core_.ping(payload);
        after_send(!ec);
        return ec;
    }

    /// Starts the closing handshake. A code a server may not send or a reason over 123 octets
    /// or not UTF-8: std::invalid_argument; closing or closed: closed_error.
    void close(close_code code = close_code::normal, std::string_view reason = {}) {
        std::error_code ec;
        throw_if(close(code, reason, ec));
    }
    std::error_code close(close_code code, std::string_view reason, std::error_code& ec) {
        ec = core_.close(code, reason, clock::now());
        after_send(!ec);
        return ec;
    }

    /// Drops the connection at once (Tornado's send_error): on_error(aborted), then on_close(1006).
    void abort() {
        report(core_.abort());
        derived().output_ready();
    }

    /// Octets queued and not yet handed to the kernel.
    std::size_t buffered_amount() const noexcept { return core_.buffered_amount(); }
    connection_state state() const noexcept {
        switch (core_.state()) {
        case protocol::core_state::handshake:
        case protocol::core_state::awaiting: return connection_state::connecting;
        case protocol::core_state::open: return connection_state::open;
        case protocol::core_state::closing: return connection_state::closing;
        case protocol::core_state::closed: return connection_state::closed;
        }
        return connection_state::closed;
    }
    bool is_open() const noexcept { return core_.is_open(); }
    /// The subprotocol chosen at admission ("" when none).
    std::string_view subprotocol() const noexcept { return subprotocol_.text(); }
    /// During on_error(handler_exception) and the on_close that follows: the exception.
    std::exception_ptr last_exception() const noexcept { return last_exception_; }
    /// The request head, with the peer's endpoint: during admission and on_open only
    /// (DESIGN §4); empty afterwards.
    request_view request() const noexcept { return core_.request(); }
    Server& server() const noexcept { return *server_; }
    /// The route the connection was upgraded on.
    std::size_t route() const noexcept { return core_.route(); }

    // ---- the driver's side -----------------------------------------------------------

    /// Processes octets just read (unmasked in place). While paused (a coroutine handler or an
    /// asynchronous admission is running) the rest is kept and processed on resume().
    void receive(std::span<std::uint8_t> in, clock::time_point now) {
        if (paused_) {
            stash_.append(in);
            return;
        }
        in_batch_ = true;
        process(in, now);
        in_batch_ = false;
    }

    /// The peer closed TCP, or the read failed with `cause`.
    void receive_eof(std::error_code cause) { report(core_.receive_eof(cause)); }

    /// Runs due deadlines (handshake, closing, ping, pong timeout).
    void tick(clock::time_point now) {
        report(core_.tick(now));
        derived().output_ready(); // a ping to write, or a connection to close
    }

    std::optional<clock::time_point> next_deadline() const noexcept { return core_.next_deadline(); }
    bool paused() const noexcept { return paused_; }
    bool should_close_transport() const noexcept { return core_.should_close_transport(); }
    protocol::connection_core& core() noexcept { return core_; }

    /// The transport is gone: the application hears on_close once, with the peer's close
    /// code and reason (or 1006), after any on_error (DESIGN §1.2).
    void finish() {
        if (!opened_ || closed_notified_) return;
        closed_notified_ = true;
        if (core_.state() != protocol::core_state::closed) report(core_.receive_eof(make_error_code(error::eof)));
        guarded([&] { handler_->close(derived(), core_.peer_close_code(), core_.peer_close_reason()); }, false);
        handler_.reset();
    }

    /// A coroutine handler finished (with its exception, if any): read on.
    void coroutine_done(std::exception_ptr e) {
        if (e) handler_threw(e);
        resume();
    }

protected:
    Derived& derived() noexcept { return static_cast<Derived&>(*this); }
    const Derived& derived() const noexcept { return static_cast<const Derived&>(*this); }

private:
    static void throw_if(std::error_code ec) {
        if (!ec) return;
        if (ec == error::closed) throw closed_error{};
        if (ec == std::errc::invalid_argument) throw std::invalid_argument(ec.message());
        throw std::system_error(ec);
    }

    bool open() const noexcept { return core_.is_open(); }

    // DESIGN §1 send queue: refused when the queue already holds the cap or more; a single
    // message larger than the cap still goes into an empty queue.
    std::error_code may_queue() const noexcept { return to_error_code(queue_refusal()); }
    error queue_refusal() const noexcept {
        if (!open()) return error::closed;
        if (buffered_amount() >= server_->options().send_queue_limit) return error::send_queue_full;
        return {};
    }

    std::error_code queue(opcode op, std::span<const std::uint8_t> payload) { return to_error_code(queue_message(op, payload)); }
    // queue() without a std::error_code on success: the per-message path of send().
    error queue_message(opcode op, std::span<const std::uint8_t> payload) {
        if (const error refused = queue_refusal(); refused != error{}) return refused;
        const error e = core_.queue_frame(op, payload);
        after_send(e == error{});
        return e;
    }

    void after_send(bool queued) {
        // Inside a receive batch the driver flushes once at its end (DESIGN §6: one write per
        // read batch); otherwise now.
        if (queued && !in_batch_) derived().output_ready();
    }

    void resume() {
        paused_ = false;
        protocol::byte_buffer pending;
        pending.swap(stash_);
        in_batch_ = true;
        if (!pending.empty() || core_.state() == protocol::core_state::open) {
            std::span<std::uint8_t> in = pending.span();
            process(in, clock::now());
        }
        in_batch_ = false;
        derived().input_resumed();
    }

    void process(std::span<std::uint8_t> in, clock::time_point now) {
        for (;;) {
            const auto ev = core_.receive(in, now);
            switch (ev.kind) {
            case protocol::core_event_kind::none:
                if (!in.empty() && core_.state() == protocol::core_state::awaiting) pause_with(in);
                return;
            case protocol::core_event_kind::upgrade_request: on_upgrade(now); break;
            case protocol::core_event_kind::http_request: on_plain_http(); break;
            case protocol::core_event_kind::message: on_message(ev); break;
            case protocol::core_event_kind::ping:
                guarded([&] { handler_->ping(derived(), ev.payload); });
                break;
            case protocol::core_event_kind::pong:
                guarded([&] { handler_->pong(derived(), ev.payload); });
                break;
            case protocol::core_event_kind::close: break; // on_close comes at finish()
            case protocol::core_event_kind::error: report(ev); break;
            }
            if (paused_) {
                pause_with(in);
                return;
            }
        }
    }

    void pause_with(std::span<std::uint8_t>& in) {
        paused_ = true;
        stash_.append(in);
        in = {};
    }

    void on_message(const protocol::core_event& ev) {
        const message_view m{ev.op, ev.payload};
        // The opt-in heartbeat answers a browser's text ping without waking the handler.
        if (const auto& hb = server_->policies().ping().heartbeat(); hb && m.is_text() && m.text() == hb->request) {
            (void)queue(opcode::text, protocol::as_bytes(hb->reply));
            return;
        }
        guarded([&] {
            if (handler_->message(derived(), m)) paused_ = true;
        });
    }

    // DESIGN §1.1 steps 10-11: the connection cap, then the admission policy.
    void on_upgrade(clock::time_point now) {
        if (server_->over_connection_limit()) {
            core_.reject(make_error_code(handshake_error::too_many_connections));
            return;
        }
        auto& policy = server_->policies().admission();
        using policy_type = std::remove_cvref_t<decltype(policy)>;
        if constexpr (async_admission_policy<policy_type>) {
            paused_ = true;
            // One callback family: if admit() throws after (or without) answering, the first
            // answer wins and a later one is ignored, so the sink completes exactly once.
            admission_callback cb{std::make_shared<admission_sink_impl>(derived().weak_from_this())};
            try {
                policy.admit(request(), cb);
            } catch (...) {
                cb(reject{500, "The admission policy failed."});
            }
        } else {
            admission result = [&]() -> admission {
                try {
                    return policy.admit(request());
                } catch (...) {
                    return reject{500, "The admission policy failed."};
                }
            }();
            apply_admission(std::move(result), now);
        }
    }

    struct admission_sink_impl final : admission_sink {
        explicit admission_sink_impl(std::weak_ptr<Derived> c) : conn(std::move(c)) {}
        void complete(admission result) override {
            auto c = conn.lock();
            if (!c) return;
            // From any thread: continue on the connection's thread.
            c->post([c, r = std::move(result)]() mutable {
                c->apply_admission(std::move(r), clock::now());
                c->resume();
            });
        }
        std::weak_ptr<Derived> conn;
    };

public:
    // Step 12 (accept) or the admission's rejection. Public for the admission sink's post.
    void apply_admission(admission result, clock::time_point now) {
        if (core_.state() != protocol::core_state::awaiting) return; // dropped meanwhile
        if (!result.accepted()) {
            const auto& r = result.as_reject();
            const int status = r.status() >= 300 && r.status() <= 599 ? r.status() : 500;
            (void)core_.respond(status, r.headers(), r.body());
            return;
        }
        const auto& a = result.as_accept();
        try {
            server_->make_handler(handler_, core_.route(), request(), a);
        } catch (...) {
            (void)core_.respond(500, {}, "The handler factory failed.\n");
            return;
        }
        protocol::accept_options options;
        options.subprotocol = a.subprotocol();
        options.headers = a.headers();
        if (core_.accept(options, now)) {
            handler_.reset();
            return;
        }
        subprotocol_.clear();
        subprotocol_ += a.subprotocol();
        opened_ = true;
        guarded([&] { handler_->open(derived()); });
        core_.release_request();
    }

private:
    void on_plain_http() {
        if (auto& responder = server_->options().http_responder) {
            http_response r;
            try {
                r = responder(request());
            } catch (...) {
                r = http_response{500, "The HTTP responder failed.\n", {}};
            }
            std::vector<header_field> headers;
            for (const auto& [name, value] : r.headers) headers.push_back({name, value});
            (void)core_.respond(r.status, headers, r.body);
        } else {
            core_.reject(make_error_code(handshake_error::not_websocket));
        }
    }

    // A handler call; an exception closes the connection with 1011 and reaches on_error
    // (DESIGN §4); nothing escapes into io_context::run().
    template <class F> void guarded(F&& f, bool close_on_throw = true) {
        if (!handler_) return;
        try {
            f();
        } catch (...) {
            if (close_on_throw) handler_threw(std::current_exception());
        }
    }

    void handler_threw(std::exception_ptr e) {
        last_exception_ = e;
        report(core_.fail(make_error_code(error::handler_exception), clock::now()));
        if (core_.state() == protocol::core_state::closing || core_.buffered_amount() != 0) derived().output_ready();
    }

    void report(const protocol::core_event& ev) {
        if (ev.kind != protocol::core_event_kind::error) return;
        if (!opened_ || !handler_) return; // handshake faults: no handler exists yet
        try {
            handler_->error(derived(), ev.error);
        } catch (...) { // a throwing on_error is not reported again
        }
    }

    Server* server_;
    protocol::connection_core core_;
    handler_holder<Derived> handler_;
    protocol::byte_buffer subprotocol_; // empty (and holding no memory) without one
    protocol::byte_buffer stash_;       // input received while paused
    std::exception_ptr last_exception_;
    bool paused_ = false;
    bool in_batch_ = false;
    bool opened_ = false;
    bool closed_notified_ = false;
};

} // namespace detail
} // namespace squall::inline v0
