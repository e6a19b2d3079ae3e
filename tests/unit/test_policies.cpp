// Tests for policy/ (DESIGN §3): each role's concept against stock policies and wrong shapes,
// the stock policies' rules and throws, the built-in JSON encoder's exact output, the admission
// result types and callback, and policy_pack's order-free selection with defaults.
#include <squall/policies.hpp>

#include <catch2/catch.hpp>

#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <vector>

using namespace std::chrono_literals;
using squall::header_field;
using squall::request_view;

namespace {

// A request with the given Host (none when empty) and Origin.
struct test_request {
    std::vector<header_field> fields;
    explicit test_request(std::string_view host, std::string_view origin = "http://x") {
        if (!host.empty()) fields.push_back({"Host", host});
        fields.push_back({"Origin", origin});
    }
    request_view view() const { return request_view{"GET", "/chat?token=1", {1, 1}, fields}; }
};

// --- wrong shapes, one per role ---
struct origin_wrong_args {
    bool allow_origin(int, const request_view&) const { return true; }
};
struct origin_not_const {
    bool allow_origin(std::string_view, const request_view&) { return true; }
};
struct origin_by_concept { // no policy_role: detected by its members
    bool allow_origin(std::string_view o, const request_view&) const { return o == "https://ok.example"; }
};
struct sync_admit_by_concept {
    squall::admission admit(const request_view&) const { return squall::reject{401, "no"}; }
};
struct async_admit {
    using policy_role = squall::admission_role;
    void admit(const request_view&, squall::admission_callback cb) const { cb(squall::accept{}); }
};
struct admit_returns_bool {
    bool admit(const request_view&) const { return true; }
};
struct ping_missing_heartbeat {
    std::optional<squall::ping_duration> ping_interval() const { return 1s; }
    squall::ping_duration pong_timeout() const { return 3s; }
};
struct ping_by_concept {
    std::optional<squall::ping_duration> ping_interval() const { return 5s; }
    squall::ping_duration pong_timeout() const { return 7s; }
    std::optional<squall::heartbeat_strings> heartbeat() const { return std::nullopt; }
};
struct sizes_by_concept {
    std::uint64_t max_message_bytes() const { return 100; }
    std::uint64_t max_frame_bytes() const { return 50; }
    std::uint32_t max_fragments() const { return 4; }
};
struct sizes_missing_fragments {
    std::uint64_t max_message_bytes() const { return 100; }
    std::uint64_t max_frame_bytes() const { return 50; }
};
struct json_by_concept {
    template <class T> std::error_code encode(const T&, std::string& out) const {
        out += "42";
        return {};
    }
};
struct json_returns_bool {
    template <class T> bool encode(const T&, std::string&) const { return true; }
};
struct unencodable {};

// A sink that records what it was completed with.
struct recording_sink final : squall::detail::admission_sink {
    std::mutex mutex;
    int calls = 0;
    std::optional<squall::admission> result;
    std::thread::id thread;
    void complete(squall::admission a) override {
        std::lock_guard lock{mutex};
        ++calls;
        thread = std::this_thread::get_id();
        result = std::move(a);
    }
};

template <class T> std::string json(const T& value) {
    std::string out;
    const std::error_code ec = squall::builtin_json{}.encode(value, out);
    if (ec) return "<error: " + ec.message() + ">";
    return out;
}

} // namespace

// ============================================================================================
// origin
// ============================================================================================

TEST_CASE("origin policy: stock policies model origin_policy and wrong shapes do not", "[policy][origin]") {
    STATIC_REQUIRE(squall::origin_policy<squall::same_host_origin>);
    STATIC_REQUIRE(squall::origin_policy<squall::any_origin>);
    STATIC_REQUIRE(squall::origin_policy<squall::allowed_origins>);
    STATIC_REQUIRE(squall::origin_policy<origin_by_concept>);
    STATIC_REQUIRE_FALSE(squall::origin_policy<origin_wrong_args>);
    STATIC_REQUIRE_FALSE(squall::origin_policy<origin_not_const>);
    STATIC_REQUIRE_FALSE(squall::origin_policy<int>);
    STATIC_REQUIRE(std::is_same_v<squall::same_host_origin::policy_role, squall::origin_role>);
    STATIC_REQUIRE(std::is_same_v<squall::any_origin::policy_role, squall::origin_role>);
    STATIC_REQUIRE(std::is_same_v<squall::allowed_origins::policy_role, squall::origin_role>);
    STATIC_REQUIRE(std::is_empty_v<squall::same_host_origin>);
    STATIC_REQUIRE(std::is_empty_v<squall::any_origin>);
}

