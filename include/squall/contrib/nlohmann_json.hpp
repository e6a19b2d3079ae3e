// squall/contrib/nlohmann_json.hpp: a JSON encoder policy backed by nlohmann/json, for types
// builtin_json does not know (anything with to_json, nlohmann::json values). Optional: needs
// <nlohmann/json.hpp> on the include path; never amalgamated, never includes Asio.
#pragma once

#include <squall/error.hpp>
#include <squall/policy/roles.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <system_error>
#include <type_traits>

namespace squall::inline v0 {

/// Encodes through nlohmann::json: `basic_websocket_server srv{ioc, squall::nlohmann_json{}}`.
/// Invalid UTF-8 in a string (nlohmann's strict dump) and any other nlohmann::json exception
/// give error::json_encode_failed with `out` unchanged. NaN and infinity follow nlohmann's
/// rule: they are written as null (builtin_json refuses them).
struct nlohmann_json {
    using policy_role = json_role;

    template <class T> std::error_code encode(const T& value, std::string& out) const {
        try {
            if constexpr (std::is_same_v<T, nlohmann::json>)
                out += value.dump(-1, ' ', false, nlohmann::json::error_handler_t::strict);
            else
                out += nlohmann::json(value).dump(-1, ' ', false, nlohmann::json::error_handler_t::strict);
        } catch (const nlohmann::json::exception&) {
            return make_error_code(error::json_encode_failed);
        }
        return {};
    }
    friend constexpr bool operator==(nlohmann_json, nlohmann_json) noexcept = default;
};

} // namespace squall::inline v0
