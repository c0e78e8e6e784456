-- A plugin that does nothing in every phase the connector uses. The gateway
-- benchmark runs it to measure what the phases themselves cost (Kong's
-- runloop, here its stand-in), apart from the connector's own work.
local NoopHandler = {
  PRIORITY = 2800,
  VERSION = "0.1.0",
}

function NoopHandler:access(conf) end

function NoopHandler:header_filter(conf) end

function NoopHandler:body_filter(conf) end

function NoopHandler:log(conf) end

return NoopHandler
