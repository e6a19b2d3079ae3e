// expect: squall: the origin policy does not model origin_policy: it needs bool allow_origin\(std::string_view, const request_view&\) const
// An origin policy whose allow_origin takes the wrong arguments.
#include <squall/policy/select.hpp>

#include <string>

struct my_origin {
    using policy_role = squall::origin_role;
#ifdef SQUALL_COMPILE_FAIL
    bool allow_origin(const std::string& origin) const { return origin.empty(); }
#else
    bool allow_origin(std::string_view origin, const squall::request_view&) const { return origin.empty(); }
#endif
};

int main() {
    squall::policy_pack pack{my_origin{}};
    (void)pack;
}
