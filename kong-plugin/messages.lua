-- Builds the binding's message tables from the request and the response,
-- with the PDK and the nginx API: headers in received order with duplicates
-- kept, the body from memory or from nginx's temp file (read later by the
-- library's thread, never here), and the client as Kong resolves it.
local ngx = ngx
local kong = kong
local str_sub = string.sub
local str_find = string.find
local str_match = string.match
local tonumber = tonumber
local type = type
local pcall = pcall
local pairs = pairs
local tostring = tostring
local io_open = io.open

local _M = {}

-- nginx's own list of the request headers, read through the functions
-- lua-resty-core's ngx.req.get_headers() uses, but kept as a list: received
-- order, duplicates and case kept, each value exactly as nginx parsed it and
-- passes it upstream (no leading or trailing spaces). ngx.req.raw_header()
-- is not used: after a bare-LF line end or a header line without a colon
-- it gives back a head that hides later headers from the node, while nginx
-- still proxies them.
--
-- It goes to the binding as a header source (ffi/wallarm.lua, msg.headers),
-- header_source(dst, cap): the binding calls it inside inspect() or send(),
-- right before the library copies the message, and it writes into `dst` the
-- pointers and lengths nginx holds, which point into the request's own
-- memory: no Lua string is made. It reads the list of the request being
-- served when it is called, so one function serves every request, and a
-- message that outlives the call keeps no pointer. The array nginx fills is
-- this module's own, reused by every call: nothing yields between filling
-- it and the library's copy. nil where that API is missing (not under
-- nginx).
local header_source, get_request
do
  local ok, ffi = pcall(require, "ffi")
  local ok_base, base = pcall(require, "resty.core.base")
  if ok and ok_base and pcall(require, "resty.core.request") then
    local C = ffi.C
    local elts_ct = ffi.typeof("ngx_http_lua_ffi_table_elt_t[?]")
    local elts, elts_cap = nil, 0
    get_request = base.get_request
    local truncated = ffi.new("int[1]")
    -- Every header: a negative count would mean lua-nginx-module's 100.
    -- nginx's buffers bound the real number.
    local MAX_HEADERS = 65536
    -- Older lua-nginx-module releases count without the third argument
    -- (LuaJIT refuses a call with the wrong number of arguments): the first
    -- call finds out. Written without a closure inside: LuaJIT does not
    -- compile one that closes upvalues (UCLO), and this runs per request.
    local three_args
    local function count(r)
      if three_args then
        return C.ngx_http_lua_ffi_req_get_headers_count(r, MAX_HEADERS, truncated)
      end
      if three_args == nil then
        local ok_call, n = pcall(C.ngx_http_lua_ffi_req_get_headers_count, r, MAX_HEADERS, truncated)
        three_args = ok_call
        if ok_call then
          return n
        end
      end
      return C.ngx_http_lua_ffi_req_get_headers_count(r, MAX_HEADERS)
    end
    header_source = function(dst, cap)
      local r = get_request()
      if not r then
        return nil, "no request"
      end
      local n = count(r)
      if n < 0 then
        return nil, "nginx's header list cannot be read here (" .. n .. ")"
      end
      if n > cap or n == 0 then
        -- None, or too many for `dst`: the binding calls again with room.
        return n
      end
      if n > elts_cap then
        elts_cap = cap
        elts = elts_ct(cap)
      end
      if C.ngx_http_lua_ffi_req_get_headers(r, elts, n, 1) ~= 0 then
        return nil, "nginx's header list cannot be read here"
      end
      for i = 0, n - 1 do
        local h, d = elts[i], dst[i]
        d.name.ptr = h.key.data
        d.name.len = h.key.len
        d.value.ptr = h.value.data
        d.value.len = h.value.len
      end
      return n
    end
  end
end

-- Without nginx's list: Kong's header table (names lowercased, order
-- between different names lost, duplicates kept as arrays).
local function table_headers(out, headers)
  local n = 0
  for name, value in pairs(headers) do
    if type(value) == "table" then
      for i = 1, #value do
        out[n + 1], out[n + 2] = name, value[i]
        n = n + 2
      end
    else
      out[n + 1], out[n + 2] = name, value
      n = n + 2
    end
  end
  return n
end

local function clear_from(t, n)
  for i = #t, n + 1, -1 do
    t[i] = nil
  end
end

local function version_string(v)
  if v == 1.1 then return "1.1" end
  if v == 2 then return "2" end
  if v == 1.0 then return "1.0" end
  if v == 3 then return "3" end
  return v and tostring(v) or "1.1"
end

-- The length of a chunked body that is not sent: the node must still learn
-- that there was one (X-Wallarm-Body-Truncated), and only reading it tells
-- how long it is. nginx buffers it for the upstream anyway; a body in a
-- file is measured, not read.
local function withheld_length()
  ngx.req.read_body()
  local body = ngx.req.get_body_data()
  if body then
    return #body
  end
  local path = ngx.req.get_body_file()
  local file = path and io_open(path, "rb")
  if not file then
    return nil
  end
  local size = file:seek("end")
  file:close()
  return size
end

-- An absolute-form request-target ("GET http://host/path?q HTTP/1.1", as
-- sent to a proxy), whole, from the request line: Kong's path drops the
-- scheme and host that nginx routed on. nil for any other form.
local function absolute_target(request_line)
  return str_match(request_line, "^%S+ (%a[%w+.-]*://.-) HTTP/%d")
      or str_match(request_line, "^%S+ (%a[%w+.-]*://%S*)$")  -- HTTP/0.9
