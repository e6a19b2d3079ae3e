// squall/detail/sha1.hpp: SHA-1 (FIPS 180-4 §6.1), incremental and constexpr, for the
// Sec-WebSocket-Accept value of RFC 6455 §4.2.2 (not for security: SHA-1 is only a checksum here).
// Private; standard library only (no Asio, no other squall header); allocates nothing.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace squall::inline v0 {
namespace detail {

/// Incremental SHA-1: any number of update() calls, then finish(). After finish() the object
/// is back in its initial state and can hash another message.
class sha1 {
public:
    static constexpr std::size_t digest_size = 20;
    using digest_type = std::array<std::uint8_t, digest_size>;

    constexpr sha1() noexcept = default;

    constexpr void update(std::span<const std::uint8_t> data) noexcept {
        for (std::uint8_t b : data) push_(b);
    }
    constexpr void update(std::string_view data) noexcept {
        for (char c : data) push_(static_cast<std::uint8_t>(c));
    }

    /// Pads the message (FIPS 180-4 §5.1.1), returns the digest and resets the object.
    constexpr digest_type finish() noexcept {
        const std::uint64_t bit_length = total_bytes_ * 8U;
        push_(0x80);
        while (block_len_ != 56) push_(0x00);
        for (int shift = 56; shift >= 0; shift -= 8) push_(static_cast<std::uint8_t>(bit_length >> shift));
        digest_type out{};
        for (std::size_t i = 0; i < 5; ++i) {
            out[4 * i + 0] = static_cast<std::uint8_t>(h_[i] >> 24);
            out[4 * i + 1] = static_cast<std::uint8_t>(h_[i] >> 16);
            out[4 * i + 2] = static_cast<std::uint8_t>(h_[i] >> 8);
            out[4 * i + 3] = static_cast<std::uint8_t>(h_[i]);
        }
        reset();
        return out;
    }

    constexpr void reset() noexcept { *this = sha1{}; }

private:
    constexpr void push_(std::uint8_t b) noexcept {
        block_[block_len_++] = b;
        ++total_bytes_;
        if (block_len_ == block_.size()) {
            compress_();
            block_len_ = 0;
        }
    }

    // FIPS 180-4 §6.1.2, with the 16-word circular message schedule of §6.1.3.
    constexpr void compress_() noexcept {
        std::array<std::uint32_t, 16> w{};
        for (std::size_t t = 0; t < 16; ++t)
            w[t] = (std::uint32_t{block_[4 * t]} << 24) | (std::uint32_t{block_[4 * t + 1]} << 16) |
                   (std::uint32_t{block_[4 * t + 2]} << 8) | std::uint32_t{block_[4 * t + 3]};
        std::uint32_t a = h_[0], b = h_[1], c = h_[2], d = h_[3], e = h_[4];
        for (std::size_t t = 0; t < 80; ++t) {
            std::uint32_t wt = 0;
            if (t < 16) {
                wt = w[t];
            } else {
                wt = std::rotl(w[(t + 13) & 15] ^ w[(t + 8) & 15] ^ w[(t + 2) & 15] ^ w[t & 15], 1);
                w[t & 15] = wt;
            }
            std::uint32_t f = 0, k = 0;
            if (t < 20) {
                f = (b & c) | (~b & d);
                k = 0x5A827999U;
            } else if (t < 40) {
                f = b ^ c ^ d;
                k = 0x6ED9EBA1U;
            } else if (t < 60) {
                f = (b & c) | (b & d) | (c & d);
                k = 0x8F1BBCDCU;
            } else {
                f = b ^ c ^ d;
                k = 0xCA62C1D6U;
            }
            const std::uint32_t temp = std::rotl(a, 5) + f + e + k + wt;
            e = d;
            d = c;
            c = std::rotl(b, 30);
            b = a;
            a = temp;
        }
        h_[0] += a;
        h_[1] += b;
        h_[2] += c;
        h_[3] += d;
        h_[4] += e;
    }

    std::array<std::uint32_t, 5> h_{0x67452301U, 0xEFCDAB89U, 0x98BADCFEU, 0x10325476U, 0xC3D2E1F0U};
    std::array<std::uint8_t, 64> block_{};
    std::size_t block_len_ = 0;
    std::uint64_t total_bytes_ = 0;
};

/// SHA-1 of one message in one call.
constexpr sha1::digest_type sha1_digest(std::string_view data) noexcept {
    sha1 h;
    h.update(data);
    return h.finish();
}

} // namespace detail
} // namespace squall::inline v0
