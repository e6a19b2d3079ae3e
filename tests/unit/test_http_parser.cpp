// Tests for protocol/http_parser.hpp: DESIGN §1.1 step 1 (400 malformed, 431 too large), the
// RFC 9112 syntax it enforces, incremental parsing over a caller-owned buffer, and request_view.
#include <squall/protocol/http_parser.hpp>
#include <squall/request.hpp>

#include <catch2/catch.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>

namespace {

using squall::handshake_error;
using squall::protocol::parse_status;
using squall::protocol::request_parser;

constexpr std::string_view rfc_request = "GET /chat?room=1 HTTP/1.1\r\n"
                                         "Host: server.example.com\r\n"
                                         "Upgrade: websocket\r\n"
                                         "Connection: Upgrade\r\n"
                                         "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                         "Origin: http://example.com\r\n"
                                         "Sec-WebSocket-Protocol: chat\r\n"
                                         "Sec-WebSocket-Protocol: superchat\r\n"
                                         "Sec-WebSocket-Version: 13\r\n"
                                         "\r\n";

// Everything a parse produced, as one comparable string.
std::string describe(const request_parser& p) {
    const squall::request_view r = p.request();
    std::string s;
    s += std::to_string(static_cast<int>(p.status())) + "|" + std::to_string(p.head_size()) + "|";
    s += std::string{r.method()} + "|" + std::string{r.target()} + "|";
    s += std::to_string(r.http_version().major) + "." + std::to_string(r.http_version().minor) + "|";
    for (const squall::header_field& f : r.headers()) s += std::string{f.name} + "=" + std::string{f.value} + ";";
    s += "|" + std::string{r.header("sec-websocket-protocol").value_or("(none)")};
    s += "|" + p.error().message();
    return s;
}

std::pair<parse_status, std::error_code> parse_once(std::string_view head, std::size_t limit = 8192) {
    request_parser p{limit};
    const parse_status st = p.parse(head);
    return {st, p.error()};
}

std::string repeat(char c, std::size_t n) { return std::string(n, c); }

} // namespace

TEST_CASE("request_parser: parses a valid head", "[protocol][http_parser]") {
    request_parser p;
    REQUIRE(p.parse(rfc_request) == parse_status::done);
    CHECK_FALSE(p.error());
    CHECK(p.head_size() == rfc_request.size());
    const squall::request_view r = p.request();
    CHECK(r.method() == "GET");
    CHECK(r.target() == "/chat?room=1");
    CHECK(r.path() == "/chat");
    CHECK(r.query() == "room=1");
    CHECK(r.http_version() == squall::http_version_number{1, 1});
    REQUIRE(r.headers().size() == 8);
    CHECK(r.headers()[0].name == "Host");
    CHECK(r.headers()[0].value == "server.example.com");
    CHECK(r.headers()[7].name == "Sec-WebSocket-Version");
    CHECK(r.headers()[7].value == "13");
}

