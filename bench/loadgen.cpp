// bench/loadgen.cpp: the load generator of the side-by-side benchmarks (bench/README.md).
//
// One thread, epoll, loopback only (127.0.0.1). A WebSocket client of its own (RFC 6455: a real
// upgrade request whose Sec-WebSocket-Accept is checked, masked client frames with a fresh mask
// key per frame) or, with --proto raw, unframed bytes for a plain TCP echo. Every echoed octet is
// compared with what was sent; any error (refused connection, failed handshake, wrong content or
// length, unexpected close, a stall) is counted, printed on stderr, and makes the exit status 1.
//
// Modes:
//   echo     --conns N --pipeline P --size S: N connections, P messages in flight on each, for
//            --warmup W then --duration T seconds (or until --max-msgs echoes in the window).
//   connect  --conns C: C concurrent connectors, each looping open + upgrade + close handshake
//            (raw: open + 16 octets echoed + FIN both ways); reports cycles/s.
//   idle     --conns N: opens N connections (at most --concurrency at a time), each echoes one
//            message of --size octets, then stays open; reports the server's RSS growth per
//            connection (--server-pid needed).
//
// With --server-pid PID it reads the server's CPU time (utime + stime of /proc/PID/stat, all
// threads) and RSS (/proc/PID/status) at the exact start and end of the measured window; with
// --alloc-file F it reads the heap allocation counters that bench/alloc_count.cpp (LD_PRELOAD
// into the server) keeps in the shared file F at the same instants.
//
// Output: one JSON line on stdout. "# window start" / "# window end" lines go to stderr.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace {

// ---- small utilities ----------------------------------------------------------------------

std::uint64_t now_ns() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return std::uint64_t(ts.tv_sec) * 1000000000u + std::uint64_t(ts.tv_nsec);
}

std::uint64_t rng_state = 0x9e3779b97f4a7c15ull;
std::uint64_t rng() { // xorshift64*
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dull;
}

[[noreturn]] void die(const char* fmt, const char* a = "", const char* b = "") {
    std::fprintf(stderr, "loadgen: ");
    std::fprintf(stderr, fmt, a, b);
    std::fprintf(stderr, "\n");
    std::exit(2);
}

