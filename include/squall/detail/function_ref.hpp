// squall/detail/function_ref.hpp: a non-owning reference to a callable, for hooks the sans-IO
// core calls without knowing the server's types. Two pointers; never allocates. Private.
#pragma once

#include <functional>
#include <memory>
#include <type_traits>
#include <utility>

namespace squall::inline v0::detail {

template <class Signature> class function_ref;

template <class R, class... Args> class function_ref<R(Args...)> {
public:
    function_ref() = default;

    template <class F>
        requires(!std::is_same_v<std::remove_cvref_t<F>, function_ref> && std::is_invocable_r_v<R, F&, Args...>)
    function_ref(F& f) noexcept // NOLINT(google-explicit-constructor): a reference, like std::function_ref
        : object_(const_cast<void*>(static_cast<const void*>(std::addressof(f)))),
          call_([](void* o, Args... args) -> R {
              return std::invoke(*static_cast<std::remove_reference_t<F>*>(o), std::forward<Args>(args)...);
          }) {}

    explicit operator bool() const noexcept { return call_ != nullptr; }
    R operator()(Args... args) const { return call_(object_, std::forward<Args>(args)...); }

private:
    void* object_ = nullptr;
    R (*call_)(void*, Args...) = nullptr;
};

} // namespace squall::inline v0::detail
