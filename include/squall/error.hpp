// squall/error.hpp: error codes, categories and conditions (DESIGN §5), and the total
// mappings from a handshake error to its HTTP status and from an error to the close code sent.
// Standard library only: protocol/ and policy/ use it, so it must never reach Asio.
#pragma once

#include <squall/close_code.hpp>

#include <string>
#include <system_error>
#include <type_traits>

namespace squall::inline v0 {

/// Faults of an upgraded (or upgrading) connection: category "squall".
enum class error {
    // usage and connection state
    closed = 1,             ///< send, ping or close on a connection that is closing or closed
    send_queue_full,        ///< the send queue already holds its cap
    json_encode_failed,     ///< the JSON encoder could not encode the value
    close_code_not_sendable,///< close() with a code a server may not send
    close_reason_too_long,  ///< close() with a reason over 123 octets
    close_reason_not_utf8,  ///< close() with a reason that is not UTF-8
    control_payload_too_big,///< ping()/pong() with a payload over 125 octets
    // how a connection ended without a close handshake
    aborted,                ///< abort() was called
    eof,                    ///< the peer closed TCP without a close frame
    handler_exception,      ///< a handler threw; see connection::last_exception()
    // deadlines
    handshake_timeout,      ///< no complete request head within the handshake deadline
    close_timeout,          ///< the peer did not answer our close frame within the deadline
    ping_timeout,           ///< nothing was received for the pong timeout after a ping
    // protocol violations by the peer (close 1002, or 1007 for UTF-8)
    reserved_bits,          ///< RSV1-3 set without a negotiated extension
    bad_opcode,             ///< reserved opcode 3-7 or 11-15
    unmasked_frame,         ///< a client frame without the mask bit
    bad_payload_length,     ///< 64-bit length with the top bit set, or not minimally encoded
    control_frame_too_big,  ///< control frame payload over 125 octets
    fragmented_control_frame,///< control frame without FIN
    unexpected_continuation,///< continuation frame with no message in progress
    expected_continuation,  ///< new data frame while a fragmented message is in progress
    bad_close_payload,      ///< close frame with a 1-octet payload
    bad_close_code,         ///< close frame with a code outside the receivable set
    invalid_utf8,           ///< text message or close reason that is not UTF-8
    // limits (close 1009)
    message_too_big,        ///< message over the message size limit
    frame_too_big,          ///< frame over the frame size limit
    too_many_fragments,     ///< message in more fragments than the fragment limit
};

/// Reasons an upgrade request is refused: category "squall.handshake". Each has one HTTP
/// status (http_status_for), in the order of DESIGN §1.1.
enum class handshake_error {
    bad_request_line = 1,   ///< 400: request line is not "METHOD SP target SP HTTP/x.y"
    bad_header,             ///< 400: header syntax, obs-fold, NUL, non-token name
    head_too_large,         ///< 431: request head over the head limit
    not_websocket,          ///< 400: plain HTTP and no plain-HTTP responder
    route_not_found,        ///< 404: no route for the path
    bad_method,             ///< 400: method is not GET
    bad_http_version,       ///< 400: not HTTP/1.1 (the only version an upgrade can use)
    bad_upgrade,            ///< 400: Upgrade does not list websocket
    bad_connection,         ///< 400: Connection does not list upgrade
    origin_rejected,        ///< 403: origin policy said no
    bad_version,            ///< 426: Sec-WebSocket-Version missing or not 13
    missing_host,           ///< 400: no Host header
    bad_sec_key,            ///< 400: Sec-WebSocket-Key missing or not base64 of 16 octets
    too_many_connections,   ///< 503: max_connections reached
    admission_rejected,     ///< the admission policy's status (403 when it gives none)
    bad_admission_result,   ///< 500: admission chose a subprotocol not offered, or a bad header
};

/// Conditions users compare against: `if (ec == squall::condition::timeout)`.
enum class condition {
    handshake_failed = 1,
    protocol_violation,
    limit_exceeded,
    timeout,
    closed,
};

} // namespace squall::inline v0

template <> struct std::is_error_code_enum<squall::error> : std::true_type {};
template <> struct std::is_error_code_enum<squall::handshake_error> : std::true_type {};
template <> struct std::is_error_condition_enum<squall::condition> : std::true_type {};

