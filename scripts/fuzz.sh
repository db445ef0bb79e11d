#!/usr/bin/env bash
# Builds the libFuzzer targets (CMake preset "fuzz": clang++, ASan + UBSan)
# and runs each for SECONDS (default 60) on a copy of its seed corpus
# tests/fuzz_corpus/<target>/. Exits non-zero when any target crashes, leaks,
# times out or breaks an invariant; the failing input is saved under
# build/fuzz/artifacts/<target>/ and the command to reproduce it is printed.
#
#   scripts/fuzz.sh            # 60 s per target
#   scripts/fuzz.sh 300        # 5 min per target
#   scripts/fuzz.sh 0          # only replay the seed corpora (regression check)
#
# Environment: FUZZ_JOBS targets run at once (default: the number of CPUs);
# FUZZ_TARGETS a space-separated subset of the targets.
# The seed corpora are never written to: new inputs go to a temporary folder
# that is removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
if ! [[ "$seconds" =~ ^[0-9]+$ ]]; then
  echo "usage: scripts/fuzz.sh [SECONDS]" >&2
  exit 2
fi
jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 2)}
targets=(${FUZZ_TARGETS:-fuzz_libsvm fuzz_csv fuzz_csv_options fuzz_model fuzz_cache})
build_dir=build/fuzz
corpus_root=tests/fuzz_corpus

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz

work=$(mktemp -d "${TMPDIR:-/tmp}/logreg-fuzz-XXXXXX")
trap 'rm -rf "$work"' EXIT

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# Runs one target; its log goes to $work/<target>.log.
run_target() {
  local target=$1
  local binary=$build_dir/fuzz/$target
  local seeds=$corpus_root/$target
  local corpus=$work/$target-corpus
  local artifacts=$build_dir/artifacts/$target/
  mkdir -p "$corpus" "$artifacts"
  [ -d "$seeds" ] && cp -R "$seeds"/. "$corpus"/
  local options=(-max_total_time="$seconds")
  [ "$seconds" -eq 0 ] && options=(-runs=0)
  # A dictionary of the format's tokens: fuzz/<target>.dict, else the one of
  # the target it is a variant of (fuzz_csv_options uses fuzz_csv.dict).
  local dict=fuzz/$target.dict
  [ -f "$dict" ] || dict=fuzz/${target%_options}.dict
  [ -f "$dict" ] && options+=(-dict="$dict")
  "$binary" "$corpus" "${options[@]}" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$artifacts" >"$work/$target.log" 2>&1
}

declare -A pids=()
for target in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
  echo "fuzz: $target for ${seconds}s"
  run_target "$target" &
  pids[$target]=$!
done

failed=()
for target in "${targets[@]}"; do
  if wait "${pids[$target]}"; then
    summary=$(grep -E '^(#[0-9]+.*(DONE|INITED)|stat::number_of_executed_units)' "$work/$target.log" | tail -2 | tr '\n' ' ')
    echo "fuzz: $target ok: $summary"
  else
    failed+=("$target")
    echo "fuzz: $target FAILED; last lines of its log:" >&2
    tail -n 60 "$work/$target.log" >&2
    for artifact in "$build_dir/artifacts/$target"/*; do
      [ -e "$artifact" ] || continue
      echo "fuzz: reproduce with: $build_dir/fuzz/$target $artifact" >&2
    done
  fi
done

if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzz: failures in: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: all ${#targets[@]} targets ran ${seconds}s without a finding"
