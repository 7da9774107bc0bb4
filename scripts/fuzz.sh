#!/usr/bin/env bash
# Fuzzes the SQL-text paths (the sequence splitter, the statement classifier, statement facts and
# argument binding) with libFuzzer, each target for a fixed budget. Builds the harnesses in fuzz/ with
# clang, -fsanitize=fuzzer,address,undefined, into build-fuzz/ (the main build never needs clang).
# Exits non-zero on any crash, hang, leak or invariant violation, and prints how to reproduce it.
#
#   scripts/fuzz.sh [--seconds N] [TARGET...]     N seconds per target (default 60)
#
# Inputs that found new coverage are kept in build-fuzz/corpus/TARGET/, so a later run starts from
# them; the seeds are in fuzz/corpus/TARGET/.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=60
targets=()
while (($#)); do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) targets+=("$1"); shift ;;
  esac
done
((${#targets[@]})) || targets=(sql_text_fuzzer statement_fuzzer)

# Debian 12 ships libFuzzer's runtime (and the sanitizers') for clang 14 in libclang-rt-14-dev.
scripts/setup.sh clang libclang-rt-14-dev

cmake -S fuzz -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ >/dev/null
cmake --build build-fuzz -j "$(nproc)" --target "${targets[@]}"

failed=0
for target in "${targets[@]}"; do
  corpus="build-fuzz/corpus/$target"
  artifacts="$PWD/build-fuzz/artifacts/$target"
  work="build-fuzz/work/$target"  # the fuzzer's working directory: any file SQL manages to make
  log="$PWD/build-fuzz/$target.log"
  mkdir -p "$corpus" "$artifacts" "$work"
  echo "fuzz: $target for ${seconds}s (log: build-fuzz/$target.log)"
  # -timeout: one input running longer is a hang (the harness cuts legitimately slow SQL off at
  # 200 ms). -max_len keeps inputs SQL-sized; the unit tests cover the huge ones.
  status=0
  (cd "$work" && "../../$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -max_len=8192 -dict=../../../fuzz/sql.dict -artifact_prefix="$artifacts/" \
    -print_final_stats=1 "../../corpus/$target" "../../../fuzz/corpus/$target") >"$log" 2>&1 ||
    status=$?
  grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)|^#[0-9]+ *DONE' "$log" |
    sed 's/^/  /' || true
  if ((status != 0)); then
    failed=1
    grep -E -A4 '^invariant violated' "$log" | sed 's/^/  /' || true
    grep -E '^==[0-9]+==ERROR|^SUMMARY|ALARM' "$log" | sed 's/^/  /' || true
    for artifact in $(grep -oE 'Test unit written to \S+' "$log" | awk '{print $5}'); do
      echo "  reproduce: build-fuzz/$target $artifact"
    done
  fi
done
exit "$failed"
