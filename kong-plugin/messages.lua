-- Builds the binding's message tables from the request and the response,
-- with the PDK and the nginx API: headers in received order with duplicates
-- kept, the body from memory or from nginx's temp file (read later by the
-- library's thread, never here), and the client as Kong resolves it.
local ngx = ngx
local kong = kong
local str_find = string.find
local str_sub = string.sub
local str_byte = string.byte
local tonumber = tonumber
local type = type
local pcall = pcall
local pairs = pairs
local tostring = tostring

local _M = {}

local SP, TAB = str_byte(" "), str_byte("\t")

-- HTTP/1.x: the raw header block keeps order, duplicates and case. nginx
-- writes a NUL over the byte after each value (the first trailing space,
-- when there is one) and lua-nginx-module gives it back as a bare LF, so
-- "X: abc  " comes back as "X: abc", LF, " ", CRLF. A bare LF followed by a
-- CRLF-ended piece that is empty or starts with blanks is such a space, and
-- the value is joined back whole. (A client's own bare-LF line endings are
-- followed by a piece without CR, and stay line ends.)
local function raw_headers(out)
  local ok, raw = pcall(ngx.req.raw_header, true)
  if not ok or type(raw) ~= "string" then
    return nil
  end
  local n = 0
  local pos, len = 1, #raw
  local after_bare_lf = false
  while pos <= len do
    local eol = str_find(raw, "\n", pos, true) or len + 1
    local stop = eol - 1
    local crlf = stop >= pos and str_byte(raw, stop) == 13
    if crlf then
      stop = stop - 1
    end
    local first = str_byte(raw, pos)
    if after_bare_lf and crlf and n > 0 and (stop < pos or first == SP or first == TAB) then
      out[n] = out[n] .. " " .. str_sub(raw, pos, stop)
    elseif stop >= pos then
      local colon = str_find(raw, ":", pos, true)
      if colon and colon <= stop then
        local vstart = colon + 1
        while vstart <= stop and (str_byte(raw, vstart) == SP or str_byte(raw, vstart) == TAB) do
          vstart = vstart + 1
        end
        out[n + 1] = str_sub(raw, pos, colon - 1)
        out[n + 2] = str_sub(raw, vstart, stop)
        n = n + 2
      end
    end
    after_bare_lf = not crlf and eol <= len
    pos = eol + 1
  end
  return n
end

-- HTTP/2 and anything else: Kong's header table (names lowercased, order
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

-- The request message. `msg` and its header array are reused per request
-- context by the caller.
function _M.request(conf, ctx)
  local msg = ctx.request_msg or { type = "request", headers = {} }
  ctx.request_msg = msg

  msg.method = kong.request.get_method()
  msg.uri = kong.request.get_path_with_query()
  msg.version = version_string(kong.request.get_http_version())
  local headers = msg.headers
  local n = (msg.version ~= "2" and msg.version ~= "3") and raw_headers(headers)
  if not n then
    n = table_headers(headers, kong.request.get_headers(1000))
  end
  clear_from(headers, n)

  msg.body, msg.body_file = nil, nil
  local length = tonumber(kong.request.get_header("content-length"))
  msg.body_total = length
  if conf.inspect_request_body and conf.request_body_limit > 0 then
    ngx.req.read_body()
    local body = ngx.req.get_body_data()
    if body then
      msg.body = body
    else
      -- Buffered to a file: the library's thread reads it, up to the limit.
      msg.body_file = ngx.req.get_body_file()
    end
  end

  msg.request_id = ctx.request_id
  msg.client_ip = kong.client.get_forwarded_ip()
  msg.host = ngx.var.host
  return msg
end

-- Called from header_filter: the status and headers of the response.
function _M.response_head(ctx)
  local msg = { type = "response", headers = {}, request_id = ctx.request_id }
  msg.status = kong.response.get_status()
  local n = table_headers(msg.headers, kong.response.get_headers(1000))
  clear_from(msg.headers, n)
  msg.client_ip = ctx.request_msg and ctx.request_msg.client_ip
  msg.host = ctx.request_msg and ctx.request_msg.host
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
