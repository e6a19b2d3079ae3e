// squall/policy/roles.hpp: the role tags a policy names in its `policy_role` member type
// (DESIGN §3). Standard library only: policy/ must never reach Asio.
#pragma once

#include <squall/detail/type_list.hpp>

namespace squall::inline v0 {

struct origin_role {};     ///< which Origin values may open a connection (policy/origin.hpp)
struct admission_role {};  ///< accept or reject an upgrade before the 101 (policy/admission.hpp)
struct ping_role {};       ///< keepalive pings, pong timeout, text heartbeat (policy/ping.hpp)
struct size_limit_role {}; ///< message, frame and fragment limits (policy/size_limit.hpp)
struct json_role {};       ///< the encoder behind send_json (policy/json.hpp)

} // namespace squall::inline v0

namespace squall::inline v0::detail {

/// Every role tag, in the order policy_pack checks and stores them.
using role_tags = type_list<origin_role, admission_role, ping_role, size_limit_role, json_role>;

template <class T> inline constexpr bool is_role_tag_v = list_contains_v<T, role_tags>;

} // namespace squall::inline v0::detail
