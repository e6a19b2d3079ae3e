// squall/policy/select.hpp: policy_pack, which sorts policy types into their roles in any order
// and fills the others with defaults (DESIGN §3). Misuse is a static_assert whose message names
// the fix. Standard library and the policy headers only: policy/ must never reach Asio.
#pragma once

#include <squall/detail/type_list.hpp>
#include <squall/policy/admission.hpp>
#include <squall/policy/json.hpp>
#include <squall/policy/origin.hpp>
#include <squall/policy/ping.hpp>
#include <squall/policy/roles.hpp>
#include <squall/policy/size_limit.hpp>

#include <cstddef>
#include <tuple>
#include <type_traits>
#include <utility>

namespace squall::inline v0::detail {

/// The role a type names with a `policy_role` member type (known tag or not).
template <class P>
concept declares_role = requires { typename P::policy_role; };

/// How many roles' concepts P models.
template <class P>
inline constexpr std::size_t modeled_role_count = std::size_t{origin_policy<P>} + std::size_t{admission_policy<P>} +
                                                  std::size_t{ping_policy<P>} + std::size_t{size_limit_policy<P>} +
                                                  std::size_t{json_encoder_policy<P>};

struct no_role {};        ///< a type that declares no role and models none
struct ambiguous_role {}; ///< a type that declares no role and models several

template <class P> constexpr auto role_of_impl() noexcept {
    if constexpr (declares_role<P>) return std::type_identity<typename P::policy_role>{};
    else if constexpr (modeled_role_count<P> == 0) return std::type_identity<no_role>{};
    else if constexpr (modeled_role_count<P> > 1) return std::type_identity<ambiguous_role>{};
    else if constexpr (origin_policy<P>) return std::type_identity<origin_role>{};
    else if constexpr (admission_policy<P>) return std::type_identity<admission_role>{};
    else if constexpr (ping_policy<P>) return std::type_identity<ping_role>{};
    else if constexpr (size_limit_policy<P>) return std::type_identity<size_limit_role>{};
    else return std::type_identity<json_role>{};
}

/// P's role: its policy_role, else the one role whose concept it models (no_role or
/// ambiguous_role when that is not exactly one).
template <class P> using role_of_t = typename decltype(role_of_impl<P>())::type;

template <class Role> struct has_role {
    template <class P> struct pred : std::bool_constant<std::is_same_v<role_of_t<P>, Role>> {};
};

template <class Role, class List>
inline constexpr std::size_t role_count_v = list_count_if_v<has_role<Role>::template pred, List>;

/// The type filling Role in List, or Default when none does.
template <class Role, class List, class Default>
using policy_for_t = list_at_or_t<list_find_if_v<has_role<Role>::template pred, List>, List, Default>;

template <class P> struct lacks_role : std::bool_constant<std::is_same_v<role_of_t<P>, no_role>> {};
template <class P> struct has_two_roles : std::bool_constant<std::is_same_v<role_of_t<P>, ambiguous_role>> {};
template <class P> struct has_unknown_role : std::bool_constant<!is_role_tag_v<role_of_t<P>>> {};

/// The policy of `ps` that fills Role, moved into a Want; a default Want when none does or
/// the pack is invalid (so an invalid pack reports its static_assert and nothing else).
template <class Want, class Role, bool Valid, class... Ps> constexpr Want pick_policy(Ps&... ps) {
    constexpr std::size_t index = list_find_if_v<has_role<Role>::template pred, type_list<Ps...>>;
    if constexpr (!Valid || index == sizeof...(Ps)) return Want{};
    else return Want(std::move(std::get<index>(std::tie(ps...))));
}

} // namespace squall::inline v0::detail

