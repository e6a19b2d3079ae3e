// expect: squall: unknown role tag in policy_role. use origin_role, admission_role, ping_role, size_limit_role or json_role
// A policy_role that is not one of the five role tags.
#include <squall/policy/select.hpp>

struct my_role {};

struct my_origin {
#ifdef SQUALL_COMPILE_FAIL
    using policy_role = my_role;
#else
    using policy_role = squall::origin_role;
#endif
    bool allow_origin(std::string_view, const squall::request_view&) const { return true; }
};

int main() {
    squall::policy_pack pack{my_origin{}};
    (void)pack;
}
