-- The plugin's message building (kong-plugin/messages.lua) without nginx:
-- ngx and kong are stubbed with exactly what a request would give. Without
-- nginx there is no header list to read (lua-resty-core's functions), so
-- headers come from Kong's table here; the end-to-end tests hold the list
-- to what nginx proxies, byte for byte.
local plugin_dir = (os.getenv("WALLARM_SOURCE_DIR") or ".") .. "/kong-plugin/"

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
