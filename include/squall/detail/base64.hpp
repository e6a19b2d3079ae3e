// squall/detail/base64.hpp: base64 with the standard alphabet and padding (RFC 4648 §4):
// an encoder, and a strict decoder for Sec-WebSocket-Key (RFC 6455 §4.1, §4.2.1 item 5).
// Private; standard library only (no Asio, no other squall header).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace squall::inline v0 {
namespace detail {

inline constexpr std::string_view base64_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Length of the padded encoding of n octets.
constexpr std::size_t base64_encoded_size(std::size_t n) noexcept { return (n + 2) / 3 * 4; }

/// Encodes `in` into `out`, which must hold base64_encoded_size(in.size()) chars; returns the
/// number written. If `out` is too small, nothing is written and 0 is returned. Allocates nothing.
constexpr std::size_t base64_encode(std::span<const std::uint8_t> in, std::span<char> out) noexcept {
    const std::size_t need = base64_encoded_size(in.size());
    if (out.size() < need) return 0;
    std::size_t o = 0;
    std::size_t i = 0;
    for (; i + 3 <= in.size(); i += 3) {
        const std::uint32_t v = (std::uint32_t{in[i]} << 16) | (std::uint32_t{in[i + 1]} << 8) | in[i + 2];
        out[o++] = base64_alphabet[(v >> 18) & 63];
        out[o++] = base64_alphabet[(v >> 12) & 63];
        out[o++] = base64_alphabet[(v >> 6) & 63];
        out[o++] = base64_alphabet[v & 63];
    }
    const std::size_t rest = in.size() - i;
    if (rest != 0) {
        const std::uint32_t v = (std::uint32_t{in[i]} << 16) | (rest == 2 ? std::uint32_t{in[i + 1]} << 8 : 0U);
        out[o++] = base64_alphabet[(v >> 18) & 63];
        out[o++] = base64_alphabet[(v >> 12) & 63];
        out[o++] = rest == 2 ? base64_alphabet[(v >> 6) & 63] : '=';
        out[o++] = '=';
    }
    return o;
}

/// Appends the encoding of `in` to `out`.
inline void base64_encode(std::span<const std::uint8_t> in, std::string& out) {
    const std::size_t old = out.size();
    out.resize(old + base64_encoded_size(in.size()));
    base64_encode(in, std::span<char>{out.data() + old, out.size() - old});
}

/// Appends the encoding of the bytes of `in` to `out`.
inline void base64_encode(std::string_view in, std::string& out) {
    base64_encode(std::span<const std::uint8_t>{reinterpret_cast<const std::uint8_t*>(in.data()), in.size()}, out);
}

/// The 6-bit value of a base64 character, or -1 for anything outside the standard alphabet
/// (including '=', whitespace, and the URL-safe '-' and '_').
constexpr int base64_value(char c) noexcept {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

/// The decoded size of `in` if it is canonical padded base64, else nullopt. Strict (RFC 4648
/// §3.1-§3.5): the length is a multiple of 4; only alphabet characters, then at most two '='
/// at the very end; no whitespace or line breaks; the bits a padded group leaves unused are
/// zero, so every octet string has exactly one accepted encoding. The empty string gives 0.
constexpr std::optional<std::size_t> base64_decoded_size_if_valid(std::string_view in) noexcept {
    if (in.size() % 4 != 0) return std::nullopt;
    if (in.empty()) return std::size_t{0};
    std::size_t pad = 0;
    if (in[in.size() - 1] == '=') pad = (in[in.size() - 2] == '=') ? 2 : 1;
    const std::size_t data_chars = in.size() - pad;
    for (std::size_t i = 0; i < data_chars; ++i)
        if (base64_value(in[i]) < 0) return std::nullopt;
    // Non-canonical trailing bits: "QQ==" is 'A'; "QR==" would decode to 'A' too but is rejected.
    const int last = base64_value(in[data_chars - 1]);
    if (pad == 2 && (last & 0x0F) != 0) return std::nullopt;
    if (pad == 1 && (last & 0x03) != 0) return std::nullopt;
    return in.size() / 4 * 3 - pad;
}

/// Decodes strictly (see base64_decoded_size_if_valid) into `out`; returns the number of
/// octets written, or nullopt (writing nothing) when `in` is not valid or `out` is too small.
constexpr std::optional<std::size_t> base64_decode(std::string_view in, std::span<std::uint8_t> out) noexcept {
    const std::optional<std::size_t> size = base64_decoded_size_if_valid(in);
    if (!size || out.size() < *size) return std::nullopt;
    std::size_t o = 0;
    for (std::size_t i = 0; i < in.size(); i += 4) {
        std::uint32_t v = 0;
        for (std::size_t j = 0; j < 4; ++j) {
            const int d = base64_value(in[i + j]);
            v = (v << 6) | static_cast<std::uint32_t>(d < 0 ? 0 : d);
        }
        const std::uint8_t bytes[3] = {static_cast<std::uint8_t>(v >> 16), static_cast<std::uint8_t>(v >> 8),
                                       static_cast<std::uint8_t>(v)};
        for (std::size_t j = 0; j < 3 && o < *size; ++j) out[o++] = bytes[j];
    }
    return size;
}

} // namespace detail
} // namespace squall::inline v0
