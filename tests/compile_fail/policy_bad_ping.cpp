// expect: squall: the ping policy does not model ping_policy: it needs
// A ping policy without heartbeat().
#include <squall/policy/select.hpp>

#include <chrono>
#include <optional>

struct my_ping {
    using policy_role = squall::ping_role;
    std::optional<squall::ping_duration> ping_interval() const { return std::chrono::seconds{10}; }
    squall::ping_duration pong_timeout() const { return std::chrono::seconds{30}; }
#ifndef SQUALL_COMPILE_FAIL
    const std::optional<squall::heartbeat_strings>& heartbeat() const { return heartbeat_; }
    std::optional<squall::heartbeat_strings> heartbeat_;
#endif
};

int main() {
    squall::policy_pack pack{my_ping{}};
    (void)pack;
}
