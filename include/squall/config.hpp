// squall/config.hpp: configuration macros and the ABI namespace.
// Must not include Asio or any other squall header: everything else starts here.
#pragma once

// The inline namespace carries the ABI version: squall::v0::x is spelled squall::x by users,
// and two incompatible squall versions linked into one program get distinct symbols.
#define SQUALL_ABI_NAMESPACE v0

#if defined(__GNUC__) || defined(__clang__)
#define SQUALL_LIKELY(x) __builtin_expect(!!(x), 1)
#define SQUALL_UNLIKELY(x) __builtin_expect(!!(x), 0)
// Keeps a general (rare) path out of line, so the per-message path that calls it stays small
// enough to be inlined into its caller: no register saves and no result copies per message.
#define SQUALL_NOINLINE __attribute__((noinline))
#else
#define SQUALL_LIKELY(x) (x)
#define SQUALL_UNLIKELY(x) (x)
#if defined(_MSC_VER)
#define SQUALL_NOINLINE __declspec(noinline)
#else
#define SQUALL_NOINLINE
#endif
#endif
