-- The fields wallarm.h declares reach both sides, and none is listed by hand
-- in the binding: each number of a target's config is marshalled by the
-- binding and checked by the library, each scalar of wallarm_stats_t comes
-- out of wallarm.stats(), and the names agree with the header's.
package.path = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./")
  .. "?.lua;" .. package.path
local helpers = require "helpers"

local fake = helpers.fake_ngx()
local wallarm = require "wallarm"
fake.wallarm = wallarm

-- The header's own declarations, read here without the binding's parser.
local function header_struct(name)
  local f = assert(io.open(helpers.root .. "/libwallarm/include/wallarm.h"))
  local text = f:read("*a")
  f:close()
  local body = assert(text:match("typedef struct " .. name .. " {(.-)} " .. name .. "_t;"))
  local fields = {}
  for line in body:gmatch("[^\n]+") do
    local ctype, field = line:match("^%s+([%w_]+)%s+%*?([%w_]+)[%[;]")
    if ctype then fields[#fields + 1] = { ctype = ctype, name = field } end
  end
  return fields
end

setup(function()
  assert(wallarm.load(helpers.library))
  assert(wallarm.init_worker({ timer_at = function() return true end }))
end)

describe("wallarm_target_config_t", function()
  it("has each of its numbers marshalled and range-checked by the library", function()
    local numbers = {}
    for _, f in ipairs(header_struct("wallarm_target_config")) do
      if f.ctype == "uint32_t" and f.name ~= "size" and f.name ~= "reserved" then
        numbers[#numbers + 1] = f.name
      end
    end
    assert.is_true(#numbers >= 8)
    assert.same(numbers, wallarm.TARGET_NUMBERS)
    for _, name in ipairs(numbers) do
      -- The most a uint32_t holds is over every limit the library sets: the
      -- library's own message names the field, so the value got there.
      local t, err = wallarm.target({ url = "http://127.0.0.1:1/", [name] = 4294967295 })
      assert.is_nil(t)
      assert.matches("^" .. name .. ": must be ", err)
    end
  end)
end)

describe("wallarm_stats_t", function()
  it("comes out of wallarm.stats() whole", function()
    local stats = assert(wallarm.stats())
    local scalars = 0
    for _, f in ipairs(header_struct("wallarm_stats")) do
      if f.name == "latency_bucket" then
        assert.equal(tonumber(require("ffi").C.WALLARM_LATENCY_BUCKETS), #stats.latency_bucket)
      elseif f.name ~= "size" and f.name ~= "reserved" then
        scalars = scalars + 1
        assert.equal("number", type(stats[f.name]), f.name)
      end
    end
    assert.is_true(scalars >= 30)
    local known = { latency_bucket = true, latency_le_us = true }
    for _, f in ipairs(header_struct("wallarm_stats")) do known[f.name] = true end
    for key in pairs(stats) do
      assert.is_true(known[key], key .. " is not a field of wallarm_stats_t")
    end
  end)
end)
