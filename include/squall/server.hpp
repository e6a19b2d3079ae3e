// squall/server.hpp: basic_websocket_server<Policies...> (DESIGN §1, §3, §4): routes to handler
// types, listens on IPv4/IPv6, runs on a user io_context or on N threads of its own (one
// SO_REUSEPORT listener each on Linux), counts and caps connections, broadcasts, shuts down.
// Policies are picked out of the pack by role (policy/select.hpp).
#pragma once

#include <squall/connection.hpp>
#include <squall/handler.hpp>
#include <squall/policies.hpp>
#include <squall/server_options.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <vector>

namespace squall::inline v0 {

/// Asks a server to run N threads of its own: `basic_websocket_server srv{squall::threads{4}}`.
struct threads {
    std::size_t count = 1;
};

template <class... Policies> class basic_websocket_server {
public:
    using policies_type = policy_pack<Policies...>;
    using connection_type = basic_connection<basic_websocket_server>;
    using connection_handle = typename connection_type::handle_type;
    /// A handler of std::function members (handler.hpp), for demos: route(path, callbacks_type{...}).
    using callbacks_type = callbacks<connection_type>;
    using clock = std::chrono::steady_clock;

    /// Runs on the caller's io_context (the caller runs it).
    explicit basic_websocket_server(asio::io_context& ioc, Policies... policies)
        : policies_(std::move(policies)...) {
        contexts_.push_back(std::make_unique<context>(ioc));
    }
    /// Runs on `t.count` threads of its own, started by listen() and joined by stop(),
    /// shutdown() or the destructor.
    explicit basic_websocket_server(threads t, Policies... policies) : policies_(std::move(policies)...) {
        if (t.count == 0) throw std::invalid_argument("squall: a server needs at least one thread.");
        for (std::size_t i = 0; i < t.count; ++i) {
            owned_ioc_.push_back(std::make_unique<asio::io_context>(1));
            contexts_.push_back(std::make_unique<context>(*owned_ioc_.back()));
        }
    }

    /// With every policy default-constructed: `basic_websocket_server<no_ping> srv{ioc};`.
    explicit basic_websocket_server(asio::io_context& ioc)
        requires(sizeof...(Policies) > 0 && (std::is_default_constructible_v<Policies> && ...))
        : basic_websocket_server(ioc, Policies{}...) {}
    explicit basic_websocket_server(threads t)
        requires(sizeof...(Policies) > 0 && (std::is_default_constructible_v<Policies> && ...))
        : basic_websocket_server(t, Policies{}...) {}

    basic_websocket_server(const basic_websocket_server&) = delete;
    basic_websocket_server& operator=(const basic_websocket_server&) = delete;
    /// A server on a user io_context must be destroyed when that io_context is not running
    /// (after run() returned): open connections are then dropped without waiting.
    ~basic_websocket_server() {
        if (!owned_ioc_.empty()) stop();
        for (auto& ctx : contexts_) {
            close_acceptor(*ctx);
            auto conns = ctx->connections;
            for (const auto& conn : conns) conn->server_abort();
        }
    }

    /// Deadlines, caps and the plain-HTTP responder; change them before listen().
    server_options& options() noexcept { return options_; }
    const server_options& options() const noexcept { return options_; }
    const policies_type& policies() const noexcept { return policies_; }

    /// Serves `path` with one default-constructed Handler per connection.
    template <class Handler> basic_websocket_server& route(std::string path) {
        static_assert(std::is_default_constructible_v<Handler>,
                      "squall: route<Handler>(path) needs a default-constructible handler; pass a factory "
                      "route(path, [](const squall::request_view&, const squall::accept&) { return Handler{...}; })");
        return route(std::move(path), [](const request_view&, const accept&) { return Handler{}; });
    }
    /// Serves `path` with a copy of `cb` per connection.
    basic_websocket_server& route(std::string path, callbacks_type cb) {
        return route(std::move(path), [cb = std::move(cb)](const request_view&, const accept&) { return cb; });
    }
    /// Serves `path` with the handler `factory(request, accept)` returns for each connection
    /// (the request head and the admission result, with its user data).
    template <class Factory> basic_websocket_server& route(std::string path, Factory factory) {
        using handler_type = std::invoke_result_t<Factory&, const request_view&, const accept&>;
        static_assert(detail::check_handler<handler_type, connection_type>());
        routes_.push_back({std::move(path), [f = std::move(factory)](detail::handler_holder<connection_type>& into,
                                                                     const request_view& req, const accept& a) {
                               into.emplace(f(req, a));
                           }});
        return *this;
    }

    /// Binds and starts accepting: `host` is a numeric IPv4 or IPv6 address ("::" is
    /// dual-stack), port 0 picks a free port (see port()). Throws std::system_error.
    void listen(std::string_view host, std::uint16_t port) {
        build_core_config();
        const asio::ip::tcp::endpoint first{asio::ip::make_address(std::string(host)), port};
        std::uint16_t bound = port;
        for (auto& ctx : contexts_) {
            auto& acceptor = ctx->acceptor.emplace(ctx->ioc);
            const asio::ip::tcp::endpoint ep{first.address(), bound};
            acceptor.open(ep.protocol());
            acceptor.set_option(asio::socket_base::reuse_address(true));
            if (contexts_.size() > 1) set_reuse_port(acceptor);
            if (ep.address().is_v6() && ep.address().to_v6().is_unspecified())
                acceptor.set_option(asio::ip::v6_only(false));
            acceptor.bind(ep);
            acceptor.listen(asio::socket_base::max_listen_connections);
            set_defer_accept(acceptor, options_.defer_accept);
            acceptor.non_blocking(true); // accept_next never waits inside accept
            bound = acceptor.local_endpoint().port();
        }
        port_ = bound;
        for (auto& ctx : contexts_) asio::post(ctx->ioc, [this, c = ctx.get()] { accept_next(*c); });
        for (auto& ioc : owned_ioc_)
            threads_.emplace_back([&io = *ioc] {
                auto guard = asio::make_work_guard(io);
                io.run();
            });
    }

    /// The bound port (after listen()).
    std::uint16_t port() const noexcept { return port_; }
    /// Accepted TCP connections still held (handshaking, open or closing).
    std::size_t connection_count() const noexcept { return count_.load(std::memory_order_relaxed); }

    /// Frames `m` once and queues the same octets on every open connection of the route
    /// `path`. A connection whose send queue is at its cap misses the message. Thread-safe.
    void broadcast(std::string_view path, message_view m) {
        const auto id = find_route(path);
        if (!id) return;
        auto frame = std::make_shared<std::string>();
        protocol::append_frame(*frame, m.kind(), m.bytes());
        for (auto& ctx : contexts_) {
            asio::dispatch(ctx->ioc, [c = ctx.get(), frame, route = *id] {
                // A copy: a write error closes a connection on the spot, which unregisters it.
                const auto conns = c->connections;
                for (const auto& conn : conns) {
                    if (conn->route() != route) continue;
                    std::error_code ignored; // closed or at its cap: this connection misses it
                    conn->send_frames(protocol::as_bytes(*frame), ignored);
                }
            });
        }
    }

    /// Stops accepting and drops every connection at once (on_error(aborted), on_close(1006)).
    /// A server with threads of its own also stops and joins them.
    void stop() {
        for (auto& ctx : contexts_)
            asio::dispatch(ctx->ioc, [c = ctx.get()] {
                close_acceptor(*c);
                auto conns = c->connections;
                for (const auto& conn : conns) conn->server_abort();
            });
        join_threads();
    }

    /// Graceful shutdown: stop accepting, send 1001 to every connection, wait for the close
    /// handshakes until `deadline`, then abort the rest. Completes (void()) when no
    /// connection is left.
    template <class CompletionToken> auto async_shutdown(clock::duration deadline, CompletionToken&& token) {
        return asio::async_initiate<CompletionToken, void()>(
            [this, deadline](auto handler) {
                auto ex = asio::get_associated_executor(handler, contexts_.front()->ioc.get_executor());
                // std::function needs a copyable target; completion handlers may be move-only.
                auto shared = std::make_shared<decltype(handler)>(std::move(handler));
                {
                    std::lock_guard lock{drain_mutex_};
                    on_drained_.push_back([shared, ex] { asio::post(ex, [shared] { (*shared)(); }); });
                }
                shutting_down_ = true;
                for (auto& ctx : contexts_) {
                    asio::dispatch(ctx->ioc, [c = ctx.get(), deadline] {
                        close_acceptor(*c);
                        auto conns = c->connections;
                        for (const auto& conn : conns) {
                            std::error_code ec;
                            if (conn->is_open()) conn->close(close_code::going_away, {}, ec);
                            else if (conn->state() == connection_state::connecting) conn->server_abort();
                        }
                        c->shutdown_timer.emplace(c->ioc);
                        c->shutdown_timer->expires_after(deadline);
                        c->shutdown_timer->async_wait([c](std::error_code ec) {
                            if (ec) return;
                            auto rest = c->connections;
                            for (const auto& conn : rest) conn->server_abort();
                        });
                    });
                }
                check_drained();
            },
            token);
    }

    /// Blocking shutdown. Do not call it from one of the server's own threads or from the
    /// thread running the user's io_context (it would wait on itself).
    void shutdown(clock::duration deadline) {
        std::promise<void> done;
        auto f = done.get_future();
        async_shutdown(deadline, [&done] { done.set_value(); });
        f.wait();
        join_threads();
    }

    // ---- what connections use (not for applications) ---------------------------------
    const protocol::core_config& core_config() const noexcept { return core_config_; }
    bool over_connection_limit() const noexcept { return connection_count() > options_.max_connections; }
    /// Makes the handler of `route` for one connection, into that connection's holder.
    void make_handler(detail::handler_holder<connection_type>& into, std::size_t route, const request_view& req,
                      const accept& a) {
        routes_.at(route).make(into, req, a);
    }
    void connection_closed(net::thread_context<connection_type>& ctx, const std::shared_ptr<connection_type>& c) {
        ctx.remove(*c);
        count_.fetch_sub(1, std::memory_order_relaxed);
        check_drained();
    }

private:
    struct context : net::thread_context<connection_type> {
        using net::thread_context<connection_type>::thread_context;
        std::optional<asio::ip::tcp::acceptor> acceptor;
        std::optional<asio::steady_timer> backoff;
        std::optional<asio::steady_timer> shutdown_timer;
    };
    struct route_entry {
        std::string path;
        std::function<void(detail::handler_holder<connection_type>&, const request_view&, const accept&)> make;
    };
    // Hooks the sans-IO core calls (DESIGN §1.1 steps 3 and 7).
    struct route_lookup {
        const basic_websocket_server* server;
        std::optional<std::size_t> operator()(std::string_view path) const { return server->find_route(path); }
    };
    struct origin_check {
        const basic_websocket_server* server;
        // Fails closed: an origin policy that throws refuses the request (403), and the
        // exception does not leave through io_context::run().
        bool operator()(std::string_view origin, const request_view& req) const noexcept {
            try {
                return server->policies_.origin().allow_origin(origin, req);
            } catch (...) {
                return false;
            }
        }
    };

    std::optional<std::size_t> find_route(std::string_view path) const {
        for (std::size_t i = 0; i < routes_.size(); ++i)
            if (routes_[i].path == path) return i;
        return std::nullopt;
    }

    void build_core_config() {
        auto& c = core_config_;
        const auto& size = policies_.size_limit();
        c.limits.max_message_bytes = size.max_message_bytes();
        c.limits.max_frame_bytes = size.max_frame_bytes();
        c.limits.max_fragments = size.max_fragments();
        c.head_limit = options_.head_limit;
        c.handshake_timeout = options_.handshake_timeout;
        c.close_timeout = options_.close_timeout;
        c.ping_interval = policies_.ping().ping_interval();
        c.pong_timeout = policies_.ping().pong_timeout();
        c.route = route_lookup_;
        c.origin = origin_check_;
    }

    // Clients speak first in WebSocket (and HTTP): with TCP_DEFER_ACCEPT the listener wakes
    // its thread once, when the head's first octets are there, instead of at the TCP
    // handshake and again at the head. The handshakes benchmark's client spent 11 % of its
    // time in connect() waking the idle server thread without it, 7 % with Beast.
    static void set_defer_accept([[maybe_unused]] asio::ip::tcp::acceptor& a,
                                 [[maybe_unused]] std::chrono::seconds delay) {
#if defined(TCP_DEFER_ACCEPT)
        const int secs = static_cast<int>(delay.count());
        if (secs > 0) ::setsockopt(a.native_handle(), IPPROTO_TCP, TCP_DEFER_ACCEPT, &secs, sizeof secs);
#endif
    }

    static void set_reuse_port([[maybe_unused]] asio::ip::tcp::acceptor& a) {
#if defined(SO_REUSEPORT)
        a.set_option(asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>(true));
#endif
    }

    static void close_acceptor(context& c) {
        std::error_code ignored;
        if (c.acceptor) c.acceptor->close(ignored);
        if (c.backoff) c.backoff->cancel();
    }

    // EMFILE, ENFILE, ENOBUFS, ENOMEM: back off instead of spinning (DESIGN §1).
    void accept_backoff(context& c) {
        c.backoff.emplace(c.ioc);
        c.backoff->expires_after(std::chrono::milliseconds(50));
        c.backoff->async_wait([this, &c](std::error_code e) {
            if (!e) accept_next(c);
        });
    }

    void start_connection(context& c, typename connection_type::native_socket socket) {
        count_.fetch_add(1, std::memory_order_relaxed);
        auto conn = std::make_shared<connection_type>(*this, c, std::move(socket));
        c.add(conn);
        conn->start();
    }

#if SQUALL_NET_EPOLL
    // Readiness, then accept4 until the backlog is empty (a few at most per turn): sockets
    // come out non-blocking and go straight into the thread's poller, never into Asio's
    // reactor (net/transport.hpp).
    void accept_next(context& c) {
        if (!c.acceptor || !c.acceptor->is_open()) return;
        c.acceptor->async_wait(asio::ip::tcp::acceptor::wait_read, [this, &c](std::error_code ec) {
            if (ec == asio::error::operation_aborted || !c.acceptor->is_open()) return;
            if (ec) return accept_backoff(c);
            for (int i = 0; i < 64; ++i) {
                if (shutting_down_) return;
                sockaddr_storage peer{};
                socklen_t peer_len = sizeof peer;
                const int fd = ::accept4(c.acceptor->native_handle(), reinterpret_cast<sockaddr*>(&peer), &peer_len,
                                         SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (fd >= 0) {
                    start_connection(c, net::accepted_socket{fd, net::peer_address_of(peer)});
                    continue;
                }
                const int e = errno;
                if (e == EAGAIN || e == EWOULDBLOCK) break;
                if (e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM) return accept_backoff(c);
                // ECONNABORTED, EINTR, EPROTO and the network errors accept(2) passes on:
                // that one connection is gone; the next may be fine.
            }
            accept_next(c);
        });
    }
#else
    void accept_next(context& c) {
        if (!c.acceptor || !c.acceptor->is_open()) return;
        c.acceptor->async_accept(c.ioc, [this, &c](std::error_code ec, asio::ip::tcp::socket socket) {
            if (ec == asio::error::operation_aborted || !c.acceptor->is_open()) return;
            if (ec) return accept_backoff(c);
            if (shutting_down_) return;
            start_connection(c, std::move(socket));
            accept_next(c);
        });
    }
#endif

    void check_drained() {
        if (!shutting_down_ || connection_count() != 0) return;
        std::vector<std::function<void()>> done;
        {
            std::lock_guard lock{drain_mutex_};
            done.swap(on_drained_);
        }
        for (auto& f : done) f();
    }

    void join_threads() {
        if (owned_ioc_.empty()) return;
        for (std::size_t i = 0; i < owned_ioc_.size(); ++i)
            if (threads_.size() > i && threads_[i].get_id() == std::this_thread::get_id())
                throw std::logic_error("squall: stop() or shutdown() was called from one of the server's own threads.");
        // Let the posted aborts run, then stop the loops.
        for (auto& ioc : owned_ioc_) {
            std::promise<void> ran;
            auto f = ran.get_future();
            asio::post(*ioc, [&ran] { ran.set_value(); });
            if (!ioc->stopped() && !threads_.empty()) f.wait_for(std::chrono::seconds(1));
            ioc->stop();
        }
        for (auto& t : threads_)
            if (t.joinable()) t.join();
        threads_.clear();
    }

    policies_type policies_;
    server_options options_;
    protocol::core_config core_config_;
    route_lookup route_lookup_{this};
    origin_check origin_check_{this};
    std::vector<route_entry> routes_;
    std::vector<std::unique_ptr<asio::io_context>> owned_ioc_;
    std::vector<std::unique_ptr<context>> contexts_;
    std::vector<std::thread> threads_;
    std::atomic<std::size_t> count_{0};
    std::atomic<bool> shutting_down_{false};
    std::mutex drain_mutex_;
    std::vector<std::function<void()>> on_drained_;
    std::uint16_t port_ = 0;
};

template <class... P> basic_websocket_server(asio::io_context&, P...) -> basic_websocket_server<P...>;
template <class... P> basic_websocket_server(threads, P...) -> basic_websocket_server<P...>;

/// The server with every default policy.
using websocket_server = basic_websocket_server<>;

} // namespace squall::inline v0
