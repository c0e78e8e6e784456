#!/usr/bin/env bash
# Builds a runtime for real open-source Kong Gateway (3.4.2 or 3.9.3) on Debian's nginx + ngx_lua +
# luajit2, from the pinned sources in third_party/, into a cache shared by all callers.
# Usage: scripts/kong-runtime.sh VERSION
# The runtime directory is the last line of stdout; progress and errors go to stderr.
# Its kong.conf.runtime holds the kong.conf lines every configuration on it must carry.
# Cache root: $WALLARM_KONG_RUNTIME_CACHE, else /var/cache/wallarm-kong-runtime (root) or
# ${XDG_CACHE_HOME:-~/.cache}/wallarm-kong-runtime. KEEP_BUILD=1 keeps a failed build's directory.
set -euo pipefail
umask 022

VERSION=${1:-}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
TP=$ROOT/third_party
AUX=$ROOT/scripts/kong-runtime
SELF=$ROOT/scripts/kong-runtime.sh

log() { echo "kong-runtime: $*" >&2; }
die() { echo "kong-runtime: error: $*" >&2; exit 1; }

# --- what each Kong release needs, at its pins (see third_party/MANIFEST.md) ---------------------
# LUA entries: "folder:path" copies a file or directory into lualib/; a trailing / copies its contents.
case $VERSION in
  3.4.2)
    OPENRESTY=1.21.4.1
    KONG=kong-3.4.2
    KNM=lua-kong-nginx-module-0.6.0
    LMDB=lua-resty-lmdb-1.3.0
    EVENTS=lua-resty-events-0.2.0
    CJSON=lua-cjson-2.1.0.10
    PB=lua-protobuf-0.5.0
    RESTY_CLI=resty-cli-0.28
    NGX_LUA_SRC=
    ADA=
    # Kong's own patches to OpenResty's bundled libraries: "folder:patch in the Kong tree"
    KONG_PATCHES=(
      lua-resty-dns-0.22:lua-resty-dns-0.22_01-destroy_resolver.patch
      lua-cjson-2.1.0.10:lua-cjson-2.1.0.10_01-empty_array.patch
      lua-cjson-2.1.0.10:lua-cjson-2.1.0.10_02-handle-large-string-correctly.patch
    )
    LUA=(
      lua-resty-dns-0.22:lib/ lua-resty-lock-0.08:lib/ lua-resty-upload-0.10:lib/
      lua-resty-string-0.15:lib/ lua-tablepool-0.02:lib/
      lua-resty-http-0.17.1:lib/ lua-resty-openssl-0.8.23:lib/ lua-resty-healthcheck-1.6.2:lib/
      lua-resty-timer-ng-0.2.5:lib/ lua-ffi-zlib-0.5:lib/ lapis-1.14.0.2:lapis
    )
    ;;
  3.9.3)
    OPENRESTY=1.25.3.2
    KONG=kong-3.9.3
    KNM=lua-kong-nginx-module-0.13.2
    LMDB=lua-resty-lmdb-1.6.0
    EVENTS=lua-resty-events-0.3.1
    CJSON=lua-cjson-2.1.0.13
    PB=lua-protobuf-0.5.2
    RESTY_CLI=resty-cli-0.30
    # headers of the ngx_lua release Debian ships: lua-kong-nginx-module 0.13 compiles against them
    NGX_LUA_SRC=lua-nginx-module-0.10.23
    ADA=ada-2.9.2
    KONG_PATCHES=(
      lua-cjson-2.1.0.13:lua-cjson-2.1.0.13_01-error-on-t_end.patch
    )
    LUA=(
      lua-resty-dns-0.23:lib/ lua-resty-lock-0.09:lib/ lua-resty-upload-0.11:lib/
      lua-resty-string-0.15:lib/ lua-tablepool-0.03:lib/ lua-resty-redis-0.30:lib/
      lua-resty-http-0.17.2:lib/ lua-resty-openssl-1.5.1:lib/ lua-resty-healthcheck-3.1.0:lib/
      lua-resty-timer-ng-0.2.7:lib/ lua-ffi-zlib-0.6:lib/ lapis-1.16.0.1:lapis
      lua-resty-ada-1.1.0:lib/ lua-resty-ljsonschema-1.2.0:src/ neturl-1.2:lib/
    )
    ;;
  *) die "usage: scripts/kong-runtime.sh VERSION (VERSION = 3.4.2 or 3.9.3)" ;;
