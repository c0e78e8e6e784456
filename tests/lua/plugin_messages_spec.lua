-- The plugin's message building (kong-plugin/messages.lua) without nginx:
-- ngx and kong are stubbed with exactly what a request would give. Without
-- nginx there is no header list to read (lua-resty-core's functions), so
-- headers come from Kong's table, unless a spec stands in for nginx's list
-- (with_nginx_list); the end-to-end tests hold the list to what nginx
-- proxies, byte for byte.
local source_dir = os.getenv("WALLARM_SOURCE_DIR") or "."
local plugin_dir = source_dir .. "/kong-plugin/"
package.path = source_dir .. "/ffi/?.lua;" .. package.path
local ffi = require "ffi"

local function load_messages(request)
  _G.ngx = {
    req = {
      raw_header = function() error("the head is read from nginx's header list") end,
      read_body = function() end,
      get_body_data = function() return request.body end,
      get_body_file = function() return request.body_file end,
    },
    var = request.var or { host = "kong-lua-test.wallarm", http_host = "kong-lua-test.wallarm" },
  }
  _G.kong = {
    request = {
      get_method = function() return request.method or "GET" end,
      get_path_with_query = function() return request.uri or "/" end,
      get_http_version = function() return request.version or 1.1 end,
      get_headers = function() return request.headers or {} end,
      get_header = function(name) return request.header and request.header[name] end,
    },
    client = { get_forwarded_ip = function() return "203.0.113.7" end },
    response = {
      get_status = function() return 404 end,
      get_headers = function() return { ["content-type"] = "text/plain", ["set-cookie"] = { "a=1", "b=2" } } end,
    },
  }
  package.loaded["messages"] = nil
  return dofile(plugin_dir .. "messages.lua")
end

local conf = { inspect_request_body = true, request_body_limit = 1048576, head_first = true }

-- nginx's list of the request headers as lua-resty-core declares and reads
-- it: while the module loads, ffi.C is a stand-in whose two functions serve
-- `nginx.lists[r]` (flat { name, value, ... }) from bytes in C memory, and
-- resty.core.base's get_request() returns `nginx.current`.
if not pcall(ffi.typeof, "ngx_http_lua_ffi_table_elt_t") then
  ffi.cdef [[
    typedef struct { int len; const unsigned char *data; } ngx_http_lua_ffi_str_t;
    typedef struct {
      ngx_http_lua_ffi_str_t key;
      ngx_http_lua_ffi_str_t value;
    } ngx_http_lua_ffi_table_elt_t;
  ]]
end

local function nginx_stand_in(opts)
  local nginx = { lists = {}, current = nil, bufs = {}, counts = 0, reads = 0 }
  local function list_of(r)
    local list = nginx.lists[r]
    local buf = nginx.bufs[list]
    if not buf then
      local bytes = table.concat(list)
      buf = { mem = ffi.new("unsigned char[?]", #bytes + 1), at = {} }
      ffi.copy(buf.mem, bytes, #bytes)
      local off = 0
      for i = 1, #list do
        buf.at[i] = off
        off = off + #list[i]
      end
      nginx.bufs[list] = buf
    end
    return list, buf
  end
  nginx.C = {
    ngx_http_lua_ffi_req_get_headers_count = function(r, max, truncated)
      if opts.old_count and truncated ~= nil then
        error("wrong number of arguments for function call")
      end
      nginx.counts = nginx.counts + 1
      if opts.bad_context then return -100 end
      assert(max == 65536, "every header is asked for")
      return #nginx.lists[r] / 2
    end,
    ngx_http_lua_ffi_req_get_headers = function(r, out, count, raw)
      assert(raw == 1, "raw names are asked for")
      nginx.reads = nginx.reads + 1
      local list, buf = list_of(r)
      for i = 0, count - 1 do
        local e = out[i]
        e.key.data, e.key.len = buf.mem + buf.at[2 * i + 1], #list[2 * i + 1]
        e.value.data, e.value.len = buf.mem + buf.at[2 * i + 2], #list[2 * i + 2]
      end
      return 0
    end,
  }
  return nginx
end

-- Loads messages.lua with nginx's list standing in (see above).
local function with_nginx_list(request, opts)
  local nginx = nginx_stand_in(opts or {})
  package.loaded["resty.core.base"] = { get_request = function() return nginx.current end }
  package.loaded["resty.core.request"] = true
  local real_c = ffi.C
  ffi.C = nginx.C
  local ok, m = pcall(load_messages, request)
  ffi.C = real_c
  package.loaded["resty.core.base"] = nil
  package.loaded["resty.core.request"] = nil
  assert(ok, m)
  return m, nginx
end

local wallarm = require "wallarm"

-- The headers of a built wallarm_message_t, as Lua strings.
local function headers_of(m)
  local out = {}
  for i = 0, m.header_count - 1 do
    local h = m.headers[i]
    out[#out + 1] = ffi.string(h.name.ptr, h.name.len)
    out[#out + 1] = ffi.string(h.value.ptr, h.value.len)
  end
  return out
end

local function pairs_of(headers)
  local list = {}
  for i = 1, #headers, 2 do
    list[#list + 1] = headers[i] .. ": " .. headers[i + 1]
  end
  return list
end

describe("plugin messages", function()
  it("takes headers from Kong's table where nginx's list cannot be read", function()
    local msg = load_messages({
      version = 2, headers = { accept = "*/*", cookie = { "a=1", "b=2" } },
    }).request(conf, { request_id = "r1" })
    assert.equal("2", msg.version)
    assert.equal("r1", msg.request_id)
    assert.equal("203.0.113.7", msg.client_ip)
    assert.equal("kong-lua-test.wallarm", msg.host)
    table.sort(msg.headers)  -- a hash has no order; the content is what counts
    assert.same({ "*/*", "a=1", "accept", "b=2", "cookie", "cookie" }, msg.headers)
  end)

  it("sends the host the client named, never the server's own name", function()
    local function host_of(var)
      return load_messages({ var = var }).request(conf, { request_id = "r1" }).host
    end
    -- nginx's $host is the server's name when the client named no host.
    assert.is_nil(host_of({ host = "kong", request = "GET /x HTTP/1.0" }))
    assert.equal("abs.example", host_of({ host = "abs.example", request = "GET http://abs.example/x HTTP/1.0" }))
    assert.equal("api.example", host_of({ host = "api.example", http_host = "api.example:8000" }))
  end)

  it("passes an absolute-form target whole, any other as Kong's path with query", function()
    local function uri_of(request, path)
      return load_messages({ uri = path, var = { host = "h", request = request } })
        .request(conf, { request_id = "r1" }).uri
    end
    assert.equal("http://abs.example/p?q=1",
                 uri_of("GET http://abs.example/p?q=1 HTTP/1.1", "/p?q=1"))
    assert.equal("http://abs.example/p", uri_of("GET http://abs.example/p", "/p"))  -- HTTP/0.9
    assert.equal("/p?q=1", uri_of("GET /p?q=1 HTTP/1.1", "/p?q=1"))
    assert.equal("/p", uri_of(nil, "/p"))
  end)

  it("takes the body from memory, or names nginx's file for the library to read", function()
    local msg = load_messages({ body = "abc", header = { ["content-length"] = "3" } })
      .request(conf, {})
    assert.equal("abc", msg.body)
    assert.is_nil(msg.body_file)
    assert.equal(3, msg.body_total)
    msg = load_messages({ body_file = "/tmp/nginx-body-1" }).request(conf, {})
    assert.is_nil(msg.body)
    assert.equal("/tmp/nginx-body-1", msg.body_file)
    msg = load_messages({ body = "abc" }).request(
      { inspect_request_body = false, request_body_limit = 10 }, {})
    assert.is_nil(msg.body)
  end)

  it("reuses the header array of a request without leaving old entries", function()
    local m = load_messages({ headers = { a = "1", b = "2", c = "3" } })
    local ctx = {}
    m.request(conf, ctx)
    _G.kong.request.get_headers = function() return { d = "4" } end
    local msg = m.request(conf, ctx)
    assert.same({ "d: 4" }, pairs_of(msg.headers))
  end)

  describe("with nginx's header list", function()
    local list = { "Host", "api.example", "X-Dup", "1", "x-dup", "2", "X-Empty", "",
                   "X-Bin", "a\0b\255" }

    it("hands the list over as nginx's pointers, read when the message is built", function()
      local m, nginx = with_nginx_list({ headers = { ignored = "kong's table" } })
      nginx.lists.r1 = list
      nginx.current = "r1"
      local ctx = { request_id = "r1" }
      local msg = m.request(conf, ctx)
      assert.equal("function", type(msg.headers))
      assert.equal(0, nginx.reads)  -- nothing read before the binding asks
      local cm = wallarm._build_message(msg)
      assert.same(list, headers_of(cm))
      assert.equal(1, nginx.reads)
      -- nginx's bytes themselves, not copies
      local buf = nginx.bufs[list]
      assert.is_true(ffi.cast("const char *", buf.mem) == cm.headers[0].name.ptr)
      assert.is_true(ffi.cast("const char *", buf.mem + buf.at[10]) == cm.headers[4].value.ptr)
      -- Built again (the whole request after its head alone): read again.
      cm = wallarm._build_message(msg)
      assert.same(list, headers_of(cm))
      assert.equal(2, nginx.reads)
    end)

    it("always reads the request being served, one function for every request", function()
      local m, nginx = with_nginx_list({})
      nginx.lists.a, nginx.lists.b = { "A", "1" }, { "B", "2", "B", "3" }
      nginx.current = "a"
      local ctx_a = { request_id = "a" }
      local msg_a = m.request_head(ctx_a)
      nginx.current = "b"
      local msg_b = m.request_head({ request_id = "r" })
      assert.equal(msg_a.headers, msg_b.headers)
      assert.same({ "B", "2", "B", "3" }, headers_of(wallarm._build_message(msg_b)))
      nginx.current = "a"
      assert.same({ "A", "1" }, headers_of(wallarm._build_message(msg_a)))
      -- The response message takes its request's fields, and its own
      -- headers from Kong's table: nothing of the request's list.
      local resp = m.response_head(ctx_a)
      assert.equal("table", type(resp.headers))
      local cm = wallarm._build_message(resp)
      table.sort(resp.headers)
      assert.same({ "a=1", "b=2", "content-type", "set-cookie", "set-cookie", "text/plain" },
                  resp.headers)
      assert.equal(3, cm.header_count)
      assert.equal("GET", ffi.string(cm.method.ptr, cm.method.len))
    end)

    it("gives the binding the count it needs when its array is too small", function()
      local m, nginx = with_nginx_list({})
      local many = {}
      local n = 2 * wallarm._header_capacity() + 3
      for i = 1, n do
        many[2 * i - 1] = (i % 5 == 0) and "X-Same" or ("X-H" .. i)
        many[2 * i] = ("v"):rep(i % 9)
      end
      nginx.lists.r = many
      nginx.current = "r"
      local cm = wallarm._build_message(m.request_head({ request_id = "r" }))
      assert.equal(n, cm.header_count)
      assert.same(many, headers_of(cm))
      assert.equal(1, nginx.reads)  -- the first call only counted
      -- and a smaller list after it
      nginx.lists.s = list
      nginx.current = "s"
      assert.same(list, headers_of(wallarm._build_message(m.request_head({ request_id = "r" }))))
    end)

    it("counts the older way where lua-nginx-module takes two arguments", function()
      local m, nginx = with_nginx_list({}, { old_count = true })
      nginx.lists.r = list
      nginx.current = "r"
      assert.same(list, headers_of(wallarm._build_message(m.request_head({ request_id = "r" }))))
      assert.same(list, headers_of(wallarm._build_message(m.request_head({ request_id = "r" }))))
    end)

    it("takes Kong's table outside a request, and fails clearly where nginx refuses", function()
      local m, nginx = with_nginx_list({ headers = { accept = "*/*" } })
      local msg = m.request_head({ request_id = "r" })
      assert.same({ "accept", "*/*" }, msg.headers)
      -- Read while no request is being served: no headers of another one.
      nginx.lists.r = list
      nginx.current = "r"
      msg = m.request_head({ request_id = "r" })
      nginx.current = nil
      local ok, err = pcall(wallarm._build_message, msg)
      assert.is_false(ok)
      assert.matches("msg%.headers: the header source returned nil %(no request%)", err)

      m, nginx = with_nginx_list({}, { bad_context = true })
      nginx.lists.r = list
      nginx.current = "r"
      ok, err = pcall(wallarm._build_message, m.request_head({ request_id = "r" }))
      assert.is_false(ok)
      assert.matches("msg%.headers: the header source returned nil %(nginx's header list "
                     .. "cannot be read here %(%-100%)%)", err)
    end)
  end)

  it("keeps the response body up to its limit and its full length", function()
    local m = load_messages({})
    local ctx = { request_id = "r1", request_msg = { client_ip = "203.0.113.7", host = "h",
                                                      method = "GET", uri = "/a?b=1" } }
    m.response_head(ctx)
    m.response_chunk(ctx, "hello ", 8)
    m.response_chunk(ctx, "world", 8)
    m.response_chunk(ctx, "", 8)
    local msg = m.response(ctx)
    assert.equal(404, msg.status)
    assert.equal("r1", msg.request_id)
    -- Its request's method and target: where mirror and multipart post it.
    assert.equal("GET", msg.method)
    assert.equal("/a?b=1", msg.uri)
    assert.equal("hello wo", msg.body)
    assert.equal(11, msg.body_total)
    table.sort(msg.headers)
    assert.same({ "a=1", "b=2", "content-type", "set-cookie", "set-cookie", "text/plain" }, msg.headers)
  end)
  describe("head first", function()
    local function head_first(request, c)
      return load_messages(request).head_first(c or conf)
    end

    it("sends a small body with its head, in one message", function()
      assert.is_false(head_first({ method = "POST", header = { ["content-length"] = "65536" } }))
      assert.is_false(head_first({ method = "GET" }))
      assert.is_false(head_first({ method = "GET", version = 2 }))
    end)

    it("judges the head alone first when the body is large or its length unknown", function()
      assert.is_true(head_first({ method = "POST", header = { ["content-length"] = "65537" } }))
      assert.is_true(head_first({ method = "POST", header = { ["transfer-encoding"] = "chunked" } }))
      assert.is_true(head_first({ method = "POST", version = 2 }))
      assert.is_true(head_first({ method = "POST", header = { ["content-length"] = "10",
                                                             expect = "100-Continue" } }))
    end)

    it("never when the body is not sent to the node", function()
      local big = { method = "POST", header = { ["content-length"] = "999999999" } }
      assert.is_false(head_first(big, { inspect_request_body = false, request_body_limit = 1048576,
                                        head_first = true }))
      assert.is_false(head_first(big, { inspect_request_body = true, request_body_limit = 0,
                                        head_first = true }))
    end)

    it("never when head_first is off", function()
      local big = { method = "POST", header = { ["content-length"] = "999999999" } }
      assert.is_false(head_first(big, { inspect_request_body = true, request_body_limit = 1048576,
                                        head_first = false }))
    end)

    it("builds the head without reading the body, then adds it", function()
      local reads = 0
      local messages = load_messages({
        method = "POST", header = { ["content-length"] = "70000" }, body = "b",
      })
      ngx.req.read_body = function() reads = reads + 1 end
      local ctx = { request_id = "r1" }
      local msg = messages.request_head(ctx)
      assert.equal(0, reads)
      assert.is_nil(msg.body)
      assert.equal(70000, msg.body_total)
      assert.equal(msg, messages.request_body(conf, msg))
      assert.equal(1, reads)
      assert.equal("b", msg.body)
    end)
  end)
end)
