-- The plugin's message building (kong-plugin/messages.lua) without nginx:
-- ngx and kong are stubbed with exactly what a request would give, so the
-- header parsing can be held to nginx's quirks byte for byte.
local plugin_dir = (os.getenv("WALLARM_SOURCE_DIR") or ".") .. "/kong-plugin/"

local function load_messages(request)
  _G.ngx = {
    req = {
      raw_header = function(no_request_line)
        assert(no_request_line == true)
        if request.raw_error then error(request.raw_error) end
        return request.raw
      end,
      read_body = function() end,
      get_body_data = function() return request.body end,
      get_body_file = function() return request.body_file end,
    },
    var = { host = "kong-lua-test.wallarm" },
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

local conf = { inspect_request_body = true, request_body_limit = 1048576 }

local function pairs_of(headers)
  local list = {}
  for i = 1, #headers, 2 do
    list[#list + 1] = headers[i] .. ": " .. headers[i + 1]
  end
  return list
end

describe("plugin messages", function()
  it("keeps header order, duplicates and case from the raw header block", function()
    local m = load_messages({ raw = "Host: a\r\nX-Dup: 1\r\nx-dup: 2\r\nAccept: */*\r\n\r\n" })
    local msg = m.request(conf, { request_id = "r1" })
    assert.same({ "Host: a", "X-Dup: 1", "x-dup: 2", "Accept: */*" }, pairs_of(msg.headers))
    assert.equal("r1", msg.request_id)
    assert.equal("203.0.113.7", msg.client_ip)
    assert.equal("kong-lua-test.wallarm", msg.host)
    assert.equal("1.1", msg.version)
  end)

  it("gives back the trailing space nginx turned into a bare LF", function()
    -- What lua-nginx-module returns for "X: abc   ", "Y: d ", "Z: e\t ".
    local raw = "X: abc\n  \r\nY: d\n\r\nZ: e\t\n\r\nW: plain\r\n\r\n"
    local msg = load_messages({ raw = raw }).request(conf, {})
    assert.same({ "X: abc   ", "Y: d ", "Z: e\t ", "W: plain" }, pairs_of(msg.headers))
  end)

  it("keeps a client's own bare-LF line ends as line ends", function()
    local msg = load_messages({ raw = "A: 1\nB: 2\n\n" }).request(conf, {})
    assert.same({ "A: 1", "B: 2" }, pairs_of(msg.headers))
  end)

  it("falls back to Kong's header table for HTTP/2", function()
    local msg = load_messages({
      version = 2, raw_error = "http2 requests not supported yet",
      headers = { accept = "*/*", cookie = { "a=1", "b=2" } },
    }).request(conf, {})
    assert.equal("2", msg.version)
    table.sort(msg.headers)  -- a hash has no order; the content is what counts
    assert.same({ "*/*", "a=1", "accept", "b=2", "cookie", "cookie" }, msg.headers)
  end)

  it("takes the body from memory, or names nginx's file for the library to read", function()
    local msg = load_messages({ raw = "\r\n", body = "abc", header = { ["content-length"] = "3" } })
      .request(conf, {})
    assert.equal("abc", msg.body)
    assert.is_nil(msg.body_file)
    assert.equal(3, msg.body_total)
    msg = load_messages({ raw = "\r\n", body_file = "/tmp/nginx-body-1" }).request(conf, {})
    assert.is_nil(msg.body)
    assert.equal("/tmp/nginx-body-1", msg.body_file)
    msg = load_messages({ raw = "\r\n", body = "abc" }).request(
      { inspect_request_body = false, request_body_limit = 10 }, {})
    assert.is_nil(msg.body)
  end)

  it("reuses the header array of a request without leaving old entries", function()
    local m = load_messages({ raw = "A: 1\r\nB: 2\r\nC: 3\r\n\r\n" })
    local ctx = {}
    m.request(conf, ctx)
    _G.ngx.req.raw_header = function() return "D: 4\r\n\r\n" end
    local msg = m.request(conf, ctx)
    assert.same({ "D: 4" }, pairs_of(msg.headers))
  end)

  it("keeps the response body up to its limit and its full length", function()
    local m = load_messages({})
    local ctx = { request_id = "r1", request_msg = { client_ip = "203.0.113.7", host = "h" } }
    m.response_head(ctx)
    m.response_chunk(ctx, "hello ", 8)
    m.response_chunk(ctx, "world", 8)
    m.response_chunk(ctx, "", 8)
    local msg = m.response(ctx)
    assert.equal(404, msg.status)
    assert.equal("r1", msg.request_id)
    assert.equal("hello wo", msg.body)
    assert.equal(11, msg.body_total)
    table.sort(msg.headers)
    assert.same({ "a=1", "b=2", "content-type", "set-cookie", "set-cookie", "text/plain" }, msg.headers)
  end)
end)
