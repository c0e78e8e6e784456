#!/usr/bin/env bash
# The performance suite (docs/performance.md): the micro-benchmarks of
# serialization and verdict decoding, then the gateway benchmark: real Kong
# 3.4.2 (scripts/kong-runtime.sh) with one worker, without the plugin, with it
# (blocking and out of band), and with a plain-Lua cosocket connector, driven
# by wrk on 127.0.0.1; a slow node, large bodies, a node with CRS, and a
# bounded soak. About 10 minutes.
#
#   scripts/bench.sh [bench_gateway options]   e.g. --reps 5, --soak 0, --only none,blocking
#
# As root it installs the Debian packages it needs (wrk among them);
# otherwise it prints the apt-get line to run.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/build-release.sh bench_message bench_gateway
scripts/kong-runtime.sh 3.4.2 >/dev/null
dir=build/release

echo
echo "== machine"
echo "$(nproc) CPUs: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
echo "kernel $(uname -r); $(nginx -v 2>&1); $(curl-config --version 2>/dev/null || true)"
echo "load average now: $(cut -d' ' -f1-3 /proc/loadavg)"

echo
echo "== micro-benchmarks (median of 5)"
"$dir/tests/bench/bench_message" --benchmark_repetitions=5 \
  --benchmark_report_aggregates_only=true 2>/dev/null |
  grep -E '^(Benchmark|-|.*_median)'

echo
echo "== gateway"
exec "$dir/tests/bench/bench_gateway" "$@"
