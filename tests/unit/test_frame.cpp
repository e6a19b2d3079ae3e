#include "support.hpp"

#include <squall/protocol/frame.hpp>
#include <squall/protocol/frame_parser.hpp>

#include <catch2/catch.hpp>

#include <cstring>
#include <tuple>

using namespace squall;
using namespace squall::protocol;
using namespace squall_test;

TEST_CASE("frame: header uses the minimal length encoding", "[protocol][frame]") {
    auto [length, size, len7] = GENERATE(table<std::uint64_t, std::size_t, int>({
        {0, 2, 0}, {125, 2, 125}, {126, 4, 126}, {65535, 4, 126}, {65536, 10, 127}, {1ULL << 32, 10, 127},
    }));
    std::uint8_t out[max_frame_header_bytes];
    const auto n = encode_header(out, frame_header{.payload_length = length, .fin = true, .op = opcode::binary});
    CHECK(n == size);
    CHECK(n == header_size(length, false));
    CHECK((out[1] & 0x7F) == len7);
    CHECK(out[0] == 0x82);
    CHECK((out[1] & 0x80) == 0); // server frames are never masked
    const auto m = encode_header(out, frame_header{.payload_length = length, .mask = {1, 2, 3, 4}, .fin = false, .op = opcode::text, .masked = true});
    CHECK(m == size + 4);
    CHECK(out[0] == 0x01);
    CHECK(std::memcmp(out + m - 4, "\x01\x02\x03\x04", 4) == 0);
}

TEST_CASE("frame: apply_mask matches the byte-wise definition at any alignment length and phase", "[protocol][frame]") {
    const std::array<std::uint8_t, 4> key{0xA1, 0x0B, 0xFF, 0x42};
    std::vector<std::uint8_t> base(4200);
    for (std::size_t i = 0; i < base.size(); ++i) base[i] = static_cast<std::uint8_t>(i * 7 + 3);
    // Every length to 100, then around the 32-octet-word path's thresholds (256 octets,
    // 128-octet blocks; taken where the CPU has AVX2) and a 4 KiB message.
    std::vector<std::size_t> lengths;
    for (std::size_t len = 0; len < 100; ++len) lengths.push_back(len);
    for (std::size_t len : {127, 128, 129, 255, 256, 257, 300, 383, 384, 385, 511, 512, 513, 1000, 4096, 4101}) lengths.push_back(len);
    for (std::size_t offset = 0; offset < 8; ++offset) {
        for (std::size_t len : lengths) {
            for (std::size_t phase = 0; phase < 4; ++phase) {
                auto buf = base;
                const auto next = apply_mask(buf.data() + offset, len, key, phase);
                CHECK(next == (phase + len) % 4);
                for (std::size_t i = 0; i < buf.size(); ++i) {
                    const bool inside = i >= offset && i < offset + len;
                    const std::uint8_t want = inside ? base[i] ^ key[(phase + i - offset) % 4] : base[i];
                    if (buf[i] != want) FAIL("offset " << offset << " len " << len << " phase " << phase << " at " << i);
                }
            }
        }
    }
}

TEST_CASE("frame: unmask_frame and copy_payload match memcpy and the byte-wise mask", "[protocol][frame]") {
    const std::array<std::uint8_t, 4> key{0x5C, 0x00, 0xE7, 0x19};
    std::vector<std::uint8_t> base(400);
    for (std::size_t i = 0; i < base.size(); ++i) base[i] = static_cast<std::uint8_t>(i * 13 + 5);
    for (std::size_t offset = 0; offset < 8; ++offset) {
        for (std::size_t len = 0; len <= 300; ++len) {
            auto buf = base;
            unmask_frame(buf.data() + offset, len, key);
            for (std::size_t i = 0; i < buf.size(); ++i) {
                const bool inside = i >= offset && i < offset + len;
                const std::uint8_t want = inside ? base[i] ^ key[(i - offset) % 4] : base[i];
                if (buf[i] != want) FAIL("unmask offset " << offset << " len " << len << " at " << i);
            }
            std::vector<std::uint8_t> to(base.size(), 0xEE);
            copy_payload(to.data() + offset, base.data() + 3, len);
            for (std::size_t i = 0; i < to.size(); ++i) {
                const bool inside = i >= offset && i < offset + len;
                const std::uint8_t want = inside ? base[i - offset + 3] : 0xEE;
                if (to[i] != want) FAIL("copy offset " << offset << " len " << len << " at " << i);
            }
        }
    }
}

