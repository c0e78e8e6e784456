-- Benchmark baseline, not a product: the Wallarm node protocol v1
-- (docs/protocol.md) in plain OpenResty Lua. Builds request and response
-- messages (per-message X-Wallarm-* lines, message/http body, escaping,
-- truncation) and exchanges one message or batch with the node over a
-- pooled keep-alive cosocket with a small HTTP/1.1 client.
local buffer = require "string.buffer"
local ffi = require "ffi"

local ngx = ngx
local kong = kong
local var = ngx.var
local tcp = ngx.socket.tcp
local now = ngx.now
local get_method = ngx.req.get_method
local http_version = ngx.req.http_version
local str_find = string.find
local str_sub = string.sub
local str_byte = string.byte
local str_lower = string.lower
local gsub = string.gsub
local tonumber = tonumber
local tostring = tostring
local type = type
local pairs = pairs
local pcall = pcall
local floor = math.floor
local io_open = io.open

local _M = { VERSION = "0.1.0" }

-- Escaping classes (docs/protocol.md 3.2 and 5) as Lua patterns.
local TOKEN = "[%z\1-\32\127:]"      -- method, version, header name
local TARGET = "[%z\1-\32\127]"      -- request-target
local VALUE = "[%z\r\n]"             -- header value
local OUTER = "[^\33-\36\38-\126]"   -- outer header value: all but visible ASCII, and '%'
local ESC = {}
for b = 0, 255 do
  ESC[string.char(b)] = string.format("%%%02X", b)
end

local REASON = {
  [100] = "Continue", [101] = "Switching Protocols", [200] = "OK", [201] = "Created",
  [202] = "Accepted", [204] = "No Content", [206] = "Partial Content",
  [301] = "Moved Permanently", [302] = "Found", [303] = "See Other", [304] = "Not Modified",
  [307] = "Temporary Redirect", [308] = "Permanent Redirect", [400] = "Bad Request",
  [401] = "Unauthorized", [403] = "Forbidden", [404] = "Not Found",
  [405] = "Method Not Allowed", [408] = "Request Timeout", [409] = "Conflict",
  [413] = "Content Too Large", [415] = "Unsupported Media Type",
  [422] = "Unprocessable Content", [429] = "Too Many Requests",
  [500] = "Internal Server Error", [502] = "Bad Gateway", [503] = "Service Unavailable",
  [504] = "Gateway Timeout",
}

-- Messages are built in these without yielding, then taken out as strings.
local head_buf = buffer.new(4096)
local msg_buf = buffer.new(1024)
local send_parts = {}

local function put_escaped(buf, s, class)
  if not str_find(s, class) then
    buf:put(s)
    return 0
  end
  local escaped, n = gsub(s, class, ESC)
  buf:put(escaped)
  return n
end

local function outer(s, max)
  if #s > max then
    s = str_sub(s, 1, max)
  end
  if str_find(s, OUTER) then
    s = gsub(s, OUTER, ESC)
  end
  return s
end

---------------------------------------------------------------------------
-- the node
---------------------------------------------------------------------------
local nodes = setmetatable({}, { __mode = "k" })
local CONNECT_BACKLOG = 4096  -- exchanges waiting for a connection, per worker

