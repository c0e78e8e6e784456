/* ngx_lua's config generates this header (empty but for a comment); lua-kong-nginx-module uses ngx_lua's headers without running that config. */
