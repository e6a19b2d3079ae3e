// Tests for protocol/handshake.hpp and protocol/response_writer.hpp: DESIGN §1.1 steps 2-9 in
// order (first failure wins), the hooks' call discipline, and the bytes of 101 and rejections.
#include <squall/protocol/handshake.hpp>
#include <squall/protocol/http_parser.hpp>
#include <squall/protocol/response_writer.hpp>

#include <catch2/catch.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace {

using squall::handshake_error;
using squall::protocol::handshake_kind;
using squall::header_field;

constexpr std::string_view good_key = "dGhlIHNhbXBsZSBub25jZQ==";

struct field_edit {
    std::string_view name;
    std::optional<std::string_view> value; // nullopt removes the field
};

// A head that passes every step, with edits applied: an edit replaces every field of that name
// (or removes them), and names not present are appended.
std::string make_head(std::string_view request_line, std::vector<field_edit> edits = {}) {
    std::vector<std::pair<std::string_view, std::string_view>> fields = {
        {"Host", "server.example.com"},
        {"Upgrade", "websocket"},
        {"Connection", "Upgrade"},
        {"Sec-WebSocket-Key", good_key},
        {"Origin", "http://server.example.com"},
        {"Sec-WebSocket-Version", "13"},
    };
    std::vector<std::pair<std::string_view, std::string_view>> out;
    for (const auto& f : fields) {
        bool edited = false;
        for (const field_edit& e : edits)
            if (e.name == f.first) {
                edited = true;
                if (e.value) out.emplace_back(f.first, *e.value);
            }
        if (!edited) out.push_back(f);
    }
    for (const field_edit& e : edits) {
        bool known = false;
        for (const auto& f : fields) known = known || f.first == e.name;
        if (!known && e.value) out.emplace_back(e.name, *e.value);
    }
    std::string head{request_line};
    head += "\r\n";
    for (const auto& [n, v] : out) head += std::string{n} + ": " + std::string{v} + "\r\n";
    return head + "\r\n";
}

struct hooks {
    int route_calls = 0;
    int origin_calls = 0;
    std::string last_path;
    std::string last_origin;
    bool origin_answer = true;

    auto route() {
        return [this](std::string_view path) -> std::optional<std::size_t> {
            ++route_calls;
            last_path = std::string{path};
            if (path == "/chat") return 7;
            if (path == "/") return 0;
            return std::nullopt;
        };
    }
    auto origin() {
        return [this](std::string_view o, const squall::request_view& req) {
            ++origin_calls;
            last_origin = std::string{o};
            // Same-host rule, enough for these tests.
            return origin_answer && o == "http://" + std::string{req.header("Host").value_or("")};
        };
    }
};

struct validated {
    squall::protocol::handshake_result result;
    hooks h;
};

validated validate(const std::string& head) {
    squall::protocol::request_parser parser;
    REQUIRE(parser.parse(head) == squall::protocol::parse_status::done);
    validated v;
    v.result = squall::protocol::validate_upgrade(parser.request(), v.h.route(), v.h.origin());
    if (v.result.kind == handshake_kind::upgrade) {
        // key points into the caller's buffer; check it before the buffer goes away
        CHECK(v.result.key == good_key);
        v.result.key = {};
    }
    return v;
}

} // namespace

TEST_CASE("is_websocket_attempt: Upgrade websocket or any Sec-WebSocket header", "[protocol][handshake]") {
    struct attempt_case {
        std::vector<header_field> fields;
        bool expected;
    };
    const auto c = GENERATE(values<attempt_case>({
        {{}, false},
        {{{"Host", "h"}, {"Connection", "keep-alive"}}, false},
        {{{"Upgrade", "h2c"}}, false},
        {{{"Upgrade", "websockets"}}, false},
        {{{"X-Sec-WebSocket-Key", "k"}}, false},
        {{{"Sec-WebSocket", "k"}}, false},
        {{{"Upgrade", "websocket"}}, true},
        {{{"upgrade", "h2c, WebSocket"}}, true},
        {{{"Upgrade", "h2c"}, {"Upgrade", "websocket"}}, true},
        {{{"sec-websocket-version", "13"}}, true},
        {{{"SEC-WEBSOCKET-KEY", "x"}}, true},
        {{{"Sec-WebSocket-Anything", ""}}, true},
    }));
    const squall::request_view req{"GET", "/", {1, 1}, c.fields};
    CHECK(squall::protocol::is_websocket_attempt(req) == c.expected);
}