TEST_CASE("request_parser: malformed heads fail with their handshake error", "[protocol][http_parser]") {
    using std::string_view;
    const auto [head, expected] = GENERATE(table<string_view, handshake_error>({
        // request line
        {"get / HTTP/1.1\r\n\r\n", handshake_error{}}, // lower-case method is a token: parses
        {"\r\nGET / HTTP/1.1\r\n\r\n", handshake_error::bad_request_line},
        {" GET / HTTP/1.1\r\n\r\n", handshake_error::bad_request_line},
        {"GET\r\n\r\n", handshake_error::bad_request_line},
        {"GET  / HTTP/1.1\r\n\r\n", handshake_error::bad_request_line},
        {"GET / HTTP/1.1 \r\n\r\n", handshake_error::bad_request_line},
        {"GET /  HTTP/1.1\r\n\r\n", handshake_error::bad_request_line},
        {"GET HTTP/1.1\r\n\r\n", handshake_error::bad_request_line},
        {"GET  HTTP/1.1\r\n\r\n", handshake_error::bad_request_line},
        {"G(T / HTTP/1.1\r\n\r\n", handshake_error::bad_request_line},
        {"GET http://h/ HTTP/1.1\r\n\r\n", handshake_error::bad_request_line},
        {"OPTIONS * HTTP/1.1\r\n\r\n", handshake_error::bad_request_line},
        {"CONNECT h:443 HTTP/1.1\r\n\r\n", handshake_error::bad_request_line},
        {"GET /a\x7f HTTP/1.1\r\n\r\n", handshake_error::bad_request_line},
        {"GET /\xc3\xa9 HTTP/1.1\r\n\r\n", handshake_error::bad_request_line},
        {"GET /a\tb HTTP/1.1\r\n\r\n", handshake_error::bad_request_line},
        {"GET / http/1.1\r\n\r\n", handshake_error::bad_request_line},
        {"GET / HTTP/1\r\n\r\n", handshake_error::bad_request_line},
        {"GET / HTTP/1.11\r\n\r\n", handshake_error::bad_request_line},
        {"GET / HTTP/a.1\r\n\r\n", handshake_error::bad_request_line},
        {"GET / HTTP/1.1\n\r\n", handshake_error::bad_request_line},
        {"GET / HTTP/1.1\rX\n\r\n", handshake_error::bad_request_line},
        {"GET / HTTP/1.1\r\r\n\r\n", handshake_error::bad_request_line},
        {string_view{"GET /\0 HTTP/1.1\r\n\r\n", 19}, handshake_error::bad_request_line},
        {string_view{"G\0T / HTTP/1.1\r\n\r\n", 18}, handshake_error::bad_request_line},
        {"GET / HTTP/2.0\r\n\r\n", handshake_error{}}, // syntactically fine: the handshake rejects it
        // header lines
        {"GET / HTTP/1.1\r\nHost : x\r\n\r\n", handshake_error::bad_header},
        {"GET / HTTP/1.1\r\n: x\r\n\r\n", handshake_error::bad_header},
        {"GET / HTTP/1.1\r\nHost\r\n\r\n", handshake_error::bad_header},
        {"GET / HTTP/1.1\r\nHo(st: x\r\n\r\n", handshake_error::bad_header},
        {"GET / HTTP/1.1\r\nH\xc3\xb6st: x\r\n\r\n", handshake_error::bad_header},
        {"GET / HTTP/1.1\r\nHost: x\r\n y\r\n\r\n", handshake_error::bad_header},   // obs-fold (SP)
        {"GET / HTTP/1.1\r\nHost: x\r\n\ty\r\n\r\n", handshake_error::bad_header},  // obs-fold (HTAB)
        {"GET / HTTP/1.1\r\n Host: x\r\n\r\n", handshake_error::bad_header},        // space before first field
        {"GET / HTTP/1.1\r\nHost: x\ny: z\r\n\r\n", handshake_error::bad_header},   // bare LF in value
        {"GET / HTTP/1.1\r\nHost: x\r\n\n", handshake_error::bad_header},           // bare LF ends the head
        {"GET / HTTP/1.1\r\nHost: x\rY: z\r\n\r\n", handshake_error::bad_header},   // CR without LF
        {"GET / HTTP/1.1\r\nHost: x\r\n\rX", handshake_error::bad_header},          // final CR without LF
        {string_view{"GET / HTTP/1.1\r\nHost: a\0b\r\n\r\n", 28}, handshake_error::bad_header},
        {string_view{"GET / HTTP/1.1\r\nHo\0st: x\r\n\r\n", 28}, handshake_error::bad_header},
        {"GET / HTTP/1.1\r\nHost: a\x01" "b\r\n\r\n", handshake_error::bad_header},
        {"GET / HTTP/1.1\r\nHost: a\x7f\r\n\r\n", handshake_error::bad_header},
        {"GET / HTTP/1.1\r\nHost: caf\xc3\xa9\r\n\r\n", handshake_error{}}, // obs-text in a value: parses
        {"GET / HTTP/1.1\r\nX: \t a \"q\" b\t \r\n\r\n", handshake_error{}},
        {"GET / HTTP/1.1\r\nX:\r\n\r\n", handshake_error{}},               // empty value
    }));
    CAPTURE(head);
    const auto [status, error] = parse_once(head);
    if (expected == handshake_error{}) {
        CHECK(status == parse_status::done);
        CHECK_FALSE(error);
    } else {
        CHECK(status == parse_status::failed);
        CHECK(error == squall::make_error_code(expected));
    }
}