// SHA-1 (FIPS 180-4), only for checking Sec-WebSocket-Accept.
std::array<std::uint8_t, 20> sha1(std::string_view data) {
    std::uint32_t h[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
    std::string m(data);
    const std::uint64_t bits = std::uint64_t(data.size()) * 8;
    m.push_back(char(0x80));
    while (m.size() % 64 != 56) m.push_back(0);
    for (int i = 7; i >= 0; --i) m.push_back(char((bits >> (i * 8)) & 0xff));
    auto rol = [](std::uint32_t x, int n) { return (x << n) | (x >> (32 - n)); };
    for (std::size_t off = 0; off < m.size(); off += 64) {
        std::uint32_t w[80];
        for (int i = 0; i < 16; ++i)
            w[i] = std::uint32_t(std::uint8_t(m[off + i * 4])) << 24 | std::uint32_t(std::uint8_t(m[off + i * 4 + 1])) << 16 |
                   std::uint32_t(std::uint8_t(m[off + i * 4 + 2])) << 8 | std::uint32_t(std::uint8_t(m[off + i * 4 + 3]));
        for (int i = 16; i < 80; ++i) w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
        std::uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
        for (int i = 0; i < 80; ++i) {
            std::uint32_t f, k;
            if (i < 20) f = (b & c) | (~b & d), k = 0x5A827999;
            else if (i < 40) f = b ^ c ^ d, k = 0x6ED9EBA1;
            else if (i < 60) f = (b & c) | (b & d) | (c & d), k = 0x8F1BBCDC;
            else f = b ^ c ^ d, k = 0xCA62C1D6;
            const std::uint32_t t = rol(a, 5) + f + e + k + w[i];
            e = d, d = c, c = rol(b, 30), b = a, a = t;
        }
        h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e;
    }
    std::array<std::uint8_t, 20> out;
    for (int i = 0; i < 5; ++i)
        for (int j = 0; j < 4; ++j) out[i * 4 + j] = std::uint8_t(h[i] >> (24 - j * 8));
    return out;
}

std::string base64(const std::uint8_t* p, std::size_t n) {
    static const char* tbl = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    for (std::size_t i = 0; i < n; i += 3) {
        const std::uint32_t v = std::uint32_t(p[i]) << 16 | (i + 1 < n ? std::uint32_t(p[i + 1]) << 8 : 0) |
                                (i + 2 < n ? std::uint32_t(p[i + 2]) : 0);
        out.push_back(tbl[(v >> 18) & 63]);
        out.push_back(tbl[(v >> 12) & 63]);
        out.push_back(i + 1 < n ? tbl[(v >> 6) & 63] : '=');
        out.push_back(i + 2 < n ? tbl[v & 63] : '=');
    }
    return out;
}

// Latency histogram: exact below 1024 ns, then 512 sub-buckets per power of two (< 0.2 % error).
struct histogram {
    std::vector<std::uint64_t> counts = std::vector<std::uint64_t>(1024 + 54 * 512, 0);
    std::uint64_t total = 0;
    static std::size_t index(std::uint64_t v) {
        if (v < 1024) return std::size_t(v);
        const int e = 63 - __builtin_clzll(v);
        return 1024 + std::size_t(e - 10) * 512 + std::size_t((v >> (e - 9)) & 511);
    }
    static std::uint64_t value(std::size_t i) {
        if (i < 1024) return i;
        const std::size_t e = (i - 1024) / 512 + 10, m = (i - 1024) % 512;
        return (std::uint64_t(1) << e) + (std::uint64_t(m) << (e - 9));
    }
    void add(std::uint64_t v) {
        ++counts[std::min(index(v), counts.size() - 1)];
        ++total;
    }
    double quantile_us(double q) const {
        if (total == 0) return 0;
        const auto want = std::uint64_t(q * double(total - 1)) + 1;
        std::uint64_t seen = 0;
        for (std::size_t i = 0; i < counts.size(); ++i)
            if ((seen += counts[i]) >= want) return double(value(i)) / 1000.0;
        return 0;
    }
};

// ---- the server's side: /proc and the allocation counters -------------------------------------

struct server_probe {
    int pid = 0;
    const std::uint64_t* allocs = nullptr; // bench/alloc_count.cpp's shared counters

    bool cpu_ns(std::uint64_t& out) const {
        if (!pid) return false;
        char path[64];
        std::snprintf(path, sizeof path, "/proc/%d/stat", pid);
        FILE* f = std::fopen(path, "r");
        if (!f) return false;
        char buf[1024];
        const std::size_t n = std::fread(buf, 1, sizeof buf - 1, f);
        std::fclose(f);
        buf[n] = 0;
        const char* p = std::strrchr(buf, ')');
        if (!p) return false;
        // Fields after "comm)": state(3) ... utime(14) stime(15).
        unsigned long long utime = 0, stime = 0;
        int field = 2;
        for (const char* q = p + 1; *q; ++q) {
            if (*q == ' ') {
                ++field;
                if (field == 14) utime = std::strtoull(q + 1, nullptr, 10);
                if (field == 15) {
                    stime = std::strtoull(q + 1, nullptr, 10);
                    break;
                }
            }
        }
        const long hz = sysconf(_SC_CLK_TCK);
        out = (utime + stime) * (1000000000ull / std::uint64_t(hz));
        return true;
    }
    long rss_kb() const {
        if (!pid) return -1;
        char path[64];
        std::snprintf(path, sizeof path, "/proc/%d/status", pid);
        FILE* f = std::fopen(path, "r");
        if (!f) return -1;
        char line[256];
        long kb = -1;
        while (std::fgets(line, sizeof line, f))
            if (std::strncmp(line, "VmRSS:", 6) == 0) kb = std::strtol(line + 6, nullptr, 10);
        std::fclose(f);
        return kb;
    }
    std::uint64_t alloc_count(int word = 0) const { // 0: allocations, 1: frees, 2: octets requested, 3: live octets
        if (!allocs) return 0;
        return __atomic_load_n(&allocs[word], __ATOMIC_RELAXED);
    }
};

// ---- options ---------------------------------------------------------------------------------

enum class mode_t_ { echo, connect, idle };
struct options {
    mode_t_ mode = mode_t_::echo;
    bool raw = false;
    int port = 0;
    int conns = 100;
    int pipeline = 1;
    std::size_t size = 16;
    double warmup = 1.0;
    double duration = 5.0;
    std::uint64_t max_msgs = 0; // 0: no count bound
    int concurrency = 256;      // idle mode: connections being set up at once
    double settle = 1.0;        // idle mode: seconds between the last echo and the RSS reading
    double stall = 10.0;        // seconds without progress that count as a failure
    std::string path = "/";
    server_probe server;
};

// ---- connections ----------------------------------------------------------------------------

enum class state { connecting, handshaking, open, closing, draining_eof, idle_done, closed };

struct conn {
    int fd = -1;
    int id = 0;
    state st = state::connecting;
    std::uint64_t cycle_start = 0;
    // output
    std::vector<std::uint8_t> out;
    std::size_t out_off = 0;
    bool want_out = false;
    // upgrade
    std::string head;
    std::string expect_accept;
    // frame parser (server to client)
    std::uint8_t hdr[14];
    int hdr_len = 0;
    bool in_payload = false;
    std::uint64_t payload_left = 0;
    std::uint8_t frame_op = 0;
    bool frame_fin = false;
    bool in_message = false;
    std::uint8_t ctl[125];
    std::size_t ctl_len = 0;
    // messages
    std::uint64_t msg_off = 0; // octets of the current message received
    std::uint64_t rx_seq = 0;
    std::uint64_t tx_seq = 0;
    std::vector<std::uint64_t> sent_at; // ring of P send times
};

class loadgen {
public:
    explicit loadgen(options o) : o_(std::move(o)) {
        ep_ = epoll_create1(EPOLL_CLOEXEC);
        if (ep_ < 0) die("epoll_create1 failed");
        base_.resize(std::max<std::size_t>(o_.size, 16));
        for (auto& b : base_) b = std::uint8_t(rng());
        rx_.resize(256 * 1024);
        addr_.sin_family = AF_INET;
        addr_.sin_port = htons(std::uint16_t(o_.port));
        addr_.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    }

    int run() {
        rss_before_kb_ = o_.server.rss_kb();
        for (int w = 0; w < 4; ++w) idle_alloc0_[w] = o_.server.alloc_count(w);
        const std::uint64_t start = now_ns();
        last_progress_ = start;
        const int initial = o_.mode == mode_t_::idle ? std::min(o_.conns, o_.concurrency) : o_.conns;
        conns_.reserve(std::size_t(o_.conns));
        for (int i = 0; i < initial; ++i) open_conn();
        if (o_.mode == mode_t_::connect) begin_window(start + ns(o_.warmup));
        loop();
        return report();
    }

private:
    static std::uint64_t ns(double s) { return std::uint64_t(s * 1e9); }

    void fail(conn* c, const char* what, const char* detail = "") {
        ++errors_;
        if (errors_ <= 5)
            std::fprintf(stderr, "loadgen: error on connection %d: %s%s%s\n", c ? c->id : -1, what, *detail ? ": " : "",
                         detail);
        stop_ = true;
    }

    // ---- opening ----
    void open_conn() {
        conns_.emplace_back(std::make_unique<conn>());
        conn& c = *conns_.back();
        c.id = int(conns_.size()) - 1;
        start_cycle(c);
    }

    void start_cycle(conn& c) {
        c.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (c.fd < 0) return fail(&c, "socket()", std::strerror(errno));
        int one = 1;
        setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        c.st = state::connecting;
        c.cycle_start = now_ns();
        c.out.clear(), c.out_off = 0, c.want_out = false;
        c.head.clear();
        c.hdr_len = 0, c.in_payload = false, c.in_message = false, c.msg_off = 0, c.ctl_len = 0;
        c.rx_seq = c.tx_seq = 0;
        if (c.sent_at.size() != std::size_t(o_.pipeline)) c.sent_at.assign(std::size_t(o_.pipeline), 0);
        ++connecting_;
        const int r = connect(c.fd, reinterpret_cast<sockaddr*>(&addr_), sizeof addr_);
        if (r < 0 && errno != EINPROGRESS) return fail(&c, "connect()", std::strerror(errno));
        epoll_event ev{};
        ev.events = EPOLLOUT | EPOLLIN;
        ev.data.ptr = &c;
        c.want_out = true;
        if (epoll_ctl(ep_, EPOLL_CTL_ADD, c.fd, &ev) < 0) fail(&c, "epoll_ctl", std::strerror(errno));
    }

    void connected(conn& c) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err) return fail(&c, "connect", std::strerror(err));
        --connecting_;
        if (o_.raw) return opened(c);
        std::uint8_t key_bytes[16];
        for (auto& b : key_bytes) b = std::uint8_t(rng());
        const std::string key = base64(key_bytes, 16);
        const auto digest = sha1(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11");
        c.expect_accept = base64(digest.data(), digest.size());
        char req[512];
        const int n = std::snprintf(req, sizeof req,
                                    "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                    "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n",
                                    o_.path.c_str(), o_.port, key.c_str());
        c.out.insert(c.out.end(), req, req + n);
        c.st = state::handshaking;
        flush(c);
    }

    // The connection can carry messages: start the mode's traffic.
    void opened(conn& c) {
        c.st = state::open;
        ++open_;
        if (o_.mode == mode_t_::echo) {
            if (open_ == o_.conns) {
                std::fprintf(stderr, "# %d connections open\n", open_);
                const std::uint64_t t = now_ns();
                warm_until_ = t + ns(o_.warmup);
                running_ = true;
                for (auto& p : conns_) {
                    for (int i = 0; i < o_.pipeline; ++i) send_message(*p, t);
                    flush(*p);
                }
            }
        } else if (o_.mode == mode_t_::idle) {
            send_message(c, now_ns());
            flush(c);
        } else { // connect: one short exchange, then the close
            if (o_.raw) {
                send_message(c, now_ns());
                flush(c);
            } else {
                begin_close(c);
            }
        }
    }

    // ---- messages ----
    void send_message(conn& c, std::uint64_t t) {
        const std::size_t n = o_.size;
        const std::uint64_t seq = c.tx_seq++;
        c.sent_at[seq % c.sent_at.size()] = t;
        std::size_t at = c.out.size();
        if (!o_.raw) {
            std::uint8_t h[14];
            std::size_t hl = 2;
            h[0] = 0x82; // FIN, binary
            if (n < 126) h[1] = std::uint8_t(0x80 | n);
            else if (n < 65536) {
                h[1] = 0x80 | 126, h[2] = std::uint8_t(n >> 8), h[3] = std::uint8_t(n), hl = 4;
            } else {
                h[1] = 0x80 | 127, hl = 10;
                for (int i = 0; i < 8; ++i) h[2 + i] = std::uint8_t(std::uint64_t(n) >> (56 - 8 * i));
            }
            const std::uint32_t mask = std::uint32_t(rng());
            std::memcpy(h + hl, &mask, 4);
            hl += 4;
            c.out.insert(c.out.end(), h, h + hl);
            at = c.out.size();
            c.out.resize(at + n);
            std::uint8_t* dst = c.out.data() + at;
            payload(c, seq, dst, n);
            std::uint64_t m8 = std::uint64_t(mask) | std::uint64_t(mask) << 32;
            std::size_t i = 0;
            for (; i + 8 <= n; i += 8) {
                std::uint64_t v;
                std::memcpy(&v, dst + i, 8);
                v ^= m8;
                std::memcpy(dst + i, &v, 8);
            }
            const auto* mk = reinterpret_cast<const std::uint8_t*>(&mask);
            for (; i < n; ++i) dst[i] ^= mk[i & 3];
        } else {
            c.out.resize(at + n);
            payload(c, seq, c.out.data() + at, n);
        }
        ++sent_;
    }

    // Message `seq` of connection c: 8 octets of (seq, connection id), then the shared random octets.
    void payload(const conn& c, std::uint64_t seq, std::uint8_t* dst, std::size_t n) const {
        std::memcpy(dst, base_.data(), n);
        const std::uint64_t tag = seq << 20 ^ std::uint64_t(c.id);
        std::memcpy(dst, &tag, std::min<std::size_t>(8, n));
    }

    // Checks the octets [off, off + n) of message `seq`.
    bool check(const conn& c, const std::uint8_t* p, std::size_t n, std::uint64_t off) const {
        if (off + n > o_.size) return false;
        const std::uint64_t tag = c.rx_seq << 20 ^ std::uint64_t(c.id);
        const auto* t = reinterpret_cast<const std::uint8_t*>(&tag);
        std::size_t i = 0;
        for (; i < n && off + i < 8; ++i)
            if (p[i] != t[off + i]) return false;
        return i == n || std::memcmp(p + i, base_.data() + off + i, n - i) == 0;
    }

    void message_octets(conn& c, const std::uint8_t* p, std::size_t n) {
        if (c.st == state::closing || c.st == state::draining_eof) return fail(&c, "data after our close");
        if (c.rx_seq >= c.tx_seq) return fail(&c, "more data than was sent");
        if (!check(c, p, n, c.msg_off)) return fail(&c, "echoed content differs from what was sent");
        c.msg_off += n;
        if (o_.raw && c.msg_off == o_.size) message_done(c);
    }

    void message_done(conn& c) {
        if (c.msg_off != o_.size) return fail(&c, "echoed message has the wrong length");
        const std::uint64_t t = now_;
        const std::uint64_t seq = c.rx_seq++;
        c.msg_off = 0;
        ++received_;
        last_progress_ = t;
        if (o_.mode == mode_t_::echo) {
            if (measuring_) hist_.add(t - c.sent_at[seq % c.sent_at.size()]);
            if (running_) send_message(c, t);
        } else if (o_.mode == mode_t_::idle) {
            c.st = state::idle_done;
            ++idle_done_;
            if (int(conns_.size()) < o_.conns) open_conn();
        } else { // connect, raw: FIN our side, wait for the server's
            shutdown(c.fd, SHUT_WR);
            c.st = state::draining_eof;
        }
    }

    // ---- what the server sends: unframed (raw) ----
    void raw_input(conn& c, const std::uint8_t* p, std::size_t n) {
        while (n && !stop_) {
            const std::size_t take = std::min<std::size_t>(n, std::size_t(o_.size - c.msg_off));
            message_octets(c, p, take); // completes the message when it reaches o_.size
            p += take, n -= take;
        }
    }

    // ---- WebSocket parsing of what the server sends ----
    void ws_input(conn& c, const std::uint8_t* p, std::size_t n) {
        const std::uint8_t* end = p + n;
        while (p < end && !stop_) {
            if (!c.in_payload) {
                // Gather the header: 2 octets, then the extended length.
                while (p < end && c.hdr_len < 2) c.hdr[c.hdr_len++] = *p++;
                if (c.hdr_len < 2) return;
                const std::uint8_t b0 = c.hdr[0], b1 = c.hdr[1];
                if (b1 & 0x80) return fail(&c, "server frame is masked");
                if (b0 & 0x70) return fail(&c, "server frame has reserved bits set");
                const int len7 = b1 & 0x7f;
                const int need = len7 == 126 ? 4 : len7 == 127 ? 10 : 2;
                while (p < end && c.hdr_len < need) c.hdr[c.hdr_len++] = *p++;
                if (c.hdr_len < need) return;
                std::uint64_t len = std::uint64_t(len7);
                if (len7 == 126) len = std::uint64_t(c.hdr[2]) << 8 | c.hdr[3];
                if (len7 == 127) {
                    len = 0;
                    for (int i = 0; i < 8; ++i) len = len << 8 | c.hdr[2 + i];
                }
                c.hdr_len = 0;
                c.frame_op = b0 & 0x0f;
                c.frame_fin = (b0 & 0x80) != 0;
                c.payload_left = len;
                c.ctl_len = 0;
                if (c.frame_op >= 8) {
                    if (len > 125 || !c.frame_fin) return fail(&c, "bad control frame");
                } else if (c.frame_op == 0) {
                    if (!c.in_message) return fail(&c, "continuation frame outside a message");
                } else if (c.frame_op == 2) {
                    if (c.in_message) return fail(&c, "new message inside a fragmented one");
                    c.in_message = true;
                } else {
                    return fail(&c, "echo has the wrong opcode (expected binary)");
                }
                c.in_payload = true;
            }
            const std::size_t take = std::size_t(std::min<std::uint64_t>(c.payload_left, std::uint64_t(end - p)));
            if (c.frame_op >= 8) {
                std::memcpy(c.ctl + c.ctl_len, p, take);
                c.ctl_len += take;
            } else if (take) {
                message_octets(c, p, take);
                if (stop_) return;
            }
            p += take;
            c.payload_left -= take;
            if (c.payload_left == 0) {
                c.in_payload = false;
                if (c.frame_op >= 8) control_frame(c);
                else if (c.frame_fin) {
                    c.in_message = false;
                    message_done(c);
                }
            }
        }
    }

    void control_frame(conn& c) {
        if (c.frame_op == 8) {
            if (c.st == state::closing) {
                c.st = state::draining_eof; // the server closes TCP next (RFC 6455 §7.1.1)
                return;
            }
            char why[160];
            std::snprintf(why, sizeof why, "server sent a close frame (code %u)",
                          c.ctl_len >= 2 ? unsigned(c.ctl[0]) << 8 | c.ctl[1] : 1005u);
            return fail(&c, why);
        }
        if (c.frame_op == 9) { // ping: answer with a pong
            std::uint8_t h[6] = {0x8a, std::uint8_t(0x80 | c.ctl_len), 0, 0, 0, 0};
            c.out.insert(c.out.end(), h, h + 6);
            c.out.insert(c.out.end(), c.ctl, c.ctl + c.ctl_len);
            return;
        }
        if (c.frame_op != 10) fail(&c, "unknown control opcode");
    }

    void begin_close(conn& c) {
        const std::uint8_t close_frame[8] = {0x88, 0x82, 0, 0, 0, 0, 0x03, 0xe8}; // 1000, zero mask
        c.out.insert(c.out.end(), close_frame, close_frame + 8);
        c.st = state::closing;
        flush(c);
    }

    // ---- the upgrade response ----
    void handshake_input(conn& c, const std::uint8_t* p, std::size_t n) {
        const std::size_t before = c.head.size();
        c.head.append(reinterpret_cast<const char*>(p), n);
        const auto end = c.head.find("\r\n\r\n");
        if (end == std::string::npos) {
            if (c.head.size() > 8192) fail(&c, "upgrade response head too long");
            return;
        }
        std::string lower = c.head.substr(0, end + 2);
        if (lower.compare(0, 12, "HTTP/1.1 101") != 0)
            return fail(&c, "upgrade refused", c.head.substr(0, c.head.find("\r\n")).c_str());
        for (auto& ch : lower) ch = char(std::tolower(static_cast<unsigned char>(ch)));
        const auto at = lower.find("\r\nsec-websocket-accept:");
        if (at == std::string::npos) return fail(&c, "no Sec-WebSocket-Accept");
        std::size_t v = at + 23;
        while (v < end && (c.head[v] == ' ' || c.head[v] == '\t')) ++v;
        std::size_t ve = c.head.find("\r\n", v);
        while (ve > v && (c.head[ve - 1] == ' ' || c.head[ve - 1] == '\t')) --ve;
        if (c.head.compare(v, ve - v, c.expect_accept) != 0) return fail(&c, "wrong Sec-WebSocket-Accept");
        const std::size_t used = end + 4 - before; // octets of p that belong to the head
        c.head.clear();
        opened(c);
        if (used < n) ws_input(c, p + used, n - used);
    }

    // ---- I/O ----
    void flush(conn& c) {
        while (c.out_off < c.out.size()) {
            const ssize_t w = send(c.fd, c.out.data() + c.out_off, c.out.size() - c.out_off, MSG_NOSIGNAL);
            if (w < 0) {
                if (errno == EAGAIN) break;
                return fail(&c, "send()", std::strerror(errno));
            }
            c.out_off += std::size_t(w);
        }
        if (c.out_off == c.out.size()) {
            c.out.clear();
            c.out_off = 0;
        }
        const bool want = !c.out.empty();
        if (want != c.want_out && c.st != state::connecting) {
            epoll_event ev{};
            ev.events = EPOLLIN | (want ? EPOLLOUT : 0u);
            ev.data.ptr = &c;
            epoll_ctl(ep_, EPOLL_CTL_MOD, c.fd, &ev);
            c.want_out = want;
        }
    }

    void readable(conn& c) {
        const ssize_t r = recv(c.fd, rx_.data(), rx_.size(), 0);
        if (r < 0) {
            if (errno == EAGAIN) return;
            return fail(&c, "recv()", std::strerror(errno));
        }
        if (r == 0) return eof(c);
        const auto* p = rx_.data();
        if (c.st == state::handshaking) handshake_input(c, p, std::size_t(r));
        else if (o_.raw) raw_input(c, p, std::size_t(r));
        else ws_input(c, p, std::size_t(r));
        if (!stop_ && c.fd >= 0) flush(c);
    }

    void eof(conn& c) {
        if (c.st != state::draining_eof) {
            if (c.st == state::open && !running_ && o_.mode == mode_t_::echo) return close_conn(c);
            return fail(&c, "server closed the connection");
        }
        close_conn(c);
        // connect mode: one cycle completed
        const std::uint64_t t = now_;
        if (measuring_) hist_.add(t - c.cycle_start);
        ++cycles_;
        last_progress_ = t;
        if (!stop_ && !ending_) start_cycle(c);
    }

    void close_conn(conn& c) {
        if (c.fd < 0) return;
        epoll_ctl(ep_, EPOLL_CTL_DEL, c.fd, nullptr);
        close(c.fd);
        c.fd = -1;
        if (c.st == state::open) --open_;
        c.st = state::closed;
    }

    // ---- the window ----
    std::uint64_t progress_count() const { return o_.mode == mode_t_::connect ? cycles_ : received_; }

    void begin_window(std::uint64_t at) { warm_until_ = at, running_ = true; }

    void snapshot(std::uint64_t& t, std::uint64_t& count, std::uint64_t& cpu, std::uint64_t& allocs, bool& cpu_ok) {
        t = now_ns();
        count = progress_count();
        cpu_ok = o_.server.cpu_ns(cpu);
        allocs = o_.server.alloc_count();
    }

    void loop() {
        std::vector<epoll_event> evs(512);
        std::uint64_t end_at = 0, drain_until = 0;
        for (;;) {
            const int n = epoll_wait(ep_, evs.data(), int(evs.size()), 50);
            now_ = now_ns();
            for (int i = 0; i < n && !stop_; ++i) {
                conn& c = *static_cast<conn*>(evs[std::size_t(i)].data.ptr);
                if (c.fd < 0) continue;
                const auto e = evs[std::size_t(i)].events;
                if (c.st == state::connecting) {
                    if (e & (EPOLLOUT | EPOLLERR | EPOLLHUP)) connected(c);
                    continue;
                }
                if (e & (EPOLLIN | EPOLLHUP | EPOLLERR)) readable(c);
                if (c.fd >= 0 && (e & EPOLLOUT) && !stop_) flush(c);
            }
            if (stop_) return;
            now_ = now_ns();
            // The window: open after the warm-up, closed after the duration or the count.
            if (running_ && !measuring_ && !measured_ && now_ >= warm_until_) {
                measuring_ = true;
                snapshot(w_t0_, w_n0_, w_cpu0_, w_alloc0_, cpu_ok_);
                std::fprintf(stderr, "# window start\n");
                end_at = w_t0_ + ns(o_.duration);
            }
            if (measuring_ && (now_ >= end_at || (o_.max_msgs && progress_count() - w_n0_ >= o_.max_msgs))) {
                bool ok;
                snapshot(w_t1_, w_n1_, w_cpu1_, w_alloc1_, ok);
                cpu_ok_ = cpu_ok_ && ok;
                measuring_ = false;
                measured_ = true;
                std::fprintf(stderr, "# window end\n");
                if (w_n1_ == w_n0_) // a window without one completion measures nothing: make it longer
                    fail(nullptr, "nothing completed in the measured window (server too slow or starved: raise "
                                  "--warmup/--duration)");
                // Stop sending; let what is in flight come back (checked too), then stop.
                running_ = false;
                ending_ = true;
                drain_until = now_ + ns(std::max(5.0, o_.stall));
            }
            if (ending_) {
                const bool drained = o_.mode == mode_t_::connect ? connecting_ == 0 && all_closed() : received_ == sent_;
                if (drained) return;
                if (now_ > drain_until) {
                    if (o_.mode == mode_t_::connect) return; // cycles still running are simply dropped
                    return fail(nullptr, "echoes still missing long after the window (--stall seconds)");
                }
            }
            if (o_.mode == mode_t_::idle && idle_done_ == o_.conns && !measured_) {
                idle_measure();
                return;
            }
            if (now_ - last_progress_ > ns(o_.stall)) return fail(nullptr, "no progress (stalled)");
        }
    }

    bool all_closed() const {
        for (auto& c : conns_)
            if (c->fd >= 0) return false;
        return true;
    }

    void idle_measure() {
        // Everything has echoed once; let the server settle, watching for unexpected closes.
        const std::uint64_t until = now_ns() + ns(o_.settle);
        std::vector<epoll_event> evs(64);
        while (now_ns() < until) {
            const int n = epoll_wait(ep_, evs.data(), int(evs.size()), 50);
            for (int i = 0; i < n; ++i) {
                conn& c = *static_cast<conn*>(evs[std::size_t(i)].data.ptr);
                if (c.fd >= 0) readable(c);
            }
            if (stop_) return;
        }
        rss_after_kb_ = o_.server.rss_kb();
        for (int w = 0; w < 4; ++w) idle_alloc1_[w] = o_.server.alloc_count(w);
        measured_ = true;
        w_n1_ = std::uint64_t(idle_done_);
    }

    int report() {
        for (auto& c : conns_) close_conn(*c);
        const char* mode = o_.mode == mode_t_::echo ? "echo" : o_.mode == mode_t_::connect ? "connect" : "idle";
        rusage ru{};
        getrusage(RUSAGE_SELF, &ru);
        const double self_cpu_s = double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                                  double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
        std::printf("{\"mode\":\"%s\",\"proto\":\"%s\",\"conns\":%d,\"pipeline\":%d,\"size\":%zu,\"errors\":%llu",
                    mode, o_.raw ? "raw" : "ws", o_.conns, o_.pipeline, o_.size, (unsigned long long)errors_);
        if (o_.mode == mode_t_::idle) {
            const double per = (rss_after_kb_ >= 0 && rss_before_kb_ >= 0 && idle_done_ > 0)
                                   ? double(rss_after_kb_ - rss_before_kb_) * 1024.0 / idle_done_
                                   : -1;
            std::printf(",\"idle_conns\":%d,\"rss_before_kb\":%ld,\"rss_after_kb\":%ld,\"rss_per_conn_b\":%.1f", idle_done_,
                        rss_before_kb_, rss_after_kb_, per);
            if (o_.server.allocs && idle_done_ > 0) {
                // Heap blocks still live per connection, and what every connection asked for on the way.
                const double n = idle_done_;
                const double live = (double(idle_alloc1_[0] - idle_alloc0_[0]) - double(idle_alloc1_[1] - idle_alloc0_[1])) / n;
                std::printf(",\"allocs_per_conn\":%.2f,\"live_blocks_per_conn\":%.2f,\"octets_requested_per_conn\":%.1f"
                            ",\"live_heap_per_conn_b\":%.1f",
                            double(idle_alloc1_[0] - idle_alloc0_[0]) / n, live,
                            double(idle_alloc1_[2] - idle_alloc0_[2]) / n,
                            (double(idle_alloc1_[3]) - double(idle_alloc0_[3])) / n);
            }
        } else if (measured_) {
            const double secs = double(w_t1_ - w_t0_) / 1e9;
            const std::uint64_t count = w_n1_ - w_n0_;
            std::printf(",\"seconds\":%.3f,\"count\":%llu,\"rate\":%.1f,\"total\":%llu", secs, (unsigned long long)count,
                        double(count) / secs, (unsigned long long)(o_.mode == mode_t_::connect ? cycles_ : received_));
            std::printf(",\"p50_us\":%.2f,\"p99_us\":%.2f,\"p999_us\":%.2f", hist_.quantile_us(0.5),
                        hist_.quantile_us(0.99), hist_.quantile_us(0.999));
            if (cpu_ok_ && count)
                std::printf(",\"server_cpu_s\":%.3f,\"server_cpu_us_per\":%.4f,\"server_cpu_pct\":%.1f",
                            double(w_cpu1_ - w_cpu0_) / 1e9, double(w_cpu1_ - w_cpu0_) / 1e3 / double(count),
                            double(w_cpu1_ - w_cpu0_) / 1e9 / secs * 100);
            if (o_.server.allocs && count)
                std::printf(",\"allocs\":%llu,\"allocs_per\":%.4f", (unsigned long long)(w_alloc1_ - w_alloc0_),
                            double(w_alloc1_ - w_alloc0_) / double(count));
            std::printf(",\"server_rss_kb\":%ld", o_.server.rss_kb());
        }
        std::printf(",\"loadgen_cpu_s\":%.3f}\n", self_cpu_s);
        std::fflush(stdout);
        if (errors_ || !measured_) {
            std::fprintf(stderr, "loadgen: FAILED (%llu errors%s)\n", (unsigned long long)errors_,
                         measured_ ? "" : ", no complete window");
            return 1;
        }
        return 0;
    }

    options o_;
    int ep_ = -1;
    sockaddr_in addr_{};
    std::vector<std::unique_ptr<conn>> conns_;
    std::vector<std::uint8_t> base_, rx_;
    histogram hist_;
    std::uint64_t now_ = 0, last_progress_ = 0, warm_until_ = 0;
    std::uint64_t sent_ = 0, received_ = 0, cycles_ = 0, errors_ = 0;
    int connecting_ = 0, open_ = 0, idle_done_ = 0;
    bool running_ = false, measuring_ = false, measured_ = false, ending_ = false, stop_ = false, cpu_ok_ = false;
    std::uint64_t w_t0_ = 0, w_t1_ = 0, w_n0_ = 0, w_n1_ = 0, w_cpu0_ = 0, w_cpu1_ = 0, w_alloc0_ = 0, w_alloc1_ = 0;
    long rss_before_kb_ = -1, rss_after_kb_ = -1;
    std::uint64_t idle_alloc0_[4] = {}, idle_alloc1_[4] = {};
};

