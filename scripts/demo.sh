#!/usr/bin/env bash
# The local demo: builds the library, the reference node and the demo driver,
# then runs a gateway (nginx with the kong-lua plugin) in front of a demo
# upstream and two reference nodes (monitoring and block mode), sends ordinary
# API calls and attacks through it, and prints what happened to each.
#
#   scripts/demo.sh          run the session, then stop everything
#   scripts/demo.sh --keep   keep the stack up afterwards, until Ctrl-C
#
# As root it installs the Debian packages it needs; otherwise it prints the
# apt-get line to run. Everything listens on 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh

dir=build/release
mkdir -p build
echo "== configure: $dir (log: $dir.configure.log)"
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWALLARM_WERROR=ON \
  >"$dir.configure.log" 2>&1 || { cat "$dir.configure.log"; exit 1; }
targets=$(cmake --build "$dir" --target help)
if ! grep -q '^wallarm-demo:' <<<"$targets"; then
  echo "No demo target: it needs nginx with lua-nginx-module (see $dir.configure.log)" >&2
  exit 1
fi
echo "== build: the library, the reference node, the demo"
cmake --build "$dir" -j "$(nproc)" --target wallarm-demo
echo
exec "$dir/examples/demo/wallarm-demo" "$@"
