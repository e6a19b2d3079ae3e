// The per-thread timer wheel (net/timer_wheel.hpp) on a real io_context: deadlines fire once,
// in order, never early; cancel and reschedule work from inside another hook's fire(), also
// for hooks of the same slot; deadlines more than one lap ahead wait for their lap.
#include <squall/net/timer_wheel.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <functional>
#include <vector>

using squall::net::timer_wheel;
using namespace std::chrono_literals;

namespace {

struct probe {
    timer_wheel::hook hook;
    int id = 0;
    std::vector<int>* fired = nullptr;
    timer_wheel::clock::time_point fired_at{};
    std::function<void()> on_fire; // runs inside fire()
};

std::vector<probe>* current = nullptr; // the running test's probes

void fire(timer_wheel::hook& h) {
    auto it = std::find_if(current->begin(), current->end(), [&](const probe& p) { return &p.hook == &h; });
    REQUIRE(it != current->end());
    probe& p = *it;
    p.fired_at = timer_wheel::clock::now();
    p.fired->push_back(p.id);
    if (p.on_fire) p.on_fire();
}

struct fixture {
    asio::io_context ioc;
    timer_wheel wheel{ioc, 1ms, 8}; // 8 slots of 1 ms: 8 ms per lap
    std::vector<int> fired;
    std::vector<probe> probes;

    explicit fixture(int n) : probes(static_cast<std::size_t>(n)) {
        current = &probes;
        for (int i = 0; i < n; ++i) {
            probes[static_cast<std::size_t>(i)].id = i;
            probes[static_cast<std::size_t>(i)].fired = &fired;
            probes[static_cast<std::size_t>(i)].hook.fire = fire;
        }
    }
    probe& operator[](int i) { return probes[static_cast<std::size_t>(i)]; }
    // Runs the loop until nothing is pending, bounded.
    void run() {
        const auto until = timer_wheel::clock::now() + 2s;
        while (wheel.pending() != 0 && timer_wheel::clock::now() < until) ioc.run_for(5ms);
    }
};

} // namespace

TEST_CASE("timer_wheel: deadlines fire once each, in order, never early; cancel and reschedule", "[net][timer_wheel]") {
    static_assert(sizeof(timer_wheel::hook) == 4 * sizeof(void*)); // what each connection embeds
    fixture f(5);
    const auto t0 = timer_wheel::clock::now();
    f.wheel.schedule(f[0].hook, t0 + 3ms);
    f.wheel.schedule(f[1].hook, t0 + 1ms);
    f.wheel.schedule(f[2].hook, t0 + 20ms); // two laps and a half ahead
    f.wheel.schedule(f[3].hook, t0 + 5ms);
    f.wheel.schedule(f[4].hook, t0 + 2ms);
    f.wheel.cancel(f[3].hook);
    f.wheel.schedule(f[4].hook, t0 + 9ms); // moved later, one lap on
    CHECK(f.wheel.pending() == 4);
    f.run();
    CHECK(f.fired == std::vector<int>{1, 0, 4, 2});
    CHECK(f.wheel.pending() == 0);
    for (int i : {0, 1, 2, 4}) CHECK_FALSE(f[i].hook.linked());
    CHECK(f[0].fired_at >= t0 + 3ms);
    CHECK(f[2].fired_at >= t0 + 20ms);
    CHECK(f[4].fired_at >= t0 + 9ms);
}

TEST_CASE("timer_wheel: a fire() may cancel or reschedule hooks of the same slot", "[net][timer_wheel]") {
    // Four hooks in one slot. Whichever fires first cancels one of the others and moves
    // another on by 4 ms: the canceled one must not fire, the moved one fires last, and the
    // count comes back to zero. Every pair of offsets, so the hook right behind the firing one
    // in the slot's list is hit whatever order the wheel keeps.
    for (int off = 1; off <= 3; ++off) {
        INFO("offset " << off);
        fixture f(4);
        const auto when = timer_wheel::clock::now() + 2ms;
        for (int i = 0; i < 4; ++i) f.wheel.schedule(f[i].hook, when);
        bool acted = false;
        int canceled = -1, moved = -1;
        for (int i = 0; i < 4; ++i) {
            f[i].on_fire = [&, i] {
                if (acted) return;
                acted = true;
                canceled = (i + off) % 4;
                moved = (i + (off == 3 ? 1 : off + 1)) % 4;
                f.wheel.cancel(f[canceled].hook);
                f.wheel.schedule(f[moved].hook, timer_wheel::clock::now() + 4ms);
            };
        }
        f.run();
        REQUIRE(acted);
        CHECK(f.wheel.pending() == 0);
        CHECK(f.fired.size() == 3);
        CHECK(std::find(f.fired.begin(), f.fired.end(), canceled) == f.fired.end());
        CHECK(f.fired.back() == moved);
        CHECK_FALSE(f[canceled].hook.linked());
    }
}
