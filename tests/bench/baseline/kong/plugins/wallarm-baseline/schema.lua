-- Configuration of wallarm-baseline, the benchmark baseline (not a product):
-- what an operator would write in plain OpenResty Lua to speak the Wallarm
-- node protocol v1 without libwallarm. Field names follow the kong-lua plugin.
local typedefs = require "kong.db.schema.typedefs"


return {
  name = "wallarm-baseline",
  fields = {
    { protocols = typedefs.protocols_http },
    { consumer = typedefs.no_consumer },
    { config = {
        type = "record",
        fields = {
          { wallarm_node_address = typedefs.url {
              required = true,
              match = "^http://",
              description = "URL of the Wallarm filtering node (http:// only), e.g. http://127.0.0.1:5000/",
          } },
          { blocking = {
              type = "boolean", required = true, default = true,
              description = "true: wait for the node's verdict; false: queue a copy for the node and never wait",
          } },
          { timeout_ms = {
              type = "integer", required = true, default = 1000, between = { 1, 60000 },
              description = "End-to-end time budget of one exchange with the node (connect, send, answer), in milliseconds",
          } },
          { fallback = {
              type = "string", required = true, default = "pass", one_of = { "pass", "block" },
              description = "What to do with a request when the node gives no verdict in time",
          } },
          { inspect_request_body = {
              type = "boolean", required = true, default = true,
              description = "Send the request body to the node",
          } },
          { request_body_limit = {
              type = "integer", required = true, default = 1048576, between = { 0, 67108864 },
              description = "Request body bytes sent to the node; the rest is cut and the node is told the original length",
          } },
          { inspect_response = {
              type = "boolean", required = true, default = true,
              description = "Send the response status and headers to the node",
          } },
          { inspect_response_body = {
              type = "boolean", required = true, default = true,
              description = "Send the response body too (needs inspect_response)",
          } },
          { response_body_limit = {
              type = "integer", required = true, default = 16384, between = { 0, 1048576 },
              description = "Response body bytes sent to the node",
          } },
          { pool_size = {
              type = "integer", required = true, default = 32, between = { 1, 4096 },
              description = "Connections to the node per worker (exchanges at once); as many kept idle",
          } },
          { keepalive_ms = {
              type = "integer", required = true, default = 60000, between = { 1, 3600000 },
              description = "How long an idle connection to the node is kept, in milliseconds",
          } },
          { queue_size = {
              type = "integer", required = true, default = 4096, between = { 1, 1000000 },
              description = "Messages nobody waits for (responses, out-of-band copies) queued per worker, more dropped",
          } },
        },
    } },
  },
}
