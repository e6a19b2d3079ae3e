#include <squall/close_code.hpp>
#include <squall/protocol/close_frame.hpp>

#include <catch2/catch.hpp>

#include <string>

using namespace squall;
using namespace squall::protocol;

TEST_CASE("close_code: receivable and sendable sets of DESIGN 1.2", "[protocol][close_code]") {
    for (std::uint32_t c = 0; c <= 0xFFFF; ++c) {
        const auto code = static_cast<std::uint16_t>(c);
        const bool receivable = (c >= 1000 && c <= 1003) || (c >= 1007 && c <= 1014) || (c >= 3000 && c <= 4999);
        REQUIRE(is_receivable(code) == receivable);
        REQUIRE(is_sendable(code) == (receivable && c != 1010));
    }
    CHECK_FALSE(is_sendable(close_code::no_status));
    CHECK_FALSE(is_sendable(close_code::abnormal));
    CHECK(is_sendable(close_code{4000}));
}

namespace {
std::error_code parse(const std::string& raw, close_info& info) {
    return parse_close_payload(as_bytes(raw), info);
}
} // namespace

TEST_CASE("close_frame: parsing received payloads", "[protocol][close_frame]") {
    close_info info;
    CHECK_FALSE(parse("", info));
    CHECK(info.code == close_code::no_status);
    CHECK(parse("\x03", info) == make_error_code(error::bad_close_payload));
    CHECK_FALSE(parse(std::string("\x03\xe8", 2), info));
    CHECK(info.code == close_code::normal);
    CHECK(info.reason.empty());
    const std::string with_reason = "\x0f\xa0" "bye \xC2\xB5";
    CHECK_FALSE(parse(with_reason, info));
    CHECK(to_underlying(info.code) == 4000);
    CHECK(info.reason == "bye \xC2\xB5");
    CHECK(parse("\x0f\xa0" "\xC0\x80", info) == make_error_code(error::invalid_utf8));
    auto bad = GENERATE(0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535);
    const std::string raw{static_cast<char>(bad >> 8), static_cast<char>(bad & 0xFF)};
    CHECK(parse(raw, info) == make_error_code(error::bad_close_code));
}

TEST_CASE("close_frame: what a server may send", "[protocol][close_frame]") {
    CHECK_FALSE(check_sendable_close(close_code::normal, ""));
    CHECK_FALSE(check_sendable_close(close_code{4999}, std::string(123, 'r')));
    CHECK(check_sendable_close(close_code{4999}, std::string(124, 'r')) == make_error_code(error::close_reason_too_long));
    CHECK(check_sendable_close(close_code::mandatory_extension, "") == make_error_code(error::close_code_not_sendable));
    CHECK(check_sendable_close(close_code::no_status, "") == make_error_code(error::close_code_not_sendable));
    CHECK(check_sendable_close(close_code{5000}, "") == make_error_code(error::close_code_not_sendable));
    CHECK(check_sendable_close(close_code::normal, "\xFF") == make_error_code(error::close_reason_not_utf8));
    CHECK(check_sendable_close(close_code{1}, "") == std::errc::invalid_argument);
}

TEST_CASE("close_frame: built payloads parse back", "[protocol][close_frame]") {
    std::uint8_t out[max_control_payload];
    const auto n = build_close_payload(close_code{4321}, "why", out);
    REQUIRE(n == 5);
    close_info info;
    REQUIRE_FALSE(parse_close_payload({out, n}, info));
    CHECK(to_underlying(info.code) == 4321);
    CHECK(info.reason == "why");
}