esac
# used at the same pin by both releases
LUA+=(
  "$KNM:lualib/" "$LMDB:lib/" "$EVENTS:lualib/"
  lua-resty-jit-uuid-0.0.7:lib/ lua-resty-ipmatcher-0.6.1:resty lua-resty-counter-0.2.1:lib/
  lua-resty-timer-1.1.0:lib/ lua-multipart-0.5.9:src/ version.lua-1.0.1:src/
  luaxxhash-1.0.0:luaxxhash.lua etlua-1.3.0:etlua.lua loadkit-1.1.0:loadkit.lua date-2.2.1:src/
  "$PB:protoc.lua" pgmoon-1.16.0:pgmoon
)
PACK=lua-pack-2.0.0
SYSCONST=lua-system-constants-0.1.4

FOLDERS=("$KONG" "$KNM" "$LMDB" "$EVENTS" "$CJSON" "$PB" "$RESTY_CLI" "$PACK" "$SYSCONST")
[ -n "$NGX_LUA_SRC" ] && FOLDERS+=("$NGX_LUA_SRC")
[ -n "$ADA" ] && FOLDERS+=("$ADA")
for e in "${LUA[@]}"; do FOLDERS+=("${e%%:*}"); done
mapfile -t FOLDERS < <(printf '%s\n' "${FOLDERS[@]}" | LC_ALL=C sort -u)

# Debian packages: nginx + ngx_lua + luajit2 at run time, the toolchain and headers to build against
# them, and the pure-Lua libraries Debian ships at (or near) Kong's pins.
PKGS=(
  nginx libnginx-mod-http-lua lua-resty-core lua-resty-lrucache libluajit2-5.1-dev
  nginx-dev libssl-dev libpcre3-dev liblmdb-dev zlib1g-dev gcc g++ make patch perl
  lua-penlight lua-yaml lua-lpeg lua-socket lua-inspect lua-binaryheap lua-ansicolors
)

for f in "${FOLDERS[@]}"; do
  [ -d "$TP/$f" ] || die "vendored folder third_party/$f is missing (needed by Kong $VERSION)"
done

# --- cache key -------------------------------------------------------------------------------------
pkgver() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || true; }
NGINX_VER=$(pkgver nginx)
NGX_LUA_VER=$(pkgver libnginx-mod-http-lua)

# our patches are named third_party/patches/<folder>-<what>.patch
OUR_PATCHES=() OUR_PATCH_FILES=()
for f in "${FOLDERS[@]}"; do
  for p in "$TP/patches/$f"-*.patch; do
    [ -f "$p" ] && OUR_PATCHES+=("$f:$p") && OUR_PATCH_FILES+=("$p")
  done
done

# every input file (path and content), plus the Debian builds the modules are compiled against
input_hash() {
  {
    (cd "$ROOT" && find "${FOLDERS[@]/#/third_party/}" scripts/kong-runtime -type f -print0 \
       | LC_ALL=C sort -z | xargs -0 sha256sum)
    sha256sum "$SELF" "${OUR_PATCH_FILES[@]}" | sed "s|$ROOT/||"
    echo "nginx=$NGINX_VER ngx_lua=$NGX_LUA_VER luajit=$(pkgver libluajit2-5.1-dev)"
  } | sha256sum | cut -c1-12
}

if [ -n "${WALLARM_KONG_RUNTIME_CACHE:-}" ]; then
  CACHE=$WALLARM_KONG_RUNTIME_CACHE
elif [ "$(id -u)" -eq 0 ]; then
  CACHE=/var/cache/wallarm-kong-runtime
else
  CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/wallarm-kong-runtime
fi

runtime_name() { echo "kong-$VERSION-nginx-${NGINX_VER:-none}-$(input_hash)"; }

NAME=$(runtime_name)
RT=$CACHE/$NAME
if [ -f "$RT/runtime.json" ]; then
  echo "$RT"
  exit 0
fi

# --- Debian packages ---------------------------------------------------------------------------------
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    log "error: missing Debian packages (${missing[*]}); install them as root with:"
    echo "apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
  log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 || die "step 'apt-get update' failed"
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || die "step 'apt-get install' failed for: ${missing[*]}"
  # the key names the installed nginx and ngx_lua
  NGINX_VER=$(pkgver nginx)
  NGX_LUA_VER=$(pkgver libnginx-mod-http-lua)
  NAME=$(runtime_name)
  RT=$CACHE/$NAME
fi

