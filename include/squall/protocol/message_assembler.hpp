// squall/protocol/message_assembler.hpp: messages from frames (RFC 6455 §5.4, §5.6, §8.1):
// continuation rules, control frames between fragments, size/frame/fragment limits checked
// from each header before its payload is buffered, streaming UTF-8 validation that fails on
// the first bad octet. A whole single-frame message in the input is delivered in place
// (zero copy), and so is a whole control frame; only fragmented or split messages (and split
// control frames) are copied into the assembler's buffer, which holds no memory in between
// (byte_buffer: DESIGN §6, small idle connections). Standard library only.
#pragma once

#include <squall/error.hpp>
#include <squall/protocol/byte_buffer.hpp>
#include <squall/protocol/frame.hpp>
#include <squall/protocol/frame_parser.hpp>
#include <squall/protocol/utf8.hpp>

#include <array>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <system_error>

namespace squall::inline v0::protocol {

/// Inclusive limits (a value equal to the limit is allowed). Defaults of DESIGN §1.
struct message_limits {
    std::uint64_t max_message_bytes = 10u * 1024 * 1024;
    std::uint64_t max_frame_bytes = 10u * 1024 * 1024;
    std::uint32_t max_fragments = 65536;
};

class message_assembler {
public:
    enum class event_kind : std::uint8_t { need_more, message, ping, pong, close, error };
    struct event {
        event_kind kind = event_kind::need_more;
        opcode op = opcode::binary;               ///< text or binary for a message
        std::span<const std::uint8_t> payload{};  ///< valid until the next call to next()
        squall::error fault{};                    ///< error: the fault (error{} otherwise)
        /// The fault as a std::error_code (empty unless kind is error). Kept as the bare
        /// enumerator: an empty std::error_code member costs a call into the C++ runtime per
        /// event built.
        std::error_code error() const noexcept { return to_error_code(fault); }
        std::string_view text() const noexcept { return as_text(payload); }
    };

    explicit message_assembler(message_limits limits = {}) noexcept
        : max_message_bytes_(limits.max_message_bytes), parser_(frame_rules{limits.max_frame_bytes, true, 0}),
          max_fragments_(limits.max_fragments) {}

    /// Returns the next event, consuming octets from the front of `in` (unmasked in place).
    /// need_more means `in` is empty.
    ///
    /// After a message-level error (continuation, limits, UTF-8) the framing is still sound:
    /// the assembler drains data frames unseen and still reports control frames, so the
    /// peer's close can be read. After a frame-level error (broken()) nothing more can be
    /// trusted (RFC 6455 §7.1.7) and every call returns that error again.
    ///
    /// With `payload_to`, the event's payload is written there instead of into event::payload:
    /// a caller that hands the payload on in an event object of its own (connection_core)
    /// saves a copy, and the stall of rereading two fresh 8-octet stores as one 16-octet load.
    event next(std::span<std::uint8_t>& in, std::span<const std::uint8_t>* payload_to = nullptr) {
        // One result object on every path, so it is constructed in place (NRVO): with several
        // returned temporaries GCC 12 spent 33 instead of 15 ns per 16-octet frame. The
        // whole-message step is small enough to be inlined into the caller; everything else
        // is out of line.
        event out;
        auto& payload = payload_to ? *payload_to : out.payload;
        if (SQUALL_LIKELY(at_message_start())) {
            // A batch's last call finds the input used up, with nothing to let go of.
            if (in.empty() || next_whole_message(in, out, payload)) return out;
        }
        next_general(in, out, payload);
        return out;
    }

    /// True while a fragmented message is being received.
    bool in_message() const noexcept { return in_message_; }
    /// A frame-level error made the input unreadable.
    bool broken() const noexcept { return broken_; }
    void set_limits(const message_limits& l) noexcept {
        max_message_bytes_ = l.max_message_bytes;
        max_fragments_ = l.max_fragments;
        parser_.set_rules(frame_rules{l.max_frame_bytes, true, 0});
    }
    /// Octets held for an unfinished message (per-connection memory).
    std::size_t buffered() const noexcept { return buffer_.size() - control_size_; }
    /// Octets of memory held (0 between messages: the buffer goes back to the thread's pool).
    std::size_t capacity() const noexcept { return buffer_.capacity(); }

private:
    // Nothing pending: not failed, draining or inside a message, no buffer to let go of, and
    // the parser between frames.
    bool at_message_start() const noexcept {
        return !(broken_ | release_buffer_ | control_buffered_ | in_message_ | draining_) && parser_.at_frame_start();
    }

