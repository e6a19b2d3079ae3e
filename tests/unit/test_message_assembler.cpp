#include "support.hpp"

#include <squall/protocol/message_assembler.hpp>

#include <catch2/catch.hpp>

using namespace squall;
using namespace squall::protocol;
using namespace squall_test;
using kind = message_assembler::event_kind;

namespace {

struct seen {
    kind k;
    opcode op;
    std::string payload;
    std::error_code error;
};

// Feeds the stream in pieces of `step` octets (0: all at once) and records every event.
std::vector<seen> run(std::string stream, std::size_t step = 0, message_limits limits = {}) {
    message_assembler a{limits};
    std::vector<seen> out;
    std::size_t pos = 0;
    while (pos < stream.size() || (stream.empty() && pos == 0)) {
        const std::size_t n = step == 0 ? stream.size() - pos : std::min(step, stream.size() - pos);
        std::span<std::uint8_t> in{reinterpret_cast<std::uint8_t*>(stream.data()) + pos, n};
        pos += n;
        for (;;) {
            const auto ev = a.next(in);
            if (ev.kind == kind::need_more) break;
            out.push_back({ev.kind, ev.op, std::string(ev.text()), ev.error()});
            if (ev.kind == kind::error) return out;
        }
        if (stream.empty()) break;
    }
    return out;
}

} // namespace

TEST_CASE("message_assembler: fragments with interleaved control frames form one message", "[protocol][message_assembler]") {
    const auto stream = client_frame(opcode::text, "Hel", false) + client_frame(opcode::ping, "p1") +
                        client_frame(opcode::continuation, "lo ", false) + client_frame(opcode::pong, "") +
                        client_frame(opcode::continuation, "world", true) + client_frame(opcode::binary, "\x01\x02");
    for (std::size_t step : {0, 1, 2, 3, 7}) {
        INFO("step " << step);
        const auto ev = run(stream, step);
        REQUIRE(ev.size() == 4);
        CHECK(ev[0].k == kind::ping);
        CHECK(ev[0].payload == "p1");
        CHECK(ev[1].k == kind::pong);
        CHECK(ev[2].k == kind::message);
        CHECK(ev[2].op == opcode::text);
        CHECK(ev[2].payload == "Hello world");
        CHECK(ev[3].op == opcode::binary);
        CHECK(ev[3].payload == "\x01\x02");
    }
}

TEST_CASE("message_assembler: continuation rules", "[protocol][message_assembler]") {
    CHECK(run(client_frame(opcode::continuation, "x")).back().error == make_error_code(error::unexpected_continuation));
    CHECK(run(client_frame(opcode::text, "a", false) + client_frame(opcode::text, "b")).back().error ==
          make_error_code(error::expected_continuation));
    CHECK(run(client_frame(opcode::binary, "a", false) + client_frame(opcode::binary, "b")).back().error ==
          make_error_code(error::expected_continuation));
    // A finished message resets the rule.
    CHECK(run(client_frame(opcode::text, "a") + client_frame(opcode::continuation, "b")).back().error ==
          make_error_code(error::unexpected_continuation));
}

TEST_CASE("message_assembler: a whole single-frame message is delivered in place", "[protocol][message_assembler]") {
    std::string stream = client_frame(opcode::binary, "payload!");
    message_assembler a;
    std::span<std::uint8_t> in{reinterpret_cast<std::uint8_t*>(stream.data()), stream.size()};
    const auto ev = a.next(in);
    REQUIRE(ev.kind == kind::message);
    CHECK(ev.text() == "payload!");
    const auto* base = reinterpret_cast<const std::uint8_t*>(stream.data());
    CHECK(ev.payload.data() == base + 6); // points into the caller's buffer, unmasked there
    CHECK(a.buffered() == 0);
}

