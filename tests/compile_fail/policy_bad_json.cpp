// expect: squall: the JSON encoder policy does not model json_encoder_policy: it needs
// A JSON encoder whose encode returns bool instead of std::error_code.
#include <squall/policy/select.hpp>

#include <string>
#include <system_error>

struct my_json {
    using policy_role = squall::json_role;
#ifdef SQUALL_COMPILE_FAIL
    template <class T> bool encode(const T&, std::string& out) const {
        out += "null";
        return true;
    }
#else
    template <class T> std::error_code encode(const T&, std::string& out) const {
        out += "null";
        return {};
    }
#endif
};

int main() {
    squall::policy_pack pack{my_json{}};
    (void)pack;
}
