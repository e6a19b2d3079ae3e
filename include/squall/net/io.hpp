// squall/net/io.hpp: the one place squall includes Asio from (DESIGN §2). It checks the Asio
// version and sets what Asio 1.22 needs on Clang 14 with libstdc++ (DESIGN §7).
#pragma once

#if defined(__clang__) && !defined(ASIO_HAS_CO_AWAIT)
// Asio 1.22 does not enable co_await by itself on Clang 14 with libstdc++; this must come
// before the first Asio include. Single-header users on Clang define it before including
// squall (or include squall first).
#define ASIO_HAS_CO_AWAIT 1
#endif

// A standard header first: Asio 1.22's config reads libstdc++'s macros (aligned_alloc
// among them) and, included before any of them, configures itself differently in this
// translation unit than in one that included a standard header first. The two then disagree
// on how handler memory is allocated and freed (an ODR violation ASan reports as
// alloc-dealloc-mismatch; tests/server/test_timer_wheel.cpp includes this header first).
#include <cstddef>

#include <asio/version.hpp>

#if ASIO_VERSION < 102200
#error "squall needs standalone Asio 1.22 or later (Debian: libasio-dev)"
#endif

#include <asio/associated_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/awaitable.hpp>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/dispatch.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ip/v6_only.hpp>
#include <asio/post.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
