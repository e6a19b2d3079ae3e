// bench/micro.cpp: micro-benchmarks of squall's sans-IO hot paths (DESIGN §6): unmasking, UTF-8
// validation, frame parsing and the opening handshake, each next to memcpy of the same number
// of bytes in the same run. Standalone (no benchmark library); build -O2 -DNDEBUG; see README.md.
// Every case runs several repetitions and reports the median; results feed a checksum printed
// at the end so that the compiler cannot drop the work.
#include <squall/protocol/connection_core.hpp>
#include <squall/protocol/frame.hpp>
#include <squall/protocol/frame_parser.hpp>
#include <squall/protocol/handshake.hpp>
#include <squall/protocol/http_parser.hpp>
#include <squall/protocol/message_assembler.hpp>
#include <squall/protocol/response_writer.hpp>
#include <squall/protocol/utf8.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

using namespace squall;
using namespace squall::protocol;

namespace {

using bench_clock = std::chrono::steady_clock;

// Tells the compiler the value is used and memory may have been read or written.
template <class T> inline void keep(const T& value) { asm volatile("" : : "r,m"(value) : "memory"); }
inline void clobber() { asm volatile("" : : : "memory"); }

std::uint64_t checksum = 0;

constexpr int repetitions = 21;

// Median wall time, in ns, of `reps` runs of `body` (each run does the case's whole inner loop);
// `setup` runs before each timed run, untimed.
template <class Setup, class Body> double median_ns(Setup&& setup, Body&& body, int reps = repetitions) {
    std::vector<double> t;
    t.reserve(static_cast<std::size_t>(reps));
    for (int r = 0; r < reps; ++r) {
        setup();
        clobber();
        const auto start = bench_clock::now();
        body();
        clobber();
        t.push_back(std::chrono::duration<double, std::nano>(bench_clock::now() - start).count());
    }
    std::sort(t.begin(), t.end());
    return t[t.size() / 2];
}
template <class Body> double median_ns(Body&& body) {
    return median_ns([] {}, body);
}

// memcpy of `bytes` octets, `iterations` times: the reference of the same run.
double memcpy_ns(std::size_t bytes, std::size_t iterations) {
    std::vector<std::uint8_t> src(bytes + 64, 0x61), dst(bytes + 64);
    return median_ns([&] {
        for (std::size_t i = 0; i < iterations; ++i) {
            std::memcpy(dst.data(), src.data(), bytes);
            keep(dst.data());
            clobber();
        }
        checksum += dst[bytes / 2];
    });
}

struct row {
    std::string name;
    std::size_t bytes;      // octets processed per item
    double ns;              // median ns per item
    double memcpy_ns;       // memcpy of `bytes` octets, same run, ns
    std::string unit;       // "" or "ns/frame" etc. for the per-item column
};
std::vector<row> rows;

void add(std::string name, std::size_t bytes, std::size_t items, double total_ns, double memcpy_total_ns,
         std::string unit = {}) {
    rows.push_back({std::move(name), bytes, total_ns / static_cast<double>(items),
                    memcpy_total_ns / static_cast<double>(items), std::move(unit)});
}

std::string human(std::size_t bytes) {
    char buf[32];
    if (bytes >= (1u << 20) && bytes % (1u << 20) == 0) std::snprintf(buf, sizeof buf, "%zu MiB", bytes >> 20);
    else if (bytes >= 1024 && bytes % 1024 == 0) std::snprintf(buf, sizeof buf, "%zu KiB", bytes >> 10);
    else std::snprintf(buf, sizeof buf, "%zu B", bytes);
    return buf;
}

// ---- (a) unmask -------------------------------------------------------------------------------

void bench_mask(std::size_t size, std::size_t phase, std::size_t iterations) {
    std::vector<std::uint8_t> buf(size + 64);
    for (std::size_t i = 0; i < buf.size(); ++i) buf[i] = static_cast<std::uint8_t>(i * 31);
    const std::array<std::uint8_t, 4> key{0x37, 0xfa, 0x21, 0x3d};
    // Phase 1 starts one octet into the buffer as well: an unaligned start, as in a frame whose
    // payload follows a 6-octet header.
    std::uint8_t* data = buf.data() + phase;
    const double t = median_ns([&] {
        std::size_t p = phase;
        for (std::size_t i = 0; i < iterations; ++i) {
            p = apply_mask(data, size, key, p); // the phase chains through, as across calls
            keep(data);
            clobber();
        }
        checksum += data[size / 2] + p;
    });
    const std::string name = "apply_mask " + human(size) + (phase ? " (phase 1, unaligned)" : " (phase 0)");
    add(name, size, iterations, t, memcpy_ns(size, iterations));
}

// ---- (b) UTF-8 --------------------------------------------------------------------------------

std::string ascii_text(std::size_t n) {
    static constexpr std::string_view words = "The quick brown fox jumps over the lazy dog, 0123456789. ";
    std::string s;
    s.reserve(n);
    while (s.size() < n) s += words;
    s.resize(n);
    return s;
}

// Mixed 1/2/3/4-octet code points (é, €, 中, 𝄞 and ASCII), cut on a code point boundary.
std::string multibyte_text(std::size_t n) {
    static constexpr std::array<std::string_view, 6> pieces = {"h\xc3\xa9", "\xe2\x82\xac", "\xe4\xb8\xad",
                                                               "\xf0\x9d\x84\x9e", "\xd0\xb6", "a"};
    std::string s;
    s.reserve(n + 4);
    for (std::size_t i = 0;; ++i) {
        const std::string_view p = pieces[(i * 7) % pieces.size()];
        if (s.size() + p.size() > n) break;
        s += p;
    }
    while (s.size() < n) s += 'x';
    return s;
}

void bench_utf8(const char* name, const std::string& text, std::size_t iterations) {
    if (!is_valid_utf8(text)) {
        std::fprintf(stderr, "bench text is not UTF-8\n");
        std::exit(1);
    }
    const auto* p = reinterpret_cast<const std::uint8_t*>(text.data());
    const double t = median_ns([&] {
        std::size_t ok = 0;
        for (std::size_t i = 0; i < iterations; ++i) {
            keep(p);
            utf8_validator v;
            ok += v.feed(p, text.size()) && v.complete();
            clobber();
        }
        checksum += ok;
    });
    add(name, text.size(), iterations, t, memcpy_ns(text.size(), iterations));
}

// ---- (c) frames -------------------------------------------------------------------------------

constexpr std::size_t frame_count = 100000;

std::string masked_frames(std::size_t count, std::size_t payload_size) {
    std::string payload(payload_size, 'x');
    for (std::size_t i = 0; i < payload_size; ++i) payload[i] = "0123456789abcdef"[i % 16];
    std::string out;
    out.reserve(count * (payload_size + 14));
    for (std::size_t i = 0; i < count; ++i) {
        const std::array<std::uint8_t, 4> mask{static_cast<std::uint8_t>(i), 0x5a, static_cast<std::uint8_t>(i >> 8), 0xc3};
        append_masked_frame(out, opcode::text, as_bytes(payload), mask);
    }
    return out;
}

void bench_frames() {
    const std::string pristine = masked_frames(frame_count, 16);
    std::string work;
    const auto reset = [&] { work = pristine; }; // unmasking is in place: a fresh copy per run
    const double copy = memcpy_ns(pristine.size(), 1);

    {   // frame_parser alone: headers, unmask, no message rules or UTF-8
        const double t = median_ns(reset, [&] {
            frame_parser p;
            std::span<std::uint8_t> in{reinterpret_cast<std::uint8_t*>(work.data()), work.size()};
            std::uint64_t sum = 0;
            for (;;) {
                const auto ev = p.next(in);
                if (ev.kind == frame_parser::event_kind::need_more) break;
                if (ev.kind == frame_parser::event_kind::payload && !ev.chunk.empty()) sum += ev.chunk[0];
            }
            checksum += sum;
        });
        add("frame_parser, 100k masked 16 B text frames", pristine.size() / frame_count, frame_count, t, copy, "ns/frame");
    }
    {   // message_assembler: the frame layer the core uses
        std::size_t messages = 0;
        const double t = median_ns(reset, [&] {
            message_assembler a;
            std::span<std::uint8_t> in{reinterpret_cast<std::uint8_t*>(work.data()), work.size()};
            std::uint64_t sum = 0;
            messages = 0;
            for (;;) {
                const auto ev = a.next(in);
                if (ev.kind == message_assembler::event_kind::need_more) break;
                if (ev.kind == message_assembler::event_kind::message) {
                    ++messages;
                    sum += ev.payload.size() + ev.payload[15];
                }
            }
            checksum += sum;
        });
        if (messages != frame_count) std::fprintf(stderr, "assembler: %zu messages\n", messages);
        add("message_assembler, 100k masked 16 B text frames", pristine.size() / frame_count, frame_count, t, copy,
            "ns/frame");
    }
    {   // connection_core.receive on an open connection
        core_config config;
        config.ping_interval = std::nullopt;
        const auto now = clock::time_point{};
        connection_core core{config, now};
        std::string head = "GET /chat HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
        std::span<std::uint8_t> hin{reinterpret_cast<std::uint8_t*>(head.data()), head.size()};
        while (core.receive(hin, now).kind != core_event_kind::none) {}
        if (core.accept({}, now)) std::fprintf(stderr, "accept failed\n");
        core.release_request();
        std::span<std::uint8_t> none{};
        while (core.receive(none, now).kind != core_event_kind::none) {}
        core.consume_output(core.pending_output().size());
        std::size_t messages = 0;
        const double t = median_ns(reset, [&] {
            std::span<std::uint8_t> in{reinterpret_cast<std::uint8_t*>(work.data()), work.size()};
            std::uint64_t sum = 0;
            messages = 0;
            for (;;) {
                const auto ev = core.receive(in, now);
                if (ev.kind == core_event_kind::none) break;
                if (ev.kind == core_event_kind::message) {
                    ++messages;
                    sum += ev.payload.size() + ev.payload[15];
                }
            }
            checksum += sum;
        });
        if (messages != frame_count || !core.is_open()) std::fprintf(stderr, "core: %zu messages\n", messages);
        add("connection_core.receive, 100k masked 16 B text frames", pristine.size() / frame_count, frame_count, t,
            copy, "ns/message");
    }
}

// ---- (d) handshake ----------------------------------------------------------------------------

const std::string browser_request =
    "GET /chat?room=lobby HTTP/1.1\r\n"
    "Host: chat.example.com\r\n"
    "Connection: Upgrade\r\n"
    "Pragma: no-cache\r\n"
    "Cache-Control: no-cache\r\n"
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36\r\n"
    "Upgrade: websocket\r\n"
    "Origin: https://chat.example.com\r\n"
    "Sec-WebSocket-Version: 13\r\n"
    "Accept-Encoding: gzip, deflate, br\r\n"
    "Accept-Language: en-US,en;q=0.9\r\n"
    "Cookie: session=0123456789abcdef0123456789abcdef\r\n"
    "Sec-WebSocket-Key: x3JJHMbDL1EzLkh9GBhXDw==\r\n"
    "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
    "Sec-WebSocket-Protocol: chat, superchat\r\n\r\n";

void bench_handshake() {
    constexpr std::size_t iterations = 20000;
    const auto route = [](std::string_view path) -> std::optional<std::size_t> {
        if (path == "/chat") return std::size_t{1};
        return std::nullopt;
    };
    const auto origin = [](std::string_view o, const request_view& req) {
        const auto host = req.header("Host");
        return host && o.size() > 8 && o.substr(8) == *host;
    };
    const double copy = memcpy_ns(browser_request.size(), iterations);
    {
        std::string out;
        out.reserve(512);
        const double t = median_ns([&] {
            std::uint64_t sum = 0;
            for (std::size_t i = 0; i < iterations; ++i) {
                keep(browser_request.data());
                request_parser p;
                if (p.parse(browser_request) != parse_status::done) std::abort();
                const auto r = validate_upgrade(p.request(), route, origin);
                if (r.kind != handshake_kind::upgrade) std::abort();
                out.clear();
                accept_options opts;
                opts.subprotocol = "chat";
                if (write_accept(p.request(), r.key, opts, out)) std::abort();
                sum += out.size() + static_cast<unsigned char>(out[out.size() / 2]);
                clobber();
            }
            checksum += sum;
        });
        add("request_parser + validate_upgrade + write_accept", browser_request.size(), iterations, t, copy,
            "ns/handshake");
    }
    {
        core_config config;
        config.route = route;
        config.origin = origin;
        std::string buf;
        const double t = median_ns([&] {
            std::uint64_t sum = 0;
            const auto now = clock::time_point{};
            for (std::size_t i = 0; i < iterations; ++i) {
                buf = browser_request; // the receive buffer a driver would hand in
                connection_core core{config, now};
                std::span<std::uint8_t> in{reinterpret_cast<std::uint8_t*>(buf.data()), buf.size()};
                const auto ev = core.receive(in, now);
                if (ev.kind != core_event_kind::upgrade_request) std::abort();
                accept_options opts;
                opts.subprotocol = "chat";
                if (core.accept(opts, now)) std::abort();
                core.release_request();
                std::span<std::uint8_t> none{};
                while (core.receive(none, now).kind != core_event_kind::none) {}
                const auto out = core.pending_output();
                sum += out.size() + out[out.size() / 2];
                core.consume_output(out.size());
                clobber();
            }
            checksum += sum;
        });
        add("connection_core: construct + receive head + accept", browser_request.size(), iterations, t, copy,
            "ns/handshake");
    }
}

std::string cpu_model() {
    std::ifstream f("/proc/cpuinfo");
    std::string line;
    while (std::getline(f, line))
        if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
    return "unknown";
}

const char* compiler() {
#if defined(__clang__)
    return "clang " __clang_version__;
#elif defined(__GNUC__)
    return "g++ " __VERSION__;
#else
    return "unknown";
#endif
}

} // namespace