TEST_CASE("validate_upgrade: a valid request upgrades with its route and key", "[protocol][handshake]") {
    const std::string head = make_head("GET /chat?x=1 HTTP/1.1");
    squall::protocol::request_parser parser;
    REQUIRE(parser.parse(head) == squall::protocol::parse_status::done);
    hooks h;
    const auto r = squall::protocol::validate_upgrade(parser.request(), h.route(), h.origin());
    CHECK(r.kind == handshake_kind::upgrade);
    CHECK_FALSE(r.error);
    CHECK(r.route == 7);
    CHECK(r.key == good_key);
    CHECK(h.route_calls == 1);
    CHECK(h.last_path == "/chat"); // the path, without the query
    CHECK(h.origin_calls == 1);
    CHECK(h.last_origin == "http://server.example.com");
}

TEST_CASE("validate_upgrade: each step rejects and the first failing step wins", "[protocol][handshake]") {
    using e = handshake_error;
    struct step_case {
        std::string description;
        std::string head;
        handshake_error expected;
    };
    const std::string ok_line = "GET /chat HTTP/1.1";
    const auto c = GENERATE_COPY(values<step_case>({
        // step 3
        {"unknown route", make_head("GET /nope HTTP/1.1"), e::route_not_found},
        {"unknown route beats every later fault",
         make_head("POST /nope HTTP/1.0", {{"Upgrade", "h2c"}, {"Sec-WebSocket-Version", "8"}, {"Host", std::nullopt}}),
         e::route_not_found},
        // step 4
        {"POST", make_head("POST /chat HTTP/1.1"), e::bad_method},
        {"lower-case get", make_head("get /chat HTTP/1.1"), e::bad_method},
        {"method before version", make_head("PUT /chat HTTP/1.0"), e::bad_method},
        {"HTTP/1.0", make_head("GET /chat HTTP/1.0"), e::bad_http_version},
        {"HTTP/2.0", make_head("GET /chat HTTP/2.0"), e::bad_http_version},
        {"HTTP/1.2", make_head("GET /chat HTTP/1.2"), e::bad_http_version},
        {"version before Upgrade", make_head("GET /chat HTTP/1.0", {{"Upgrade", std::nullopt}}), e::bad_http_version},
        // step 5
        {"no Upgrade", make_head(ok_line, {{"Upgrade", std::nullopt}}), e::bad_upgrade},
        {"Upgrade h2c", make_head(ok_line, {{"Upgrade", "h2c"}}), e::bad_upgrade},
        {"Upgrade websocket/13", make_head(ok_line, {{"Upgrade", "websocket/13"}}), e::bad_upgrade},
        {"Upgrade before version", make_head(ok_line, {{"Upgrade", "h2c"}, {"Sec-WebSocket-Version", "8"}}),
         e::bad_upgrade},
        {"Upgrade before Connection", make_head(ok_line, {{"Upgrade", std::nullopt}, {"Connection", "close"}}),
         e::bad_upgrade},
        // step 6
        {"no Connection", make_head(ok_line, {{"Connection", std::nullopt}}), e::bad_connection},
        {"Connection keep-alive", make_head(ok_line, {{"Connection", "keep-alive"}}), e::bad_connection},
        {"Connection upgraded", make_head(ok_line, {{"Connection", "upgraded"}}), e::bad_connection},
        {"Connection before origin", make_head(ok_line, {{"Connection", "close"}, {"Origin", "http://evil"}}),
         e::bad_connection},
        // step 7
        {"foreign origin", make_head(ok_line, {{"Origin", "http://evil.example"}}), e::origin_rejected},
        {"origin before version (403 before 426)",
         make_head(ok_line, {{"Origin", "http://evil.example"}, {"Sec-WebSocket-Version", "8"}}), e::origin_rejected},
        {"legacy origin", make_head(ok_line, {{"Origin", std::nullopt}, {"Sec-WebSocket-Origin", "http://evil"}}),
         e::origin_rejected},
        // step 8
        {"no version", make_head(ok_line, {{"Sec-WebSocket-Version", std::nullopt}}), e::bad_version},
        {"version 8", make_head(ok_line, {{"Sec-WebSocket-Version", "8"}}), e::bad_version},
        {"version list", make_head(ok_line, {{"Sec-WebSocket-Version", "7, 8, 13"}}), e::bad_version},
        {"version 013", make_head(ok_line, {{"Sec-WebSocket-Version", "013"}}), e::bad_version},
        {"version twice", make_head(ok_line, {{"Sec-WebSocket-Version", "13"}, {"sec-websocket-version", "13"}}),
         e::bad_version},
        {"version before Host",
         make_head(ok_line, {{"Sec-WebSocket-Version", "8"}, {"Host", std::nullopt}, {"Origin", std::nullopt}}),
         e::bad_version},
        // step 9
        {"no Host", make_head(ok_line, {{"Host", std::nullopt}, {"Origin", std::nullopt}}), e::missing_host},
        {"Host before key", make_head(ok_line, {{"Host", std::nullopt}, {"Origin", std::nullopt},
                                                {"Sec-WebSocket-Key", std::nullopt}}),
         e::missing_host},
        {"two Host", make_head(ok_line, {{"Origin", std::nullopt}, {"host", "server.example.com"}}), e::bad_header},
        {"no key", make_head(ok_line, {{"Sec-WebSocket-Key", std::nullopt}}), e::bad_sec_key},
        {"empty key", make_head(ok_line, {{"Sec-WebSocket-Key", ""}}), e::bad_sec_key},
        {"unpadded key", make_head(ok_line, {{"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ"}}), e::bad_sec_key},
        {"15 octet key", make_head(ok_line, {{"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25j"}}), e::bad_sec_key},
        {"17 octet key", make_head(ok_line, {{"Sec-WebSocket-Key", "AQIDBAUGBwgJCgsMDQ4PEBE="}}), e::bad_sec_key},
        {"non-canonical key", make_head(ok_line, {{"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZR=="}}), e::bad_sec_key},
        {"key with bad char", make_head(ok_line, {{"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25j*Q=="}}), e::bad_sec_key},
        {"two keys", make_head(ok_line, {{"sec-websocket-key", good_key}}), e::bad_sec_key},
    }));
    CAPTURE(c.description);
    const validated v = validate(c.head);
    CHECK(v.result.kind == handshake_kind::rejected);
    CHECK(v.result.error == squall::make_error_code(c.expected));
}