TEST_CASE("origin policy: same_host_origin compares the origin's host and port with Host", "[policy][origin]") {
    const auto [host, origin, allowed] = GENERATE(table<std::string_view, std::string_view, bool>({
        {"a.example", "http://a.example", true},
        {"a.example", "https://a.example", true},
        {"a.example:8080", "http://a.example:8080", true},
        {"A.Example", "http://a.example", true},              // Host side case-insensitive
        {"a.example", "HTTPS://A.EXAMPLE", true},             // origin side too (scheme and host)
        {"[::1]:9001", "http://[::1]:9001", true},
        {"a.example", "app://a.example", true},               // any RFC 3986 scheme
        {"a.example", "https://a.example:443", false},        // default ports compared literally
        {"a.example:443", "https://a.example", false},
        {"a.example:8080", "http://a.example:8081", false},
        {"a.example", "http://b.example", false},
        {"a.example", "http://a.example.evil", false},
        {"a.example", "http://evil.a.example", false},
        {"a.example", "null", false},                         // opaque origin (file://, sandbox)
        {"a.example", "a.example", false},                    // no scheme
        {"a.example", "//a.example", false},
        {"a.example", "http://", false},
        {"a.example", "http://a.example/", false},            // a path is not an origin
        {"a.example", "http://user@a.example", false},
        {"a.example", "http://a.example:", false},
        {"a.example", "http://a.example:8o", false},
        {"a.example", "", false},
        {"", "http://a.example", false},                      // no Host header at all
    }));
    INFO("Host: " << host << "  Origin: " << origin);
    const test_request req{host, origin};
    CHECK(squall::same_host_origin{}.allow_origin(origin, req.view()) == allowed);
}

TEST_CASE("origin policy: any_origin allows every origin", "[policy][origin]") {
    const test_request req{"a.example"};
    CHECK(squall::any_origin{}.allow_origin("null", req.view()));
    CHECK(squall::any_origin{}.allow_origin("https://evil.example", req.view()));
}

TEST_CASE("origin policy: allowed_origins matches listed origins exactly and case-insensitively", "[policy][origin]") {
    const squall::allowed_origins p{"https://app.example", "http://localhost:8080", "http://[::1]:3000"};
    const test_request req{"proxy.internal"};
    CHECK(p.allow_origin("https://app.example", req.view()));
    CHECK(p.allow_origin("HTTPS://APP.example", req.view()));
    CHECK(p.allow_origin("http://localhost:8080", req.view()));
    CHECK(p.allow_origin("http://[::1]:3000", req.view()));
    CHECK_FALSE(p.allow_origin("http://app.example", req.view()));      // other scheme
    CHECK_FALSE(p.allow_origin("https://app.example/", req.view()));    // not the serialized origin
    CHECK_FALSE(p.allow_origin("https://app.example:443", req.view())); // no default-port folding
    CHECK_FALSE(p.allow_origin("http://localhost", req.view()));
    CHECK_FALSE(p.allow_origin("null", req.view()));
    CHECK(p.origins().size() == 3);
    CHECK(p.origins()[1] == "http://localhost:8080");
}

TEST_CASE("origin policy: allowed_origins takes any range of strings", "[policy][origin]") {
    const std::vector<std::string> list{"https://a.example", "https://b.example"};
    const squall::allowed_origins p{list};
    const test_request req{"x"};
    CHECK(p.allow_origin("https://b.example", req.view()));
    const squall::allowed_origins from_iterators{list.begin(), list.end()};
    CHECK(from_iterators == p);
    CHECK_THROWS_AS(squall::allowed_origins(list.end(), list.end()), std::invalid_argument);
    const std::array<std::string_view, 1> arr{"https://c.example"};
    CHECK(squall::allowed_origins{arr}.allow_origin("https://c.example", req.view()));
    const squall::allowed_origins copy = p;
    CHECK(copy == p);
}

TEST_CASE("origin policy: allowed_origins refuses an empty list or a malformed entry", "[policy][origin]") {
    CHECK_THROWS_AS(squall::allowed_origins(std::vector<std::string>{}), std::invalid_argument);
    CHECK_THROWS_WITH(squall::allowed_origins(std::vector<std::string>{}),
                      Catch::Contains("at least one origin") && Catch::EndsWith("."));
    const auto bad = GENERATE(as<std::string>{}, "app.example", "https://app.example/", "null", "https://",
                              "https://a.example/path", "https://a.example:x", "*", "");
    INFO(bad);
    CHECK_THROWS_AS((squall::allowed_origins{"https://ok.example", bad}), std::invalid_argument);
    CHECK_THROWS_WITH((squall::allowed_origins{"https://ok.example", bad}),
                      Catch::Contains("\"" + bad + "\"") && Catch::EndsWith("."));
}

// ============================================================================================
// admission
// ============================================================================================

TEST_CASE("admission policy: concepts tell sync from async and refuse wrong shapes", "[policy][admission]") {
    STATIC_REQUIRE(squall::sync_admission_policy<squall::admit_all>);
    STATIC_REQUIRE(squall::admission_policy<squall::admit_all>);
    STATIC_REQUIRE_FALSE(squall::async_admission_policy<squall::admit_all>);
    STATIC_REQUIRE(squall::async_admission_policy<async_admit>);
    STATIC_REQUIRE(squall::admission_policy<async_admit>);
    STATIC_REQUIRE_FALSE(squall::sync_admission_policy<async_admit>);
    STATIC_REQUIRE(squall::sync_admission_policy<sync_admit_by_concept>);
    STATIC_REQUIRE_FALSE(squall::admission_policy<admit_returns_bool>);
    STATIC_REQUIRE_FALSE(squall::admission_policy<origin_by_concept>);
    STATIC_REQUIRE(std::is_empty_v<squall::admit_all>);
    STATIC_REQUIRE(std::is_copy_constructible_v<squall::admission_callback>);
    STATIC_REQUIRE_FALSE(std::is_default_constructible_v<squall::admission_callback>);
    STATIC_REQUIRE(std::is_nothrow_default_constructible_v<squall::accept>);
    STATIC_REQUIRE(std::is_nothrow_move_constructible_v<squall::accept>);
    STATIC_REQUIRE(std::is_nothrow_move_constructible_v<squall::admission>);
}

