// squall/net/timer_wheel.hpp: one hashed timer wheel per thread (DESIGN §1 deadlines, §6 small
// connections): a connection holds an intrusive hook, not a timer object; one steady_timer per
// thread ticks while any deadline is pending. O(1) schedule and cancel.
#pragma once

#include <squall/net/io.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace squall::inline v0::net {

class timer_wheel {
public:
    using clock = std::chrono::steady_clock;

    /// What a connection embeds. `fire` is called on the wheel's thread once `when` has passed.
    // 32 octets inside every connection: no slot index and no flag, since `pprev` (the link
    // that points at this hook: its slot's head or the previous hook's `next`) says both
    // where to unlink from and whether it is linked.
    struct hook {
        hook* next = nullptr;
        hook** pprev = nullptr; // null while not in the wheel
        clock::time_point when{};
        void (*fire)(hook&) = nullptr;
        bool linked() const noexcept { return pprev != nullptr; }
    };

    explicit timer_wheel(asio::io_context& ioc, clock::duration resolution = std::chrono::milliseconds(10),
                         std::size_t slots = 512)
        : timer_(ioc), resolution_(resolution), slots_(slots), origin_(clock::now()) {}

    timer_wheel(const timer_wheel&) = delete;
    timer_wheel& operator=(const timer_wheel&) = delete;
    ~timer_wheel() {
        for (auto& head : slots_)
            for (hook* h = head; h != nullptr; h = h->next) h->pprev = nullptr;
    }

    /// (Re)schedules `h` for `when`; a hook is in the wheel at most once.
    void schedule(hook& h, clock::time_point when) {
        if (h.linked() && h.when == when) return;
        cancel(h);
        h.when = when;
        link(h);
        if (pending_++ == 0 || when < armed_for_) arm();
    }

    void cancel(hook& h) noexcept {
        if (!h.linked()) return;
        *h.pprev = h.next;
        if (h.next != nullptr) h.next->pprev = h.pprev;
        h.next = nullptr;
        h.pprev = nullptr;
        --pending_;
    }

    std::size_t pending() const noexcept { return pending_; }

private:
    std::size_t tick_of(clock::time_point t) const noexcept {
        if (t <= origin_) return 0;
        return static_cast<std::size_t>((t - origin_ + resolution_ - clock::duration(1)) / resolution_);
    }

    void link(hook& h) noexcept {
        // A deadline already due goes into the next slot to be processed.
        std::size_t tick = tick_of(h.when);
        if (tick <= processed_) tick = processed_ + 1;
        hook*& head = slots_[tick % slots_.size()];
        h.next = head;
        if (h.next != nullptr) h.next->pprev = &h.next;
        head = &h;
        h.pprev = &head;
    }

    void arm() {
        if (pending_ == 0) return;
        // Wake at the next tick boundary (not earlier than needed when only far deadlines
        // exist would need a scan; one wake-up per tick while anything is pending is cheap).
        const auto next = origin_ + resolution_ * static_cast<clock::rep>(processed_ + 1);
        if (armed_ && next >= armed_for_) return;
        armed_ = true;
        armed_for_ = next;
        timer_.expires_at(next);
        timer_.async_wait([this](std::error_code ec) {
            if (ec) return; // the wheel is gone (its timer was destroyed): touch nothing
            armed_ = false;
            advance(clock::now());
            arm();
        });
    }

    void advance(clock::time_point now) {
        const std::size_t target = tick_of(now);
        // At most one lap of slots per call: every slot is visited, and hooks due in later
        // laps stay where they are.
        std::size_t from = processed_ + 1;
        if (target >= from + slots_.size()) from = target - slots_.size() + 1;
        for (std::size_t t = from; t <= target; ++t) {
            processed_ = t;
            // The slot's hooks move to a local list (hooks of later laps go back into this
            // slot); each stays properly linked there until its turn, so a fire() that
            // cancels or reschedules another hook of the list unlinks it correctly.
            hook* list = slots_[t % slots_.size()];
            slots_[t % slots_.size()] = nullptr;
            if (list != nullptr) list->pprev = &list;
            while (list != nullptr) {
                hook* h = list;
                cancel(*h);
                if (h->when <= now) {
                    if (h->fire != nullptr) h->fire(*h);
                } else {
                    link(*h);
                    ++pending_;
                }
            }
        }
        if (processed_ < target) processed_ = target;
    }

    asio::steady_timer timer_;
    clock::duration resolution_;
    std::vector<hook*> slots_;
    clock::time_point origin_;
    clock::time_point armed_for_{};
    std::size_t processed_ = 0; // last tick whose slot was processed
    std::size_t pending_ = 0;
    bool armed_ = false;
};

} // namespace squall::inline v0::net
