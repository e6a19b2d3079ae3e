// squall/detail/type_list.hpp: a minimal type list and the few compile-time queries that
// policy selection needs (membership, counting, first match by predicate). Private.
// Standard library only: policy/ uses it, so it must never reach Asio.
#pragma once

#include <cstddef>
#include <type_traits>

namespace squall::inline v0::detail {

template <class... Ts> struct type_list {
    static constexpr std::size_t size = sizeof...(Ts);
};

/// Whether T is one of the list's types.
template <class T, class List> inline constexpr bool list_contains_v = false;
template <class T, class... Ts>
inline constexpr bool list_contains_v<T, type_list<Ts...>> = (std::is_same_v<T, Ts> || ...);

/// How many of the list's types satisfy Pred (a class template with a bool `value`).
template <template <class> class Pred, class List> inline constexpr std::size_t list_count_if_v = 0;
template <template <class> class Pred, class... Ts>
inline constexpr std::size_t list_count_if_v<Pred, type_list<Ts...>> = (std::size_t{Pred<Ts>::value} + ... + 0);

/// The index of the first type satisfying Pred, or the list's size when none does.
template <template <class> class Pred, class List> struct list_find_if;
template <template <class> class Pred> struct list_find_if<Pred, type_list<>> {
    static constexpr std::size_t value = 0;
};
template <template <class> class Pred, class T, class... Ts> struct list_find_if<Pred, type_list<T, Ts...>> {
    static constexpr std::size_t value = Pred<T>::value ? 0 : 1 + list_find_if<Pred, type_list<Ts...>>::value;
};
template <template <class> class Pred, class List>
inline constexpr std::size_t list_find_if_v = list_find_if<Pred, List>::value;

/// The I-th type of the list (I < size).
template <std::size_t I, class List> struct list_at;
template <class T, class... Ts> struct list_at<0, type_list<T, Ts...>> {
    using type = T;
};
template <std::size_t I, class T, class... Ts> struct list_at<I, type_list<T, Ts...>> : list_at<I - 1, type_list<Ts...>> {};
template <std::size_t I, class List> using list_at_t = typename list_at<I, List>::type;

/// The I-th type of the list, or Fallback when I is the list's size (a failed find).
template <std::size_t I, class List, class Fallback> struct list_at_or {
    using type = typename list_at<I, List>::type;
};
template <class... Ts, class Fallback> struct list_at_or<sizeof...(Ts), type_list<Ts...>, Fallback> {
    using type = Fallback;
};
template <std::size_t I, class List, class Fallback>
using list_at_or_t = typename list_at_or<I, List, Fallback>::type;

/// false, but dependent on T: for a static_assert in a discarded `if constexpr` branch.
template <class...> inline constexpr bool dependent_false_v = false;

} // namespace squall::inline v0::detail
