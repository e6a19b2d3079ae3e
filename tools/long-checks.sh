#!/usr/bin/env bash
# tools/long-checks.sh: everything tools/test.sh runs, then
#  - Release (-O2) builds with GCC 12 and Clang 14, every CTest test, and the micro-benchmarks;
#  - Clang 14 ThreadSanitizer build, every CTest test (GCC's TSan lacks atomic_thread_fence);
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

export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}
stage "clang tsan: configure" configure build/long-clang-tsan \
    -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS=-O1 -DSQUALL_SANITIZE=thread
stage "clang tsan: build" cmake --build build/long-clang-tsan
stage "clang tsan: ctest" ctest --test-dir build/long-clang-tsan --no-tests=error --output-on-failure -j2

if [ -n "$(fuzz_targets)" ]; then
    stage "clang fuzz: ${FUZZ_SECONDS}s per target" fuzz_smoke build/ci-clang-fuzz "$FUZZ_SECONDS"
else
    NOTES+=("no tests/fuzz/fuzz_*.cpp yet: long fuzz runs skipped")
fi

summary