int main() {
    const auto start = bench_clock::now();
    std::printf("CPU: %s\nCompiler: %s\nMedian of %d repetitions per case; memcpy of the same bytes in the same run.\n\n",
                cpu_model().c_str(), compiler(), repetitions);

    constexpr std::size_t mib = 1u << 20, kib4 = 4096;
    bench_mask(mib, 0, 64);
    bench_mask(mib, 1, 64);
    bench_mask(kib4, 0, 16384);
    bench_mask(kib4, 1, 16384);
    bench_utf8("utf8_validator::feed 1 MiB ASCII", ascii_text(mib), 64);
    bench_utf8("utf8_validator::feed 1 MiB 2/3/4-octet mix", multibyte_text(mib), 8);
    bench_frames();
    bench_handshake();

    std::printf("| case | bytes/item | median | GB/s | memcpy GB/s | ratio to memcpy |\n");
    std::printf("|---|---:|---:|---:|---:|---:|\n");
    for (const row& r : rows) {
        const double gbs = static_cast<double>(r.bytes) / r.ns; // bytes per ns == GB/s
        const double mgbs = static_cast<double>(r.bytes) / r.memcpy_ns;
        char median[48];
        if (!r.unit.empty()) std::snprintf(median, sizeof median, "%.1f %s", r.ns, r.unit.c_str());
        else if (r.ns < 10000.0) std::snprintf(median, sizeof median, "%.0f ns", r.ns);
        else std::snprintf(median, sizeof median, "%.1f us", r.ns / 1000.0);
        std::printf("| %s | %s | %s | %.2f | %.2f | %.2fx |\n", r.name.c_str(), human(r.bytes).c_str(), median, gbs,
                    mgbs, gbs / mgbs);
    }
    std::printf("\nTargets (DESIGN §6): unmask >= 0.5x memcpy; ASCII UTF-8 >= 0.5x memcpy; 16 B frames <= 20 ns/frame.\n");
    std::printf("checksum %llu, total %.1f s\n", static_cast<unsigned long long>(checksum),
                std::chrono::duration<double>(bench_clock::now() - start).count());
}
