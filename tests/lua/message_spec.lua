-- Message building: the msg table becomes the module's reusable
-- wallarm_message_t and wallarm_header_t array. No library call is needed.
package.path = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./")
  .. "?.lua;" .. package.path
local helpers = require "helpers"
local ffi = require "ffi"
local wallarm = require "wallarm"

local function str(view)
  if view.len == 0 then return "" end
  return ffi.string(view.ptr, view.len)
end

local function headers_of(m)
  local out = {}
  for i = 0, m.header_count - 1 do
    out[#out + 1] = str(m.headers[i].name)
    out[#out + 1] = str(m.headers[i].value)
  end
  return out
end

-- overrides: a table of fields; the value `NIL` removes a field.
local NIL = {}
local function request(overrides)
  local msg = {
    type = "request", method = "GET", uri = "/a?b=1", version = "1.1",
    headers = { "Host", "example.com", "Accept", "*/*" },
    request_id = "req-1", client_ip = "192.0.2.7", host = "example.com",
  }
  for k, v in pairs(overrides or {}) do
    if v == NIL then msg[k] = nil else msg[k] = v end
  end
  return msg
end

-- The error is raised at the caller's line: this file.
local function raises(pattern, msg)
  local ok, err = pcall(wallarm._build_message, msg)
  assert.is_false(ok, "no error raised")
  assert.matches("message_spec%.lua:%d+: ", err)
  assert.matches(pattern, err)
end

describe("_build_message", function()
  it("fills every field of a request", function()
    local msg = request({ body = "x=1&y=2", body_total = 7 })
    local m = wallarm._build_message(msg)
    assert.equal(ffi.C.WALLARM_MSG_REQUEST, m.type)
    assert.equal(0, m.status)
    assert.equal("GET", str(m.method))
    assert.equal("/a?b=1", str(m.uri))
    assert.equal("1.1", str(m.version))
    assert.equal("req-1", str(m.request_id))
    assert.equal("192.0.2.7", str(m.client_ip))
    assert.equal("example.com", str(m.host))
    assert.equal("x=1&y=2", str(m.body))
    assert.equal(7, tonumber(m.body_total))
    assert.is_true(m.body_file == nil)
    assert.equal(0, m.reserved)
    assert.same({ "Host", "example.com", "Accept", "*/*" }, headers_of(m))
  end)

  it("points at the caller's strings, copying nothing", function()
    local msg = request({ body = string.rep("b", 100000) })
    local m = wallarm._build_message(msg)
    assert.equal(ffi.cast("const char *", msg.body), m.body.ptr)
    assert.equal(ffi.cast("const char *", msg.headers[2]), m.headers[0].value.ptr)
  end)

  it("fills a response", function()
    local m = wallarm._build_message({
      type = "response", status = 404, version = "1.0", request_id = "req-1",
      headers = { "Content-Type", "text/plain" }, body = "nope",
    })
    assert.equal(ffi.C.WALLARM_MSG_RESPONSE, m.type)
    assert.equal(404, m.status)
    assert.equal(0, m.method.len)
    assert.equal(0, m.uri.len)
    assert.equal("nope", str(m.body))
    assert.equal(-1, tonumber(m.body_total))
  end)

  it("leaves optional fields empty and takes a missing type as a request", function()
    local m = wallarm._build_message({ method = "GET", uri = "/", request_id = "r" })
    assert.equal(ffi.C.WALLARM_MSG_REQUEST, m.type)
    for _, f in ipairs({ "version", "client_ip", "host", "body" }) do
      assert.equal(0, m[f].len, f)
      assert.is_true(m[f].ptr == nil, f)
    end
    assert.equal(0, m.header_count)
    assert.equal(-1, tonumber(m.body_total))
  end)

  it("passes a body file by name, NUL-terminated", function()
    local m = wallarm._build_message(request({ body_file = "/tmp/nginx/0000001" }))
    assert.equal("/tmp/nginx/0000001", ffi.string(m.body_file))
  end)

  it("keeps bytes as they are, NUL included", function()
    local m = wallarm._build_message(request({
      uri = "/a\0b", headers = { "X-Bin", "v\r\n\0\255" }, body = "\0\1\2",
    }))
    assert.equal("/a\0b", str(m.uri))
    assert.same({ "X-Bin", "v\r\n\0\255" }, headers_of(m))
    assert.equal(3, tonumber(m.body.len))
  end)

  it("takes 0 headers", function()
    local m = wallarm._build_message(request({ headers = {} }))
    assert.equal(0, m.header_count)
    m = wallarm._build_message(request({ headers = NIL }))
    assert.equal(0, m.header_count)
  end)

  it("takes 1 header", function()
    local m = wallarm._build_message(request({ headers = { "Host", "h" } }))
    assert.equal(1, m.header_count)
    assert.same({ "Host", "h" }, headers_of(m))
  end)

  it("keeps order and duplicates, and grows its array by doubling", function()
    -- A copy of the binding of its own: its array as a new module has it,
    -- whatever the tests before grew this one's to.
    local wallarm = assert(loadfile(helpers.root .. "/ffi/wallarm.lua"))()
    assert.equal(64, wallarm._header_capacity())
    local headers = {}
    for i = 1, 1000 do
      headers[#headers + 1] = (i % 3 == 0) and "X-Dup" or ("X-H" .. i)
      headers[#headers + 1] = "v" .. i
    end
    local m = wallarm._build_message(request({ headers = headers }))
    assert.equal(1000, m.header_count)
    assert.equal(1024, wallarm._header_capacity())
    assert.same(headers, headers_of(m))

    -- smaller messages reuse the grown array
    m = wallarm._build_message(request({ headers = { "A", "1", "A", "2", "B", "3" } }))
    assert.equal(3, m.header_count)
    assert.equal(1024, wallarm._header_capacity())
    assert.same({ "A", "1", "A", "2", "B", "3" }, headers_of(m))

    m = wallarm._build_message(request({ headers = {} }))
    assert.equal(0, m.header_count)
    -- exactly at capacity: no growth
    headers = {}
    for i = 1, 1024 do headers[2 * i - 1] = "N"; headers[2 * i] = tostring(i) end
    m = wallarm._build_message(request({ headers = headers }))
    assert.equal(1024, m.header_count)
    assert.equal(1024, wallarm._header_capacity())
    headers[#headers + 1] = "Last"
    headers[#headers + 1] = "one"
    m = wallarm._build_message(request({ headers = headers }))
    assert.equal(1025, m.header_count)
    assert.equal(2048, wallarm._header_capacity())
    assert.equal("Last", str(m.headers[1024].name))
  end)

  describe("with a header source", function()
    -- Header bytes in memory the test owns, as nginx's request holds them:
    -- the source writes views of them, never a Lua string.
    local function source_of(list)
      local bytes = table.concat(list)
      local buf = ffi.new("char[?]", #bytes + 1)
      ffi.copy(buf, bytes, #bytes)
      local offsets, off = {}, 0
      for i = 1, #list do
        offsets[i] = off
        off = off + #list[i]
      end
      local src = { calls = {}, buf = buf }
      src.fill = function(dst, cap)
        src.calls[#src.calls + 1] = cap
        local n = #list / 2
        if n > cap then
          return n
        end
        for i = 0, n - 1 do
          local name, value = 2 * i + 1, 2 * i + 2
          dst[i].name.ptr = buf + offsets[name]
          dst[i].name.len = #list[name]
          dst[i].value.ptr = buf + offsets[value]
          dst[i].value.len = #list[value]
        end
        return n
      end
      return src
    end

    it("takes the views it writes into the binding's array", function()
      local list = { "Host", "example.com", "X-Bin", "v\r\n\0\255", "X-Empty", "",
                     "x-dup", "1", "X-DUP", "2" }
      local src = source_of(list)
      local m = wallarm._build_message(request({ headers = src.fill }))
      assert.equal(5, m.header_count)
      assert.same(list, headers_of(m))
      -- the source's own bytes, not copies
      assert.is_true(src.buf + 4 == m.headers[0].value.ptr)
      assert.equal(wallarm._header_capacity(), src.calls[1])
      assert.equal(1, #src.calls)
    end)

    it("takes 0 headers", function()
      local src = source_of({})
      local m = wallarm._build_message(request({ headers = src.fill }))
      assert.equal(0, m.header_count)
    end)

    it("grows the array to the count the source asks for, and calls it again", function()
      local cap = wallarm._header_capacity()
      local list = {}
      for i = 1, 2 * cap + 1 do
        list[2 * i - 1] = "X-H" .. i
        list[2 * i] = string.rep("v", i % 7)
      end
      local src = source_of(list)
      local m = wallarm._build_message(request({ headers = src.fill }))
      assert.same({ cap, 4 * cap }, src.calls)
      assert.equal(4 * cap, wallarm._header_capacity())
      assert.equal(2 * cap + 1, m.header_count)
      assert.same(list, headers_of(m))
      -- the grown array serves later messages, of either kind
      m = wallarm._build_message(request())
      assert.same({ "Host", "example.com", "Accept", "*/*" }, headers_of(m))
      src = source_of({ "A", "1" })
      m = wallarm._build_message(request({ headers = src.fill }))
      assert.same({ 4 * cap }, src.calls)
      assert.same({ "A", "1" }, headers_of(m))
    end)

    it("raises on a source that gives no count, naming the field", function()
      raises("msg%.headers: the header source returned nil, a non%-negative integer expected",
             request({ headers = function() end }))
      raises("msg%.headers: the header source returned nil %(no request%), a non%-negative",
             request({ headers = function() return nil, "no request" end }))
      raises("msg%.headers: the header source returned 3 %(x%), a non%-negative",
             request({ headers = function() return "3", "x" end }))
      raises("msg%.headers: the header source returned %-1, a non%-negative",
             request({ headers = function() return -1 end }))
      raises("msg%.headers: the header source returned 1%.5, a non%-negative",
             request({ headers = function() return 1.5 end }))
      raises("msg%.headers: the header source returned nan, a non%-negative",
             request({ headers = function() return 0 / 0 end }))
      raises("msg%.headers: the header source returned inf, a non%-negative",
             request({ headers = function() return math.huge end }))
      raises("msg%.headers: too many headers %(4294967296%)",
             request({ headers = function() return 2 ^ 32 end }))
      -- asked for more room, then wanted more again
      local cap = wallarm._header_capacity()
      raises("msg%.headers: the header source returned " .. 8 * cap + 1
             .. ", a count 0%.%." .. 4 * cap .. " expected",
             request({ headers = function(_, c) return 2 * c + 1 end }))
      -- a source's own error comes through as it is
      local ok, err = pcall(wallarm._build_message,
                            request({ headers = function() error("source broke") end }))
      assert.is_false(ok)
      assert.matches("source broke", err)
    end)

    it("calls the source in the same call, before it returns", function()
      -- No yield is possible in between: a coroutine that builds a message
      -- finishes in one resume, the source called once inside it.
      local src = source_of({ "A", "1" })
      local co = coroutine.create(function()
        local m = wallarm._build_message(request({ headers = src.fill }))
        return m.header_count
      end)
      local ok, count = coroutine.resume(co)
      assert.is_true(ok)
      assert.equal(1, count)
      assert.equal("dead", coroutine.status(co))
      assert.equal(1, #src.calls)
    end)
  end)

  describe("raises on misuse, naming the field", function()
    it("msg", function()
      raises("msg: table expected, got string", "GET /")
      raises("msg: table expected, got nil", nil)
    end)
    it("type", function()
      raises('msg.type: "request" or "response" expected, got health',
             request({ type = "health" }))
    end)
    it("required strings", function()
      raises("msg.method: non%-empty string required, got nil", request({ method = NIL }))
      raises('msg.method: non%-empty string required, got ""', request({ method = "" }))
      raises("msg.uri: non%-empty string required, got number", request({ uri = 42 }))
      raises("msg.request_id: non%-empty string required, got nil", request({ request_id = NIL }))
    end)
    it("optional strings", function()
      raises("msg.host: string expected, got table", request({ host = {} }))
      raises("msg.body: string expected, got number", request({ body = 12 }))
      raises("msg.body_file: string expected, got boolean", request({ body_file = true }))
      raises("msg.version: string expected, got number", request({ version = 1.1 }))
    end)
    it("status of a response", function()
      local resp = { type = "response", request_id = "r" }
      raises("msg.status: integer 100..999 required for a response, got nil", resp)
      resp.status = 99
      raises("msg.status: integer 100..999 required", resp)
      resp.status = 200.5
      raises("msg.status: integer 100..999 required", resp)
    end)
    it("body_total", function()
      raises("msg.body_total: non%-negative integer expected, got %-5", request({ body_total = -5 }))
      raises("msg.body_total: non%-negative integer expected, got x", request({ body_total = "x" }))
    end)
    it("headers", function()
      raises("msg.headers: table or function expected, got string", request({ headers = "Host: x" }))
      raises("msg.headers: flat array of name, value pairs expected, got 3 entries",
             request({ headers = { "A", "1", "B" } }))
      raises("msg.headers%[4%]: string expected, got number",
             request({ headers = { "A", "1", "B", 2 } }))
      raises("msg.headers%[1%]: string expected, got table",
             request({ headers = { { "A", "1" }, "x" } }))
    end)
  end)

  it("compiles: no trace aborts in the hot loop (JIT)", function()
    if not jit or not jit.status() then
      pending("JIT off")
      return
    end
    local aborts = {}
    local function on_trace(what, tr, func, pc, otr, oex)
      if what == "abort" then
        local info = debug.getinfo(func, "S")
        if info.source:find("wallarm.lua", 1, true) then
          aborts[#aborts + 1] = tostring(otr) .. " " .. tostring(oex)
        end
      end
    end
    jit.attach(on_trace, "trace")
    local msg = request({ body = "abc" })
    for i = 1, 30 do
      msg.headers[#msg.headers + 1] = "X-H" .. i
      msg.headers[#msg.headers + 1] = "value " .. i
    end
    for _ = 1, 5000 do
      wallarm._build_message(msg)
    end
    -- and with a header source, as the plugin gives nginx's list
    local bytes = "X-Header: value"
    local buf = ffi.new("char[?]", #bytes)
    ffi.copy(buf, bytes, #bytes)
    msg.headers = function(dst, cap)
      local n = 30
      if n > cap then return n end
      for i = 0, n - 1 do
        local d = dst[i]
        d.name.ptr, d.name.len = buf, 8
        d.value.ptr, d.value.len = buf + 10, 5
      end
      return n
    end
    for _ = 1, 5000 do
      wallarm._build_message(msg)
    end
    jit.attach(on_trace)
    -- An abort for an NYI would show here with its reason.
    local nyi = {}
    for _, a in ipairs(aborts) do
      if a:find("NYI", 1, true) then nyi[#nyi + 1] = a end
    end
    assert.same({}, nyi)
  end)
end)
