#!/usr/bin/env bash
# tools/test.sh: what CI runs (.ci/run). Installs what it needs, then
#  (a) GCC 12, ASan+UBSan, Debug at -O1: builds everything, runs every CTest test;
#  (b) Clang 14, ThreadSanitizer: builds the server tests (cross-thread sends, N-thread servers,
#      broadcast and shutdown from other threads) and runs them (DESIGN §7: TSan with Clang);
#  (c) Clang 14 with libFuzzer: builds the fuzz targets, replays each seed corpus, then fuzzes
#      each target for FUZZ_SMOKE_SECONDS (20) over a copy of its corpus.
# Build directories: build/ci-gcc-asan, build/ci-clang-tsan, build/ci-clang-fuzz. Run as root or
# with sudo available.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

FUZZ_SMOKE_SECONDS=${FUZZ_SMOKE_SECONDS:-20}
GCC_DIR=build/ci-gcc-asan
FUZZ_DIR=build/ci-clang-fuzz
TSAN_DIR=build/ci-clang-tsan

stage "packages" ensure_packages \
    g++ clang-14 libclang-rt-14-dev cmake ninja-build libasio-dev catch2 nlohmann-json3-dev python3 pkg-config \
    python3-websockets python3-tornado chromium

# Node.js + the npm package ws for tests/interop/node (interop.node_ws). Debian's nodejs npm
# (Node 18) only when no node is on PATH; npm ci installs exactly package-lock.json (needs the
# npm registry) and replaces node_modules, so rerunning is safe.
install_node_ws() {
    # Explicit returns: stage runs this under ||, where set -e does not apply.
    if ! command -v node >/dev/null 2>&1; then
        ensure_packages nodejs npm || return
    fi
    echo "== node $(node --version), npm $(npm --version)"
    npm ci --prefix tests/interop/node --no-audit --no-fund || return
    # playwright-core for tests/interop/browser (interop.chromium); it drives Debian's chromium
    # (installed above) and downloads no browser of its own.
    npm ci --prefix tests/interop/browser --no-audit --no-fund || return
}
stage "packages: node + ws + playwright-core (tests/interop/node, browser)" install_node_ws

# (a) GCC, ASan+UBSan: any sanitizer report fails its test.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
stage "gcc asan+ubsan: configure" configure "$GCC_DIR" \
    -DCMAKE_CXX_COMPILER=g++ -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS=-O1 \
    -DSQUALL_SANITIZE=address,undefined
stage "gcc asan+ubsan: build" cmake --build "$GCC_DIR"
stage "gcc asan+ubsan: ctest" ctest --test-dir "$GCC_DIR" --no-tests=error --output-on-failure -j2

# (b) Clang, TSan: the threaded tests (the whole suite runs under TSan in the long checks).
stage "clang tsan: configure" configure "$TSAN_DIR" \
    -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS=-O1 \
    -DSQUALL_SANITIZE=thread -DSQUALL_BUILD_EXAMPLES=OFF -DSQUALL_INSTALL=OFF
stage "clang tsan: build server tests" cmake --build "$TSAN_DIR" --target squall_server_tests
stage "clang tsan: server tests" env TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}" \
    ctest --test-dir "$TSAN_DIR" -L server --no-tests=error --output-on-failure -j2

# (c) Clang + libFuzzer: only the fuzz targets are built here.
stage "clang fuzz: configure" configure "$FUZZ_DIR" \
    -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS=-O1 \
    -DSQUALL_BUILD_FUZZ=ON -DSQUALL_BUILD_TESTS=OFF -DSQUALL_BUILD_EXAMPLES=OFF -DSQUALL_INSTALL=OFF
stage "clang fuzz: build" cmake --build "$FUZZ_DIR"
if [ -n "$(fuzz_targets)" ]; then
    stage "clang fuzz: corpus replay" ctest --test-dir "$FUZZ_DIR" -L fuzz --no-tests=error --output-on-failure -j2
    stage "clang fuzz: ${FUZZ_SMOKE_SECONDS}s smoke per target" fuzz_smoke "$FUZZ_DIR" "$FUZZ_SMOKE_SECONDS"
else
    NOTES+=("no tests/fuzz/fuzz_*.cpp yet: fuzz corpus replay and smoke runs skipped")
fi

summary
