// squall/policy/origin.hpp: the origin role (DESIGN §1 "Origin", §3): which Origin header values
// may open a WebSocket (RFC 6455 §4.2.1 item 8, §10.2). Tag, concept, default, alternatives.
// Standard library and request_view only: policy/ must never reach Asio.
#pragma once

#include <squall/detail/ascii.hpp>
#include <squall/policy/roles.hpp>
#include <squall/request.hpp>

#include <concepts>
#include <cstddef>
#include <initializer_list>
#include <iterator>
#include <optional>
#include <ranges>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace squall::inline v0 {

// --- concept --------------------------------------------------------------------------------

/// P has `allow_origin(std::string_view origin, const request_view&) const` returning something
/// convertible to bool. The server calls it concurrently from its threads, hence const.
template <class P>
concept has_allow_origin = requires(const P& p, std::string_view origin, const request_view& req) {
    { p.allow_origin(origin, req) } -> std::convertible_to<bool>;
};

/// An origin policy decides whether a request that carries an Origin (or the legacy
/// Sec-WebSocket-Origin) header may proceed; the server answers 403 when it returns false.
/// Requests without either header (non-browser clients) are never shown to it.
template <class P>
concept origin_policy = has_allow_origin<P>;

} // namespace squall::inline v0

namespace squall::inline v0::detail {

/// The host[:port] of a serialized origin, `scheme "://" host [ ":" port ]` (RFC 6454 §6.2),
/// or nullopt for anything else: "null" (opaque origins, file:// pages), no scheme, a path,
/// query, fragment or trailing slash, userinfo, an empty host, a non-numeric port, spaces or
/// control bytes. Any RFC 3986 scheme is accepted (http, https, and e.g. app schemes).
constexpr std::optional<std::string_view> origin_authority(std::string_view origin) noexcept {
    const std::size_t sep = origin.find("://");
    if (sep == std::string_view::npos || sep == 0) return std::nullopt;
    const std::string_view scheme = origin.substr(0, sep);
    const auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
    if (!alpha(scheme[0])) return std::nullopt;
    for (char c : scheme)
        if (!alpha(c) && !(c >= '0' && c <= '9') && c != '+' && c != '-' && c != '.') return std::nullopt;
    const std::string_view authority = origin.substr(sep + 3);
    if (authority.empty()) return std::nullopt;
    for (char c : authority)
        if (!is_vchar(c) || c == '/' || c == '?' || c == '#' || c == '@' || c == '\\') return std::nullopt;
    // host: an IP-literal in brackets, or everything up to the last ':'.
    std::size_t host_end = 0;
    if (authority[0] == '[') {
        host_end = authority.find(']');
        if (host_end == std::string_view::npos || host_end == 1) return std::nullopt;
        ++host_end;
    } else {
        host_end = authority.find(':');
        if (host_end == std::string_view::npos) host_end = authority.size();
        if (host_end == 0 || authority.substr(0, host_end).find('[') != std::string_view::npos ||
            authority.substr(0, host_end).find(']') != std::string_view::npos)
            return std::nullopt;
    }
    if (host_end < authority.size()) {
        if (authority[host_end] != ':') return std::nullopt;
        const std::string_view port = authority.substr(host_end + 1);
        if (port.empty()) return std::nullopt;
        for (char c : port)
            if (c < '0' || c > '9') return std::nullopt;
    }
    return authority;
}

} // namespace squall::inline v0::detail

namespace squall::inline v0 {

// --- default --------------------------------------------------------------------------------

/// The default (Tornado's check_origin): the origin's host[:port] must equal the request's Host
/// header, both compared ASCII case-insensitively (Tornado lowercases only the Origin).
/// The scheme is not compared, and ports are compared literally: Host "a.example" does not
/// match "https://a.example:443", nor Host "a.example:443" match "https://a.example".
/// An origin of "null", one without a scheme, or a request without Host is refused.
/// Behind a proxy that rewrites Host, use allowed_origins.
struct same_host_origin {
    using policy_role = origin_role;

    constexpr bool allow_origin(std::string_view origin, const request_view& req) const noexcept {
        const std::optional<std::string_view> authority = detail::origin_authority(origin);
        if (!authority) return false;
        const std::optional<std::string_view> host = req.header("Host");
        return host && !host->empty() && detail::iequals(*authority, *host);
    }
    friend constexpr bool operator==(same_host_origin, same_host_origin) noexcept = default;
};

// --- alternatives ---------------------------------------------------------------------------

/// Every origin may connect. For public APIs that do not rely on cookies; with cookie or
/// HTTP-auth sessions this opens cross-site WebSocket hijacking (RFC 6455 §10.2).
struct any_origin {
    using policy_role = origin_role;

    constexpr bool allow_origin(std::string_view, const request_view&) const noexcept { return true; }
    friend constexpr bool operator==(any_origin, any_origin) noexcept = default;
};

/// A fixed list of serialized origins ("https://app.example", "http://localhost:8080"); a
/// request's origin must equal one of them exactly, ASCII case-insensitively (no trailing
/// slash, no default-port folding). Throws std::invalid_argument for an empty list or an entry
/// that is not `scheme://host[:port]`.
class allowed_origins {
public:
    using policy_role = origin_role;

    allowed_origins(std::initializer_list<std::string_view> origins) { assign(origins.begin(), origins.end()); }

    template <std::ranges::input_range R>
        requires std::convertible_to<std::ranges::range_reference_t<R>, std::string_view> &&
                 (!std::same_as<std::remove_cvref_t<R>, allowed_origins>)
    explicit allowed_origins(R&& origins) {
        assign(std::ranges::begin(origins), std::ranges::end(origins));
    }

    template <std::input_iterator I, std::sentinel_for<I> S>
        requires std::convertible_to<std::iter_reference_t<I>, std::string_view>
    allowed_origins(I first, S last) {
        assign(std::move(first), std::move(last));
    }

    bool allow_origin(std::string_view origin, const request_view&) const noexcept {
        for (const std::string& o : origins_)
            if (detail::iequals(o, origin)) return true;
        return false;
    }

    /// The origins as given.
    std::span<const std::string> origins() const noexcept { return origins_; }

    friend bool operator==(const allowed_origins&, const allowed_origins&) = default;

private:
    template <class I, class S> void assign(I first, S last) {
        for (; first != last; ++first) {
            auto&& item = *first; // keeps a prvalue (e.g. a std::string) alive for the view
            const std::string_view entry = item;
            if (!detail::origin_authority(entry))
                throw std::invalid_argument("The allowed_origins entry \"" + std::string{entry} +
                                            "\" is not an origin of the form scheme://host[:port]; "
                                            "remove any path, query or trailing slash.");
            origins_.emplace_back(entry);
        }
        if (origins_.empty())
            throw std::invalid_argument(
                "An allowed_origins policy needs at least one origin; use any_origin to allow every origin.");
    }

    std::vector<std::string> origins_;
};

} // namespace squall::inline v0