TEST_CASE("request_parser: values are trimmed of OWS and keep inner whitespace", "[protocol][http_parser]") {
    request_parser p;
    REQUIRE(p.parse("GET / HTTP/1.1\r\nX: \t a \"q\" b\t \r\nY:\r\nZ:   \r\n\r\n") == parse_status::done);
    const auto r = p.request();
    CHECK(r.header("x") == std::string_view{"a \"q\" b"});
    CHECK(r.header("y") == std::string_view{});
    CHECK(r.header("z") == std::string_view{});
    CHECK(r.header("y").has_value());
    CHECK_FALSE(r.header("w").has_value());
}

TEST_CASE("request_parser: a head of exactly the limit parses and one more byte is 431", "[protocol][http_parser]") {
    const std::string_view prefix = "GET / HTTP/1.1\r\nX-Pad: ";
    const std::string_view suffix = "\r\n\r\n";
    const std::size_t limit = GENERATE(std::size_t{64}, std::size_t{1024}, request_parser::default_head_limit);
    CAPTURE(limit);
    const std::string exact = std::string{prefix} + repeat('p', limit - prefix.size() - suffix.size()) + std::string{suffix};
    REQUIRE(exact.size() == limit);
    {
        request_parser p{limit};
        CHECK(p.parse(exact) == parse_status::done);
        CHECK(p.head_size() == limit);
    }
    {
        // Bytes after a head that fits (a pipelined frame) do not count against the limit.
        request_parser p{limit};
        CHECK(p.parse(exact + "\x81\x85" + repeat('f', 300)) == parse_status::done);
    }
    const std::string over = std::string{prefix} + repeat('p', limit + 1 - prefix.size() - suffix.size()) + std::string{suffix};
    REQUIRE(over.size() == limit + 1);
    request_parser p{limit};
    CHECK(p.parse(over) == parse_status::failed);
    CHECK(p.error() == squall::make_error_code(handshake_error::head_too_large));
    CHECK(squall::http_status_for(handshake_error::head_too_large) == 431);
}

TEST_CASE("request_parser: 431 is reported as soon as the buffer passes the limit", "[protocol][http_parser]") {
    const std::size_t limit = 100;
    std::string buffer = "GET / HTTP/1.1\r\nX: ";
    buffer += repeat('v', limit - buffer.size()); // exactly `limit` bytes, no end of head yet
    request_parser p{limit};
    CHECK(p.parse(buffer) == parse_status::need_more);
    buffer += 'v';
    CHECK(p.parse(buffer) == parse_status::failed);
    CHECK(p.error() == squall::make_error_code(handshake_error::head_too_large));
    // A request line longer than the limit is also 431 (the head is too large).
    request_parser q{limit};
    CHECK(q.parse("GET /" + repeat('a', limit)) == parse_status::failed);
    CHECK(q.error() == squall::make_error_code(handshake_error::head_too_large));
}

TEST_CASE("request_parser: at most max_header_fields fields", "[protocol][http_parser]") {
    const auto head_with = [](std::size_t fields) {
        std::string h = "GET / HTTP/1.1\r\n";
        for (std::size_t i = 0; i < fields; ++i) h += "F" + std::to_string(i) + ": v\r\n";
        return h + "\r\n";
    };
    STATIC_REQUIRE(request_parser::max_header_fields == 100);
    const std::string hundred = head_with(100); // the request view points into it
    request_parser ok;
    REQUIRE(ok.parse(hundred) == parse_status::done);
    CHECK(ok.request().headers().size() == 100);
    CHECK(ok.request().header("f99") == std::string_view{"v"});
    request_parser over;
    CHECK(over.parse(head_with(101)) == parse_status::failed);
    CHECK(over.error() == squall::make_error_code(handshake_error::head_too_large));
}

