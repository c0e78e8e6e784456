#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang, ASan and UBSan in
# build/fuzz, and runs each for a bounded time on a copy of its seed corpus
# (build/fuzz/corpus/<target>, kept across runs; the repository's corpus is
# only read). Fails if a target finds a crash, a leak or a broken invariant:
# the input that did it is then in build/fuzz/artifacts/<target>/.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET [TARGET...]]
#
# SECONDS_PER_TARGET defaults to $FUZZ_SECONDS, else 30; TARGET is
# serialize, formats, verdict, answer, message_parser, batch_parser or
# shape_parser (default: all seven).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
seconds=${1:-${FUZZ_SECONDS:-30}}
[ $# -gt 0 ] && shift
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(serialize formats verdict answer message_parser batch_parser shape_parser)
dir=build/fuzz

scripts/deps.sh

mkdir -p "$dir"
echo "== configure and build: $dir (clang, libFuzzer, ASan+UBSan)"
# -O2 with assertions kept: fast enough to fuzz, and every check still runs.
CC=clang CXX=clang++ cmake -S "$root" -B "$dir" -G Ninja -DWALLARM_WERROR=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O2 -g" \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g" -DWALLARM_SANITIZE=address,undefined \
  -DWALLARM_BUILD_FUZZ=ON -DWALLARM_BUILD_NODE=ON -DWALLARM_BUILD_TESTS=OFF \
  -DWALLARM_BUILD_BENCH=OFF >"$dir.configure.log" 2>&1 ||
  { cat "$dir.configure.log"; exit 1; }
cmake --build "$dir" -j "$(nproc)" --target "${targets[@]/#/fuzz_}"

export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1
stat_of() { sed -n "s/^stat::$1: *//p" "$log"; }  # from -print_final_stats
failed=()
for t in "${targets[@]}"; do
  corpus=$dir/corpus/$t
  artifacts=$dir/artifacts/$t
  log=$dir/fuzz_$t.log
  mkdir -p "$corpus" "$artifacts"
  cp -n tests/fuzz/corpus/"$t"/* "$corpus"/
  echo "== fuzz_$t: ${seconds}s"
  if "$dir/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=10 -max_len=4096 \
      -dict="tests/fuzz/dict/$t.dict" -artifact_prefix="$artifacts/" -print_final_stats=1 \
      "$corpus" >"$log" 2>&1; then
    echo "   $(stat_of number_of_executed_units) runs, $(stat_of average_exec_per_sec)/s," \
      "$(stat_of new_units_added) new inputs, corpus $(ls "$corpus" | wc -l) files"
  else
    tail -n 60 "$log"
    echo "   FAILED: fuzz_$t; the input: $(ls -t "$artifacts" | head -n 1 | sed "s|^|$artifacts/|")"
    failed+=("$t")
  fi
done
if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzz: findings in ${failed[*]} (reproduce: $dir/tests/fuzz/fuzz_<target> <input>)" >&2
  exit 1
fi
