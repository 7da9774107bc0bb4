#!/usr/bin/env bash
# Benchmarks of the edgelite C++ SDK (libedgelite.so), each against a peer measured in the same
# run, reported as medians of REPETITIONS runs and as ratios (never asserted; the targets are
# printed beside them). bench/README.md ("What is measured (SDK)") says what each figure means.
#
#   reads         point reads by primary key through the SDK, on an embedded replica file (synced
#                 from a local edgelite server) and on a local-mode file, against the raw SQLite
#                 C API on the same files (our own SQLite build; a reused prepared statement, in
#                 autocommit and inside one open read transaction) and against the native `libsql`
#                 npm package (embedded replica of the same server, and the local file).
#   initial-sync  a fresh replica Sync()s a DB_MEGABYTES database from edgelite (and from sqld),
#                 against copying the same bytes over loopback HTTP (curl from nginx) and against
#                 the official client's embedded replica (@libsql/client sync()) from sqld and
#                 from edgelite.
#   apply         both replicas of edgelite (SDK, official) at the head; edgelite_loadgen inserts
#                 at full speed for APPLY_WRITE_SECONDS while neither syncs; then each catches up
#                 the same backlog: frames/s applied.
#   sustain       the replicas follow edgelite while edgelite_loadgen inserts at full speed
#                 (SUSTAIN_CONNECTIONS connections over Hrana HTTP): the SDK live
#                 (SyncInterval::Live()) and with Sync() back to back, the official client with
#                 sync() back to back; rows behind, replica_status().frame_lag, catch-up.
#   lag           LAG_RATE inserts/s (bench/replica/replica.mjs write, which logs when each insert
#                 was sent and acknowledged): acknowledged → visible on an SDK live replica
#                 (WaitForChange) and on the official client's replica polling sqld (and edgelite)
#                 with sync() back to back; p50/p99.
#
# The servers (edgelite, the sqld peer from bench/peer, nginx) are started on free 127.0.0.1
# ports, stopped by their saved PIDs on every exit path, and their scratch directory is removed
# (bench/lib.sh). Results go to bench/results/sdk-<UTC timestamp>/: results.jsonl (one JSON line
# per run), summary.md, environment.txt, server logs, steps.stderr, failures.txt.
#
# The script builds nothing. Build first (any build directory; BUILD_DIR points at it):
#   cmake -S . -B build -G Ninja
#   cmake --build build --target edgelite edgelite_sdk edgelite_loadgen edgelite_sdk_bench \
#     edgelite_raw_sqlite_bench
#   bench/run_sdk_bench.sh
# A short smoke run:
#   REPETITIONS=1 DB_MEGABYTES=10 ROWS=10000 READ_SECONDS=1 SUSTAIN_SECONDS=3 LAG_SECONDS=3 \
#     APPLY_WRITE_SECONDS=2 bench/run_sdk_bench.sh
#
# Settings (environment variables):
#   BUILD_DIR            where the binaries below are looked for (default build)
#   EDGELITE_BIN         edgelite server (default $BUILD_DIR/src/edgelite)
#   LOADGEN_BIN          load generator (default $BUILD_DIR/bench/edgelite_loadgen)
#   SDK_BENCH_BIN        SDK side (default $BUILD_DIR/bench/edgelite_sdk_bench)
#   RAW_BENCH_BIN        raw SQLite side (default $BUILD_DIR/bench/edgelite_raw_sqlite_bench)
#   NODE_BIN / NGINX_BIN / CURL_BIN   node, nginx, curl (default: on PATH)
#   SDK_PHASES           which parts run (default "reads initial-sync apply sustain lag")
#   REPETITIONS          runs of every measurement (default 3)
#   ROWS                 rows of the point-read table `bench` (default 100000)
#   READ_SECONDS / READ_WARMUP_SECONDS   per point-read run (default 5 / 1)
#   DB_MEGABYTES         size the primaries are filled to for the initial sync (default 100)
#   APPLY_WRITE_SECONDS  seconds of full-speed inserts that make the apply backlog (default 5)
#   SUSTAIN_SECONDS / SUSTAIN_CONNECTIONS   the full-speed writer of `sustain` (default 10 / 64)
#   SUSTAIN_MODES        SDK modes in `sustain` (default "live loop")
#   LAG_RATE / LAG_SECONDS   the fixed-rate writer of `lag` (default 250 inserts/s / 10 s)
#   LAG_RUNS             replicas measured in `lag` (default "sdk-edgelite official-sqld
#                        official-edgelite"; sdk-sqld is also known)
#   IDLE_TIMEOUT_SECONDS how long a server may stay busy with no load before a restart (10)
#   RESULTS_DIR          default bench/results/sdk-<UTC timestamp>
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly REPO_ROOT
readonly BENCH_DIR="$REPO_ROOT/bench"
readonly REPLICA_DIR="$BENCH_DIR/replica"
BUILD_DIR="${BUILD_DIR:-$REPO_ROOT/build}"
EDGELITE_BIN="${EDGELITE_BIN:-$BUILD_DIR/src/edgelite}"
LOADGEN_BIN="${LOADGEN_BIN:-$BUILD_DIR/bench/edgelite_loadgen}"
SDK_BENCH_BIN="${SDK_BENCH_BIN:-$BUILD_DIR/bench/edgelite_sdk_bench}"
RAW_BENCH_BIN="${RAW_BENCH_BIN:-$BUILD_DIR/bench/edgelite_raw_sqlite_bench}"
NODE_BIN="${NODE_BIN:-$(command -v node || echo node)}"
NGINX_BIN="${NGINX_BIN:-$(command -v nginx || echo /usr/sbin/nginx)}"
CURL_BIN="${CURL_BIN:-$(command -v curl || echo curl)}"
readonly SDK_PHASES="${SDK_PHASES:-reads initial-sync apply sustain lag}"
readonly REPETITIONS="${REPETITIONS:-3}"
# shellcheck disable=SC2034  # read by lib.sh (setup_tables)
readonly ROWS="${ROWS:-100000}"
readonly READ_SECONDS="${READ_SECONDS:-5}"
readonly READ_WARMUP_SECONDS="${READ_WARMUP_SECONDS:-1}"
readonly DB_MEGABYTES="${DB_MEGABYTES:-100}"
readonly APPLY_WRITE_SECONDS="${APPLY_WRITE_SECONDS:-5}"
readonly SUSTAIN_SECONDS="${SUSTAIN_SECONDS:-10}"
readonly SUSTAIN_CONNECTIONS="${SUSTAIN_CONNECTIONS:-64}"
readonly SUSTAIN_MODES="${SUSTAIN_MODES:-live loop}"
readonly LAG_RATE="${LAG_RATE:-250}"
readonly LAG_SECONDS="${LAG_SECONDS:-10}"
readonly LAG_RUNS="${LAG_RUNS:-sdk-edgelite official-sqld official-edgelite}"
readonly IDLE_TIMEOUT_SECONDS="${IDLE_TIMEOUT_SECONDS:-10}"
readonly RESULTS_DIR="${RESULTS_DIR:-$BENCH_DIR/results/sdk-$(date -u +%Y%m%dT%H%M%SZ)}"

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$BENCH_DIR/lib.sh"

