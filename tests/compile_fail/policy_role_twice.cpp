// expect: squall: two policies fill the same role. keep one
// interval_ping and no_ping both fill the ping role.
#include <squall/policy/select.hpp>

#include <chrono>

int main() {
    using namespace std::chrono_literals;
#ifdef SQUALL_COMPILE_FAIL
    squall::policy_pack pack{squall::interval_ping{20s}, squall::any_origin{}, squall::no_ping{}};
#else
    squall::policy_pack pack{squall::interval_ping{20s}, squall::any_origin{}};
#endif
    (void)pack;
}