TEST_CASE("validate_upgrade: variants that must pass", "[protocol][handshake]") {
    const std::string ok_line = "GET /chat HTTP/1.1";
    const std::string head = GENERATE_COPY(
        make_head(ok_line, {{"Upgrade", "WebSocket"}}),
        make_head(ok_line, {{"Upgrade", "h2c, websocket"}}),
        make_head(ok_line, {{"Connection", "keep-alive, Upgrade"}}),
        make_head(ok_line, {{"Connection", "keep-alive"}, {"connection", "UPGRADE"}}), // across two fields
        make_head(ok_line, {{"Origin", std::nullopt}}),                                   // non-browser client
        make_head(ok_line, {{"Sec-WebSocket-Version", "13  "}}),
        make_head(ok_line, {{"Sec-WebSocket-Protocol", "chat"}, {"Sec-WebSocket-Extensions", "permessage-deflate"}}));
    CAPTURE(head);
    const validated v = validate(head);
    CHECK(v.result.kind == handshake_kind::upgrade);
    CHECK(v.result.route == 7);
}

TEST_CASE("validate_upgrade: plain HTTP is step 2b and calls no hook", "[protocol][handshake]") {
    const std::string head = GENERATE(std::string{"GET / HTTP/1.1\r\nHost: h\r\n\r\n"},
                                      std::string{"POST /chat HTTP/1.0\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n"});
    const validated v = validate(head);
    CHECK(v.result.kind == handshake_kind::plain_http);
    CHECK(v.result.error == squall::make_error_code(handshake_error::not_websocket));
    CHECK(v.h.route_calls == 0);
    CHECK(v.h.origin_calls == 0);
}

