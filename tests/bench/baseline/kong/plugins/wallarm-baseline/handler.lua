-- wallarm-baseline: the benchmark baseline, not a product. What an operator
-- would write without libwallarm: a Kong plugin in plain OpenResty Lua that
-- speaks the Wallarm node protocol v1 (docs/protocol.md) over cosocket
-- keep-alive connections. It waits for the verdict in access; what nobody
-- waits for (out-of-band copies, response messages: cosockets are not
-- available in header_filter, body_filter and log) goes to a bounded
-- per-worker queue that a few long-lived light threads send, in batches
-- when several wait. No circuit breaker.
local protocol = require "kong.plugins.wallarm-baseline.protocol"
local queue = require "kong.plugins.wallarm-baseline.queue"

local kong = kong
local ngx = ngx
local var = ngx.var
local now = ngx.now
local concat = table.concat
local str_sub = string.sub
local request_body = protocol.request_body
local build_request = protocol.request
local exchange = protocol.exchange
local push = queue.push

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

-- `what`: which message ("request <id>", "a batch of 5 messages"...).
local function node_error(kind, detail, what)
  node_errors[kind] = (node_errors[kind] or 0) + 1
  local t = now()
  if t - last_logged >= LOG_EVERY then
    last_logged = t
    kong.log.err("no answer from the node (", kind, ": ", detail, "), ", what)
  end
end
queue.on_error = node_error

-- Kong 3.5+ has $kong_request_id, older ones $request_id only: which one
-- is known after the first read. $request_id changes on every read while
-- unreferenced, so it is read once per request.
local id_var
local function request_id()
  if id_var then
    return var[id_var]
  end
  local id = var.kong_request_id
  id_var = id and "kong_request_id" or "request_id"
  return id or var.request_id
end

local function block(ctx)
  ctx.blocked = true
  return kong.response.exit(403, {
    message = "Request blocked by Wallarm",
    request_id = ctx.request_id,
  })
end

local function fall_back(conf, ctx, kind, detail)
  node_error(kind, detail, "request " .. ctx.request_id)
  if conf.fallback == "block" then
    counters.fallback_block = counters.fallback_block + 1
    return block(ctx)
  end
  counters.fallback_pass = counters.fallback_pass + 1
end

function Handler:access(conf)
  local ctx = kong.ctx.plugin
  ctx.request_id = request_id()
  local node, err = protocol.node(conf)
  if not node then
    return fall_back(conf, ctx, "config", err)
  end
  ctx.node = node
  ctx.client_ip = kong.client.get_forwarded_ip()

  local body, given = request_body(conf)

  if not conf.blocking then
    local lines, head = build_request(node, ctx, body, given, true)
    if push(node, lines, head, body) then
      ctx.sent = true
      counters.out_of_band = counters.out_of_band + 1
    else
      counters.out_of_band_dropped = counters.out_of_band_dropped + 1
    end
    return
  end

  local head = build_request(node, ctx, body, given, false)
  ctx.sent = true
  local status, kind, detail = exchange(node, now() + node.timeout, head, body)
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

-- Queues the response message (from log, or from header_filter for an
-- upgrade, whose log phase comes only when the connection closes).
local function send_response(conf, ctx, body, body_total)
  local lines = protocol.response_lines(ctx, ctx.response_escaped, #body, body_total,
                                        not conf.blocking)
  if not push(ctx.node, lines, ctx.response_head, body) then
    counters.response_dropped = counters.response_dropped + 1
  end
end

function Handler:header_filter(conf)
  local ctx = kong.ctx.plugin
  -- A blocked request has no upstream response to report (protocol 7.2).
  if conf.inspect_response and ctx.sent and not ctx.blocked then
    ctx.response_head, ctx.response_escaped = protocol.response_head(ctx.version)
    if ngx.status == 101 then
      send_response(conf, ctx, "", 0)
      return
    end
    ctx.inspect = true
    ctx.body_size, ctx.body_total = 0, 0
  end
end

function Handler:body_filter(conf)
  local ctx = kong.ctx.plugin
  if not (ctx.inspect and conf.inspect_response_body) then
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
  -- The first chunk as it is; a table only when more come.
  local first = ctx.body
  if not first then
    ctx.body = chunk
  else
    local parts = ctx.body_parts
    if not parts then
      parts = { first }
      ctx.body_parts = parts
    end
    parts[#parts + 1] = chunk
  end
  ctx.body_size = ctx.body_size + n
end

function Handler:log(conf)
  local ctx = kong.ctx.plugin
  if not ctx.inspect then
    return
  end
  local parts = ctx.body_parts
  local body = parts and concat(parts) or ctx.body or ""
  send_response(conf, ctx, body, ctx.body_total)
end

return Handler