phase_on() { [[ " $SDK_PHASES " == *" $1 "* ]]; }

for binary in "$SDK_BENCH_BIN" "$RAW_BENCH_BIN" "$EDGELITE_BIN"; do
  if [[ ! -x "$binary" ]]; then
    log "error: $binary is missing; build it (see the top of this script) or set BUILD_DIR"
    exit 1
  fi
done
bench_init

trap cleanup_with_step EXIT

# Private copies of the binaries under test (the build tree may be relinked while this runs, and
# the summary names the builds). The SDK programs find the copied libedgelite.so through
# LD_LIBRARY_PATH, which overrides the build tree's RUNPATH.
mkdir -p "$WORK_DIR/bin"
SDK_LIBRARY="$(dirname "$(readlink -f "$SDK_BENCH_BIN")")/../src/libedgelite.so.0"
if [[ ! -e "$SDK_LIBRARY" ]]; then
  SDK_LIBRARY="$(ldd "$SDK_BENCH_BIN" | sed -n 's/.*libedgelite\.so\.0 => \([^ ]*\).*/\1/p')"
fi
{
  echo "edgelite build: $(build_line "$EDGELITE_BIN")"
  echo "sdk library: $(build_line "$(readlink -f "$SDK_LIBRARY")")"
  echo "sdk bench: $(build_line "$SDK_BENCH_BIN")"
} >"$WORK_DIR/builds.txt"
cp "$EDGELITE_BIN" "$WORK_DIR/bin/edgelite"
cp "$SDK_BENCH_BIN" "$WORK_DIR/bin/edgelite_sdk_bench"
cp "$RAW_BENCH_BIN" "$WORK_DIR/bin/edgelite_raw_sqlite_bench"
cp "$(readlink -f "$SDK_LIBRARY")" "$WORK_DIR/bin/libedgelite.so.0"
EDGELITE_BIN="$WORK_DIR/bin/edgelite"
SDK_BENCH_BIN="$WORK_DIR/bin/edgelite_sdk_bench"
RAW_BENCH_BIN="$WORK_DIR/bin/edgelite_raw_sqlite_bench"
export LD_LIBRARY_PATH="$WORK_DIR/bin${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
if ! ldd "$SDK_BENCH_BIN" | grep -q "$WORK_DIR/bin/libedgelite.so.0"; then
  log "error: $SDK_BENCH_BIN does not pick up the copied libedgelite.so.0:"
  ldd "$SDK_BENCH_BIN" | grep edgelite >&2 || true
  exit 1
fi

# --- the official client: bench/replica (@libsql/client + native libsql, pinned) -------------

if [[ ! -d "$REPLICA_DIR/node_modules/@libsql/client" ]] && command -v npm >/dev/null; then
  log "installing the replica client (npm ci --ignore-scripts in bench/replica)"
  (cd "$REPLICA_DIR" && npm ci --ignore-scripts --no-audit --no-fund >"$WORK_DIR/npm.log" 2>&1) ||
    { log "  npm ci failed:"; tail -n 5 "$WORK_DIR/npm.log" | sed 's/^/    /' >&2; }
fi
HAVE_NODE=1
if [[ ! -d "$REPLICA_DIR/node_modules/libsql" ]] || ! "$NODE_BIN" --version >/dev/null 2>&1; then
  log "  node or bench/replica/node_modules is missing: the official client's runs are skipped"
  log "  (scripts/setup.sh, or: cd bench/replica && npm ci --ignore-scripts)"
  HAVE_NODE=0
fi

read -r PORT_EDGELITE PORT_SQLD PORT_SQLD_ADMIN PORT_NGINX <<<"$("$LOADGEN_BIN" free-ports --count 4)"

write_environment "phases=$SDK_PHASES repetitions=$REPETITIONS rows=$ROWS" \
  "read_seconds=$READ_SECONDS read_warmup=$READ_WARMUP_SECONDS db_megabytes=$DB_MEGABYTES" \
  "apply_write_seconds=$APPLY_WRITE_SECONDS sustain_seconds=$SUSTAIN_SECONDS" \
  "sustain_connections=$SUSTAIN_CONNECTIONS sustain_modes='$SUSTAIN_MODES'" \
  "lag_rate=$LAG_RATE lag_seconds=$LAG_SECONDS lag_runs='$LAG_RUNS'"
