// squall/protocol/utf8.hpp: incremental UTF-8 validation (RFC 3629 §4) for text messages and
// close reasons. It fails on the first invalid octet, even mid-frame, so a peer streaming bad
// text is closed with 1007 at once (RFC 6455 §8.1). Standard library only; never allocates.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace squall::inline v0::protocol {

/// Validates a byte stream split anywhere across feed() calls.
class utf8_validator {
public:
    /// Consumes n octets. Returns false at the first octet that cannot start or continue a
    /// well-formed sequence (overlong forms, surrogates, code points above U+10FFFF, stray
    /// continuation octets); the validator then stays failed until reset().
    bool feed(const std::uint8_t* p, std::size_t n) noexcept {
        if (failed_) return false;
        std::size_t i = 0;
        while (i < n) {
            if (need_ == 0) {
                // ASCII fast path: 16 octets per turn while none has its top bit set.
                while (i + 16 <= n) {
                    std::uint64_t a, b;
                    std::memcpy(&a, p + i, 8);
                    std::memcpy(&b, p + i + 8, 8);
                    if (((a | b) & 0x8080808080808080ULL) != 0) break;
                    i += 16;
                }
                while (i < n && p[i] < 0x80) ++i;
                if (i == n) break;
                const std::uint8_t c = p[i++];
                // Lead octets per RFC 3629 §4; the bounds of the first continuation octet
                // exclude overlongs (E0, F0), surrogates (ED) and > U+10FFFF (F4).
                if (c >= 0xC2 && c <= 0xDF) { need_ = 1; lo_ = 0x80; hi_ = 0xBF; }
                else if (c == 0xE0) { need_ = 2; lo_ = 0xA0; hi_ = 0xBF; }
                else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) { need_ = 2; lo_ = 0x80; hi_ = 0xBF; }
                else if (c == 0xED) { need_ = 2; lo_ = 0x80; hi_ = 0x9F; }
                else if (c == 0xF0) { need_ = 3; lo_ = 0x90; hi_ = 0xBF; }
                else if (c >= 0xF1 && c <= 0xF3) { need_ = 3; lo_ = 0x80; hi_ = 0xBF; }
                else if (c == 0xF4) { need_ = 3; lo_ = 0x80; hi_ = 0x8F; }
                else return fail();
            } else {
                const std::uint8_t c = p[i++];
                if (c < lo_ || c > hi_) return fail();
                lo_ = 0x80;
                hi_ = 0xBF;
                --need_;
            }
        }
        return true;
    }
    bool feed(std::string_view s) noexcept { return feed(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()); }

    /// True when everything fed so far is valid and no sequence is left unfinished: check
    /// this at the end of a message (a truncated final sequence is invalid).
    bool complete() const noexcept { return !failed_ && need_ == 0; }
    bool failed() const noexcept { return failed_; }
    void reset() noexcept { need_ = 0; lo_ = 0x80; hi_ = 0xBF; failed_ = false; }

private:
    bool fail() noexcept {
        failed_ = true;
        return false;
    }
    std::uint8_t need_ = 0; // continuation octets still expected
    std::uint8_t lo_ = 0x80, hi_ = 0xBF; // allowed range of the next continuation octet
    bool failed_ = false;
};

/// Whole-string check.
inline bool is_valid_utf8(std::string_view s) noexcept {
    utf8_validator v;
    return v.feed(s) && v.complete();
}

} // namespace squall::inline v0::protocol