-- Per configuration: address, connect options, the settings the exchanges
-- need (never the conf itself: the weak table would then keep it), and the
-- constant parts of the outer head in curl's order: Host, Accept, the
-- per-message lines, the constant ones, Content-Length.
function _M.node(conf)
  local node = nodes[conf]
  if node then
    return node
  end
  local url = conf.wallarm_node_address
  local authority, target = url:match("^[hH][tT][tT][pP]://([^/?#]*)([^#]*)")
  if not authority then
    return nil, "not an http:// URL: " .. url
  end
  local userinfo, hostport = authority:match("^(.*)@(.*)$")
  hostport = hostport or authority
  local host, port = hostport:match("^(%[.+%]):?(%d*)$") -- IPv6, kept in brackets
  if not host then
    host, port = hostport:match("^([^:]+):?(%d*)$")
  end
  local host_header = host
  if not host then
    return nil, "no host in " .. url
  end
  port = tonumber(port) or 80
  if port ~= 80 then
    host_header = host_header .. ":" .. port
  end
  if target == "" or str_byte(target) == 63 then -- "?"
    target = "/" .. target
  end
  local auth = userinfo and "Authorization: Basic " .. ngx.encode_base64(ngx.unescape_uri(userinfo)) .. "\r\n" or ""
  local constant = "X-Wallarm-Protocol: 1\r\nX-Wallarm-Connector-Type: kong\r\n" ..
                   "X-Wallarm-Connector-Version: " .. _M.VERSION .. "\r\nContent-Length: "
  node = {
    host = host,
    port = port,
    -- At most pool_size connections per worker, as a connection limit:
    -- more exchanges wait for one (within their budget) instead of opening
    -- connections the pool could not keep.
    connect_opts = { pool_size = conf.pool_size, backlog = CONNECT_BACKLOG },
    pool_size = conf.pool_size,
    keepalive_ms = conf.keepalive_ms,
    timeout = conf.timeout_ms / 1000,
    queue_size = conf.queue_size or 4096,
    -- A message alone: prefix, its lines, suffix, length, CRLF CRLF, body.
    prefix = "POST " .. target .. " HTTP/1.1\r\nHost: " .. host_header .. "\r\n" .. auth ..
             "Accept: */*\r\n",
    suffix = "Content-Type: message/http\r\n" .. constant,
    -- A batch (7.5): prefix, batch_count, parts, batch_suffix, length, CRLF CRLF, parts.
    batch_count = "X-Wallarm-Message-Type: batch\r\nX-Wallarm-Batch-Count: ",
    batch_suffix = "\r\nContent-Type: application/x-wallarm-batch\r\n" .. constant,
  }
  nodes[conf] = node
  return node
end

---------------------------------------------------------------------------
-- messages
---------------------------------------------------------------------------

-- The request's header lines from nginx's own list of them, as
-- lua-resty-core's ngx.req.get_headers() reads it but in order: duplicates
-- and case kept, values as nginx parsed them and proxies them, "name: value"
-- with one SP. Returns the number of escaped bytes, the Content-Length
-- value (or nil) and whether a Host line came; nil without that API.
local list_headers
do
  local ok_base, base = pcall(require, "resty.core.base")
  if ok_base and pcall(require, "resty.core.request") then
    local C = ffi.C
    local ffi_str = ffi.string
    local get_request, get_string_buf = base.get_request, base.get_string_buf
    local elt_ptr = ffi.typeof("ngx_http_lua_ffi_table_elt_t*")
    local elt_size = ffi.sizeof("ngx_http_lua_ffi_table_elt_t")
    local truncated = ffi.new("int[1]")
    local MAX_HEADERS = 65536  -- all of them (a negative count means 100)
    list_headers = function(buf)
      local r = get_request()
      local n = r and C.ngx_http_lua_ffi_req_get_headers_count(r, MAX_HEADERS, truncated) or -1
      if n < 0 then
        return nil
      end
      local elts = ffi.cast(elt_ptr, get_string_buf(n * elt_size))
      if n > 0 and C.ngx_http_lua_ffi_req_get_headers(r, elts, n, 1) ~= 0 then
        return nil
      end
      local escaped, length, has_host = 0, nil, false
      for i = 0, n - 1 do
        local h = elts[i]
        local name, value = ffi_str(h.key.data, h.key.len), ffi_str(h.value.data, h.value.len)
        local len = #name
        if len == 4 then
          has_host = has_host or str_lower(name) == "host"
        elseif len == 14 and not length and str_lower(name) == "content-length" then
          length = value
        end
        escaped = escaped + put_escaped(buf, name, TOKEN)
        buf:put(": ")
        escaped = escaped + put_escaped(buf, value, VALUE)
        buf:put("\r\n")
      end
      return escaped, length, has_host
    end
  end
end

-- Headers from a PDK table (responses; requests without the FFI list).
local function put_table_headers(buf, headers)
  local escaped = 0
  for name, value in pairs(headers) do
    if type(value) == "table" then
      for i = 1, #value do
        escaped = escaped + put_escaped(buf, name, TOKEN)
        buf:put(": ")
        escaped = escaped + put_escaped(buf, value[i], VALUE)
        buf:put("\r\n")
      end
    else
      escaped = escaped + put_escaped(buf, name, TOKEN)
      buf:put(": ")
      escaped = escaped + put_escaped(buf, tostring(value), VALUE)
      buf:put("\r\n")
    end
  end
  return escaped
end

local function version_string(v)
  if v == 1.1 then return "1.1" end
  if v == 2 then return "2" end
  if v == 1.0 then return "1.0" end
  if v == 3 then return "3" end
  return v and tostring(v) or "1.1"
end

