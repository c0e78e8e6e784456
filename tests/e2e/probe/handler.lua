-- The probe plugin of the harness self-test ("e2e: harness ..."): it records
-- what the Kong PDK shim does into the `e2e` shared dict, keyed by the
-- request's X-E2E-Tag, so the driver can check the shim against Kong's
-- semantics. Never used with the connector.
local cjson = require "cjson.safe"

local Probe = { PRIORITY = 1, VERSION = "0.0.0" }

local function record(key, value)
  local tag = ngx.var.http_x_e2e_tag
  if not tag then return end
  local dict = ngx.shared.e2e
  local old = dict:get("probe:" .. tag)
  local t = old and cjson.decode(old) or {}
  t[key] = value
  dict:set("probe:" .. tag, cjson.encode(t))
end

function Probe:init_worker()
  kong.log.notice("probe init_worker")
end

function Probe:access(conf)
  local q = ngx.req.get_uri_args()
  kong.ctx.plugin.seen = (kong.ctx.plugin.seen or 0) + 1
  kong.ctx.plugin.tag = ngx.var.http_x_e2e_tag
  record("conf_note", conf.note)
  record("conf_has_plugin_id", conf.__plugin_id ~= nil)

  local headers, err = kong.request.get_headers()
  local n = 0
  for _ in pairs(headers) do n = n + 1 end
  record("headers_default_count", n)
  record("headers_default_err", err or cjson.null)
  local _, err10 = kong.request.get_headers(10)
  record("headers_10_err", err10 or cjson.null)
  record("get_header_dup", kong.request.get_header("X-Dup") or cjson.null)
  record("method", kong.request.get_method())
  record("path_with_query", kong.request.get_path_with_query())
  record("http_version", kong.request.get_http_version())
  record("forwarded_ip", kong.client.get_forwarded_ip())

  if q.body then
    local body, berr = kong.request.get_raw_body()
    record("raw_body_len", body and #body or cjson.null)
    record("raw_body_err", berr or cjson.null)
  end
  if q.raise then
    error("probe raised on purpose")
  end
  if q.exit then
    kong.log.notice("probe exits")
    kong.response.exit(418, { probe = "exit", tag = kong.ctx.plugin.tag }, { ["X-Probe"] = "exit" })
    record("after_exit_ran", true)  -- Kong: never reached (the coroutine is not resumed)
    return
  end
end

function Probe:header_filter(conf)
  record("header_filter_ctx_seen", kong.ctx.plugin.seen or cjson.null)
  record("header_filter_status", kong.response.get_status())
  local ok, err = pcall(kong.request.get_raw_body)
  record("raw_body_in_header_filter", ok and "allowed" or tostring(err))
end

function Probe:body_filter(conf)
  if ngx.arg[2] then
    record("body_filter_eof", true)
  end
end

function Probe:log(conf)
  record("log_ran", true)
  record("log_source", kong.response.get_source())
  record("log_ctx_tag", kong.ctx.plugin.tag or cjson.null)
  kong.log.notice("probe log ", kong.ctx.plugin.tag)
end

return Probe
