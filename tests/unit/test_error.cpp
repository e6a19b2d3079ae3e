#include <squall/error.hpp>

#include <catch2/catch.hpp>

#include <set>
#include <string>

using namespace squall;

namespace {
constexpr int first_error = static_cast<int>(error::closed);
constexpr int last_error = static_cast<int>(error::too_many_fragments);
constexpr int first_hs = static_cast<int>(handshake_error::bad_request_line);
constexpr int last_hs = static_cast<int>(handshake_error::bad_admission_result);

bool is_sentence(const std::string& m) { return m.size() > 10 && std::isupper(static_cast<unsigned char>(m[0])) && m.back() == '.'; }
} // namespace

TEST_CASE("error: every enumerator has its own full-sentence message", "[error]") {
    std::set<std::string> seen;
    for (int v = first_error; v <= last_error; ++v) {
        const auto m = make_error_code(static_cast<error>(v)).message();
        INFO(v << ": " << m);
        CHECK(is_sentence(m));
        CHECK(m.find("Unknown") == std::string::npos);
        CHECK(seen.insert(m).second);
    }
    for (int v = first_hs; v <= last_hs; ++v) {
        const auto m = make_error_code(static_cast<handshake_error>(v)).message();
        INFO(v << ": " << m);
        CHECK(is_sentence(m));
        CHECK(m.find("Unknown") == std::string::npos);
        CHECK(seen.insert(m).second);
    }
    CHECK(error_category().name() == std::string("squall"));
    CHECK(handshake_category().name() == std::string("squall.handshake"));
}

TEST_CASE("error: http_status_for is total and matches DESIGN 1.1", "[error]") {
    for (int v = first_hs; v <= last_hs; ++v) {
        const auto e = static_cast<handshake_error>(v);
        const int status = http_status_for(e);
        INFO(make_error_code(e).message());
        switch (e) {
        case handshake_error::head_too_large: CHECK(status == 431); break;
        case handshake_error::route_not_found: CHECK(status == 404); break;
        case handshake_error::origin_rejected:
        case handshake_error::admission_rejected: CHECK(status == 403); break;
        case handshake_error::bad_version: CHECK(status == 426); break;
        case handshake_error::too_many_connections: CHECK(status == 503); break;
        case handshake_error::bad_admission_result: CHECK(status == 500); break;
        default: CHECK(status == 400); break;
        }
    }
}

TEST_CASE("error: close_code_for is total and matches DESIGN 1.2", "[error]") {
    for (int v = first_error; v <= last_error; ++v) {
        const auto e = static_cast<error>(v);
        const auto code = close_code_for(e);
        INFO(make_error_code(e).message());
        if (e == error::invalid_utf8) CHECK(code == close_code::invalid_payload);
        else if (e >= error::reserved_bits && e <= error::bad_close_code) CHECK(code == close_code::protocol_error);
        else if (e == error::message_too_big || e == error::frame_too_big || e == error::too_many_fragments)
            CHECK(code == close_code::message_too_big);
        else if (e == error::handler_exception) CHECK(code == close_code::internal_error);
        else CHECK(code == close_code::abnormal); // no close frame is sent for these
        // Whatever is sent must be sendable; 1006 is the only "nothing sent" value.
        CHECK((is_sendable(code) || code == close_code::abnormal));
    }
}

TEST_CASE("error: conditions group the codes", "[error]") {
    std::error_code ec = error::ping_timeout;
    CHECK(ec == condition::timeout);
    CHECK(ec != condition::closed);
    CHECK(std::error_code(error::close_timeout) == condition::timeout);
    CHECK(std::error_code(error::handshake_timeout) == condition::timeout);
    CHECK(std::error_code(error::unmasked_frame) == condition::protocol_violation);
    CHECK(std::error_code(error::invalid_utf8) == condition::protocol_violation);
    CHECK(std::error_code(error::message_too_big) == condition::limit_exceeded);
    CHECK(std::error_code(error::send_queue_full) == condition::limit_exceeded);
    CHECK(std::error_code(error::closed) == condition::closed);
    CHECK(std::error_code(error::eof) == condition::closed);
    CHECK(std::error_code(handshake_error::bad_sec_key) == condition::handshake_failed);
    CHECK(std::error_code(handshake_error::head_too_large) == condition::limit_exceeded);
    CHECK(std::error_code(error::reserved_bits) != condition::limit_exceeded);
    CHECK(std::error_code(error::close_reason_too_long) == std::errc::invalid_argument);
    CHECK(std::error_code(error::closed) != std::errc::invalid_argument);
    // Every error belongs to at most one of protocol_violation / limit_exceeded / timeout.
    for (int v = first_error; v <= last_error; ++v) {
        const std::error_code e = static_cast<error>(v);
        const int n = (e == condition::protocol_violation) + (e == condition::limit_exceeded) + (e == condition::timeout);
        CHECK(n <= 1);
    }
}

TEST_CASE("error: closed_error carries error closed", "[error]") {
    try {
        throw closed_error{};
    } catch (const std::system_error& e) {
        CHECK(e.code() == error::closed);
    }
}
