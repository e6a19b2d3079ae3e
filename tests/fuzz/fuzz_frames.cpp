// tests/fuzz/fuzz_frames.cpp: libFuzzer target for frame parsing and message assembly
// (RFC 6455 §5): a message_assembler with small limits fed in data-derived chunks, checked
// against a second one fed everything at once (same events in the same order).
// Input: [max_message:2][max_frame:2][max_fragments:1][chunk seed:1][client frames...].
#include <squall/error.hpp>
#include <squall/protocol/frame.hpp>
#include <squall/protocol/message_assembler.hpp>
#include <squall/protocol/utf8.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

using namespace squall;
using namespace squall::protocol;

namespace {

void check(bool ok) {
    if (!ok) __builtin_trap();
}

struct recorded {
    message_assembler::event_kind kind;
    opcode op;
    std::string payload; // copied: the event's view dies with the next call
    std::error_code error;
    friend bool operator==(const recorded&, const recorded&) = default;
};

// Invariants every event must keep, whatever the split of the input.
void check_event(const message_assembler::event& ev, const message_limits& limits) {
    using kind = message_assembler::event_kind;
    switch (ev.kind) {
    case kind::message:
        check(ev.op == opcode::text || ev.op == opcode::binary);
        check(ev.payload.size() <= limits.max_message_bytes);
        if (ev.op == opcode::text) check(is_valid_utf8(ev.text()));
        break;
    case kind::ping:
    case kind::pong:
    case kind::close: check(ev.payload.size() <= max_control_payload); break;
    case kind::error: check(ev.error().category() == error_category()); break;
    case kind::need_more: break;
    }
}

// Feeds `in` to `a` until it needs more or breaks; appends the events. A broken assembler
// must keep answering the same error and deliver nothing more.
bool drain(message_assembler& a, std::span<std::uint8_t> in, const message_limits& limits,
           std::vector<recorded>& out) {
    for (;;) {
        const auto ev = a.next(in);
        if (ev.kind == message_assembler::event_kind::need_more) {
            check(in.empty());
            return true;
        }
        check_event(ev, limits);
        out.push_back({ev.kind, ev.op, std::string(ev.text()), ev.error()});
        if (a.broken()) {
            check(ev.kind == message_assembler::event_kind::error);
            const auto again = a.next(in);
            check(again.kind == message_assembler::event_kind::error && again.error() == ev.error());
            return false;
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 6) return 0;
    message_limits limits;
    limits.max_message_bytes = ((std::uint64_t{data[0]} << 8) | data[1]) % 4097;
    limits.max_frame_bytes = ((std::uint64_t{data[2]} << 8) | data[3]) % 4097;
    limits.max_fragments = 1u + data[4] % 64;
    std::uint32_t rng = 0x9E3779B9u ^ (std::uint32_t{data[5]} * 0x01000193u);
    const auto next_rand = [&rng] {
        rng ^= rng << 13;
        rng ^= rng >> 17;
        rng ^= rng << 5;
        return rng;
    };
    // Each assembler unmasks its own copy in place.
    std::vector<std::uint8_t> chunked(data + 6, data + size);
    std::vector<std::uint8_t> whole = chunked;

    message_assembler a{limits};
    std::vector<recorded> ea;
    std::size_t pos = 0;
    while (pos < chunked.size()) {
        const std::uint32_t r = next_rand();
        // Mostly small pieces (header octets one by one), sometimes large ones.
        const std::size_t want = (r & 3) == 0 ? 1 + (r >> 8) % 512 : 1 + (r >> 8) % 7;
        const std::size_t n = want < chunked.size() - pos ? want : chunked.size() - pos;
        if (!drain(a, std::span<std::uint8_t>{chunked.data() + pos, n}, limits, ea)) break;
        pos += n;
        if (!a.in_message()) check(a.buffered() == 0);
    }
    // Empty input is a no-op.
    if (!a.broken()) {
        std::span<std::uint8_t> none{};
        check(a.next(none).kind == message_assembler::event_kind::need_more);
    }

    message_assembler b{limits};
    std::vector<recorded> eb;
    drain(b, std::span<std::uint8_t>{whole.data(), whole.size()}, limits, eb);

    if (ea != eb) __builtin_trap();
    check(a.broken() == b.broken());
    // After a message-level error data frames are drained unseen (message_assembler.hpp);
    // after a frame-level error nothing at all comes (checked in drain).
    bool errored = false;
    for (const recorded& e : ea) {
        if (errored) check(e.kind != message_assembler::event_kind::message);
        if (e.kind == message_assembler::event_kind::error) errored = true;
    }
    return 0;
}