TEST_CASE("admission policy: accept builds fluently and owns its headers", "[policy][admission]") {
    std::string cookie = "sid=abc; HttpOnly";
    const squall::accept a = squall::accept{}
                                 .subprotocol("chat.v2")
                                 .header("Set-Cookie", cookie)
                                 .header("X-Trace", "1")
                                 .user_data(std::string{"alice"});
    cookie.assign(cookie.size(), '#'); // the accept copied it
    CHECK(a.subprotocol() == "chat.v2");
    REQUIRE(a.headers().size() == 2);
    CHECK(a.headers()[0].name == "Set-Cookie");
    CHECK(a.headers()[0].value == "sid=abc; HttpOnly");
    CHECK(a.headers()[1].name == "X-Trace");
    CHECK(a.headers()[1].value == "1");
    REQUIRE(a.user_data().has_value());
    CHECK(std::any_cast<std::string>(a.user_data()) == "alice");

    squall::accept b; // lvalue form: returns a reference to itself
    squall::accept& same = b.subprotocol("x").header("A", "1");
    CHECK(&same == &b);
    for (int i = 0; i < 40; ++i) b.header("H" + std::to_string(i), std::string(i, 'v')); // reallocations
    REQUIRE(b.headers().size() == 41);
    CHECK(b.headers()[0].value == "1");
    CHECK(b.headers()[40].name == "H39");
    CHECK(b.headers()[40].value == std::string(39, 'v'));

    const squall::accept empty;
    CHECK(empty.subprotocol().empty());
    CHECK(empty.headers().empty());
    CHECK_FALSE(empty.user_data().has_value());
}

TEST_CASE("admission policy: copies and moves of accept keep valid header views", "[policy][admission]") {
    auto original = std::make_unique<squall::accept>(squall::accept{}.header("Set-Cookie", "a=1").header("X", "y"));
    const squall::accept copy = *original;
    squall::accept assigned;
    assigned = *original;
    squall::accept moved = std::move(*original);
    original.reset(); // the source is gone: copies must not point into it
    for (const squall::accept* a : std::array<const squall::accept*, 3>{&copy, &assigned, &moved}) {
        REQUIRE(a->headers().size() == 2);
        CHECK(a->headers()[0].name == "Set-Cookie");
        CHECK(a->headers()[0].value == "a=1");
        CHECK(a->headers()[1].value == "y");
    }
}

TEST_CASE("admission policy: reject keeps its status and answers 500 outside 300 to 599", "[policy][admission]") {
    const squall::reject r = squall::reject{401, "missing or wrong token"}.header("WWW-Authenticate", "Bearer");
    CHECK(r.status() == 401);
    CHECK(r.response_status() == 401);
    CHECK(r.body() == "missing or wrong token");
    REQUIRE(r.headers().size() == 1);
    CHECK(r.headers()[0].name == "WWW-Authenticate");
    CHECK(r.headers()[0].value == "Bearer");
    CHECK(squall::reject{302}.response_status() == 302);
    CHECK(squall::reject{599}.response_status() == 599);
    CHECK(squall::reject{200}.status() == 200);
    CHECK(squall::reject{200}.response_status() == 500);
    CHECK(squall::reject{101}.response_status() == 500);
    CHECK(squall::reject{600}.response_status() == 500);
    CHECK(squall::reject{-1}.response_status() == 500);
    CHECK(squall::reject{403}.body().empty());
}

TEST_CASE("admission policy: admission holds either an accept or a reject", "[policy][admission]") {
    const squall::admission by_default;
    CHECK(by_default.accepted());
    CHECK(by_default.as_accept().headers().empty());
    CHECK_THROWS_AS(by_default.as_reject(), std::bad_variant_access);

    squall::admission a = squall::accept{}.subprotocol("v1");
    CHECK(a.accepted());
    CHECK(a.as_accept().subprotocol() == "v1");

    squall::admission r = squall::reject{429, "slow down"}.header("Retry-After", "5");
    CHECK_FALSE(r.accepted());
    CHECK(r.as_reject().status() == 429);
    CHECK(r.as_reject().headers()[0].value == "5");
    CHECK_THROWS_AS(r.as_accept(), std::bad_variant_access);

    const squall::reject taken = std::move(r).as_reject();
    CHECK(taken.body() == "slow down");
    CHECK(taken.headers()[0].name == "Retry-After");
}

TEST_CASE("admission policy: admit_all accepts with nothing added", "[policy][admission]") {
    const test_request req{"a.example"};
    const squall::admission a = squall::admit_all{}.admit(req.view());
    CHECK(a.accepted());
    CHECK(a.as_accept().subprotocol().empty());
    CHECK(a.as_accept().headers().empty());
    CHECK_FALSE(a.as_accept().user_data().has_value());
}

