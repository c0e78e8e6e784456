#!/usr/bin/env bash
# Runs every test: the library's unit, transport and FFI checks in a release
# build with warnings as errors, again under ASan+UBSan (the e2e tests with
# that library inside nginx), the transport tests under TSan, and then each
# fuzz target for a bounded time.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
jobs=$(nproc)

scripts/deps.sh

build() {  # build <dir> <extra cmake args...>
  local dir=$1
  shift
  echo "== configure and build: $dir $*"
  # Debian's python3, which has the python3-* packages deps.sh installs.
  cmake -S "$root" -B "$dir" -G Ninja -DWALLARM_WERROR=ON -DPython3_EXECUTABLE=/usr/bin/python3 \
    "$@" >"$dir.configure.log" 2>&1 ||
    { cat "$dir.configure.log"; return 1; }
  cmake --build "$dir" -j "$jobs"
}

mkdir -p build
build build/release -DCMAKE_BUILD_TYPE=RelWithDebInfo
echo "== tests (release)"
ctest --test-dir build/release --output-on-failure -j "$jobs"

build build/asan -DCMAKE_BUILD_TYPE=Debug -DWALLARM_SANITIZE=address,undefined -DWALLARM_BUILD_BENCH=OFF
echo "== tests (ASan+UBSan)"
# The e2e tests load this build of the library into nginx; nginx and the
# node write their sanitizer reports under sanitizer-logs.
reports=build/asan/tests/e2e/sanitizer-logs
rm -rf "$reports" && mkdir -p "$reports"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build/asan --output-on-failure -j "$jobs" -E 'ffi_layout|exports_match_cdef'
if grep -l -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$reports"/* 2>/dev/null; then
  cat "$reports"/*
  echo "sanitizer reports from the e2e processes (above)" >&2
  exit 1
fi

build build/tsan -DCMAKE_BUILD_TYPE=Debug -DWALLARM_SANITIZE=thread -DWALLARM_BUILD_BENCH=OFF
echo "== tests (TSan: transport, node server)"
TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
  ctest --test-dir build/tsan --output-on-failure -j "$jobs" -R 'transport|node server|attack_store|metrics'

# About 2 minutes with the build (clang, libFuzzer, ASan+UBSan in build/fuzz).
echo "== fuzz (bounded)"
scripts/fuzz.sh "${FUZZ_SECONDS:-20}"
