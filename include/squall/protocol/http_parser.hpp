// squall/protocol/http_parser.hpp: request_parser, the bounded, incremental HTTP/1.1 request-head
// parser of DESIGN §1.1 step 1 (RFC 9112 §2-§5, RFC 9110 §5): 431 over the head limit, 400 when
// malformed. Sans-IO: NO Asio, NO policies; it reads a caller-owned buffer and allocates only
// when a header name repeats.
#pragma once

#include <squall/detail/ascii.hpp>
#include <squall/error.hpp>
#include <squall/request.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <vector>

namespace squall::inline v0::protocol {

enum class parse_status {
    need_more, ///< the head is not complete yet: append more bytes and call parse() again
    done,      ///< the head is complete: request() and head_size() are valid
    failed,    ///< the head is malformed or too large: error() says which (a handshake_error)
};

/// Parses one request head incrementally over a buffer the caller owns. The caller appends
/// received bytes to one contiguous buffer and calls parse(all bytes so far) after each read;
/// the buffer may move between calls (the parser keeps offsets, not pointers, until done).
/// Each byte is examined once, whatever the split into reads: O(n) over the whole head.
///
/// What it accepts (anything else fails, at the first offending byte):
/// - request line `method SP request-target SP HTTP/DIGIT.DIGIT CRLF` (RFC 9112 §3): method a
///   token; request-target in origin-form only, i.e. starting with '/' and made of VCHAR
///   (RFC 9112 §3.2.1). Absolute-form ("http://host/p"), authority-form and asterisk-form ("*")
///   are rejected, as are empty lines before the request line (RFC 9112 §2.2 lets a server
///   skip them; a WebSocket client never sends them). Failure: bad_request_line (400).
/// - header lines `name ":" OWS value OWS CRLF` (RFC 9112 §5): name a token (so no space before
///   the colon, no empty name, no non-ASCII), value of VCHAR, obs-text (0x80-0xFF), SP and HTAB.
///   obs-fold (a line starting with SP or HTAB, RFC 9112 §5.2), NUL or any other control byte,
///   CR not followed by LF, and a bare LF are rejected. Failure: bad_header (400).
/// - limits, both inclusive: the head, including its final CRLFCRLF, may be head_limit bytes;
///   once the buffer holds more than head_limit bytes without a complete head, parse() fails with
///   head_too_large (431) at once, whatever the head's content so far (a request line longer than
///   the limit is therefore 431, not 400). At most max_header_fields header fields; one more is
///   also head_too_large (431: RFC 6585 §5 covers "too many" as well as "too large" fields).
///
/// Bytes after the head (a client may pipeline its first frame in the same segment) are never
/// read: they start at head_size().
///
/// Size: the object holds the field table inline, so there is no allocation on the normal path:
/// sizeof(request_parser) is about 5 KB on 64-bit targets (100 fields x 32 B of views, plus
/// 100 x 16 B of offsets kept while the buffer may still move). It is needed only while a
/// connection handshakes; a connection should not keep it once open (DESIGN §6 item 4).
class request_parser {
public:
    static constexpr std::size_t default_head_limit = 8192;
    static constexpr std::size_t max_header_fields = 100;

    /// `head_limit` is the largest head accepted, in bytes including the final CRLFCRLF
    /// (values above 2^32 - 1 are treated as 2^32 - 1: offsets are kept in 32 bits).
    explicit request_parser(std::size_t head_limit = default_head_limit) noexcept
        : head_limit_{std::min<std::size_t>(head_limit, UINT32_MAX)} {}

    request_parser(const request_parser& o) { copy_from_(o); }
    request_parser(request_parser&& o) noexcept { move_from_(o); }
    request_parser& operator=(const request_parser& o) {
        if (this != &o) copy_from_(o);
        return *this;
    }
    request_parser& operator=(request_parser&& o) noexcept {
        if (this != &o) move_from_(o);
        return *this;
    }
    ~request_parser() = default;

