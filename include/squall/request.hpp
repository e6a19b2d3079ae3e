// squall/request.hpp: request_view, a non-owning view of a parsed HTTP/1.1 request head that
// the handshake, the origin and admission policies and on_open read (RFC 9110, RFC 9112).
// Standard library only: protocol/ and policy/ use it, so it must never reach Asio.
#pragma once

#include <squall/detail/ascii.hpp>
#include <squall/endpoint.hpp>

#include <cstddef>
#include <optional>
#include <span>
#include <string_view>

namespace squall::inline v0 {

/// One header field as received: the name as the client spelled it, the value with its
/// surrounding OWS removed (RFC 9112 §5).
struct header_field {
    std::string_view name;
    std::string_view value;
};

/// HTTP-version of the request line (RFC 9112 §2.3): HTTP/1.1 is {1, 1}.
struct http_version_number {
    int major = 0;
    int minor = 0;
    friend constexpr bool operator==(http_version_number, http_version_number) noexcept = default;
};

/// A view of a request head. It owns nothing: it points into the receive buffer and into the
/// parser that produced it, and is valid while both are unchanged (for a server connection:
/// during admission and on_open only, DESIGN §4). Cheap to copy (pointers and sizes only).
/// Every lookup is a linear scan over at most the parser's field limit; none allocates.
class request_view {
public:
    constexpr request_view() noexcept = default;

    /// `headers` in arrival order. `joined` holds one entry per header name that occurs more
    /// than once, its value being the values of all instances joined with ", " in arrival order
    /// (RFC 9110 §5.3); request_parser builds it. A view built by hand without it answers
    /// header(name) for a repeated name with the first value.
    constexpr request_view(std::string_view method, std::string_view target, http_version_number version,
                           std::span<const header_field> headers,
                           std::span<const header_field> joined = {}) noexcept
        : method_{method}, target_{target}, version_{version}, headers_{headers}, joined_{joined} {}

    /// The method, case-sensitive as received (RFC 9110 §9.1).
    constexpr std::string_view method() const noexcept { return method_; }
    /// The request-target as received (origin-form, "/path?query").
    constexpr std::string_view target() const noexcept { return target_; }
    /// The target up to the first '?' (not percent-decoded).
    constexpr std::string_view path() const noexcept { return target_.substr(0, target_.find('?')); }
    /// The target after the first '?'; empty when there is none (or when it is empty).
    constexpr std::string_view query() const noexcept {
        const std::size_t q = target_.find('?');
        return q == std::string_view::npos ? std::string_view{} : target_.substr(q + 1);
    }
    constexpr http_version_number http_version() const noexcept { return version_; }

    /// All header fields in arrival order, names as received, repeats kept apart.
    constexpr std::span<const header_field> headers() const noexcept { return headers_; }

    /// The value of the named header (ASCII case-insensitive name, RFC 9110 §5.1); for a name
    /// received more than once, all values joined with ", " in arrival order (RFC 9110 §5.3).
    /// nullopt when absent; an empty optional value when present but empty.
    constexpr std::optional<std::string_view> header(std::string_view name) const noexcept {
        for (const header_field& f : joined_)
            if (detail::iequals(f.name, name)) return f.value;
        for (const header_field& f : headers_)
            if (detail::iequals(f.name, name)) return f.value;
        return std::nullopt;
    }

    /// How many times the named header was received (case-insensitive name).
    constexpr std::size_t header_count(std::string_view name) const noexcept {
        std::size_t n = 0;
        for (const header_field& f : headers_)
            if (detail::iequals(f.name, name)) ++n;
        return n;
    }

    /// Whether any instance of the named header is a comma-separated list (RFC 9110 §5.6.1)
    /// containing `token`, compared case-insensitively (e.g. has_token("Connection", "upgrade")
    /// for "keep-alive, Upgrade").
    constexpr bool has_token(std::string_view header_name, std::string_view token) const noexcept {
        for (const header_field& f : headers_)
            if (detail::iequals(f.name, header_name) && detail::token_list_contains(f.value, token)) return true;
        return false;
    }

    /// The raw value of the first query parameter named exactly `name` (case-sensitive), in a
    /// query of '&'-separated `key=value` pairs. Neither name nor value is percent-decoded or
    /// '+'-decoded: "?q=a%20b" gives "a%20b", and a parameter whose raw name differs (e.g.
    /// "n%61me") does not match "name". A key without '=' ("?debug") gives an empty value;
    /// nullopt when no parameter has that name.
    constexpr std::optional<std::string_view> query_param(std::string_view name) const noexcept {
        std::string_view rest = query();
        while (!rest.empty()) {
            const std::size_t amp = rest.find('&');
            const std::string_view pair = rest.substr(0, amp);
            rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
            const std::size_t eq = pair.find('=');
            const std::string_view key = pair.substr(0, eq);
            if (key == name && !pair.empty())
                return eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
        }
        return std::nullopt;
    }

    /// Whether the client offered this subprotocol in any Sec-WebSocket-Protocol header.
    /// Case-sensitive: subprotocol names are compared byte for byte (RFC 6455 §4.1, §11.3.4).
    constexpr bool offers(std::string_view subprotocol) const noexcept {
        if (subprotocol.empty()) return false;
        for (const header_field& f : headers_)
            if (detail::iequals(f.name, "Sec-WebSocket-Protocol") &&
                detail::token_list_contains_exact(f.value, subprotocol))
                return true;
        return false;
    }

    /// Who sent the request, when the server knows (admission and on_open see it); nullptr in
    /// a view built without one (the sans-IO core has no socket).
    constexpr const endpoint* remote_endpoint() const noexcept { return remote_; }
    /// A copy that also names the peer (`remote` must outlive the copy).
    constexpr request_view with_remote(const endpoint& remote) const noexcept {
        request_view v = *this;
        v.remote_ = &remote;
        return v;
    }

private:
    std::string_view method_{};
    std::string_view target_{};
    http_version_number version_{};
    std::span<const header_field> headers_{};
    std::span<const header_field> joined_{};
    const endpoint* remote_ = nullptr;
};

} // namespace squall::inline v0
