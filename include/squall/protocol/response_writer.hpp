// squall/protocol/response_writer.hpp: the bytes of the server's answer to an upgrade request:
// the 101 (RFC 6455 §4.2.2 item 5) and plain responses for rejections (RFC 9110, RFC 9112).
// Sans-IO: NO Asio, NO policies; appends to a caller-owned std::string.
#pragma once

#include <squall/detail/ascii.hpp>
#include <squall/error.hpp>
#include <squall/protocol/handshake.hpp>
#include <squall/request.hpp>

#include <array>
#include <charconv>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <system_error>

namespace squall::inline v0::protocol {

/// What admission adds to the 101: the chosen subprotocol (empty for none; it must be one the
/// client offered) and extra headers (e.g. Set-Cookie).
struct accept_options {
    std::string_view subprotocol{};
    std::span<const header_field> headers{};
};

/// The reason phrase squall writes for a status (RFC 9110 §15); "Unknown" for others (the
/// phrase is informational only, RFC 9112 §4).
constexpr std::string_view reason_phrase(int status) noexcept {
    switch (status) {
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 426: return "Upgrade Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Unknown";
    }
}

} // namespace squall::inline v0::protocol

namespace squall::inline v0::detail {

/// Whether a header given by an application may be written: the name a token (RFC 9110
/// §5.1) and the value field-value characters only (RFC 9110 §5.5), so no CR, LF, NUL or other
/// control byte can inject a header or end the head early.
constexpr bool is_writable_header(const header_field& f) noexcept {
    if (!is_token(f.name)) return false;
    for (char c : f.value)
        if (!is_field_value_char(c)) return false;
    return true;
}

template <std::size_t N>
constexpr bool names_any(std::string_view name, const std::array<std::string_view, N>& names) noexcept {
    for (std::string_view n : names)
        if (iequals(name, n)) return true;
    return false;
}

template <class Out> void append_header(Out& out, std::string_view name, std::string_view value) {
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
}

template <class Out> void append_number(Out& out, std::size_t n) {
    std::array<char, 24> buf{};
    const auto r = std::to_chars(buf.data(), buf.data() + buf.size(), n);
    out += std::string_view(buf.data(), static_cast<std::size_t>(r.ptr - buf.data()));
}

// Headers squall writes itself in a 101: an application may not add a second one. We negotiate
// no extension, so Sec-WebSocket-Extensions is never echoed (RFC 6455 §9.1).
inline constexpr std::array<std::string_view, 5> accept_owned_headers = {
    "Upgrade", "Connection", "Sec-WebSocket-Accept", "Sec-WebSocket-Protocol", "Sec-WebSocket-Extensions"};

// Headers squall writes itself in a plain response; Transfer-Encoding would contradict the
// Content-Length it writes (RFC 9112 §6.3).
inline constexpr std::array<std::string_view, 3> response_owned_headers = {"Content-Length", "Connection",
                                                                            "Transfer-Encoding"};

} // namespace squall::inline v0::detail

namespace squall::inline v0::protocol {

/// Appends the 101 Switching Protocols response (RFC 6455 §4.2.2 item 5): Upgrade, Connection,
/// Sec-WebSocket-Accept for `client_key`, Sec-WebSocket-Protocol only when `opts.subprotocol` is
/// non-empty, a token and offered by the client (req.offers, case-sensitive), then opts.headers.
/// Fails with bad_admission_result, appending nothing, when the subprotocol was not offered, or
/// an extra header has a non-token name, a value with a control byte (CR, LF, NUL, ...), or a
/// name squall writes itself (Upgrade, Connection, Sec-WebSocket-Accept, -Protocol, -Extensions).
/// `Out` is std::string or byte_buffer (anything with += for string_view and char).
template <class Out>
std::error_code write_accept(const request_view& req, std::string_view client_key, const accept_options& opts,
                             Out& out) {
    if (!opts.subprotocol.empty() && (!detail::is_token(opts.subprotocol) || !req.offers(opts.subprotocol)))
        return make_error_code(handshake_error::bad_admission_result);
    for (const header_field& f : opts.headers)
        if (!detail::is_writable_header(f) || detail::names_any(f.name, detail::accept_owned_headers))
            return make_error_code(handshake_error::bad_admission_result);
    const std::array<char, 28> accept = accept_key(client_key);
    out += "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n";
    detail::append_header(out, "Sec-WebSocket-Accept", std::string_view{accept.data(), accept.size()});
    if (!opts.subprotocol.empty()) detail::append_header(out, "Sec-WebSocket-Protocol", opts.subprotocol);
    for (const header_field& f : opts.headers) detail::append_header(out, f.name, f.value);
    out += "\r\n";
    return {};
}

/// Appends a final response that ends the connection: `HTTP/1.1 <status> <reason>`, `headers`,
/// Content-Length, Content-Type "text/plain; charset=utf-8" when there is a body and `headers`
/// has no Content-Type, "Connection: close", the empty line and the body.
/// A status outside 200..599 becomes 500: 1xx responses are interim, and a 101 here would tell
/// the client it was upgraded. 204 and 304 carry no Content-Length (RFC 9110 §8.6).
/// Fails with bad_admission_result, appending nothing, when a header has a non-token name, a
/// value with a control byte, or is one squall writes (Content-Length, Connection,
/// Transfer-Encoding), or when a 204 or 304 is given a body (RFC 9110 §15.3.5, §15.4.5).
template <class Out>
std::error_code write_response(int status, std::span<const header_field> headers, std::string_view body, Out& out) {
    if (status < 200 || status > 599) status = 500;
    const bool no_content = status == 204 || status == 304;
    if (no_content && !body.empty()) return make_error_code(handshake_error::bad_admission_result);
    bool has_content_type = false;
    for (const header_field& f : headers) {
        if (!detail::is_writable_header(f) || detail::names_any(f.name, detail::response_owned_headers))
            return make_error_code(handshake_error::bad_admission_result);
        has_content_type = has_content_type || detail::iequals(f.name, "Content-Type");
    }
    out += "HTTP/1.1 ";
    detail::append_number(out, static_cast<std::size_t>(status));
    out += ' ';
    out += reason_phrase(status);
    out += "\r\n";
    for (const header_field& f : headers) detail::append_header(out, f.name, f.value);
    if (!no_content) {
        out += "Content-Length: ";
        detail::append_number(out, body.size());
        out += "\r\n";
    }
    if (!body.empty() && !has_content_type) out += "Content-Type: text/plain; charset=utf-8\r\n";
    out += "Connection: close\r\n\r\n";
    out += body;
    return {};
}

/// Appends the rejection for a failed handshake step: status http_status_for(err) (500 when
/// `err` is not a handshake_error), a plain-text body of the error's message and a newline, and
/// for 426 the `Sec-WebSocket-Version: 13` header RFC 6455 §4.4 asks for.
template <class Out> void write_rejection(std::error_code err, Out& out) {
    const bool handshake = err.category() == handshake_category();
    const int status = handshake ? http_status_for(static_cast<handshake_error>(err.value())) : 500;
    const std::string body = err.message() + "\n";
    static constexpr std::array<header_field, 1> version_header = {header_field{"Sec-WebSocket-Version", "13"}};
    const std::span<const header_field> headers =
        status == 426 ? std::span<const header_field>{version_header} : std::span<const header_field>{};
    // Cannot fail: the only header is a constant and the status has a body-permitting value.
    (void)write_response(status, headers, body, out);
}

} // namespace squall::inline v0::protocol
