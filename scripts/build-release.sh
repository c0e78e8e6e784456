#!/usr/bin/env bash
# Installs the Debian packages (scripts/deps.sh), configures build/release as
# scripts/test.sh does, and builds the given targets, showing progress.
#
#   scripts/build-release.sh TARGET...
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh

dir=build/release
mkdir -p build
echo "== configure: $dir (log: $dir.configure.log)"
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWALLARM_WERROR=ON \
  -DPython3_EXECUTABLE=/usr/bin/python3 \
  >"$dir.configure.log" 2>&1 || { cat "$dir.configure.log"; exit 1; }
known=$(cmake --build "$dir" --target help)
for t in "$@"; do
  if ! grep -q "^$t:" <<<"$known"; then
    echo "No target $t: a dependency is missing (see the warnings in $dir.configure.log)" >&2
    exit 1
  fi
done
echo "== build: $*"
cmake --build "$dir" -j "$(nproc)" --target "$@"