# What one synchronous 4 KiB write costs on the scratch directory's disk: replicas that sync once
# per applied transaction are bound by it, so the apply, sustain and lag figures depend on it.
fsync_probe() {
  local out
  out="$(dd if=/dev/zero of="$WORK_DIR/fsync-probe" bs=4k count=200 oflag=dsync 2>&1 | tail -n 1)"
  rm -f "$WORK_DIR/fsync-probe"
  awk -v line="$out" 'BEGIN { n = split(line, w, " "); for (i = 1; i < n; i++) if (w[i + 1] ~ /^s,?$/) {
    printf "%.2f ms per synchronous 4 KiB write (dd oflag=dsync, 200 writes)\n", w[i] * 1000 / 200; exit } }'
}
{
  cat "$WORK_DIR/builds.txt"
  echo "disk sync: $(fsync_probe)"
  echo "raw sqlite: $("$RAW_BENCH_BIN" version)"
  if ((HAVE_NODE)); then
    echo "node: $("$NODE_BIN" --version)"
    echo "official client: $(cd "$REPLICA_DIR/node_modules" && "$NODE_BIN" -p '["@libsql/client", "libsql"]
      .map((p) => p + " " + JSON.parse(require("fs").readFileSync(p + "/package.json")).version)
      .join(", ")')"
  fi
} >>"$RESULTS_DIR/environment.txt"
log "results: $RESULTS_DIR"
: >"$RESULTS_FILE"

# run_step REPETITION TIMEOUT LABEL COMMAND...: runs a measuring program, appends its last stdout
# line (a JSON object) with the repetition to the results (unless REPETITION is -) and leaves it in
# STEP_LINE. Non-zero if it failed; the failure's last stderr line goes to failures.txt (the
# summary lists them). Never call it in a command substitution: the trap must see STEP_PID.
STEP_LINE=""
run_step() {
  local repetition="$1" limit="$2" label="$3" line status=0
  shift 3
  STEP_LINE=""
  printf '== repetition %s: %s: %s\n' "$repetition" "$label" "$*" >>"$RESULTS_DIR/steps.stderr"
  timeout "$limit" "$@" >"$WORK_DIR/step.stdout" 2>"$WORK_DIR/step.stderr" &
  STEP_PID=$!
  wait "$STEP_PID" || status=$?
  STEP_PID=""
  line="$(cat "$WORK_DIR/step.stdout")"
  if ((status != 0)); then
    cat "$WORK_DIR/step.stderr" >>"$RESULTS_DIR/steps.stderr"
    echo "repetition $repetition, $label: $(grep -v '^\s*$' "$WORK_DIR/step.stderr" | tail -n 1 |
      cut -c1-300)" >>"$RESULTS_DIR/failures.txt"
    log "  [$repetition] $label failed: $(grep -v '^\s*$' "$WORK_DIR/step.stderr" | tail -n 1 | cut -c1-200)"
    return 1
  fi
  cat "$WORK_DIR/step.stderr" >>"$RESULTS_DIR/steps.stderr"
  line="$(tail -n 1 <<<"$line")"
  if [[ "$repetition" != - ]]; then
    printf '{"repetition":%s,%s\n' "$repetition" "${line#\{}" >>"$RESULTS_FILE"
  fi
  STEP_LINE="$line"
}

# The programs run_step starts (timeout runs programs, not shell functions).
SDK=("$SDK_BENCH_BIN")
REPLICA_MJS=("$NODE_BIN" "$REPLICA_DIR/replica.mjs")
url_of() { echo "http://127.0.0.1:${SERVER_PORT[$1]}"; }
have_server() { [[ -n "${SERVER_PORT[$1]:-}" ]]; }

# The plan runner of this script: every entry of the named array, REPETITIONS times, in an order
# reversed on every other repetition, each after the servers settled; `run_entry REPETITION
# ENTRY` does one.
run_entries() {
  local -n entries="$1"
  local repetition i
  for ((repetition = 1; repetition <= REPETITIONS; repetition++)); do
    for i in $(run_order "${#entries[@]}" "$repetition"); do
      settle "$repetition" "${entries[$i]}"
      run_entry "$repetition" "${entries[$i]}" || true
    done
  done
}

# --- servers ----------------------------------------------------------------------------------

log "starting the servers on 127.0.0.1"
start_edgelite edgelite "$PORT_EDGELITE" || true
if ! have_server edgelite; then
  log "error: edgelite did not start; every measurement needs it"
  exit 1
fi
NEEDS_SQLD=0
if phase_on initial-sync || { phase_on lag && [[ " $LAG_RUNS " == *sqld* ]]; }; then NEEDS_SQLD=1; fi
if ((NEEDS_SQLD)); then start_sqld sqld "$PORT_SQLD" "$PORT_SQLD_ADMIN" || true; fi
EDGELITE_URL="$(url_of edgelite)"
mkdir -p "$WORK_DIR/replicas"
# replica.mjs initial-sync (which also brings an official replica to the head here) checks the
# `fill` table, which only the initial-sync phase fills; an empty one does when it is off.
for server in edgelite sqld; do
  have_server "$server" || continue
  "$CURL_BIN" -sS --fail --max-time 30 -o /dev/null "$(url_of "$server")/v2/pipeline" -d \
    '{"requests":[{"type":"execute","stmt":{"sql":"CREATE TABLE IF NOT EXISTS fill(id INTEGER PRIMARY KEY, v BLOB)"}},{"type":"close"}]}' ||
    log "  $server: could not create the table fill"
done

# --- reads ------------------------------------------------------------------------------------

