#!/usr/bin/env bash
# Runs each test of the Lua specs alone, in a busted process of its own, to
# show that none depends on another having run first (ctest runs each spec
# whole, its tests shuffled). From anywhere, after a build:
#   tests/lua/each_alone.sh [build dir (build/release)] [spec.lua ...]
# Prints one line per test and exits non-zero if any failed.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-$root/build/release}
[ $# -gt 0 ] && shift
build=$(cd "$build" && pwd) || exit 2
specs=("$@")
[ ${#specs[@]} -gt 0 ] || specs=("$here"/*_spec.lua)

export WALLARM_SOURCE_DIR=$root
export WALLARM_LIBRARY=${WALLARM_LIBRARY:-$build/libwallarm/libwallarm.so}
export WALLARM_REFERENCE_NODE=${WALLARM_REFERENCE_NODE:-$build/examples/reference-node/wallarm-reference-node}
export WALLARM_FAKE_ABI_LIBRARY=${WALLARM_FAKE_ABI_LIBRARY:-$build/tests/lua/libwallarm_lua_fake_abi.so}
export LUA_PATH="$root/ffi/?.lua;$here/?.lua;;"
# busted under LuaJIT itself: --lua=luajit would run it again through a
# shell that splits a --filter with spaces.
busted=(luajit "$(command -v busted)")

failed=0 total=0
for spec in "${specs[@]}"; do
  # "file.lua:LINE: full name" per test; the name, as a Lua pattern that
  # matches it exactly.
  while IFS= read -r line; do
    name=${line#*: }
    pattern="^$(printf '%s' "$name" | sed 's/[][^$().*+?%-]/%&/g')\$"
    total=$((total + 1))
    if out=$("${busted[@]}" --filter="$pattern" "$spec" 2>&1) &&
       grep -q '^1 success / 0 failures / 0 errors' <<<"$out"; then
      echo "ok    $(basename "$spec"): $name"
    elif grep -q '^0 successes / 0 failures / 0 errors / 1 pending' <<<"$out"; then
      echo "skip  $(basename "$spec"): $name"
    else
      failed=$((failed + 1))
      echo "FAIL  $(basename "$spec"): $name"
      sed 's/^/      /' <<<"$out"
    fi
  done < <("${busted[@]}" --list "$spec" | grep -E '^[^:]+:[0-9]+: ')
done
echo "$((total - failed)) of $total tests passed alone"
[ "$failed" -eq 0 ]
