-- wallarm-baseline: the benchmark baseline, not a product. What an operator
-- would write without libwallarm: a Kong plugin in plain OpenResty Lua that
-- speaks the Wallarm node protocol v1 (docs/protocol.md) over cosocket
-- keep-alive connections. It waits for the verdict in access (or sends a copy
-- from a timer in out-of-band mode), and sends the response message from a
-- timer started in log, since cosockets are not available in header_filter,
-- body_filter and log. No circuit breaker, no connection limit.
local protocol = require "kong.plugins.wallarm-baseline.protocol"

local kong = kong
local ngx = ngx
local timer_at = ngx.timer.at
local concat = table.concat
local str_sub = string.sub

local Handler = {
  PRIORITY = 2800,
  VERSION = protocol.VERSION,
}

-- What happened to requests, and node errors by kind; this worker only.
local counters = {
  passed = 0, blocked = 0, fallback_pass = 0, fallback_block = 0,
  out_of_band = 0, out_of_band_dropped = 0, response_dropped = 0,
}
local node_errors = {}
Handler.counters, Handler.node_errors = counters, node_errors

local LOG_EVERY = 10 -- seconds between two error lines
local last_logged = 0

local function node_error(kind, detail, request_id)
  node_errors[kind] = (node_errors[kind] or 0) + 1
  local t = ngx.now()
  if t - last_logged >= LOG_EVERY then
    last_logged = t
    kong.log.err("no answer from the node (", kind, ": ", detail, "), request ", request_id)
  end
end

local function ok_status(status)
  return status == 403 or (status >= 200 and status < 300)
end

-- Timer callback for out-of-band copies and response messages.
local function send_copy(premature, conf, node, head, body, request_id)
  if premature then
    return
  end
  local status, kind, err = protocol.exchange(conf, node, head, body)
  if not status then
    node_error(kind, err, request_id)
  elseif not ok_status(status) then
    node_error("status", status, request_id)
  end
end

local function block(ctx)
  ctx.blocked = true
  return kong.response.exit(403, {
    message = "Request blocked by Wallarm",
    request_id = ctx.request_id,
  })
end

local function fall_back(conf, ctx, kind, detail)
  node_error(kind, detail, ctx.request_id)
  if conf.fallback == "block" then
    counters.fallback_block = counters.fallback_block + 1
    return block(ctx)
  end
  counters.fallback_pass = counters.fallback_pass + 1
end

function Handler:access(conf)
  local ctx = kong.ctx.plugin
  -- Kong 3.5+ has $kong_request_id; read $request_id once (it changes on
  -- every read while unreferenced).
  ctx.request_id = ngx.var.kong_request_id or ngx.var.request_id
  local node, err = protocol.node(conf)
  if not node then
    return fall_back(conf, ctx, "config", err)
  end
  ctx.node = node
  ctx.client_ip = kong.client.get_forwarded_ip()
  ctx.host = ngx.var.host

  local body, truncated_from = protocol.request_body(conf)
  local head = protocol.request(node, ctx, body, truncated_from, not conf.blocking)

  if not conf.blocking then
    local ok = timer_at(0, send_copy, conf, node, head, body, ctx.request_id)
    ctx.sent = ok
    if ok then
      counters.out_of_band = counters.out_of_band + 1
    else
      counters.out_of_band_dropped = counters.out_of_band_dropped + 1
    end
    return
  end

  ctx.sent = true
  local status, kind, detail = protocol.exchange(conf, node, head, body)
  if not status then
    return fall_back(conf, ctx, kind, detail)
  end
  if status == 403 then
    counters.blocked = counters.blocked + 1
    return block(ctx)
  end
  if status < 200 or status > 299 then
    return fall_back(conf, ctx, "status", status)
  end
  counters.passed = counters.passed + 1
end

function Handler:header_filter(conf)
  local ctx = kong.ctx.plugin
  -- A blocked request has no upstream response to report (protocol 7.2).
  if conf.inspect_response and ctx.sent and not ctx.blocked then
    ctx.response_head, ctx.response_escaped = protocol.response_head()
    ctx.body_size, ctx.body_total = 0, 0
  end
end

function Handler:body_filter(conf)
  local ctx = kong.ctx.plugin
  if not (ctx.response_head and conf.inspect_response_body) then
    return
  end
  local chunk = ngx.arg[1]
  local n = chunk and #chunk or 0
  if n == 0 then
    return
  end
  ctx.body_total = ctx.body_total + n
  local room = conf.response_body_limit - ctx.body_size
  if room <= 0 then
    return
  end
  if n > room then
    chunk, n = str_sub(chunk, 1, room), room
  end
  local parts = ctx.body_parts
  if not parts then
    parts = {}
    ctx.body_parts = parts
  end
  parts[#parts + 1] = chunk
  ctx.body_size = ctx.body_size + n
end

function Handler:log(conf)
  local ctx = kong.ctx.plugin
  local head = ctx.response_head
  if not head then
    return
  end
  local parts = ctx.body_parts
  local body = parts and (#parts == 1 and parts[1] or concat(parts)) or ""
  local msg = protocol.response(ctx.node, ctx, head, ctx.response_escaped, body,
                                ctx.body_total, not conf.blocking)
  if not timer_at(0, send_copy, conf, ctx.node, msg, body, ctx.request_id) then
    counters.response_dropped = counters.response_dropped + 1
  end
end

return Handler