    /// Continues parsing `all`, which holds every byte received so far (the bytes given to
    /// earlier calls unchanged, followed by new ones). Bytes already scanned are not scanned
    /// again. Once done or failed, further calls return the same status without reading.
    /// Allocates only to join the values of a repeated header name.
    parse_status parse(std::string_view all) {
        if (state_ == state::done) return parse_status::done;
        if (state_ == state::failed) return parse_status::failed;
        const std::size_t stop = std::min(all.size(), head_limit_);
        for (; pos_ < stop; ++pos_) {
            const char c = all[pos_];
            switch (state_) {
            case state::method:
                if (detail::is_tchar(c)) break;
                if (c == ' ' && pos_ > 0) {
                    method_end_ = static_cast<std::uint32_t>(pos_);
                    state_ = state::target_start;
                    break;
                }
                return fail_(handshake_error::bad_request_line);
            case state::target_start:
                if (c != '/') return fail_(handshake_error::bad_request_line);
                target_begin_ = static_cast<std::uint32_t>(pos_);
                state_ = state::target;
                break;
            case state::target:
                if (detail::is_vchar(c)) break;
                if (c != ' ') return fail_(handshake_error::bad_request_line);
                target_end_ = static_cast<std::uint32_t>(pos_);
                version_index_ = 0;
                state_ = state::version;
                break;
            case state::version: {
                // "HTTP/" DIGIT "." DIGIT, case-sensitive (RFC 9112 §2.3); '#' stands for a digit.
                constexpr std::string_view pattern = "HTTP/#.#";
                const char expected = pattern[version_index_];
                if (expected == '#') {
                    if (c < '0' || c > '9') return fail_(handshake_error::bad_request_line);
                    (version_index_ == 5 ? version_.major : version_.minor) = c - '0';
                } else if (c != expected) {
                    return fail_(handshake_error::bad_request_line);
                }
                if (++version_index_ == pattern.size()) state_ = state::request_cr;
                break;
            }
            case state::request_cr:
                if (c != '\r') return fail_(handshake_error::bad_request_line);
                state_ = state::request_lf;
                break;
            case state::request_lf:
                if (c != '\n') return fail_(handshake_error::bad_request_line);
                state_ = state::line_start;
                break;
            case state::line_start:
                if (c == '\r') {
                    state_ = state::final_lf;
                    break;
                }
                // Anything else but a name character: obs-fold (SP/HTAB), bare LF, an empty
                // name (':'), NUL, non-ASCII.
                if (!detail::is_tchar(c)) return fail_(handshake_error::bad_header);
                current_.name_begin = static_cast<std::uint32_t>(pos_);
                state_ = state::name;
                break;
            case state::name:
                if (detail::is_tchar(c)) break;
                if (c != ':') return fail_(handshake_error::bad_header);
                current_.name_end = static_cast<std::uint32_t>(pos_);
                current_.value_begin = current_.value_end = static_cast<std::uint32_t>(pos_ + 1);
                value_seen_ = false;
                state_ = state::value;
                break;
            case state::value:
                if (c == '\r') {
                    state_ = state::value_lf;
                    break;
                }
                if (!detail::is_field_value_char(c)) return fail_(handshake_error::bad_header);
                if (!detail::is_ows(c)) { // trim OWS as we go, so the value is never scanned again
                    if (!value_seen_) current_.value_begin = static_cast<std::uint32_t>(pos_);
                    value_seen_ = true;
                    current_.value_end = static_cast<std::uint32_t>(pos_ + 1);
                }
                break;
            case state::value_lf:
                if (c != '\n') return fail_(handshake_error::bad_header);
                if (field_count_ == max_header_fields) return fail_(handshake_error::head_too_large);
                store_position_(field_count_++, current_);
                state_ = state::line_start;
                break;
            case state::final_lf:
                if (c != '\n') return fail_(handshake_error::bad_header);
                ++pos_;
                head_size_ = pos_;
                state_ = state::done;
                finish_(all);
                return parse_status::done;
            case state::done:
            case state::failed: break; // not reached: handled before the loop
            }
        }
        if (all.size() > head_limit_) return fail_(handshake_error::head_too_large);
        return parse_status::need_more;
    }

