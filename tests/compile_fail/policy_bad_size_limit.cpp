// expect: squall: the size limit policy does not model size_limit_policy: it needs
// A size-limit policy without max_fragments().
#include <squall/policy/select.hpp>

#include <cstdint>

struct my_limits {
    using policy_role = squall::size_limit_role;
    std::uint64_t max_message_bytes() const { return 1 << 20; }
    std::uint64_t max_frame_bytes() const { return 1 << 16; }
#ifndef SQUALL_COMPILE_FAIL
    std::uint32_t max_fragments() const { return 100; }
#endif
};

int main() {
    squall::policy_pack pack{my_limits{}};
    (void)pack;
}
