#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ (clang, CPU only, every library instrumented for coverage
# with ASan and UBSan) in build-fuzz/ (or $TESSEL_FUZZ_BUILD_DIR) and runs each for SECONDS
# (default 60), one after the other, starting from its committed seeds and what earlier runs here
# found (build-fuzz/corpus/). Prints each target's executions, rate, coverage and findings, and
# exits non-zero when any target crashed, leaked, hung or ran away with memory: its input is in
# build-fuzz/findings/<target>/; commit it under fuzz/regressions/<target>/ and fix the parser
# (tests/fuzz/corpus_test.cpp replays that folder in every test run).
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]   (targets: the fuzz/*_fuzz.cpp names)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift $(($# > 0 ? 1 : 0))
build=${TESSEL_FUZZ_BUILD_DIR:-build-fuzz}

scripts/install_packages.sh clang-14 libclang-rt-14-dev libomp-14-dev
CXX=clang++-14 TESSEL_BUILD_DIR=$build TESSEL_BUILD_TARGET=tessel_fuzzers scripts/build.sh \
  -DTESSEL_CUDA=OFF -DTESSEL_FUZZ=ON -DTESSEL_BUILD_TESTS=OFF -DTESSEL_BUILD_BENCH=OFF

# Seeds besides fuzz/corpus/<target>: the decoders' test files and the shipped recipes.
extra_seeds() {
  case $1 in
    image | mask) echo tests/fixtures/png tests/fixtures/bad ;;
    recipe) echo recipes ;;
  esac
}
dict_of() {
  case $1 in
    image | mask) echo fuzz/dicts/image.dict ;;
    json | safetensors | dataset_index) echo fuzz/dicts/json.dict ;;
    recipe) echo fuzz/dicts/recipe.dict ;;
  esac
}

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in fuzz/*_fuzz.cpp; do targets+=("$(basename "$f" _fuzz.cpp)"); done
fi
failed=()
printf '%-14s %8s %10s %8s %6s %6s  %s\n' target seconds executions exec/s cov features result
for t in "${targets[@]}"; do
  corpus=$build/corpus/$t findings=$build/findings/$t log=$build/logs/$t.log
  mkdir -p "$corpus" "$findings" "$(dirname "$log")"
  dict=$(dict_of "$t")
  # A hang is an input taking over 10 s; 2.5 GB is far above any decode the targets allow.
  status=0
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} "$build/fuzz/fuzz_$t" -max_total_time="$seconds" \
    -timeout=10 -rss_limit_mb=2560 -print_final_stats=1 -artifact_prefix="$findings/" \
    ${dict:+-dict=$dict} "$corpus" "fuzz/corpus/$t" $(extra_seeds "$t") >"$log" 2>&1 || status=$?
  done_line=$(grep -E '^#[0-9]+[[:space:]]+(DONE|pulse|NEW|REDUCE)' "$log" | tail -1 || true)
  stat() { grep -E "^stat::$1:" "$log" | awk '{print $2}'; }
  cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$done_line")
  ft=$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$done_line")
  result=ok
  if [ "$status" -ne 0 ]; then
    result="FAILED (exit $status): $(grep -m1 -E 'ERROR|SUMMARY|==[0-9]+==' "$log" || tail -1 "$log")"
    failed+=("$t")
  fi
  printf '%-14s %8s %10s %8s %6s %6s  %s\n' "$t" "$seconds" "$(stat number_of_executed_units)" \
    "$(stat average_exec_per_sec)" "${cov:-?}" "${ft:-?}" "$result"
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: ${failed[*]} failed; logs in $build/logs/, inputs in $build/findings/" >&2
  exit 1
fi