    void fail(std::error_code ec, event& out) noexcept {
        draining_ = true;
        in_message_ = false;
        // Every fault here is one of squall's (the parser's or the assembler's own), so its
        // enumerator is all that needs keeping.
        assert(ec.category() == error_category());
        error_ = static_cast<std::uint8_t>(ec.value());
        buffer_.clear();
        control_buffered_ = false;
        out.kind = event_kind::error;
        out.fault = static_cast<error>(ec.value());
    }

    std::error_code on_header(const frame_header& h) noexcept {
        control_size_ = 0;
        if (is_control(h.op) || draining_) return {};
        if (h.op == opcode::continuation) {
            if (!in_message_) return make_error_code(error::unexpected_continuation);
        } else {
            if (in_message_) return make_error_code(error::expected_continuation);
            in_message_ = true;
            message_op_ = h.op;
            message_size_ = 0;
            fragments_ = 0;
            utf8_.reset();
        }
        if (++fragments_ > max_fragments_) return make_error_code(error::too_many_fragments);
        // Checked from the header, before any payload is buffered (DESIGN §1 size limits).
        // payload_length <= max_frame_bytes < 2^63 here, so the sum cannot overflow.
        if (message_size_ + h.payload_length > max_message_bytes_)
            return make_error_code(error::message_too_big);
        message_size_ += h.payload_length;
        // Deliverable in place if it is the message's only frame and arrives whole.
        whole_frame_ = h.fin && fragments_ == 1;
        return {};
    }

    // Frame by frame through the parser: fragments, control frames, split input, faults.
    SQUALL_NOINLINE void next_general(std::span<std::uint8_t>& in, event& out, std::span<const std::uint8_t>& payload) {
        if (broken_) {
            out.kind = event_kind::error;
            out.fault = static_cast<error>(error_);
            return;
        }
        if (release_buffer_) { // the message handed out last time lived in buffer_
            release_buffer_ = false;
            buffer_.clear();
        }
        if (control_buffered_) { // so did a split control frame, behind a partial message
            control_buffered_ = false;
            buffer_.truncate(buffer_.size() - control_size_);
            control_size_ = 0;
        }
        if (!in_message_ && !draining_ && parser_.at_frame_start() && next_whole_message(in, out, payload)) return;
        for (;;) {
            const auto ev = parser_.next(in);
            switch (ev.kind) {
            case frame_parser::event_kind::need_more: return;
            case frame_parser::event_kind::error:
                broken_ = true;
                fail(parser_.error(), out);
                return;
            case frame_parser::event_kind::header:
                if (auto ec = on_header(parser_.header())) {
                    fail(ec, out);
                    return;
                }
                break;
            case frame_parser::event_kind::payload:
                if (on_payload(ev.chunk, ev.last, out, payload)) return;
                break;
            }
        }
    }

