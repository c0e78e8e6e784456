#!/usr/bin/env bash
# Installs the Debian 12 packages the build and the tests need, or, when not
# run as root, prints the command that would.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config binutils dpkg-dev python3 python3-yaml
  python3-jsonschema python3-grpcio
  libcurl4-openssl-dev libsimdjson-dev libssl-dev
  libluajit2-5.1-dev luajit2 lua-busted
  nginx libnginx-mod-http-lua lua-resty-core lua-cjson wrk
  doctest-dev libbenchmark-dev clang libclang-rt-14-dev
  libmodsecurity-dev modsecurity-crs libcpp-httplib-dev nlohmann-json3-dev
  # real Kong on Debian's nginx (scripts/kong-runtime.sh)
  nginx-dev libpcre3-dev liblmdb-dev zlib1g-dev patch perl lua-resty-lrucache
  lua-penlight lua-yaml lua-lpeg lua-socket lua-inspect lua-binaryheap lua-ansicolors
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "Missing Debian packages. Install them with:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "Installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