namespace squall::inline v0 {

/// The policies of a server, one per role, picked out of `Policies` in any order; a role no
/// policy fills gets its default (same_host_origin, admit_all, interval_ping,
/// message_size_limit, builtin_json). A type's role is its `policy_role` member type, or else
/// the one role whose concept it models. Stateless policies take no space.
template <class... Policies> class policy_pack {
    using list = detail::type_list<Policies...>;

    static constexpr bool every_type_has_a_role = detail::list_count_if_v<detail::lacks_role, list> == 0;
    static constexpr bool no_type_has_two_roles = detail::list_count_if_v<detail::has_two_roles, list> == 0;
    static constexpr bool no_role_filled_twice = ((detail::role_count_v<detail::role_of_t<Policies>, list> <= 1) && ...);
    static constexpr bool every_role_tag_known = detail::list_count_if_v<detail::has_unknown_role, list> == 0;

    // Each check reports only when the earlier ones passed: one mistake, one message.
    static_assert(every_type_has_a_role,
                  "squall: a policy type has no role: give it a policy_role member type or the members of one "
                  "role's concept");
    static_assert(!every_type_has_a_role || no_type_has_two_roles,
                  "squall: a policy type matches two roles; name one with a policy_role member type");
    static_assert(!(every_type_has_a_role && no_type_has_two_roles) || no_role_filled_twice,
                  "squall: two policies fill the same role; keep one");
    static_assert(!(every_type_has_a_role && no_type_has_two_roles && no_role_filled_twice) || every_role_tag_known,
                  "squall: unknown role tag in policy_role; use origin_role, admission_role, ping_role, "
                  "size_limit_role or json_role");

    static constexpr bool roles_valid =
        every_type_has_a_role && no_type_has_two_roles && no_role_filled_twice && every_role_tag_known;

    template <class Role, class Default>
    using slot_t = std::conditional_t<roles_valid, detail::policy_for_t<Role, list, Default>, Default>;

public:
    using origin_type = slot_t<origin_role, same_host_origin>;
    using admission_type = slot_t<admission_role, admit_all>;
    using ping_type = slot_t<ping_role, interval_ping>;
    using size_limit_type = slot_t<size_limit_role, message_size_limit>;
    using json_type = slot_t<json_role, builtin_json>;

private:
    // The slots hold defaults when the roles are invalid, and the defaults model their
    // concepts: these fire only for a user's policy, and the compiler explains which
    // requirement of the concept failed.
    static_assert(origin_policy<origin_type>,
                  "squall: the origin policy does not model origin_policy: it needs bool "
                  "allow_origin(std::string_view, const request_view&) const");
    static_assert(admission_policy<admission_type>,
                  "squall: the admission policy does not model admission_policy: it needs admission "
                  "admit(const request_view&) const, or void admit(const request_view&, admission_callback) const");
    static_assert(ping_policy<ping_type>,
                  "squall: the ping policy does not model ping_policy: it needs "
                  "std::optional<steady_clock::duration> ping_interval() const, steady_clock::duration "
                  "pong_timeout() const and std::optional<heartbeat_strings> heartbeat() const");
    static_assert(size_limit_policy<size_limit_type>,
                  "squall: the size limit policy does not model size_limit_policy: it needs std::uint64_t "
                  "max_message_bytes() const, std::uint64_t max_frame_bytes() const and std::uint32_t "
                  "max_fragments() const");
    static_assert(json_encoder_policy<json_type>,
                  "squall: the JSON encoder policy does not model json_encoder_policy: it needs template <class T> "
                  "std::error_code encode(const T&, std::string&) const, or use no_json");

public:
    /// Each policy goes to its role's slot; the other slots are default-constructed.
    explicit policy_pack(Policies... ps)
        : origin_{detail::pick_policy<origin_type, origin_role, roles_valid>(ps...)},
          admission_{detail::pick_policy<admission_type, admission_role, roles_valid>(ps...)},
          ping_{detail::pick_policy<ping_type, ping_role, roles_valid>(ps...)},
          size_limit_{detail::pick_policy<size_limit_type, size_limit_role, roles_valid>(ps...)},
          json_{detail::pick_policy<json_type, json_role, roles_valid>(ps...)} {}

    /// Every policy default-constructed.
    policy_pack()
        requires(sizeof...(Policies) > 0 && (std::is_default_constructible_v<Policies> && ...))
        : policy_pack(Policies{}...) {}

    const origin_type& origin() const noexcept { return origin_; }
    const admission_type& admission() const noexcept { return admission_; }
    const ping_type& ping() const noexcept { return ping_; }
    const size_limit_type& size_limit() const noexcept { return size_limit_; }
    const json_type& json() const noexcept { return json_; }

private:
    [[no_unique_address]] origin_type origin_;
    [[no_unique_address]] admission_type admission_;
    [[no_unique_address]] ping_type ping_;
    [[no_unique_address]] size_limit_type size_limit_;
    [[no_unique_address]] json_type json_;
};

} // namespace squall::inline v0