TEST_CASE("validate_upgrade: hooks are called only when the order reaches them", "[protocol][handshake]") {
    SECTION("no Origin header: origin hook not called") {
        const validated v = validate(make_head("GET /chat HTTP/1.1", {{"Origin", std::nullopt}}));
        CHECK(v.result.kind == handshake_kind::upgrade);
        CHECK(v.h.route_calls == 1);
        CHECK(v.h.origin_calls == 0);
    }
    SECTION("route missing: origin hook not called") {
        const validated v = validate(make_head("GET /missing HTTP/1.1"));
        CHECK(v.h.route_calls == 1);
        CHECK(v.h.last_path == "/missing");
        CHECK(v.h.origin_calls == 0);
    }
    SECTION("earlier step failed: origin hook not called") {
        const std::string head = GENERATE(make_head("POST /chat HTTP/1.1"), make_head("GET /chat HTTP/1.0"),
                                          make_head("GET /chat HTTP/1.1", {{"Upgrade", std::nullopt}}),
                                          make_head("GET /chat HTTP/1.1", {{"Connection", "close"}}));
        const validated v = validate(head);
        CHECK(v.result.kind == handshake_kind::rejected);
        CHECK(v.h.route_calls == 1);
        CHECK(v.h.origin_calls == 0);
    }
    SECTION("origin hook refuses") {
        squall::protocol::request_parser parser;
        const std::string head = make_head("GET /chat HTTP/1.1");
        REQUIRE(parser.parse(head) == squall::protocol::parse_status::done);
        hooks h;
        h.origin_answer = false;
        const auto r = squall::protocol::validate_upgrade(parser.request(), h.route(), h.origin());
        CHECK(r.error == squall::make_error_code(handshake_error::origin_rejected));
        CHECK(h.origin_calls == 1);
    }
}

TEST_CASE("validate_upgrade: legacy Sec-WebSocket-Origin and Origin precedence", "[protocol][handshake]") {
    const std::string ok_line = "GET /chat HTTP/1.1";
    SECTION("legacy header alone is checked") {
        const validated v =
            validate(make_head(ok_line, {{"Origin", std::nullopt}, {"Sec-WebSocket-Origin", "http://server.example.com"}}));
        CHECK(v.result.kind == handshake_kind::upgrade);
        CHECK(v.h.origin_calls == 1);
        CHECK(v.h.last_origin == "http://server.example.com");
    }
    SECTION("Origin wins over the legacy header") {
        const validated v = validate(make_head(ok_line, {{"Sec-WebSocket-Origin", "http://evil.example"}}));
        CHECK(v.result.kind == handshake_kind::upgrade);
        CHECK(v.h.origin_calls == 1);
        CHECK(v.h.last_origin == "http://server.example.com");
    }
    SECTION("a bad Origin is not rescued by a good legacy header") {
        const validated v = validate(make_head(
            ok_line, {{"Origin", "http://evil.example"}, {"Sec-WebSocket-Origin", "http://server.example.com"}}));
        CHECK(v.result.error == squall::make_error_code(handshake_error::origin_rejected));
        CHECK(v.h.last_origin == "http://evil.example");
    }
}

TEST_CASE("write_accept: RFC 6455 section 1.3 example byte for byte", "[protocol][response_writer]") {
    const header_field fields[] = {
        {"Host", "server.example.com"},         {"Upgrade", "websocket"},
        {"Connection", "Upgrade"},              {"Sec-WebSocket-Key", good_key},
        {"Origin", "http://example.com"},       {"Sec-WebSocket-Protocol", "chat, superchat"},
        {"Sec-WebSocket-Version", "13"},
    };
    const squall::request_view req{"GET", "/chat", {1, 1}, fields};
    std::string out;
    REQUIRE_FALSE(squall::protocol::write_accept(req, good_key, {"chat", {}}, out));
    CHECK(out == "HTTP/1.1 101 Switching Protocols\r\n"
                 "Upgrade: websocket\r\n"
                 "Connection: Upgrade\r\n"
                 "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
                 "Sec-WebSocket-Protocol: chat\r\n"
                 "\r\n");
}

