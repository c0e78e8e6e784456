-- Kong Status API routes of the plugin (kong.conf: status_listen), in the
-- shape of Kong's bundled prometheus plugin.
local counters = require "kong.plugins.kong-lua.counters"

return {
  ["/wallarm/metrics"] = {
    GET = function()
      ngx.header["Content-Type"] = "text/plain; version=0.0.4; charset=utf-8"
      ngx.print(counters.prometheus())
    end,
  },
}
