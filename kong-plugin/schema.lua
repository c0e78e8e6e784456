-- Configuration of the kong-lua plugin (the Wallarm connector). The names
-- of the documented Wallarm keys are kept: wallarm_node_address, blocking,
-- timeout_ms, inspect_response, inspect_response_body.
local typedefs = require "kong.db.schema.typedefs"


return {
  name = "kong-lua",
  fields = {
    { protocols = typedefs.protocols_http },
    { consumer = typedefs.no_consumer },
    { config = {
        type = "record",
        fields = {
          { wallarm_node_address = typedefs.url {
              required = true,
              match_any = {
                patterns = { "^http://", "^https://" },
                err = "the node address must be an http:// or https:// URL",
              },
              match_none = {
                { pattern = "[?#]",
                  err = "the node address takes no query or fragment: the client's path and query follow its path" },
              },
              description = "URL of the Wallarm filtering node, e.g. http://native-processing.wallarm-node.svc.cluster.local:5000",
          } },
          { node_format = {
              type = "string", required = true, default = "mirror",
              one_of = { "mirror", "multipart", "v1" },
              description = "How messages are shaped for the node: mirror (the request replayed, as Wallarm's Layer7 connector sends it), multipart (as its Azure connector sends it) or v1 (this connector's own framing); wallarm-node-check tells which one a node accepts",
          } },
          { node_health_path = {
              type = "string", required = false,
              match = "^/[!-~]*$",
              match_none = { { pattern = "#", err = "a health path takes no fragment" } },
              description = "Path the circuit breaker's health probes GET from the node (200 = healthy), e.g. /wallarm-external-health; unset: probes are protocol v1 health messages",
          } },
          { blocking = {
              type = "boolean", required = true, default = true,
              description = "true: wait for the node's verdict and block attacks; false: send a copy out of band and never wait",
          } },
          { timeout_ms = {
              type = "integer", required = true, default = 1000, between = { 1, 60000 },
              description = "End-to-end time budget for the node's verdict, queueing included, in milliseconds",
          } },
          { fallback = {
              type = "string", required = true, default = "pass", one_of = { "pass", "block" },
              description = "What to do with a request when the node cannot give a verdict in time",
          } },
          { inspect_request_body = {
              type = "boolean", required = true, default = true,
              description = "Send the request body to the node",
          } },
          { request_body_limit = {
              type = "integer", required = true, default = 131072, between = { 0, 67108864 },
              description = "Request body bytes sent to the node; the rest is cut and the node is told the original length",
          } },
          { head_first = {
              type = "boolean", required = true, default = true,
              description = "In blocking mode, judge a request whose body is over 64 KiB, of unknown length or announced with Expect: 100-continue on its head first, before its body is read; the whole request follows with the same request id. false: one message per request, after the body is read",
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
          { max_connections = {
              type = "integer", required = true, default = 32, between = { 1, 4096 },
              description = "Connections to the node per Kong worker; more messages wait, within timeout_ms",
          } },
          { max_connection_age_s = {
              type = "integer", required = true, default = 60, between = { 1, 86400 },
              description = "A connection to the node is not reused past this age, so load spreads over node pods",
          } },
          { breaker_failures = {
              type = "integer", required = true, default = 5, between = { 0, 1000 },
              description = "Node failures in a row after which messages stop and health probes start; 0: never",
          } },
          { breaker_backoff_ms = {
              type = "integer", required = true, default = 1000, between = { 10, 600000 },
              description = "Wait before the first health probe; it doubles after each failed probe",
          } },
          { breaker_backoff_max_ms = {
              type = "integer", required = true, default = 30000, between = { 10, 600000 },
              description = "Longest wait between health probes",
          } },
          { tls_verify = {
              type = "boolean", required = true, default = true,
              description = "Verify the node's certificate and host name on https",
          } },
          { ca_file = {
              type = "string", required = false,
              description = "PEM file of CAs to trust for an https node (default: the system store)",
          } },
          { block_status = {
              type = "integer", required = true, default = 403, between = { 400, 599 },
              description = "HTTP status of the answer to a blocked request",
          } },
        },
    } },
  },
  entity_checks = {
    { custom_entity_check = {
        field_sources = { "config.breaker_backoff_ms", "config.breaker_backoff_max_ms" },
        fn = function(entity)
          local conf = entity.config
          if conf.breaker_backoff_max_ms < conf.breaker_backoff_ms then
            return nil, "config.breaker_backoff_max_ms must be at least config.breaker_backoff_ms"
          end
          return true
        end,
    } },
  },
}