TEST_CASE("admission policy: admission_callback delivers one decision from another thread", "[policy][admission]") {
    auto sink = std::make_shared<recording_sink>();
    squall::admission_callback cb{sink};
    std::thread worker{[cb] { cb(squall::accept{}.subprotocol("chat")); }};
    const std::thread::id worker_id = worker.get_id();
    worker.join();
    std::lock_guard lock{sink->mutex};
    CHECK(sink->calls == 1);
    CHECK(sink->thread == worker_id);
    REQUIRE(sink->result);
    REQUIRE(sink->result->accepted());
    CHECK(sink->result->as_accept().subprotocol() == "chat");
}

TEST_CASE("admission policy: admission_callback ignores every call after the first", "[policy][admission]") {
    auto sink = std::make_shared<recording_sink>();
    {
        squall::admission_callback cb{sink};
        std::vector<std::thread> racers;
        for (int i = 0; i < 8; ++i)
            racers.emplace_back([cb, i] { cb(squall::reject{400 + i}); });
        for (std::thread& t : racers) t.join();
        cb(squall::accept{}); // later, on this thread: ignored
        const squall::admission_callback copy = cb;
        copy(squall::accept{});
    } // every copy gone after a call: no dropped-request reject either
    CHECK(sink->calls == 1);
    REQUIRE(sink->result);
    CHECK_FALSE(sink->result->accepted());
    CHECK(sink->result->as_reject().status() >= 400);
    CHECK(sink->result->as_reject().status() < 408);
    CHECK(sink.use_count() == 1); // the callback released the sink
}

TEST_CASE("admission policy: a dropped admission_callback rejects with 500", "[policy][admission]") {
    auto sink = std::make_shared<recording_sink>();
    {
        squall::admission_callback cb{sink};
        std::thread{[copy = cb] { (void)copy; }}.join(); // a copy dies elsewhere: not yet dropped
        CHECK(sink->calls == 0);
    }
    CHECK(sink->calls == 1);
    REQUIRE(sink->result);
    REQUIRE_FALSE(sink->result->accepted());
    CHECK(sink->result->as_reject().status() == 500);
    CHECK(sink->result->as_reject().body() == "The admission policy dropped the request.");
    CHECK_THROWS_AS(squall::admission_callback{nullptr}, std::invalid_argument);
}

// ============================================================================================
// ping
// ============================================================================================

TEST_CASE("ping policy: stock policies model ping_policy and wrong shapes do not", "[policy][ping]") {
    STATIC_REQUIRE(squall::ping_policy<squall::interval_ping>);
    STATIC_REQUIRE(squall::ping_policy<squall::no_ping>);
    STATIC_REQUIRE(squall::ping_policy<ping_by_concept>);
    STATIC_REQUIRE_FALSE(squall::ping_policy<ping_missing_heartbeat>);
    STATIC_REQUIRE_FALSE(squall::has_heartbeat<ping_missing_heartbeat>);
    STATIC_REQUIRE(squall::has_pong_timeout<ping_missing_heartbeat>);
    STATIC_REQUIRE_FALSE(squall::ping_policy<sizes_by_concept>);
}

TEST_CASE("ping policy: interval_ping defaults to 30 s and 90 s", "[policy][ping]") {
    const squall::interval_ping p;
    CHECK(p.ping_interval() == squall::ping_duration{30s});
    CHECK(p.pong_timeout() == squall::ping_duration{90s});
    CHECK_FALSE(p.heartbeat().has_value());
    CHECK(p == squall::interval_ping{30s});
}

TEST_CASE("ping policy: interval_ping follows Tornado's timeout rule", "[policy][ping]") {
    const auto [interval, timeout] = GENERATE(table<squall::ping_duration, squall::ping_duration>({
        {1s, 30s},
        {5s, 30s},
        {10s, 30s},
        {11s, 33s},
        {20s, 60s},
        {60s, 180s},
        {std::chrono::milliseconds{1}, 30s},
    }));
    const squall::interval_ping p{interval};
    CHECK(p.ping_interval() == interval);
    CHECK(p.pong_timeout() == timeout);
}

