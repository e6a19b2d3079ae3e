// squall/net/io.hpp: the one place squall includes Asio from (DESIGN §2). It checks the Asio
// version and sets what Asio 1.22 needs on Clang 14 with libstdc++ (DESIGN §7).
#pragma once

#if defined(__clang__) && !defined(ASIO_HAS_CO_AWAIT)
// Asio 1.22 does not enable co_await by itself on Clang 14 with libstdc++; this must come
// before the first Asio include. Single-header users on Clang define it before including
// squall (or include squall first).
#define ASIO_HAS_CO_AWAIT 1
#endif

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
