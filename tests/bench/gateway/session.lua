-- wrk script of the gateway benchmark: every connection sends the same
-- typical API call (the headers of tests/bench/typical_request.h).
--
--   wrk ... -s session.lua URL -- BODY_BYTES DELAY_MS
--
-- BODY_BYTES  > 0: POST a JSON body of that size; 0: GET
-- DELAY_MS    > 0: each connection pauses that long between requests (a set
--             rate below saturation: rate ~= connections / (delay + latency))
-- done() prints one line "WRK_RESULT {json}" for the driver.

local body_bytes, delay_ms = 0, 0
local prepared

function init(args)
  body_bytes = tonumber(args[1]) or 0
  delay_ms = tonumber(args[2]) or 0
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

function delay()
  return delay_ms
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_RESULT {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,' ..
    '"max_us":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.max, e.connect, e.read, e.write, e.status, e.timeout))
end
