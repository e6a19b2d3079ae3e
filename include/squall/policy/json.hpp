// squall/policy/json.hpp: the JSON-encoder role behind send_json (DESIGN §3): the built-in
// encoder for standard types, no_json (send_json becomes a compile error) and the concept
// user encoders meet. Standard library only: no Asio, no JSON library.
#pragma once

#include <squall/detail/type_list.hpp>
#include <squall/error.hpp>
#include <squall/policy/roles.hpp>
#include <squall/protocol/utf8.hpp>

#include <array>
#include <charconv>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstring>
#include <iterator>
#include <optional>
#include <ranges>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <vector>

namespace squall::inline v0 {

/// Turns send_json off: a handler that calls send_json on a server with no_json does not
/// compile, and no encoder code is instantiated.
struct no_json {
    using policy_role = json_role;
    static constexpr bool enabled = false;
    friend constexpr bool operator==(no_json, no_json) noexcept = default;
};

/// Whether send_json is available with encoder P: false for a type whose static `enabled` is
/// false (no_json), true otherwise.
template <class P> inline constexpr bool json_enabled_v = true;
template <class P>
    requires requires { requires std::convertible_to<decltype(P::enabled), bool>; }
inline constexpr bool json_enabled_v<P> = static_cast<bool>(P::enabled);

// --- concept --------------------------------------------------------------------------------

/// `std::error_code encode(const T&, std::string& out) const` for this T: appends T's JSON to
/// `out`; on an error appends nothing.
template <class P, class T>
concept json_encoder_for = requires(const P& p, const T& value, std::string& out) {
    { p.encode(value, out) } -> std::same_as<std::error_code>;
};

/// An encoder is probed with a few standard types (a generic `encode` template passes), or is
/// no_json.
template <class P>
concept json_encoder_policy =
    (json_encoder_for<P, int> && json_encoder_for<P, std::string> && json_encoder_for<P, std::vector<int>>) ||
    std::same_as<P, no_json>;

} // namespace squall::inline v0

namespace squall::inline v0::detail {

enum class json_kind { none, null, boolean, integer, floating, c_string, char_array, string, optional, map, sequence };

template <class T> inline constexpr bool is_std_optional_v = false;
template <class T> inline constexpr bool is_std_optional_v<std::optional<T>> = true;

// A lone character is neither clearly a number nor a string: refused. (signed char and
// unsigned char, i.e. std::int8_t and std::uint8_t, are integers.)
template <class T>
inline constexpr bool is_character_v = std::is_same_v<T, char> || std::is_same_v<T, wchar_t> ||
                                       std::is_same_v<T, char8_t> || std::is_same_v<T, char16_t> ||
                                       std::is_same_v<T, char32_t>;

template <class T>
concept string_keyed_map = std::ranges::input_range<const T> && requires {
    typename T::key_type;
    typename T::mapped_type;
};

/// How builtin_json encodes T (cv-qualifiers ignored); none: it cannot.
template <class T> constexpr json_kind json_kind_of() noexcept {
    using U = std::remove_cv_t<T>;
    if constexpr (std::is_same_v<U, std::nullptr_t> || std::is_same_v<U, std::nullopt_t>) return json_kind::null;
    else if constexpr (std::is_same_v<U, bool>) return json_kind::boolean;
    else if constexpr (is_character_v<U>) return json_kind::none;
    else if constexpr (std::is_integral_v<U>) return json_kind::integer;
    else if constexpr (std::is_floating_point_v<U>) return json_kind::floating;
    else if constexpr (std::is_same_v<U, const char*> || std::is_same_v<U, char*>) return json_kind::c_string;
    else if constexpr (std::is_array_v<U> && std::is_same_v<std::remove_cv_t<std::remove_extent_t<U>>, char>)
        return json_kind::char_array;
    else if constexpr (std::is_convertible_v<const U&, std::string_view>) return json_kind::string;
    else if constexpr (is_std_optional_v<U>) return json_kind::optional;
    else if constexpr (string_keyed_map<U>) return json_kind::map;
    else if constexpr (std::ranges::input_range<const U>) return json_kind::sequence;
    else return json_kind::none;
}

/// Whether builtin_json encodes T, elements and mapped values included.
template <class T> constexpr bool json_encodable() noexcept {
    using U = std::remove_cv_t<T>;
    constexpr json_kind kind = json_kind_of<U>();
    if constexpr (kind == json_kind::none) return false;
    else if constexpr (kind == json_kind::optional) return json_encodable<typename U::value_type>();
    else if constexpr (kind == json_kind::map)
        return std::is_convertible_v<const typename U::key_type&, std::string_view> &&
               json_encodable<typename U::mapped_type>();
    else if constexpr (kind == json_kind::sequence) return json_encodable<std::ranges::range_value_t<const U>>();
    else return true;
}

/// Appends a JSON string (RFC 8259 §7): `"` and `\` escaped, control characters as the short
/// forms or \u00XX, everything else (UTF-8 included) copied. False for invalid UTF-8.
inline bool json_write_string(std::string_view s, std::string& out) {
    if (!protocol::is_valid_utf8(s)) return false;
    out += '"';
    std::size_t run = 0; // start of the bytes not yet copied
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        out.append(s.data() + run, i - run);
        run = i + 1;
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default: {
            constexpr char hex[] = "0123456789abcdef";
            const char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xF]};
            out.append(u, sizeof u);
        }
        }
    }
    out.append(s.data() + run, s.size() - run);
    out += '"';
    return true;
}