if phase_on reads; then
  log "point reads: SDK vs raw SQLite vs native libsql, $READ_SECONDS s each (+ $READ_WARMUP_SECONDS s warm-up)"
  READS="$WORK_DIR/reads"
  mkdir -p "$READS/sdk-replica" "$READS/libsql-replica" "$READS/local"
  run_step - 600 "sync the SDK read replica" "${SDK[@]}" sync --path "$READS/sdk-replica/replica.db" \
    --sync-url "$EDGELITE_URL" --workload read-setup --check-table bench >/dev/null ||
    log "  the SDK replica for reads could not be synced"
  run_step - 600 "make the local-mode file" "${SDK[@]}" make-local --path "$READS/local/local.db" \
    --rows "$ROWS" >/dev/null || log "  the local-mode file could not be made"
  read_common=(--rows "$ROWS" --seconds "$READ_SECONDS" --warmup "$READ_WARMUP_SECONDS")
  # label -> command
  declare -A READ_COMMAND=(
    [sdk-replica-prepare]="$SDK_BENCH_BIN read --path $READS/sdk-replica/replica.db --sync-url $EDGELITE_URL --api prepare"
    [sdk-replica-execute]="$SDK_BENCH_BIN read --path $READS/sdk-replica/replica.db --sync-url $EDGELITE_URL --api execute"
    [raw-replica-autocommit]="$RAW_BENCH_BIN read --path $READS/sdk-replica/replica.db --mode autocommit"
    [raw-replica-transaction]="$RAW_BENCH_BIN read --path $READS/sdk-replica/replica.db --mode transaction"
    [sdk-local-prepare]="$SDK_BENCH_BIN read --path $READS/local/local.db --api prepare"
    [sdk-local-execute]="$SDK_BENCH_BIN read --path $READS/local/local.db --api execute"
    [raw-local-autocommit]="$RAW_BENCH_BIN read --path $READS/local/local.db --mode autocommit"
    [raw-local-transaction]="$RAW_BENCH_BIN read --path $READS/local/local.db --mode transaction"
  )
  READ_PLAN=(sdk-replica-prepare sdk-replica-execute raw-replica-autocommit raw-replica-transaction
    sdk-local-prepare sdk-local-execute raw-local-autocommit raw-local-transaction)
  if ((HAVE_NODE)); then
    READ_COMMAND[libsql-replica]="$NODE_BIN $REPLICA_DIR/point_read.mjs --path $READS/libsql-replica/replica.db --sync-url $EDGELITE_URL"
    READ_COMMAND[libsql-local]="$NODE_BIN $REPLICA_DIR/point_read.mjs --path $READS/local/local.db"
    READ_PLAN+=(libsql-replica libsql-local)
  fi
  run_entry() {
    local -a command
    read -ra command <<<"${READ_COMMAND[$2]}"
    local line
    run_step "$1" "$(sum_seconds "$READ_SECONDS" "$READ_WARMUP_SECONDS" 120)" "read $2" \
      "${command[@]}" "${read_common[@]}" --label "$2" || return 1
    line="$STEP_LINE"
    printf '  [%s/%s] %-24s %10s reads/s  %9s ns/read  errors %s\n' "$1" "$REPETITIONS" "$2" \
      "$(json_number "$line" reads_per_s)" "$(json_number "$line" ns_per_read)" \
      "$(json_number "$line" errors)" >&2
  }
  run_entries READ_PLAN
fi

# --- initial sync -----------------------------------------------------------------------------

# The replicas the later phases follow the primaries with, kept from the initial sync (or made
# by a sync of their own when that phase is off).
SDK_LIVE="$WORK_DIR/replicas/sdk-edgelite-live"
OFFICIAL_LIVE="$WORK_DIR/replicas/official-edgelite-live"
OFFICIAL_SQLD_LIVE="$WORK_DIR/replicas/official-sqld-live"
SDK_SQLD_LIVE="$WORK_DIR/replicas/sdk-sqld-live"

if phase_on initial-sync; then
  for server in edgelite sqld; do
    have_server "$server" || continue
    if ((HAVE_NODE)); then
      log "  $server: filling to $DB_MEGABYTES MB over HTTP"
      if ! run_step 0 900 "fill $server" "${REPLICA_MJS[@]}" fill --url "$(url_of "$server")" \
        --megabytes "$DB_MEGABYTES" --label "$server" >/dev/null; then
        log "  $server: the fill failed; its initial syncs are skipped"
        unset "SERVER_PORT[$server]"
      fi
    fi
  done

  INITIAL_PLAN=(sdk-edgelite copy-http)
  if have_server sqld; then INITIAL_PLAN+=(sdk-sqld); fi
  if ((HAVE_NODE)); then
    INITIAL_PLAN+=(official-edgelite)
    if have_server sqld; then INITIAL_PLAN+=(official-sqld); fi
  fi

  # The copy baseline serves the database a fresh SDK replica of edgelite holds, with its WAL
  # folded into the main file (a copy of the replica, so the replica itself is not touched).
  log "initial sync: the file for the copy baseline"
  mkdir -p "$WORK_DIR/www" "$WORK_DIR/nginx"
  if run_step - 900 "sync the copy source" "${SDK[@]}" sync --path "$WORK_DIR/copy-source/replica.db" \
    --sync-url "$EDGELITE_URL" --workload copy-source --check-table fill >/dev/null; then
    cp "$WORK_DIR/copy-source/replica.db" "$WORK_DIR/www/database.db"
    if [[ -e "$WORK_DIR/copy-source/replica.db-wal" ]]; then
      cp "$WORK_DIR/copy-source/replica.db-wal" "$WORK_DIR/www/database.db-wal"
    fi
    rm -rf "$WORK_DIR/copy-source"
    run_step - 300 "checkpoint the copy" "$RAW_BENCH_BIN" checkpoint --path "$WORK_DIR/www/database.db" \
      >/dev/null || true
    rm -f "$WORK_DIR/www/database.db-wal" "$WORK_DIR/www/database.db-shm"
    chmod -R a+rX "$WORK_DIR/www"
    echo "copy baseline: $(stat -c %s "$WORK_DIR/www/database.db") bytes served by nginx" \
      >>"$RESULTS_DIR/environment.txt"
  fi
  if [[ -x "$NGINX_BIN" && -e "$WORK_DIR/www/database.db" ]]; then
    echo "nginx: $("$NGINX_BIN" -v 2>&1 | head -n1)" >>"$RESULTS_DIR/environment.txt"
    cat >"$WORK_DIR/nginx/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $WORK_DIR/nginx/nginx.pid;
