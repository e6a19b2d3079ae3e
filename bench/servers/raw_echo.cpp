// bench/servers/raw_echo.cpp: the floor. A plain TCP echo on epoll, one thread, no framing: each
// readiness event reads once into one 16 KiB buffer and writes that back, like a typical echo.
// What the socket does not take is kept for that connection, which then stops reading until it
// is written (EPOLLOUT). Binds 127.0.0.1; --port N (0: a free port, printed).
#include "common_cli.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace {

volatile std::sig_atomic_t stop_requested = 0;

struct conn {
    int fd;
    std::string pending; // what send() did not take
};

void set_events(int ep, conn* c, unsigned events) {
    epoll_event ev{};
    ev.events = events;
    ev.data.ptr = c;
    epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
}

void drop(int ep, conn* c) {
    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, nullptr);
    close(c->fd);
    delete c;
}

} // namespace

int main(int argc, char** argv) {
    const auto flags = bench::parse_flags(argc, argv, "raw_echo");
    std::signal(SIGINT, [](int) { stop_requested = 1; });
    std::signal(SIGTERM, [](int) { stop_requested = 1; });
    std::signal(SIGPIPE, SIG_IGN);

    const int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(flags.port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0 || listen(lfd, SOMAXCONN) < 0) {
        std::perror("raw_echo: bind/listen");
        return 1;
    }
    socklen_t len = sizeof addr;
    getsockname(lfd, reinterpret_cast<sockaddr*>(&addr), &len);

    const int ep = epoll_create1(EPOLL_CLOEXEC);
    epoll_event lev{};
    lev.events = EPOLLIN;
    lev.data.ptr = nullptr; // the listener
    epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &lev);
    bench::announce("raw_echo", ntohs(addr.sin_port));

    static char buf[16 * 1024];
    std::vector<epoll_event> evs(256);
    while (!stop_requested) {
        const int n = epoll_wait(ep, evs.data(), static_cast<int>(evs.size()), 200);
        for (int i = 0; i < n; ++i) {
            auto* c = static_cast<conn*>(evs[static_cast<std::size_t>(i)].data.ptr);
            if (!c) {
                const int fd = accept4(lfd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (fd < 0) continue;
                setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                auto* nc = new conn{fd, {}};
                epoll_event ev{};
                ev.events = EPOLLIN;
                ev.data.ptr = nc;
                epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
                continue;
            }
            const auto events = evs[static_cast<std::size_t>(i)].events;
            if (!c->pending.empty()) { // EPOLLOUT: finish the old write first
                const ssize_t w = send(c->fd, c->pending.data(), c->pending.size(), MSG_NOSIGNAL);
                if (w < 0 && errno != EAGAIN) {
                    drop(ep, c);
                    continue;
                }
                if (w > 0) c->pending.erase(0, static_cast<std::size_t>(w));
                if (c->pending.empty()) set_events(ep, c, EPOLLIN);
                continue;
            }
            if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR))) continue;
            const ssize_t r = recv(c->fd, buf, sizeof buf, 0);
            if (r == 0 || (r < 0 && errno != EAGAIN)) {
                drop(ep, c);
                continue;
            }
            if (r < 0) continue;
            const ssize_t w = send(c->fd, buf, static_cast<std::size_t>(r), MSG_NOSIGNAL);
            if (w < 0 && errno != EAGAIN) {
                drop(ep, c);
                continue;
            }
            const std::size_t sent = w > 0 ? static_cast<std::size_t>(w) : 0;
            if (sent < static_cast<std::size_t>(r)) {
                c->pending.assign(buf + sent, static_cast<std::size_t>(r) - sent);
                set_events(ep, c, EPOLLOUT);
            }
        }
    }
    return 0;
}
