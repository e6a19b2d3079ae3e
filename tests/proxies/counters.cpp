// tests/proxies/counters.cpp: the replaced operator new and socket calls behind counters.hpp.
// The socket calls forward to the next definition (the C library, or a sanitizer's
// interceptor) found with dlsym(RTLD_NEXT).
#include "counters.hpp"

#include <dlfcn.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <new>

namespace squall_proxy {
namespace {

thread_local bool t_counted = false;
std::atomic<bool> g_armed{false};
std::atomic<std::size_t> g_allocations{0};
std::atomic<std::size_t> g_writes{0};
std::atomic<std::size_t> g_reads{0};

inline bool counting() noexcept { return t_counted && g_armed.load(std::memory_order_relaxed); }
inline void count(std::atomic<std::size_t>& c) noexcept {
    if (counting()) c.fetch_add(1, std::memory_order_relaxed);
}

template <class F> F next_symbol(const char* name) noexcept {
    void* p = ::dlsym(RTLD_NEXT, name);
    if (p == nullptr) std::abort();
    return reinterpret_cast<F>(p);
}

void* counted_new(std::size_t n) {
    count(g_allocations);
    if (n == 0) n = 1;
    if (void* p = std::malloc(n)) return p;
    throw std::bad_alloc{};
}
void* counted_new_aligned(std::size_t n, std::size_t align) {
    count(g_allocations);
    if (n == 0) n = 1;
    void* p = nullptr;
    if (::posix_memalign(&p, align < sizeof(void*) ? sizeof(void*) : align, n) != 0) throw std::bad_alloc{};
    return p;
}

} // namespace

void mark_server_thread() noexcept { t_counted = true; }

void arm() noexcept {
    g_allocations = 0;
    g_writes = 0;
    g_reads = 0;
    g_armed = true;
}

counts disarm() noexcept {
    g_armed = false;
    return {g_allocations.load(), g_writes.load(), g_reads.load()};
}

} // namespace squall_proxy

// ---- replaced global allocation functions ---------------------------------------------------
void* operator new(std::size_t n) { return squall_proxy::counted_new(n); }
void* operator new[](std::size_t n) { return squall_proxy::counted_new(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
    try { return squall_proxy::counted_new(n); } catch (...) { return nullptr; }
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
    try { return squall_proxy::counted_new(n); } catch (...) { return nullptr; }
}
void* operator new(std::size_t n, std::align_val_t a) { return squall_proxy::counted_new_aligned(n, static_cast<std::size_t>(a)); }
void* operator new[](std::size_t n, std::align_val_t a) { return squall_proxy::counted_new_aligned(n, static_cast<std::size_t>(a)); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

// ---- counted socket calls ---------------------------------------------------------------------
extern "C" {
ssize_t send(int fd, const void* buf, size_t n, int flags) {
    static const auto real = squall_proxy::next_symbol<ssize_t (*)(int, const void*, size_t, int)>("send");
    squall_proxy::count(squall_proxy::g_writes);
    return real(fd, buf, n, flags);
}
ssize_t sendto(int fd, const void* buf, size_t n, int flags, const sockaddr* to, socklen_t len) {
    static const auto real =
        squall_proxy::next_symbol<ssize_t (*)(int, const void*, size_t, int, const sockaddr*, socklen_t)>("sendto");
    squall_proxy::count(squall_proxy::g_writes);
    return real(fd, buf, n, flags, to, len);
}
ssize_t sendmsg(int fd, const msghdr* m, int flags) {
    static const auto real = squall_proxy::next_symbol<ssize_t (*)(int, const msghdr*, int)>("sendmsg");
    squall_proxy::count(squall_proxy::g_writes);
    return real(fd, m, flags);
}
ssize_t write(int fd, const void* buf, size_t n) {
    static const auto real = squall_proxy::next_symbol<ssize_t (*)(int, const void*, size_t)>("write");
    squall_proxy::count(squall_proxy::g_writes);
    return real(fd, buf, n);
}
ssize_t writev(int fd, const iovec* v, int count) {
    static const auto real = squall_proxy::next_symbol<ssize_t (*)(int, const iovec*, int)>("writev");
    squall_proxy::count(squall_proxy::g_writes);
    return real(fd, v, count);
}
ssize_t recv(int fd, void* buf, size_t n, int flags) {
    static const auto real = squall_proxy::next_symbol<ssize_t (*)(int, void*, size_t, int)>("recv");
    squall_proxy::count(squall_proxy::g_reads);
    return real(fd, buf, n, flags);
}
ssize_t recvmsg(int fd, msghdr* m, int flags) {
    static const auto real = squall_proxy::next_symbol<ssize_t (*)(int, msghdr*, int)>("recvmsg");
    squall_proxy::count(squall_proxy::g_reads);
    return real(fd, m, flags);
}
ssize_t read(int fd, void* buf, size_t n) {
    static const auto real = squall_proxy::next_symbol<ssize_t (*)(int, void*, size_t)>("read");
    squall_proxy::count(squall_proxy::g_reads);
    return real(fd, buf, n);
}
}
