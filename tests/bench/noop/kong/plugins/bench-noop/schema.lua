-- Schema of the benchmark's no-op plugin: the connector's node address is
-- accepted and ignored, so the benchmark configures every plugin alike.
local typedefs = require "kong.db.schema.typedefs"

return {
  name = "bench-noop",
  fields = {
    { protocols = typedefs.protocols_http },
    { config = {
        type = "record",
        fields = {
          { wallarm_node_address = { type = "string" } },
        },
      },
    },
  },
}
