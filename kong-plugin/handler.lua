-- The kong-lua plugin: sends every request (and its response) to a Wallarm
-- filtering node through libwallarm, and enforces the verdict. The work is
-- in the modules it calls; this file only dispatches Kong's phases.
local wallarm = require "kong.plugins.kong-lua.wallarm"
local messages = require "kong.plugins.kong-lua.messages"
local counters = require "kong.plugins.kong-lua.counters"

local kong = kong
local ngx = ngx
local setmetatable = setmetatable
local pcall = pcall
local require = require

local WallarmHandler = {
  -- Before authentication and rate limiting: an attack is stopped before
  -- anything else in Kong spends work on it.
  PRIORITY = 2800,
  VERSION = wallarm.VERSION,
}

-- Node targets of this worker, one per plugin configuration. Kong builds a
-- new conf table when a configuration changes; the old one, and with it its
-- target, is then collected (the binding releases it in a finalizer).
local targets = setmetatable({}, { __mode = "k" })
local ready, startup_error = false, nil

local function target_for(conf)
  local t = targets[conf]
  if t then
    return t
  end
  local err
  t, err = wallarm.target {
    url = conf.wallarm_node_address,
    format = conf.node_format,
    health_path = conf.node_health_path,
    max_connections = conf.max_connections,
    max_conn_age_s = conf.max_connection_age_s,
    breaker_failures = conf.breaker_failures,
    breaker_backoff_ms = conf.breaker_backoff_ms,
    breaker_backoff_max_ms = conf.breaker_backoff_max_ms,
    request_body_limit = conf.request_body_limit,
    response_body_limit = conf.response_body_limit,
    tls_verify = conf.tls_verify,
    ca_file = conf.ca_file,
  }
  if not t then
    return nil, err
  end
  targets[conf] = t
  return t
end

local function request_id()
  -- Kong 3.5+ has its own; older ones and plain nginx have $request_id.
  -- Read once: an unreferenced $request_id changes on every read.
  return ngx.var.kong_request_id or ngx.var.request_id
end

local BLOCKED = "Request blocked by Wallarm"

-- Kong's error templates carry the request id from Kong 3.5 on.
local error_has_request_id
local response_type  -- Kong's negotiation of the answer's type by Accept

local function block_answer(conf, ctx)
  local status, id = conf.block_status, ctx.request_id or ""
  -- gRPC: Kong's answer to a table carries the message as grpc-message.
  if (ngx.var.content_type or ""):find("application/grpc", 1, true) == 1 then
    return kong.response.exit(status, { message = BLOCKED, request_id = id })
  end
  if error_has_request_id == nil then
    error_has_request_id = (kong.version_num or 0) >= 3005000
    local ok, utils = pcall(require, "kong.tools.utils")
    response_type = ok and utils.get_response_type
  end
  -- Kong's own error answer, in the type the client accepts (JSON, HTML,
  -- XML, text), or the operator's error_template_* for it.
  if error_has_request_id then
    return kong.response.error(status, BLOCKED)
  end
  -- Kong 3.4: JSON keeps the request_id field later Kongs write (unless the
  -- operator set a JSON template); other types get the id in the message.
  if not kong.configuration.error_template_json and (not response_type
      or response_type(ngx.req.get_headers().accept):find("application/json", 1, true) == 1) then
    return kong.response.exit(status, { message = BLOCKED, request_id = id })
  end
  return kong.response.error(status, BLOCKED .. " (request_id: " .. id .. ")")
end

local function block(conf, ctx, reason)
  ctx.blocked = reason
  -- nginx answers "100 Continue" to a client whose body it discards: a
  -- request blocked on its head must not be invited to send its body.
  ngx.req.clear_header("Expect")
  return block_answer(conf, ctx)
end

-- No verdict: apply the configured fallback, visibly.
local function fall_back(conf, ctx, code, detail)
  counters.node_error(code)
  counters.log_limited(code, "no verdict from the node (", code, ": ", detail,
                       "), request ", ctx.request_id, ", fallback ", conf.fallback)
  if conf.fallback == "block" then
    counters.count("fallback_block")
    return block(conf, ctx, "fallback")
  end
  counters.count("fallback_pass")
end

-- Passes, blocks or falls back on the node's verdict.
local function enforce(conf, ctx, verdict)
  -- A response message follows only a verdict. After a failed one it would
  -- most likely fail too, and the breaker would count one node failure
  -- twice; nor could the node pair it with a request it did not judge.
  ctx.sent = verdict.ok
  if not verdict.ok then
    return fall_back(conf, ctx, verdict.code, verdict.detail)
  end
  if verdict.action == "block" then
    counters.count("blocked")
    return block(conf, ctx, "attack")
  end
  counters.count("passed")
end

-- Fire and forget: the engine thread sends it while the client is served.
local function send_response(conf, ctx, msg)
  local ok, code = ctx.target:send(msg, not conf.blocking, conf.timeout_ms)
  if not ok then
    counters.not_sent("response", code)
  end
end

function WallarmHandler:init_worker()
  local ok, err = wallarm.load()
  if ok then
    ok, err = wallarm.init_worker()
  end
  if not ok then
    startup_error = err
    kong.log.err("cannot start the Wallarm connector: ", err)
    -- Publish all the same: every request this worker serves gets the
    -- fallback, and the Status API must show it from every worker.
    counters.start(nil)
    return
  end
  ready = true
  counters.start(wallarm)
end

function WallarmHandler:access(conf)
  local ctx = kong.ctx.plugin
  ctx.request_id = request_id()
  if not ready then
    return fall_back(conf, ctx, "ESTARTUP", startup_error or "not started")
  end
  local target, err = target_for(conf)
  if not target then
    return fall_back(conf, ctx, "ECONFIG", err)
  end
  ctx.target = target

  if not conf.blocking then
    local ok, code = target:send(messages.request(conf, ctx), true, conf.timeout_ms)
    ctx.sent = ok
    counters.count(ok and "out_of_band" or "out_of_band_dropped")
    if not ok then
      counters.not_sent("out_of_band", code)
    end
    return
  end

  local msg = messages.request_head(ctx)
  if messages.head_first(conf) then
    counters.count_head_first()
    msg.head_only = true
    local verdict = target:inspect(msg, conf.timeout_ms)
    msg.head_only = nil
    if not verdict.ok or verdict.action == "block" then
      -- A node that failed the head would fail the body too: the fallback
      -- decides the request now, without a second wait.
      return enforce(conf, ctx, verdict)
    end
  end
  return enforce(conf, ctx, target:inspect(messages.request_body(conf, msg), conf.timeout_ms))
end

function WallarmHandler:header_filter(conf)
  local ctx = kong.ctx.plugin
  -- A blocked request has no upstream response to report (protocol 7.2).
  if conf.inspect_response and ctx.sent and not ctx.blocked then
    local msg = messages.response_head(ctx)
    if msg.status == 101 then
      -- A WebSocket (or other upgrade): no body follows, and the log phase
      -- comes only when the connection closes. The node gets it now.
      ctx.response_msg = nil
      send_response(conf, ctx, msg)
    end
  end
end

function WallarmHandler:body_filter(conf)
  local ctx = kong.ctx.plugin
  if ctx.response_msg and conf.inspect_response_body then
    messages.response_chunk(ctx, ngx.arg[1], conf.response_body_limit)
  end
end

function WallarmHandler:log(conf)
  local ctx = kong.ctx.plugin
  local msg = ctx.response_msg and messages.response(ctx)
  if msg then
    send_response(conf, ctx, msg)
  end
end

return WallarmHandler