TEST_CASE("request_parser: header lookup is case-insensitive and keeps names as received", "[protocol][http_parser]") {
    request_parser p;
    REQUIRE(p.parse("GET / HTTP/1.1\r\nsEc-WeBsOcKeT-kEy: k\r\nHOST: h\r\n\r\n") == parse_status::done);
    const auto r = p.request();
    CHECK(r.header("Sec-WebSocket-Key") == std::string_view{"k"});
    CHECK(r.header("host") == std::string_view{"h"});
    CHECK(r.headers()[0].name == "sEc-WeBsOcKeT-kEy");
    CHECK(r.header_count("HoSt") == 1);
    CHECK(r.header_count("Origin") == 0);
}

TEST_CASE("request_parser: repeated headers are joined in arrival order", "[protocol][http_parser]") {
    request_parser p;
    REQUIRE(p.parse("GET / HTTP/1.1\r\n"
                    "Accept: a\r\n"
                    "X-Other: o\r\n"
                    "accept: b , c\r\n"
                    "Cookie: short\r\n"
                    "ACCEPT: \r\n"
                    "Cookie: a-much-longer-cookie-value-that-does-not-fit-a-short-string\r\n"
                    "\r\n") == parse_status::done);
    const auto r = p.request();
    CHECK(r.header("Accept") == std::string_view{"a, b , c, "});
    CHECK(r.header_count("accept") == 3);
    CHECK(r.header("cookie") == std::string_view{"short, a-much-longer-cookie-value-that-does-not-fit-a-short-string"});
    CHECK(r.header("x-other") == std::string_view{"o"});
    REQUIRE(r.headers().size() == 6);
    CHECK(r.headers()[2].value == "b , c"); // the individual fields stay as received
    CHECK(r.has_token("accept", "C"));
    CHECK_FALSE(r.has_token("accept", "d"));
}

TEST_CASE("request_parser: joined values survive copy and move of the parser", "[protocol][http_parser]") {
    const std::string head = "GET / HTTP/1.1\r\nA: 1\r\nA: 2\r\nB: " + repeat('x', 40) + "\r\nB: y\r\n\r\n";
    request_parser p;
    REQUIRE(p.parse(head) == parse_status::done);
    const std::string b = repeat('x', 40) + ", y";
    request_parser copy{p};
    CHECK(copy.request().header("a") == std::string_view{"1, 2"});
    CHECK(copy.request().header("b") == std::string_view{b});
    CHECK(copy.request().header("a")->data() != p.request().header("a")->data());
    request_parser moved{std::move(copy)};
    CHECK(moved.request().header("a") == std::string_view{"1, 2"});
    CHECK(moved.request().header("b") == std::string_view{b});
    request_parser assigned;
    assigned = std::move(moved);
    CHECK(assigned.request().header("a") == std::string_view{"1, 2"});
    request_parser copy_assigned;
    copy_assigned = p;
    CHECK(copy_assigned.request().header("b") == std::string_view{b});
    CHECK(describe(copy_assigned) == describe(p));
}

TEST_CASE("request_parser: bytes after the head are left to the caller", "[protocol][http_parser]") {
    // A client may send its first frame in the same segment as the head.
    const std::string frame = "\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58";
    const std::string buffer = std::string{rfc_request} + frame;
    request_parser p;
    REQUIRE(p.parse(buffer) == parse_status::done);
    CHECK(p.head_size() == rfc_request.size());
    CHECK(std::string_view{buffer}.substr(p.head_size()) == frame);
    // Even bytes that would be a malformed head do not matter once the head is done.
    request_parser q;
    REQUIRE(q.parse(std::string{rfc_request} + std::string{"\r\n \0garbage", 11}) == parse_status::done);
    CHECK(q.head_size() == rfc_request.size());
}

