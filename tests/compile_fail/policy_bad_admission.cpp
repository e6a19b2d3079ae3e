// expect: squall: the admission policy does not model admission_policy: it needs admission admit\(const request_view&\) const
// An admission policy whose admit returns bool instead of squall::admission.
#include <squall/policy/select.hpp>

struct token_check {
    using policy_role = squall::admission_role;
#ifdef SQUALL_COMPILE_FAIL
    bool admit(const squall::request_view& req) const { return req.query_param("token").has_value(); }
#else
    squall::admission admit(const squall::request_view& req) const {
        if (!req.query_param("token")) return squall::reject{401, "A token is required."};
        return squall::accept{};
    }
#endif
};

int main() {
    squall::policy_pack pack{token_check{}};
    (void)pack;
}
