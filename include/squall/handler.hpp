// squall/handler.hpp: what a handler type may provide, how squall detects it, and the
// type-erased slot a connection calls. on_message is required; on_open, on_close, on_ping,
// on_pong and on_error are detected; a member with a known name and a wrong signature is a
// compile error, never silently ignored (DESIGN §4). May use Asio types (awaitable).
#pragma once

#include <squall/close_code.hpp>
#include <squall/message.hpp>
#include <squall/net/io.hpp>

#include <concepts>
#include <cstdint>
#include <functional>
#include <new>
#include <span>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>

namespace squall::inline v0 {

/// A handler made of std::function members, in lifecycle order, for demos and tests:
/// `server.route("/", decltype(server)::callbacks_type{.message = [](auto& c, auto m) { c.send(m); }});`
/// Unset members are skipped. A real handler type is faster (no std::function) and can keep
/// per-connection state in its members.
template <class Conn> struct callbacks {
    std::function<void(Conn&)> open{};
    std::function<void(Conn&, message_view)> message{};
    std::function<void(Conn&, std::span<const std::uint8_t>)> ping{};
    std::function<void(Conn&, std::span<const std::uint8_t>)> pong{};
    std::function<void(Conn&, std::error_code)> error{};
    std::function<void(Conn&, close_code, std::string_view)> close{};

    void on_open(Conn& c) const {
        if (open) open(c);
    }
    void on_message(Conn& c, message_view m) const {
        if (message) message(c, m);
    }
    void on_ping(Conn& c, std::span<const std::uint8_t> p) const {
        if (ping) ping(c, p);
    }
    void on_pong(Conn& c, std::span<const std::uint8_t> p) const {
        if (pong) pong(c, p);
    }
    void on_error(Conn& c, std::error_code ec) const {
        if (error) error(c, ec);
    }
    void on_close(Conn& c, close_code code, std::string_view reason) const {
        if (close) close(c, code, reason);
    }
};

namespace detail {

// Each event: is the member callable as squall calls it? And does a non-template member of
// that name exist at all (to catch wrong signatures)?
template <class H, class C>
concept sync_on_message = requires(H& h, C& c, message_view m) {
    { h.on_message(c, m) } -> std::same_as<void>;
};
template <class H, class C>
concept coro_on_message = requires(H& h, C& c, message m) {
    { h.on_message(c, std::move(m)) } -> std::same_as<asio::awaitable<void>>;
};
template <class H, class C> concept can_on_open = requires(H& h, C& c) { h.on_open(c); };
template <class H, class C>
concept can_on_close = requires(H& h, C& c, close_code code, std::string_view r) { h.on_close(c, code, r); };
template <class H, class C>
concept can_on_ping = requires(H& h, C& c, std::span<const std::uint8_t> p) { h.on_ping(c, p); };
template <class H, class C>
concept can_on_pong = requires(H& h, C& c, std::span<const std::uint8_t> p) { h.on_pong(c, p); };
template <class H, class C> concept can_on_error = requires(H& h, C& c, std::error_code ec) { h.on_error(c, ec); };

template <class H> concept names_on_message = requires { &H::on_message; };
template <class H> concept names_on_open = requires { &H::on_open; };
template <class H> concept names_on_close = requires { &H::on_close; };
template <class H> concept names_on_ping = requires { &H::on_ping; };
template <class H> concept names_on_pong = requires { &H::on_pong; };
template <class H> concept names_on_error = requires { &H::on_error; };

/// Checks a handler type against a connection type; the messages name the fix.
template <class H, class C> constexpr bool check_handler() {
    static_assert(sync_on_message<H, C> || coro_on_message<H, C> || names_on_message<H>,
                  "squall: a handler needs on_message(conn, squall::message_view) returning void, or a "
                  "coroutine asio::awaitable<void> on_message(conn, squall::message)");
    static_assert(sync_on_message<H, C> || coro_on_message<H, C> || !names_on_message<H>,
                  "squall: handler member on_message has the wrong signature; expected "
                  "void on_message(auto& conn, squall::message_view) or "
                  "asio::awaitable<void> on_message(auto& conn, squall::message)");
    static_assert(can_on_open<H, C> || !names_on_open<H>,
                  "squall: handler member on_open has the wrong signature; expected void on_open(auto& conn)");
    static_assert(can_on_close<H, C> || !names_on_close<H>,
                  "squall: handler member on_close has the wrong signature; expected "
                  "void on_close(auto& conn, squall::close_code, std::string_view reason)");
    static_assert(can_on_ping<H, C> || !names_on_ping<H>,
                  "squall: handler member on_ping has the wrong signature; expected "
                  "void on_ping(auto& conn, std::span<const std::uint8_t> payload)");
    static_assert(can_on_pong<H, C> || !names_on_pong<H>,
                  "squall: handler member on_pong has the wrong signature; expected "
                  "void on_pong(auto& conn, std::span<const std::uint8_t> payload)");
    static_assert(can_on_error<H, C> || !names_on_error<H>,
                  "squall: handler member on_error has the wrong signature; expected "
                  "void on_error(auto& conn, std::error_code)");
    return true;
}

/// The per-connection handler object behind one virtual call per event.
template <class Conn> struct handler_slot {
    virtual ~handler_slot() = default;
    virtual void open(Conn&) = 0;
    /// Returns true when the handler is a coroutine that was started: the connection reads
    /// nothing more until it completes (Tornado's semantics, DESIGN §1).
    virtual bool message(Conn&, message_view) = 0;
    virtual void close(Conn&, close_code, std::string_view) = 0;
    virtual void ping(Conn&, std::span<const std::uint8_t>) = 0;
    virtual void pong(Conn&, std::span<const std::uint8_t>) = 0;
    virtual void error(Conn&, std::error_code) = 0;
};

template <class Handler, class Conn> class handler_slot_impl final : public handler_slot<Conn> {
    static_assert(check_handler<Handler, Conn>());

public:
    explicit handler_slot_impl(Handler h) : handler_(std::move(h)) {}

    void open(Conn& c) override {
        if constexpr (can_on_open<Handler, Conn>) handler_.on_open(c);
    }
    bool message(Conn& c, message_view m) override {
        if constexpr (coro_on_message<Handler, Conn>) {
            c.spawn_handler(handler_.on_message(c, squall::message{m}));
            return true;
        } else {
            handler_.on_message(c, m);
            return false;
        }
    }
    void close(Conn& c, close_code code, std::string_view reason) override {
        if constexpr (can_on_close<Handler, Conn>) handler_.on_close(c, code, reason);
    }
    void ping(Conn& c, std::span<const std::uint8_t> p) override {
        if constexpr (can_on_ping<Handler, Conn>) handler_.on_ping(c, p);
    }
    void pong(Conn& c, std::span<const std::uint8_t> p) override {
        if constexpr (can_on_pong<Handler, Conn>) handler_.on_pong(c, p);
    }
    void error(Conn& c, std::error_code ec) override {
        if constexpr (can_on_error<Handler, Conn>) handler_.on_error(c, ec);
    }

private:
    // A handler without data members adds nothing to the slot (the vtable pointer alone),
    // so handler_holder keeps such a slot inside the connection.
    [[no_unique_address]] Handler handler_;
};

/// Owns a connection's handler slot: in place when it is no bigger than a pointer (a handler
/// without data members), else on the heap. An idle connection with such a handler holds one
/// heap block (DESIGN §6 compact connection) instead of two.
template <class Conn> class handler_holder {
public:
    handler_holder() noexcept = default;
    handler_holder(const handler_holder&) = delete;
    handler_holder& operator=(const handler_holder&) = delete;
    ~handler_holder() { reset(); }

    /// Destroys the current slot, if any, and makes one holding h.
    template <class Handler> void emplace(Handler&& h) {
        using impl = handler_slot_impl<std::remove_cvref_t<Handler>, Conn>;
        reset();
        if constexpr (sizeof(impl) <= sizeof(storage_) && alignof(impl) <= alignof(void*))
            slot_ = ::new (static_cast<void*>(storage_)) impl(std::forward<Handler>(h));
        else
            slot_ = new impl(std::forward<Handler>(h));
    }
    void reset() noexcept {
        handler_slot<Conn>* s = std::exchange(slot_, nullptr);
        if (s == nullptr) return;
        if (static_cast<void*>(s) == static_cast<void*>(storage_)) s->~handler_slot();
        else delete s;
    }
    explicit operator bool() const noexcept { return slot_ != nullptr; }
    handler_slot<Conn>* operator->() const noexcept { return slot_; }

private:
    handler_slot<Conn>* slot_ = nullptr;
    alignas(void*) unsigned char storage_[sizeof(void*)];
};

} // namespace detail
} // namespace squall::inline v0