TEST_CASE("ping policy: a huge interval saturates the timeout instead of overflowing", "[policy][ping]") {
    const squall::interval_ping large{std::chrono::hours{100'000}};
    CHECK(large.pong_timeout() == squall::ping_duration{std::chrono::hours{300'000}});
    const squall::interval_ping saturated{squall::ping_duration::max() / 2};
    CHECK(saturated.pong_timeout() == squall::ping_duration::max());
}

TEST_CASE("ping policy: interval_ping takes an explicit timeout and any duration type", "[policy][ping]") {
    const squall::interval_ping p{20s, 5s};
    CHECK(p.ping_interval() == squall::ping_duration{20s});
    CHECK(p.pong_timeout() == squall::ping_duration{5s});
    const squall::interval_ping m{std::chrono::minutes{2}, std::chrono::milliseconds{1500}};
    CHECK(m.ping_interval() == squall::ping_duration{120s});
    CHECK(m.pong_timeout() == squall::ping_duration{1500ms});
    const squall::interval_ping d{std::chrono::duration<double>{0.5}};
    CHECK(d.ping_interval() == squall::ping_duration{500ms});
    CHECK(d.pong_timeout() == squall::ping_duration{30s});
}

TEST_CASE("ping policy: zero or negative durations throw", "[policy][ping]") {
    CHECK_THROWS_AS(squall::interval_ping{0s}, std::invalid_argument);
    CHECK_THROWS_AS(squall::interval_ping{-1s}, std::invalid_argument);
    CHECK_THROWS_AS((squall::interval_ping{10s, 0s}), std::invalid_argument);
    CHECK_THROWS_AS((squall::interval_ping{10s, -5ms}), std::invalid_argument);
    CHECK_THROWS_AS((squall::interval_ping{0s, 10s}), std::invalid_argument);
    using fractional_ns = std::chrono::duration<double, std::nano>;
    using years = std::chrono::duration<double, std::ratio<31'556'952>>;
    CHECK_THROWS_AS(squall::interval_ping{fractional_ns{0.25}}, std::invalid_argument); // under one tick
    CHECK_THROWS_AS(squall::interval_ping{years{1e12}}, std::invalid_argument);         // beyond the clock
    CHECK_THROWS_WITH(squall::interval_ping{0s}, Catch::Contains("ping interval") && Catch::Contains("no_ping") &&
                                                     Catch::EndsWith("."));
    CHECK_THROWS_WITH((squall::interval_ping{1s, -1s}), Catch::StartsWith("The pong timeout must be positive"));
}

TEST_CASE("ping policy: heartbeat returns a copy with the heartbeat set", "[policy][ping]") {
    const squall::interval_ping base{20s};
    const squall::interval_ping hb = base.heartbeat("ping", "pong");
    CHECK_FALSE(base.heartbeat().has_value()); // the original is unchanged
    REQUIRE(hb.heartbeat().has_value());
    CHECK(hb.heartbeat()->request == "ping");
    CHECK(hb.heartbeat()->reply == "pong");
    CHECK(hb.ping_interval() == base.ping_interval());
    CHECK(hb.pong_timeout() == squall::ping_duration{60s});
    const auto chained = squall::interval_ping{20s}.heartbeat("a", "b").heartbeat("c", "");
    CHECK(chained.heartbeat() == squall::heartbeat_strings{"c", ""});

    const squall::no_ping quiet = squall::no_ping{}.heartbeat("__ping__", "__pong__");
    REQUIRE(quiet.heartbeat().has_value());
    CHECK(quiet.heartbeat()->reply == "__pong__");
    CHECK_FALSE(quiet.ping_interval().has_value());

    CHECK_THROWS_AS(base.heartbeat("", "pong"), std::invalid_argument);
    CHECK_THROWS_AS(squall::no_ping{}.heartbeat("", "x"), std::invalid_argument);
    CHECK_THROWS_AS(base.heartbeat("\xff", "pong"), std::invalid_argument);
    CHECK_THROWS_AS(base.heartbeat("ping", "\xc3"), std::invalid_argument);
}

TEST_CASE("ping policy: no_ping never pings", "[policy][ping]") {
    const squall::no_ping p;
    CHECK_FALSE(p.ping_interval().has_value());
    CHECK_FALSE(p.heartbeat().has_value());
    STATIC_REQUIRE(std::is_same_v<squall::no_ping::policy_role, squall::ping_role>);
    STATIC_REQUIRE(std::is_same_v<squall::interval_ping::policy_role, squall::ping_role>);
}

// ============================================================================================
// size limits
// ============================================================================================

TEST_CASE("size limit policy: defaults are 10 MiB per message and frame and 65536 fragments", "[policy][size_limit]") {
    STATIC_REQUIRE(squall::size_limit_policy<squall::message_size_limit>);
    STATIC_REQUIRE(squall::size_limit_policy<sizes_by_concept>);
    STATIC_REQUIRE_FALSE(squall::size_limit_policy<sizes_missing_fragments>);
    constexpr squall::message_size_limit d;
    STATIC_REQUIRE(d.max_message_bytes() == 10485760);
    STATIC_REQUIRE(d.max_frame_bytes() == 10485760);
    STATIC_REQUIRE(d.max_fragments() == 65536);
    const squall::message_size_limit one_mib{1 << 20};
    CHECK(one_mib.max_message_bytes() == 1048576);
    CHECK(one_mib.max_frame_bytes() == 1048576);
    CHECK(one_mib.max_fragments() == 65536);
}

TEST_CASE("size limit policy: a frame limit above the message limit is clamped", "[policy][size_limit]") {
    const squall::message_size_limit small_frames{1000, 100, 8};
    CHECK(small_frames.max_message_bytes() == 1000);
    CHECK(small_frames.max_frame_bytes() == 100);
    CHECK(small_frames.max_fragments() == 8);
    const squall::message_size_limit clamped{1000, 5000};
    CHECK(clamped.max_frame_bytes() == 1000);
    CHECK(clamped.max_fragments() == 65536);
    const squall::message_size_limit equal{1000, 1000, 1};
    CHECK(equal.max_frame_bytes() == 1000);
    const squall::message_size_limit top{squall::message_size_limit::max_bytes};
    CHECK(top.max_message_bytes() == (std::uint64_t{1} << 62));
}

TEST_CASE("size limit policy: zero or oversized limits throw", "[policy][size_limit]") {
    constexpr std::uint64_t above = (std::uint64_t{1} << 62) + 1;
    CHECK_THROWS_AS(squall::message_size_limit{above}, std::invalid_argument);
    CHECK_THROWS_AS((squall::message_size_limit{1000, above}), std::invalid_argument);
    CHECK_THROWS_AS((squall::message_size_limit{1000, 100, 0}), std::invalid_argument);
    CHECK_THROWS_AS(squall::message_size_limit{0}, std::invalid_argument);
    CHECK_THROWS_AS((squall::message_size_limit{1000, 0}), std::invalid_argument);
    CHECK_THROWS_WITH((squall::message_size_limit{1000, 100, 0}), Catch::StartsWith("The fragment limit"));
    CHECK_THROWS_WITH(squall::message_size_limit{above}, Catch::Contains("2^62") && Catch::EndsWith("."));
}

// ============================================================================================
// JSON
// ============================================================================================

TEST_CASE("json policy: the concept accepts encoders and no_json and refuses other shapes", "[policy][json]") {
    STATIC_REQUIRE(squall::json_encoder_policy<squall::builtin_json>);
    STATIC_REQUIRE(squall::json_encoder_policy<squall::no_json>);
    STATIC_REQUIRE(squall::json_encoder_policy<json_by_concept>);
    STATIC_REQUIRE_FALSE(squall::json_encoder_policy<json_returns_bool>);
    STATIC_REQUIRE_FALSE(squall::json_encoder_policy<squall::interval_ping>);
    STATIC_REQUIRE(squall::json_enabled_v<squall::builtin_json>);
    STATIC_REQUIRE(squall::json_enabled_v<json_by_concept>);
    STATIC_REQUIRE_FALSE(squall::json_enabled_v<squall::no_json>);
    STATIC_REQUIRE(std::is_empty_v<squall::builtin_json>);
    STATIC_REQUIRE(std::is_empty_v<squall::no_json>);
}

TEST_CASE("builtin_json: can_encode tells which types compile", "[policy][json]") {
    using squall::builtin_json;
    STATIC_REQUIRE(builtin_json::can_encode<int>);
    STATIC_REQUIRE(builtin_json::can_encode<std::map<std::string, std::vector<std::optional<double>>>>);
    STATIC_REQUIRE(builtin_json::can_encode<std::unordered_map<std::string_view, bool>>);
    STATIC_REQUIRE(builtin_json::can_encode<std::set<std::string>>);
    STATIC_REQUIRE(builtin_json::can_encode<const char*>);
    STATIC_REQUIRE(builtin_json::can_encode<std::nullptr_t>);
    STATIC_REQUIRE_FALSE(builtin_json::can_encode<unencodable>);
    STATIC_REQUIRE_FALSE(builtin_json::can_encode<std::vector<unencodable>>);
    STATIC_REQUIRE_FALSE(builtin_json::can_encode<std::map<int, int>>);
    STATIC_REQUIRE_FALSE(builtin_json::can_encode<char>);
    STATIC_REQUIRE_FALSE(builtin_json::can_encode<std::vector<char>>);
    STATIC_REQUIRE_FALSE(builtin_json::can_encode<std::optional<unencodable>>);
}

TEST_CASE("builtin_json: scalars encode to exact JSON", "[policy][json]") {
    CHECK(json(true) == "true");
    CHECK(json(false) == "false");
    CHECK(json(nullptr) == "null");
    CHECK(json(std::nullopt) == "null");
    CHECK(json(0) == "0");
    CHECK(json(-42) == "-42");
    CHECK(json(std::int8_t{-128}) == "-128");
    CHECK(json(std::uint8_t{255}) == "255");
    CHECK(json(std::numeric_limits<std::int16_t>::min()) == "-32768");
    CHECK(json(std::numeric_limits<std::uint16_t>::max()) == "65535");
    CHECK(json(std::numeric_limits<std::int32_t>::min()) == "-2147483648");
    CHECK(json(std::numeric_limits<std::uint32_t>::max()) == "4294967295");
    CHECK(json(std::numeric_limits<std::int64_t>::min()) == "-9223372036854775808");
    CHECK(json(std::numeric_limits<std::int64_t>::max()) == "9223372036854775807");
    CHECK(json(std::numeric_limits<std::uint64_t>::max()) == "18446744073709551615");
    CHECK(json(std::optional<int>{7}) == "7");
    CHECK(json(std::optional<int>{}) == "null");
}

TEST_CASE("builtin_json: floating point is the shortest form that round-trips", "[policy][json]") {
    CHECK(json(0.1) == "0.1");
    CHECK(json(1e300) == "1e+300");
    CHECK(json(-0.0) == "-0.0");
    CHECK(json(0.0) == "0.0");
    CHECK(json(1.0) == "1.0");
    CHECK(json(100.0) == "100.0");
    CHECK(json(1.5) == "1.5");
    CHECK(json(-2.5e-8) == "-2.5e-08");
    CHECK(json(0.1f) == "0.1");
    CHECK(json(1.0f / 3.0f) == "0.33333334");
    CHECK(json(std::numeric_limits<double>::max()) == "1.7976931348623157e+308");
    CHECK(json(std::numeric_limits<double>::denorm_min()) == "5e-324");
    CHECK(json(0.5L) == "0.5");
    CHECK(std::stod(json(2.0 / 3.0)) == 2.0 / 3.0);
}

TEST_CASE("builtin_json: non-finite numbers fail and leave out unchanged", "[policy][json]") {
    const double bad = GENERATE(std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(),
                                -std::numeric_limits<double>::infinity());
    std::string out = "prefix:";
    CHECK(squall::builtin_json{}.encode(bad, out) == squall::error::json_encode_failed);
    CHECK(out == "prefix:");
    const std::map<std::string, std::vector<double>> nested{{"a", {1.0, 2.0}}, {"b", {3.0, bad}}};
    CHECK(squall::builtin_json{}.encode(nested, out) == squall::error::json_encode_failed);
    CHECK(out == "prefix:");
    CHECK(squall::builtin_json{}.encode(std::numeric_limits<float>::quiet_NaN(), out) ==
          squall::error::json_encode_failed);
    CHECK(out == "prefix:");
}

TEST_CASE("builtin_json: strings are escaped per RFC 8259", "[policy][json]") {
    CHECK(json(std::string{"plain"}) == R"("plain")");
    CHECK(json(std::string_view{""}) == R"("")");
    CHECK(json("say \"hi\"") == R"("say \"hi\"")");
    CHECK(json("back\\slash") == R"("back\\slash")");
    CHECK(json("a/b") == R"("a/b")");
    CHECK(json("\b\f\n\r\t") == R"("\b\f\n\r\t")");
    CHECK(json(std::string{"\x00\x01\x1f\x7f", 4}) == "\"\\u0000\\u0001\\u001f\x7f\"");
    CHECK(json("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80") == "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
    const char* c_string = "c";
    CHECK(json(c_string) == R"("c")");
    const char* null_string = nullptr;
    CHECK(json(null_string) == "null");
    const char unterminated[3] = {'a', 'b', 'c'};
    CHECK(json(unterminated) == R"("abc")");
}

TEST_CASE("builtin_json: invalid UTF-8 fails and leaves out unchanged", "[policy][json]") {
    const std::string bad = GENERATE(as<std::string>{}, "\xff", "\xc3", "a\xc0\xafz", "\xed\xa0\x80", "\xf4\x90\x80\x80");
    std::string out = "[";
    CHECK(squall::builtin_json{}.encode(bad, out) == squall::error::json_encode_failed);
    CHECK(out == "[");
    const std::map<std::string, int> bad_key{{bad, 1}};
    CHECK(squall::builtin_json{}.encode(bad_key, out) == squall::error::json_encode_failed);
    CHECK(out == "[");
    const std::vector<std::string> bad_element{"ok", bad};
    CHECK(squall::builtin_json{}.encode(bad_element, out) == squall::error::json_encode_failed);
    CHECK(out == "[");
}

TEST_CASE("builtin_json: containers become arrays and objects", "[policy][json]") {
    CHECK(json(std::vector<int>{}) == "[]");
    CHECK(json(std::vector<int>{1, 2, 3}) == "[1,2,3]");
    CHECK(json(std::array<bool, 2>{true, false}) == "[true,false]");
    CHECK(json(std::vector<bool>{true, false, true}) == "[true,false,true]");
    CHECK(json(std::list<std::string>{"a", "b"}) == R"(["a","b"])");
    CHECK(json(std::set<int>{3, 1, 2}) == "[1,2,3]");
    const int c_array[] = {4, 5};
    CHECK(json(c_array) == "[4,5]");
    CHECK(json(std::map<std::string, int>{}) == "{}");
    CHECK(json(std::map<std::string, int>{{"b", 2}, {"a", 1}}) == R"({"a":1,"b":2})");
    CHECK(json(std::unordered_map<std::string, std::string>{{"k\"", "v\n"}}) == R"({"k\"":"v\n"})");
    const std::map<std::string, std::vector<std::optional<int>>> nested{
        {"xs", {1, std::nullopt, 3}}, {"empty", {}}, {"none", {std::nullopt}}};
    CHECK(json(nested) == R"({"empty":[],"none":[null],"xs":[1,null,3]})");
    const std::vector<std::map<std::string, std::vector<double>>> deep{{{"p", {0.5, 1.0}}}, {}};
    CHECK(json(deep) == R"([{"p":[0.5,1.0]},{}])");
    std::string out = "{\"a\":";
    CHECK_FALSE(squall::builtin_json{}.encode(std::vector<int>{1}, out));
    CHECK(out == "{\"a\":[1]"); // appends
}

// ============================================================================================
// policy_pack
// ============================================================================================

TEST_CASE("policy_pack: selection does not depend on order", "[policy][select]") {
    using a = squall::policy_pack<squall::no_ping, squall::allowed_origins>;
    using b = squall::policy_pack<squall::allowed_origins, squall::no_ping>;
    STATIC_REQUIRE(std::is_same_v<a::origin_type, squall::allowed_origins>);
    STATIC_REQUIRE(std::is_same_v<a::ping_type, squall::no_ping>);
    STATIC_REQUIRE(std::is_same_v<a::origin_type, b::origin_type>);
    STATIC_REQUIRE(std::is_same_v<a::ping_type, b::ping_type>);
    STATIC_REQUIRE(std::is_same_v<a::admission_type, b::admission_type>);
    STATIC_REQUIRE(std::is_same_v<a::size_limit_type, b::size_limit_type>);
    STATIC_REQUIRE(std::is_same_v<a::json_type, b::json_type>);

    using five = squall::policy_pack<squall::no_json, squall::message_size_limit, async_admit, squall::any_origin,
                                     squall::interval_ping>;
    STATIC_REQUIRE(std::is_same_v<five::origin_type, squall::any_origin>);
    STATIC_REQUIRE(std::is_same_v<five::admission_type, async_admit>);
    STATIC_REQUIRE(std::is_same_v<five::ping_type, squall::interval_ping>);
    STATIC_REQUIRE(std::is_same_v<five::size_limit_type, squall::message_size_limit>);
    STATIC_REQUIRE(std::is_same_v<five::json_type, squall::no_json>);
}

TEST_CASE("policy_pack: roles nobody fills get their defaults", "[policy][select]") {
    using d = squall::policy_pack<>;
    STATIC_REQUIRE(std::is_same_v<d::origin_type, squall::same_host_origin>);
    STATIC_REQUIRE(std::is_same_v<d::admission_type, squall::admit_all>);
    STATIC_REQUIRE(std::is_same_v<d::ping_type, squall::interval_ping>);
    STATIC_REQUIRE(std::is_same_v<d::size_limit_type, squall::message_size_limit>);
    STATIC_REQUIRE(std::is_same_v<d::json_type, squall::builtin_json>);
    const d pack;
    CHECK(pack.ping().ping_interval() == squall::ping_duration{30s});
    CHECK(pack.ping().pong_timeout() == squall::ping_duration{90s});
    CHECK(pack.size_limit().max_message_bytes() == 10485760);
    CHECK(pack.size_limit().max_fragments() == 65536);
    const test_request req{"a.example"};
    CHECK(pack.origin().allow_origin("https://a.example", req.view()));
    CHECK_FALSE(pack.origin().allow_origin("https://b.example", req.view()));
    CHECK(pack.admission().admit(req.view()).accepted());
    std::string out;
    CHECK_FALSE(pack.json().encode(1, out));
    CHECK(out == "1");
}

TEST_CASE("policy_pack: the constructor puts each value in its slot", "[policy][select]") {
    const squall::policy_pack pack{squall::message_size_limit{1 << 20}, squall::interval_ping{20s}.heartbeat("ping", "pong"),
                                   squall::allowed_origins{"https://app.example"}};
    STATIC_REQUIRE(std::is_same_v<decltype(pack), const squall::policy_pack<squall::message_size_limit, squall::interval_ping,
                                                                           squall::allowed_origins>>);
    CHECK(pack.size_limit().max_message_bytes() == 1048576);
    CHECK(pack.ping().pong_timeout() == squall::ping_duration{60s});
    REQUIRE(pack.ping().heartbeat().has_value());
    CHECK(pack.ping().heartbeat()->request == "ping");
    const test_request req{"proxy.internal"};
    CHECK(pack.origin().allow_origin("https://app.example", req.view()));
    CHECK_FALSE(pack.origin().allow_origin("https://proxy.internal", req.view()));
    const squall::policy_pack<squall::no_ping, squall::any_origin> defaulted;
    CHECK_FALSE(defaulted.ping().ping_interval().has_value());
}

TEST_CASE("policy_pack: stateless policies take no space", "[policy][select]") {
    constexpr std::size_t state = sizeof(squall::interval_ping) + sizeof(squall::message_size_limit);
    // [[no_unique_address]]: the three empty defaults overlap the stateful members exactly.
    STATIC_REQUIRE(sizeof(squall::policy_pack<>) <= state);
    STATIC_REQUIRE(sizeof(squall::policy_pack<squall::any_origin, squall::admit_all>) <= state);
    STATIC_REQUIRE(sizeof(squall::policy_pack<squall::any_origin, squall::admit_all, squall::no_json>) <= state);
    STATIC_REQUIRE(sizeof(squall::policy_pack<squall::no_ping, async_admit, squall::builtin_json>) <=
                   sizeof(squall::no_ping) + sizeof(squall::message_size_limit));
}

TEST_CASE("policy_pack: user policies are placed by policy_role or by concept", "[policy][select]") {
    using by_concept = squall::policy_pack<json_by_concept, origin_by_concept, sizes_by_concept, ping_by_concept,
                                           sync_admit_by_concept>;
    STATIC_REQUIRE(std::is_same_v<by_concept::origin_type, origin_by_concept>);
    STATIC_REQUIRE(std::is_same_v<by_concept::admission_type, sync_admit_by_concept>);
    STATIC_REQUIRE(std::is_same_v<by_concept::ping_type, ping_by_concept>);
    STATIC_REQUIRE(std::is_same_v<by_concept::size_limit_type, sizes_by_concept>);
    STATIC_REQUIRE(std::is_same_v<by_concept::json_type, json_by_concept>);
    STATIC_REQUIRE(std::is_same_v<squall::policy_pack<async_admit>::admission_type, async_admit>); // by policy_role
    const by_concept pack;
    const test_request req{"a.example"};
    CHECK(pack.origin().allow_origin("https://ok.example", req.view()));
    CHECK_FALSE(pack.admission().admit(req.view()).accepted());
    CHECK(pack.size_limit().max_fragments() == 4);
    std::string out;
    CHECK_FALSE(pack.json().encode(std::string{"x"}, out));
    CHECK(out == "42");
}
