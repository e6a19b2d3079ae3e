#!/usr/bin/env bash
# tools/long-checks.sh: everything tools/test.sh runs, then
#  - Release (-O2) builds with GCC 12 and Clang 14, every CTest test, and the micro-benchmarks;
#  - the long soaks (tests/soak/soak.py) against the GCC Release examples: echo_server 200 clients
#    x 10,000 messages, chat_server 200 x 1,000, both with the RSS check (about 1 and 15 min
#    on 2 cores);
#  - Clang 14 ThreadSanitizer build, every CTest test (GCC's TSan lacks atomic_thread_fence);
#  - GCC 12 with SQUALL_TEST_SINGLE_HEADER=ON: every CTest test against the generated
#    single_include/squall/squall.hpp instead of include/ (issue 7);
#  - GCC 12 with SQUALL_NO_EPOLL (the portable Asio-socket transport): server and proxy tests;
#  - the side-by-side benchmarks, bench/run.sh (BENCH=0 skips them);
#  - FUZZ_SECONDS (default 600) of fuzzing per target.
# Build directories: build/long-*, plus those of tools/test.sh. Run as root or with sudo.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

FUZZ_SECONDS=${FUZZ_SECONDS:-600}

stage "tools/test.sh (CI)" bash tools/test.sh

run_bench() {
    local exe=$1/bench/micro
    if [ -x "$exe" ]; then
        "$exe"
    else
        echo "bench/micro.cpp not there yet: nothing to run"
    fi
}

for pair in gcc:g++ clang:clang++-14; do
    cxx=${pair#*:}
    dir=build/long-${pair%%:*}-release
    stage "$cxx release: configure" configure "$dir" \
        -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=Release "-DCMAKE_CXX_FLAGS_RELEASE=-O2 -DNDEBUG" \
        -DSQUALL_BUILD_BENCH=ON
    stage "$cxx release: build" cmake --build "$dir"
    stage "$cxx release: ctest" ctest --test-dir "$dir" --no-tests=error --output-on-failure -j2
    stage "$cxx release: micro-benchmarks" run_bench "$dir"
done

# In a subshell: the raised descriptor limit (200 clients, 200 server sockets) stays there.
# Explicit exits: stage runs this under ||, where set -e does not apply.
long_soaks() (
    ulimit -n "$(ulimit -Hn)" 2>/dev/null || ulimit -n 4096 2>/dev/null || true
    ex=build/long-gcc-release/examples
    python3 tests/soak/soak.py echo "$ex/echo_server" --clients 200 --messages 10000 --rss-check \
        --deadline 1800 || exit
    python3 tests/soak/soak.py chat "$ex/chat_server" --clients 200 --messages 1000 --rss-check \
        --deadline 2700 || exit
)
stage "gcc release: long soaks (echo 200 x 10,000, chat 200 x 1,000, RSS)" long_soaks

export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}
stage "clang tsan: configure" configure build/long-clang-tsan \
    -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS=-O1 -DSQUALL_SANITIZE=thread
stage "clang tsan: build" cmake --build build/long-clang-tsan
stage "clang tsan: ctest" ctest --test-dir build/long-clang-tsan --no-tests=error --output-on-failure -j2

stage "single header: configure" configure build/long-single-header \
    -DCMAKE_CXX_COMPILER=g++ -DCMAKE_BUILD_TYPE=Debug -DSQUALL_TEST_SINGLE_HEADER=ON
stage "single header: build" cmake --build build/long-single-header
stage "single header: ctest" ctest --test-dir build/long-single-header --no-tests=error --output-on-failure -j2

# The portable transport (Asio sockets and async_wait, used where epoll is not): the server,
# engine, hostile and proxy tests with SQUALL_NO_EPOLL, so the fallback cannot rot on Linux.
stage "gcc no-epoll: configure" configure build/long-gcc-noepoll \
    -DCMAKE_CXX_COMPILER=g++ -DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS=-O1 -DSQUALL_NO_EPOLL" \
    -DSQUALL_SANITIZE=address,undefined -DSQUALL_BUILD_EXAMPLES=OFF -DSQUALL_INSTALL=OFF
stage "gcc no-epoll: build" cmake --build build/long-gcc-noepoll --target squall_server_tests squall_proxy_tests
stage "gcc no-epoll: ctest" ctest --test-dir build/long-gcc-noepoll -L 'server|proxy' --no-tests=error --output-on-failure -j2

# The side-by-side benchmarks (bench/run.sh: squall, raw TCP, Beast, websocketpp, Python
# websockets, Tornado), which rewrite bench/results/. BENCH=0 skips them.
if [ "${BENCH:-1}" = 1 ]; then
    stage "benchmarks (bench/run.sh)" bash bench/run.sh
fi

if [ -n "$(fuzz_targets)" ]; then
    stage "clang fuzz: ${FUZZ_SECONDS}s per target" fuzz_smoke build/ci-clang-fuzz "$FUZZ_SECONDS"
else
    NOTES+=("no tests/fuzz/fuzz_*.cpp yet: long fuzz runs skipped")
fi

summary
