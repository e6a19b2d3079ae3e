// Consumer check: squall's headers, its Asio and its compile definitions arrive through
// squall::squall alone.
#include <squall/squall.hpp>

#include <asio/version.hpp>

#include <cstdio>

#if defined(__clang__) && !defined(ASIO_HAS_CO_AWAIT)
#error "squall::squall must define ASIO_HAS_CO_AWAIT=1 for Clang (DESIGN section 7)"
#endif

int main() {
    std::printf("squall %d.%d.%d with Asio %d\n", squall::version_major, squall::version_minor,
                squall::version_patch, ASIO_VERSION);
    return 0;
}