TEST_CASE("message_assembler: limits are inclusive", "[protocol][message_assembler]") {
    message_limits l;
    l.max_message_bytes = 10;
    l.max_frame_bytes = 6;
    l.max_fragments = 3;
    SECTION("message at the limit passes") {
        const auto ev = run(client_frame(opcode::text, "12345", false) + client_frame(opcode::continuation, "67890"), 0, l);
        REQUIRE(ev.size() == 1);
        CHECK(ev[0].payload == "1234567890");
    }
    SECTION("one octet over the message limit is refused") {
        const auto ev = run(client_frame(opcode::text, "12345", false) + client_frame(opcode::continuation, "678901"), 0, l);
        CHECK(ev.back().error == make_error_code(error::message_too_big));
    }
    SECTION("frame limit") {
        CHECK(run(client_frame(opcode::binary, "123456"), 0, l).back().k == kind::message);
        CHECK(run(client_frame(opcode::binary, "1234567"), 0, l).back().error == make_error_code(error::frame_too_big));
    }
    SECTION("fragment limit") {
        const auto three = client_frame(opcode::text, "a", false) + client_frame(opcode::continuation, "b", false) +
                           client_frame(opcode::continuation, "c");
        CHECK(run(three, 0, l).back().payload == "abc");
        const auto four = client_frame(opcode::text, "a", false) + client_frame(opcode::continuation, "b", false) +
                          client_frame(opcode::continuation, "c", false) + client_frame(opcode::continuation, "d");
        CHECK(run(four, 0, l).back().error == make_error_code(error::too_many_fragments));
    }
}

TEST_CASE("message_assembler: limits are checked from the header before payload is buffered", "[protocol][message_assembler]") {
    message_limits l;
    l.max_message_bytes = 1000;
    l.max_frame_bytes = 1000;
    message_assembler a{l};
    std::string first = client_frame(opcode::binary, repeat('a', 600), false);
    std::string second = client_frame(opcode::continuation, repeat('b', 600));
    std::span<std::uint8_t> in{reinterpret_cast<std::uint8_t*>(first.data()), first.size()};
    CHECK(a.next(in).kind == kind::need_more);
    CHECK(a.buffered() == 600);
    // Only the 8 header octets of the second frame: the error comes before its payload.
    std::span<std::uint8_t> hdr{reinterpret_cast<std::uint8_t*>(second.data()), 8};
    const auto ev = a.next(hdr);
    CHECK(ev.error() == make_error_code(error::message_too_big));
    CHECK(a.buffered() == 0); // the unfinished message is dropped, not grown
}

TEST_CASE("message_assembler: invalid UTF-8 fails on the first bad octet mid-frame", "[protocol][message_assembler]") {
    std::string frame = client_frame(opcode::text, "abc\xED\xA0\x80" + repeat('d', 200));
    message_assembler a;
    // Header (4 octets: 126-form + mask) plus 4 payload octets: \xED\xA0 is already bad.
    std::span<std::uint8_t> in{reinterpret_cast<std::uint8_t*>(frame.data()), 8 + 5};
    const auto ev = a.next(in);
    CHECK(ev.kind == kind::error);
    CHECK(ev.error() == make_error_code(error::invalid_utf8));
}

TEST_CASE("message_assembler: UTF-8 is checked across fragments and at the message end", "[protocol][message_assembler]") {
    // A code point split across two fragments is fine.
    CHECK(run(client_frame(opcode::text, "\xE2\x82", false) + client_frame(opcode::continuation, "\xAC")).back().payload ==
          "\xE2\x82\xAC");
    // A message ending inside a sequence is not.
    CHECK(run(client_frame(opcode::text, "a\xE2\x82", false) + client_frame(opcode::continuation, "")).back().error ==
          make_error_code(error::invalid_utf8));
    CHECK(run(client_frame(opcode::text, "\xF0\x9F")).back().error == make_error_code(error::invalid_utf8));
    // Binary messages are not checked.
    CHECK(run(client_frame(opcode::binary, "\xFF\xFE")).back().k == kind::message);
}

