#!/usr/bin/env bash
# tools/demo.sh: installs what the demo needs on Debian 12, builds the echo server (Release) in
# build/demo and runs it: open the URL it prints. Extra arguments go to the server
# (e.g. --port 8080, --host ::1). Stop it with Ctrl-C. Run as root or with sudo available.
set -euo pipefail

# The example program the demo runs: examples/$DEMO_TARGET.cpp.
DEMO_TARGET=echo_server

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# A minimal Debian 12 has no compiler, CMake or Python.
stage "packages" ensure_packages g++ cmake ninja-build libasio-dev python3
stage "configure" configure build/demo -DCMAKE_BUILD_TYPE=Release \
    -DSQUALL_BUILD_EXAMPLES=ON -DSQUALL_BUILD_TESTS=OFF -DSQUALL_INSTALL=OFF
stage "build examples/$DEMO_TARGET" cmake --build build/demo --target "$DEMO_TARGET"
summary
echo
exec "build/demo/examples/$DEMO_TARGET" "$@"
