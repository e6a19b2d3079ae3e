// squall/protocol/close_frame.hpp: close frame payloads (RFC 6455 §5.5.1, §7.4): parse what a
// peer sent, check and build what a server sends, per the code sets of DESIGN §1.2.
// Standard library only; never allocates.
#pragma once

#include <squall/close_code.hpp>
#include <squall/error.hpp>
#include <squall/protocol/frame.hpp>
#include <squall/protocol/utf8.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <system_error>

namespace squall::inline v0::protocol {

struct close_info {
    close_code code = close_code::no_status; ///< no_status (1005) when the payload was empty
    std::string_view reason{};               ///< points into the parsed payload
};

/// Parses a received close payload. Empty: code 1005, no reason. One octet:
/// bad_close_payload. A code outside the receivable set: bad_close_code. A reason that is not
/// UTF-8: invalid_utf8 (close 1007).
inline std::error_code parse_close_payload(std::span<const std::uint8_t> payload, close_info& out) noexcept {
    out = {};
    if (payload.empty()) return {};
    if (payload.size() == 1) return make_error_code(error::bad_close_payload);
    const auto code = static_cast<std::uint16_t>((payload[0] << 8) | payload[1]);
    if (!is_receivable(code)) return make_error_code(error::bad_close_code);
    const auto reason = as_text(payload.subspan(2));
    if (!is_valid_utf8(reason)) return make_error_code(error::invalid_utf8);
    out.code = close_code{code};
    out.reason = reason;
    return {};
}

/// Whether a server may send this close: a sendable code and a UTF-8 reason of at most
/// 123 octets. The error is one of close_code_not_sendable, close_reason_too_long,
/// close_reason_not_utf8 (each compares equal to std::errc::invalid_argument).
inline std::error_code check_sendable_close(close_code code, std::string_view reason) noexcept {
    if (!is_sendable(code)) return make_error_code(error::close_code_not_sendable);
    if (reason.size() > max_close_reason_bytes) return make_error_code(error::close_reason_too_long);
    if (!is_valid_utf8(reason)) return make_error_code(error::close_reason_not_utf8);
    return {};
}

/// Writes code and reason into out (at least max_control_payload octets); returns the size.
/// The caller has checked them (check_sendable_close) or echoes a received, valid code.
inline std::size_t build_close_payload(close_code code, std::string_view reason, std::uint8_t* out) noexcept {
    const auto c = to_underlying(code);
    out[0] = static_cast<std::uint8_t>(c >> 8);
    out[1] = static_cast<std::uint8_t>(c);
    const std::size_t n = reason.size() < max_close_reason_bytes ? reason.size() : max_close_reason_bytes;
    for (std::size_t i = 0; i < n; ++i) out[2 + i] = static_cast<std::uint8_t>(reason[i]);
    return 2 + n;
}

} // namespace squall::inline v0::protocol
