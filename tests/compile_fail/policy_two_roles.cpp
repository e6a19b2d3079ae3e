// expect: squall: a policy type matches two roles. name one with a policy_role member type
// A type without policy_role that models both the origin and the size-limit concepts.
#include <squall/policy/select.hpp>

#include <cstdint>

struct two_faced {
#ifndef SQUALL_COMPILE_FAIL
    using policy_role = squall::size_limit_role;
#endif
    bool allow_origin(std::string_view, const squall::request_view&) const { return true; }
    std::uint64_t max_message_bytes() const { return 1000; }
    std::uint64_t max_frame_bytes() const { return 1000; }
    std::uint32_t max_fragments() const { return 10; }
};

int main() {
    squall::policy_pack pack{two_faced{}};
    (void)pack;
}