TEST_CASE("message_assembler: empty messages and empty fragments", "[protocol][message_assembler]") {
    auto ev = run(client_frame(opcode::text, ""));
    REQUIRE(ev.size() == 1);
    CHECK(ev[0].payload.empty());
    ev = run(client_frame(opcode::binary, "", false) + client_frame(opcode::continuation, "", false) +
             client_frame(opcode::continuation, ""));
    REQUIRE(ev.size() == 1);
    CHECK(ev[0].k == kind::message);
}

TEST_CASE("message_assembler: every split point gives the same messages", "[protocol][message_assembler]") {
    const auto stream = client_frame(opcode::text, "\xCE\xBA\xE1\xBD\xB9", false) + client_frame(opcode::ping, "x") +
                        client_frame(opcode::continuation, "\xCF\x83\xCE\xBC\xCE\xB5") + client_frame(opcode::binary, repeat('q', 130));
    const auto whole = run(stream);
    REQUIRE(whole.size() == 3);
    for (std::size_t cut = 1; cut < stream.size(); ++cut) {
        message_assembler a;
        std::string copy = stream;
        std::vector<std::string> got;
        for (auto [from, to] : {std::pair{std::size_t{0}, cut}, std::pair{cut, copy.size()}}) {
            std::span<std::uint8_t> in{reinterpret_cast<std::uint8_t*>(copy.data()) + from, to - from};
            for (auto ev = a.next(in); ev.kind != kind::need_more; ev = a.next(in)) got.emplace_back(ev.text());
        }
        REQUIRE(got.size() == 3);
        CHECK(got[0] == whole[0].payload);
        CHECK(got[1] == whole[1].payload);
        CHECK(got[2] == whole[2].payload);
    }
}

TEST_CASE("message_assembler: after a message-level error data is drained and control frames still come", "[protocol][message_assembler]") {
    const auto ev = run(client_frame(opcode::continuation, "x") + client_frame(opcode::text, "dropped") +
                        client_frame(opcode::close, "\x03\xe8"));
    // run() stops at the first error; feed the rest by hand.
    message_assembler a;
    std::string s = client_frame(opcode::continuation, "x") + client_frame(opcode::text, "dropped") +
                    client_frame(opcode::close, "\x03\xe8");
    std::span<std::uint8_t> in{reinterpret_cast<std::uint8_t*>(s.data()), s.size()};
    CHECK(a.next(in).error() == make_error_code(error::unexpected_continuation));
    const auto next = a.next(in);
    CHECK(next.kind == kind::close);
    CHECK(next.payload.size() == 2);
    CHECK_FALSE(a.broken());
    CHECK(ev.size() == 1);
}

TEST_CASE("message_assembler: after a frame-level error nothing more is parsed", "[protocol][message_assembler]") {
    message_assembler a;
    std::string s = std::string("\x81\x01" "a", 3) + client_frame(opcode::close, "");
    std::span<std::uint8_t> in{reinterpret_cast<std::uint8_t*>(s.data()), s.size()};
    CHECK(a.next(in).error() == make_error_code(error::unmasked_frame));
    CHECK(a.broken());
    CHECK(a.next(in).kind == kind::error);
}