TEST_CASE("request_parser: every split of the input gives the same result", "[protocol][http_parser]") {
    const std::string buffer = std::string{rfc_request} + "\x81\x80pipelined";
    request_parser whole;
    REQUIRE(whole.parse(buffer) == parse_status::done);
    const std::string expected = describe(whole);

    SECTION("byte by byte") {
        request_parser p;
        std::string received;
        received.reserve(buffer.size()); // appending must not move bytes the request view points to
        for (std::size_t i = 0; i < buffer.size(); ++i) {
            received += buffer[i];
            const parse_status st = p.parse(received);
            if (i + 1 < rfc_request.size()) {
                REQUIRE(st == parse_status::need_more);
            } else {
                REQUIRE(st == parse_status::done);
            }
        }
        CHECK(describe(p) == expected);
    }
    SECTION("two parts at every split point") {
        for (std::size_t split = 0; split <= buffer.size(); ++split) {
            request_parser p;
            std::string received;
            received.reserve(buffer.size()); // the head may complete in the first part
            received.append(buffer, 0, split);
            (void)p.parse(received);
            received += buffer.substr(split);
            CAPTURE(split);
            REQUIRE(p.parse(received) == parse_status::done);
            REQUIRE(describe(p) == expected);
        }
    }
    SECTION("malformed input fails the same way at every split point") {
        const std::string bad = "GET / HTTP/1.1\r\nHost: x\r\nBad Name: y\r\n\r\n";
        for (std::size_t split = 0; split <= bad.size(); ++split) {
            request_parser p;
            (void)p.parse(std::string_view{bad}.substr(0, split));
            CAPTURE(split);
            REQUIRE(p.parse(bad) == parse_status::failed);
            REQUIRE(p.error() == squall::make_error_code(handshake_error::bad_header));
        }
    }
}

TEST_CASE("request_parser: the buffer may move between calls", "[protocol][http_parser]") {
    request_parser p;
    std::string first{rfc_request.substr(0, 60)};
    REQUIRE(p.parse(first) == parse_status::need_more);
    std::string moved = std::move(first) + std::string{rfc_request.substr(60)};
    moved.shrink_to_fit();
    first = "clobbered, and the old storage may be gone";
    REQUIRE(p.parse(moved) == parse_status::done);
    CHECK(p.request().target() == "/chat?room=1");
    CHECK(p.request().header("host") == std::string_view{"server.example.com"});
    CHECK(p.request().header("Host")->data() >= moved.data());
    CHECK(p.request().header("Host")->data() < moved.data() + moved.size());
}

TEST_CASE("request_parser: a bad request line is rejected before the head ends", "[protocol][http_parser]") {
    const auto [prefix, offset] = GENERATE(table<std::string_view, std::size_t>({
        {"GET http://", 4},
        {"G@", 1},
        {"GET /x HTTP/1.1 ", 15},
        {"GET /x HTTP/1.1\n", 15},
        {"GET /x HTTQ", 10},
        {"GET /x y", 7},
    }));
    CAPTURE(prefix);
    request_parser p;
    CHECK(p.parse(prefix) == parse_status::failed);
    CHECK(p.error() == squall::make_error_code(handshake_error::bad_request_line));
    CHECK(p.scanned() == offset);
    // A bad header is caught before its line ends, too.
    request_parser q;
    CHECK(q.parse("GET / HTTP/1.1\r\nHo st") == parse_status::failed);
    CHECK(q.error() == squall::make_error_code(handshake_error::bad_header));
}

TEST_CASE("request_parser: each byte is scanned once whatever the reads", "[protocol][http_parser]") {
    // A head of 8000 bytes fed one byte at a time: the scan position follows the buffer exactly,
    // so each call only looks at what is new (O(n) in total, not O(n^2)).
    std::string head = "GET / HTTP/1.1\r\n";
    const std::string filler = "X-Filler: " + repeat('f', 190) + "\r\n"; // 40 fields, under the field limit
    while (head.size() + filler.size() + 20 <= 8000) head += filler;
    head += "X-Last: " + repeat('z', 8000 - head.size() - 8 - 4) + "\r\n\r\n";
    REQUIRE(head.size() == 8000);
    request_parser p;
    std::size_t need_more_calls = 0;
    for (std::size_t n = 1; n < head.size(); ++n) {
        REQUIRE(p.parse(std::string_view{head}.substr(0, n)) == parse_status::need_more);
        REQUIRE(p.scanned() == n);
        ++need_more_calls;
    }
    CHECK(need_more_calls == 7999);
    CHECK(p.parse(head) == parse_status::done);
    CHECK(p.head_size() == 8000);

    // Behavioural proof that scanned bytes are not examined again: bytes already scanned are
    // overwritten with what would be a fatal NUL, and the parse still completes.
    std::string buffer{rfc_request};
    request_parser q;
    REQUIRE(q.parse(std::string_view{buffer}.substr(0, 40)) == parse_status::need_more);
    buffer[20] = '\0'; // inside "Host: server.example.com", already scanned
    CHECK(q.parse(buffer) == parse_status::done);
}

