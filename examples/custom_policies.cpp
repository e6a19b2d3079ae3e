// examples/custom_policies.cpp: writing your own policies, and mixing them with stock ones.
//
//   suffix_origin        origin role: browsers may connect from any host under a domain
//                        (default ".example.com": app.example.com, a.b.example.com and
//                        example.com itself), not just from the server's own host.
//   upgrade_rate_limit   admission role: at most N accepted upgrades per second in this
//                        process (default 10); beyond that 429 with Retry-After: 1.
//   interval_ping{20s}   ping role (stock): ping a link quiet for 20 s; drop it after 60 s.
//   message_size_limit   size-limit role (stock): messages up to 1 MiB; beyond, close 1009.
//
// The route / echoes. Flags: --host ADDR (default 127.0.0.1), --port N (default 9001, 0 = any
// free port), --origin-suffix S, --max-per-second N. SIGINT/SIGTERM: graceful shutdown
// (1001 to all, 5 s), exit 0.
#include <squall/squall.hpp>

#include "example_cli.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace {

char ascii_lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// ---- an origin policy ------------------------------------------------------------------
//
// squall asks the origin policy only when a request carries Origin (or the legacy
// Sec-WebSocket-Origin): browsers always send it, other clients usually do not and pass.
// Returning false answers 403 before the admission policy runs. The default,
// same_host_origin, allows only pages served by this very host[:port]; behind a load balancer
// or for a family of sites that is too narrow, and any_origin is too wide (with cookie
// sessions it allows cross-site WebSocket hijacking, RFC 6455 §10.2).
class suffix_origin {
public:
    // Naming the role is optional when a type models exactly one role's concept, but it
    // makes the intent explicit and the diagnostics precise.
    using policy_role = squall::origin_role;

    // ".example.com" allows app.example.com and example.com; not evilexample.com.
    explicit suffix_origin(std::string suffix) : suffix_(std::move(suffix)) {
        for (char& c : suffix_) c = ascii_lower(c);
        if (suffix_.size() < 2 || suffix_[0] != '.')
            throw std::invalid_argument("suffix_origin needs a suffix like \".example.com\"");
    }

    // const: the server calls it from all of its threads at once.
    bool allow_origin(std::string_view origin, const squall::request_view&) const {
        // A serialized origin is scheme "://" host [":" port] (RFC 6454 §6.2); anything else,
        // including "null" (sandboxed frames, file:// pages), is refused.
        const auto sep = origin.find("://");
        if (sep == std::string_view::npos) return false;
        const std::string_view scheme = origin.substr(0, sep);
        if (!iequal(scheme, "https") && !iequal(scheme, "http")) return false;
        std::string_view host = origin.substr(sep + 3);
        if (const auto colon = host.rfind(':'); colon != std::string_view::npos) {
            const std::string_view port = host.substr(colon + 1);
            if (port.empty() || port.find_first_not_of("0123456789") != std::string_view::npos) return false;
            host = host.substr(0, colon);
        }
        // Only DNS names: no path, userinfo, IPv6 literal, spaces or controls.
        for (char c : host)
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.'))
                return false;
        if (host.size() > suffix_.size())
            return iequal(host.substr(host.size() - suffix_.size()), suffix_); // "<label>.example.com"
        return iequal(host, std::string_view{suffix_}.substr(1));           // "example.com" itself
    }

private:
    static bool iequal(std::string_view a, std::string_view b) noexcept {
        if (a.size() != b.size()) return false;
        for (std::size_t i = 0; i < a.size(); ++i)
            if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
        return true;
    }

    std::string suffix_;
};

// ---- an admission policy ---------------------------------------------------------------
//
// Admission runs after every protocol check passed and before the 101: the place for
// application decisions (authentication, quotas). This one is a fixed one-second window over
// steady_clock (immune to wall-clock jumps): at most N upgrades are accepted per window, the
// rest get 429 Too Many Requests with Retry-After. A reject costs no handler, no buffers.
class upgrade_rate_limit {
public:
    using policy_role = squall::admission_role;

    explicit upgrade_rate_limit(std::uint32_t per_second)
        : per_second_{per_second}, window_{std::make_shared<std::atomic<std::uint64_t>>(0)} {
        if (per_second == 0) throw std::invalid_argument("upgrade_rate_limit needs at least 1 per second");
    }

