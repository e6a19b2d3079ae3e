// tests/fuzz/fuzz_handshake.cpp: libFuzzer target for the opening handshake (DESIGN §1.1):
// request_parser fed in two pieces and at once (both must agree), then is_websocket_attempt,
// validate_upgrade with route and origin hooks, and write_accept / write_rejection.
// Input: [split][flags][request bytes...]. Invariant violations call __builtin_trap().
#include <squall/error.hpp>
#include <squall/protocol/frame.hpp>
#include <squall/protocol/handshake.hpp>
#include <squall/protocol/http_parser.hpp>
#include <squall/protocol/response_writer.hpp>
#include <squall/request.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

using namespace squall;
using namespace squall::protocol;

namespace {

void check(bool ok) {
    if (!ok) __builtin_trap();
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// The first line of a rejection is exactly "HTTP/1.1 <status> <reason>\r\n" and its
// Content-Length matches the body that follows the head.
void check_response(std::string_view out, int status) {
    std::string line = "HTTP/1.1 " + std::to_string(status) + " ";
    line += reason_phrase(status);
    line += "\r\n";
    check(starts_with(out, line));
    const std::size_t end = out.find("\r\n\r\n");
    check(end != std::string_view::npos);
    const std::string_view head = out.substr(0, end + 2);
    const std::size_t cl = head.find("\r\nContent-Length: ");
    check(cl != std::string_view::npos);
    std::size_t n = 0;
    for (std::size_t i = cl + 18; i < head.size() && head[i] >= '0' && head[i] <= '9'; ++i)
        n = n * 10 + static_cast<std::size_t>(head[i] - '0');
    check(out.size() - (end + 4) == n);
    if (status == 426) check(head.find("\r\nSec-WebSocket-Version: 13\r\n") != std::string_view::npos);
}

// The first token of the client's Sec-WebSocket-Protocol list (no validation: write_accept
// must refuse it if it is not a token or not offered).
std::string_view first_offered(const request_view& req) {
    const auto v = req.header("Sec-WebSocket-Protocol");
    if (!v) return {};
    std::string_view s = v->substr(0, v->find(','));
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    const std::uint8_t split_byte = data[0];
    const std::uint8_t flags = data[1];
    const std::string input(reinterpret_cast<const char*>(data + 2), size - 2);
    const std::string_view all{input};
    // A small head limit now and then, so 431 is reachable with short inputs.
    const std::size_t head_limit = (flags & 1) ? 64 + (flags >> 1) * 4 : request_parser::default_head_limit;

    // Incremental: a prefix, then everything (the caller's buffer grows, bytes unchanged).
    const std::size_t split = static_cast<std::size_t>(split_byte) * all.size() / 255;
    request_parser a{head_limit};
    parse_status sa = a.parse(all.substr(0, split));
    if (sa == parse_status::need_more) sa = a.parse(all);
    // A third call changes nothing.
    check(a.parse(all) == sa);

    // At once.
    request_parser b{head_limit};
    const parse_status sb = b.parse(all);

    if (sa != sb || a.error() != b.error() || a.head_size() != b.head_size()) __builtin_trap();
    check(a.status() == sa);
    check(a.head_size() <= all.size());
    check(a.head_size() <= head_limit);

    std::string out;
    if (sa == parse_status::failed) {
        const std::error_code ec = a.error();
        check(ec.category() == handshake_category());
        check(a.head_size() == 0);
        write_rejection(ec, out);
        check_response(out, http_status_for(static_cast<handshake_error>(ec.value())));
        return 0;
    }
    if (sa == parse_status::need_more) {
        check(a.head_size() == 0);
        check(all.size() <= head_limit);
        return 0;
    }

    const request_view req = a.request();
    const request_view rb = b.request();
    check(req.method() == rb.method() && req.target() == rb.target());
    check(req.headers().size() == rb.headers().size());
    check(req.headers().size() <= request_parser::max_header_fields);
    check(all.substr(a.head_size() - 4, 4) == "\r\n\r\n");
    check(!req.target().empty() && req.target().front() == '/');

    // Step 3: some paths have a route. Step 7: some origins pass.
    const auto route = [](std::string_view path) -> std::optional<std::size_t> {
        if (path == "/") return std::size_t{0};
        if (starts_with(path, "/chat")) return std::size_t{1};
        if (path == "/echo") return std::size_t{2};
        return std::nullopt;
    };
    bool origin_called = false;
    const auto origin = [&](std::string_view o, const request_view&) {
        origin_called = true;
        return o == "https://ok.example" || o.find("good") != std::string_view::npos;
    };
    const bool attempt = is_websocket_attempt(req);
    const handshake_result r = validate_upgrade(req, route, origin);
    check(attempt == (r.kind != handshake_kind::plain_http));
    if (origin_called) check(req.header("Origin") || req.header("Sec-WebSocket-Origin"));

    switch (r.kind) {
    case handshake_kind::plain_http:
        check(r.error == make_error_code(handshake_error::not_websocket));
        write_rejection(r.error, out);
        check_response(out, 400);
        break;
    case handshake_kind::rejected:
        check(r.error.category() == handshake_category());
        write_rejection(r.error, out);
        check_response(out, http_status_for(static_cast<handshake_error>(r.error.value())));
        break;
    case handshake_kind::upgrade: {
        check(!r.error);
        check(r.key.size() == 24);
        check(route(req.path()).value_or(99) == r.route);
        std::string_view sub;
        switch ((flags >> 1) & 3) {
        case 0: sub = {}; break;
        case 1: sub = first_offered(req); break;
        case 2: sub = "x-not-offered"; break;
        case 3: sub = "chat"; break;
        }
        std::array<header_field, 1> extra{};
        accept_options opts;
        opts.subprotocol = sub;
        if (flags & 0x10) {
            extra[0] = (flags & 0x20) ? header_field{"Set-Cookie", "id=1; HttpOnly"} : header_field{"X-Bad", "a\r\nb"};
            opts.headers = extra;
        }
        const bool expect_ok = (sub.empty() || (squall::detail::is_token(sub) && req.offers(sub))) &&
                               (!(flags & 0x10) || (flags & 0x20));
        const std::error_code ec = write_accept(req, r.key, opts, out);
        check(!ec == expect_ok);
        if (ec) {
            check(out.empty()); // nothing appended on failure
            check(ec == make_error_code(handshake_error::bad_admission_result));
            write_rejection(ec, out);
            check_response(out, 500);
        } else {
            check(starts_with(out, "HTTP/1.1 101 "));
            check(out.size() >= 4 && out.substr(out.size() - 4) == "\r\n\r\n");
            const std::array<char, 28> key = accept_key(r.key);
            check(out.find("\r\nSec-WebSocket-Accept: " + std::string(key.data(), key.size()) + "\r\n") !=
                  std::string::npos);
            check((out.find("\r\nSec-WebSocket-Protocol: ") != std::string::npos) == !sub.empty());
            check(out.find("\r\nSec-WebSocket-Extensions:") == std::string::npos); // none negotiated
        }
        break;
    }
    }
    return 0;
}