TEST_CASE("request_parser: done and failed are sticky and reset allows reuse", "[protocol][http_parser]") {
    request_parser p;
    CHECK(p.parse("BAD\x01") == parse_status::failed);
    CHECK(p.parse(rfc_request) == parse_status::failed);
    CHECK(p.status() == parse_status::failed);
    CHECK(p.request().method().empty());
    CHECK(p.head_size() == 0);
    p.reset();
    CHECK_FALSE(p.error());
    CHECK(p.status() == parse_status::need_more);
    REQUIRE(p.parse(rfc_request) == parse_status::done);
    CHECK(p.parse("garbage") == parse_status::done);
    CHECK(p.request().header("sec-websocket-protocol") == std::string_view{"chat, superchat"});
    p.reset();
    REQUIRE(p.parse("GET /x HTTP/1.0\r\nA: 1\r\n\r\n") == parse_status::done);
    CHECK(p.request().headers().size() == 1);
    CHECK(p.request().header("sec-websocket-protocol") == std::nullopt);
    CHECK(p.request().http_version() == squall::http_version_number{1, 0});
}

TEST_CASE("request_view: path query and query parameters", "[protocol][request]") {
    const auto view = [](std::string_view target) {
        return squall::request_view{"GET", target, {1, 1}, {}};
    };
    CHECK(view("/a/b").path() == "/a/b");
    CHECK(view("/a/b").query().empty());
    CHECK(view("/a?").query().empty());
    CHECK(view("/a?x=1?y").path() == "/a");
    CHECK(view("/a?x=1?y").query() == "x=1?y");
    const auto r = view("/p?token=s3cret&flag&empty=&q=a%20b+c&token=second&na%6De=1");
    CHECK(r.query_param("token") == std::string_view{"s3cret"});
    CHECK(r.query_param("flag") == std::string_view{});
    CHECK(r.query_param("flag").has_value());
    CHECK(r.query_param("empty") == std::string_view{});
    CHECK(r.query_param("q") == std::string_view{"a%20b+c"}); // raw: not percent- or plus-decoded
    CHECK_FALSE(r.query_param("name").has_value());            // names are not decoded either
    CHECK_FALSE(r.query_param("Token").has_value());           // case-sensitive
    CHECK_FALSE(r.query_param("missing").has_value());
    CHECK_FALSE(view("/p").query_param("token").has_value());
}

TEST_CASE("request_view: offers and has_token read every instance", "[protocol][request]") {
    const squall::header_field fields[] = {
        {"Sec-WebSocket-Protocol", "chat, , v2.json"},
        {"Connection", "keep-alive"},
        {"sec-websocket-protocol", "superchat"},
        {"connection", "Upgrade"},
    };
    const squall::request_view r{"GET", "/", {1, 1}, fields};
    CHECK(r.offers("chat"));
    CHECK(r.offers("v2.json"));
    CHECK(r.offers("superchat"));
    CHECK_FALSE(r.offers("Chat"));     // subprotocols are case-sensitive
    CHECK_FALSE(r.offers(""));
    CHECK_FALSE(r.offers("chat, v2.json"));
    CHECK(r.has_token("CONNECTION", "upgrade"));
    CHECK(r.has_token("Connection", "KEEP-ALIVE"));
    CHECK_FALSE(r.has_token("Upgrade", "websocket"));
    CHECK(r.header_count("connection") == 2);
    CHECK(r.header("Connection") == std::string_view{"keep-alive"}); // no joined table given: first value
    STATIC_REQUIRE(std::is_trivially_copyable_v<squall::request_view>);
}
