// Tests for detail/sha1.hpp, detail/base64.hpp and accept_key (FIPS 180-4 examples, RFC 4648
// §10, RFC 6455 §1.3), plus detail/ascii.hpp's token lists that the handshake relies on.
#include <squall/detail/ascii.hpp>
#include <squall/detail/base64.hpp>
#include <squall/detail/sha1.hpp>
#include <squall/protocol/handshake.hpp>

#include <catch2/catch.hpp>

#include <array>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

using squall::detail::sha1;

std::string hex(const sha1::digest_type& d) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string s;
    for (std::uint8_t b : d) {
        s += digits[b >> 4];
        s += digits[b & 15];
    }
    return s;
}

std::string encode(std::string_view in) {
    std::string out;
    squall::detail::base64_encode(in, out);
    return out;
}

std::optional<std::string> decode(std::string_view in) {
    std::array<std::uint8_t, 64> buf{};
    const auto n = squall::detail::base64_decode(in, buf);
    if (!n) return std::nullopt;
    return std::string(reinterpret_cast<const char*>(buf.data()), *n);
}

} // namespace

TEST_CASE("sha1: published test vectors", "[detail][sha1]") {
    struct vector_case {
        std::string_view message;
        std::string_view digest;
    };
    const auto c = GENERATE(values<vector_case>({
        {"abc", "a9993e364706816aba3e25717850c26c9cd0d89d"},
        {"", "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "84983e441c3bd26ebaae4aa1f95129e5e54670f1"},
        {"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
         "a49b2446a02c645bf419f995b67091253a04a259"},
        {"The quick brown fox jumps over the lazy dog", "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12"},
    }));
    CAPTURE(c.message);
    CHECK(hex(squall::detail::sha1_digest(c.message)) == c.digest);
}

TEST_CASE("sha1: one million a through incremental updates", "[detail][sha1]") {
    sha1 h;
    const std::string chunk(1000, 'a');
    for (int i = 0; i < 1000; ++i) h.update(chunk);
    CHECK(hex(h.finish()) == "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}

TEST_CASE("sha1: every split of the input gives the same digest", "[detail][sha1]") {
    // 130 bytes: splits cross the 55/56/64-byte padding and block boundaries.
    std::string message;
    for (int i = 0; i < 130; ++i) message += static_cast<char>('!' + i % 90);
    const auto whole = squall::detail::sha1_digest(message);
    for (std::size_t split = 0; split <= message.size(); ++split) {
        sha1 h;
        h.update(std::string_view{message}.substr(0, split));
        h.update(std::string_view{message}.substr(split));
        CAPTURE(split);
        REQUIRE(h.finish() == whole);
    }
    // Byte-sized updates through the span overload, too.
    sha1 h;
    for (char ch : message) {
        const std::uint8_t b = static_cast<std::uint8_t>(ch);
        h.update(std::span<const std::uint8_t>{&b, 1});
    }
    CHECK(h.finish() == whole);
}

TEST_CASE("sha1: finish resets the object for the next message", "[detail][sha1]") {
    sha1 h;
    h.update("something else");
    (void)h.finish();
    h.update("abc");
    CHECK(hex(h.finish()) == "a9993e364706816aba3e25717850c26c9cd0d89d");
}

TEST_CASE("sha1: usable in constant expressions", "[detail][sha1]") {
    constexpr auto d = squall::detail::sha1_digest("abc");
    STATIC_REQUIRE(d[0] == 0xa9);
    STATIC_REQUIRE(d[19] == 0x9d);
}

TEST_CASE("base64: RFC 4648 section 10 vectors encode and decode", "[detail][base64]") {
    struct vector_case {
        std::string_view plain;
        std::string_view encoded;
    };
    const auto c = GENERATE(values<vector_case>({
        {"", ""},
        {"f", "Zg=="},
        {"fo", "Zm8="},
        {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="},
        {"fooba", "Zm9vYmE="},
        {"foobar", "Zm9vYmFy"},
    }));
    CAPTURE(c.plain);
    CHECK(encode(c.plain) == c.encoded);
    CHECK(squall::detail::base64_encoded_size(c.plain.size()) == c.encoded.size());
    CHECK(squall::detail::base64_decoded_size_if_valid(c.encoded) == c.plain.size());
    CHECK(decode(c.encoded) == std::string{c.plain});
}

TEST_CASE("base64: encode appends and uses the whole alphabet", "[detail][base64]") {
    std::string out = "x:";
    const std::array<std::uint8_t, 6> bytes = {0x00, 0x10, 0x83, 0xfb, 0xef, 0xff};
    squall::detail::base64_encode(bytes, out);
    CHECK(out == "x:ABCD++//");
}

TEST_CASE("base64: encode into a too small buffer writes nothing", "[detail][base64]") {
    std::array<char, 3> small{'.', '.', '.'};
    const std::array<std::uint8_t, 1> one = {0x66};
    CHECK(squall::detail::base64_encode(one, small) == 0);
    CHECK(small == std::array<char, 3>{'.', '.', '.'});
}

TEST_CASE("base64: strict decoder rejects malformed input", "[detail][base64]") {
    const auto bad = GENERATE(as<std::string_view>{},
                              "Zg",          // missing padding
                              "Zg=",         // length not a multiple of 4
                              "Zm9v\n",      // trailing newline
                              " Zm9v",       // leading space
                              "Zm 9",        // inner space
                              "Zm9v\r\nYg==",// line break
                              "Zh==",        // non-canonical: unused bits set after one octet
                              "Zm9=",        // non-canonical: unused bits set after two octets
                              "Z===",        // three pad characters
                              "====",        // padding only
                              "Zg=a",        // data after padding
                              "Z=g=",        // padding in the middle
                              "Zg==Zg==",    // padding before the last group
                              "Zm-v",        // URL-safe alphabet
                              "Zm_v",        // URL-safe alphabet
                              "Zm9\x80",     // non-ASCII
                              std::string_view{"Zm\0v", 4}); // NUL
    CAPTURE(bad);
    CHECK_FALSE(squall::detail::base64_decoded_size_if_valid(bad).has_value());
    CHECK_FALSE(decode(bad).has_value());
}

TEST_CASE("base64: decode into a too small buffer fails without writing", "[detail][base64]") {
    std::array<std::uint8_t, 2> small{7, 7};
    CHECK_FALSE(squall::detail::base64_decode("Zm9v", small).has_value());
    CHECK(small == std::array<std::uint8_t, 2>{7, 7});
}

TEST_CASE("base64: sixteen random octets decode to a 24 char key", "[detail][base64]") {
    CHECK(squall::detail::base64_decoded_size_if_valid("dGhlIHNhbXBsZSBub25jZQ==") == std::size_t{16});
    CHECK(squall::detail::base64_decoded_size_if_valid("AQIDBAUGBwgJCgsMDQ4PEA==") == std::size_t{16});
    CHECK(squall::detail::base64_decoded_size_if_valid("AQIDBAUGBwgJCgsMDQ4PEBE=") == std::size_t{17});
}

TEST_CASE("accept_key: RFC 6455 section 1.3 example", "[protocol][handshake]") {
    const auto key = squall::protocol::accept_key("dGhlIHNhbXBsZSBub25jZQ==");
    CHECK(std::string_view(key.data(), key.size()) == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    constexpr auto at_compile_time = squall::protocol::accept_key("dGhlIHNhbXBsZSBub25jZQ==");
    STATIC_REQUIRE(at_compile_time[0] == 's');
    STATIC_REQUIRE(at_compile_time[27] == '=');
}

TEST_CASE("ascii: case folding and token characters", "[detail][ascii]") {
    using namespace squall::detail;
    STATIC_REQUIRE(to_lower('A') == 'a');
    STATIC_REQUIRE(to_lower('z') == 'z');
    STATIC_REQUIRE(to_lower('[') == '[');
    STATIC_REQUIRE(to_lower('@') == '@');
    CHECK(to_lower(static_cast<char>(0xC4)) == static_cast<char>(0xC4));
    CHECK(iequals("Sec-WebSocket-Key", "sec-websocket-KEY"));
    CHECK_FALSE(iequals("Host", "Hos"));
    CHECK_FALSE(iequals("a", "\x01"));
    CHECK(istarts_with("SEC-WEBSOCKET-x", "Sec-WebSocket-"));
    CHECK_FALSE(istarts_with("Sec-Web", "Sec-WebSocket-"));
    for (char c : std::string_view{"!#$%&'*+-.^_`|~09azAZ"}) CHECK(is_tchar(c));
    for (char c : std::string_view{" \t\"(),/:;<=>?@[\\]{}\x7f"}) CHECK_FALSE(is_tchar(c));
    CHECK_FALSE(is_tchar('\0'));
    CHECK_FALSE(is_tchar(static_cast<char>(0x80)));
    CHECK(is_token("GET"));
    CHECK_FALSE(is_token(""));
    CHECK_FALSE(is_token("a b"));
    CHECK(trim_ows(" \t x y \t ") == "x y");
    CHECK(trim_ows(" \t ").empty());
    CHECK(trim_ows("") == "");
}

TEST_CASE("ascii: token lists skip empty elements and trim OWS", "[detail][ascii]") {
    using squall::detail::token_list;
    const auto elements = [](std::string_view list) {
        std::vector<std::string_view> v;
        for (std::string_view e : token_list{list}) v.push_back(e);
        return v;
    };
    using list = std::vector<std::string_view>;
    CHECK(elements("").empty());
    CHECK(elements(" , ,\t,").empty());
    CHECK(elements("a") == list{"a"});
    CHECK(elements(",a,,b , \tc\t,") == list{"a", "b", "c"});
    CHECK(elements("keep-alive, Upgrade") == list{"keep-alive", "Upgrade"});
    CHECK(elements("x y, z") == list{"x y", "z"});
    STATIC_REQUIRE(std::forward_iterator<token_list::iterator>);
}

TEST_CASE("ascii: token_list_contains is case-insensitive and exact per element", "[detail][ascii]") {
    using namespace squall::detail;
    CHECK(token_list_contains("keep-alive, Upgrade", "upgrade"));
    CHECK(token_list_contains(",,WebSocket,", "websocket"));
    CHECK_FALSE(token_list_contains("upgrades", "upgrade"));
    CHECK_FALSE(token_list_contains("websocket/13", "websocket"));
    CHECK_FALSE(token_list_contains("", "upgrade"));
    CHECK(token_list_contains_exact("chat, superchat", "superchat"));
    CHECK_FALSE(token_list_contains_exact("chat, superchat", "Chat"));
    int calls = 0;
    CHECK(for_each_token("a, b, c", [&](std::string_view e) {
        ++calls;
        return e == "b";
    }));
    CHECK(calls == 2);
    STATIC_REQUIRE(token_list_contains("a,b", "B"));
}
