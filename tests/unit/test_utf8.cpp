#include <squall/protocol/utf8.hpp>

#include <catch2/catch.hpp>

#include <string>

using squall::protocol::is_valid_utf8;
using squall::protocol::utf8_validator;

namespace {
// Index of the first octet at which the validator fails when fed one octet at a time, or
// the size when it never fails.
std::size_t fail_index(const std::string& s) {
    utf8_validator v;
    for (std::size_t i = 0; i < s.size(); ++i)
        if (!v.feed(reinterpret_cast<const std::uint8_t*>(s.data()) + i, 1)) return i;
    return s.size();
}
} // namespace

TEST_CASE("utf8: valid sequences pass in every chop", "[protocol][utf8]") {
    auto s = GENERATE(as<std::string>{}, "", "Hello-\xC2\xB5@\xC3\x9F\xC3\xB6\xC3\xA4\xC3\xBC\xC3\xA0\xC3\xA1-UTF-8!!",
                      "\xCE\xBA\xE1\xBD\xB9\xCF\x83\xCE\xBC\xCE\xB5", "\x7F", "\xC2\x80", "\xDF\xBF", "\xE0\xA0\x80",
                      "\xED\x9F\xBF", "\xEE\x80\x80", "\xEF\xBF\xBF", "\xF0\x90\x80\x80", "\xF4\x8F\xBF\xBF",
                      "\xEF\xBF\xBE", std::string(40, 'a') + "\xE2\x82\xAC" + std::string(40, 'b'));
    CHECK(is_valid_utf8(s));
    for (std::size_t cut = 0; cut <= s.size(); ++cut) {
        for (std::size_t cut2 = cut; cut2 <= s.size(); ++cut2) {
            utf8_validator v;
            REQUIRE(v.feed(std::string_view(s).substr(0, cut)));
            REQUIRE(v.feed(std::string_view(s).substr(cut, cut2 - cut)));
            REQUIRE(v.feed(std::string_view(s).substr(cut2)));
            REQUIRE(v.complete());
        }
    }
}

TEST_CASE("utf8: invalid sequences fail at their first bad octet", "[protocol][utf8]") {
    // {bytes, index of the first octet that cannot be valid}
    auto [s, at] = GENERATE(table<std::string, std::size_t>({
        {"\x80", 0},                   // stray continuation
        {"a\xBF", 1},
        {"\xC0\x80", 0},               // overlong NUL
        {"\xC1\xBF", 0},               // overlong
        {"\xE0\x80\x80", 1},           // overlong 3-octet
        {"\xE0\x9F\xBF", 1},
        {"\xF0\x80\x80\x80", 1},       // overlong 4-octet
        {"\xF0\x8F\xBF\xBF", 1},
        {"\xED\xA0\x80", 1},           // U+D800 surrogate
        {"\xED\xBF\xBF", 1},           // U+DFFF surrogate
        {"\xF4\x90\x80\x80", 1},       // U+110000
        {"\xF5\x80\x80\x80", 0},
        {"\xF8\x88\x80\x80\x80", 0},
        {"\xFE", 0},
        {"\xFF", 0},
        {"\xC2\x41", 1},               // lead without continuation
        {"\xE2\x82\x41", 2},
        {"\xCE\xBA\xE1\xBD\xB9\xCF\x83\xCE\xBC\xCE\xB5\xED\xA0\x80" "edited", 12},
        {std::string(33, 'x') + "\xC0", 33}, // after the ASCII fast path
    }));
    CHECK_FALSE(is_valid_utf8(s));
    CHECK(fail_index(s) == at);
    // Fail-fast: the whole buffer at once fails too, and stays failed.
    utf8_validator v;
    CHECK_FALSE(v.feed(s));
    CHECK(v.failed());
    CHECK_FALSE(v.feed("ok"));
    v.reset();
    CHECK(v.feed("ok"));
}

TEST_CASE("utf8: a sequence truncated at the end is not complete", "[protocol][utf8]") {
    auto s = GENERATE(as<std::string>{}, "\xC2", "\xE2\x82", "\xF0\x9F\x98", "ab\xF0");
    utf8_validator v;
    CHECK(v.feed(s));        // nothing invalid yet: more octets could follow
    CHECK_FALSE(v.complete()); // but a message cannot end here
    CHECK_FALSE(is_valid_utf8(s));
}