const char* usage =
    "usage: loadgen --port N [--mode echo|connect|idle] [--proto ws|raw] [--conns N] [--pipeline P]\n"
    "               [--size S] [--warmup SEC] [--duration SEC] [--max-msgs N] [--concurrency N]\n"
    "               [--settle SEC] [--stall SEC] [--path /] [--server-pid PID] [--alloc-file FILE]\n";

} // namespace

int main(int argc, char** argv) {
    options o;
    std::string alloc_file;
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        auto val = [&]() -> const char* {
            if (i + 1 >= argc) die("%s needs a value", argv[i]);
            return argv[++i];
        };
        if (a == "--mode") {
            const std::string_view m = val();
            if (m == "echo") o.mode = mode_t_::echo;
            else if (m == "connect") o.mode = mode_t_::connect;
            else if (m == "idle") o.mode = mode_t_::idle;
            else die("unknown mode %s", argv[i]);
        } else if (a == "--proto") {
            const std::string_view p = val();
            if (p != "ws" && p != "raw") die("unknown proto %s", argv[i]);
            o.raw = p == "raw";
        } else if (a == "--port") o.port = std::atoi(val());
        else if (a == "--conns") o.conns = std::atoi(val());
        else if (a == "--pipeline") o.pipeline = std::atoi(val());
        else if (a == "--size") o.size = std::strtoull(val(), nullptr, 10);
        else if (a == "--warmup") o.warmup = std::atof(val());
        else if (a == "--duration") o.duration = std::atof(val());
        else if (a == "--max-msgs") o.max_msgs = std::strtoull(val(), nullptr, 10);
        else if (a == "--concurrency") o.concurrency = std::atoi(val());
        else if (a == "--settle") o.settle = std::atof(val());
        else if (a == "--stall") o.stall = std::atof(val());
        else if (a == "--path") o.path = val();
        else if (a == "--server-pid") o.server.pid = std::atoi(val());
        else if (a == "--alloc-file") alloc_file = val();
        else if (a == "--help" || a == "-h") {
            std::fputs(usage, stdout);
            return 0;
        } else {
            std::fputs(usage, stderr);
            die("unknown argument %s", argv[i]);
        }
    }
    if (o.port <= 0 || o.port > 65535) {
        std::fputs(usage, stderr);
        die("--port is required");
    }
    if (o.conns < 1 || o.pipeline < 1 || o.size < 16 || o.duration <= 0) die("bad --conns/--pipeline/--size/--duration");
    if (o.mode == mode_t_::connect) o.pipeline = 1, o.size = 16;
    if (!alloc_file.empty()) {
        const int fd = open(alloc_file.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) die("cannot open %s", alloc_file.c_str());
        void* p = mmap(nullptr, 4096, PROT_READ, MAP_SHARED, fd, 0);
        close(fd);
        if (p == MAP_FAILED) die("cannot map %s", alloc_file.c_str());
        o.server.allocs = static_cast<const std::uint64_t*>(p);
    }
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    rng_state ^= now_ns() * 0x9E3779B97F4A7C15ull;
    loadgen g{std::move(o)};
    return g.run();
}
