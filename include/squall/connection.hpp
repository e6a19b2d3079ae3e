// squall/connection.hpp: the connection a handler receives (the engine's API plus what needs
// Asio: async_send, handle(), executor, remote endpoint), and the socket driver behind it
// (net/session in DESIGN §2): readiness-based reads into the thread's receive buffer, one
// write per read batch, the thread's timer wheel for deadlines.
#pragma once

#include <squall/endpoint.hpp>
#include <squall/engine.hpp>
#include <squall/net/io.hpp>
#include <squall/net/transport.hpp>
#include <squall/net/timer_wheel.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace squall::inline v0 {

namespace net {

/// What one server thread owns: its io_context (the user's or the server's own), its
/// receive buffer (DESIGN §6: one per thread, not per connection), its timer wheel and the
/// connections it serves.
template <class Conn> struct thread_context {
    explicit thread_context(asio::io_context& ctx)
        : ioc(ctx), wheel(ctx),
#if SQUALL_NET_EPOLL
          poll(ctx),
#endif
          receive_buffer(64 * 1024) {
    }
    asio::io_context& ioc;
    timer_wheel wheel;
#if SQUALL_NET_EPOLL
    poller poll; // the connections' sockets
#endif
    std::vector<std::uint8_t> receive_buffer;
    // Owned here until the transport closes. A vector with each connection's index kept in the
    // connection: O(1) add and remove, and no allocation per connection (DESIGN §6).
    std::vector<std::shared_ptr<Conn>> connections;

    void add(std::shared_ptr<Conn> c) {
        c->registry_index_ = static_cast<std::uint32_t>(connections.size());
        connections.push_back(std::move(c));
    }
    void remove(Conn& c) noexcept {
        const std::size_t i = c.registry_index_;
        if (i >= connections.size() || connections[i].get() != &c) return;
        if (i + 1 != connections.size()) {
            connections[i] = std::move(connections.back());
            connections[i]->registry_index_ = static_cast<std::uint32_t>(i);
        }
        connections.pop_back();
    }
};

} // namespace net

namespace detail {

// A type-erased completion, invoked once with an error_code.
struct completion_base {
    virtual ~completion_base() = default;
    virtual void complete(std::error_code ec) = 0;
};
template <class Handler, class Executor> struct completion_impl final : completion_base {
    completion_impl(Handler h, Executor fallback) : handler(std::move(h)), executor(std::move(fallback)) {}
    void complete(std::error_code ec) override {
        auto ex = asio::get_associated_executor(handler, executor);
        asio::post(ex, [h = std::move(handler), ec]() mutable { h(ec); });
    }
    Handler handler;
    Executor executor;
};

} // namespace detail

/// A copyable, weak reference to a connection, usable from any thread (DESIGN §1 "Other
/// threads"). Each operation posts to the connection's thread and never throws; its outcome
/// (error::closed when the connection is gone or closing) goes to the optional completion
/// token, called with std::error_code once the message is queued or refused.
template <class Conn> class basic_connection_handle {
public:
    basic_connection_handle() = default;
    basic_connection_handle(std::weak_ptr<Conn> c, asio::io_context::executor_type ex)
        : conn_(std::move(c)), executor_(std::move(ex)) {}

    template <class CompletionToken = asio::detached_t>
    auto send(message m, CompletionToken&& token = {}) const {
        return run(std::forward<CompletionToken>(token),
                   [m = std::move(m)](Conn& c, std::error_code& ec) { c.send(m.view(), ec); });
    }
    template <class CompletionToken = asio::detached_t>
    auto send(std::string text, CompletionToken&& token = {}) const {
        return send(message{opcode::text, std::move(text)}, std::forward<CompletionToken>(token));
    }
    template <class CompletionToken = asio::detached_t>
    auto close(close_code code = close_code::normal, std::string reason = {}, CompletionToken&& token = {}) const {
        return run(std::forward<CompletionToken>(token),
                   [code, r = std::move(reason)](Conn& c, std::error_code& ec) { c.close(code, r, ec); });
    }
    template <class CompletionToken = asio::detached_t>
    auto ping(std::string payload = {}, CompletionToken&& token = {}) const {
        return run(std::forward<CompletionToken>(token), [p = std::move(payload)](Conn& c, std::error_code& ec) {
            c.ping(protocol::as_bytes(p), ec);
        });
    }
    /// True until the connection object is gone (it may be closing).
    bool expired() const noexcept { return conn_.expired(); }

private:
    template <class CompletionToken, class Op> auto run(CompletionToken&& token, Op op) const {
        return asio::async_initiate<CompletionToken, void(std::error_code)>(
            [](auto handler, std::weak_ptr<Conn> weak, std::optional<asio::io_context::executor_type> ex, Op op) {
                if (!ex) return handler(make_error_code(error::closed)); // a default-constructed handle
                asio::post(*ex, [weak = std::move(weak), handler = std::move(handler), op = std::move(op)]() mutable {
                    std::error_code ec = make_error_code(error::closed);
                    if (auto c = weak.lock()) {
                        ec.clear();
                        op(*c, ec);
                    }
                    handler(ec);
                });
            },
            token, conn_, executor_, std::move(op));
    }

    std::weak_ptr<Conn> conn_;
    std::optional<asio::io_context::executor_type> executor_;
};