TEST_CASE("write_accept: subprotocol only when offered and extra headers after", "[protocol][response_writer]") {
    const header_field fields[] = {{"Sec-WebSocket-Protocol", "chat"}, {"sec-websocket-protocol", "v2.json"}};
    const squall::request_view req{"GET", "/", {1, 1}, fields};
    const header_field extra[] = {{"Set-Cookie", "id=1; HttpOnly"}, {"X-Served-By", "squall"}};

    std::string out;
    REQUIRE_FALSE(squall::protocol::write_accept(req, good_key, {"v2.json", extra}, out));
    CHECK(out == "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: v2.json\r\n"
                 "Set-Cookie: id=1; HttpOnly\r\nX-Served-By: squall\r\n\r\n");

    out.clear();
    REQUIRE_FALSE(squall::protocol::write_accept(req, good_key, {}, out));
    CHECK(out.find("Sec-WebSocket-Protocol") == std::string::npos);

    const std::string_view not_offered = GENERATE("superchat", "Chat", "chat, v2.json", "chat\r\nX: y");
    CAPTURE(not_offered);
    out = "kept";
    CHECK(squall::protocol::write_accept(req, good_key, {not_offered, {}}, out) ==
          squall::make_error_code(handshake_error::bad_admission_result));
    CHECK(out == "kept");
}

TEST_CASE("write_accept: header injection and duplicates are rejected", "[protocol][response_writer]") {
    struct bad_case {
        header_field field;
        bool malformed; // also refused by write_response (the others are only squall-owned in a 101)
    };
    const auto c = GENERATE(values<bad_case>({
        {{"X", "a\r\nInjected: 1"}, true},
        {{"X", "a\nb"}, true},
        {{"X", "a\rb"}, true},
        {{"X", std::string_view{"a\0b", 3}}, true},
        {{"X", "a\x01"}, true},
        {{"Bad Name", "v"}, true},
        {{"", "v"}, true},
        {{"X:Y", "v"}, true},
        {{"X\r\nY", "v"}, true},
        {{"upgrade", "websocket"}, false},
        {{"CONNECTION", "close"}, false},
        {{"Sec-WebSocket-Accept", "x"}, false},
        {{"sec-websocket-protocol", "chat"}, false},
        {{"Sec-WebSocket-Extensions", "permessage-deflate"}, false},
    }));
    CAPTURE(c.field.name, c.field.value);
    const squall::request_view req{"GET", "/", {1, 1}, {}};
    const header_field extra[] = {{"Set-Cookie", "ok=1"}, c.field};
    std::string out = "kept";
    CHECK(squall::protocol::write_accept(req, good_key, {"", extra}, out) ==
          squall::make_error_code(handshake_error::bad_admission_result));
    CHECK(out == "kept");
    if (c.malformed) {
        CHECK(squall::protocol::write_response(403, extra, "no", out) ==
              squall::make_error_code(handshake_error::bad_admission_result));
        CHECK(out == "kept");
    }
}

TEST_CASE("write_response: status line headers length type and close", "[protocol][response_writer]") {
    std::string out;
    REQUIRE_FALSE(squall::protocol::write_response(404, {}, "not here\n", out));
    CHECK(out == "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nContent-Type: text/plain; charset=utf-8\r\n"
                 "Connection: close\r\n\r\nnot here\n");

    out.clear();
    const header_field html[] = {{"content-type", "text/html"}, {"WWW-Authenticate", "Bearer"}};
    REQUIRE_FALSE(squall::protocol::write_response(401, html, "<p>", out));
    CHECK(out == "HTTP/1.1 401 Unauthorized\r\ncontent-type: text/html\r\nWWW-Authenticate: Bearer\r\n"
                 "Content-Length: 3\r\nConnection: close\r\n\r\n<p>");

    out.clear();
    REQUIRE_FALSE(squall::protocol::write_response(200, {}, "", out));
    CHECK(out == "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");

    out.clear();
    REQUIRE_FALSE(squall::protocol::write_response(204, {}, "", out));
    CHECK(out == "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n");
    out = "kept";
    CHECK(squall::protocol::write_response(204, {}, "body", out) == squall::make_error_code(handshake_error::bad_admission_result));
    CHECK(out == "kept");

    out.clear();
    REQUIRE_FALSE(squall::protocol::write_response(418, {}, "", out));
    CHECK(out.rfind("HTTP/1.1 418 Unknown\r\n", 0) == 0);
}