error_log $WORK_DIR/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  client_body_temp_path $WORK_DIR/nginx/client_body;
  proxy_temp_path $WORK_DIR/nginx/proxy;
  fastcgi_temp_path $WORK_DIR/nginx/fastcgi;
  uwsgi_temp_path $WORK_DIR/nginx/uwsgi;
  scgi_temp_path $WORK_DIR/nginx/scgi;
  server {
    listen 127.0.0.1:$PORT_NGINX;
    root $WORK_DIR/www;
    location = /health { return 200 "ok\n"; }
  }
}
EOF
    if start_server nginx "$PORT_NGINX" /health "$NGINX_BIN" -p "$WORK_DIR/nginx" \
      -c "$WORK_DIR/nginx/nginx.conf" -e "$WORK_DIR/nginx/error.log"; then
      SERVER_PORT[nginx]="$PORT_NGINX"
    fi
  else
    log "  no nginx or no file to serve: the copy baseline is skipped"
  fi

  # copy_http REPETITION: curl of the database from nginx into a file; its JSON line is added to
  # the results and left in STEP_LINE.
  copy_http() {
    local out line
    printf '== repetition %s: copy-http\n' "$1" >>"$RESULTS_DIR/steps.stderr"
    if ! out="$("$CURL_BIN" -sS --fail --max-time 600 -o "$WORK_DIR/replicas/copy-$1.db" \
      -w '%{time_total} %{size_download}' "http://127.0.0.1:$PORT_NGINX/database.db" \
      2>>"$RESULTS_DIR/steps.stderr")"; then
      echo "repetition $1, copy-http: curl failed" >>"$RESULTS_DIR/failures.txt"
      return 1
    fi
    rm -f "$WORK_DIR/replicas/copy-$1.db"
    line="$(awk -v t="${out% *}" -v b="${out#* }" 'BEGIN {
      printf "{\"workload\":\"initial-sync\",\"label\":\"copy-http\",\"seconds\":%.3f,\"sync_s\":%.3f,\"mb\":%.1f,\"mb_per_s\":%.1f}\n",
        t, t, b / 1048576, (t > 0 ? b / 1048576 / t : 0) }')"
    printf '{"repetition":%s,%s\n' "$1" "${line#\{}" >>"$RESULTS_FILE"
    STEP_LINE="$line"
  }

  log "initial sync: $REPETITIONS repetitions x ${#INITIAL_PLAN[@]} runs"
  run_entry() {
    local repetition="$1" name="$2" dir="$WORK_DIR/replicas/$2-$1" line server="${2#*-}"
    case "$name" in
      copy-http)
        have_server nginx || return 0
        copy_http "$repetition" || return 1
        line="$STEP_LINE" ;;
      sdk-*)
        have_server "$server" || return 0
        run_step "$repetition" 900 "$name" "${SDK[@]}" sync --path "$dir/replica.db" \
          --sync-url "$(url_of "$server")" --workload initial-sync --check-table fill \
          --label "$name" || return 1
        line="$STEP_LINE" ;;
      official-*)
        have_server "$server" || return 0
        run_step "$repetition" 900 "$name" "${REPLICA_MJS[@]}" initial-sync \
          --sync-url "$(url_of "$server")" --dir "$dir" --label "$name" || return 1
        line="$STEP_LINE" ;;
    esac
    printf '  [%s/%s] initial-sync %-18s %8s s  %8s frames  %7s MB/s\n' "$repetition" \
      "$REPETITIONS" "$name" "$(json_number "$line" seconds)" "$(or_na "$(json_number "$line" frames)")" \
      "$(json_number "$line" mb_per_s)" >&2
    # The last replica of each kind is kept for the later phases; the others only take space.
    if [[ -d "$dir" ]]; then
      rm -rf "$WORK_DIR/replicas/$name-live"
      mv "$dir" "$WORK_DIR/replicas/$name-live"
    fi
  }
  run_entries INITIAL_PLAN
  if have_server nginx; then stop_server nginx; unset "SERVER_PORT[nginx]"; fi
  rm -rf "$WORK_DIR/www"
fi

# ensure_replica KIND DIR URL: a replica in DIR at the primary's head (made now if the initial
# sync did not leave one).
ensure_replica() {
  local kind="$1" dir="$2" url="$3"
  if [[ "$kind" == sdk ]]; then
    run_step - 900 "bring $dir to the head" "${SDK[@]}" sync --path "$dir/replica.db" --sync-url "$url" \
      --workload catch-up >/dev/null
  else
    run_step - 900 "bring $dir to the head" "${REPLICA_MJS[@]}" initial-sync --sync-url "$url" \
      --dir "$dir" --label head >/dev/null
  fi
}

# --- apply rate: one backlog, caught up by each replica ----------------------------------------

if phase_on apply; then
  log "apply rate: $REPETITIONS repetitions x ${APPLY_WRITE_SECONDS} s of inserts" \
    "(c=$SUSTAIN_CONNECTIONS), then each replica catches up"
  for ((repetition = 1; repetition <= REPETITIONS; repetition++)); do
    ensure_replica sdk "$SDK_LIVE" "$EDGELITE_URL" || break
    if ((HAVE_NODE)); then ensure_replica official "$OFFICIAL_LIVE" "$EDGELITE_URL" || true; fi
    settle "$repetition" apply-write
    run_step - "$((APPLY_WRITE_SECONDS + 60))" "apply backlog writer" "$LOADGEN_BIN" run \
      --workload insert --port "$PORT_EDGELITE" --connections "$SUSTAIN_CONNECTIONS" \
      --seconds "$APPLY_WRITE_SECONDS" --warmup 0 --label apply-backlog || continue
    writer="$STEP_LINE"
    printf '{"repetition":%s,%s\n' "$repetition" "${writer#\{}" >>"$RESULTS_FILE"
    log "  [$repetition] backlog: $(json_number "$writer" requests_ok) inserts ($(json_number "$writer" rps)/s)"
    APPLY_PLAN=(sdk)
    if ((HAVE_NODE)) && [[ -d "$OFFICIAL_LIVE" ]]; then APPLY_PLAN+=(official); fi
    for i in $(run_order "${#APPLY_PLAN[@]}" "$repetition"); do
      settle "$repetition" "apply-${APPLY_PLAN[$i]}"
      if [[ "${APPLY_PLAN[$i]}" == sdk ]]; then
        run_step "$repetition" 900 "catch-up sdk" "${SDK[@]}" sync --path "$SDK_LIVE/replica.db" \
          --sync-url "$EDGELITE_URL" --workload catch-up --check-table bench_w --label sdk || continue
        line="$STEP_LINE"
      else
        # replica.mjs calls it initial-sync; on an existing replica it is the same catch-up.
        run_step - 900 "catch-up official" "${REPLICA_MJS[@]}" initial-sync \
          --sync-url "$EDGELITE_URL" --dir "$OFFICIAL_LIVE" --label official || continue
        line="$STEP_LINE"
        line="${line/\"workload\":\"initial-sync\"/\"workload\":\"catch-up\"}"
        printf '{"repetition":%s,%s\n' "$repetition" "${line#\{}" >>"$RESULTS_FILE"
      fi
      printf '  [%s/%s] catch-up %-9s %8s frames in %7s s: %8s frames/s\n' "$repetition" \
        "$REPETITIONS" "${APPLY_PLAN[$i]}" "$(json_number "$line" frames)" \
        "$(json_number "$line" sync_s)" "$(json_number "$line" frames_per_s)" >&2
    done
  done