namespace squall::inline v0 {

const std::error_category& error_category() noexcept;
const std::error_category& handshake_category() noexcept;
const std::error_category& condition_category() noexcept;

inline std::error_code make_error_code(error e) noexcept { return {static_cast<int>(e), error_category()}; }
/// An enumerator that may be error{} (no fault) as a std::error_code: the empty code for
/// error{}. Hot paths carry the bare enumerator and convert only here.
inline std::error_code to_error_code(error e) noexcept { return e == error{} ? std::error_code{} : make_error_code(e); }
inline std::error_code make_error_code(handshake_error e) noexcept {
    return {static_cast<int>(e), handshake_category()};
}
inline std::error_condition make_error_condition(condition c) noexcept {
    return {static_cast<int>(c), condition_category()};
}

/// The condition an error belongs to, if any.
constexpr bool is_in(error e, condition c) noexcept {
    switch (c) {
    case condition::handshake_failed: return e == error::handshake_timeout;
    case condition::protocol_violation: return e >= error::reserved_bits && e <= error::invalid_utf8;
    case condition::limit_exceeded:
        return e == error::send_queue_full || (e >= error::message_too_big && e <= error::too_many_fragments);
    case condition::timeout:
        return e == error::handshake_timeout || e == error::close_timeout || e == error::ping_timeout;
    case condition::closed: return e == error::closed || e == error::aborted || e == error::eof;
    }
    return false;
}
constexpr bool is_in(handshake_error e, condition c) noexcept {
    return c == condition::handshake_failed ||
           (c == condition::limit_exceeded &&
            (e == handshake_error::head_too_large || e == handshake_error::too_many_connections));
}

/// The HTTP status squall answers a refused upgrade with (DESIGN §1.1). Total over the enum;
/// admission_rejected gives 403, the status used when an admission policy names none.
constexpr int http_status_for(handshake_error e) noexcept {
    switch (e) {
    case handshake_error::head_too_large: return 431;
    case handshake_error::route_not_found: return 404;
    case handshake_error::origin_rejected: return 403;
    case handshake_error::admission_rejected: return 403;
    case handshake_error::bad_version: return 426;
    case handshake_error::too_many_connections: return 503;
    case handshake_error::bad_admission_result: return 500;
    case handshake_error::bad_request_line:
    case handshake_error::bad_header:
    case handshake_error::not_websocket:
    case handshake_error::bad_method:
    case handshake_error::bad_http_version:
    case handshake_error::bad_upgrade:
    case handshake_error::bad_connection:
    case handshake_error::missing_host:
    case handshake_error::bad_sec_key: return 400;
    }
    return 400;
}

/// The close code squall sends when this error ends an open connection (DESIGN §1.2).
/// Errors that end a connection without a close frame (timeouts, abort, EOF) or that do not
/// end it at all (usage errors) give close_code::abnormal (1006), which is never sent.
constexpr close_code close_code_for(error e) noexcept {
    if (e == error::invalid_utf8) return close_code::invalid_payload;
    if (is_in(e, condition::protocol_violation)) return close_code::protocol_error;
    if (e >= error::message_too_big && e <= error::too_many_fragments) return close_code::message_too_big;
    if (e == error::handler_exception) return close_code::internal_error;
    return close_code::abnormal;
}

namespace detail {

inline const char* message_of(error e) noexcept {
    switch (e) {
    case error::closed: return "The WebSocket connection is closing or closed, so nothing more can be sent on it.";
    case error::send_queue_full: return "The send queue already holds its cap of bytes, so the message was not queued.";
    case error::json_encode_failed: return "The JSON encoder could not encode the value, so nothing was sent.";
    case error::close_code_not_sendable: return "The close code is not one a server may send (1000-1003, 1007-1009, 1011-1014, 3000-4999).";
    case error::close_reason_too_long: return "The close reason is longer than 123 octets.";
    case error::close_reason_not_utf8: return "The close reason is not valid UTF-8.";
    case error::control_payload_too_big: return "A control frame payload must be 125 octets or fewer.";
    case error::aborted: return "The connection was aborted by the application.";
    case error::eof: return "The peer closed the TCP connection without a WebSocket close frame.";
    case error::handler_exception: return "A handler threw an exception, so the connection was closed with 1011.";
    case error::handshake_timeout: return "The client did not complete its upgrade request before the handshake deadline.";
    case error::close_timeout: return "The peer did not answer the close frame before the closing deadline.";
    case error::ping_timeout: return "Nothing was received from the peer within the pong timeout after a ping.";
    case error::reserved_bits: return "The peer sent a frame with reserved bits set and no extension negotiated.";
    case error::bad_opcode: return "The peer sent a frame with a reserved opcode.";
    case error::unmasked_frame: return "The client sent a frame without masking it.";
    case error::bad_payload_length: return "The peer sent a frame length that is not minimally encoded or has its top bit set.";
    case error::control_frame_too_big: return "The peer sent a control frame with a payload over 125 octets.";
    case error::fragmented_control_frame: return "The peer sent a fragmented control frame.";
    case error::unexpected_continuation: return "The peer sent a continuation frame with no message in progress.";
    case error::expected_continuation: return "The peer started a new data message before finishing the fragmented one in progress.";
    case error::bad_close_payload: return "The peer sent a close frame with a 1-octet payload.";
    case error::bad_close_code: return "The peer sent a close frame with a code that may not be sent.";
    case error::invalid_utf8: return "The peer sent text that is not valid UTF-8.";
    case error::message_too_big: return "The peer sent a message larger than the message size limit.";
    case error::frame_too_big: return "The peer sent a frame larger than the frame size limit.";
    case error::too_many_fragments: return "The peer sent a message in more fragments than the fragment limit.";
    }
    return "Unknown squall error.";
}

inline const char* message_of(handshake_error e) noexcept {
    switch (e) {
    case handshake_error::bad_request_line: return "The HTTP request line is malformed.";
    case handshake_error::bad_header: return "An HTTP request header is malformed.";
    case handshake_error::head_too_large: return "The HTTP request head is larger than the head limit.";
    case handshake_error::not_websocket: return "Can Upgrade only to WebSocket.";
    case handshake_error::route_not_found: return "No WebSocket route serves this path.";
    case handshake_error::bad_method: return "The WebSocket upgrade request must use the GET method.";
    case handshake_error::bad_http_version: return "The WebSocket upgrade request must use HTTP/1.1.";
    case handshake_error::bad_upgrade: return "The Upgrade header does not list websocket.";
    case handshake_error::bad_connection: return "The Connection header does not list upgrade.";
    case handshake_error::origin_rejected: return "The request's Origin is not allowed.";
    case handshake_error::bad_version: return "The Sec-WebSocket-Version header is missing or not 13.";
    case handshake_error::missing_host: return "The Host header is missing.";
    case handshake_error::bad_sec_key: return "The Sec-WebSocket-Key header is missing or not the base64 of 16 octets.";
    case handshake_error::too_many_connections: return "The server holds its maximum number of connections.";
    case handshake_error::admission_rejected: return "The server's admission policy refused the request.";
    case handshake_error::bad_admission_result: return "The admission policy chose a subprotocol the client did not offer or gave a malformed header.";
    }
    return "Unknown squall handshake error.";
}

class error_category_impl final : public std::error_category {
public:
    const char* name() const noexcept override { return "squall"; }
    std::string message(int ev) const override { return message_of(static_cast<error>(ev)); }
    std::error_condition default_error_condition(int ev) const noexcept override {
        const auto e = static_cast<error>(ev);
        // Usage errors with bad arguments also compare equal to std::errc::invalid_argument.
        if (e >= error::close_code_not_sendable && e <= error::control_payload_too_big)
            return std::errc::invalid_argument;
        return {ev, *this};
    }
    bool equivalent(int ev, const std::error_condition& cond) const noexcept override {
        if (cond.category() == condition_category())
            return is_in(static_cast<error>(ev), static_cast<condition>(cond.value()));
        return default_error_condition(ev) == cond;
    }
};

class handshake_category_impl final : public std::error_category {
public:
    const char* name() const noexcept override { return "squall.handshake"; }
    std::string message(int ev) const override { return message_of(static_cast<handshake_error>(ev)); }
    bool equivalent(int ev, const std::error_condition& cond) const noexcept override {
        if (cond.category() == condition_category())
            return is_in(static_cast<handshake_error>(ev), static_cast<condition>(cond.value()));
        return default_error_condition(ev) == cond;
    }
};

class condition_category_impl final : public std::error_category {
public:
    const char* name() const noexcept override { return "squall.condition"; }
    std::string message(int ev) const override {
        switch (static_cast<condition>(ev)) {
        case condition::handshake_failed: return "The WebSocket handshake failed.";
        case condition::protocol_violation: return "The peer violated the WebSocket protocol.";
        case condition::limit_exceeded: return "A configured limit was exceeded.";
        case condition::timeout: return "A deadline expired.";
        case condition::closed: return "The connection is closed.";
        }
        return "Unknown squall condition.";
    }
};

} // namespace detail

inline const std::error_category& error_category() noexcept {
    static const detail::error_category_impl c;
    return c;
}
inline const std::error_category& handshake_category() noexcept {
    static const detail::handshake_category_impl c;
    return c;
}
inline const std::error_category& condition_category() noexcept {
    static const detail::condition_category_impl c;
    return c;
}

/// Thrown by the throwing forms of send/send_json/ping/close on a closing or closed
/// connection (Tornado's WebSocketClosedError).
class closed_error : public std::system_error {
public:
    closed_error() : std::system_error(make_error_code(error::closed)) {}
};

} // namespace squall::inline v0
