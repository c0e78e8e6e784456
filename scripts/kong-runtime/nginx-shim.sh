#!/usr/bin/env bash
# Kong's CLI runs <openresty_path>/nginx/sbin/nginx and accepts it only if `nginx -v` names OpenResty
# @OPENRESTY_VERSION@: answer that, and otherwise run Debian's nginx with the runtime's dynamic modules.
rt=$(CDPATH='' cd -- "$(dirname -- "$0")/../../.." && pwd -P)
if [ "$#" -eq 1 ] && [ "$1" = "-v" ]; then
  echo "nginx version: openresty/@OPENRESTY_VERSION@ (Debian nginx @NGINX_VERSION@ with ngx_lua @NGX_LUA_VERSION@)" >&2
  exit 0
fi
m=/usr/lib/nginx/modules
# lmdb comes last: its module order places it before ngx_http_lua_module, which must already be loaded.
g="load_module $m/ndk_http_module.so; load_module $m/ngx_http_lua_module.so;"
g="$g load_module $rt/modules/ngx_http_lua_kong_module.so; load_module $rt/modules/ngx_lua_events_module.so;"
g="$g load_module $rt/modules/ngx_lua_resty_lmdb_module.so;"
# nginx keeps only the last -g (resty-cli passes one): append the caller's directives to ours
args=()
while [ "$#" -gt 0 ]; do
  case $1 in
    -g) g="$g ${2:-}"; shift; [ "$#" -gt 0 ] && shift ;;
    -g?*) g="$g ${1#-g}"; shift ;;
    *) args+=("$1"); shift ;;
  esac
done
exec /usr/sbin/nginx -g "$g" "${args[@]}"
