#!/usr/bin/env bash
# The performance suite (docs/performance.md): the micro-benchmarks of
# serialization and verdict decoding, then the gateway benchmark: real Kong
# 3.4.2 (scripts/kong-runtime.sh) with one worker, driven by wrk on 127.0.0.1.
# The connector's cost, against a pass node (plain nginx answering 200) and in
# node format v1: no plugin, kong-lua and the plain-Lua baseline connector,
# each blocking and out of band, at saturation and at 2,000 and 4,000 req/s
# (one schedule over all connections), with the CPU each adds per request and
# the targets as ratios; kong-lua in node format mirror at saturation. End
# to end against the reference node: as is, with the CRS, slow (5 ms), large
# bodies. Then a soak of 1,000,000 requests through kong-lua. About 12
# minutes: 25 configurations x 3 repetitions x 5 s (7 minutes), the soak (3
# to 5), the micro-benchmarks (1).
#
#   scripts/bench.sh [bench_gateway options]
#     --reps N (3) --seconds S (5)     repetitions (interleaved) and run length
#     --rates 2000,4000                fixed load levels besides saturation; 0: none
#     --connections C (32)             wrk connections at every level
#     --soak REQUESTS (1000000)        0: no soak
#     --only none,blocking,...         the gateways to start (bench_gateway --help)
#     --plugin-config JSON             merged into every kong-lua configuration
#     --kong 3.4.2|3.9.3
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
