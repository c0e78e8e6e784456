-- The plugin's counters (kong-plugin/counters.lua) without nginx: the rate
-- limit on error lines, and the Prometheus text of one worker's counters.
local plugin_dir = (os.getenv("WALLARM_SOURCE_DIR") or ".") .. "/kong-plugin/"

-- Loads counters.lua with a clock the spec sets and a log that keeps each
-- line as Kong would write it (its arguments concatenated).
local function load_counters(clock, lines)
  _G.ngx = {
    now = function() return clock.now end,
    shared = {},
    worker = { id = function() return 0 end, count = function() return 1 end },
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
  }
  package.loaded["cjson.safe"] = package.loaded["cjson.safe"] or { encode = function() end }
  return dofile(plugin_dir .. "counters.lua")
end

local function no_verdict(counters, id)
  counters.log_limited("ETIMEOUT", "no verdict from the node (", "ETIMEOUT", ": ",
                       "no verdict within 1000 ms", "), request ", id, ", fallback ", "pass")
end

describe("plugin counters", function()
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
end)