    // The common case in one step: a whole unfragmented text or binary message (FIN, no RSV,
    // masked, 7- or 16-bit length, within the limits) at the front of the input, nothing
    // pending. It gives what the general path gives (the frame parser's header and payload
    // events, then on_header and on_payload), at a third of the instructions per 16-octet
    // message under callgrind. Anything else returns false untouched and goes the general way,
    // which also reports every fault; only invalid UTF-8 is reported here, as there.
    bool next_whole_message(std::span<std::uint8_t>& in, event& out, std::span<const std::uint8_t>& payload) {
        if (in.size() < 6) return false;
        const std::uint8_t b0 = in[0];
        const std::uint8_t b1 = in[1];
        if ((b0 != 0x81 && b0 != 0x82) || (b1 & 0x80) == 0) return false;
        std::size_t length = b1 & 0x7F;
        std::size_t header = 6;
        if (length == 126) {
            if (in.size() < 8) return false;
            length = (std::size_t{in[2]} << 8) | in[3];
            header = 8;
            if (length < 126) return false; // not minimal: bad_payload_length, reported there
        } else if (length == 127) {
            return false;
        }
        if (in.size() - header < length || length > parser_.max_frame_bytes() || length > max_message_bytes_ ||
            max_fragments_ == 0)
            return false;
        std::uint8_t* p = in.data() + header;
        std::array<std::uint8_t, 4> key;
        std::memcpy(key.data(), p - 4, 4);
        unmask_frame(p, length, key);
        in = in.subspan(header + length);
        const opcode op = b0 == 0x81 ? opcode::text : opcode::binary;
        if (op == opcode::text) {
            utf8_.reset();
            if (!utf8_.feed(p, length) || !utf8_.complete()) {
                fail(make_error_code(error::invalid_utf8), out);
                return true;
            }
        }
        out.kind = event_kind::message;
        out.op = op;
        payload = {p, length};
        return true;
    }

    // Returns true when `out` holds an event to hand out.
    bool on_payload(std::span<std::uint8_t> chunk, bool last, event& out, std::span<const std::uint8_t>& payload) {
        const auto& h = parser_.header();
        if (is_control(h.op)) {
            // Whole in the input: handed out in place. Split: gathered behind whatever partial
            // message buffer_ holds, and cut off again by the next call.
            if (control_size_ == 0 && last) {
                payload = chunk;
            } else {
                buffer_.append(chunk);
                control_size_ += static_cast<std::uint8_t>(chunk.size());
                if (!last) return false;
                control_buffered_ = true;
                payload = {buffer_.data() + buffer_.size() - control_size_, control_size_};
            }
            out.kind = h.op == opcode::ping ? event_kind::ping
                     : h.op == opcode::pong ? event_kind::pong
                                            : event_kind::close;
            out.op = h.op;
            return true;
        }
        if (draining_) return false;
        if (message_op_ == opcode::text && !utf8_.feed(chunk.data(), chunk.size())) {
            fail(make_error_code(error::invalid_utf8), out);
            return true;
        }
        const bool in_place = whole_frame_ && last && buffer_.empty() && chunk.size() == h.payload_length;
        if (!in_place) {
            // A frame's first chunk: room for all of it at once (up to 1 MiB up front, so a
            // header announcing a huge frame cannot make us reserve memory it never fills).
            if (chunk.size() + parser_.remaining() == h.payload_length)
                buffer_.reserve_more(static_cast<std::size_t>(h.payload_length < (1u << 20) ? h.payload_length : (1u << 20)));
            buffer_.append(chunk);
        }
        if (!last || !h.fin) return false;
        if (message_op_ == opcode::text && !utf8_.complete()) {
            fail(make_error_code(error::invalid_utf8), out);
            return true;
        }
        in_message_ = false;
        out.kind = event_kind::message;
        out.op = message_op_;
        if (in_place) {
            payload = chunk;
        } else {
            payload = buffer_.span();
            release_buffer_ = true;
        }
        return true;
    }

    // The limits are kept field by field (max_frame_bytes lives in the parser): one
    // connection holds one assembler, and DESIGN §6 counts every octet of an idle connection.
    std::uint64_t max_message_bytes_;
    frame_parser parser_;
    byte_buffer buffer_;
    std::uint64_t message_size_ = 0;
    utf8_validator utf8_;
    std::uint32_t fragments_ = 0;
    std::uint32_t max_fragments_;
    std::uint8_t error_ = 0; // the squall::error reported, once draining_ or broken_
    opcode message_op_ = opcode::binary;
    bool in_message_ = false;
    bool whole_frame_ = false;
    bool release_buffer_ = false;
    bool draining_ = false; // a message-level error was reported: data frames are skipped
    bool broken_ = false;   // a frame-level error was reported: nothing more is parsed
    bool control_buffered_ = false; // the last control frame handed out lives in buffer_
    std::uint8_t control_size_ = 0; // octets of the current control frame in buffer_ (<= 125)
};

} // namespace squall::inline v0::protocol
