-- The plugin's counters: what happened to requests (passed, blocked, fell
-- back) and the library's own statistics, published by every worker into
-- Kong's shared dict once a second, summed for the Status API in Prometheus
-- text format. Also the rate limit on error logs, so a dead node cannot
-- flood them.
local cjson = require "cjson.safe"

local ngx = ngx
local kong = kong
local pairs = pairs
local ipairs = ipairs
local type = type
local tonumber = tonumber
local tostring = tostring
local select = select
local concat = table.concat
local unpack = unpack

local _M = {}

local DICT = "kong"               -- declared by Kong itself: lua_shared_dict kong 5m
local KEY = "wallarm-kong:worker:"
local PUBLISH_EVERY = 1           -- seconds
local LOG_EVERY = 10              -- seconds between two log lines of one kind

local OUTCOMES = { "passed", "blocked", "fallback_pass", "fallback_block",
                   "out_of_band", "out_of_band_dropped" }

local requests = {}               -- outcome -> count, this worker
local head_first = 0              -- requests whose head was judged alone first
local node_errors = {}            -- code name -> count, this worker
local binding                     -- the wallarm module, once started
local bounds_us = {}              -- latency bucket bounds, from the library
local last_logged, suppressed = {}, {}

for _, o in ipairs(OUTCOMES) do
  requests[o] = 0
end

function _M.count(outcome)
  requests[outcome] = (requests[outcome] or 0) + 1
end

function _M.count_head_first()
  head_first = head_first + 1
end

function _M.node_error(code)
  code = code or "EUNKNOWN"
  node_errors[code] = (node_errors[code] or 0) + 1
end

-- Logs at most one line per kind every LOG_EVERY seconds, saying how many
-- were left out in between.
function _M.log_limited(kind, ...)
  local now = ngx.now()
  local last = last_logged[kind]
  if last and now - last < LOG_EVERY then
    suppressed[kind] = (suppressed[kind] or 0) + 1
    return
  end
  last_logged[kind] = now
  local skipped = suppressed[kind]
  suppressed[kind] = nil
  if skipped then
    -- `...` must end the argument list: anywhere else it keeps one value.
    local n = select("#", ...)
    local parts = { ... }
    parts[n + 1] = " (" .. skipped .. " more like this in the last " .. LOG_EVERY .. " s)"
    kong.log.err(unpack(parts, 1, n + 1))
  else
    kong.log.err(...)
  end
end

local function snapshot()
  local library = binding and binding.stats() or nil
  if library then
    bounds_us = library.latency_le_us or bounds_us
    library.latency_le_us = nil  -- holds +Inf, which JSON cannot carry
  end
  return { requests = requests, head_first = head_first, node_errors = node_errors,
           library = library }
end

local function publish()
  local dict = ngx.shared[DICT]
  if not dict then
    return
  end
  local text = cjson.encode(snapshot())
  if text then
    dict:set(KEY .. ngx.worker.id(), text, PUBLISH_EVERY * 10)
  end
end

local function publisher(premature)
  if not premature then
    publish()
  end
end

function _M.start(wallarm)
  binding = wallarm
  if not ngx.shared[DICT] then
    kong.log.warn("no lua_shared_dict '", DICT, "': counters cover this worker only")
    return
  end
  local ok, err = ngx.timer.every(PUBLISH_EVERY, publisher)
  if not ok then
    kong.log.err("cannot publish counters: ", err)
  end
end

