-- The plugin's counters: what happened to requests (passed, blocked, fell
-- back) and the library's own statistics, kept as Kong's prometheus plugin
-- keeps its counters: node-wide totals in a shared dict, raised with atomic
-- incr, so they never go down, whichever worker serves a scrape and whether
-- or not a worker restarted. Each worker tallies locally and adds its
-- tallies to the dict once a second, when it serves a scrape, and when it
-- exits. Where Kong's bundled prometheus plugin is loaded, that dict is its
-- own, and the counters are registered with its exporter: Kong's /metrics
-- shows the same totals. Also the rate limit on error logs, so a dead node
-- cannot flood them.
local cjson = require "cjson.safe"

local ngx = ngx
local kong = kong
local pairs = pairs
local ipairs = ipairs
local pcall = pcall
local require = require
local tonumber = tonumber
local tostring = tostring
local select = select
local sort = table.sort
local concat = table.concat
local fmt = string.format
local unpack = unpack

local _M = {}

-- Counters go to the first dict that exists. Kong declares prometheus_metrics
-- when its prometheus plugin is loaded; its exporter prints every key there
-- (with the prefix kong_), so keys are Prometheus series. An operator can
-- declare wallarm_kong. Kong always declares kong_rate_limiting_counters,
-- which, unlike its `kong` dict, it does not clear on `kong reload`.
local COUNTER_DICTS = { "prometheus_metrics", "wallarm_kong", "kong_rate_limiting_counters", "kong" }
local PREFIX = "wallarm_"         -- of every counter key: wallarm_requests_total{...}
local DICT = "kong"               -- gauges: Kong's, and rewritten every second
local GAUGES = "wallarm-kong:g:"  -- .. pid: one worker's gauges, JSON
local FLUSH_EVERY = 1             -- seconds
local GAUGE_TTL = 10              -- seconds: a killed worker's gauges expire
local LOG_EVERY = 10              -- seconds between two log lines of one kind

local OUTCOMES = { "passed", "blocked", "fallback_pass", "fallback_block",
                   "out_of_band", "out_of_band_dropped" }

-- Metrics as published; `labels` names their labels, `fixed` the label
-- values always shown (others appear once counted).
local METRICS = {
  { "requests", "wallarm_kong_requests_total", "counter",
    "Requests by what the plugin did with them", { "outcome" } },
  { "head_first", "wallarm_kong_requests_head_first_total", "counter",
    "Requests whose head was judged before their body was read (large or unknown length)" },
  { "node_errors", "wallarm_kong_node_errors_total", "counter",
    "Requests with no verdict, by cause (the fallback was applied)", { "code" } },
  { "not_sent", "wallarm_kong_messages_not_sent_total", "counter",
    "Response and out-of-band messages the connector refused to send, by message and cause",
    { "message", "code" } },
  { "verdicts", "wallarm_kong_node_verdicts_total", "counter", "Verdicts the node gave", { "verdict" } },
  { "failures", "wallarm_kong_node_failures_total", "counter", "Messages the node failed, by kind",
    { "kind" } },
  { "submitted", "wallarm_kong_messages_submitted_total", "counter", "Messages accepted for the node" },
  { "sent", "wallarm_kong_messages_sent_total", "counter", "Messages handed to a connection to the node" },
  { "health_probes", "wallarm_kong_health_probes_total", "counter",
    "Health probes sent while the breaker was open" },
  { "unavailable", "wallarm_kong_messages_unavailable_total", "counter",
    "Messages refused at once: breaker open" },
  { "dropped", "wallarm_kong_messages_dropped_total", "counter", "Messages refused: too many pending" },
  { "abandoned", "wallarm_kong_messages_abandoned_total", "counter",
    "Verdicts that came after their request gave up" },
  { "truncated", "wallarm_kong_messages_truncated_total", "counter",
    "Messages whose body was cut at its limit" },
  { "escaped", "wallarm_kong_messages_escaped_total", "counter", "Messages with header bytes escaped" },
  { "reshaped", "wallarm_kong_messages_reshaped_total", "counter",
    "Messages whose method or request-target the node format could not carry as is" },
  { "body_invalid", "wallarm_kong_node_answers_invalid_total", "counter",
    "Node answers whose JSON body did not parse" },
  { "breaker_trips", "wallarm_kong_breaker_trips_total", "counter", "Times the circuit breaker opened" },
  { "bytes_sent", "wallarm_kong_bytes_sent_total", "counter", "Message bytes sent to the node" },
  { "notify_dropped", "wallarm_kong_notifications_dropped_total", "counter",
    "Completion records no reader took" },
  { "connections", "wallarm_kong_connections_total", "counter", "Connections to the node", { "event" } },
}
local FIXED = {
  requests = OUTCOMES,
  verdicts = { "pass", "block" },
  failures = { "timeout", "refused", "connect", "tls", "reset", "proto", "status", "io" },
  connections = { "opened", "reused" },
}
local BY_ID = {}
for _, m in ipairs(METRICS) do
  BY_ID[m[1]] = m
  m.key = m[2]:gsub("^wallarm_kong_", PREFIX)