fi

# --- sustained replication at the primary's full insert rate ----------------------------------

if phase_on sustain; then
  ensure_replica sdk "$SDK_LIVE" "$EDGELITE_URL" || true
  SUSTAIN_PLAN=()
  for mode in $SUSTAIN_MODES; do SUSTAIN_PLAN+=("sdk-$mode"); done
  if ((HAVE_NODE)); then
    ensure_replica official "$OFFICIAL_LIVE" "$EDGELITE_URL" || true
    SUSTAIN_PLAN+=(official)
  fi
  log "sustained replication: $REPETITIONS repetitions x ${SUSTAIN_SECONDS} s of inserts" \
    "(c=$SUSTAIN_CONNECTIONS): ${SUSTAIN_PLAN[*]}"
  writer_command=("$LOADGEN_BIN" run --workload insert --port "$PORT_EDGELITE" --connections
    "$SUSTAIN_CONNECTIONS" --seconds "$SUSTAIN_SECONDS" --warmup 0 --label edgelite)
  run_entry() {
    local line
    case "$2" in
      sdk-*)
        run_step "$1" "$((SUSTAIN_SECONDS + 600))" "sustain $2" "${SDK[@]}" sustain \
          --path "$SDK_LIVE/replica.db" --sync-url "$EDGELITE_URL" --mode "${2#sdk-}" \
          --label "$2" -- "${writer_command[@]}" || return 1
        line="$STEP_LINE" ;;
      official)
        run_step "$1" "$((SUSTAIN_SECONDS + 600))" "sustain official" "${REPLICA_MJS[@]}" \
          sustain --sync-url "$EDGELITE_URL" --dir "$OFFICIAL_LIVE" \
          --seconds "$SUSTAIN_SECONDS" --loadgen "$LOADGEN_BIN" --port "$PORT_EDGELITE" \
          --connections "$SUSTAIN_CONNECTIONS" --label official || return 1
        line="$STEP_LINE" ;;
    esac
    printf '  [%s/%s] sustain %-10s writes %7s rows/s  applied %7s frames/s  behind p50 %5s p95 %6s rows  catch-up %s s\n' \
      "$1" "$REPETITIONS" "$2" "$(json_number "$line" write_rps)" "$(json_number "$line" frames_per_s)" \
      "$(json_number "$line" behind_rows_p50)" "$(json_number "$line" behind_rows_p95)" \
      "$(json_number "$line" catchup_s)" >&2
  }
  run_entries SUSTAIN_PLAN
fi

# --- lag at a fixed write rate -----------------------------------------------------------------

if phase_on lag; then
  LAG_PLAN=()
  for name in $LAG_RUNS; do
    server="${name#*-}"
    have_server "$server" || { log "  lag: $name skipped ($server is not running)"; continue; }
    case "$name" in
      sdk-edgelite) ensure_replica sdk "$SDK_LIVE" "$(url_of "$server")" || continue ;;
      sdk-sqld) ensure_replica sdk "$SDK_SQLD_LIVE" "$(url_of "$server")" || continue ;;
      official-edgelite)
        ((HAVE_NODE)) || continue
        ensure_replica official "$OFFICIAL_LIVE" "$(url_of "$server")" || continue ;;
      official-sqld)
        ((HAVE_NODE)) || continue
        ensure_replica official "$OFFICIAL_SQLD_LIVE" "$(url_of "$server")" || continue ;;
      *) log "  lag: unknown run $name"; continue ;;
    esac
    LAG_PLAN+=("$name")
  done
  if ((HAVE_NODE == 0)); then
    log "  lag: the writer is bench/replica/replica.mjs write, which needs node; skipped"
    LAG_PLAN=()
  fi
  log "lag: $REPETITIONS repetitions x ${LAG_SECONDS} s at $LAG_RATE inserts/s: ${LAG_PLAN[*]}"
  run_entry() {
    local repetition="$1" name="$2" server="${2#*-}" line url
    url="$(url_of "$server")"
    local ack="$WORK_DIR/ack-$name-$repetition.log" visible="$WORK_DIR/visible-$name-$repetition.log"
    case "$name" in
      sdk-*)
        local dir="$SDK_LIVE"
        [[ "$server" == sqld ]] && dir="$SDK_SQLD_LIVE"
        run_step - "$((LAG_SECONDS + 300))" "lag $name" "${SDK[@]}" lag --path "$dir/replica.db" \
          --sync-url "$url" --visible-log "$visible" --label "$name" -- "$NODE_BIN" \
          "$REPLICA_DIR/replica.mjs" write --url "$url" --rate "$LAG_RATE" --seconds "$LAG_SECONDS" \
          --ack-log "$ack" >/dev/null || return 1 ;;
      official-*)
        local dir="$OFFICIAL_LIVE"
        [[ "$server" == sqld ]] && dir="$OFFICIAL_SQLD_LIVE"
        run_step - "$((LAG_SECONDS + 300))" "lag $name" "${REPLICA_MJS[@]}" sustain \
          --sync-url "$url" --dir "$dir" --seconds "$LAG_SECONDS" --rate "$LAG_RATE" \
          --ack-log "$ack" --visible-log "$visible" --label "$name" >/dev/null || return 1 ;;
    esac
    run_step "$repetition" 60 "lag-report $name" "${SDK[@]}" lag-report --ack-log "$ack" \
      --visible-log "$visible" --workload lag --label "$name" || return 1
    line="$STEP_LINE"
    rm -f "$ack" "$visible"
    printf '  [%s/%s] lag %-18s ack→visible p50 %7s p99 %7s ms  sent→visible p50 %7s p99 %7s ms  (%s rows)\n' \
      "$repetition" "$REPETITIONS" "$name" "$(json_number "$line" ack_visible_ms_p50)" \
      "$(json_number "$line" ack_visible_ms_p99)" "$(json_number "$line" sent_visible_ms_p50)" \
      "$(json_number "$line" sent_visible_ms_p99)" "$(json_number "$line" rows_matched)" >&2
  }
  run_entries LAG_PLAN
