#!/usr/bin/env bash
# bench/run.sh: the side-by-side benchmark suite, in one command (bench/README.md):
#
#   sudo bash bench/run.sh            # full run: RUNS=3 DURATION=5, ~15 min on 2 cores
#   sudo QUICK=1 bash bench/run.sh    # smoke run: 1 run x 2 s, 1,000 idle connections
#
# 1. installs the Debian packages it needs that are missing (--no-install-recommends, each named:
#    DESIGN §7), 2. builds squall's servers, the load generator and the allocation counter with
#    the repository's CMake (-DSQUALL_BUILD_BENCH=ON, Release, -O2) into build/bench, and the
#    Beast and websocketpp peers with their own flags into build/bench/peers (a peer that fails
#    to build is reported and skipped), 3. runs bench/run.py, which measures and writes
#    bench/results/RESULTS.md, chart.png and results.json. Other settings: see bench/run.py.
# Root (or sudo) is needed only to install missing packages.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../tools/lib.sh" # cd to the repository root, ensure_packages

BUILD=${BUILD:-build/bench}
PEERS=$BUILD/peers
PEER_LOG=$PEERS/build.log
CXX=${CXX:-g++}

stage "packages" ensure_packages g++ cmake ninja-build libasio-dev libboost1.81-dev libwebsocketpp-dev \
    strace gnuplot-nox python3 python3-websockets python3-tornado

stage "build: loadgen, alloc_count, raw_echo, asio_idle (CMake)" bash -c "
    cmake -S . -B '$BUILD' -G Ninja -DCMAKE_CXX_COMPILER='$(command -v "$CXX")' -DCMAKE_BUILD_TYPE=Release \
        '-DCMAKE_CXX_FLAGS_RELEASE=-O2 -DNDEBUG' -DSQUALL_BUILD_BENCH=ON -DSQUALL_BUILD_TESTS=OFF \
        -DSQUALL_BUILD_EXAMPLES=OFF -DSQUALL_INSTALL=OFF >/dev/null &&
    cmake --build '$BUILD' -j2 --target loadgen raw_echo asio_idle alloc_count"

# squall itself: a build failure (include/ being edited) is reported and the peers still run; the
# old binary is removed so that a stale squall is never measured.
build_squall() {
    if ! cmake --build "$BUILD" -j2 --target squall_echo; then
        rm -f "$BUILD/bench/squall_echo"
        NOTES+=("squall_echo failed to build: squall left out of this run")
    fi
    return 0
}
stage "build: squall_echo (CMake)" build_squall

mkdir -p "$PEERS"
: >"$PEER_LOG"
# build_peer <name> <source> <flags...>: rebuilt when the source is newer than the binary.
build_peer() {
    local name=$1 src=$2
    shift 2
    if [ -x "$PEERS/$name" ] && [ "$PEERS/$name" -nt "$src" ] && [ "$PEERS/$name" -nt bench/servers/common_cli.hpp ]; then
        echo "  $name: up to date"
        return 0
    fi
    echo "  $name: $CXX $* $src"
    if "$CXX" "$@" "$src" -o "$PEERS/$name.tmp" -pthread >>"$PEER_LOG" 2>&1; then
        mv "$PEERS/$name.tmp" "$PEERS/$name"
        return 0
    fi
    echo "  $name: FAILED to build (see $PEER_LOG); it is left out of the run"
    NOTES+=("$name failed to build: see $PEER_LOG")
    rm -f "$PEERS/$name" "$PEERS/$name.tmp"
    return 1
}

build_peers() {
    # Boost.Beast 1.81: header-only with Boost.Asio; C++20 like squall.
    build_peer beast_echo bench/servers/beast_echo.cpp -std=c++20 -O2 -DNDEBUG || true
    # websocketpp 0.8.2: -std=c++17 (DESIGN §7). Standalone Asio 1.22 (the Asio squall uses) first,
    # Boost.Asio 1.81 (websocketpp's default) if that fails; both build on Debian 12.
    if ! build_peer websocketpp_echo bench/servers/websocketpp_echo.cpp -std=c++17 -O2 -DNDEBUG -DASIO_STANDALONE; then
        build_peer websocketpp_echo bench/servers/websocketpp_echo.cpp -std=c++17 -O2 -DNDEBUG || true
    fi
    return 0
}
stage "build: Beast and websocketpp peers (own flags)" build_peers

stage "measure (bench/run.py)" env BUILD="$BUILD" /usr/bin/python3 bench/run.py
summary