end

-- The host the client named: $host, but not the server's own name, which
-- $host falls back to when the client named none (HTTP/1.0 without Host).
local function client_host(absolute)
  if ngx.var.http_host or absolute then
    return ngx.var.host
  end
  return nil
end

-- A body at most this long goes to the node with its head, in one message.
-- A longer one, or one whose length is not known yet, is read only after
-- the head alone has passed: a URL or header attack is judged at once,
-- however long the body and however slow the node is on it, and a blocked
-- request's body is never read.
local HEAD_FIRST_ABOVE = 65536

-- Whether this request's head goes to the node before its body is read.
function _M.head_first(conf)
  if not conf.head_first or not conf.inspect_request_body or conf.request_body_limit == 0 then
    return false
  end
  local length = tonumber(kong.request.get_header("content-length"))
  if length then
    if length > HEAD_FIRST_ABOVE then
      return true
    end
  elseif kong.request.get_header("transfer-encoding") then
    return true
  elseif (kong.request.get_http_version() or 1.1) >= 2 then
    -- HTTP/2 and 3 need no length: a body may follow any request but these.
    local method = kong.request.get_method()
    if method ~= "GET" and method ~= "HEAD" then
      return true
    end
  end
  -- The client waits for "100 Continue" before it sends its body: nginx
  -- sends that when the body is read, so read it only for a request that
  -- is not blocked on its head.
  local expect = kong.request.get_header("expect")
  return expect ~= nil and expect:lower() == "100-continue"
end

-- The request message without its body: request line, headers, client.
-- A message already in the context is reused.
function _M.request_head(ctx)
  local absolute = absolute_target(ngx.var.request or "")
  local method = kong.request.get_method()
  local uri = absolute or kong.request.get_path_with_query()
  local version = version_string(kong.request.get_http_version())
  local body_total = tonumber(kong.request.get_header("content-length"))
  local client_ip = kong.client.get_forwarded_ip()
  local host = client_host(absolute)

  local msg = ctx.request_msg
  local headers = msg and msg.headers
  if header_source and get_request() then
    headers = header_source
  else
    if type(headers) ~= "table" then
      headers = {}
    end
    clear_from(headers, table_headers(headers, kong.request.get_headers(1000)))
  end

  if not msg then
    -- Every field the message will hold, in one constructor: the table is
    -- sized once (body, body_file and head_only are set later).
    msg = {
      type = "request", method = method, uri = uri, version = version,
      headers = headers, body = nil, body_file = nil, body_total = body_total,
      request_id = ctx.request_id, client_ip = client_ip, host = host,
      head_only = nil,
    }
    ctx.request_msg = msg
    return msg
  end
  msg.method, msg.uri, msg.version, msg.headers = method, uri, version, headers
  msg.body, msg.body_file, msg.body_total = nil, nil, body_total
  msg.request_id, msg.client_ip, msg.host = ctx.request_id, client_ip, host
  return msg
end

-- Adds the body to a message from request_head(): reads it (nginx keeps
-- it for the upstream), or, when the body is not inspected, measures it.
function _M.request_body(conf, msg)
  if conf.inspect_request_body and conf.request_body_limit > 0 then
    ngx.req.read_body()
    local body = ngx.req.get_body_data()
    if body then
      msg.body = body
    else
      -- Buffered to a file: the library's thread reads it, up to the limit.
      msg.body_file = ngx.req.get_body_file()
    end
  elseif not msg.body_total and kong.request.get_header("transfer-encoding") then
    msg.body_total = withheld_length()
  end
  return msg
end

-- The whole request message.
function _M.request(conf, ctx)
  return _M.request_body(conf, _M.request_head(ctx))
end

-- Called from header_filter: the status and headers of the response. It
-- takes its request's line, protocol and client from ctx.request_msg (copies
-- of strings: the request's header source is not carried over).
function _M.response_head(ctx)
  local req = ctx.request_msg
  local headers = {}
  table_headers(headers, kong.response.get_headers(1000))
  local msg = {
    type = "response", status = kong.response.get_status(), headers = headers,
    request_id = ctx.request_id,
    -- The mirror and multipart formats post a response to its request's path.
    method = req and req.method, uri = req and req.uri,
    -- The response as the client gets it: in the client's protocol.
    version = req and req.version,
    client_ip = req and req.client_ip, host = req and req.host,
    body = nil, body_total = nil,
  }
  ctx.response_msg = msg
  ctx.body_parts, ctx.body_size, ctx.body_total = nil, 0, 0
  return msg
end

-- Called from body_filter for each chunk: keeps up to `limit` bytes.
function _M.response_chunk(ctx, chunk, limit)
  if not chunk or chunk == "" then
    return
  end
  ctx.body_total = ctx.body_total + #chunk
  local room = limit - ctx.body_size
  if room <= 0 then
    return
  end
  local parts = ctx.body_parts
  if not parts then
    parts = {}
    ctx.body_parts = parts
  end
  if #chunk > room then
    chunk = str_sub(chunk, 1, room)
  end
  parts[#parts + 1] = chunk
  ctx.body_size = ctx.body_size + #chunk
end

-- Called from log: the finished response message.
function _M.response(ctx)
  local msg = ctx.response_msg
  if not msg then
    return nil
  end
  if ctx.body_parts then
    msg.body = table.concat(ctx.body_parts)
  end
  msg.body_total = ctx.body_total
  return msg
end

return _M