    // admit() is const and runs concurrently on the server's threads, so the mutable state
    // is an atomic. It sits behind a shared_ptr because a policy is a regular value that
    // the server moves into place (std::atomic cannot be moved), and copies of this policy
    // share one budget: the limit is per process, as promised.
    //
    // One 64-bit word holds (second << 32 | count): the window and its count change
    // together in one compare-exchange, so no thread sees a new window with an old count.
    squall::admission admit(const squall::request_view&) const {
        using namespace std::chrono;
        const auto now_second = static_cast<std::uint64_t>(
            duration_cast<seconds>(steady_clock::now().time_since_epoch()).count() & 0xFFFF'FFFF);
        std::uint64_t seen = window_->load(std::memory_order_relaxed);
        for (;;) {
            std::uint64_t second = seen >> 32;
            std::uint64_t count = seen & 0xFFFF'FFFF;
            if (now_second > second) { // a new window (a thread that read the clock earlier
                second = now_second;   // and lost the race never moves it back)
                count = 0;
            }
            if (count >= per_second_)
                return squall::reject{429, "too many connection attempts; retry in a second\n"}.header("Retry-After",
                                                                                                      "1");
            if (window_->compare_exchange_weak(seen, second << 32 | (count + 1), std::memory_order_relaxed))
                return squall::accept{};
        }
    }

private:
    std::uint32_t per_second_;
    std::shared_ptr<std::atomic<std::uint64_t>> window_;
};

struct echo {
    void on_message(auto& conn, squall::message_view msg) { conn.send(msg); }
};

// ---- order does not matter ---------------------------------------------------------------
//
// basic_websocket_server sorts its policies into roles by their policy_role (or the one
// concept they model); the order of the template arguments is irrelevant, and each role not
// named keeps its default (here: the builtin JSON encoder).
using server_a = squall::basic_websocket_server<suffix_origin, upgrade_rate_limit, squall::interval_ping,
                                                squall::message_size_limit>;
using server_b = squall::basic_websocket_server<squall::message_size_limit, squall::interval_ping,
                                                upgrade_rate_limit, suffix_origin>;
static_assert(std::is_same_v<server_a::policies_type::origin_type, server_b::policies_type::origin_type>);
static_assert(std::is_same_v<server_a::policies_type::admission_type, upgrade_rate_limit>);
static_assert(std::is_same_v<server_b::policies_type::admission_type, upgrade_rate_limit>);
static_assert(std::is_same_v<server_b::policies_type::ping_type, squall::interval_ping>);
static_assert(std::is_same_v<server_b::policies_type::json_type, squall::builtin_json>);

struct settings {
    std::string host = "127.0.0.1";
    std::uint16_t port = 9001;
    std::string origin_suffix = ".example.com";
    std::uint32_t max_per_second = 10;
};

settings parse(int argc, char** argv) {
    example::cli cli{argc, argv, "custom_policies",
                     "[--host ADDR] [--port N] [--origin-suffix .DOMAIN] [--max-per-second N]"};
    settings s;
    for (std::string flag; cli.next(flag);) {
        if (flag == "--host") s.host = cli.value(flag);
        else if (flag == "--port") s.port = static_cast<std::uint16_t>(cli.number(flag, 0, 65535));
        else if (flag == "--origin-suffix") {
            s.origin_suffix = cli.value(flag);
            if (s.origin_suffix.size() < 2 || s.origin_suffix[0] != '.')
                cli.fail("--origin-suffix needs a form like .example.com");
        } else if (flag == "--max-per-second")
            s.max_per_second = static_cast<std::uint32_t>(cli.number(flag, 1, 1'000'000));
        else cli.fail("unknown flag " + flag);
    }
    return s;
}

int run(const settings& s) {
    using namespace std::chrono_literals;
    // The same four policies in yet another order; class template argument deduction gives
    // basic_websocket_server<interval_ping, suffix_origin, message_size_limit, upgrade_rate_limit>.
    squall::basic_websocket_server server{
        squall::threads{1},
        squall::interval_ping{20s},           // timeout max(3 x 20 s, 30 s) = 60 s (Tornado's rule)
        suffix_origin{s.origin_suffix},       //
        squall::message_size_limit{1 << 20},  // 1 MiB, inclusive; frames default to the same
        upgrade_rate_limit{s.max_per_second}, //
    };
    server.route<echo>("/");

    // listen, print "listening on HOST:PORT", wait for SIGINT/SIGTERM, then
    // server.shutdown(5 s): 1001 to every client (example_cli.hpp).
    return example::serve_until_signal(server, s.host, s.port, "custom_policies");
}

} // namespace

int main(int argc, char** argv) {
    const settings s = parse(argc, argv);
    try {
        return run(s);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "custom_policies: %s\n", e.what());
        return 1;
    }
}
