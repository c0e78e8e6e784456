-- Control endpoints for the driver, on their own port (never part of Kong):
--   GET  /seen?tag=T   -> {"count": n}   requests with X-E2E-Tag: T the upstream saw
--   POST /validate     -> validates a plugin entity ({"config": {...}, ...}) with the
--                         plugin's schema.lua through the schema shim:
--                         {"ok": true, "config": {...}} or
--                         {"ok": false, "fields": {...}, "message": "schema violation (...)"}
--   GET  /workers      -> {"count": n, "pids": {"0": pid, ...}, "init_worker_errors": {...}}
--   GET  /probe?tag=T  -> what the probe plugin (tests/e2e/probe) recorded for that request
local cjson = require "cjson.safe"
local plugin_schema = require "e2e.plugin_schema"

local _M = {}

local function reply(status, t)
  ngx.status = status
  ngx.header["Content-Type"] = "application/json"
  ngx.print(cjson.encode(t))
  return ngx.exit(status)
end

function _M.serve()
  local uri = ngx.var.uri
  local dict = ngx.shared.e2e
  if uri == "/seen" then
    local tag = ngx.var.arg_tag or ""
    return reply(200, { count = dict:get("seen:" .. tag) or 0 })
  elseif uri == "/validate" then
    ngx.req.read_body()
    local body = ngx.req.get_body_data() or ""
    local entity, err = cjson.decode(body)
    if not entity then return reply(400, { error = "bad JSON: " .. tostring(err) }) end
    local conf, errors, message = plugin_schema.validate(require("e2e.kong").schema(), entity)
    if not conf then
      return reply(200, { ok = false, fields = errors, message = message })
    end
    return reply(200, { ok = true, config = conf })
  elseif uri == "/probe" then
    local v = dict:get("probe:" .. (ngx.var.arg_tag or ""))
    return reply(200, v and cjson.decode(v) or {})
  elseif uri == "/workers" then
    local pids, errs = {}, {}
    for i = 0, ngx.worker.count() - 1 do
      pids[tostring(i)] = dict:get("worker_pid:" .. i)
      errs[tostring(i)] = dict:get("init_worker_error:" .. i)
    end
    return reply(200, { count = ngx.worker.count(), pids = pids, init_worker_errors = errs })
  end
  return reply(404, { error = "no such control endpoint" })
end

return _M
