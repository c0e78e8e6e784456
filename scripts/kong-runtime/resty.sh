#!/bin/sh
# resty-cli (Kong's CLI runs under it) on Debian's nginx: through the nginx shim, with the runtime's Lua trees searched first.
rt=$(CDPATH='' cd -- "$(dirname -- "$0")/.." && pwd -P)
exec "$rt/openresty/bin/resty" --nginx "$rt/openresty/nginx/sbin/nginx" --no-stream -I "$rt/lualib" -I "$rt/lib" "$@"
