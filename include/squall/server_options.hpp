// squall/server_options.hpp: the runtime numbers of a server that are not policies (deadlines,
// caps) and the plain-HTTP responder. Standard library only.
#pragma once

#include <squall/request.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace squall::inline v0 {

/// A plain HTTP answer (a demo page, a health check): DESIGN §1.1 step 2b.
struct http_response {
    int status = 200;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers; ///< e.g. {"Content-Type", "text/html"}
};

/// Set before listen(); every value is inclusive.
struct server_options {
    /// A client that has not completed a valid request head in this time is dropped.
    std::chrono::steady_clock::duration handshake_timeout = std::chrono::seconds(10);
    /// How long a close we started waits for the peer's close before TCP is dropped.
    std::chrono::steady_clock::duration close_timeout = std::chrono::seconds(5);
    /// Request heads larger than this get 431.
    std::size_t head_limit = 8192;
    /// Accepted TCP connections (handshaking, open or closing) beyond which upgrades get 503.
    std::size_t max_connections = std::numeric_limits<std::size_t>::max();
    /// Per-connection send queue cap (DESIGN §1): a send is refused when the queue holds this
    /// much or more.
    std::size_t send_queue_limit = 16u * 1024 * 1024;
    /// Answers plain HTTP requests; without one they get 400 ("Can Upgrade only to WebSocket").
    std::function<http_response(const request_view&)> http_responder;
    /// Linux: the listener uses TCP_DEFER_ACCEPT, so a connection reaches the server with its
    /// request's first octets (one wake-up per handshake instead of two). A client that
    /// connects and sends nothing is held by the kernel for about this long before squall
    /// sees it (and its handshake_timeout starts). Zero: connections are reported as soon as
    /// TCP completes. Ignored elsewhere.
    std::chrono::seconds defer_accept = std::chrono::seconds(1);
};

} // namespace squall::inline v0