fi

for server in edgelite sqld; do stop_server "$server"; unset "SERVER_PORT[$server]"; done

# --- summary ----------------------------------------------------------------------------------

# cell WORKLOAD LABEL FIELD: the median, or n/a.
cell() { or_na "$(median "$1" "$2" "$3")"; }
# at_most RATIO TARGET: "met" when RATIO <= TARGET (for ratios where lower is better).
at_most() {
  awk -v v="$1" -v t="$2" 'BEGIN { if (v == "n/a" || v == "") print "—";
    else if (v + 0 <= t + 0) print "met"; else print "**missed**" }'
}

summary() {
  echo "## SDK benchmark: medians of $REPETITIONS runs"
  echo
  echo "$(sed -n 's/^host: //p' "$RESULTS_DIR/environment.txt"); servers, writers and replicas share the CPUs."
  load_line
  sed -n 's/^\(edgelite build\|sdk library\|official client\|sqld\|disk sync\): /- \1: /p' "$RESULTS_DIR/environment.txt"
  echo "- disk sync at the end: $(fsync_probe)"
  if phase_on reads; then
    echo
    echo "### Point reads by primary key ($ROWS rows, ${READ_SECONDS} s per run, one thread)"
    echo
    echo "| Reader | reads/s | ns/read | errors |"
    echo "|---|---|---|---|"
    local label
    for label in "${READ_PLAN[@]}"; do
      echo "| $label | $(cell point-read "$label" reads_per_s) | $(cell point-read "$label" ns_per_read) | $(or_na "$(total point-read "$label" errors)") |"
    done
    echo
    echo "| Ratio (ns per read) | value | target |"
    echo "|---|---|---|"
    local where
    for where in replica local; do
      local sdk_ns raw_tx raw_auto lib r1 r2 r3
      sdk_ns="$(median point-read "sdk-$where-prepare" ns_per_read)"
      raw_tx="$(median point-read "raw-$where-transaction" ns_per_read)"
      raw_auto="$(median point-read "raw-$where-autocommit" ns_per_read)"
      lib="$(median point-read "libsql-$where" ns_per_read)"
      r1="$(ratio "$sdk_ns" "$raw_tx" 1 '%.2fx')"
      r2="$(ratio "$raw_auto" "$sdk_ns" 1 '%.2fx')"
      r3="$(ratio "$lib" "$sdk_ns" 1 '%.2fx')"
      # The targets are the replica's: it knows when it applied a transaction, so it can keep a
      # read snapshot open between applies. A local-mode file is shared with writers it cannot
      # see, so each read there is its own read transaction, as in raw autocommit.
      local target_tx="—" target_auto="—"
      if [[ "$where" == replica ]]; then
        target_tx="<= 1.2x: $(at_most "$r1" 1.2)"
        target_auto=">= 5x: $(verdict "$r2" 5)"
      fi
      echo "| $where file: SDK (prepared) / raw SQLite inside one read transaction | $r1 | $target_tx |"
      echo "| $where file: raw SQLite autocommit / SDK (prepared): SDK speed-up | $r2 | $target_auto |"
      echo "| $where file: native libsql / SDK (prepared): SDK speed-up | $r3 | — |"
      echo "| $where file: SDK Execute(sql) / SDK prepared | $(ratio "$(median point-read "sdk-$where-execute" ns_per_read)" "$sdk_ns" 1 '%.2fx') | — |"
    done
  fi
  if phase_on initial-sync; then
    echo
    echo "### Initial sync of a $DB_MEGABYTES MB database (fresh replica to the primary's head)"
    echo
    echo "| Run | seconds | frames | MB | MB/s |"
    echo "|---|---|---|---|---|"
    local name
    for name in "${INITIAL_PLAN[@]}"; do
      echo "| $name | $(cell initial-sync "$name" seconds) | $(cell initial-sync "$name" frames) | $(cell initial-sync "$name" mb) | $(cell initial-sync "$name" mb_per_s) |"
    done
    local sdk_s copy_s off_sqld off_edge r_copy r_off r_off_e
    sdk_s="$(median initial-sync sdk-edgelite seconds)"
    copy_s="$(median initial-sync copy-http seconds)"
    off_sqld="$(median initial-sync official-sqld seconds)"
    off_edge="$(median initial-sync official-edgelite seconds)"
    r_copy="$(ratio "$sdk_s" "$copy_s" 1 '%.2fx')"
    r_off="$(ratio "$off_sqld" "$sdk_s" 1 '%.2fx')"
    r_off_e="$(ratio "$off_edge" "$sdk_s" 1 '%.2fx')"
    echo
    echo "| Ratio (seconds) | value | target |"
    echo "|---|---|---|"
    echo "| SDK from edgelite / curl of the file from nginx | $r_copy | <= 1.5x: $(at_most "$r_copy" 1.5) |"
    echo "| official client from sqld / SDK from edgelite: SDK speed-up | $r_off | > 1x: $(awk -v v="$r_off" 'BEGIN { if (v == "n/a") print "—"; else if (v + 0 > 1) print "met"; else print "**missed**" }') |"
    echo "| official client from edgelite / SDK from edgelite | $r_off_e | — |"
    echo "| SDK from sqld / SDK from edgelite | $(ratio "$(median initial-sync sdk-sqld seconds)" "$sdk_s" 1 '%.2fx') | — |"
  fi
  if phase_on apply; then
    echo
    echo "### Apply rate: the same backlog (${APPLY_WRITE_SECONDS} s of inserts at c=$SUSTAIN_CONNECTIONS) caught up by each replica of edgelite"
    echo
    echo "| Replica | frames | seconds | frames/s |"
    echo "|---|---|---|---|"
    echo "| SDK, Sync() | $(cell catch-up sdk frames) | $(cell catch-up sdk sync_s) | $(cell catch-up sdk frames_per_s) |"
    echo "| official client, sync() | $(cell catch-up official frames) | $(cell catch-up official sync_s) | $(cell catch-up official frames_per_s) |"
    local r_apply
    r_apply="$(ratio "$(median catch-up sdk frames_per_s)" "$(median catch-up official frames_per_s)" 1 '%.1fx')"
    echo
    echo "SDK / official client, frames/s: $r_apply (target >= 10x: $(verdict "$r_apply" 10)). Backlog writer: $(or_na "$(median insert apply-backlog rps)") inserts/s."
  fi
  if phase_on sustain; then
    echo
    echo "### Sustained: replicas following edgelite at its full insert rate (c=$SUSTAIN_CONNECTIONS, ${SUSTAIN_SECONDS} s)"
    echo
    echo "| Replica | inserts/s on the primary | frames/s applied | frames/row | rows behind p50 / p95 / max | lag ms p50 / p95 | frame_lag p50 / p95 / max (nonzero share) | catch-up s | sync calls (longest s / p95 ms) | sync errors |"
    echo "|---|---|---|---|---|---|---|---|---|---|"
    local name workload
    for name in "${SUSTAIN_PLAN[@]}"; do
      workload=sustain
      [[ "$name" == sdk-* ]] && workload="sustain-${name#sdk-}"
      local frame_lag="—"
      if [[ "$name" == sdk-* ]]; then
        frame_lag="$(cell "$workload" "$name" frame_lag_p50) / $(cell "$workload" "$name" frame_lag_p95) / $(cell "$workload" "$name" frame_lag_max) ($(cell "$workload" "$name" frame_lag_nonzero_fraction))"
      fi
      local calls="—"
      case "$name" in
        sdk-loop) calls="$(cell "$workload" "$name" sync_calls) ($(cell "$workload" "$name" sync_longest_s) s)" ;;
        official) calls="$(cell "$workload" "$name" syncs) ($(cell "$workload" "$name" sync_ms_p95) ms)" ;;
      esac
      echo "| $name | $(cell "$workload" "$name" write_rps) | $(cell "$workload" "$name" frames_per_s) | $(cell "$workload" "$name" frames_per_row) | $(cell "$workload" "$name" behind_rows_p50) / $(cell "$workload" "$name" behind_rows_p95) / $(cell "$workload" "$name" behind_rows_max) | $(cell "$workload" "$name" lag_ms_p50) / $(cell "$workload" "$name" lag_ms_p95) | $frame_lag | $(cell "$workload" "$name" catchup_s) | $calls | $(or_na "$(total "$workload" "$name" sync_errors)") |"
    done
    echo
    echo "Frames/s count from the writer's start to the last frame applied: while a replica keeps up they"
    echo "equal the write stream (not its capacity; the apply table above has that)."
  fi
  if phase_on lag; then
    echo
    echo "### Lag at $LAG_RATE inserts/s (${LAG_SECONDS} s; writer: replica.mjs write over @libsql/client HTTP)"
    echo
    echo "| Replica | acknowledged → visible ms p50 / p99 / max | visible before the ack | sent → visible ms p50 / p99 | insert ms p50 / p99 | rows | missing |"
    echo "|---|---|---|---|---|---|---|"
    local name
    for name in "${LAG_PLAN[@]}"; do
      echo "| $name | $(cell lag "$name" ack_visible_ms_p50) / $(cell lag "$name" ack_visible_ms_p99) / $(cell lag "$name" ack_visible_ms_max) | $(cell lag "$name" visible_before_ack_fraction) | $(cell lag "$name" sent_visible_ms_p50) / $(cell lag "$name" sent_visible_ms_p99) | $(cell lag "$name" write_ms_p50) / $(cell lag "$name" write_ms_p99) | $(cell lag "$name" rows_matched) | $(or_na "$(total lag "$name" rows_missing)") |"
    done
    echo
    echo "Ratio of p50 / p99 acknowledged → visible, official client from sqld / SDK live from edgelite:" \
      "$(ratio "$(median lag official-sqld ack_visible_ms_p50)" "$(median lag sdk-edgelite ack_visible_ms_p50)" 1 '%.1fx')" \
      "/ $(ratio "$(median lag official-sqld ack_visible_ms_p99)" "$(median lag sdk-edgelite ack_visible_ms_p99)" 1 '%.1fx')."
    echo "Visible: the SDK stamps a row when WaitForChange wakes for the apply that brought it; the"
    echo "official client at the end of the sync() after which it had the row. A live replica can have"
    echo "a row before the writer has read the primary's answer; such rows count as 0 ms."
  fi
  restarts_note
  if [[ -s "$RESULTS_DIR/failures.txt" ]]; then
    echo
    echo "Runs that failed (not in the medians; details in steps.stderr):"
    echo
    sed 's/^/- /' "$RESULTS_DIR/failures.txt"
  fi
  echo
  echo "Raw results: $RESULTS_FILE"
}

echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$RESULTS_DIR/environment.txt"
summary | tee "$RESULTS_DIR/summary.md"
