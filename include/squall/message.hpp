// squall/message.hpp: what handlers receive and send: message_view (a view into the receive
// buffer, valid until the handler returns) and message (owning, for coroutine handlers and
// for keeping). Standard library only.
#pragma once

#include <squall/protocol/frame.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace squall::inline v0 {

/// A complete text or binary message, by view. It points into squall's receive buffer and is
/// valid until the handler call that received it returns: copy what you keep.
class message_view {
public:
    constexpr message_view() noexcept = default;
    constexpr message_view(opcode op, std::span<const std::uint8_t> payload) noexcept : op_(op), payload_(payload) {}
    /// A text message viewing `text` (so `conn.send(msg)` and `conn.send("text")` read alike).
    message_view(std::string_view text) noexcept // NOLINT: text converts implicitly
        : op_(opcode::text), payload_(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()) {}
    message_view(const char* text) noexcept : message_view(std::string_view{text}) {} // NOLINT
    message_view(const std::string& text) noexcept : message_view(std::string_view{text}) {} // NOLINT

    static constexpr message_view binary(std::span<const std::uint8_t> bytes) noexcept { return {opcode::binary, bytes}; }
    static message_view binary(std::span<const std::byte> bytes) noexcept {
        return {opcode::binary, {reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()}};
    }

    constexpr bool is_text() const noexcept { return op_ == opcode::text; }
    constexpr bool is_binary() const noexcept { return op_ == opcode::binary; }
    constexpr opcode kind() const noexcept { return op_; }
    /// The payload as characters (UTF-8 for text messages: squall validated it).
    std::string_view text() const noexcept { return protocol::as_text(payload_); }
    constexpr std::span<const std::uint8_t> bytes() const noexcept { return payload_; }
    constexpr std::size_t size() const noexcept { return payload_.size(); }
    constexpr bool empty() const noexcept { return payload_.empty(); }

private:
    opcode op_ = opcode::text;
    std::span<const std::uint8_t> payload_{};
};

/// An owning message: one copy of the payload.
class message {
public:
    message() = default;
    explicit message(message_view v) : op_(v.kind()), data_(v.text()) {}
    message(opcode op, std::string data) : op_(op), data_(std::move(data)) {}

    bool is_text() const noexcept { return op_ == opcode::text; }
    bool is_binary() const noexcept { return op_ == opcode::binary; }
    opcode kind() const noexcept { return op_; }
    std::string_view text() const noexcept { return data_; }
    std::span<const std::uint8_t> bytes() const noexcept { return protocol::as_bytes(data_); }
    std::size_t size() const noexcept { return data_.size(); }
    bool empty() const noexcept { return data_.empty(); }
    /// The payload, to move out.
    std::string& data() noexcept { return data_; }
    message_view view() const noexcept { return {op_, bytes()}; }
    operator message_view() const noexcept { return view(); } // NOLINT: a message is viewable

private:
    opcode op_ = opcode::text;
    std::string data_;
};

} // namespace squall::inline v0
