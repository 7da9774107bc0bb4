#!/usr/bin/env bash
# SDK replica crash soak: the SDK replica crash test (tests/integration/sdk_replica_crash_test.cc)
# with many more SIGKILLs of the application than the suite's 50, for a number of rounds, each with
# a fresh random seed that it prints. Not run by ctest: it takes many minutes. A failed round keeps
# its directory (the primary's data, the replica and the child's output; the test prints where)
# and stops the soak, so the evidence is still there.
#
# Usage: tests/integration/sdk_replica_crash_soak.sh [build-dir]
#   CYCLES  kills per round (default 500)
#   ROUNDS  rounds (default 1)
#   SEED    the seed of the first round (default: random); later rounds use SEED+1, SEED+2, ...
set -euo pipefail

build_dir=${1:-build}
tests="$build_dir/tests/edgelite_sdk_tests"
if [[ ! -x $tests ]]; then
  echo "no $tests: build it first (cmake --build $build_dir --target edgelite edgelite_sdk_tests)" >&2
  exit 2
fi

seed=${SEED:-$(( (RANDOM << 15 | RANDOM) | 1 ))}
for round in $(seq 1 "${ROUNDS:-1}"); do
  echo "=== SDK replica crash soak: round $round, ${CYCLES:-500} kills, seed $seed"
  EDGELITE_SDK_CRASH_CYCLES=${CYCLES:-500} EDGELITE_SDK_CRASH_SEED=$seed \
    "$tests" --gtest_filter='SdkReplicaCrashTest.*'
  seed=$((seed + 1))
done
