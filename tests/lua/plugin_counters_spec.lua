-- The plugin's counters (kong-plugin/counters.lua) without nginx: the rate
-- limit on error lines, and the Prometheus text of one worker's counters.
local plugin_dir = (os.getenv("WALLARM_SOURCE_DIR") or ".") .. "/kong-plugin/"

-- Loads counters.lua with a clock the spec sets and a log that keeps each
-- line as Kong would write it (its arguments concatenated).
local function load_counters(clock, lines, dict, pid)
  _G.ngx = {
    now = function() return clock.now end,
    shared = { kong = dict, kong_rate_limiting_counters = dict },
    worker = { id = function() return 0 end, count = function() return 1 end,
               pid = function() return pid or 100 end },
    timer = { every = function() return true end },
  }
  _G.kong = {
    log = {
      err = function(...)
        local parts = { ... }
        for i = 1, select("#", ...) do
          parts[i] = tostring(parts[i])
        end
        lines[#lines + 1] = table.concat(parts)
      end,
      warn = function() end,
    },
    configuration = {},
  }
  if not pcall(require, "cjson.safe") then
    package.loaded["cjson.safe"] = { encode = function() return "{}" end, decode = function() return {} end }
  end
  return dofile(plugin_dir .. "counters.lua")
end

local function no_verdict(counters, id)
  counters.log_limited("ETIMEOUT", "no verdict from the node (", "ETIMEOUT", ": ",
                       "no verdict within 1000 ms", "), request ", id, ", fallback ", "pass")
end

describe("plugin counters", function()
  it("publish every statistic of wallarm_stats_t or say why not", function()
    local f = assert(io.open((os.getenv("WALLARM_SOURCE_DIR") or ".")
                             .. "/libwallarm/include/wallarm.h"))
    local header = f:read("*a")
    f:close()
    local body = assert(header:match("typedef struct wallarm_stats {(.-)} wallarm_stats_t;"))
    local fields = {}
    for field in body:gsub("/%*.-%*/", ""):gmatch("uint64_t%s+([%w_]+)%s*;") do
      fields[#fields + 1] = field
    end
    assert.is_true(#fields >= 30)
    local counters = load_counters({ now = 0 }, {})
    assert.same({}, counters._unaccounted(fields))
  end)

  it("logs one line per kind every 10 s, and the next one keeps every part", function()
    local clock, lines = { now = 1000 }, {}
    local counters = load_counters(clock, lines)
    no_verdict(counters, "r1")
    clock.now = 1001
    no_verdict(counters, "r2")
    no_verdict(counters, "r3")
    counters.log_limited("ECONNREFUSED", "other kind")
    clock.now = 1010.5
    no_verdict(counters, "r4")
    assert.same({
      "no verdict from the node (ETIMEOUT: no verdict within 1000 ms), request r1, fallback pass",
      "other kind",
      "no verdict from the node (ETIMEOUT: no verdict within 1000 ms), request r4, fallback pass"
        .. " (2 more like this in the last 10 s)",
    }, lines)
  end)

  it("counts requests judged head first on their own line", function()
    local counters = load_counters({ now = 0 }, {})
    counters.count_head_first()
    counters.count_head_first()
    counters.count("passed")
    local text = counters.prometheus()
    assert.truthy(text:find("\nwallarm_kong_requests_head_first_total 2\n", 1, true))
    assert.truthy(text:find('\nwallarm_kong_requests_total{outcome="passed"} 1\n', 1, true))
  end)

  -- A stand-in for an ngx.shared dict: what counters.lua calls.
  local function shared_dict()
    local data = {}
    return {
      data = data,
      incr = function(_, k, n, init)
        if data[k] == nil then
          if init == nil then return nil, "not found" end
          data[k] = init
        end
        data[k] = data[k] + n
        return data[k]
      end,
      get = function(_, k) return data[k] end,
      set = function(_, k, v) data[k] = v; return true end,
      delete = function(_, k) data[k] = nil end,
      get_keys = function()
        local keys = {}
        for k in pairs(data) do keys[#keys + 1] = k end
        return keys
      end,
    }
  end

  local function value(text, series)
    local v = text:match("\n" .. series:gsub("[%{%}%(%)%.%-%+%[%]%^%$%*%?]", "%%%0") .. " ([^\n]+)")
    return tonumber(v)
  end

  -- One worker's fake library statistics.
  local function fake_binding(stats)
    return { stats = function()
      local t = { latency_bucket = {}, latency_le_us = { 250, math.huge } }
      for k, v in pairs(stats) do t[k] = v end
      return t
    end }
  end

  it("keeps totals in the shared dict that a restarted worker only adds to", function()
    local dict = shared_dict()
    local stats = { sent = 7, err_timeout = 2, in_flight = 3 }
    local a = load_counters({ now = 0 }, {}, dict, 101)
    a.start(fake_binding(stats))
    a.node_error("ESTARTUP")
    a.count("fallback_pass")
    local text = a.prometheus()
    assert.equal(1, value(text, 'wallarm_kong_node_errors_total{code="ESTARTUP"}'))
    assert.equal(7, value(text, "wallarm_kong_messages_sent_total"))
    assert.equal(2, value(text, 'wallarm_kong_node_failures_total{kind="timeout"}'))
    assert.equal(3, value(text, "wallarm_kong_in_flight"))
    stats.sent = 9
    text = a.prometheus()
    assert.equal(9, value(text, "wallarm_kong_messages_sent_total"))

    -- The worker is replaced: its engine counts from zero again, and the
    -- totals only grow.
    local b = load_counters({ now = 0 }, {}, dict, 102)
    b.start(fake_binding({ sent = 1 }))
    b.node_error("ESTARTUP")
    text = b.prometheus()
    assert.equal(2, value(text, 'wallarm_kong_node_errors_total{code="ESTARTUP"}'))
    assert.equal(1, value(text, 'wallarm_kong_requests_total{outcome="fallback_pass"}'))
    assert.equal(10, value(text, "wallarm_kong_messages_sent_total"))
  end)

  it("counts refused response and out-of-band messages apart from requests without a verdict", function()
    local c = load_counters({ now = 0 }, {}, shared_dict(), 103)
    c.start(nil)
    c.node_error("ETIMEOUT")
    c.not_sent("response", "EUNAVAILABLE")
    c.not_sent("out_of_band", "EQUEUE")
    local text = c.prometheus()
    assert.equal(1, value(text, 'wallarm_kong_node_errors_total{code="ETIMEOUT"}'))
    assert.is_nil(value(text, 'wallarm_kong_node_errors_total{code="EUNAVAILABLE"}'))
    assert.equal(1, value(text, 'wallarm_kong_messages_not_sent_total{message="response",code="EUNAVAILABLE"}'))
    assert.equal(1, value(text, 'wallarm_kong_messages_not_sent_total{message="out_of_band",code="EQUEUE"}'))
  end)
end)