template <class Server>
class basic_connection final : public detail::engine<basic_connection<Server>, Server>,
                               public std::enable_shared_from_this<basic_connection<Server>>,
#if SQUALL_NET_EPOLL
                               private net::poller::entry,
#endif
                               private net::timer_wheel::hook {
    using engine_type = detail::engine<basic_connection<Server>, Server>;
    friend engine_type;
    friend net::thread_context<basic_connection>;

public:
    using executor_type = asio::io_context::executor_type;
    using context_type = net::thread_context<basic_connection>;
    using handle_type = basic_connection_handle<basic_connection>;
    using clock = protocol::clock;

#if SQUALL_NET_EPOLL
    using native_socket = net::accepted_socket; // non-blocking, with the peer's address
#else
    using native_socket = asio::ip::tcp::socket;
#endif

#if SQUALL_NET_EPOLL
    basic_connection(Server& server, context_type& ctx, native_socket socket)
        : engine_type(server, clock::now()), ctx_(&ctx), stream_(socket.fd), remote_(socket.peer) {
#else
    basic_connection(Server& server, context_type& ctx, native_socket socket)
        : engine_type(server, clock::now()), ctx_(&ctx), stream_(std::move(socket)), remote_(stream_.peer()) {
#endif
        timer_hook().fire = [](net::timer_wheel::hook& h) { static_cast<basic_connection&>(h).on_timer(); };
#if SQUALL_NET_EPOLL
        poll_entry().on_event = [](net::poller::entry& e, std::uint32_t events) {
            static_cast<basic_connection&>(e).on_poll_event(events);
        };
#endif
    }
    // After close_transport() the connection no longer touches its thread context: a last
    // reference may be dropped after the server is gone (by an io_context being destroyed).
    ~basic_connection() {
        if (!transport_closed_) ctx_->wheel.cancel(timer_hook());
    }

    /// Starts reading (the driver calls it once, on the connection's thread).
    void start() {
        stream_.prepare();
        this->core().set_remote(remote_.to_endpoint()); // for admission, with the request head
        schedule_timer();
#if SQUALL_NET_EPOLL
        // Edge-triggered from here on; a head that arrived already is reported at once.
        if (auto ec = ctx_->poll.add(stream_.native_handle(), poll_entry())) return transport_failed(ec);
#endif
        wait_readable();
    }

    executor_type get_executor() const noexcept { return ctx_->ioc.get_executor(); }
    /// The peer's address (kept for the connection's life, after the request head is gone).
    endpoint remote_endpoint() const { return remote_.to_endpoint(); }
    /// A weak handle for other threads and for later.
    handle_type handle() { return handle_type{this->weak_from_this(), get_executor()}; }

    /// Queues a message and completes once it has been handed to the kernel (Tornado's
    /// write_message Future), or with the error that refused it.
    template <class CompletionToken> auto async_send(message_view m, CompletionToken&& token) {
        return asio::async_initiate<CompletionToken, void(std::error_code)>(
            [this](auto handler, message_view msg) {
                using handler_type = decltype(handler);
                auto done = std::make_unique<detail::completion_impl<handler_type, executor_type>>(
                    std::move(handler), get_executor());
                std::error_code ec;
                this->send(msg, ec);
                if (ec) return done->complete(ec);
                // Complete once everything queued before it, and it, reached the kernel.
                if (!sends_) sends_ = std::make_unique<send_tracking>();
                sends_->waiters.push_back({sends_->written + this->buffered_amount(), std::move(done)});
                complete_waiters();
            },
            token, m);
    }

    using engine_type::close;
    using engine_type::ping;
    using engine_type::send;

    // ---- engine callbacks ----------------------------------------------------------------
    template <class F> void post(F&& f) { asio::post(get_executor(), std::forward<F>(f)); }
    void spawn_handler(asio::awaitable<void> work) {
        asio::co_spawn(get_executor(), std::move(work),
                       [self = this->shared_from_this()](std::exception_ptr e) { self->coroutine_done(e); });
    }
    void output_ready() {
        flush();
        schedule_timer();
    }
    void input_resumed() {
        flush();
        schedule_timer();
        if (!transport_closed_ && !this->paused() && !reading_) wait_readable();
    }

    /// Aborts from the server (stop(), shutdown deadline).
    void server_abort() { this->abort(); }

private:
    // The connection is its own timer-wheel entry (no timer object, no back pointer), and its
    // own poller entry.
    net::timer_wheel::hook& timer_hook() noexcept { return *this; }
#if SQUALL_NET_EPOLL
    net::poller::entry& poll_entry() noexcept { return *this; }

    void on_poll_event(std::uint32_t events) {
        if (transport_closed_) return; // closed earlier in this batch
        if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
            read_ready_ = true;
            if (reading_) on_readable({});
        }
        if (transport_closed_) return;
        if ((events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) && write_waiting_) {
            write_waiting_ = false;
            flush();
            schedule_timer();
        }
    }
#endif
    struct waiter {
        std::uint64_t until; // complete once this many octets were written in total
        std::unique_ptr<detail::completion_base> done;
    };

    // Interest in input. With the poller nothing is armed: the next edge calls on_readable,
    // and input left unread (a long burst, or a pause) is picked up by a posted read.
    void wait_readable() {
        reading_ = true;
#if SQUALL_NET_EPOLL
        if (read_ready_)
            asio::post(get_executor(), [self = this->shared_from_this()] {
                if (self->reading_ && !self->transport_closed_) self->on_readable({});
            });
#else
        stream_.socket().async_wait(asio::ip::tcp::socket::wait_read,
                                    [self = this->shared_from_this()](std::error_code ec) { self->on_readable(ec); });
#endif
    }

    void on_readable(std::error_code ec) {
        reading_ = false;
        if (transport_closed_) return;
        if (ec) return transport_failed(ec);
        auto& buf = ctx_->receive_buffer;
        // A few reads per wake-up: drain a burst, but let other connections of the thread run.
        for (int i = 0; i < 4 && !this->paused() && !transport_closed_; ++i) {
            const std::size_t n = stream_.read(std::span<std::uint8_t>{buf.data(), buf.size()}, ec);
            if (ec == asio::error::would_block || ec == asio::error::try_again) {
                read_ready_ = false;
                break;
            }
            if (ec) {
                this->receive_eof(ec == asio::error::eof ? make_error_code(error::eof) : ec);
                break;
            }
            this->receive(std::span<std::uint8_t>{buf.data(), n}, clock::now());
            if (n < buf.size()) { // the socket is drained: the next octets bring a new edge
                read_ready_ = false;
                break;
            }
        }
        flush();
        if (transport_closed_) return;
        if (ec && ec != asio::error::would_block && ec != asio::error::try_again) return close_transport();
        schedule_timer();
        if (!this->paused()) wait_readable();
    }

    // Writes what the core queued, straight from its buffer, until it is empty or the socket
    // would block; then waits for writability and goes on (readiness-based like the reads: no
    // copy into a write buffer, no 64 KiB chunking, one syscall per batch).
    void flush() {
        if (transport_closed_ || write_waiting_) return;
        for (;;) {
            const auto out = this->core().pending_output();
            if (out.empty()) break;
            std::error_code ec;
            const std::size_t n = stream_.write(out, ec);
            if (ec == asio::error::would_block || ec == asio::error::try_again) return wait_writable();
            if (ec) return transport_failed(ec);
            this->core().consume_output(n);
            if (sends_) {
                sends_->written += n;
                complete_waiters();
            }
        }
        if (this->should_close_transport()) return close_transport();
        // After a frame-level fault our close frame is the last thing we send and the peer's
        // answer cannot be parsed: send FIN now so the peer sees the end at once (the server
        // closes first, RFC 6455 §7.1.1); reads go on, discarded, until EOF or the deadline,
        // so no unread data turns our close into a reset.
        if (!write_shut_ && this->core().state() == protocol::core_state::closing && this->core().input_failed()) {
            write_shut_ = true;
            stream_.shutdown_send();
        }
    }

    // The socket took less than offered: go on at the next output edge.
    void wait_writable() {
        write_waiting_ = true;
#if !SQUALL_NET_EPOLL
        stream_.socket().async_wait(asio::ip::tcp::socket::wait_write,
                                    [self = this->shared_from_this()](std::error_code ec) {
                                        self->write_waiting_ = false;
                                        if (self->transport_closed_) return;
                                        if (ec) return self->transport_failed(ec);
                                        self->flush();
                                        self->schedule_timer();
                                    });
#endif
    }

    void complete_waiters() {
        if (!sends_) return;
        auto& q = sends_->waiters;
        std::size_t done = 0;
        while (done < q.size() && q[done].until <= sends_->written) ++done;
        if (done == 0) return;
        const auto end = q.begin() + static_cast<std::ptrdiff_t>(done);
        std::vector<waiter> ready(std::make_move_iterator(q.begin()), std::make_move_iterator(end));
        q.erase(q.begin(), end);
        if (q.empty()) sends_->written = 0; // counted from the oldest waiter's start only
        for (auto& w : ready) w.done->complete({}); // posts: nothing runs in here
    }

    void on_timer() {
        if (transport_closed_) return;
        this->tick(clock::now());
        schedule_timer();
    }

    void schedule_timer() {
        if (transport_closed_) return;
        if (auto d = this->next_deadline()) ctx_->wheel.schedule(timer_hook(), *d);
        else ctx_->wheel.cancel(timer_hook());
    }

    void transport_failed(std::error_code ec) {
        this->receive_eof(ec);
        close_transport();
    }

    void close_transport() {
        if (transport_closed_) return;
        transport_closed_ = true;
        ctx_->wheel.cancel(timer_hook());
        stream_.close();
        if (sends_) {
            auto dropped = std::move(sends_->waiters);
            sends_->waiters.clear();
            for (auto& w : dropped) w.done->complete(make_error_code(error::closed));
        }
        auto self = this->shared_from_this(); // keep alive through on_close and unregistering
#if SQUALL_NET_EPOLL
        ctx_->poll.release_later(self); // and through the rest of the poller's batch
#endif
        this->finish();
        this->server().connection_closed(*ctx_, self);
    }

    // async_send's bookkeeping, made on its first use: connections that only send() pay nothing.
    struct send_tracking {
        std::vector<waiter> waiters; // oldest first
        std::uint64_t written = 0;   // octets handed to the kernel since waiters was last empty
    };

    // Ordered for packing (DESIGN §6: a compact connection object).
    context_type* ctx_;
    std::unique_ptr<send_tracking> sends_;
    net::stream stream_;
    std::uint32_t registry_index_ = 0; // position in the thread's connection list
    net::peer_address remote_;
    bool write_waiting_ = false;    // waiting for the socket to take more output
    bool reading_ = false;
    bool write_shut_ = false;       // FIN sent after a frame-level fault
    bool read_ready_ = false;       // input may be waiting unread (poller: no edge will announce it)
    bool transport_closed_ = false;
};

} // namespace squall::inline v0
