// tests/unit/support.hpp: byte-vector helpers shared by the protocol tests.
#pragma once

#include <squall/protocol/frame.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace squall_test {

using bytes = std::vector<std::uint8_t>;

inline constexpr std::array<std::uint8_t, 4> test_mask{0x37, 0xfa, 0x21, 0x3d};

/// One masked client frame.
inline std::string client_frame(squall::opcode op, std::string_view payload, bool fin = true,
                                std::uint8_t rsv = 0, std::array<std::uint8_t, 4> mask = test_mask) {
    std::string out;
    squall::protocol::append_masked_frame(out, op, squall::protocol::as_bytes(payload), mask, fin, rsv);
    return out;
}

inline bytes to_bytes(std::string_view s) { return bytes(s.begin(), s.end()); }

inline std::string repeat(char c, std::size_t n) { return std::string(n, c); }

} // namespace squall_test
