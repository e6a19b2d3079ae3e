// tests/server/raw_client.hpp: a blocking TCP client that writes exact bytes, for integration
// tests against a real server on loopback. Every wait is bounded.
#pragma once

#include <squall/protocol/frame.hpp>
#include <squall/protocol/frame_parser.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace squall_test {

struct server_frame {
    squall::opcode op;
    std::string payload;
    bool fin;
    std::uint16_t close_code() const {
        return payload.size() >= 2 ? static_cast<std::uint16_t>((static_cast<unsigned char>(payload[0]) << 8) |
                                                                 static_cast<unsigned char>(payload[1]))
                                   : 0;
    }
    std::string close_reason() const { return payload.size() > 2 ? payload.substr(2) : std::string{}; }
};

struct http_head {
    int status = 0;
    std::string raw;  // the whole head
    std::string body; // what followed, up to Content-Length
    bool has_header(std::string_view line) const { return raw.find(std::string(line) + "\r\n") != std::string::npos; }
};

class raw_client {
public:
    raw_client(const std::string& host, std::uint16_t port) {
        const bool v6 = host.find(':') != std::string::npos;
        fd_ = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
        if (fd_ < 0) throw std::runtime_error("socket failed");
        int one = 1;
        ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        int rc;
        if (v6) {
            sockaddr_in6 a{};
            a.sin6_family = AF_INET6;
            a.sin6_port = htons(port);
            ::inet_pton(AF_INET6, host.c_str(), &a.sin6_addr);
            rc = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
        } else {
            sockaddr_in a{};
            a.sin_family = AF_INET;
            a.sin_port = htons(port);
            ::inet_pton(AF_INET, host.c_str(), &a.sin_addr);
            rc = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
        }
        if (rc != 0) throw std::runtime_error("connect failed");
    }
    ~raw_client() {
        if (fd_ >= 0) ::close(fd_);
    }
    raw_client(const raw_client&) = delete;
    raw_client& operator=(const raw_client&) = delete;
    raw_client(raw_client&& o) noexcept : fd_(std::exchange(o.fd_, -1)), in_(std::move(o.in_)), eof_(o.eof_) {}

    void write(std::string_view bytes) {
        while (!bytes.empty()) {
            const auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
            if (n <= 0) throw std::runtime_error("send failed");
            bytes.remove_prefix(static_cast<std::size_t>(n));
        }
    }
    /// Sends one masked client frame.
    void send_frame(squall::opcode op, std::string_view payload, bool fin = true, std::uint8_t rsv = 0) {
        std::string out;
        squall::protocol::append_masked_frame(out, op, squall::protocol::as_bytes(payload), {0x11, 0x22, 0x33, 0x44},
                                              fin, rsv);
        write(out);
    }
    void send_text(std::string_view t) { send_frame(squall::opcode::text, t); }
    void send_close(std::uint16_t code, std::string_view reason = {}) {
        std::string p{static_cast<char>(code >> 8), static_cast<char>(code & 0xFF)};
        p.append(reason);
        send_frame(squall::opcode::close, p);
    }
    void shutdown_write() { ::shutdown(fd_, SHUT_WR); }

    /// Reads more octets into the buffer; false on EOF/reset or timeout.
    bool fill(std::chrono::milliseconds timeout) {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
        char buf[65536];
        const auto n = ::recv(fd_, buf, sizeof buf, 0);
        if (n <= 0) {
            eof_ = true;
            return false;
        }
        in_.append(buf, static_cast<std::size_t>(n));
        return true;
    }

    /// Reads an HTTP response head (and a Content-Length body).
    std::optional<http_head> read_http(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        std::size_t end;
        while ((end = in_.find("\r\n\r\n")) == std::string::npos)
            if (!fill(remaining(deadline))) return std::nullopt;
        http_head h;
        h.raw = in_.substr(0, end + 4);
        in_.erase(0, end + 4);
        h.status = std::stoi(h.raw.substr(9, 3));
        std::size_t length = 0;
        if (auto p = h.raw.find("Content-Length: "); p != std::string::npos) length = std::stoul(h.raw.substr(p + 16));
        while (in_.size() < length)
            if (!fill(remaining(deadline))) break;
        h.body = in_.substr(0, length);
        in_.erase(0, std::min(length, in_.size()));
        return h;
    }

    /// Upgrades with a valid request; returns the response head.
    std::optional<http_head> upgrade(std::string_view path = "/", std::string_view extra_headers = {}) {
        write("GET " + std::string(path) +
              " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" +
              std::string(extra_headers) + "\r\n");
        return read_http();
    }

    /// The next server frame, or nullopt on EOF/timeout.
    std::optional<server_frame> read_frame(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            if (auto f = parse_frame()) return f;
            if (!fill(remaining(deadline))) return std::nullopt;
        }
    }

    /// True when the server closes TCP within the timeout (after any pending frames).
    bool wait_eof(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (!eof_) {
            if (std::chrono::steady_clock::now() >= deadline) return false;
            fill(remaining(deadline));
        }
        return true;
    }
    bool eof() const { return eof_; }
    const std::string& buffered() const { return in_; }

private:
    static std::chrono::milliseconds remaining(std::chrono::steady_clock::time_point deadline) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        return left.count() > 0 ? left : std::chrono::milliseconds(0);
    }

    std::optional<server_frame> parse_frame() {
        if (in_.size() < 2) return std::nullopt;
        const auto b0 = static_cast<unsigned char>(in_[0]);
        const auto b1 = static_cast<unsigned char>(in_[1]);
        std::size_t pos = 2;
        std::uint64_t len = b1 & 0x7F;
        if (len == 126) {
            if (in_.size() < 4) return std::nullopt;
            len = (static_cast<unsigned char>(in_[2]) << 8) | static_cast<unsigned char>(in_[3]);
            pos = 4;
        } else if (len == 127) {
            if (in_.size() < 10) return std::nullopt;
            len = 0;
            for (int i = 0; i < 8; ++i) len = (len << 8) | static_cast<unsigned char>(in_[2 + i]);
            pos = 10;
        }
        if ((b1 & 0x80) != 0) throw std::runtime_error("the server masked a frame");
        if (in_.size() < pos + len) return std::nullopt;
        server_frame f{static_cast<squall::opcode>(b0 & 0x0F), in_.substr(pos, len), (b0 & 0x80) != 0};
        in_.erase(0, pos + len);
        return f;
    }

    int fd_ = -1;
    std::string in_;
    bool eof_ = false;
};

} // namespace squall_test
