// squall/config.hpp: configuration macros and the ABI namespace.
// Must not include Asio or any other squall header: everything else starts here.
#pragma once

// The inline namespace carries the ABI version: squall::v0::x is spelled squall::x by users,
// and two incompatible squall versions linked into one program get distinct symbols.
#define SQUALL_ABI_NAMESPACE v0

#if defined(__GNUC__) || defined(__clang__)
#define SQUALL_LIKELY(x) __builtin_expect(!!(x), 1)
#define SQUALL_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define SQUALL_LIKELY(x) (x)
#define SQUALL_UNLIKELY(x) (x)
#endif
