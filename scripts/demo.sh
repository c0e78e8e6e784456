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

scripts/build-release.sh wallarm-demo
echo
exec build/release/examples/demo/wallarm-demo "$@"