TEST_CASE("frame: apply_mask split anywhere equals one call", "[protocol][frame]") {
    const std::array<std::uint8_t, 4> key{1, 2, 3, 4};
    std::vector<std::uint8_t> base(77);
    for (std::size_t i = 0; i < base.size(); ++i) base[i] = static_cast<std::uint8_t>(i);
    auto whole = base;
    apply_mask(whole.data(), whole.size(), key, 0);
    for (std::size_t a = 0; a <= base.size(); ++a) {
        for (std::size_t b = a; b <= base.size(); b += 5) {
            auto parts = base;
            auto phase = apply_mask(parts.data(), a, key, 0);
            phase = apply_mask(parts.data() + a, b - a, key, phase);
            apply_mask(parts.data() + b, parts.size() - b, key, phase);
            REQUIRE(parts == whole);
        }
    }
}

namespace {

struct parsed_frame {
    frame_header header;
    std::string payload;
    bool operator==(const parsed_frame& o) const {
        return header.fin == o.header.fin && header.op == o.header.op && header.rsv == o.header.rsv &&
               header.payload_length == o.header.payload_length && payload == o.payload;
    }
};

struct parse_result {
    std::vector<parsed_frame> frames;
    std::error_code error;
};

// Feeds `stream` cut at the given points and collects every frame.
parse_result parse_chunks(std::string stream, const std::vector<std::size_t>& cuts, frame_rules rules = {}) {
    frame_parser p{rules};
    parse_result r;
    std::size_t start = 0;
    auto feed = [&](std::size_t end) {
        std::span<std::uint8_t> in{reinterpret_cast<std::uint8_t*>(stream.data()) + start, end - start};
        start = end;
        for (;;) {
            const auto ev = p.next(in);
            if (ev.kind == frame_parser::event_kind::need_more) {
                REQUIRE(in.empty());
                return;
            }
            if (ev.kind == frame_parser::event_kind::error) {
                r.error = p.error();
                return;
            }
            if (ev.kind == frame_parser::event_kind::header) r.frames.push_back({p.header(), {}});
            else r.frames.back().payload.append(as_text(ev.chunk));
        }
    };
    for (auto c : cuts) {
        feed(c);
        if (r.error) return r;
    }
    feed(stream.size());
    return r;
}

} // namespace

TEST_CASE("frame_parser: every split point of a multi-frame stream gives the same frames", "[protocol][frame_parser]") {
    std::string stream = client_frame(opcode::text, "Hello", false) + client_frame(opcode::ping, "p!") +
                         client_frame(opcode::continuation, repeat('x', 126)) +
                         client_frame(opcode::binary, "", true) + client_frame(opcode::binary, repeat('y', 300)) +
                         client_frame(opcode::close, std::string("\x03\xe8", 2) + "bye");
    const auto whole = parse_chunks(stream, {});
    REQUIRE_FALSE(whole.error);
    REQUIRE(whole.frames.size() == 6);
    CHECK(whole.frames[0].payload == "Hello");
    CHECK_FALSE(whole.frames[0].header.fin);
    CHECK(whole.frames[1].header.op == opcode::ping);
    CHECK(whole.frames[2].payload == repeat('x', 126));
    CHECK(whole.frames[3].payload.empty());
    CHECK(whole.frames[4].payload == repeat('y', 300));
    CHECK(whole.frames[5].header.op == opcode::close);
    for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
        const auto split = parse_chunks(stream, {cut});
        REQUIRE_FALSE(split.error);
        REQUIRE(split.frames == whole.frames);
    }
    std::vector<std::size_t> every;
    for (std::size_t i = 1; i < stream.size(); ++i) every.push_back(i);
    CHECK(parse_chunks(stream, every).frames == whole.frames); // one octet at a time
}

