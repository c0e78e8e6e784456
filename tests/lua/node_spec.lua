-- The binding against the reference node (ModSecurity + CRS, mode block),
-- started here on 127.0.0.1 and killed by PID in teardown.
package.path = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./")
  .. "?.lua;" .. package.path
local helpers = require "helpers"
local ffi = require "ffi"

local fake = helpers.fake_ngx()
local wallarm = require "wallarm"
fake.wallarm = wallarm

local dir, node, t

local function request(uri, over)
  local msg = {
    type = "request", method = "GET", uri = uri, version = "1.1",
    headers = { "Host", "shop.example", "User-Agent", "Mozilla/5.0 (X11; Linux x86_64)",
                "Accept", "text/html", "Accept-Language", "en", "Accept", "*/*" },
    request_id = "lua-" .. tostring(math.random(1e9)), client_ip = "198.51.100.9",
    host = "shop.example",
  }
  for k, v in pairs(over or {}) do msg[k] = v end
  return msg
end

local function has_attack(v, kind)
  for _, a in ipairs(v.attacks) do
    if a.type == kind then return true end
  end
  return false
end

-- The node's attack records (GET /attacks.json), newest first.
local function attack_records()
  local status, body = helpers.http_get(node.port, "/attacks.json")
  assert.equal(200, status)
  return body
end

setup(function()
  math.randomseed(helpers.getpid())
  dir = helpers.mkdtemp()
  node = helpers.start_node("--engine modsecurity --mode block", dir)
  assert(wallarm.load(helpers.library))
  assert(wallarm.init_worker({ socket_dir = dir .. "/sock",
                               timer_at = function() return true end }))
  fake.reader = assert(helpers.connect_unix(wallarm._socket_path()))
  t = assert(wallarm.target({ url = node.url, breaker_failures = 0 }))
end)

teardown(function()
  if t and t.handle then t:release() end
  if fake.reader then fake.reader:close() end
  helpers.stop_node(node)
  helpers.rmtree(dir)
end)

describe("against the reference node in block mode", function()
  it("blocks GET /etc/passwd as path traversal", function()
    local msg = request("/etc/passwd")
    local v = t:inspect(msg, 5000)
    assert.is_true(v.ok, v.detail)
    assert.equal("block", v.action)
    assert.equal(403, v.status)
    assert.equal("block", v.mode)
    assert.is_true(v.attack_count >= 1)
    assert.is_true(has_attack(v, "ptrav"), "attacks: " .. require("pl.pretty").write(v.attacks))
    assert.is_false(v.body_invalid)
    assert.is_true(#v.node_request_id > 0)
    -- The node recorded it with the metadata the binding sent.
    local records = attack_records()
    assert.matches(msg.request_id, records, 1, true)
    assert.matches("198.51.100.9", records, 1, true)
    assert.matches("shop.example", records, 1, true)
  end)

  it("blocks SQL injection in the query", function()
    local v = t:inspect(request("/search?q=1%27%20OR%20%271%27=%271%27%20--%20"), 5000)
    assert.is_true(v.ok, v.detail)
    assert.equal("block", v.action)
    assert.is_true(has_attack(v, "sqli"))
  end)

  it("blocks an attack in a POST body", function()
    local v = t:inspect(request("/login", {
      method = "POST",
      headers = { "Host", "shop.example", "Content-Type", "application/x-www-form-urlencoded",
                  "Content-Length", "42", "User-Agent", "Mozilla/5.0" },
      body = "user=admin&pass=x' UNION SELECT password FROM users--",
    }), 5000)
    assert.is_true(v.ok, v.detail)
    assert.equal("block", v.action)
  end)

  it("passes a benign request", function()
    local v = t:inspect(request("/products/42?color=blue"), 5000)
    assert.is_true(v.ok, v.detail)
    assert.equal("pass", v.action)
    assert.equal("block", v.mode)
    assert.equal(0, v.attack_count)
    assert.same({}, v.attacks)
  end)

  it("takes a response message for a request id", function()
    local msg = request("/etc/passwd")
    assert.equal("block", t:inspect(msg, 5000).action)
    assert.is_true(t:send({ type = "response", status = 403, request_id = msg.request_id,
                            headers = { "Content-Type", "application/json" }, body = "{}" }))
    local s
    local deadline = helpers.now_ms() + 5000
    repeat
      helpers.sleep_ms(20)
      s = wallarm.stats(t)
    until s.async_sent >= 1 or helpers.now_ms() > deadline
    assert.equal(1, s.async_sent)
    assert.equal(0, s.err_status)
  end)

  it("gives the same verdict through the library's blocking wallarm_inspect", function()
    local lib = ffi.load(helpers.library)
    local verdict = ffi.new("wallarm_verdict_t")
    verdict.size = ffi.sizeof(verdict)
    local msg = request("/etc/passwd")
    local rc = lib.wallarm_inspect(t.handle, wallarm._build_message(msg), 5000, verdict)
    assert.equal(0, rc)
    local v = wallarm._verdict_table(verdict)
    assert.is_true(v.ok)
    assert.equal("block", v.action)
    assert.is_true(has_attack(v, "ptrav"))
    msg = request("/index.html")
    rc = lib.wallarm_inspect(t.handle, wallarm._build_message(msg), 5000, verdict)
    assert.equal(0, rc)
    assert.equal("pass", wallarm._verdict_table(verdict).action)
  end)

  it("counts verdicts", function()
    local before = wallarm.stats(t)
    assert.equal("block", t:inspect(request("/etc/passwd"), 5000).action)
    assert.equal("pass", t:inspect(request("/index.html"), 5000).action)
    assert.equal("pass", t:inspect(request("/about.html"), 5000).action)
    local s = wallarm.stats(t)
    assert.equal(1, s.blocked - before.blocked)
    assert.equal(2, s.passed - before.passed)
    assert.equal(0, s.err_timeout + s.err_refused + s.err_status + s.err_proto)
    -- one after another: a later one takes an earlier one's connection
    assert.is_true(s.conn_reused - before.conn_reused >= 1)
  end)
end)
