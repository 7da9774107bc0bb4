#!/usr/bin/env bash
# Crash soak: the crash test (tests/integration/crash_test.cc) with many more SIGKILLs than the
# suite's default run, under both durability settings, for a number of rounds with fresh random
# seeds. Not run by ctest: it takes minutes. Each round prints its seed; a failed round keeps its
# data directory and stops the soak, so the evidence is still there.
#
# Usage: tests/integration/crash_soak.sh [build-dir]
#   CYCLES  kills per round (default 500)
#   ROUNDS  rounds per durability setting (default 1)
set -euo pipefail

build_dir=${1:-build}
tests="$build_dir/tests/edgelite_integration_tests"
if [[ ! -x $tests ]]; then
  echo "no $tests: build it first (cmake --build $build_dir --target edgelite edgelite_integration_tests)" >&2
  exit 2
fi

for durability in relaxed strong; do
  for round in $(seq 1 "${ROUNDS:-1}"); do
    echo "=== crash soak: --durability $durability, round $round, ${CYCLES:-500} kills"
    EDGELITE_CRASH_CYCLES=${CYCLES:-500} EDGELITE_CRASH_DURABILITY=$durability \
      "$tests" --gtest_filter='CrashTest.*'
  done
done
