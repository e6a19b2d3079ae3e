// squall/policy/size_limit.hpp: the size-limit role (DESIGN §1 "Size limits", §3): the largest
// message, frame and fragment count squall accepts; a peer over a limit gets close 1009.
// Every limit is inclusive. Standard library only: no Asio.
#pragma once

#include <squall/policy/roles.hpp>

#include <concepts>
#include <cstdint>
#include <stdexcept>

namespace squall::inline v0 {

// --- concept --------------------------------------------------------------------------------

/// `max_message_bytes() const`: the largest message payload (after reassembly), inclusive.
template <class P>
concept has_max_message_bytes = requires(const P& p) {
    { p.max_message_bytes() } -> std::convertible_to<std::uint64_t>;
};

/// `max_frame_bytes() const`: the largest single frame payload, inclusive.
template <class P>
concept has_max_frame_bytes = requires(const P& p) {
    { p.max_frame_bytes() } -> std::convertible_to<std::uint64_t>;
};

/// `max_fragments() const`: the most frames one message may arrive in, inclusive.
template <class P>
concept has_max_fragments = requires(const P& p) {
    { p.max_fragments() } -> std::convertible_to<std::uint32_t>;
};

template <class P>
concept size_limit_policy = has_max_message_bytes<P> && has_max_frame_bytes<P> && has_max_fragments<P>;

// --- default --------------------------------------------------------------------------------

/// Limits checked from frame headers before any payload is buffered (DESIGN §1). Defaults:
/// 10 MiB messages (Tornado's), frames up to the message limit, 65,536 fragments (Autobahn
/// 9.3.1 sends 4 MiB in 64-byte fragments). A frame limit above the message limit is clamped
/// to it. Throws std::invalid_argument for a zero limit or a byte limit above max_bytes (2^62).
class message_size_limit {
public:
    using policy_role = size_limit_role;

    static constexpr std::uint64_t default_message_bytes = 10 * 1024 * 1024;
    static constexpr std::uint32_t default_fragments = 65536;
    /// The largest byte limit accepted: in effect "no limit", and safe from overflow in sums.
    static constexpr std::uint64_t max_bytes = std::uint64_t{1} << 62;

    constexpr message_size_limit() noexcept = default;

    constexpr explicit message_size_limit(std::uint64_t message_bytes)
        : message_size_limit(message_bytes, message_bytes, default_fragments) {}

    constexpr message_size_limit(std::uint64_t message_bytes, std::uint64_t frame_bytes,
                                 std::uint32_t fragments = default_fragments)
        : message_bytes_{checked(message_bytes, true)},
          frame_bytes_{checked(frame_bytes, false) < message_bytes_ ? frame_bytes : message_bytes_},
          fragments_{fragments} {
        if (fragments == 0)
            throw std::invalid_argument("The fragment limit must be at least 1: every message has a frame.");
    }

    constexpr std::uint64_t max_message_bytes() const noexcept { return message_bytes_; }
    constexpr std::uint64_t max_frame_bytes() const noexcept { return frame_bytes_; }
    constexpr std::uint32_t max_fragments() const noexcept { return fragments_; }

    friend constexpr bool operator==(const message_size_limit&, const message_size_limit&) noexcept = default;

private:
    static constexpr std::uint64_t checked(std::uint64_t bytes, bool message) {
        if (bytes == 0)
            throw std::invalid_argument(message ? "The message size limit must be at least 1 byte; for no practical "
                                                  "limit use message_size_limit::max_bytes."
                                                : "The frame size limit must be at least 1 byte; for no practical "
                                                  "limit use message_size_limit::max_bytes.");
        if (bytes > max_bytes)
            throw std::invalid_argument(message ? "The message size limit must be at most 2^62 bytes "
                                                  "(message_size_limit::max_bytes)."
                                                : "The frame size limit must be at most 2^62 bytes "
                                                  "(message_size_limit::max_bytes).");
        return bytes;
    }

    std::uint64_t message_bytes_ = default_message_bytes;
    std::uint64_t frame_bytes_ = default_message_bytes;
    std::uint32_t fragments_ = default_fragments;
};

} // namespace squall::inline v0