TEST_CASE("write_response: statuses outside 200 to 599 become 500", "[protocol][response_writer]") {
    const int status = GENERATE(-1, 0, 99, 100, 101, 199, 600, 1000);
    CAPTURE(status);
    std::string out;
    REQUIRE_FALSE(squall::protocol::write_response(status, {}, "x", out));
    CHECK(out.rfind("HTTP/1.1 500 Internal Server Error\r\n", 0) == 0);
}

TEST_CASE("write_response: squall-owned and malformed headers are refused", "[protocol][response_writer]") {
    const header_field bad = GENERATE(header_field{"Content-Length", "0"}, header_field{"connection", "keep-alive"},
                                      header_field{"Transfer-Encoding", "chunked"}, header_field{"X", "a\r\nB: c"},
                                      header_field{"X Y", "v"});
    const header_field headers[] = {{"Retry-After", "5"}, bad};
    std::string out = "kept";
    CHECK(squall::protocol::write_response(503, headers, "busy", out) ==
          squall::make_error_code(handshake_error::bad_admission_result));
    CHECK(out == "kept");
}

TEST_CASE("write_rejection: 426 carries Sec-WebSocket-Version 13", "[protocol][response_writer]") {
    std::string out;
    squall::protocol::write_rejection(squall::make_error_code(handshake_error::bad_version), out);
    const std::string body = "The Sec-WebSocket-Version header is missing or not 13.\n";
    CHECK(out == "HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version: 13\r\nContent-Length: " +
                     std::to_string(body.size()) +
                     "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n" + body);
}

TEST_CASE("write_rejection: every handshake error gives its http_status_for status", "[protocol][response_writer]") {
    for (int v = 1; v <= static_cast<int>(handshake_error::bad_admission_result); ++v) {
        const auto e = static_cast<handshake_error>(v);
        const std::error_code ec = squall::make_error_code(e);
        CAPTURE(v, ec.message());
        std::string out;
        squall::protocol::write_rejection(ec, out);
        const int status = squall::http_status_for(e);
        const std::string status_line =
            "HTTP/1.1 " + std::to_string(status) + " " + std::string{squall::protocol::reason_phrase(status)} + "\r\n";
        CHECK(out.substr(0, out.find("\r\n") + 2) == status_line);
        CHECK(squall::protocol::reason_phrase(status) != "Unknown");
        const std::string body = ec.message() + "\n";
        CHECK(out.size() > body.size());
        CHECK(out.substr(out.size() - body.size()) == body);
        CHECK(out.find("Content-Length: " + std::to_string(body.size()) + "\r\n") != std::string::npos);
        CHECK(out.find("Connection: close\r\n") != std::string::npos);
        CHECK((out.find("Sec-WebSocket-Version: 13\r\n") != std::string::npos) == (status == 426));
    }
}

TEST_CASE("write_rejection: an error of another category is a 500", "[protocol][response_writer]") {
    std::string out;
    squall::protocol::write_rejection(std::make_error_code(std::errc::not_enough_memory), out);
    CHECK(out.rfind("HTTP/1.1 500 Internal Server Error\r\n", 0) == 0);
}

TEST_CASE("handshake: parsed request through validation to the 101", "[protocol][handshake]") {
    const std::string head = make_head("GET /chat HTTP/1.1", {{"Sec-WebSocket-Protocol", "chat, superchat"}});
    squall::protocol::request_parser parser;
    REQUIRE(parser.parse(head) == squall::protocol::parse_status::done);
    hooks h;
    const auto r = squall::protocol::validate_upgrade(parser.request(), h.route(), h.origin());
    REQUIRE(r.kind == handshake_kind::upgrade);
    std::string out;
    REQUIRE_FALSE(squall::protocol::write_accept(parser.request(), r.key, {"superchat", {}}, out));
    CHECK(out.find("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n") != std::string::npos);
    CHECK(out.find("Sec-WebSocket-Protocol: superchat\r\n") != std::string::npos);
}
