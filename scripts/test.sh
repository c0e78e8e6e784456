#!/usr/bin/env bash
# Runs every test: the library's unit, transport and FFI checks, the Lua
# specs, the reference node's tests, the end-to-end tests in real Kong 3.4.2
# and 3.9.3 and the packaging checks in a release build with warnings as
# errors; the same again under ASan+UBSan (the e2e tests with that library
# inside Kong); the transport tests under TSan; and each fuzz target for a
# bounded time. Every stage runs even when an earlier one failed (but for the
# tests of a build that failed); the end says what failed and where its log
# is.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
jobs=$(nproc)
logs=build/test-logs

echo "scripts/test.sh: every test, in about 27 minutes on 2 cores (a first run also"
echo "builds two Kong runtimes, about a minute). Stage logs: $logs/"
scripts/deps.sh || exit 1
mkdir -p "$logs"

failed=()
# stage NAME COMMAND...: runs it with its output shown and kept in a log.
stage() {
  local name=$1 log="$logs/$1.log" start=$SECONDS
  shift
  echo "== $name"
  if "$@" 2>&1 | tee "$log"; then
    echo "== $name: ok ($((SECONDS - start)) s)"
    return 0
  fi
  echo "== $name: FAILED ($((SECONDS - start)) s), log: $log"
  failed+=("$name (log: $log)")
  return 1
}

build() {  # build <dir> <extra cmake args...> [-- <targets...>]
  local dir=$1 args=() targets=()
  shift
  while [ $# -gt 0 ] && [ "$1" != -- ]; do args+=("$1"); shift; done
  [ $# -gt 0 ] && shift && targets=(--target "$@")
  # Debian's python3, which has the python3-* packages deps.sh installs.
  cmake -S "$root" -B "$dir" -G Ninja -DWALLARM_WERROR=ON -DPython3_EXECUTABLE=/usr/bin/python3 \
    "${args[@]}" && cmake --build "$dir" -j "$jobs" "${targets[@]}"
}

# The e2e processes of the ASan build (Kong's nginx, the node) write their
# sanitizer reports here; any report fails the stage.
sanitizer_reports() {
  local reports=build/asan/tests/e2e/sanitizer-logs
  if grep -l -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$reports"/* 2>/dev/null; then
    cat "$reports"/*
    echo "sanitizer reports from the e2e processes (above)" >&2
    return 1
  fi
  echo "no sanitizer reports"
}

if stage release-build build build/release -DCMAKE_BUILD_TYPE=RelWithDebInfo; then
  stage release-tests ctest --test-dir build/release --output-on-failure -j "$jobs"
fi

if stage asan-build build build/asan -DCMAKE_BUILD_TYPE=Debug -DWALLARM_SANITIZE=address,undefined \
     -DWALLARM_BUILD_BENCH=OFF; then
  rm -rf build/asan/tests/e2e/sanitizer-logs && mkdir -p build/asan/tests/e2e/sanitizer-logs
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
    stage asan-tests ctest --test-dir build/asan --output-on-failure -j "$jobs" \
      -E 'ffi_layout|exports_match_cdef'
  stage asan-reports sanitizer_reports
fi

# Only the programs of the tests it runs.
if stage tsan-build build build/tsan -DCMAKE_BUILD_TYPE=Debug -DWALLARM_SANITIZE=thread \
     -DWALLARM_BUILD_BENCH=OFF -- unit_tests node_tests; then
  TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
    stage tsan-tests ctest --test-dir build/tsan --output-on-failure -j "$jobs" \
      -R 'transport|node server|attack_store|metrics'
fi

# About a minute and a half with the build (clang, libFuzzer, ASan+UBSan in build/fuzz).
stage fuzz scripts/fuzz.sh "${FUZZ_SECONDS:-10}"

echo
if [ ${#failed[@]} -eq 0 ]; then
  echo "scripts/test.sh: everything passed in $((SECONDS / 60)) min $((SECONDS % 60)) s."
  exit 0
fi
echo "scripts/test.sh: FAILED after $((SECONDS / 60)) min $((SECONDS % 60)) s:"
printf '  %s\n' "${failed[@]}"
exit 1