template <class T> bool json_write(const T& value, std::string& out) {
    constexpr json_kind kind = json_kind_of<T>();
    if constexpr (kind == json_kind::null) {
        out += "null";
        return true;
    } else if constexpr (kind == json_kind::boolean) {
        out += value ? "true" : "false";
        return true;
    } else if constexpr (kind == json_kind::integer) {
        std::array<char, 48> buf; // 128-bit values have 40 digits
        const auto r = std::to_chars(buf.data(), buf.data() + buf.size(), value);
        out.append(buf.data(), r.ptr);
        return true;
    } else if constexpr (kind == json_kind::floating) {
        if (!std::isfinite(value)) return false; // JSON has no NaN or infinity (RFC 8259 §6)
        std::array<char, 128> buf;
        const auto r = std::to_chars(buf.data(), buf.data() + buf.size(), value); // shortest round trip
        if (r.ec != std::errc{}) return false;
        const std::string_view digits{buf.data(), static_cast<std::size_t>(r.ptr - buf.data())};
        out += digits;
        // Keep it a floating-point number for decoders that tell 1 from 1.0 (Python, nlohmann).
        if (digits.find_first_of(".e") == std::string_view::npos) out += ".0";
        return true;
    } else if constexpr (kind == json_kind::c_string) {
        if (value == nullptr) {
            out += "null";
            return true;
        }
        return json_write_string(value, out);
    } else if constexpr (kind == json_kind::char_array) {
        // Up to the first NUL, and never past the array's end.
        const std::size_t n = std::extent_v<T>;
        std::size_t len = 0;
        while (len < n && value[len] != '\0') ++len;
        return json_write_string(std::string_view{value, len}, out);
    } else if constexpr (kind == json_kind::string) {
        return json_write_string(std::string_view{value}, out);
    } else if constexpr (kind == json_kind::optional) {
        if (!value) {
            out += "null";
            return true;
        }
        return json_write(*value, out);
    } else if constexpr (kind == json_kind::map) {
        static_assert(std::is_convertible_v<const typename T::key_type&, std::string_view>,
                      "squall: builtin_json cannot encode this type; use contrib/nlohmann_json.hpp or your own "
                      "JSON encoder policy (builtin_json encodes maps whose keys are strings)");
        out += '{';
        bool first = true;
        for (const auto& entry : value) {
            if (!first) out += ',';
            first = false;
            if constexpr (std::is_pointer_v<typename T::key_type>)
                if (entry.first == nullptr) return false; // a JSON key is a string, never null
            if (!json_write_string(std::string_view{entry.first}, out)) return false;
            out += ':';
            if (!json_write(entry.second, out)) return false;
        }
        out += '}';
        return true;
    } else if constexpr (kind == json_kind::sequence) {
        using element = std::ranges::range_value_t<const T>;
        out += '[';
        bool first = true;
        for (auto&& e : value) {
            if (!first) out += ',';
            first = false;
            const element& item = e; // binds a proxy's value (std::vector<bool>) to a temporary
            if (!json_write(item, out)) return false;
        }
        out += ']';
        return true;
    } else {
        static_assert(dependent_false_v<T>,
                      "squall: builtin_json cannot encode this type; use contrib/nlohmann_json.hpp or your own "
                      "JSON encoder policy");
        return false;
    }
}

} // namespace squall::inline v0::detail

namespace squall::inline v0 {

// --- default --------------------------------------------------------------------------------

/// The built-in encoder: bool; integers of every width (not char types, which are refused as
/// ambiguous); floating point in the shortest form that round-trips (std::to_chars), with
/// ".0" added when it would read as an integer; strings (std::string, std::string_view,
/// const char*, char arrays) escaped per RFC 8259 with UTF-8 copied through; nullptr,
/// std::nullopt and an empty std::optional as null; maps with string keys as objects (in
/// iteration order); other ranges as arrays. Fails with error::json_encode_failed, leaving
/// `out` as it was, for NaN, infinity or invalid UTF-8. Any other type is a compile error.
struct builtin_json {
    using policy_role = json_role;

    /// Whether encode<T> compiles.
    template <class T> static constexpr bool can_encode = detail::json_encodable<T>();

    template <class T> std::error_code encode(const T& value, std::string& out) const {
        const std::size_t mark = out.size();
        bool ok = false;
        try {
            ok = detail::json_write(value, out);
        } catch (...) {
            out.resize(mark); // bad_alloc halfway: leave `out` as it was
            throw;
        }
        if (ok) return {};
        out.resize(mark);
        return make_error_code(error::json_encode_failed);
    }
    friend constexpr bool operator==(builtin_json, builtin_json) noexcept = default;
};

} // namespace squall::inline v0
