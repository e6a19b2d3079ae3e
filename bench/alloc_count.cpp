// bench/alloc_count.cpp: a heap allocation counter to LD_PRELOAD into a benchmark server.
//
//   ALLOC_COUNT_FILE=/tmp/x.counts LD_PRELOAD=build/bench/bench/liballoc_count.so ./server
//
// Every malloc, calloc, realloc, aligned_alloc, posix_memalign, memalign, valloc and pvalloc
// (operator new goes through malloc in libstdc++) adds one to a counter; free adds one to
// another. With ALLOC_COUNT_FILE set, the counters live in that file, mapped shared, so another
// process (bench/loadgen --alloc-file) reads them at any instant without disturbing the server:
//   word 0: allocations, word 1: frees, word 2: octets requested, word 3: live heap octets
//   (malloc_usable_size of every live block: what the blocks hold, without malloc's headers)
//   (all uint64, relaxed atomics).
// Without it they stay in the process and are printed to stderr at exit.
// The real allocator is glibc's, reached through its __libc_* entry points (no dlsym, which
// itself allocates).
#include <fcntl.h>
#include <malloc.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

extern "C" {
void* __libc_malloc(std::size_t);
void __libc_free(void*);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* __libc_memalign(std::size_t, std::size_t);
}

namespace {

std::uint64_t local_counts[4];
std::uint64_t* counts = local_counts;
bool shared = false;

inline void count_alloc(std::size_t n) {
    __atomic_fetch_add(&counts[0], 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&counts[2], n, __ATOMIC_RELAXED);
}
inline void count_free() { __atomic_fetch_add(&counts[1], 1, __ATOMIC_RELAXED); }
inline void* live_add(void* p) {
    if (p) __atomic_fetch_add(&counts[3], malloc_usable_size(p), __ATOMIC_RELAXED);
    return p;
}
inline void live_sub(void* p) {
    if (p) __atomic_fetch_sub(&counts[3], malloc_usable_size(p), __ATOMIC_RELAXED);
}

__attribute__((constructor)) void alloc_count_init() {
    const char* path = std::getenv("ALLOC_COUNT_FILE");
    if (!path || !*path) return;
    const int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return;
    struct stat st{};
    if (fstat(fd, &st) == 0 && st.st_size < 4096 && ftruncate(fd, 4096) != 0) {
        close(fd);
        return;
    }
    void* p = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (p == MAP_FAILED) return;
    auto* file = static_cast<std::uint64_t*>(p);
    // What this image counted before the constructor ran joins the file's totals (which an
    // earlier image, e.g. taskset before its exec, may have started).
    for (int i = 0; i < 4; ++i) __atomic_fetch_add(&file[i], local_counts[i], __ATOMIC_RELAXED);
    counts = file;
    shared = true;
}

__attribute__((destructor)) void alloc_count_fini() {
    if (shared) return;
    std::fprintf(stderr, "alloc_count: %llu allocations, %llu frees, %llu octets\n",
                 (unsigned long long)counts[0], (unsigned long long)counts[1], (unsigned long long)counts[2]);
}

} // namespace

extern "C" {

void* malloc(std::size_t n) {
    count_alloc(n);
    return live_add(__libc_malloc(n));
}
void free(void* p) {
    if (p) count_free();
    live_sub(p);
    __libc_free(p);
}
void* calloc(std::size_t a, std::size_t b) {
    count_alloc(a * b);
    return live_add(__libc_calloc(a, b));
}
void* realloc(void* p, std::size_t n) {
    count_alloc(n);
    const std::size_t old_size = p ? malloc_usable_size(p) : 0;
    void* q = __libc_realloc(p, n);
    if (q || n == 0) {
        __atomic_fetch_sub(&counts[3], old_size, __ATOMIC_RELAXED);
        live_add(q);
    }
    return q;
}
void* memalign(std::size_t align, std::size_t n) {
    count_alloc(n);
    return live_add(__libc_memalign(align, n));
}
void* aligned_alloc(std::size_t align, std::size_t n) {
    count_alloc(n);
    return live_add(__libc_memalign(align, n));
}
int posix_memalign(void** out, std::size_t align, std::size_t n) {
    if (align < sizeof(void*) || (align & (align - 1)) != 0) return EINVAL;
    count_alloc(n);
    void* p = live_add(__libc_memalign(align, n));
    if (!p) return ENOMEM;
    *out = p;
    return 0;
}
void* valloc(std::size_t n) {
    count_alloc(n);
    return live_add(__libc_memalign(static_cast<std::size_t>(sysconf(_SC_PAGESIZE)), n));
}
void* pvalloc(std::size_t n) {
    count_alloc(n);
    const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
    return live_add(__libc_memalign(page, (n + page - 1) / page * page));
}

} // extern "C"
