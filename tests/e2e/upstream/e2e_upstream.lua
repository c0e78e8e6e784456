-- The upstream service of the e2e tests (a plain nginx, nginx.conf.in):
-- echoes what it received as JSON so the driver can compare it byte for byte.
--   { method, uri, http_version, raw_header (request line and header lines
--     exactly as ngx.req.raw_header() gives them), body_len, body_md5,
--     body_b64 (bodies up to 64 KiB) }
-- Knobs (query arguments; they stay part of the URI the plugin sees):
--   e2e_status=N      answer with status N
--   e2e_size=N        answer with N bytes of a fixed pattern instead of the echo
--   e2e_chunked=1     no Content-Length: the body goes out in several flushed
--                     pieces, so nginx sends it chunked
--   e2e_delay_ms=N    wait N ms before answering
-- A WebSocket upgrade (Upgrade: websocket) is answered 101, and the bytes
-- that follow are echoed back raw until the client closes.
-- A request carrying X-E2E-Tag is counted, and the control port answers
-- GET /seen?tag=T with {"count": n}, so a test can tell whether a request
-- reached the upstream.
local cjson = require "cjson.safe"

local _M = {}

local function pattern_body(n)
  local unit = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_\n"
  local reps = math.floor(n / #unit)
  return unit:rep(reps) .. unit:sub(1, n - reps * #unit)
end

local WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

local function websocket()
  local key = ngx.var.http_sec_websocket_key or ""
  ngx.status = 101
  ngx.header["Upgrade"] = "websocket"
  ngx.header["Connection"] = "Upgrade"
  ngx.header["Sec-WebSocket-Accept"] = ngx.encode_base64(ngx.sha1_bin(key .. WEBSOCKET_GUID))
  ngx.send_headers()
  ngx.flush(true)
  local sock = assert(ngx.req.socket(true))
  sock:settimeout(30000)
  while true do
    local data, err, partial = sock:receive(1)
    data = data or partial
    if not data or data == "" then
      return ngx.exit(ngx.HTTP_OK)
    end
    sock:send(data)
  end
end

function _M.echo()
  local args = ngx.req.get_uri_args()
  local tag = ngx.var.http_x_e2e_tag
  if tag then ngx.shared.e2e_seen:incr(tag, 1, 0) end
  if (ngx.var.http_upgrade or ""):lower() == "websocket" then
    return websocket()
  end

  ngx.req.read_body()
  local body = ngx.req.get_body_data()
  if not body then
    local path = ngx.req.get_body_file()
    if path then
      local f = assert(io.open(path, "rb"))
      body = f:read("*a")
      f:close()
    end
  end
  body = body or ""

  local delay = tonumber(args.e2e_delay_ms)
  if delay and delay > 0 then ngx.sleep(delay / 1000) end

  local out
  local size = tonumber(args.e2e_size)
  if size then
    out = pattern_body(size)
    ngx.header["Content-Type"] = "text/plain"
  else
    out = cjson.encode({
      method = ngx.req.get_method(),
      uri = ngx.var.request_uri,
      http_version = ngx.req.http_version(),
      raw_header = ngx.req.raw_header(),
      body_len = #body,
      body_md5 = ngx.md5(body),
      body_b64 = #body <= 65536 and ngx.encode_base64(body) or nil,
    })
    ngx.header["Content-Type"] = "application/json"
  end

  ngx.status = tonumber(args.e2e_status) or 200
  if args.e2e_chunked then
    local pieces = 4
    local step = math.max(1, math.ceil(#out / pieces))
    for i = 1, #out, step do
      ngx.print(out:sub(i, i + step - 1))
      ngx.flush(true)
    end
  else
    ngx.header["Content-Length"] = #out
    ngx.print(out)
  end
end

function _M.control()
  ngx.header["Content-Type"] = "application/json"
  if ngx.var.uri ~= "/seen" then
    ngx.status = 404
    return ngx.print('{"error":"no such control endpoint"}')
  end
  local count = ngx.shared.e2e_seen:get(ngx.var.arg_tag or "") or 0
  ngx.print(cjson.encode({ count = count }))
end

return _M
