#!/usr/bin/env bash
# The Debian package installs into a scratch root, where ldconfig finds the
# library, pkg-config metadata and the plugin files are where Kong and
# builders look, and every shared library it needs resolves.
#   check_deb.sh <build dir> <project version> <ABI version>
set -euo pipefail
build=$1
version=$2
soname=libwallarm.so.$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cpack -G DEB --config "$build/CPackConfig.cmake" -B "$work/out" >"$work/cpack.log" 2>&1 ||
  { cat "$work/cpack.log"; exit 1; }
deb=$(ls "$work"/out/*.deb)
echo "package: $(basename "$deb")"
dpkg-deb --field "$deb" Package Version Depends

root="$work/root"
dpkg-deb -x "$deb" "$root"
so=$(cd "$root" && find . -name "$soname" | head -1)
[ -n "$so" ] || { echo "no $soname in the package" >&2; exit 1; }
libdir=$(dirname "${so#./}")/
mkdir -p "$root/etc"
echo "/$libdir" > "$root/etc/ld.so.conf"
ldconfig -r "$root"
if ! ldconfig -r "$root" -p | grep -q "$soname "; then
  echo "ldconfig in the scratch root does not list $soname" >&2
  ldconfig -r "$root" -p >&2
  exit 1
fi
ldconfig -r "$root" -p | grep libwallarm

fail=0
need() {
  if [ ! -e "$root/$1" ]; then
    echo "missing from the package: /$1" >&2
    fail=1
  fi
}
need "usr/include/wallarm.h"
need "${libdir}pkgconfig/wallarm.pc"
need "${libdir}libwallarm.so"  # the name ffi.load("wallarm") opens
need "usr/bin/wallarm-node-check"
for f in handler.lua schema.lua messages.lua counters.lua status_api.lua wallarm.lua wallarm_waiters.lua \
         wallarm_cdef.lua; do
  need "usr/share/lua/5.1/kong/plugins/kong-lua/$f"
done
grep -q "^Version: $version\$" "$root/${libdir}pkgconfig/wallarm.pc" ||
  { echo "wallarm.pc does not say Version: $version" >&2; fail=1; }
if ldd "$root/${libdir}$soname" | grep -q "not found"; then
  echo "unresolved dependencies:" >&2
  ldd "$root/${libdir}$soname" >&2
  fail=1
fi
# The check tool finds the library the package installed.
if LD_LIBRARY_PATH="$root/$libdir" ldd "$root/usr/bin/wallarm-node-check" | grep -q "not found"; then
  echo "wallarm-node-check: unresolved dependencies" >&2
  fail=1
fi
exit $fail
