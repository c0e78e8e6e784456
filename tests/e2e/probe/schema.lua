-- Schema of the probe plugin (tests/e2e/probe): a stand-in named kong-lua that
-- the harness self-test loads instead of the connector.
local typedefs = require "kong.db.schema.typedefs"

return {
  name = "kong-lua",
  fields = {
    { protocols = typedefs.protocols_http },
    { config = {
        type = "record",
        fields = {
          { note = { type = "string", default = "probe", description = "Free text, unused by the probe" } },
        },
    } },
  },
}