-- The per-message outer lines (docs/protocol.md 3.1, second half of the
-- table, in its order). `ids` holds request_id, client_ip and host.
local function put_lines(buf, msg_type, ids, out_of_band, truncated_from, escaped)
  buf:put("X-Wallarm-Message-Type: ", msg_type, "\r\nX-Wallarm-Request-Id: ",
          outer(ids.request_id, 128), "\r\n")
  local client_ip, host = ids.client_ip, ids.host
  if client_ip and client_ip ~= "" then
    buf:put("X-Wallarm-Forwarded-For: ", outer(client_ip, 64), "\r\n")
  end
  if host and host ~= "" then
    buf:put("X-Wallarm-Forwarded-Host: ", outer(host, 256), "\r\n")
  end
  if out_of_band then
    buf:put("X-Wallarm-Out-Of-Band: 1\r\n")
  end
  if truncated_from then
    buf:put("X-Wallarm-Body-Truncated: ", truncated_from, "\r\n")
  end
  if escaped > 0 then
    buf:put("X-Wallarm-Escaped: ", escaped, "\r\n")
  end
end

-- The request body up to the limit, and how many bytes nginx had. May
-- yield (reads the body); call before building anything.
function _M.request_body(conf)
  if not (conf.inspect_request_body and conf.request_body_limit > 0) then
    return "", 0
  end
  local limit = conf.request_body_limit
  ngx.req.read_body()
  local data = ngx.req.get_body_data()
  if data then
    return #data > limit and str_sub(data, 1, limit) or data, #data
  end
  local path = ngx.req.get_body_file()
  local f = path and io_open(path, "rb")
  if not f then
    return "", 0
  end
  local given = f:seek("end") or 0
  f:seek("set")
  local body = f:read(given < limit and given or limit) or ""
  f:close()
  return body, given
end

