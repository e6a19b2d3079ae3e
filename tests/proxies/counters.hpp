// tests/proxies/counters.hpp: deterministic cost counters for the proxy tests (DESIGN §6; the
// performance issue's "deterministic proxies"). Global operator new and the socket write
// calls (send, sendmsg, sendto, write, writev) are replaced in this test executable; they count
// only on threads that called mark_server_thread(), and only while armed.
#pragma once

#include <cstddef>

namespace squall_proxy {

/// Counts on the calling thread from now on (handlers call it from on_open: the server thread).
void mark_server_thread() noexcept;

struct counts {
    std::size_t allocations = 0; ///< operator new (all forms) on server threads
    std::size_t writes = 0;      ///< send/sendmsg/sendto/write/writev on server threads
    std::size_t reads = 0;       ///< recv/recvmsg/recvfrom/read/readv on server threads
};

/// Resets the counters and starts counting; disarm() stops and returns what was counted.
void arm() noexcept;
counts disarm() noexcept;

} // namespace squall_proxy