-- Every worker's latest snapshot (this worker's is taken now).
local function all_snapshots()
  publish()
  local list = {}
  local dict = ngx.shared[DICT]
  if not dict then
    return { snapshot() }
  end
  for id = 0, ngx.worker.count() - 1 do
    local text = dict:get(KEY .. id)
    local snap = text and cjson.decode(text)
    if snap then
      list[#list + 1] = snap
    end
  end
  return list
end

local function add_into(sum, t)
  if not t then
    return
  end
  for k, v in pairs(t) do
    if type(v) == "table" then
      sum[k] = sum[k] or {}
      add_into(sum[k], v)
    elseif type(v) == "number" then
      sum[k] = (sum[k] or 0) + v
    end
  end
end

-- Library counter -> metric name, help, and label when it shares a metric.
local LIBRARY_COUNTERS = {
  { "submitted", "wallarm_kong_messages_submitted_total", "Messages accepted for the node" },
  { "sent", "wallarm_kong_messages_sent_total", "Messages handed to a connection to the node" },
  { "health_probes", "wallarm_kong_health_probes_total", "Health probes sent while the breaker was open" },
  { "unavailable", "wallarm_kong_messages_unavailable_total", "Messages refused at once: breaker open" },
  { "dropped", "wallarm_kong_messages_dropped_total", "Messages refused: too many pending" },
  { "abandoned", "wallarm_kong_messages_abandoned_total", "Verdicts that came after their request gave up" },
  { "truncated", "wallarm_kong_messages_truncated_total", "Messages whose body was cut at its limit" },
  { "escaped", "wallarm_kong_messages_escaped_total", "Messages with header bytes escaped" },
  { "reshaped", "wallarm_kong_messages_reshaped_total",
    "Messages whose method or request-target the node format could not carry as is" },
  { "body_invalid", "wallarm_kong_node_answers_invalid_total", "Node answers whose JSON body did not parse" },
  { "breaker_trips", "wallarm_kong_breaker_trips_total", "Times the circuit breaker opened" },
  { "bytes_sent", "wallarm_kong_bytes_sent_total", "Message bytes sent to the node" },
  { "notify_dropped", "wallarm_kong_notifications_dropped_total", "Completion records no reader took" },
}
local NODE_FAILURES = { "err_timeout", "err_refused", "err_connect", "err_tls", "err_reset",
                        "err_proto", "err_status", "err_io" }

local function line(out, name, labels, value)
  out[#out + 1] = name .. (labels or "") .. " " .. tostring(value or 0)
end

local function header(out, name, kind, help)
  out[#out + 1] = "# HELP " .. name .. " " .. help
  out[#out + 1] = "# TYPE " .. name .. " " .. kind
end

function _M.prometheus()
  local sum = { requests = {}, head_first = 0, node_errors = {}, library = {} }
  local workers = all_snapshots()
  for _, snap in ipairs(workers) do
    add_into(sum.requests, snap.requests)
    sum.head_first = sum.head_first + (tonumber(snap.head_first) or 0)
    add_into(sum.node_errors, snap.node_errors)
    add_into(sum.library, snap.library)
  end
  local lib = sum.library
  local out = {}

  header(out, "wallarm_kong_requests_total", "counter", "Requests by what the plugin did with them")
  for _, o in ipairs(OUTCOMES) do
    line(out, "wallarm_kong_requests_total", '{outcome="' .. o .. '"}', sum.requests[o])
  end
  header(out, "wallarm_kong_requests_head_first_total", "counter",
         "Requests whose head was judged before their body was read (large or unknown length)")
  line(out, "wallarm_kong_requests_head_first_total", nil, sum.head_first)
  header(out, "wallarm_kong_node_errors_total", "counter",
         "Requests with no verdict, by cause (the fallback was applied)")
  for code, n in pairs(sum.node_errors) do
    line(out, "wallarm_kong_node_errors_total", '{code="' .. code .. '"}', n)
  end
  header(out, "wallarm_kong_node_verdicts_total", "counter", "Verdicts the node gave")
  line(out, "wallarm_kong_node_verdicts_total", '{verdict="pass"}', lib.passed)
  line(out, "wallarm_kong_node_verdicts_total", '{verdict="block"}', lib.blocked)
  header(out, "wallarm_kong_node_failures_total", "counter", "Messages the node failed, by kind")
  for _, f in ipairs(NODE_FAILURES) do
    line(out, "wallarm_kong_node_failures_total", '{kind="' .. f:sub(5) .. '"}', lib[f])
  end
  for _, c in ipairs(LIBRARY_COUNTERS) do
    header(out, c[2], "counter", c[3])
    line(out, c[2], nil, lib[c[1]])
  end
  header(out, "wallarm_kong_connections_total", "counter", "Connections to the node")
  line(out, "wallarm_kong_connections_total", '{event="opened"}', lib.conn_opened)
  line(out, "wallarm_kong_connections_total", '{event="reused"}', lib.conn_reused)
  header(out, "wallarm_kong_in_flight", "gauge", "Messages on a connection to the node now")
  line(out, "wallarm_kong_in_flight", nil, lib.in_flight)
  header(out, "wallarm_kong_queued", "gauge", "Messages waiting for a connection now")
  line(out, "wallarm_kong_queued", nil, lib.queued)
  header(out, "wallarm_kong_breaker_open", "gauge", "Node targets whose circuit breaker is not closed")
  line(out, "wallarm_kong_breaker_open", nil, lib.breaker_state)
  header(out, "wallarm_kong_workers_reporting", "gauge", "Workers whose counters are summed here")
  line(out, "wallarm_kong_workers_reporting", nil, #workers)

  local name = "wallarm_kong_node_latency_seconds"
  header(out, name, "histogram", "Round trip of messages to the node")
  local buckets = lib.latency_bucket or {}
  local cumulative = 0
  for i = 1, #bounds_us do
    cumulative = cumulative + (buckets[i] or 0)
    local le = bounds_us[i] == math.huge and "+Inf" or tostring(bounds_us[i] / 1e6)
    line(out, name .. "_bucket", '{le="' .. le .. '"}', cumulative)
  end
  line(out, name .. "_sum", nil, (lib.latency_sum_us or 0) / 1e6)
  line(out, name .. "_count", nil, lib.latency_count)
  out[#out + 1] = ""
  return concat(out, "\n")
end

return _M