-- The request message, from access: reads the request line and headers
-- once, sets ids.host and ids.version. Queued (out of band): returns its
-- outer lines and its embedded head. Otherwise: returns the whole head to
-- send before `body` (outer head and embedded head).
function _M.request(node, ids, body, given, queued)
  local hb = head_buf
  local escaped = put_escaped(hb, get_method(), TOKEN)
  hb:put(" ")
  escaped = escaped + put_escaped(hb, var.request_uri or "", TARGET)
  hb:put(" HTTP/")
  local version = version_string(http_version())
  ids.version = version
  escaped = escaped + put_escaped(hb, version, TOKEN)
  hb:put("\r\n")
  local n, length, has_host
  if list_headers then
    n, length, has_host = list_headers(hb)
  end
  if not n then
    local headers = kong.request.get_headers(1000)
    n = put_table_headers(hb, headers)
    length, has_host = headers["content-length"], headers.host ~= nil
  end
  hb:put("\r\n")
  escaped = escaped + n
  -- The host the client named, never the server's own name (3.1).
  ids.host = has_host and var.host or nil

  local declared = tonumber(length)
  local total = declared and declared > given and declared or given
  local truncated_from = #body < total and total or nil
  local mb = msg_buf
  if queued then
    put_lines(mb, "request", ids, true, truncated_from, escaped)
    local lines = mb:get()
    return lines, hb:get()
  end
  mb:put(node.prefix)
  put_lines(mb, "request", ids, false, truncated_from, escaped)
  mb:put(node.suffix, #hb + #body, "\r\n\r\n", hb)
  hb:reset()
  return mb:get()
end

-- The embedded head of the response (from header_filter), in the client's
-- HTTP version, and its escape count.
function _M.response_head(version)
  local hb = head_buf
  local status = ngx.status
  hb:put("HTTP/", version or "1.1", " ", status, " ", REASON[status] or "", "\r\n")
  local escaped = put_table_headers(hb, kong.response.get_headers(1000))
  hb:put("\r\n")
  return hb:get(), escaped
end

-- The response message's outer lines (from log).
function _M.response_lines(ids, escaped, body_len, body_total, out_of_band)
  local mb = msg_buf
  put_lines(mb, "response", ids, out_of_band, body_len < body_total and body_total or nil, escaped)
  return mb:get()
end

---------------------------------------------------------------------------
-- the exchange
---------------------------------------------------------------------------
-- Gives the socket what is left of the budget; false when nothing is.
local function arm(sock, deadline)
  local ms = floor((deadline - now()) * 1000)
  if ms <= 0 then
    return false
  end
  sock:settimeout(ms)
  return true
end

local function fail(sock, kind, err)
  sock:close()
  return nil, kind, err
end

local function kind_of(err)
  return err == "timeout" and "timeout" or "reset"
end

-- Reads one line within the budget; nil, kind, err on failure (socket closed).
local function read_line(sock, deadline)
  if not arm(sock, deadline) then
    return fail(sock, "timeout", "no time left")
  end
  local line, err = sock:receive("*l")
  if not line then
    return fail(sock, kind_of(err), err)
  end
  return line
end

-- The cosocket copies what it sends before it yields: one shared table.
local function send(sock, data, body)
  if not body then
    return sock:send(data)
  end
  send_parts[1], send_parts[2] = data, body
  local ok, err = sock:send(send_parts)
  send_parts[1], send_parts[2] = nil, nil
  return ok, err
end

-- Sends one message (`data` then `body`, or `data` alone: a string or a
-- table of strings and numbers) and reads the node's answer (discarding
-- its body), all before `deadline`. Returns the answer's status, or nil, an
-- error kind (timeout, connect, reset, proto) and the socket's message.
function _M.exchange(node, deadline, data, body)
  local sock, line, kind, err
  for attempt = 1, 2 do
    sock = tcp()
    if not arm(sock, deadline) then
      return nil, "timeout", "no time left"
    end
    local ok
    ok, err = sock:connect(node.host, node.port, node.connect_opts)
    if not ok then
      return nil, err == "timeout" and "timeout" or "connect", err
    end
    local reused = sock:getreusedtimes() > 0
    if not arm(sock, deadline) then
      return fail(sock, "timeout", "no time left")
    end
    ok, err = send(sock, data, body)
    if ok then
      line, kind, err = read_line(sock, deadline)
      if line then
        break
      end
    else
      kind = kind_of(err)
      sock:close()
    end
    -- A kept-alive connection the node closed meanwhile: once more on a new one.
    if not reused or attempt == 2 or kind == "timeout" then
      return nil, kind, err
    end
  end

  -- Status line and headers.
  local status = tonumber(str_sub(line, 10, 12))
  if str_sub(line, 1, 7) ~= "HTTP/1." or not status or (#line > 12 and str_byte(line, 13) ~= 32) then
    return fail(sock, "proto", "bad status line")
  end
  local close = str_byte(line, 8) == 48 -- HTTP/1.0
  local length, chunked
  while true do
    line, kind, err = read_line(sock, deadline)
    if not line then
      return nil, kind, err
    end
    if line == "" then
      break
    end
    local c = str_byte(line, 1)
    if c == 67 or c == 99 or c == 84 or c == 116 then -- C c T t
      local colon = str_find(line, ":", 1, true)
      local name = colon and str_lower(str_sub(line, 1, colon - 1))
      if name == "content-length" then
        length = tonumber(str_sub(line, colon + 1))
        if not length then
          return fail(sock, "proto", "bad Content-Length")
        end
      elseif name == "transfer-encoding" then
        chunked = str_find(str_lower(line), "chunked", colon, true) ~= nil
      elseif name == "connection" then
        local value = str_lower(line)
        if str_find(value, "close", colon, true) then
          close = true
        elseif str_find(value, "keep-alive", colon, true) then
          close = false
        end
      end
    end
  end

  -- The body, read and dropped.
  if status == 204 or status == 304 or status < 200 then
    length, chunked = 0, false
  end
  local data_read
  if chunked then
    while true do
      line, kind, err = read_line(sock, deadline)
      if not line then
        return nil, kind, err
      end
      local size = tonumber(line:match("^%s*(%x+)"), 16)
      if not size then
        return fail(sock, "proto", "bad chunk size")
      end
      if size == 0 then
        repeat -- trailer
          line, kind, err = read_line(sock, deadline)
        until not line or line == ""
        if not line then
          return nil, kind, err
        end
        break
      end
      if not arm(sock, deadline) then
        return fail(sock, "timeout", "no time left")
      end
      data_read, err = sock:receive(size + 2)
      if not data_read then
        return fail(sock, kind_of(err), err)
      end
    end
  elseif length ~= 0 then
    if not arm(sock, deadline) then
      return fail(sock, "timeout", "no time left")
    end
    -- No length: the answer ends when the node closes the connection.
    data_read, err = sock:receive(length or "*a")
    if not data_read then
      return fail(sock, kind_of(err), err)
    end
    close = close or not length
  end

  if close or not sock:setkeepalive(node.keepalive_ms, node.pool_size) then
    sock:close()
  end
  return status
end

return _M