end

-- Library statistics field -> metric id and label value.
local LIBRARY = {
  passed = { "verdicts", "pass" }, blocked = { "verdicts", "block" },
  conn_opened = { "connections", "opened" }, conn_reused = { "connections", "reused" },
}
for _, kind in ipairs(FIXED.failures) do
  LIBRARY["err_" .. kind] = { "failures", kind }
end
for _, f in ipairs({ "submitted", "sent", "health_probes", "unavailable", "dropped", "abandoned",
                     "truncated", "escaped", "reshaped", "body_invalid", "breaker_trips",
                     "bytes_sent", "notify_dropped" }) do
  LIBRARY[f] = { f }
end
-- The library's statistics not published as counters: the gauges and the
-- histogram, published otherwise, and what no operator acts on.
local NOT_COUNTERS = {
  in_flight = "gauge", queued = "gauge", breaker_state = "gauge",
  latency_count = "histogram", latency_sum_us = "histogram",
  async_sent = "the messages without a waiter the node answered: sent minus failures",
}
-- Every statistic the library has is either published or said not to be.
function _M._unaccounted(stats_fields)
  local left = {}
  for _, f in ipairs(stats_fields) do
    if not LIBRARY[f] and not NOT_COUNTERS[f] then
      left[#left + 1] = f
    end
  end
  return left
end
local LATENCY = "wallarm_node_latency_seconds"
local LATENCY_HELP = "Round trip of messages to the node"

-- Series: the dict key, e.g. `wallarm_requests_total{outcome="passed"}`.
local series_of = {}              -- metric id -> label value(s) key -> series

local function series(id, a, b)
  local by_labels = series_of[id]
  if not by_labels then
    by_labels = {}
    series_of[id] = by_labels
  end
  local k = b and (a .. "\0" .. b) or a or ""
  local s = by_labels[k]
  if s then
    return s
  end
  local m = BY_ID[id]
  s = m.key
  if a then
    local names = m[5]
    s = s .. "{" .. names[1] .. '="' .. a .. '"'
    if b then
      s = s .. "," .. names[2] .. '="' .. b .. '"'
    end
    s = s .. "}"
  end
  by_labels[k] = s
  return s
end

local pending = {}                -- series -> count not yet in the dict
local binding                     -- the wallarm module, once started
local library_seen = {}           -- series (or latency_sum_us) -> library total already counted
local bucket_keys                 -- latency bucket i -> its series
local last_logged, suppressed = {}, {}

local function add(s, n)
  pending[s] = (pending[s] or 0) + n
end

function _M.count(outcome)
  add(series("requests", outcome), 1)
end

function _M.count_head_first()
  add(series("head_first"), 1)
end

-- A request that got no verdict.
function _M.node_error(code)
  add(series("node_errors", code or "EUNKNOWN"), 1)
end

-- A response or out-of-band message the library refused at submit.
function _M.not_sent(message, code)
  add(series("not_sent", message, code or "EUNKNOWN"), 1)
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

-- The library's statistics are per-process totals: what one grew by since
-- the last look is added to its series, so a restarted worker's fresh engine
-- adds from zero.
local function take(key, v)
  local d = v - (library_seen[key] or 0)
  if d > 0 then
    add(key, d)
  end
  library_seen[key] = v
end

local function take_library(dict)
  if not binding then
    return
  end
  local ok, stats = pcall(binding.stats)
  if not (ok and stats) then
    return
  end
  for field, to in pairs(LIBRARY) do
    take(series(to[1], to[2]), stats[field] or 0)
  end
  -- Buckets as Prometheus keeps them: each counts what is at or below its bound.
  local buckets, cumulative = stats.latency_bucket or {}, 0
  for i = 1, bucket_keys and #buckets or 0 do
    cumulative = cumulative + buckets[i]
    take(bucket_keys[i], cumulative)
  end
  local d = (stats.latency_sum_us or 0) - (library_seen.latency_sum_us or 0)
  if d > 0 then
    add(LATENCY .. "_sum", d / 1e6)
  end
  library_seen.latency_sum_us = stats.latency_sum_us
  take(LATENCY .. "_count", stats.latency_count or 0)
  if dict then
    dict:set(GAUGES .. ngx.worker.pid(), cjson.encode({
      in_flight = stats.in_flight, queued = stats.queued, breaker_open = stats.breaker_state,
    }) or "{}", GAUGE_TTL)
  end
end

local counter_dict                -- the node-wide totals (COUNTER_DICTS)

-- Adds this worker's tallies to the node-wide totals, and refreshes its
-- gauges.
local function flush()
  local dict = ngx.shared[DICT]
  take_library(dict)
  if dict and not binding then
    dict:set(GAUGES .. ngx.worker.pid(), "{}", GAUGE_TTL)
  end
  if not counter_dict then
    return
  end
  for s, n in pairs(pending) do
    if n > 0 then
      local _, err = counter_dict:incr(s, n, 0)
      if err then
        _M.log_limited("counters", "cannot count ", s, ": ", err)
      else
        pending[s] = 0
      end
    end
  end
end

local function flusher(premature)
  flush()
  if premature then
    -- Exiting (reload, shutdown): the gauges go with the worker.
    local dict = ngx.shared[DICT]
    if dict then
      dict:delete(GAUGES .. ngx.worker.pid())
    end
  end
end

-- Gives Kong's prometheus plugin, whose dict holds the counters, their
-- help and type: its /metrics then shows them as kong_wallarm_*. Registering
-- is per worker, in init_worker; values are never set through it (the
-- histogram's buckets only matter to observe(), never called).
local function register_exporter()
  local ok, mod = pcall(require, "kong.plugins.prometheus.exporter")
  local prometheus = ok and mod.get_prometheus and mod.get_prometheus()
  if not prometheus then
    return
  end
  for _, m in ipairs(METRICS) do
    prometheus:counter(m.key, m[4], m[5])
  end
  prometheus:histogram(LATENCY, LATENCY_HELP)
end

local function bucket_key(le_us)
  -- Zero-padded, as the exporter stores bounds: keys sort in bound order.
  local le = le_us == math.huge and "Inf" or fmt("%.6f", le_us / 1e6)
  return LATENCY .. '_bucket{le="' .. le .. '"}'
end

function _M.start(wallarm)
  binding = wallarm
  for _, name in ipairs(COUNTER_DICTS) do
    counter_dict = ngx.shared[name]
    if counter_dict then
      break
    end
  end
  if not counter_dict then
    kong.log.warn("no lua_shared_dict for the counters: they cover this worker only")
  end
  local stats = wallarm and wallarm.stats and wallarm.stats()
  if stats and stats.latency_le_us then
    bucket_keys = {}
    for i, le_us in ipairs(stats.latency_le_us) do
      bucket_keys[i] = bucket_key(le_us)
    end
  end
  if counter_dict and counter_dict == ngx.shared.prometheus_metrics then
    local ok, err = pcall(register_exporter)
    if not ok then
      kong.log.err("cannot register counters with the prometheus plugin: ", err)
    end
  end
  flush()  -- published from startup, whatever happens next
  -- nginx's own timer, as the binding's reader uses: it runs once more,
  -- premature, when the worker exits, and the last tallies are kept.
  local every = _G.native_timer_every or ngx.timer.every
  local started, err = every(FLUSH_EVERY, flusher)
  if not started then
    kong.log.err("cannot publish counters: ", err)
  end
end

local function line(out, name, value)
  out[#out + 1] = name .. " " .. tostring(value or 0)
end

local function header(out, name, kind, help)
  out[#out + 1] = "# HELP " .. name .. " " .. help
  out[#out + 1] = "# TYPE " .. name .. " " .. kind
end

-- The route's name of a counter key: wallarm_kong_* for wallarm_*.
local function route_name(key)
  return "wallarm_kong_" .. key:sub(#PREFIX + 1)
end

-- The node-wide totals and gauges (this worker's tallies are flushed first).
function _M.prometheus()
  flush()
  local totals, buckets = {}, {}
  if counter_dict then
    local bucket = LATENCY .. "_bucket{"
    for _, key in ipairs(counter_dict:get_keys(0)) do
      if key:sub(1, #PREFIX) == PREFIX then
        totals[key] = counter_dict:get(key)
        if key:sub(1, #bucket) == bucket then
          buckets[#buckets + 1] = key
        end
      end
    end
  else
    for key, n in pairs(pending) do
      totals[key] = n
    end
  end
  local dict = ngx.shared[DICT]
  local workers, gauges = 0, { in_flight = 0, queued = 0, breaker_open = 0 }
  if dict then
    for _, key in ipairs(dict:get_keys(0)) do
      if key:sub(1, #GAUGES) == GAUGES then
        local g = cjson.decode(dict:get(key) or "")
        if g then
          workers = workers + 1
          for k in pairs(gauges) do
            gauges[k] = gauges[k] + (tonumber(g[k]) or 0)
          end
        end
      end
    end
  else
    workers = 1
  end

  local out = {}
  for _, m in ipairs(METRICS) do
    local id = m[1]
    header(out, m[2], m[3], m[4])
    if not m[5] then
      line(out, route_name(series(id)), totals[series(id)])
    else
      local shown = {}
      for _, v in ipairs(FIXED[id] or {}) do
        local s = series(id, v)
        shown[s] = true
        line(out, route_name(s), totals[s])
      end
      local more = {}
      local prefix = m.key .. "{"
      for s in pairs(totals) do
        if s:sub(1, #prefix) == prefix and not shown[s] then
          more[#more + 1] = s
        end
      end
      sort(more)
      for _, s in ipairs(more) do
        line(out, route_name(s), totals[s])
      end
    end
  end
  header(out, "wallarm_kong_in_flight", "gauge", "Messages on a connection to the node now")
  line(out, "wallarm_kong_in_flight", gauges.in_flight)
  header(out, "wallarm_kong_queued", "gauge", "Messages waiting for a connection now")
  line(out, "wallarm_kong_queued", gauges.queued)
  header(out, "wallarm_kong_breaker_open", "gauge", "Node targets whose circuit breaker is not closed")
  line(out, "wallarm_kong_breaker_open", gauges.breaker_open)
  header(out, "wallarm_kong_workers_reporting", "gauge", "Workers whose gauges are summed here")
  line(out, "wallarm_kong_workers_reporting", workers)

  local name = route_name(LATENCY)
  header(out, name, "histogram", LATENCY_HELP)
  sort(buckets)
  for _, key in ipairs(buckets) do
    local le = key:match('le="([^"]+)"')
    le = le == "Inf" and "+Inf" or tostring(tonumber(le))
    line(out, name .. '_bucket{le="' .. le .. '"}', totals[key])
  end
  line(out, name .. "_sum", totals[LATENCY .. "_sum"])
  line(out, name .. "_count", totals[LATENCY .. "_count"])
  out[#out + 1] = ""
  return concat(out, "\n")
end

return _M
