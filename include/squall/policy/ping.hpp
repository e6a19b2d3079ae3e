// squall/policy/ping.hpp: the ping role (DESIGN §1 "Keepalive", §3): how often a quiet link is
// pinged, how long to wait for any frame before dropping the peer, and the optional text
// heartbeat answered without waking the handler. Standard library only: no Asio.
#pragma once

#include <squall/policy/roles.hpp>
#include <squall/protocol/utf8.hpp>

#include <chrono>
#include <concepts>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

namespace squall::inline v0 {

/// A browser's heartbeat (JavaScript cannot send ping frames): when a text message equal to
/// `request` arrives, squall answers the text `reply` and does not call the handler.
struct heartbeat_strings {
    std::string request;
    std::string reply;
    friend bool operator==(const heartbeat_strings&, const heartbeat_strings&) = default;
};

// --- concept --------------------------------------------------------------------------------

using ping_duration = std::chrono::steady_clock::duration;

/// `ping_interval() const`: how long the link may stay quiet before squall pings; nullopt: never.
template <class P>
concept has_ping_interval = requires(const P& p) {
    { p.ping_interval() } -> std::convertible_to<std::optional<ping_duration>>;
};

/// `pong_timeout() const`: how long after a ping squall waits for any frame before it gives
/// on_error(ping_timeout) and drops the connection.
template <class P>
concept has_pong_timeout = requires(const P& p) {
    { p.pong_timeout() } -> std::convertible_to<ping_duration>;
};

/// `heartbeat() const` returning a std::optional<heartbeat_strings> (by value or reference).
template <class P>
concept has_heartbeat = requires(const P& p) {
    { p.heartbeat() } -> std::same_as<const std::optional<heartbeat_strings>&>;
} || requires(const P& p) {
    { p.heartbeat() } -> std::same_as<std::optional<heartbeat_strings>>;
};

template <class P>
concept ping_policy = has_ping_interval<P> && has_pong_timeout<P> && has_heartbeat<P>;

} // namespace squall::inline v0

namespace squall::inline v0::detail {

/// A user-given duration as steady_clock::duration; throws std::invalid_argument naming `what`
/// for a zero or negative value (also one that truncates to zero) or one beyond the clock's range.
template <class Rep, class Period>
ping_duration positive_duration(std::chrono::duration<Rep, Period> d, const char* what) {
    using double_seconds = std::chrono::duration<long double>;
    if (!(d > d.zero()))
        throw std::invalid_argument(std::string{"The "} + what +
                                    " must be positive; use no_ping to turn pings off.");
    if (std::chrono::duration_cast<double_seconds>(d) > std::chrono::duration_cast<double_seconds>(ping_duration::max()))
        throw std::invalid_argument(std::string{"The "} + what + " is beyond the range of steady_clock.");
    const auto converted = std::chrono::duration_cast<ping_duration>(d);
    if (converted <= ping_duration::zero())
        throw std::invalid_argument(std::string{"The "} + what + " is shorter than one steady_clock tick.");
    return converted;
}

inline std::optional<heartbeat_strings> make_heartbeat(std::string request, std::string reply) {
    if (request.empty())
        throw std::invalid_argument("The heartbeat request must not be empty: every empty text message would match.");
    if (!protocol::is_valid_utf8(request) || !protocol::is_valid_utf8(reply))
        throw std::invalid_argument("The heartbeat request and reply must be valid UTF-8: they are text messages.");
    return heartbeat_strings{std::move(request), std::move(reply)};
}

} // namespace squall::inline v0::detail

namespace squall::inline v0 {

// --- default --------------------------------------------------------------------------------

/// Pings a link that has been quiet for `interval` (any received frame counts as liveness) and
/// drops the peer when nothing arrives within `timeout` of a ping. Given only the interval, the
/// timeout is max(3 × interval, 30 s) (Tornado's rule). Default-constructed: 30 s / 90 s.
/// Zero or negative values throw std::invalid_argument.
class interval_ping {
public:
    using policy_role = ping_role;

    interval_ping() = default;

    template <class Rep, class Period>
    explicit interval_ping(std::chrono::duration<Rep, Period> interval)
        : interval_{detail::positive_duration(interval, "ping interval")}, timeout_{tornado_timeout(interval_)} {}

    template <class Rep1, class Period1, class Rep2, class Period2>
    interval_ping(std::chrono::duration<Rep1, Period1> interval, std::chrono::duration<Rep2, Period2> timeout)
        : interval_{detail::positive_duration(interval, "ping interval")},
          timeout_{detail::positive_duration(timeout, "pong timeout")} {}

    /// A copy that also answers the text heartbeat `request` with `reply`. Throws
    /// std::invalid_argument for an empty request or either string not valid UTF-8.
    interval_ping heartbeat(std::string request, std::string reply) const& {
        interval_ping copy = *this;
        copy.heartbeat_ = detail::make_heartbeat(std::move(request), std::move(reply));
        return copy;
    }
    interval_ping heartbeat(std::string request, std::string reply) && {
        heartbeat_ = detail::make_heartbeat(std::move(request), std::move(reply));
        return std::move(*this);
    }

    std::optional<ping_duration> ping_interval() const noexcept { return interval_; }
    ping_duration pong_timeout() const noexcept { return timeout_; }
    const std::optional<heartbeat_strings>& heartbeat() const noexcept { return heartbeat_; }

    friend bool operator==(const interval_ping&, const interval_ping&) = default;

private:
    static ping_duration tornado_timeout(ping_duration interval) noexcept {
        using namespace std::chrono_literals;
        const ping_duration floor = 30s;
        if (interval > ping_duration::max() / 3) return ping_duration::max();
        return 3 * interval > floor ? 3 * interval : floor;
    }

    ping_duration interval_ = std::chrono::seconds{30};
    ping_duration timeout_ = std::chrono::seconds{90};
    std::optional<heartbeat_strings> heartbeat_;
};

// --- alternatives ---------------------------------------------------------------------------

/// Never pings, so a dead peer behind a NAT is only noticed when a send fails. The only way to
/// turn pings off. It can still answer a text heartbeat.
class no_ping {
public:
    using policy_role = ping_role;

    no_ping() = default;

    no_ping heartbeat(std::string request, std::string reply) const& {
        no_ping copy = *this;
        copy.heartbeat_ = detail::make_heartbeat(std::move(request), std::move(reply));
        return copy;
    }
    no_ping heartbeat(std::string request, std::string reply) && {
        heartbeat_ = detail::make_heartbeat(std::move(request), std::move(reply));
        return std::move(*this);
    }

    std::optional<ping_duration> ping_interval() const noexcept { return std::nullopt; }
    /// Unused while ping_interval() is nullopt; zero.
    ping_duration pong_timeout() const noexcept { return ping_duration::zero(); }
    const std::optional<heartbeat_strings>& heartbeat() const noexcept { return heartbeat_; }

    friend bool operator==(const no_ping&, const no_ping&) = default;

private:
    std::optional<heartbeat_strings> heartbeat_;
};

} // namespace squall::inline v0
