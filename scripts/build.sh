#!/usr/bin/env bash
# Configures and builds edgelite into build/ (Ninja, ccache when present). Extra arguments go to the
# CMake configure step, e.g. scripts/build.sh -DEDGELITE_WERROR=ON.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build build -j "$(nproc)"
