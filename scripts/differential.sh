#!/usr/bin/env bash
# Runs the randomized differential test (tests/integration/differential/) longer than the suite
# does, or with a chosen seed: concurrent Hrana clients (HTTP and WebSocket) against edgelite
# serving with --execution-trace, every answer compared with plain SQLite replayed in the server's
# serial order. A difference prints the seed and a minimal trace, and the run's files are kept.
#
#   scripts/differential.sh                         # one 120 s run with a random seed
#   scripts/differential.sh --seed 42 --seconds 30  # reproduce a seed
#   scripts/differential.sh --runs 10               # ten runs, seeds N, N+1, ...
#   scripts/differential.sh --disable temp,stale_rowid  # look past known differences
#
# Options: --seed N, --seconds S, --clients C (default 12), --runs R, --disable LIST (features of
# tests/integration/differential/workload.h), --no-build, --keep (keep passing runs' files too).
# The DIFFERENTIAL_* environment variables of differential_test.cc work as well; options win.
set -euo pipefail
cd "$(dirname "$0")/.."

seed="${DIFFERENTIAL_SEED:-$(( $(date +%s%N) % 1000000 ))}"
seconds="${DIFFERENTIAL_SECONDS:-120}"
clients="${DIFFERENTIAL_CLIENTS:-12}"
disable="${DIFFERENTIAL_DISABLE:-}"
keep="${DIFFERENTIAL_KEEP:-0}"
runs=1
build=1

usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
while (($#)); do
  case "$1" in
    --seed) seed="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --clients) clients="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --disable) disable="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    --keep) keep=1; shift ;;
    -h|--help) usage 0 ;;
    *) echo "differential.sh: unknown option $1" >&2; usage 2 ;;
  esac
done

if ((build)); then
  scripts/build.sh -DEDGELITE_WERROR=ON
fi
binary=build/tests/edgelite_integration_tests
[ -x "$binary" ] || { echo "differential.sh: $binary is missing; build first" >&2; exit 2; }

failed=0
for ((run = 0; run < runs; run++)); do
  this_seed=$((seed + run))
  echo "differential.sh: run $((run + 1))/$runs, seed $this_seed, $clients clients, ${seconds} s${disable:+, without $disable}"
  if ! DIFFERENTIAL_SEED="$this_seed" DIFFERENTIAL_SECONDS="$seconds" DIFFERENTIAL_CLIENTS="$clients" \
       DIFFERENTIAL_DISABLE="$disable" DIFFERENTIAL_KEEP="$keep" \
       "$binary" --gtest_filter='DifferentialTest.*' --gtest_brief=1; then
    failed=$((failed + 1))
  fi
done
if ((failed)); then
  echo "differential.sh: $failed of $runs runs found a difference (or could not finish)"
  exit 1
fi
echo "differential.sh: $runs runs, no difference"
