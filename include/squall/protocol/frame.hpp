// squall/protocol/frame.hpp: RFC 6455 §5.2 base framing: opcodes, header decode/encode and
// masking. Sans-IO: standard library only, never Asio; nothing here allocates except the
// append_* helpers, which grow the caller's string.
#pragma once

#include <squall/config.hpp>
#include <squall/protocol/byte_buffer.hpp>

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

namespace squall::inline v0 {

/// Frame opcodes (RFC 6455 §5.2, §11.8). 3-7 and 11-15 are reserved.
enum class opcode : std::uint8_t {
    continuation = 0x0,
    text = 0x1,
    binary = 0x2,
    close = 0x8,
    ping = 0x9,
    pong = 0xA,
};

constexpr bool is_control(opcode op) noexcept { return (static_cast<std::uint8_t>(op) & 0x8) != 0; }
constexpr bool is_known_opcode(std::uint8_t op) noexcept { return op <= 0x2 || (op >= 0x8 && op <= 0xA); }

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(SQUALL_NO_AVX2)
#define SQUALL_MASK_AVX2 1
namespace detail {
// x86-64 builds target SSE2 only by default; where the CPU has AVX2 (every x86-64 server CPU
// since 2013) the long unmask runs in 32-octet words, chosen once at run time. Half the
// instructions of the 16-octet loop; the 4 KiB echo spent 2.7 % of its CPU unmasking.
inline bool cpu_has_avx2() noexcept {
    static const bool has = [] {
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") != 0;
    }();
    return has;
}
// XORs whole 128-octet blocks from the front of data with the 8-octet key word k; returns
// how many octets it did (a multiple of 128, hence of 4: the key phase is unchanged).
__attribute__((target("avx2"))) inline std::size_t xor_blocks_avx2(std::uint8_t* data, std::size_t n,
                                                                   std::uint64_t k) noexcept {
    using word32 = std::uint64_t __attribute__((vector_size(32)));
    const word32 kk = {k, k, k, k};
    std::size_t i = 0;
    for (; i + 128 <= n; i += 128) {
        word32 w0, w1, w2, w3;
        std::memcpy(&w0, data + i, 32);
        std::memcpy(&w1, data + i + 32, 32);
        std::memcpy(&w2, data + i + 64, 32);
        std::memcpy(&w3, data + i + 96, 32);
        w0 ^= kk;
        w1 ^= kk;
        w2 ^= kk;
        w3 ^= kk;
        std::memcpy(data + i, &w0, 32);
        std::memcpy(data + i + 32, &w1, 32);
        std::memcpy(data + i + 64, &w2, 32);
        std::memcpy(data + i + 96, &w3, 32);
    }
    return i;
}
} // namespace detail
#endif

namespace protocol {

/// Largest header: 2 octets + 8 octets of extended length + 4 octets of mask.
inline constexpr std::size_t max_frame_header_bytes = 14;
/// Control frames carry at most 125 octets (RFC 6455 §5.5).
inline constexpr std::size_t max_control_payload = 125;

/// Widest member first: 16 octets, not 24, inside every connection's frame parser.
struct frame_header {
    std::uint64_t payload_length = 0;
    std::array<std::uint8_t, 4> mask{};
    bool fin = true;
    std::uint8_t rsv = 0; ///< RSV1..RSV3 as bits 0x4, 0x2, 0x1
    opcode op = opcode::text;
    bool masked = false;
};

/// Size of the header that encode_header writes for this length and masking.
constexpr std::size_t header_size(std::uint64_t payload_length, bool masked) noexcept {
    const std::size_t base = payload_length < 126 ? 2 : payload_length <= 0xFFFF ? 4 : 10;
    return base + (masked ? 4 : 0);
}

/// Writes the header into out (at least max_frame_header_bytes long) with the minimal
/// length encoding RFC 6455 §5.2 requires; returns the number of octets written.
constexpr std::size_t encode_header(std::uint8_t* out, const frame_header& h) noexcept {
    out[0] = static_cast<std::uint8_t>((h.fin ? 0x80 : 0) | ((h.rsv & 0x7) << 4) |
                                       static_cast<std::uint8_t>(h.op));
    const std::uint8_t mask_bit = h.masked ? 0x80 : 0;
    std::size_t n = 2;
    if (h.payload_length < 126) {
        out[1] = static_cast<std::uint8_t>(mask_bit | h.payload_length);
    } else if (h.payload_length <= 0xFFFF) {
        out[1] = static_cast<std::uint8_t>(mask_bit | 126);
        out[2] = static_cast<std::uint8_t>(h.payload_length >> 8);
        out[3] = static_cast<std::uint8_t>(h.payload_length);
        n = 4;
    } else {
        out[1] = static_cast<std::uint8_t>(mask_bit | 127);
        for (int i = 0; i < 8; ++i) out[2 + i] = static_cast<std::uint8_t>(h.payload_length >> (56 - 8 * i));
        n = 10;
    }
    if (h.masked) {
        for (std::size_t i = 0; i < 4; ++i) out[n + i] = h.mask[i];
        n += 4;
    }
    return n;
}


/// XORs data with the 4-octet key, starting at key octet `phase` (0-3), in place; returns the
/// phase after the last octet so a payload split across calls unmasks correctly.
/// Eight octets at a time through memcpy (any alignment), 64 per loop turn so compilers
/// vectorize it: the unmask must run near memcpy speed (DESIGN §6). The rotated key is made
/// with a register rotate, not byte stores: a byte-built key read back as one word stalls
/// store forwarding (5 ns per call on GCC 12, measured by bench/micro).
inline std::size_t apply_mask(std::uint8_t* data, std::size_t n, const std::array<std::uint8_t, 4>& key,
                              std::size_t phase) noexcept {
    phase &= 3;
    if (n >= 16) {
        std::uint32_t k32;
        std::memcpy(&k32, key.data(), 4);
        if (phase != 0) {
            // In memory order the word must start at key[phase].
            const unsigned shift = static_cast<unsigned>(phase) * 8;
            if constexpr (std::endian::native == std::endian::little) k32 = (k32 >> shift) | (k32 << (32 - shift));
            else k32 = (k32 << shift) | (k32 >> (32 - shift));
        }
        const std::uint64_t k = (std::uint64_t{k32} << 32) | k32;
        std::size_t i = 0;
#if SQUALL_MASK_AVX2
        if (n >= 256 && squall::detail::cpu_has_avx2()) i = squall::detail::xor_blocks_avx2(data, n, k);
#endif
#if defined(__GNUC__) // GCC and Clang: 16-octet vector words (SSE2/NEON); GCC 12 does not
                      // vectorize the scalar form in place (it spills it through the stack)
        using word16 = std::uint64_t __attribute__((vector_size(16)));
        const word16 kk = {k, k};
        for (; i + 64 <= n; i += 64) {
            word16 w0, w1, w2, w3;
            std::memcpy(&w0, data + i, 16);
            std::memcpy(&w1, data + i + 16, 16);
            std::memcpy(&w2, data + i + 32, 16);
            std::memcpy(&w3, data + i + 48, 16);
            w0 ^= kk;
            w1 ^= kk;
            w2 ^= kk;
            w3 ^= kk;
            std::memcpy(data + i, &w0, 16);
            std::memcpy(data + i + 16, &w1, 16);
            std::memcpy(data + i + 32, &w2, 16);
            std::memcpy(data + i + 48, &w3, 16);
        }
#endif
        for (; i + 8 <= n; i += 8) {
            std::uint64_t w;
            std::memcpy(&w, data + i, 8);
            w ^= k;
            std::memcpy(data + i, &w, 8);
        }
        data += i;
        n -= i;
        // i is a multiple of 8, hence of 4: the phase is unchanged here.
    }
    for (std::size_t i = 0; i < n; ++i) data[i] ^= key[(phase + i) & 3];
    return (phase + n) & 3;
}

/// apply_mask from the key's first octet, as for a whole frame; payloads of up to 32 octets
/// are unmasked inline in 8-octet words (for a 16-octet message the call and the phase
/// rotation cost more than the XOR, and 8-octet stores forward to the 8-octet loads that
/// copy the payload on; one 16-octet load of two such stores stalls).
inline void unmask_frame(std::uint8_t* data, std::size_t n, const std::array<std::uint8_t, 4>& key) noexcept {
    if (n > 32) {
        apply_mask(data, n, key, 0);
        return;
    }
    std::uint32_t k32;
    std::memcpy(&k32, key.data(), 4);
    const std::uint64_t k = (std::uint64_t{k32} << 32) | k32;
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        std::uint64_t w;
        std::memcpy(&w, data + i, 8);
        w ^= k;
        std::memcpy(data + i, &w, 8);
    }
    for (; i < n; ++i) data[i] ^= key[i & 3];
}

/// memcpy, with up to 16 octets copied inline in two overlapping words (a libc call for a
/// 16-octet payload costs more than the copy, and its 16-octet load stalls on the unmask's
/// two 8-octet stores just before).
inline void copy_payload(std::uint8_t* to, const std::uint8_t* from, std::size_t n) noexcept {
    if (n > 16) {
        std::memcpy(to, from, n);
    } else if (n >= 8) {
        std::uint64_t a, b;
        std::memcpy(&a, from, 8);
        std::memcpy(&b, from + n - 8, 8);
        std::memcpy(to, &a, 8);
        std::memcpy(to + n - 8, &b, 8);
    } else if (n >= 4) {
        std::uint32_t a, b;
        std::memcpy(&a, from, 4);
        std::memcpy(&b, from + n - 4, 4);
        std::memcpy(to, &a, 4);
        std::memcpy(to + n - 4, &b, 4);
    } else {
        for (std::size_t i = 0; i < n; ++i) to[i] = from[i];
    }
}

/// Appends one unmasked (server) frame: header and payload.
inline void append_frame(std::string& out, opcode op, std::span<const std::uint8_t> payload, bool fin = true) {
    std::uint8_t hdr[max_frame_header_bytes];
    const auto n = encode_header(hdr, frame_header{.payload_length = payload.size(), .fin = fin, .op = op});
    out.append(reinterpret_cast<const char*>(hdr), n);
    out.append(reinterpret_cast<const char*>(payload.data()), payload.size());
}
/// The same into a connection's output buffer: header and payload with one size check. The
/// header is encoded in place: built in a local array and copied, its octet stores were
/// reread as one word, a store-forwarding stall per frame (perf annotate, 16-octet echo).
inline void append_frame(byte_buffer& out, opcode op, std::span<const std::uint8_t> payload, bool fin = true) {
    const std::size_t n = header_size(payload.size(), false);
    std::uint8_t* p = out.extend(n + payload.size());
    encode_header(p, frame_header{.payload_length = payload.size(), .fin = fin, .op = op});
    copy_payload(p + n, payload.data(), payload.size());
}

/// Appends one masked (client) frame. Servers never mask (RFC 6455 §5.1); clients, tests,
/// fuzz seeds and the load generator use this.
inline void append_masked_frame(std::string& out, opcode op, std::span<const std::uint8_t> payload,
                                std::array<std::uint8_t, 4> mask, bool fin = true, std::uint8_t rsv = 0) {
    std::uint8_t hdr[max_frame_header_bytes];
    const auto n = encode_header(hdr, frame_header{.payload_length = payload.size(), .mask = mask, .fin = fin, .rsv = rsv, .op = op, .masked = true});
    out.append(reinterpret_cast<const char*>(hdr), n);
    const auto start = out.size();
    out.append(reinterpret_cast<const char*>(payload.data()), payload.size());
    apply_mask(reinterpret_cast<std::uint8_t*>(out.data() + start), payload.size(), mask, 0);
}

inline std::span<const std::uint8_t> as_bytes(std::string_view s) noexcept {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
inline std::string_view as_text(std::span<const std::uint8_t> b) noexcept {
    return {reinterpret_cast<const char*>(b.data()), b.size()};
}

} // namespace protocol
} // namespace squall::inline v0
