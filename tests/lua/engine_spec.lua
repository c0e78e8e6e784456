-- The binding with a real engine and a fake node (a loopback server written
-- here), with a stand-in for ngx: init_worker, targets, what send() puts on
-- the wire, inspect() verdicts and failures, the reader loop, stats, fork.
package.path = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./")
  .. "?.lua;" .. package.path
local helpers = require "helpers"
local ffi = require "ffi"

ffi.cdef [[
  int fork(void);
  void _exit(int status);
  int waitpid(int pid, int *status, int options);
]]

local fake = helpers.fake_ngx()
local wallarm = require "wallarm"
fake.wallarm = wallarm

local dir            -- private temporary directory
local timers = {}    -- timers the binding asked for: { delay, fn, args }
local function timer_at(delay, fn, ...)
  timers[#timers + 1] = { delay = delay, fn = fn, args = { ... } }
  return true
end

local targets, servers = {}, {}

-- The engine of this process, as a worker's init_worker makes it, with this
-- test process playing its notification reader (fake.reader). Every test
-- runs after it (before_each below), so that each runs alone or in any order.
local function engine()
  if not wallarm._socket_path() then
    assert(wallarm.init_worker({ socket_dir = dir .. "/sock", connector = "kong-test",
                                 timer_at = timer_at }))
  end
  if not fake.reader then
    fake.reader = assert(helpers.connect_unix(wallarm._socket_path()))
    fake.leftover = ""
  end
end

-- The reader's timer (the last one started): init_worker starts one when
-- none runs (a test of the reader loop ended it).
local function reader_timer()
  assert(wallarm.init_worker({ timer_at = timer_at }))
  return timers[#timers]
end

-- Runs fn in a forked child, for what only a process's first init_worker
-- does: there the parent's engine is another process's, and the child makes
-- its own. Returns true, or false and the child's error.
local child_seq = 0
local function in_child(fn)
  child_seq = child_seq + 1
  local errfile = ("%s/child-%d.err"):format(dir, child_seq)
  io.stdout:flush()
  io.stderr:flush()
  local pid = ffi.C.fork()
  assert(pid >= 0, "fork failed")
  if pid == 0 then
    local ok, err = pcall(fn)
    if not ok then
      helpers.write_file(errfile, type(err) == "table" and tostring(err.message or err[1] or err)
                                  or tostring(err))
    end
    ffi.C._exit(ok and 0 or 1)
  end
  local status = ffi.new("int[1]")
  assert.equal(pid, ffi.C.waitpid(pid, status, 0))
  if status[0] == 0 then return true end
  return false, helpers.read_file(errfile) or ("child status " .. status[0])
end

-- A target on a fresh loopback server: t, srv.
local function new_target(cfg)
  local srv = helpers.listen_tcp()
  servers[#servers + 1] = srv
  cfg = cfg or {}
  cfg.url = cfg.url or ("http://127.0.0.1:" .. srv.port .. "/inspect")
  if cfg.breaker_failures == nil then cfg.breaker_failures = 0 end
  -- These specs read v1 messages; the formats have specs of their own below.
  if cfg.format == nil then cfg.format = "v1" end
  local t = assert(wallarm.target(cfg))
  targets[#targets + 1] = t
  return t, srv
end

-- Accepts one node connection and reads one message from it; answers it
-- with `answer` (raw HTTP) unless nil. Returns the captured request.
local function capture(srv, answer)
  local conn = assert(srv:accept(5000))
  local req = assert(conn:read_request(5000))
  if answer then conn:send(answer) end
  conn:close()
  return req
end

-- While inspect() waits: serve one message with `answer`; returns a
-- function giving the captured request.
local function serve_once(srv, answer)
  local req
  fake.hooks.on_wait = function()
    if req then return end
    local conn = srv:accept(0)
    if conn then
      req = assert(conn:read_request(2000))
      conn:send(answer)
      conn:close()
    end
  end
  return function() return req end
end

local function request(over)
  local msg = {
    type = "request", method = "POST", uri = "/p?q=1", version = "1.1",
    headers = { "Host", "api.example", "X-Dup", "one", "Accept", "*/*",
                "X-Dup", "two", "Content-Length", "5" },
    body = "hello", request_id = "req-42", client_ip = "192.0.2.1",
    host = "api.example",
  }
  for k, v in pairs(over or {}) do msg[k] = v end
  return msg
end

local function json_answer(status, body)
  return helpers.http_answer(status, body) -- Content-Length framed
end

setup(function()
  dir = helpers.mkdtemp()
  assert(wallarm.load(helpers.library))
end)

teardown(function()
  fake.hooks.on_wait = nil
  for _, t in ipairs(targets) do
    if t.handle then t:release() end
  end
  for _, s in ipairs(servers) do s:close() end
  if fake.reader then fake.reader:close() end
  helpers.rmtree(dir)
end)

before_each(engine)

after_each(function()
  fake.hooks.on_wait = nil
  fake.wait_error = nil
  fake.wait_yield = nil
end)

describe("init_worker", function()
  it("raises on misuse of opts", function()
    assert.has_error(function() wallarm.init_worker("x") end, "opts: table expected, got string")
    assert.has_error(function() wallarm.init_worker({ max_pending = "1" }) end,
                     "opts.max_pending: number expected, got string")
    assert.has_error(function() wallarm.init_worker({ max_pending = 0 }) end,
                     "opts.max_pending: integer 1..4294967295 expected, got 0")
    assert.has_error(function() wallarm.init_worker({ timer_at = 1 }) end,
                     "opts.timer_at: function expected, got number")
    assert.has_error(function() wallarm.init_worker({ socket_dir = false }) end,
                     "opts.socket_dir: string expected, got boolean")
  end)

  it("reports a socket_dir it cannot use", function()
    local file = dir .. "/a-file"
    helpers.write_file(file, "x")
    assert.is_true(in_child(function()
      local before = #timers
      local ok, err = wallarm.init_worker({ socket_dir = file, timer_at = timer_at })
      assert.is_nil(ok)
      assert.matches("^wallarm_engine_new: socket_dir: ", err)
      assert.matches(file, err, 1, true)
      assert.is_nil(wallarm._socket_path())
      assert.equal(before, #timers)
    end))
  end)

  it("reports a timer it cannot start, and keeps the engine", function()
    assert.is_true(in_child(function()
      local ok, err = wallarm.init_worker({
        socket_dir = dir .. "/sock", connector = "kong-test",
        timer_at = function() return nil, "too many pending timers" end,
      })
      assert.is_nil(ok)
      assert.equal("cannot start the notification reader: too many pending timers", err)
      local quoted = (dir .. "/sock/wallarm-"):gsub("%p", "%%%0")
      assert.matches("^unix:" .. quoted .. "%d+%.sock$", wallarm._socket_path())
      -- The engine stays: the next init_worker only starts the reader.
      local path = wallarm._socket_path()
      assert.is_true(wallarm.init_worker({ timer_at = timer_at }))
      assert.equal(path, wallarm._socket_path())
    end))
  end)

  it("starts one reader, once", function()
    assert.is_true(in_child(function()
      local before = #timers
      assert.is_true(wallarm.init_worker({ socket_dir = dir .. "/sock", timer_at = timer_at }))
      local path = wallarm._socket_path()
      assert.equal(before + 1, #timers)
      assert.equal(0, timers[#timers].delay)
      assert.equal(path, timers[#timers].args[1].path)
      assert.is_true(wallarm.init_worker({ timer_at = timer_at }))
      assert.equal(before + 1, #timers)
      assert.equal(path, wallarm._socket_path())
      -- the socket file, in a private directory
      local attrs = io.popen("stat -c %a '" .. dir .. "/sock'"):read("*l")
      assert.equal("700", attrs)
      assert.truthy(helpers.connect_unix(path))
    end))
  end)
end)

describe("wallarm.target", function()
  it("raises when cfg is not a table", function()
    assert.has_error(function() wallarm.target("http://x") end, "cfg: table expected, got string")
  end)

  it("names the field at fault", function()
    local cases = {
      { {}, "^url: required %(string%), got nil$" },
      { { url = "" }, '^url: required %(string%), got ""$' },
      { { url = "ftp://127.0.0.1/" }, "^url: scheme must be http or https, not ftp$" },
      { { url = "http://127.0.0.1/", max_connections = -1 },
        "^max_connections: integer 0..4294967295 expected, got %-1$" },
      { { url = "http://127.0.0.1/", idle_timeout_s = 1.5 },
        "^idle_timeout_s: integer 0..4294967295 expected, got 1.5$" },
      { { url = "http://127.0.0.1/", request_body_limit = "1" },
        "^request_body_limit: integer" },
      { { url = "http://127.0.0.1/", tls_verify = "yes" },
        "^tls_verify: boolean expected, got string$" },
      { { url = "http://127.0.0.1/", ca_file = 1 }, "^ca_file: string expected, got number$" },
      { { url = "http://127.0.0.1/", max_connections = 0 }, "^max_connections: " },
      { { url = "http://127.0.0.1/", format = "json" },
        "^format: mirror, multipart or v1 expected, got json$" },
      { { url = "http://127.0.0.1/", health_path = 1 }, "^health_path: string expected, got number$" },
      { { url = "http://127.0.0.1/", health_path = "nope" }, "^health_path: must be a path" },
      { { url = "http://127.0.0.1/?q", format = "mirror" }, "^url: no query or fragment" },
    }
    for _, case in ipairs(cases) do
      local t, err = wallarm.target(case[1])
      assert.is_nil(t)
      assert.matches(case[2], err)
    end
  end)

  it("makes a target with every setting", function()
    local t = assert(wallarm.target({
      url = "https://127.0.0.1:1/x", max_connections = 4, max_conn_age_s = 10,
      idle_timeout_s = 5, request_body_limit = 100, response_body_limit = 10,
      tls_verify = false, breaker_failures = 3, breaker_backoff_ms = 10,
      breaker_backoff_max_ms = 100, format = "multipart", health_path = "/health",
    }))
    assert.equal("cdata", type(t.handle))
    t:release()
    assert.is_nil(t.handle)
  end)

  it("raises on use after release", function()
    local t = assert(wallarm.target({ url = "http://127.0.0.1:1/" }))
    t:release()
    assert.has_error(function() t:release() end, "wallarm target already released")
    assert.has_error(function() t:inspect(request(), 100) end, "wallarm target already released")
    assert.has_error(function() t:send(request()) end, "wallarm target already released")
    assert.has_error(function() wallarm.stats(t) end, "wallarm target already released")
  end)

  it("releases a forgotten target when it is collected: the engine closes its connection", function()
    local srv = helpers.listen_tcp()
    servers[#servers + 1] = srv
    -- Made and dropped in a call of its own: no stack slot keeps it.
    local function forgotten(url)
      local t = assert(wallarm.target({ url = url, format = "v1" }))
      assert.is_true(t:send(request()))
    end
    forgotten("http://127.0.0.1:" .. srv.port .. "/inspect")
    local conn = assert(srv:accept(5000))
    assert(conn:read_request(5000))
    assert(conn:send(json_answer(200, "")))  -- kept alive for the next message
    collectgarbage()
    collectgarbage()
    -- Released, the target is freed with its connection: the node sees EOF.
    local data, err = conn:recv(4096, 5000)
    conn:close()
    assert.equal("", data, "no EOF: " .. tostring(err))
    assert.truthy(wallarm.stats())
  end)
end)

describe("target:send", function()
  it("puts the message on the wire as given: order, duplicates, metadata", function()
    local t, srv = new_target()
    local msg = request()
    assert.is_true(t:send(msg, true))
    local req = capture(srv, json_answer(200, ""))
    assert.equal("POST /inspect HTTP/1.1", req.line)
    assert.equal("request", helpers.header(req, "X-Wallarm-Message-Type"))
    assert.equal("req-42", helpers.header(req, "X-Wallarm-Request-Id"))
    assert.equal("192.0.2.1", helpers.header(req, "X-Wallarm-Forwarded-For"))
    assert.equal("api.example", helpers.header(req, "X-Wallarm-Forwarded-Host"))
    assert.equal("1", helpers.header(req, "X-Wallarm-Out-Of-Band"))
    assert.equal("kong-test", helpers.header(req, "X-Wallarm-Connector-Type"))
    assert.equal(wallarm.VERSION, helpers.header(req, "X-Wallarm-Connector-Version"))
    assert.is_nil(helpers.header(req, "X-Wallarm-Body-Truncated"))
    local e = helpers.embedded(req.body)
    assert.equal("POST /p?q=1 HTTP/1.1", e.start)
    assert.same(msg.headers, e.headers)
    assert.equal("hello", e.body)
  end)

  it("sends in the target's format: mirror replays, multipart posts parts", function()
    local t, srv = new_target({ format = "mirror" })
    assert.is_true(t:send(request()))
    local req = capture(srv, json_answer(200, ""))
    assert.equal("POST /inspect/p?q=1 HTTP/1.1", req.line)
    assert.equal("req-42", helpers.header(req, "X-Wallarm-Request-Id"))
    assert.equal("inline", helpers.header(req, "X-Wallarm-Connector-Mode"))
    assert.equal("hello", req.body)

    t, srv = new_target({ format = "multipart" })
    local msg = request()
    msg.request_id = "42ab"
    assert.is_true(t:send(msg))
    req = capture(srv, json_answer(200, ""))
    assert.equal("POST /inspect/p?q=1 HTTP/1.1", req.line)
    assert.equal("multipart/form-data; boundary=WallarmBoundary42ab",
                 helpers.header(req, "Content-Type"))
    assert.matches('name="body"\r\n\r\nhello\r\n', req.body)
  end)

  it("marks only out-of-band copies", function()
    local t, srv = new_target()
    assert.is_true(t:send(request()))
    local req = capture(srv, json_answer(200, ""))
    assert.is_nil(helpers.header(req, "X-Wallarm-Out-Of-Band"))
  end)

  it("sends 0 and 1000 headers", function()
    local t, srv = new_target()
    assert.is_true(t:send(request({ headers = {} })))
    local e = helpers.embedded(capture(srv, json_answer(200, "")).body)
    assert.same({}, e.headers)
    local headers = {}
    for i = 1, 1000 do
      headers[2 * i - 1] = (i % 2 == 0) and "X-Same" or ("X-N" .. i)
      headers[2 * i] = "value-" .. i
    end
    assert.is_true(t:send(request({ headers = headers })))
    e = helpers.embedded(capture(srv, json_answer(200, "")).body)
    assert.same(headers, e.headers)
  end)

  it("sends a response message", function()
    local t, srv = new_target()
    assert.is_true(t:send({ type = "response", status = 404, request_id = "req-42",
                            headers = { "Content-Type", "text/plain" }, body = "gone" }))
    local req = capture(srv, json_answer(200, ""))
    assert.equal("response", helpers.header(req, "X-Wallarm-Message-Type"))
    local e = helpers.embedded(req.body)
    assert.equal("HTTP/1.1 404 Not Found", e.start)
    assert.same({ "Content-Type", "text/plain" }, e.headers)
    assert.equal("gone", e.body)
  end)

  it("cuts the body at the limit and says how long it was", function()
    local t, srv = new_target({ request_body_limit = 4 })
    assert.is_true(t:send(request({ body = "abcdefgh" })))
    local req = capture(srv, json_answer(200, ""))
    assert.equal("8", helpers.header(req, "X-Wallarm-Body-Truncated"))
    assert.equal("abcd", helpers.embedded(req.body).body)
  end)

  it("passes body_total and body_file", function()
    local t, srv = new_target()
    assert.is_true(t:send(request({ body = "abc", body_total = 100 })))
    local req = capture(srv, json_answer(200, ""))
    assert.equal("100", helpers.header(req, "X-Wallarm-Body-Truncated"))
    assert.equal("abc", helpers.embedded(req.body).body)

    local file = dir .. "/body"
    helpers.write_file(file, "-from-file")
    assert.is_true(t:send(request({ body = "mem", body_file = file })))
    req = capture(srv, json_answer(200, ""))
    assert.equal("mem-from-file", helpers.embedded(req.body).body)
    assert.is_nil(helpers.header(req, "X-Wallarm-Body-Truncated"))
  end)

  it("returns the code name when the library refuses", function()
    local t = new_target()
    local ok, err = t:send(request({ body_file = dir .. "/no-such-file" }))
    assert.is_nil(ok)
    assert.equal("EIO", err)
  end)

  it("raises on misuse", function()
    local t = new_target()
    assert.has_error(function() t:send(request(), false, 0) end,
                     "timeout_ms: number 1..4294967295 expected, got 0")
    assert.has_error(function() t:send({ type = "request" }) end,
                     "msg.method: non-empty string required, got nil")
    assert.has_error(function() t.send(request()) end,
                     "not a wallarm target (use target:method(), not target.method())")
  end)
end)

describe("target:inspect", function()
  it("returns a block verdict with its details", function()
    local t, srv = new_target()
    local attacks = {}
    for i = 1, 9 do
      attacks[i] = ('{"type":"sqli","location":"query"}')
    end
    local got = serve_once(srv, json_answer(403,
      '{"verdict":"block","mode":"block","request_id":"node-1","attacks":['
      .. '{"type":"xss","location":"header:user-agent"},' .. table.concat(attacks, ",", 1, 8) .. ']}'))
    local v = t:inspect(request(), 2000)
    assert.truthy(got())
    assert.is_true(v.ok)
    assert.equal("block", v.action)
    assert.equal(403, v.status)
    assert.equal("block", v.mode)
    assert.equal("node-1", v.node_request_id)
    assert.equal(9, v.attack_count)
    assert.equal(8, #v.attacks)
    assert.same({ type = "xss", location = "header:user-agent" }, v.attacks[1])
    assert.same({ type = "sqli", location = "query" }, v.attacks[8])
    assert.is_false(v.body_invalid)
    assert.equal("number", type(v.latency_ms))
    assert.is_true(v.latency_ms >= 0 and v.latency_ms < 2000)
    -- the message the node saw
    local e = helpers.embedded(got().body)
    assert.same(request().headers, e.headers)
    assert.is_nil(helpers.header(got(), "X-Wallarm-Out-Of-Band"))
  end)

  it("returns a pass verdict, flagging a body that is not JSON", function()
    local t, srv = new_target()
    serve_once(srv, json_answer(200, "<html>not json</html>"))
    local v = t:inspect(request(), 2000)
    assert.is_true(v.ok)
    assert.equal("pass", v.action)
    assert.equal(200, v.status)
    assert.equal("unknown", v.mode)
    assert.equal("", v.node_request_id)
    assert.same({}, v.attacks)
    assert.equal(0, v.attack_count)
    assert.is_true(v.body_invalid)
  end)

  it("returns ESTATUS for an unexpected node status", function()
    local t, srv = new_target()
    serve_once(srv, json_answer(500, "oops"))
    local v = t:inspect(request(), 2000)
    assert.is_false(v.ok)
    assert.equal("ESTATUS", v.code)
    assert.equal("string", type(v.detail))
    assert.is_true(#v.detail > 0)
    assert.equal("number", type(v.latency_ms))
  end)

  it("returns ETIMEOUT when the node does not answer in time", function()
    local t, srv = new_target()
    local conn
    fake.hooks.on_wait = function()
      conn = conn or srv:accept(0)  -- accepted, never answered
    end
    local start = helpers.now_ms()
    local v = t:inspect(request(), 200)
    local took = helpers.now_ms() - start
    if conn then conn:close() end
    assert.is_false(v.ok)
    assert.equal("ETIMEOUT", v.code)
    assert.is_true(took >= 190 and took < 1500, "took " .. took .. " ms")
  end)

  it("returns ECONNREFUSED, then EUNAVAILABLE once the breaker opens", function()
    local srv = helpers.listen_tcp()
    local port = srv.port
    srv:close()
    local t = assert(wallarm.target({ url = "http://127.0.0.1:" .. port .. "/",
                                      breaker_failures = 1, breaker_backoff_ms = 60000,
                                      breaker_backoff_max_ms = 60000 }))
    targets[#targets + 1] = t
    local v = t:inspect(request(), 2000)
    assert.is_false(v.ok)
    assert.equal("ECONNREFUSED", v.code)
    assert.is_true(#v.detail > 0)
    v = t:inspect(request(), 2000)
    assert.is_false(v.ok)
    assert.equal("EUNAVAILABLE", v.code)
    assert.equal(0, v.latency_ms)
    local ok, err = t:send(request())
    assert.is_nil(ok)
    assert.equal("EUNAVAILABLE", err)
    local s = wallarm.stats(t)
    assert.equal(1, s.err_refused)
    assert.equal(2, s.unavailable)
    assert.equal(1, s.breaker_trips)
    assert.equal(1, s.breaker_state)
  end)

  it("finds the verdict after its wait when no record came (no reader)", function()
    local t, srv = new_target()
    fake.reader:close()
    fake.reader = nil
    serve_once(srv, json_answer(200, '{"mode":"monitoring"}'))
    local start = helpers.now_ms()
    local v = t:inspect(request(), 300)
    assert.is_true(helpers.now_ms() - start >= 300)
    assert.is_true(v.ok)
    assert.equal("pass", v.action)
    assert.equal("monitoring", v.mode)
    -- Reconnect: the records kept for no reader arrive and are ignored.
    fake.reader = assert(helpers.connect_unix(wallarm._socket_path()))
    fake.leftover = ""
    serve_once(srv, json_answer(200, ""))
    v = t:inspect(request(), 2000)
    assert.is_true(v.ok)
  end)

  it("releases the ticket and raises where it cannot wait", function()
    local t, srv = new_target()
    fake.wait_error = "no request found"
    local ok, err = pcall(t.inspect, t, request(), 100)
    assert.is_false(ok)
    assert.matches("inspect: cannot wait in this context %(.*no request found%)", err)
    fake.wait_error = nil
    -- The message was released before completion: it is counted abandoned
    -- once it completes (its deadline passes: nobody answers).
    local conn = srv:accept(200)  -- none if released while still queued
    local deadline = helpers.now_ms() + 3000
    local s
    repeat
      helpers.sleep_ms(20)
      s = wallarm.stats(t)
    until s.abandoned == 1 or helpers.now_ms() > deadline
    if conn then conn:close() end
    assert.equal(1, s.abandoned)
  end)

  it("ends the ticket of a waiter killed in its wait", function()
    local t, srv = new_target()
    -- The request's coroutine yields in its wait and is never resumed, as
    -- when another light thread calls ngx.exit.
    fake.wait_yield = true
    local co = coroutine.create(function() return t:inspect(request(), 100) end)
    assert.is_true(coroutine.resume(co))
    fake.wait_yield = nil
    assert.equal("suspended", coroutine.status(co))
    local slots = {}
    for k in pairs(wallarm._waiters) do slots[#slots + 1] = k end
    assert.equal(1, #slots)
    local now = _G.ngx.now()
    assert.equal(0, wallarm._sweep(now))          -- not yet
    assert.equal(0, wallarm._sweep(now + 4))      -- the deadline + 4 s
    assert.equal(1, wallarm._sweep(now + 6))      -- past it by over 5 s
    assert.is_nil(next(wallarm._waiters))
    co = nil
    -- released: counted abandoned once its own deadline passes
    local conn = srv:accept(200)  -- none if released while still queued
    local deadline = helpers.now_ms() + 3000
    local s
    repeat
      helpers.sleep_ms(20)
      s = wallarm.stats(t)
    until s.abandoned == 1 or helpers.now_ms() > deadline
    if conn then conn:close() end
    assert.equal(1, s.abandoned)
  end)

  it("reads a header source in the call, before it yields for the verdict", function()
    local t, srv = new_target()
    -- The bytes the source points at, as nginx's request holds them.
    local bytes = "X-Src: fresh"
    local buf = ffi.new("char[?]", #bytes)
    ffi.copy(buf, bytes, #bytes)
    local calls = 0
    local function fill(dst, cap)
      calls = calls + 1
      if cap < 1 then return 1 end
      dst[0].name.ptr, dst[0].name.len = buf, 5
      dst[0].value.ptr, dst[0].value.len = buf + 7, 5
      return 1
    end
    fake.wait_yield = true
    local co = coroutine.create(function() return t:inspect(request({ headers = fill }), 2000) end)
    assert.is_true(coroutine.resume(co))
    fake.wait_yield = nil
    assert.equal("suspended", coroutine.status(co))
    assert.equal(1, calls)
    -- While it waits, the memory is reused (another request's headers).
    ffi.copy(buf, "X-Old: stale", #bytes)
    local e = helpers.embedded(capture(srv, json_answer(200, "")).body)
    assert.same({ "X-Src", "fresh" }, e.headers)
    local deadline = helpers.now_ms() + 3000
    repeat
      helpers.sleep_ms(5)
    until wallarm.stats(t).passed == 1 or helpers.now_ms() > deadline
    local ok, v = coroutine.resume(co, true)
    assert.is_true(ok)
    assert.is_true(v.ok)
    assert.equal(1, calls)

    -- send() calls it too, once, and the library keeps its own copy.
    ffi.copy(buf, bytes, #bytes)
    assert.is_true(t:send(request({ headers = fill })))
    ffi.copy(buf, "X-Old: stale", #bytes)
    e = helpers.embedded(capture(srv, json_answer(200, "")).body)
    assert.same({ "X-Src", "fresh" }, e.headers)
    assert.equal(2, calls)
  end)

  it("raises on misuse at the caller's line", function()
    local t = new_target()
    local ok, err = pcall(t.inspect, t, nil, 100)
    assert.is_false(ok)
    -- pcall calls inspect directly: the level-2 position is pcall's ("?")
    assert.matches("msg: table expected, got nil", err)
    -- (not tail calls, so that the calling line is on the stack)
    ok, err = pcall(function() local v = t:inspect({ method = "GET" }, 100); return v end)
    assert.matches("engine_spec%.lua:%d+: msg%.uri: non%-empty string required", err)
    ok, err = pcall(function() local v = t:inspect(request(), 0); return v end)
    assert.matches("engine_spec%.lua:%d+: timeout_ms: number 1%.%.4294967295 expected, got 0", err)
    ok, err = pcall(function() local v = t:inspect(request()); return v end)
    assert.matches("timeout_ms: number 1%.%.4294967295 expected, got nil", err)
    ok, err = pcall(function() local v = t.inspect(request(), 100); return v end)
    assert.matches("engine_spec%.lua:%d+: not a wallarm target", err)
    ok, err = pcall(function() local v = t:inspect({ method = "GET", uri = "/",
                                                     request_id = "r", headers = { 1, 2 } }, 100)
                                return v end)
    assert.matches("engine_spec%.lua:%d+: msg%.headers%[1%]: string expected, got number", err)
    ok, err = pcall(function() local v = t:inspect({ method = "GET", uri = "/", request_id = "r",
                                                     headers = function() return nil, "gone" end }, 100)
                                return v end)
    assert.matches("engine_spec%.lua:%d+: msg%.headers: the header source returned nil %(gone%)", err)
    ok, err = pcall(function() local ok2 = t:send({ method = "GET", uri = "/", request_id = "r",
                                                    headers = function(_, cap) return cap + 1 end })
                                return ok2 end)
    assert.matches("engine_spec%.lua:%d+: msg%.headers: the header source returned %d+, a count 0%.%.%d+", err)
  end)

  it("has many tickets in flight together, each woken by its own record", function()
    local n = 8
    local t, srv = new_target({ max_connections = n })
    -- Each inspect submits, then yields in its wait as a request's light
    -- thread does: none is collected before all are submitted.
    fake.wait_yield = true
    local cos, semas = {}, {}
    for i = 1, n do
      cos[i] = coroutine.create(function()
        return t:inspect(request({ request_id = "r" .. i }), 5000)
      end)
      local ok, sema = coroutine.resume(cos[i])
      assert.is_true(ok)
      assert.equal("suspended", coroutine.status(cos[i]))
      semas[i] = sema
    end
    fake.wait_yield = nil
    -- The node holds all n, on n connections, before it answers any.
    local conns = {}
    for _ = 1, n do
      local conn = assert(srv:accept(5000))
      local req = assert(conn:read_request(5000))
      conns[helpers.header(req, "X-Wallarm-Request-Id")] = conn
    end
    local s = wallarm.stats(t)
    assert.equal(n, s.in_flight)
    assert.equal(n, s.conn_opened)
    -- Answered last first: even ids blocked, odd ones passed.
    for i = n, 1, -1 do
      local conn = assert(conns["r" .. i], "no message r" .. i)
      assert(conn:send(json_answer(i % 2 == 0 and 403 or 200, "")))
    end
    -- The records, read as the worker's reader reads them, post each
    -- waiter's semaphore once.
    local function posted()
      local sum = 0
      for i = 1, n do sum = sum + semas[i].n end
      return sum
    end
    local deadline = helpers.now_ms() + 5000
    while posted() < n and helpers.now_ms() < deadline do
      local data = fake.reader:recv(4096, 50)
      if data and data ~= "" then fake.leftover = wallarm._dispatch(fake.leftover .. data) end
    end
    for i = 1, n do
      assert.equal(1, semas[i].n, "r" .. i)
      semas[i].n = 0  -- the wait takes its post
      local ok, v = coroutine.resume(cos[i], true)
      assert.is_true(ok, v)
      assert.is_true(v.ok)
      assert.equal(i % 2 == 0 and "block" or "pass", v.action, "r" .. i)
      conns["r" .. i]:close()
    end
    s = wallarm.stats(t)
    assert.equal(n / 2, s.blocked)
    assert.equal(n / 2, s.passed)
    assert.equal(0, s.in_flight)
    assert.is_nil(next(wallarm._waiters))
  end)
end)

describe("records", function()
  local function record(slot, gen, code)
    local r = ffi.new("wallarm_notify_record_t")
    r.ticket = ffi.new("uint64_t", gen) * 0x100000000ULL + slot
    r.code = code
    return ffi.string(r, ffi.sizeof(r))
  end

  local function fake_waiter()
    local sema = require("ngx.semaphore").new(0)
    return { gen = 0, deadline = math.huge, sema = sema }
  end

  it("wake the waiter of their ticket only, in pieces or whole", function()
    local a, b = fake_waiter(), fake_waiter()
    a.gen, b.gen = 7, 3
    wallarm._waiters[5], wallarm._waiters[6] = a, b
    local data = record(5, 7, -9) .. record(6, 2, 0) .. record(6, 3, 0) .. record(99, 1, 0)
    -- every split point
    for cut = 0, #data do
      a.sema.n, b.sema.n = 0, 0
      local left = wallarm._dispatch(data:sub(1, cut))
      assert.equal(cut % 16, #left)
      left = wallarm._dispatch(left .. data:sub(cut + 1))
      assert.equal("", left)
      assert.equal(1, a.sema.n)
      assert.equal(1, b.sema.n)   -- generation 2 was ignored
    end
    wallarm._waiters[5], wallarm._waiters[6] = nil, nil
  end)
end)

describe("the reader loop", function()
  it("reads, reconnects with back-off, logs once per outage, stops on exit", function()
    local reader = reader_timer()
    assert.truthy(reader)
    local status = reader.args[1]
    local w = { gen = 11, deadline = math.huge,
                sema = require("ngx.semaphore").new(0) }
    wallarm._waiters[4] = w
    local rec = (function()
      local r = ffi.new("wallarm_notify_record_t")
      r.ticket = 11 * 0x100000000ULL + 4
      r.code = -10
      return ffi.string(r, 16)
    end)()

    -- what each connect / receiveany returns, in order
    local script = {
      { "connect", nil, "no such file or directory" },
      { "connect", 1 },
      { "receiveany", rec:sub(1, 5) },
      { "receiveany", nil, "timeout" },
      { "receiveany", rec:sub(6) },
      { "receiveany", nil, "closed" },
      { "connect", 1 },
      { "receiveany", nil, "timeout", exit = true },
    }
    local step, timeouts, paths, closes = 0, {}, {}, 0
    local function next_step(kind)
      step = step + 1
      local s = assert(script[step], "reader went past the script at " .. kind)
      assert.equal(s[1], kind)
      if s.exit then fake.exiting = true end
      return s[2], s[3]
    end
    _G.ngx.socket.tcp = function()
      return {
        settimeout = function(_, ms) timeouts[#timeouts + 1] = ms end,
        connect = function(_, path) paths[#paths + 1] = path; return next_step("connect") end,
        receiveany = function(_, n) assert.equal(4096, n); return next_step("receiveany") end,
        close = function() closes = closes + 1 end,
      }
    end
    fake.logs, fake.sleeps = {}, {}

    reader.fn(true, status)  -- premature: does nothing
    assert.equal(0, step)

    reader.fn(false, status)
    fake.exiting = false
    _G.ngx.socket.tcp = nil

    assert.equal(#script, step)
    assert.same({ 1000, 1000, 1000 }, timeouts)
    assert.equal(wallarm._socket_path(), paths[1])
    assert.equal(3, closes)
    assert.equal(1, w.sema.n)
    assert.same({ 0.05, 0.05 }, fake.sleeps)
    local levels = {}
    for _, l in ipairs(fake.logs) do levels[#levels + 1] = l[1] end
    -- ERR (connect failed), NOTICE (back), ERR (closed), NOTICE (back)
    assert.same({ 4, 6, 4, 6 }, levels)
    assert.matches("no such file or directory", fake.logs[1][2])
    wallarm._waiters[4] = nil

    -- It ended: init_worker starts a new one, once.
    local started = #timers
    assert.is_true(wallarm.init_worker({ timer_at = timer_at }))
    assert.equal(started + 1, #timers)
    assert.is_true(wallarm.init_worker({ timer_at = timer_at }))
    assert.equal(started + 1, #timers)
  end)

  it("backs off exponentially while the socket stays away", function()
    local reader = reader_timer()
    local n = 0
    _G.ngx.socket.tcp = function()
      return {
        settimeout = function() end,
        connect = function()
          n = n + 1
          if n == 9 then fake.exiting = true end
          return nil, "refused"
        end,
        close = function() end,
      }
    end
    fake.logs, fake.sleeps = {}, {}
    reader.fn(false, reader.args[1])
    fake.exiting = false
    _G.ngx.socket.tcp = nil
    assert.same({ 0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 5 }, fake.sleeps)
    assert.equal(1, #fake.logs)
    assert.is_true(wallarm.init_worker({ timer_at = timer_at }))
  end)
end)

describe("wallarm.stats", function()
  local function stats_fields()
    local cdef = require "wallarm_cdef"
    local body = cdef:match("typedef struct wallarm_stats%s*(%b{})%s*wallarm_stats_t;")
    body = body:gsub("/%*.-%*/", "")
    local fields = {}
    for name in body:gmatch("uint64_t%s+([%w_]+)%s*;") do fields[#fields + 1] = name end
    return fields
  end

  it("has every field of wallarm_stats_t as a Lua number", function()
    local fields = stats_fields()
    assert.is_true(#fields >= 30)
    for _, s in ipairs({ wallarm.stats(), wallarm.stats(new_target()) }) do
      for _, f in ipairs(fields) do
        assert.equal("number", type(s[f]), f)
      end
      assert.equal(14, #s.latency_bucket)
      assert.equal(14, #s.latency_le_us)
      local sum = 0
      for i = 1, 14 do
        assert.equal("number", type(s.latency_bucket[i]))
        sum = sum + s.latency_bucket[i]
      end
      assert.equal(s.latency_count, sum)
      assert.equal(250, s.latency_le_us[1])
      assert.equal(2500000, s.latency_le_us[13])
      assert.equal(math.huge, s.latency_le_us[14])
    end
    -- and nothing else but those
    local known = {}
    for _, f in ipairs(fields) do known[f] = true end
    known.latency_bucket, known.latency_le_us = true, true
    for k in pairs(wallarm.stats()) do assert.is_true(known[k], k) end
  end)

  it("counts what a target did", function()
    local t, srv = new_target()
    serve_once(srv, json_answer(403, ""))
    t:inspect(request(), 2000)
    serve_once(srv, json_answer(200, ""))
    t:inspect(request(), 2000)
    local s = wallarm.stats(t)
    assert.equal(2, s.submitted)
    assert.equal(1, s.blocked)
    assert.equal(1, s.passed)
    assert.equal(2, s.latency_count)
    assert.equal(2, s.conn_opened)
    assert.equal(0, s.in_flight)
    local e = wallarm.stats()
    assert.is_true(e.submitted >= s.submitted)
  end)

  it("converts uint64 counters and returns fresh tables", function()
    local c = ffi.new("wallarm_stats_t")
    c.submitted = 2ULL ^ 53
    c.latency_sum_us = 12345
    c.latency_bucket[13] = 7
    local s = wallarm._stats_table(c)
    assert.equal(2 ^ 53, s.submitted)
    assert.equal(12345, s.latency_sum_us)
    assert.equal(7, s.latency_bucket[14])
    s.latency_le_us[1] = -1
    assert.equal(250, wallarm._stats_table(c).latency_le_us[1])
  end)
end)

describe("after fork", function()
  it("refuses the parent's engine and targets, and makes a new engine", function()
    local t = new_target()
    io.stdout:flush()
    local pid = ffi.C.fork()
    assert.is_true(pid >= 0)
    if pid == 0 then
      local code = 0
      local ok = pcall(function()
        local parent_path = wallarm._socket_path()
        -- The parent's target: refused, without raising.
        local v = t:inspect(request(), 100)
        if v.ok or v.code ~= "EFORKED" then code = 10; return end
        local sent, err = t:send(request())
        if sent or err ~= "EFORKED" then code = 11; return end
        if wallarm.stats(t) ~= nil then code = 12; return end
        -- init_worker in the child: a new engine of its own.
        if not wallarm.init_worker({ timer_at = timer_at }) then code = 13; return end
        if wallarm._socket_path() == parent_path then code = 14; return end
        if not wallarm.target({ url = "http://127.0.0.1:1/" }) then code = 15; return end
      end)
      if not ok then code = 20 end
      ffi.C._exit(code)
    end
    local status = ffi.new("int[1]")
    assert.equal(pid, ffi.C.waitpid(pid, status, 0))
    -- exited normally with 0
    assert.equal(0, status[0])
    -- the parent's engine is untouched
    local t2, srv = new_target()
    serve_once(srv, json_answer(200, ""))
    assert.is_true(t2:inspect(request(), 2000).ok)
  end)
end)