    parse_status status() const noexcept {
        if (state_ == state::done) return parse_status::done;
        if (state_ == state::failed) return parse_status::failed;
        return parse_status::need_more;
    }

    /// The parsed head; an empty view unless status() is done. Valid while the caller's buffer
    /// is unchanged and this parser lives, is not reset, moved or assigned to.
    request_view request() const noexcept {
        if (state_ != state::done) return request_view{};
        return request_view{method_, target_, version_, std::span<const header_field>{fields_.data(), field_count_},
                            std::span<const header_field>{joined_}};
    }

    /// Bytes of the head including the final CRLFCRLF once done, else 0. Bytes from here on
    /// belong to the caller.
    std::size_t head_size() const noexcept { return head_size_; }

    /// How many bytes of the buffer have been examined: the next parse() starts there. On failure,
    /// the offset of the byte that decided it (the head limit when the head grew past it).
    std::size_t scanned() const noexcept { return pos_; }

    std::size_t head_limit() const noexcept { return head_limit_; }

    /// A handshake_error once failed, else an empty error_code.
    std::error_code error() const noexcept { return error_; }

    /// Back to the initial state with another head limit (a parser reused by another server).
    void reset(std::size_t head_limit) noexcept {
        head_limit_ = std::min<std::size_t>(head_limit, UINT32_MAX);
        reset();
    }

    /// Back to the initial state, for the next head (keeps the head limit and any capacity).
    void reset() noexcept {
        state_ = state::method;
        pos_ = 0;
        head_size_ = 0;
        error_ = {};
        field_count_ = 0;
        version_index_ = 0;
        value_seen_ = false;
        method_end_ = target_begin_ = target_end_ = 0;
        version_ = {};
        method_ = target_ = {};
        joined_.clear();
        joined_storage_.clear();
    }

private:
    enum class state : std::uint8_t {
        method, target_start, target, version, request_cr, request_lf,
        line_start, name, value, value_lf, final_lf, done, failed,
    };

    // Offsets of one field in the caller's buffer, kept until done because the buffer may move.
    struct field_position {
        std::uint32_t name_begin = 0, name_end = 0, value_begin = 0, value_end = 0;
    };

    // While the head is incomplete its buffer may still move, so a field is kept as offsets;
    // they are stored in the bytes of the field's own slot of fields_, which finish_ turns
    // into views. One array instead of two: 1.6 KiB less in every handshake in flight (and in
    // the heap holes a burst of handshakes leaves between connections).
    static_assert(sizeof(field_position) <= sizeof(header_field) && std::is_trivially_copyable_v<field_position> &&
                  std::is_trivially_copyable_v<header_field>);
    void store_position_(std::size_t i, const field_position& p) noexcept {
        std::memcpy(static_cast<void*>(&fields_[i]), &p, sizeof p);
    }

    parse_status fail_(handshake_error e) noexcept {
        state_ = state::failed;
        error_ = make_error_code(e);
        return parse_status::failed;
    }

    static std::string_view slice_(std::string_view all, std::uint32_t begin, std::uint32_t end) noexcept {
        return all.substr(begin, end - begin);
    }

    void finish_(std::string_view all) {
        method_ = slice_(all, 0, method_end_);
        target_ = slice_(all, target_begin_, target_end_);
        for (std::size_t i = 0; i < field_count_; ++i) {
            field_position p;
            std::memcpy(static_cast<void*>(&p), static_cast<const void*>(&fields_[i]), sizeof p);
            fields_[i] = header_field{slice_(all, p.name_begin, p.name_end), slice_(all, p.value_begin, p.value_end)};
        }
        join_repeated_();
    }