TEST_CASE("message_assembler: a whole frame at once gives what octet-by-octet feeding gives", "[protocol][message_assembler]") {
    // Whole single-frame messages at the front of the input take a one-step path; fed one
    // octet at a time the same stream goes through the frame parser. Both must agree on
    // every event, payload and error, at and around each limit and rule that path checks.
    const auto raw = [](std::initializer_list<int> octets) {
        std::string s;
        for (int o : octets) s += static_cast<char>(o);
        return s;
    };
    const std::string multi = "\xc3\xa9t\xc3\xa9 \xf0\x9f\x98\x80";
    struct sample {
        const char* name;
        std::string stream;
        message_limits limits;
    };
    message_limits tight;
    tight.max_message_bytes = 200;
    tight.max_frame_bytes = 300;
    message_limits tight_frame;
    tight_frame.max_frame_bytes = 200;
    message_limits no_fragments;
    no_fragments.max_fragments = 0;
    const std::vector<sample> samples{
        {"empty text", client_frame(opcode::text, ""), {}},
        {"sizes 1, 125, 126, 4096, 65535", client_frame(opcode::binary, "x") + client_frame(opcode::text, repeat('a', 125)) +
             client_frame(opcode::binary, repeat('b', 126)) + client_frame(opcode::text, repeat('c', 4096)) +
             client_frame(opcode::binary, repeat('d', 65535)), {}},
        {"65536 (64-bit length: general path)", client_frame(opcode::binary, repeat('e', 65536)), {}},
        {"multi-byte text", client_frame(opcode::text, multi) + client_frame(opcode::text, multi + multi), {}},
        {"invalid UTF-8, then a close", client_frame(opcode::text, "ok\xff") + client_frame(opcode::close, "\x03\xe8"), {}},
        {"truncated UTF-8 at the end", client_frame(opcode::text, "\xe2\x82"), {}},
        {"message at the limit, then over it", client_frame(opcode::binary, repeat('f', 200)) + client_frame(opcode::binary, repeat('g', 201)), tight},
        {"frame at the limit, then over it", client_frame(opcode::binary, repeat('h', 200)) + client_frame(opcode::binary, repeat('i', 201)), tight_frame},
        {"no fragments allowed", client_frame(opcode::binary, "j"), no_fragments},
        {"non-minimal 16-bit length", raw({0x82, 0xFE, 0x00, 0x05, 1, 2, 3, 4, 'a', 'b', 'c', 'd', 'e'}), {}},
        {"unmasked frame", raw({0x82, 0x01, 'k'}), {}},
        {"RSV1 set", client_frame(opcode::binary, "l", true, 4), {}},
        {"first fragment, then whole frames", client_frame(opcode::text, "m", false) + client_frame(opcode::continuation, "n") +
             client_frame(opcode::text, "o") + client_frame(opcode::binary, "p", false), {}},
        {"data frame inside a fragmented message", client_frame(opcode::text, "q", false) + client_frame(opcode::binary, "r"), {}},
    };
    for (const auto& s : samples) {
        INFO(s.name);
        const auto whole = run(s.stream, 0, s.limits);
        const auto octets = run(s.stream, 1, s.limits);
        REQUIRE(whole.size() == octets.size());
        REQUIRE_FALSE(whole.empty());
        for (std::size_t i = 0; i < whole.size(); ++i) {
            INFO("event " << i);
            CHECK(whole[i].k == octets[i].k);
            CHECK(whole[i].op == octets[i].op);
            CHECK(whole[i].payload == octets[i].payload);
            CHECK(whole[i].error == octets[i].error);
        }
    }
    // And the outcomes themselves, so agreement on a wrong answer cannot pass.
    CHECK(run(samples[1].stream).size() == 5);
    CHECK(run(samples[4].stream).front().error == make_error_code(error::invalid_utf8));
    CHECK(run(samples[6].stream, 0, tight).back().error == make_error_code(error::message_too_big));
    CHECK(run(samples[7].stream, 0, tight_frame).back().error == make_error_code(error::frame_too_big));
    CHECK(run(samples[8].stream, 0, no_fragments).back().error == make_error_code(error::too_many_fragments));
    CHECK(run(samples[9].stream).back().error == make_error_code(error::bad_payload_length));
    CHECK(run(samples[10].stream).back().error == make_error_code(error::unmasked_frame));
    CHECK(run(samples[11].stream).back().error == make_error_code(error::reserved_bits));
    CHECK(run(samples[13].stream).back().error == make_error_code(error::expected_continuation));
}
