#!/usr/bin/env bash
# Runs the worst-client soak (tests/integration/worst_client/) longer than the suite does: steady
# well-behaved HTTP and WebSocket clients record their latency while hostile clients (odd SQL,
# runaway reads and writes that disconnect, idle transactions, WebSocket clients that never read,
# slowloris, abandoned streams and cursors) come and go. It fails when a well-behaved request
# fails, read p99 or write latency passes its bound, the server's memory grows or stays high, or a
# core stays busy after the hostiles left; it prints a summary line either way.
#
#   scripts/worst_client_soak.sh                    # 300 s of hostiles, seed 1
#   scripts/worst_client_soak.sh --seconds 600 --seed 7
#   scripts/worst_client_soak.sh --only ws-never-reads,slowloris --seconds 60
#
# Options: --seconds S (default 300), --seed N (default 1), --only LIST (misbehaviours to choose
# from; names in tests/integration/worst_client/hostile_clients.cc), --no-build.
# The EDGELITE_SOAK_* environment variables of worst_client_test.cc work as well; options win.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${EDGELITE_SOAK_SECONDS:-300}"
seed="${EDGELITE_SOAK_SEED:-1}"
only="${EDGELITE_SOAK_ONLY:-}"
build=1

usage() { sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
while (($#)); do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --only) only="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    -h|--help) usage 0 ;;
    *) echo "worst_client_soak.sh: unknown option $1" >&2; usage 2 ;;
  esac
done

if ((build)); then
  scripts/build.sh
fi
binary=build/tests/edgelite_integration_tests
[ -x "$binary" ] || { echo "worst_client_soak.sh: $binary is missing; build first" >&2; exit 2; }

echo "worst_client_soak.sh: ${seconds} s of hostiles, seed $seed${only:+, only $only}"
EDGELITE_SOAK_SECONDS="$seconds" EDGELITE_SOAK_SEED="$seed" EDGELITE_SOAK_ONLY="$only" \
  "$binary" --gtest_filter='WorstClientTest.*' --gtest_brief=1
