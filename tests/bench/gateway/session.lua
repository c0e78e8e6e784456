-- wrk script of the gateway benchmark: every connection sends the same
-- typical API call (the headers of tests/bench/typical_request.h).
--
--   [BENCH_RATE=R] wrk -t1 ... -s session.lua URL -- BODY_BYTES
--
-- BODY_BYTES  > 0: POST a JSON body of that size; 0: GET
-- BENCH_RATE  > 0 (environment): a fixed rate of R requests per second over
--             all the connections together, from one schedule: each request
--             takes the next slot, 1/R s after the one before, and its
--             connection waits until then. A request whose slot has passed
--             goes at once, so a gateway that falls behind catches up at its
--             own pace and the achieved rate shows it. Unset or 0: every
--             connection sends as fast as its answers come (saturation).
--             The schedule is one per wrk thread: run one thread (-t1).
-- done() prints one line "WRK_RESULT {json}" for the driver.

local body_bytes = 0
local prepared

local rate = tonumber(os.getenv("BENCH_RATE") or "") or 0

function init(args)
  body_bytes = tonumber(args[1]) or 0
  local headers = {
    ["Host"] = "api.example.com",
    ["User-Agent"] = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36",
    ["Accept"] = "application/json, text/plain, */*",
    ["Accept-Language"] = "en-US,en;q=0.9",
    ["Accept-Encoding"] = "gzip, deflate, br",
    ["Authorization"] = "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3",
    ["Cookie"] = "session=5f2b1c9e8d7a6b5c4d3e2f1a; theme=dark",
    ["X-Request-Id"] = "8d3a1f0e-7c2b-4a9d-b6e5-1f0e9d8c7b6a",
    ["X-Forwarded-For"] = "203.0.113.7",
  }
  local method, body = "GET", nil
  if body_bytes > 0 then
    method = "POST"
    headers["Content-Type"] = "application/json"
    body = '{"data":"' .. string.rep("j", math.max(body_bytes - 11, 0)) .. '"}'
  end
  prepared = wrk.format(method, wrk.path, headers, body)
end

function request()
  return prepared
end

-- wrk calls delay() only when the script defines it, before every request
-- (the first included); it waits that many whole milliseconds. Rounding
-- moves single requests by up to half a millisecond; the slots themselves
-- never drift, so the rate holds on average.
if rate > 0 then
  local ffi = require "ffi"
  ffi.cdef [[
    typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
    int clock_gettime(int clock_id, bench_timespec *tp);
  ]]
  local CLOCK_MONOTONIC = 1
  local ts = ffi.new("bench_timespec")
  local function now_ms()
    ffi.C.clock_gettime(CLOCK_MONOTONIC, ts)
    return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
  end
  local interval_ms = 1000 / rate
  local next_slot -- shared by every connection of this thread

  function delay()
    local now = now_ms()
    local slot = next_slot or now
    next_slot = slot + interval_ms
    local wait = slot - now
    if wait <= 0 then
      return 0
    end
    return math.floor(wait + 0.5)
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_RESULT {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,' ..
    '"max_us":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.max, e.connect, e.read, e.write, e.status, e.timeout))
end
