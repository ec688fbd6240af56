#!/bin/sh
# Runs every libFuzzer binary of a -DSIGIL_FUZZ=ON build for a bounded time
# (make fuzz). Usage: run_fuzzers.sh <build-dir> <seconds-per-target> <parallel> [target...]
#
# Each target starts from its seed corpus (tests/fuzz/corpus/<target>), copied
# into <build-dir>/fuzz-corpus/<target> so the repository's seeds are never
# mutated; inputs found earlier in that scratch corpus are kept for the next
# run. Crash, leak, timeout and out-of-memory inputs are written to
# <build-dir>/artifacts/<target>-*; the full output is in
# <build-dir>/fuzz-logs/<target>.log. Exits non-zero if any target failed.
set -eu

build=$1
seconds=$2
parallel=$3
shift 3
src=$(cd "$(dirname "$0")" && pwd)

if [ $# -eq 0 ]; then
  for f in "$src"/fuzz_*.cpp; do
    t=$(basename "$f" .cpp)
    set -- "$@" "${t#fuzz_}"
  done
fi

mkdir -p "$build/artifacts" "$build/fuzz-logs" "$build/fuzz-corpus"

# UBSan reports are failures, not warnings.
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"

run_one() {
  t=$1
  bin="$build/tests/sigil_fuzz_$t"
  corpus="$build/fuzz-corpus/$t"
  log="$build/fuzz-logs/$t.log"
  if [ ! -x "$bin" ]; then
    echo "FAIL $t: $bin is missing (configure with -DSIGIL_FUZZ=ON and build it)"
    return 1
  fi
  mkdir -p "$corpus"
  cp "$src/corpus/$t"/* "$corpus/"
  # -timeout: one input taking over 10 s is a finding (sanitized -O1 code);
  # -rss_limit_mb: so is a process above 2 GiB.
  if "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$build/artifacts/$t-" "$corpus" >"$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
    echo "PASS $t: $runs runs, $rate exec/s, $cov, corpus $(ls "$corpus" | wc -l) inputs"
  else
    echo "FAIL $t (log: $log; inputs: $build/artifacts/$t-*)"
    grep -E 'ERROR: |SUMMARY: |runtime error|Test unit written' "$log" | head -n 20 | sed 's/^/  /'
    return 1
  fi
}

failed=0
if [ "$parallel" -le 1 ]; then
  for t in "$@"; do
    run_one "$t" || failed=1
  done
else
  # A few at a time; each target's result line is printed when it ends.
  status_dir=$(mktemp -d)
  trap 'rm -rf "$status_dir"' EXIT
  running=0
  for t in "$@"; do
    (run_one "$t" >"$status_dir/$t.out" 2>&1 || touch "$status_dir/$t.failed"; cat "$status_dir/$t.out") &
    running=$((running + 1))
    if [ "$running" -ge "$parallel" ]; then
      wait
      running=0
    fi
  done
  wait
  for t in "$@"; do
    if [ -e "$status_dir/$t.failed" ]; then failed=1; fi
  done
fi
exit $failed
