#!/usr/bin/env bash
# Slow reads side by side, edgelite against the real sqld in the same run: SLOW_READS concurrent
# reads that each take about a second alone, and the latency of short point reads sent by
# POINT_CONNECTIONS other clients meanwhile. Long reads should use every core (and wait on each
# other no more than the CPU makes them) while short reads stay fast. Each repetition measures one
# slow read alone, then the burst under the point-read load; the summary holds medians.
# EDGELITE_BEFORE_BIN adds another edgelite build (e.g. an earlier commit) to the comparison.
#
# Settings (environment variables):
#   EDGELITE_BIN / EDGELITE_BEFORE_BIN / LOADGEN_BIN   binaries (as in run_http_bench.sh)
#   REPETITIONS        repetitions (default 3)
#   SLOW_READS         concurrent slow reads (default 8)
#   SLOW_COUNT         what the slow read counts to (default 4000000: about a second here)
#   POINT_CONNECTIONS  connections sending point reads during the burst (default 4)
#   RESULTS_DIR        where to write results (default bench/results/slow-reads-<UTC timestamp>)
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly REPO_ROOT
readonly BENCH_DIR="$REPO_ROOT/bench"
EDGELITE_BIN="${EDGELITE_BIN:-$REPO_ROOT/build/src/edgelite}"
EDGELITE_BEFORE_BIN="${EDGELITE_BEFORE_BIN:-}"
LOADGEN_BIN="${LOADGEN_BIN:-$REPO_ROOT/build/bench/edgelite_loadgen}"
readonly REPETITIONS="${REPETITIONS:-3}"
readonly SLOW_READS="${SLOW_READS:-8}"
readonly SLOW_COUNT="${SLOW_COUNT:-4000000}"
readonly POINT_CONNECTIONS="${POINT_CONNECTIONS:-4}"
readonly ROWS="${ROWS:-10000}"
readonly IDLE_TIMEOUT_SECONDS="${IDLE_TIMEOUT_SECONDS:-10}"
WARMUP_SECONDS=0
RUN_SECONDS=0
readonly RESULTS_DIR="${RESULTS_DIR:-$BENCH_DIR/results/slow-reads-$(date -u +%Y%m%dT%H%M%SZ)}"

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$BENCH_DIR/lib.sh"
bench_init

read -r PORT_EDGELITE PORT_BEFORE PORT_SQLD PORT_SQLD_ADMIN <<<"$("$LOADGEN_BIN" free-ports --count 4)"
write_environment "repetitions=$REPETITIONS slow_reads=$SLOW_READS slow_count=$SLOW_COUNT" \
  "point_connections=$POINT_CONNECTIONS"
log "results: $RESULTS_DIR"

if have_edgelite; then start_edgelite edgelite "$PORT_EDGELITE" || true; fi
if [[ -n "$EDGELITE_BEFORE_BIN" ]]; then
  EDGELITE_BIN="$EDGELITE_BEFORE_BIN" start_edgelite edgelite-before "$PORT_BEFORE" || true
fi
start_sqld sqld "$PORT_SQLD" "$PORT_SQLD_ADMIN" || true

readonly SLOW_BODY='{"requests":[{"type":"execute","stmt":{"sql":"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < '"$SLOW_COUNT"') SELECT count(*) FROM c"}},{"type":"close"}]}'

# slow_read PORT: one slow read; fails unless it was answered with its count.
slow_read() {
  curl -sf --max-time 120 "http://127.0.0.1:$1/v2/pipeline" -H 'content-type: application/json' \
    -d "$SLOW_BODY" | grep -q "\"$SLOW_COUNT\""
}

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

# run_one REPETITION NAME: one slow read alone, then the burst with point reads alongside.
run_one() {
  local repetition="$1" name="$2" port="${SERVER_PORT[$2]:-}"
  [[ -n "$port" ]] || return 0
  settle "$repetition" "$name"
  local start alone burst i failed=0
  start="$(now)"
  slow_read "$port" || failed=1
  alone="$(elapsed "$start" "$(now)")"
  # The point reads cover the burst: it takes about alone x reads / cores when the cores are used.
  local seconds
  seconds="$(awk -v a="$alone" -v n="$SLOW_READS" -v c="$(nproc)" 'BEGIN { printf "%d", a * n / c * 1.5 + 2 }')"
  "$LOADGEN_BIN" run --workload point-read --port "$port" --connections "$POINT_CONNECTIONS" \
    --seconds "$seconds" --warmup 0 --rows "$ROWS" >"$WORK_DIR/points.json" 2>>"$RESULTS_DIR/$name.log" &
  local loadgen=$!
  sleep 0.5
  start="$(now)"
  local -a readers=()
  for ((i = 0; i < SLOW_READS; i++)); do
    slow_read "$port" &
    readers+=($!)
  done
  for i in "${readers[@]}"; do wait "$i" || failed=1; done
  burst="$(elapsed "$start" "$(now)")"
  wait "$loadgen" || true
  local points
  points="$(cat "$WORK_DIR/points.json")"
  printf '{"workload":"slow-reads","label":"%s","repetition":%d,"alone_s":%s,"burst_s":%s,"failed":%d,"point_p50_us":%s,"point_p99_us":%s,"point_rps":%s}\n' \
    "$name" "$repetition" "$alone" "$burst" "$failed" \
    "$(or_na "$(json_number "$points" p50_us)")" "$(or_na "$(json_number "$points" p99_us)")" \
    "$(or_na "$(json_number "$points" rps)")" | tee -a "$RESULTS_FILE" >&2
}

PLAN=()
for name in edgelite edgelite-before sqld; do
  [[ -n "${SERVER_PORT[$name]:-}" ]] && PLAN+=("$name")
done
run_plan
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$RESULTS_DIR/environment.txt"

{
  echo "# Slow reads: $SLOW_READS at once, each counting to $SLOW_COUNT, with $POINT_CONNECTIONS clients sending point reads"
  echo
  echo "Medians of $REPETITIONS repetitions. $(load_line)"
  echo
  echo "| server | one alone (s) | $SLOW_READS at once (s) | point read p50 (us) | p99 (us) | point reads/s |"
  echo "|---|---|---|---|---|---|"
  for name in "${PLAN[@]}"; do
    echo "| $name | $(or_na "$(median slow-reads "$name" alone_s)") | $(or_na "$(median slow-reads "$name" burst_s)") | $(or_na "$(median slow-reads "$name" point_p50_us)") | $(or_na "$(median slow-reads "$name" point_p99_us)") | $(or_na "$(median slow-reads "$name" point_rps)") |"
  done
  echo
  echo "Failed slow reads (all repetitions): $(for name in "${PLAN[@]}"; do printf '%s=%s ' "$name" "$(or_na "$(total slow-reads "$name" failed)")"; done)"
} | tee "$RESULTS_DIR/summary.md"
