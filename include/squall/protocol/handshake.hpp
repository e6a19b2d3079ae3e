// squall/protocol/handshake.hpp: the server side of the opening handshake (RFC 6455 §4.2.1,
// §4.2.2): is_websocket_attempt, accept_key and validate_upgrade, which runs DESIGN §1.1 steps
// 2-9 in order, first failure wins. Sans-IO: NO Asio, NO policies (route lookup and origin
// decision come in as callables).
#pragma once

#include <squall/detail/ascii.hpp>
#include <squall/detail/base64.hpp>
#include <squall/detail/sha1.hpp>
#include <squall/error.hpp>
#include <squall/request.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <system_error>

namespace squall::inline v0::protocol {

/// The GUID appended to the client's key (RFC 6455 §1.3, §4.2.2 item 5.4).
inline constexpr std::string_view websocket_guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// DESIGN §1.1 step 2: a request is a WebSocket attempt when an Upgrade header lists the token
/// "websocket" or any header name starts with "Sec-WebSocket-" (both case-insensitive). An
/// attempt that is malformed gets a precise rejection; anything else is plain HTTP.
constexpr bool is_websocket_attempt(const request_view& req) noexcept {
    if (req.has_token("Upgrade", "websocket")) return true;
    for (const header_field& f : req.headers())
        if (detail::istarts_with(f.name, "Sec-WebSocket-")) return true;
    return false;
}

/// Sec-WebSocket-Accept for a client key: base64(SHA-1(key + GUID)) (RFC 6455 §4.2.2 item 5.4).
/// The key is used as received (the caller validates it first). Always 28 characters.
constexpr std::array<char, 28> accept_key(std::string_view client_key) noexcept {
    detail::sha1 h;
    h.update(client_key);
    h.update(websocket_guid);
    const detail::sha1::digest_type digest = h.finish();
    std::array<char, 28> out{};
    detail::base64_encode(std::span<const std::uint8_t>{digest}, std::span<char>{out});
    return out;
}

/// What validate_upgrade decided.
enum class handshake_kind {
    plain_http, ///< step 2b: not a WebSocket attempt; error is not_websocket (400 without a responder)
    upgrade,    ///< steps 3-9 passed: route and key are set; admission (step 10+) comes next
    rejected,   ///< a step failed: error says which
};

struct handshake_result {
    handshake_kind kind = handshake_kind::rejected;
    std::error_code error{};  ///< a handshake_error unless kind is upgrade
    std::size_t route = 0;    ///< the route id (upgrade only)
    std::string_view key{};   ///< the client's Sec-WebSocket-Key, for the 101 (upgrade only)

    static handshake_result rejected_with(handshake_error e) noexcept {
        return handshake_result{handshake_kind::rejected, make_error_code(e), 0, {}};
    }
};


/// Runs DESIGN §1.1 steps 2-9 on a parsed head, in that order; the first failing step decides.
/// - `route(std::string_view path) -> std::optional<std::size_t>`: step 3, called with the path
///   (target up to '?') of every WebSocket attempt.
/// - `origin(std::string_view origin, const request_view&) -> bool`: step 7, called only when
///   steps 3-6 passed and an Origin header (RFC 6454) or, failing that, a legacy
///   Sec-WebSocket-Origin header (drafts 7-10) is present; Origin wins when both are. A repeated
///   header arrives joined with ", " (and a sane policy rejects it).
/// Choices where RFC 6455 leaves room: the method must be exactly "GET" (methods are
/// case-sensitive, RFC 9110 §9.1) and the version exactly HTTP/1.1 (RFC 6455 §4.1 asks for 1.1
/// "or higher", but over HTTP/2 and 3 WebSocket uses RFC 8441/9220, not this handshake). A
/// repeated Host is bad_header (RFC 9112 §3.2: a server must answer 400), an absent one
/// missing_host; an empty Host value counts as present (RFC 9112 §3.2 allows it).
/// Sec-WebSocket-Key must occur once and be canonical padded base64 of 16 octets (RFC 6455
/// §4.2.1 item 5), i.e. 24 characters ending in "==".
template <class RouteLookup, class OriginCheck>
handshake_result validate_upgrade(const request_view& req, RouteLookup&& route, OriginCheck&& origin) {
    // Step 2 / 2b.
    if (!is_websocket_attempt(req))
        return handshake_result{handshake_kind::plain_http, make_error_code(handshake_error::not_websocket), 0, {}};
    // Step 3.
    const std::optional<std::size_t> route_id = route(req.path());
    if (!route_id) return handshake_result::rejected_with(handshake_error::route_not_found);
    // Step 4 (RFC 6455 §4.2.1 item 1).
    if (req.method() != "GET") return handshake_result::rejected_with(handshake_error::bad_method);
    if (req.http_version() != http_version_number{1, 1})
        return handshake_result::rejected_with(handshake_error::bad_http_version);
    // Steps 5 and 6 (items 3 and 4).
    if (!req.has_token("Upgrade", "websocket")) return handshake_result::rejected_with(handshake_error::bad_upgrade);
    if (!req.has_token("Connection", "upgrade")) return handshake_result::rejected_with(handshake_error::bad_connection);
    // Step 7 (item 7, RFC 6455 §10.2).
    std::optional<std::string_view> origin_value = req.header("Origin");
    if (!origin_value) origin_value = req.header("Sec-WebSocket-Origin");
    if (origin_value && !origin(*origin_value, req))
        return handshake_result::rejected_with(handshake_error::origin_rejected);
    // Step 8 (item 6, §4.4): missing, another value, or a repeat ("13, 13") gives 426.
    const std::optional<std::string_view> version = req.header("Sec-WebSocket-Version");
    if (!version || detail::trim_ows(*version) != "13") return handshake_result::rejected_with(handshake_error::bad_version);
    // Step 9 (items 2 and 5).
    const std::size_t hosts = req.header_count("Host");
    if (hosts == 0) return handshake_result::rejected_with(handshake_error::missing_host);
    if (hosts > 1) return handshake_result::rejected_with(handshake_error::bad_header);
    if (req.header_count("Sec-WebSocket-Key") != 1) return handshake_result::rejected_with(handshake_error::bad_sec_key);
    const std::string_view key = detail::trim_ows(req.header("Sec-WebSocket-Key").value_or(std::string_view{}));
    if (detail::base64_decoded_size_if_valid(key) != std::optional<std::size_t>{16})
        return handshake_result::rejected_with(handshake_error::bad_sec_key);
    return handshake_result{handshake_kind::upgrade, {}, *route_id, key};
}

} // namespace squall::inline v0::protocol
