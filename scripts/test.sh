#!/usr/bin/env bash
# Runs every test: the library's unit, transport and FFI checks in a release
# build with warnings as errors, again under ASan+UBSan, and the transport
# tests under TSan.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
jobs=$(nproc)

scripts/deps.sh

build() {  # build <dir> <extra cmake args...>
  local dir=$1
  shift
  echo "== configure and build: $dir $*"
  cmake -S "$root" -B "$dir" -G Ninja -DWALLARM_WERROR=ON "$@" >"$dir.configure.log" 2>&1 ||
    { cat "$dir.configure.log"; return 1; }
  cmake --build "$dir" -j "$jobs"
}

mkdir -p build
build build/release -DCMAKE_BUILD_TYPE=RelWithDebInfo
echo "== tests (release)"
ctest --test-dir build/release --output-on-failure -j "$jobs"

build build/asan -DCMAKE_BUILD_TYPE=Debug -DWALLARM_SANITIZE=address,undefined -DWALLARM_BUILD_BENCH=OFF
echo "== tests (ASan+UBSan)"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build/asan --output-on-failure -j "$jobs" -E 'ffi_layout|exports_match_cdef'

build build/tsan -DCMAKE_BUILD_TYPE=Debug -DWALLARM_SANITIZE=thread -DWALLARM_BUILD_BENCH=OFF
echo "== tests (TSan: transport, node server)"
TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
  ctest --test-dir build/tsan --output-on-failure -j "$jobs" -R 'transport|node server|attack_store|metrics'
