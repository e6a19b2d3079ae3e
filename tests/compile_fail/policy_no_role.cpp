// expect: squall: a policy type has no role: give it a policy_role member type
// A type with no policy_role member and the members of no role's concept.
#include <squall/policy/select.hpp>

struct not_a_policy {
    int threads = 4;
#ifndef SQUALL_COMPILE_FAIL
    using policy_role = squall::origin_role;
    bool allow_origin(std::string_view, const squall::request_view&) const { return true; }
#endif
};

int main() {
    squall::policy_pack pack{squall::no_ping{}, not_a_policy{}};
    (void)pack;
}