TEST_CASE("frame_parser: 64-bit lengths parse whole and one octet at a time", "[protocol][frame_parser]") {
    const std::string big = repeat('z', 70000);
    std::string stream = client_frame(opcode::binary, big) + client_frame(opcode::text, "after");
    const auto whole = parse_chunks(stream, {});
    REQUIRE(whole.frames.size() == 2);
    CHECK(whole.frames[0].header.payload_length == 70000);
    CHECK(whole.frames[0].payload == big);
    CHECK(whole.frames[1].payload == "after");
    for (std::size_t cut : {1, 2, 5, 9, 13, 14, 15, 1000, 70013, 70014, 70015, 70020}) {
        REQUIRE(parse_chunks(stream, {static_cast<std::size_t>(cut)}).frames == whole.frames);
    }
}

TEST_CASE("frame_parser: frame rules of RFC 6455 section 5", "[protocol][frame_parser]") {
    using E = squall::error;
    auto [name, raw, expected] = GENERATE(table<const char*, std::string, E>({
        {"rsv1", client_frame(opcode::text, "a", true, 4), E::reserved_bits},
        {"rsv2", client_frame(opcode::text, "a", true, 2), E::reserved_bits},
        {"rsv3", client_frame(opcode::text, "a", true, 1), E::reserved_bits},
        {"opcode 3", client_frame(opcode{3}, "a"), E::bad_opcode},
        {"opcode 7", client_frame(opcode{7}, "a"), E::bad_opcode},
        {"opcode 11", client_frame(opcode{11}, "a"), E::bad_opcode},
        {"opcode 15", client_frame(opcode{15}, "a"), E::bad_opcode},
        {"unmasked", std::string("\x81\x01" "a", 3), E::unmasked_frame},
        {"ping 126", client_frame(opcode::ping, repeat('p', 126)), E::control_frame_too_big},
        {"close 126", client_frame(opcode::close, repeat('p', 126)), E::control_frame_too_big},
        {"fragmented ping", client_frame(opcode::ping, "p", false), E::fragmented_control_frame},
        {"fragmented pong", client_frame(opcode::pong, "", false), E::fragmented_control_frame},
        {"64-bit top bit", std::string("\x82\xFF\x80\x00\x00\x00\x00\x00\x00\x00" "abcd", 14), E::bad_payload_length},
        {"16-bit non-minimal", std::string("\x82\xFE\x00\x7D" "abcd", 8), E::bad_payload_length},
        {"64-bit non-minimal", std::string("\x82\xFF\x00\x00\x00\x00\x00\x00\xFF\xFF" "abcd", 14), E::bad_payload_length},
    }));
    INFO(name);
    const auto r = parse_chunks(raw, {});
    CHECK(r.error == make_error_code(expected));
    CHECK(r.frames.empty()); // rejected from the header, before any payload
}

TEST_CASE("frame_parser: control frames of exactly 125 octets are allowed", "[protocol][frame_parser]") {
    const auto r = parse_chunks(client_frame(opcode::ping, repeat('p', 125)), {});
    REQUIRE_FALSE(r.error);
    CHECK(r.frames.at(0).payload.size() == 125);
}

TEST_CASE("frame_parser: the frame limit is inclusive and checked from the header", "[protocol][frame_parser]") {
    frame_rules rules;
    rules.max_frame_bytes = 1000;
    CHECK_FALSE(parse_chunks(client_frame(opcode::binary, repeat('a', 1000)), {}, rules).error);
    // Only the header of the oversized frame is fed: the error comes before any payload.
    const auto big = client_frame(opcode::binary, repeat('a', 1001));
    const auto r = parse_chunks(big.substr(0, 8), {}, rules);
    CHECK(r.error == make_error_code(squall::error::frame_too_big));
}

TEST_CASE("frame_parser: unmasked frames pass when masks are not required", "[protocol][frame_parser]") {
    frame_rules rules;
    rules.require_mask = false;
    const auto r = parse_chunks(std::string("\x81\x02hi", 4), {}, rules);
    REQUIRE_FALSE(r.error);
    CHECK(r.frames.at(0).payload == "hi");
}

TEST_CASE("frame_parser: stays failed after an error", "[protocol][frame_parser]") {
    frame_parser p;
    std::string s = std::string("\x81\x01" "a", 3) + client_frame(opcode::text, "ok");
    std::span<std::uint8_t> in{reinterpret_cast<std::uint8_t*>(s.data()), s.size()};
    CHECK(p.next(in).kind == frame_parser::event_kind::error);
    CHECK(p.next(in).kind == frame_parser::event_kind::error);
    CHECK(p.error() == make_error_code(squall::error::unmasked_frame));
}