    bool seen_before_(std::size_t i) const noexcept {
        for (std::size_t j = 0; j < i; ++j)
            if (detail::iequals(fields_[j].name, fields_[i].name)) return true;
        return false;
    }

    // RFC 9110 §5.3: a repeated field name is the same as one field whose value is the values
    // joined with ", ". Quadratic in the field count (at most 100), so bounded; allocates only
    // when some name repeats.
    void join_repeated_() {
        joined_.clear();
        joined_storage_.clear();
        std::size_t total = 0;
        for (std::size_t i = 0; i < field_count_; ++i)
            if (seen_before_(i)) total += fields_[i].value.size() + 2;
        if (total == 0) return; // no repeats: the normal path, nothing allocated
        for (std::size_t i = 0; i < field_count_; ++i)
            if (!seen_before_(i)) total += fields_[i].value.size();
        // Reserve everything first: appends below never reallocate, so views taken while
        // appending stay valid.
        joined_storage_.reserve(total);
        for (std::size_t i = 0; i < field_count_; ++i) {
            if (seen_before_(i)) continue;
            const std::size_t begin = joined_storage_.size();
            std::size_t instances = 0;
            for (std::size_t k = i; k < field_count_; ++k) {
                if (!detail::iequals(fields_[k].name, fields_[i].name)) continue;
                if (instances++ != 0) joined_storage_ += ", ";
                joined_storage_ += fields_[k].value;
            }
            if (instances > 1)
                joined_.push_back(header_field{
                    fields_[i].name, std::string_view{joined_storage_.data() + begin, joined_storage_.size() - begin}});
            else
                joined_storage_.resize(begin);
        }
    }

    void copy_scalars_(const request_parser& o) noexcept {
        head_limit_ = o.head_limit_;
        state_ = o.state_;
        pos_ = o.pos_;
        head_size_ = o.head_size_;
        error_ = o.error_;
        field_count_ = o.field_count_;
        version_index_ = o.version_index_;
        value_seen_ = o.value_seen_;
        method_end_ = o.method_end_;
        target_begin_ = o.target_begin_;
        target_end_ = o.target_end_;
        version_ = o.version_;
        current_ = o.current_;
        method_ = o.method_;
        target_ = o.target_;
        fields_ = o.fields_;
    }

    // Joined values point into joined_storage_: re-point them into this object's storage.
    void rebase_joined_(const char* old_base) noexcept {
        for (header_field& f : joined_)
            f.value = std::string_view{joined_storage_.data() + (f.value.data() - old_base), f.value.size()};
    }

    void copy_from_(const request_parser& o) {
        copy_scalars_(o);
        joined_storage_ = o.joined_storage_;
        joined_ = o.joined_;
        rebase_joined_(o.joined_storage_.data());
    }

    void move_from_(request_parser& o) noexcept {
        copy_scalars_(o);
        // Taken before the move: a short string lives inside `o` and is copied, a long one
        // changes owner; either way the old views still point into live storage here.
        const char* old_base = o.joined_storage_.data();
        joined_storage_ = std::move(o.joined_storage_);
        joined_ = std::move(o.joined_);
        rebase_joined_(old_base);
        o.reset();
    }

    std::size_t head_limit_ = default_head_limit;
    state state_ = state::method;
    std::size_t pos_ = 0;
    std::size_t head_size_ = 0;
    std::error_code error_{};
    std::size_t field_count_ = 0;
    std::size_t version_index_ = 0;
    bool value_seen_ = false;
    std::uint32_t method_end_ = 0, target_begin_ = 0, target_end_ = 0;
    http_version_number version_{};
    field_position current_{};
    std::string_view method_{}, target_{};
    std::array<header_field, max_header_fields> fields_{};
    std::vector<header_field> joined_;
    std::string joined_storage_;
};

} // namespace squall::inline v0::protocol
