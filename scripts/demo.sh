#!/usr/bin/env bash
# The local demo: builds the library, the reference node and the demo driver,
# and real Kong Gateway 3.4.2 from third_party/ (once, about 30 s), then runs
# Kong with the kong-lua plugin in front of a demo upstream and two reference
# nodes (monitoring and block mode), sends ordinary API calls and attacks
# through it, and prints what happened to each.
#
#   scripts/demo.sh          run the session, then stop everything
#   scripts/demo.sh --keep   keep the stack up afterwards, until Ctrl-C
#
# As root it installs the Debian packages it needs; otherwise it prints the
# apt-get line to run. Everything listens on 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/build-release.sh wallarm-demo
echo "Kong Gateway 3.4.2 (built once from third_party/, then cached):"
scripts/kong-runtime.sh 3.4.2 >/dev/null
echo
exec build/release/examples/demo/wallarm-demo "$@"