# the vendored ngx_lua headers must describe the ngx_lua binary Debian ships
if [ -n "$NGX_LUA_SRC" ]; then
  upstream=${NGX_LUA_VER#*:}; upstream=${upstream%%-*}
  [ "$NGX_LUA_SRC" = "lua-nginx-module-$upstream" ] \
    || die "libnginx-mod-http-lua is $NGX_LUA_VER but third_party/$NGX_LUA_SRC is vendored: vendor lua-nginx-module $upstream"
fi

# --- one build at a time per runtime (ctest runs tests in parallel) ----------------------------------
mkdir -p "$CACHE"
chmod 0755 "$CACHE" 2>/dev/null || true
exec 9>"$CACHE/.$NAME.lock"
flock 9
if [ -f "$RT/runtime.json" ]; then
  echo "$RT"
  exit 0
fi

START=$(date +%s)
OUT=$(mktemp -d "$CACHE/.$NAME.tmp.XXXXXX")
trap '[ -n "${KEEP_BUILD:-}" ] || rm -rf "$OUT"' EXIT
B=$OUT/build
mkdir -p "$B/logs" "$B/src" "$OUT"/{bin,lib,lualib,modules,openresty/bin,openresty/nginx/sbin}
log "building Kong $VERSION runtime in $RT"

# run a build step with its output in a log; on failure name the step and show the log's tail
step() {
  local name=$1; shift
  local logf="$B/logs/${name// /-}.log" rc
  # a subshell outside any if/||, so that set -e holds inside the step's functions
  set +e
  (set -e; "$@") >"$logf" 2>&1
  rc=$?
  set -e
  if [ $rc -ne 0 ]; then
    # the first compiler/patch/shell complaint usually names what is missing
    local why
    why=$(grep -m1 -E 'fatal error|No such file|not found|undefined reference|FAILED|malformed|error:' "$logf" \
          | sed -E 's/^.*(fatal error|error): //' | cut -c1-160 || true)
    echo "kong-runtime: error: step '$name' failed${why:+: $why} (log tail below)" >&2
    tail -n 25 "$logf" | sed 's/^/  | /' >&2
    exit 1
  fi
}

# work on copies: vendored files are never edited in place
copy_sources() {
  local f
  for f in "${FOLDERS[@]}"; do cp -a "$TP/$f" "$B/src/$f"; done
}
apply_patches() {
  local e f p
  for e in "${KONG_PATCHES[@]}"; do
    f=${e%%:*}; p=$TP/$KONG/build/openresty/patches/${e#*:}
    [ -f "$p" ] || { echo "missing $p"; return 1; }
    echo "== $p"; patch -p3 -N -d "$B/src/$f" <"$p"
  done
  for e in "${OUR_PATCHES[@]}"; do
    f=${e%%:*}; p=${e#*:}
    echo "== $p"; patch -p1 -N -d "$B/src/$f" <"$p"
  done
}
step "copy sources" copy_sources
step "apply patches" apply_patches
S=$B/src

# --- Lua trees -------------------------------------------------------------------------------------
install_lua() {
  local e f p
  cp -a "$S/$KONG/kong" "$OUT/lualib/"
  cp -a "$AUX/atc-router/resty" "$OUT/lualib/"
  for e in "${LUA[@]}"; do
    f=${e%%:*}; p=${e#*:}
    if [[ $p == */ ]]; then cp -a "$S/$f/$p." "$OUT/lualib/"; else cp -a "$S/$f/$p" "$OUT/lualib/"; fi
  done
}
step "install Lua libraries" install_lua

# --- C Lua modules (LuaJIT ABI, symbols resolved from the nginx process) --------------------------
LUAJIT_INC=/usr/include/luajit-2.1
build_lua_c() {
  local cc=(gcc -O2 -g -fPIC -shared -I"$LUAJIT_INC")
  "${cc[@]}" -o "$OUT/lib/cjson.so" "$S/$CJSON"/{lua_cjson.c,strbuf.c,fpconv.c}
  "${cc[@]}" -o "$OUT/lib/pb.so" "$S/$PB/pb.c"
  "${cc[@]}" -o "$OUT/lib/lua_pack.so" "$S/$PACK/lua_pack.c"
  "${cc[@]}" -w -o "$OUT/lib/lua_system_constants.so" "$S/$SYSCONST/lua_system_constants.c"
}
step "build C Lua modules" build_lua_c
if [ -n "$ADA" ]; then
  # lua-resty-ada finds libada.so through package.cpath
  step "build libada" g++ -std=c++17 -O2 -fPIC -shared -I"$S/$ADA/include" \
    -o "$OUT/lib/libada.so" "$S/$ADA/src/ada.cpp"
fi

# --- nginx dynamic modules, built against the installed nginx with nginx-dev ------------------------
mkdir -p "$B/mod-events"
cp "$AUX/lua-resty-events/config" "$AUX/lua-resty-events/ngx_lua_events_stub.c" \
   "$S/$EVENTS/src/ngx_lua_events_module.c" "$B/mod-events/"
cc_opt="-g -O2 -fPIC -fstack-protector-strong -Wformat -Wno-error -I$LUAJIT_INC"
if [ -n "$NGX_LUA_SRC" ]; then
  cp "$AUX/lua-nginx-module/ngx_http_lua_autoconf.h" "$S/$NGX_LUA_SRC/src/"
  cc_opt="$cc_opt -I$S/$NGX_LUA_SRC/src/api"
  export NGX_LUA_LOC=$S/$NGX_LUA_SRC
fi
configure_nginx() {
  # a copy: nginx's configure writes into the tree it runs in
  cp -a /usr/share/nginx/src "$B/nginx"
  cd "$B/nginx"
  # shellcheck disable=SC1091
  . ./conf_flags
  ./configure --with-cc-opt="$cc_opt" --with-ld-opt="-Wl,-z,relro -Wl,-z,now -fPIC" "${NGX_CONF_FLAGS[@]}" \
    --add-dynamic-module="$S/$KNM" --add-dynamic-module="$B/mod-events" --add-dynamic-module="$S/$LMDB"
}
step "configure nginx modules" configure_nginx
step "build nginx modules" make -C "$B/nginx" -f objs/Makefile -j"$(nproc)" modules
for m in ngx_http_lua_kong_module ngx_lua_events_module ngx_lua_resty_lmdb_module; do
  cp "$B/nginx/objs/$m.so" "$OUT/modules/"
done

# --- CLI: resty-cli, the nginx shim, Kong's bin/kong ------------------------------------------------
cp "$S/$RESTY_CLI/bin/resty" "$OUT/openresty/bin/resty"
cp "$AUX/resty.sh" "$OUT/bin/resty"
sed -e "s/@OPENRESTY_VERSION@/$OPENRESTY/g" -e "s/@NGINX_VERSION@/$NGINX_VER/g" \
    -e "s/@NGX_LUA_VERSION@/$NGX_LUA_VER/g" "$AUX/nginx-shim.sh" >"$OUT/openresty/nginx/sbin/nginx"
cp "$S/$KONG/bin/kong" "$OUT/bin/kong"

# --- what every kong.conf on this runtime must carry ------------------------------------------------
MULTIARCH=$(gcc -print-multiarch)
cat >"$OUT/kong.conf.runtime" <<EOF
# kong.conf lines for Kong $VERSION on Debian nginx $NGINX_VER (ngx_lua $NGX_LUA_VER), written by
# scripts/kong-runtime.sh. Every kong.conf used with this runtime must carry them.

# Kong's CLI runs <openresty_path>/nginx/sbin/nginx: a shim that starts Debian's nginx with this runtime's modules.
openresty_path = $RT/openresty
# Kong and its Lua dependencies first, then Debian's Lua packages (penlight, lyaml, resty.core...); prepend a plugin tree here.
lua_package_path = $RT/lualib/?.lua;$RT/lualib/?/init.lua;/usr/share/lua/5.1/?.lua;/usr/share/lua/5.1/?/init.lua;;
# the runtime's C modules (OpenResty's cjson, pb, lua_pack...) come before Debian's (its lua-cjson lacks OpenResty's API).
lua_package_cpath = $RT/lib/?.so;/usr/lib/$MULTIARCH/lua/5.1/?.so;;
# atc-router (Rust) is not built, only stubbed: the traditional router is the only one that works.
router_flavor = traditional
# Debian's stream module and stream_lua are not loaded: no stream listeners.
stream_listen = off
EOF

cat >"$OUT/runtime.json" <<EOF
{"kong_version": "$VERSION", "nginx_package_version": "$NGINX_VER", "openresty_version_reported": "$OPENRESTY", "built_at": "$(date -u +%Y-%m-%dT%H:%M:%SZ)"}
EOF

# Kong's workers run as nobody: everything readable, directories and programs executable.
mv "$B/logs" "$OUT/build-logs"
rm -rf "$B"
chmod -R u+rwX,go+rX,go-w "$OUT"
chmod 0755 "$OUT" "$OUT/bin/kong" "$OUT/bin/resty" "$OUT/openresty/bin/resty" "$OUT/openresty/nginx/sbin/nginx"
mv -T "$OUT" "$RT"
trap - EXIT
log "built in $(( $(date +%s) - START )) s"
echo "$RT"
