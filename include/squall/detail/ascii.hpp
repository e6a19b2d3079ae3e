// squall/detail/ascii.hpp: locale-free ASCII helpers for HTTP parsing (RFC 9110 §5.6):
// case folding, token characters, OWS trimming and comma-separated token lists.
// Private; standard library only (no Asio, no other squall header); nothing here allocates.
#pragma once

#include <cstddef>
#include <iterator>
#include <string_view>

namespace squall::inline v0 {
namespace detail {

/// ASCII-only lower-casing: HTTP field names and the tokens compared here are ASCII, and the
/// <cctype> functions depend on the C locale.
constexpr char to_lower(char c) noexcept {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

/// ASCII case-insensitive equality (RFC 9110 §5.1: field names are case-insensitive).
constexpr bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (to_lower(a[i]) != to_lower(b[i])) return false;
    return true;
}

/// ASCII case-insensitive prefix test.
constexpr bool istarts_with(std::string_view s, std::string_view prefix) noexcept {
    return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

/// tchar (RFC 9110 §5.6.2): "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
/// "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA.
constexpr bool is_tchar(char c) noexcept {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~': return true;
    default: return false;
    }
}

/// token = 1*tchar (RFC 9110 §5.6.2).
constexpr bool is_token(std::string_view s) noexcept {
    if (s.empty()) return false;
    for (char c : s)
        if (!is_tchar(c)) return false;
    return true;
}

/// OWS = *( SP / HTAB ) (RFC 9110 §5.6.3).
constexpr bool is_ows(char c) noexcept { return c == ' ' || c == '\t'; }

/// VCHAR: visible US-ASCII, 0x21-0x7E (RFC 5234 Appendix B.1).
constexpr bool is_vchar(char c) noexcept { return c > 0x20 && c < 0x7F; }

/// A byte allowed inside a field value (RFC 9110 §5.5): VCHAR, obs-text (0x80-0xFF), SP, HTAB.
/// Everything else (NUL, CR, LF, other controls, DEL) is not.
constexpr bool is_field_value_char(char c) noexcept {
    const auto u = static_cast<unsigned char>(c);
    return (u >= 0x20 && u != 0x7F) || u == '\t';
}

/// The value with leading and trailing OWS removed.
constexpr std::string_view trim_ows(std::string_view s) noexcept {
    std::size_t b = 0;
    std::size_t e = s.size();
    while (b < e && is_ows(s[b])) ++b;
    while (e > b && is_ows(s[e - 1])) --e;
    return s.substr(b, e - b);
}

/// The elements of a comma-separated list (RFC 9110 §5.6.1: `#element`), each with its OWS
/// trimmed; empty elements (",,", a leading or trailing comma) are skipped, as recipients
/// must accept them. Quoted strings are not special-cased: none of the lists squall reads
/// (Upgrade, Connection, Sec-WebSocket-Protocol) may contain them.
/// Usage: `for (std::string_view element : token_list{value}) ...`
class token_list {
public:
    class iterator {
    public:
        // A C++20 forward iterator; only a C++17 input iterator, as it yields values, not references.
        using iterator_concept = std::forward_iterator_tag;
        using iterator_category = std::input_iterator_tag;
        using value_type = std::string_view;
        using difference_type = std::ptrdiff_t;
        using pointer = const std::string_view*;
        using reference = std::string_view;

        /// The end iterator.
        constexpr iterator() noexcept = default;
        /// The first element of the list (or the end iterator if it has none).
        constexpr explicit iterator(std::string_view list) noexcept : rest_{list}, pending_{true} {
            advance_();
        }

        constexpr std::string_view operator*() const noexcept { return current_; }
        constexpr iterator& operator++() noexcept {
            advance_();
            return *this;
        }
        constexpr iterator operator++(int) noexcept {
            iterator old = *this;
            advance_();
            return old;
        }
        /// Equal when both are at the end, or both at the same element of the same list.
        constexpr bool operator==(const iterator& o) const noexcept {
            if (at_end_ || o.at_end_) return at_end_ == o.at_end_;
            return current_.data() == o.current_.data() && current_.size() == o.current_.size();
        }

    private:
        constexpr void advance_() noexcept {
            while (pending_) {
                const std::size_t comma = rest_.find(',');
                const std::string_view element = trim_ows(rest_.substr(0, comma));
                if (comma == std::string_view::npos) {
                    pending_ = false;
                    rest_ = {};
                } else {
                    rest_ = rest_.substr(comma + 1);
                }
                if (!element.empty()) {
                    current_ = element;
                    at_end_ = false;
                    return;
                }
            }
            at_end_ = true;
            current_ = {};
        }

        std::string_view rest_{};    // what follows the current element
        std::string_view current_{};
        bool pending_ = false;       // rest_ still has to be scanned (it may be empty after a comma)
        bool at_end_ = true;
    };

    constexpr explicit token_list(std::string_view list) noexcept : list_{list} {}
    constexpr iterator begin() const noexcept { return iterator{list_}; }
    constexpr iterator end() const noexcept { return iterator{}; }

private:
    std::string_view list_;
};

/// Calls f(element) for each non-empty, trimmed element of a comma-separated list until f
/// returns true; returns whether it did.
template <class F>
constexpr bool for_each_token(std::string_view list, F&& f) {
    for (std::string_view element : token_list{list})
        if (f(element)) return true;
    return false;
}

/// Whether the comma-separated list contains the token, compared case-insensitively (the
/// Upgrade and Connection tokens of RFC 6455 §4.2.1 are case-insensitive).
constexpr bool token_list_contains(std::string_view list, std::string_view token) noexcept {
    return for_each_token(list, [token](std::string_view e) { return iequals(e, token); });
}

/// Whether the comma-separated list contains the token, compared byte for byte (subprotocol
/// names, RFC 6455 §4.1 and §11.3.4, are case-sensitive).
constexpr bool token_list_contains_exact(std::string_view list, std::string_view token) noexcept {
    return for_each_token(list, [token](std::string_view e) { return e == token; });
}

} // namespace detail
} // namespace squall::inline v0
