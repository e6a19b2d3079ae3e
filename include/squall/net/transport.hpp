// squall/net/transport.hpp: connection sockets and their readiness source (DESIGN §6).
//
// On Linux each server thread keeps one epoll set of its own for its connections' sockets,
// registered once (edge-triggered, in and out) when a connection starts, and the set's
// descriptor is the one thing Asio's reactor waits on for them. A read batch then costs the
// recv and the send and nothing else: Asio 1.22's socket async_wait re-arms its descriptor
// with epoll_ctl on every wait (one more syscall per batch), and keeps per-socket reactor
// state and a pending operation for every idle connection. Asio still runs the loop, the
// listening sockets, the timers and every cross-thread post.
//
// Elsewhere (or with SQUALL_NO_EPOLL defined) connections use Asio sockets and async_wait.
#pragma once

#include <squall/endpoint.hpp>
#include <squall/net/io.hpp>

#include <cstdint>
#include <algorithm>
#include <array>
#include <cstddef>
#include <memory>
#include <span>
#include <system_error>
#include <utility>
#include <vector>

#if defined(__linux__) && !defined(SQUALL_NO_EPOLL)
#define SQUALL_NET_EPOLL 1
#include <asio/posix/stream_descriptor.hpp>

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#else
#define SQUALL_NET_EPOLL 0
#endif

namespace squall::inline v0::net {

/// A peer's address in 20 octets (what a connection keeps for its life; an endpoint, with its
/// string, takes 40).
struct peer_address {
    std::array<std::uint8_t, 16> bytes{}; // IPv4 in the first 4
    std::uint16_t port = 0;
    std::uint8_t family = 0; // 0: unknown, 4 or 6

    static peer_address from(const asio::ip::tcp::endpoint& ep) {
        peer_address p;
        p.port = ep.port();
        if (ep.address().is_v4()) {
            const auto b = ep.address().to_v4().to_bytes();
            std::copy(b.begin(), b.end(), p.bytes.begin());
            p.family = 4;
        } else {
            p.bytes = ep.address().to_v6().to_bytes();
            p.family = 6;
        }
        return p;
    }
    endpoint to_endpoint() const {
        if (family == 4) {
            asio::ip::address_v4::bytes_type b{};
            std::copy(bytes.begin(), bytes.begin() + 4, b.begin());
            return endpoint{asio::ip::address_v4(b).to_string(), port};
        }
        if (family == 6) return endpoint{asio::ip::address_v6(bytes).to_string(), port};
        return {};
    }
};

#if SQUALL_NET_EPOLL

/// The peer's address from what accept4 filled in (family 0 if neither IPv4 nor IPv6).
inline peer_address peer_address_of(const sockaddr_storage& ss) noexcept {
    peer_address p;
    if (ss.ss_family == AF_INET) {
        const auto& a = reinterpret_cast<const sockaddr_in&>(ss);
        std::memcpy(p.bytes.data(), &a.sin_addr, 4);
        p.port = ntohs(a.sin_port);
        p.family = 4;
    } else if (ss.ss_family == AF_INET6) {
        const auto& a = reinterpret_cast<const sockaddr_in6&>(ss);
        std::memcpy(p.bytes.data(), &a.sin6_addr, 16);
        p.port = ntohs(a.sin6_port);
        p.family = 6;
    }
    return p;
}

/// A socket accept4 returned (non-blocking), with the peer address it reported: no
/// getpeername call per connection.
struct accepted_socket {
    int fd = -1;
    peer_address peer{};
};

class poller {
public:
    /// What a registered socket's owner embeds: `on_event` gets the epoll event bits.
    struct entry {
        void (*on_event)(entry&, std::uint32_t events) = nullptr;
    };

    explicit poller(asio::io_context& ioc) : desc_(ioc) {
        const int fd = ::epoll_create1(EPOLL_CLOEXEC);
        if (fd < 0) throw std::system_error(errno, std::system_category(), "squall: epoll_create1");
        desc_.assign(fd); // the descriptor owns (and closes) the epoll set
        arm();
    }
    poller(const poller&) = delete;
    poller& operator=(const poller&) = delete;

    /// Watches `fd` (non-blocking, connected) for input, output, hang-up and errors, edge-
    /// triggered: the owner reads and writes until EAGAIN, then waits for the next event.
    std::error_code add(int fd, entry& e) noexcept {
        epoll_event ev{};
        ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
        ev.data.ptr = &e;
        if (::epoll_ctl(desc_.native_handle(), EPOLL_CTL_ADD, fd, &ev) != 0)
            return {errno, asio::error::get_system_category()};
        return {};
    }

