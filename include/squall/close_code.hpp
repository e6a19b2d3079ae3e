// squall/close_code.hpp: WebSocket close status codes (RFC 6455 §7.4) and the sets squall
// accepts from a peer and lets a server send (DESIGN §1.2). No Asio, no other squall header.
#pragma once

#include <cstddef>
#include <cstdint>

namespace squall::inline v0 {

/// A close status code. Any 16-bit value can be held (`close_code{4000}`); the named ones are
/// those of RFC 6455 §7.4.1 and the IANA registry.
enum class close_code : std::uint16_t {
    normal = 1000,
    going_away = 1001,
    protocol_error = 1002,
    unsupported_data = 1003,
    no_status = 1005,       ///< never sent: the peer's close frame carried no code
    abnormal = 1006,        ///< never sent: the connection ended without a close frame
    invalid_payload = 1007, ///< e.g. text that is not UTF-8
    policy_violation = 1008,
    message_too_big = 1009,
    mandatory_extension = 1010, ///< a client's code: the server did not negotiate an extension
    internal_error = 1011,
    service_restart = 1012,
    try_again_later = 1013,
    bad_gateway = 1014,
    tls_handshake = 1015, ///< never sent
};

constexpr std::uint16_t to_underlying(close_code c) noexcept { return static_cast<std::uint16_t>(c); }

/// Codes a peer may put in a close frame: 1000-1003, 1007-1014, 3000-4999. Anything else
/// (0-999, 1004-1006, 1015, 1016-2999, >= 5000) is a protocol violation (close 1002).
constexpr bool is_receivable(std::uint16_t code) noexcept {
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
           (code >= 3000 && code <= 4999);
}
constexpr bool is_receivable(close_code c) noexcept { return is_receivable(to_underlying(c)); }

/// Codes a server may send: the receivable set less 1010, which only a client sends
/// ("the server did not negotiate an extension I require").
constexpr bool is_sendable(std::uint16_t code) noexcept {
    return is_receivable(code) && code != 1010;
}
constexpr bool is_sendable(close_code c) noexcept { return is_sendable(to_underlying(c)); }

/// Maximum reason length in octets when sending: a control payload is at most 125 octets,
/// two of which carry the code (RFC 6455 §5.5).
inline constexpr std::size_t max_close_reason_bytes = 123;

} // namespace squall::inline v0
