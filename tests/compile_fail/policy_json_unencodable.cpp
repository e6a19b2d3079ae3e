// expect: squall: builtin_json cannot encode this type. use contrib/nlohmann_json.hpp or your own JSON encoder policy
// builtin_json given a user type nested in a vector (no to_json hook exists for it).
#include <squall/policy/json.hpp>

#include <string>
#include <vector>

struct point {
    int x = 0;
    int y = 0;
};

int main() {
    std::string out;
#ifdef SQUALL_COMPILE_FAIL
    const std::vector<point> value{{1, 2}};
#else
    const std::vector<int> value{1, 2};
#endif
    return squall::builtin_json{}.encode(value, out) ? 1 : 0;
}