    /// Keeps `owner` alive until the current batch of events has been dispatched: an entry
    /// whose socket closes mid-batch may still have an event further on in it.
    void release_later(std::shared_ptr<void> owner) {
        if (graveyard_.empty() && !dispatching_) {
            asio::post(desc_.get_executor(), [this, guard = std::weak_ptr<bool>(alive_)] {
                if (!guard.expired()) graveyard_.clear();
            });
        }
        graveyard_.push_back(std::move(owner));
    }

private:
    void arm() {
        // Asio re-arms this one descriptor per wake-up (not one per connection), which also
        // reports events left in the set when a batch stopped early.
        desc_.async_wait(asio::posix::stream_descriptor::wait_read,
                         [this, guard = std::weak_ptr<bool>(alive_)](std::error_code ec) {
                             if (ec || guard.expired()) return; // the poller is gone
                             dispatch();
                             arm();
                         });
    }

    void dispatch() {
        epoll_event events[256];
        dispatching_ = true;
        // Bounded: after a few full batches the rest waits for the next turn of the loop, so
        // timers and posted work run in between.
        for (int round = 0; round < 4; ++round) {
            const int n = ::epoll_wait(desc_.native_handle(), events, 256, 0);
            for (int i = 0; i < n; ++i) {
                auto* e = static_cast<entry*>(events[i].data.ptr);
                e->on_event(*e, events[i].events);
            }
            if (n < 256) break;
        }
        dispatching_ = false;
        graveyard_.clear();
    }

    asio::posix::stream_descriptor desc_;
    std::vector<std::shared_ptr<void>> graveyard_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true); // handlers check it
    bool dispatching_ = false;
};

/// A connected, non-blocking TCP socket owned by one connection, driven by the thread's
/// poller: plain recv/send/shutdown/close on the descriptor.
class stream {
public:
    explicit stream(int fd) noexcept : fd_(fd) {}
    stream(const stream&) = delete;
    stream& operator=(const stream&) = delete;
    ~stream() { close(); }

    int native_handle() const noexcept { return fd_; }
    bool is_open() const noexcept { return fd_ >= 0; }

    /// Octets read; ec is would_block when none are ready, eof when the peer closed.
    std::size_t read(std::span<std::uint8_t> into, std::error_code& ec) noexcept {
        for (;;) {
            const ssize_t n = ::recv(fd_, into.data(), into.size(), 0);
            if (n > 0) {
                ec.clear();
                return static_cast<std::size_t>(n);
            }
            if (n == 0) {
                ec = asio::error::eof;
                return 0;
            }
            if (errno == EINTR) continue;
            ec = std::error_code(errno, asio::error::get_system_category()); // compares equal to asio::error::*
            return 0;
        }
    }
    /// Octets the kernel took; ec is would_block when it took none.
    std::size_t write(std::span<const std::uint8_t> from, std::error_code& ec) noexcept {
        for (;;) {
            const ssize_t n = ::send(fd_, from.data(), from.size(), MSG_NOSIGNAL);
            if (n >= 0) {
                ec.clear();
                return static_cast<std::size_t>(n);
            }
            if (errno == EINTR) continue;
            ec = std::error_code(errno, asio::error::get_system_category()); // compares equal to asio::error::*
            return 0;
        }
    }
    void shutdown_send() noexcept {
        if (fd_ >= 0) ::shutdown(fd_, SHUT_WR);
    }
    /// Shuts down both directions and closes (which also leaves the epoll set).
    void close() noexcept {
        if (fd_ < 0) return;
        ::shutdown(fd_, SHUT_RDWR);
        ::close(fd_);
        fd_ = -1;
    }
    /// Non-blocking (accept4 made it so on Linux) with TCP_NODELAY: frames go out at once.
    void prepare() noexcept {
        int one = 1;
        ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }

private:
    int fd_ = -1;
};

#else

/// The portable socket: an Asio TCP socket behind the same calls.
class stream {
public:
    explicit stream(asio::ip::tcp::socket s) : socket_(std::move(s)) {}

    asio::ip::tcp::socket& socket() noexcept { return socket_; }
    bool is_open() const noexcept { return socket_.is_open(); }
    std::size_t read(std::span<std::uint8_t> into, std::error_code& ec) noexcept {
        return socket_.read_some(asio::buffer(into.data(), into.size()), ec);
    }
    std::size_t write(std::span<const std::uint8_t> from, std::error_code& ec) noexcept {
        return socket_.write_some(asio::buffer(from.data(), from.size()), ec);
    }
    void shutdown_send() noexcept {
        std::error_code ignored;
        socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
    }
    void close() noexcept {
        std::error_code ignored;
        socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
        socket_.close(ignored);
    }
    /// Non-blocking (accept4 made it so on Linux) with TCP_NODELAY: frames go out at once.
    void prepare() noexcept {
        std::error_code ignored;
        socket_.non_blocking(true, ignored);
        socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
    }
    peer_address peer() const {
        std::error_code ec;
        const auto ep = socket_.remote_endpoint(ec);
        if (ec) return {};
        return peer_address::from(ep);
    }

private:
    asio::ip::tcp::socket socket_;
};

#endif

} // namespace squall::inline v0::net
