// squall/protocol/frame_parser.hpp: incremental parser of client frames over a caller-owned,
// mutable buffer (RFC 6455 §5.2-5.5). It consumes every octet it is given: up to 14 header
// octets are kept inside, payload is unmasked in place and handed out as chunks, so any split
// of the input gives the same frames. Frame-level rules only; message rules live in
// message_assembler. Standard library only; never allocates.
#pragma once

#include <squall/error.hpp>
#include <squall/protocol/frame.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <span>
#include <system_error>

namespace squall::inline v0::protocol {

struct frame_rules {
    std::uint64_t max_frame_bytes = std::numeric_limits<std::uint64_t>::max(); ///< inclusive
    bool require_mask = true;      ///< a server requires masked client frames (RFC 6455 §5.1)
    std::uint8_t allowed_rsv = 0;  ///< RSV bits a negotiated extension gave meaning to
};

class frame_parser {
public:
    enum class event_kind : std::uint8_t {
        need_more, ///< every input octet was consumed and no frame event is ready
        header,    ///< a complete, valid header: see header()
        payload,   ///< a chunk of the payload, unmasked; `last` is set on the final chunk
        error,     ///< a frame rule was broken: see error(); the parser stays failed
    };
    struct event {
        event_kind kind = event_kind::need_more;
        std::span<std::uint8_t> chunk{}; ///< payload chunk inside the caller's buffer
        bool last = false;               ///< this chunk ends the frame's payload
    };

    explicit frame_parser(frame_rules rules = {}) noexcept { set_rules(rules); }

    /// Returns the next event, removing the octets it used from the front of `in`.
    /// A header event is always followed by at least one payload event (an empty one with
    /// `last` set for an empty payload) before the next header.
    event next(std::span<std::uint8_t>& in) noexcept {
        if (state_ == state::failed) return {event_kind::error};
        if (state_ == state::payload) {
            if (remaining_ == 0) {
                state_ = state::header;
                return {event_kind::payload, {}, true};
            }
            if (in.empty()) return {};
            const auto n = static_cast<std::size_t>(remaining_ < in.size() ? remaining_ : in.size());
            auto chunk = in.first(n);
            in = in.subspan(n);
            if (header_.masked) phase_ = static_cast<std::uint8_t>(apply_mask(chunk.data(), n, header_.mask, phase_));
            remaining_ -= n;
            if (remaining_ == 0) state_ = state::header;
            return {event_kind::payload, chunk, remaining_ == 0};
        }
        return read_header(in);
    }

    const frame_header& header() const noexcept { return header_; }
    std::error_code error() const noexcept {
        return state_ == state::failed ? make_error_code(static_cast<squall::error>(error_)) : std::error_code{};
    }
    /// Between frames with no header octets kept: the next octet starts a frame.
    bool at_frame_start() const noexcept { return state_ == state::header && have_ == 0; }
    /// Payload octets of the current frame not yet handed out.
    std::uint64_t remaining() const noexcept { return remaining_; }
    void set_rules(const frame_rules& r) noexcept {
        max_frame_bytes_ = r.max_frame_bytes;
        require_mask_ = r.require_mask;
        allowed_rsv_ = r.allowed_rsv;
    }
    std::uint64_t max_frame_bytes() const noexcept { return max_frame_bytes_; }
    void reset() noexcept {
        state_ = state::header;
        have_ = 0;
        remaining_ = 0;
        error_ = 0;
    }

private:
    enum class state : std::uint8_t { header, payload, failed };

    event read_header(std::span<std::uint8_t>& in) noexcept {
        // Fast path: the whole header is in the input and nothing is buffered; no copy.
        if (have_ == 0 && in.size() >= 2) {
            const std::size_t need = needed(in[1]);
            if (in.size() >= need) {
                const std::uint8_t* p = in.data();
                in = in.subspan(need);
                return decode(p);
            }
        }
        while (!in.empty()) {
            buf_[have_++] = in[0];
            in = in.subspan(1);
            if (have_ >= 2 && have_ == needed(buf_[1])) {
                have_ = 0;
                return decode(buf_);
            }
        }
        return {};
    }

    // Header length from its second octet: extended length and mask key sizes.
    static constexpr std::size_t needed(std::uint8_t b1) noexcept {
        const std::uint8_t len7 = b1 & 0x7F;
        return 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + ((b1 & 0x80) ? 4 : 0);
    }

    event fail(squall::error e) noexcept {
        state_ = state::failed;
        error_ = static_cast<std::uint8_t>(e);
        return {event_kind::error};
    }

    // Decodes straight into header_ (a copy of a byte-built struct stalls store forwarding on
    // the 16-octet-frame path); after a failure header_ is meaningless, as is the parser.
    event decode(const std::uint8_t* p) noexcept {
        frame_header& h = header_;
        h.fin = (p[0] & 0x80) != 0;
        h.rsv = static_cast<std::uint8_t>((p[0] >> 4) & 0x7);
        const std::uint8_t op = p[0] & 0x0F;
        h.masked = (p[1] & 0x80) != 0;
        const std::uint8_t len7 = p[1] & 0x7F;
        std::size_t pos = 2;
        if (len7 == 126) {
            h.payload_length = (std::uint64_t{p[2]} << 8) | p[3];
            pos = 4;
            if (h.payload_length < 126) return fail(squall::error::bad_payload_length);
        } else if (len7 == 127) {
            h.payload_length = 0;
            for (int i = 0; i < 8; ++i) h.payload_length = (h.payload_length << 8) | p[2 + i];
            pos = 10;
            // RFC 6455 §5.2: the most significant bit MUST be 0; and the minimal number of
            // octets MUST be used, so a 64-bit length below 65536 is malformed too.
            if ((h.payload_length >> 63) != 0 || h.payload_length <= 0xFFFF) return fail(squall::error::bad_payload_length);
        } else {
            h.payload_length = len7;
        }
        if (h.masked) {
            std::memcpy(h.mask.data(), p + pos, 4);
        }
        // RFC 6455 §5.2 order of checks; the first broken rule is reported.
        if ((h.rsv & ~allowed_rsv_) != 0) return fail(squall::error::reserved_bits);
        if (!is_known_opcode(op)) return fail(squall::error::bad_opcode);
        h.op = static_cast<opcode>(op);
        if (require_mask_ && !h.masked) return fail(squall::error::unmasked_frame);
        if (is_control(h.op)) {
            if (!h.fin) return fail(squall::error::fragmented_control_frame);
            if (h.payload_length > max_control_payload) return fail(squall::error::control_frame_too_big);
        } else if (h.payload_length > max_frame_bytes_) {
            return fail(squall::error::frame_too_big);
        }
        remaining_ = h.payload_length;
        phase_ = 0;
        state_ = state::payload;
        return {event_kind::header};
    }

    // The rules are kept field by field among the small members: one connection holds one
    // parser, and DESIGN §6 counts every octet of an idle connection.
    frame_header header_{};
    std::uint64_t remaining_ = 0;
    std::uint64_t max_frame_bytes_ = 0;
    std::uint8_t buf_[max_frame_header_bytes]{};
    std::uint8_t have_ = 0;
    std::uint8_t phase_ = 0; // mask key position of the next payload octet
    state state_ = state::header;
    std::uint8_t error_ = 0; // a squall::error, meaningful while failed
    bool require_mask_ = true;
    std::uint8_t allowed_rsv_ = 0;
};

} // namespace squall::inline v0::protocol
