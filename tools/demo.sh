#!/usr/bin/env bash
# tools/demo.sh: installs what the demo needs on Debian 12, builds the examples (Release) in
# build/demo and runs the demo program. Run as root or with sudo available.
set -euo pipefail

# The example program the demo runs: examples/$DEMO_TARGET.cpp.
DEMO_TARGET=protocol_demo

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# A minimal Debian 12 has no compiler, CMake or Python.
stage "packages" ensure_packages g++ cmake ninja-build libasio-dev python3
stage "configure" configure build/demo -DCMAKE_BUILD_TYPE=Release \
    -DSQUALL_BUILD_EXAMPLES=ON -DSQUALL_BUILD_TESTS=OFF -DSQUALL_INSTALL=OFF
stage "build examples" cmake --build build/demo

if [ -x "build/demo/examples/$DEMO_TARGET" ]; then
    stage "run examples/$DEMO_TARGET" "build/demo/examples/$DEMO_TARGET"
else
    NOTES+=("examples/$DEMO_TARGET.cpp does not exist yet: nothing to run")
fi
summary
