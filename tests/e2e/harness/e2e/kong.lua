-- The e2e harness's stand-in for Kong: the global `kong` PDK table (the parts
-- the connector uses, with Kong 3.4-3.9 semantics) and the phase runner that
-- calls the plugin's handler the way Kong's runloop does.
--
-- Kong sources followed (3.4.2 unless noted):
--   kong/init.lua               execute_collecting_plugins_iterator (access runs in
--                               a coroutine, with ctx.delay_response; errors become a
--                               500), flush_delayed_response, execute_init_worker_
--                               plugins_iterator, header_filter/body_filter/log
--   kong/pdk/private/phases.lua phase bits and check_phase / check_not_phase messages
--   kong/pdk/request.lua        get_method, get_path_with_query, get_http_version,
--                               get_header, get_headers, get_raw_body (3.4 and 3.8+)
--   kong/pdk/client.lua         get_ip, get_forwarded_ip, get_port, get_forwarded_port
--   kong/pdk/response.lua       exit/send, error, get_status, get_header(s), set/add/clear_header
--   kong/pdk/log.lua, kong/global.lua, kong/pdk/init.lua  namespaced kong.log
--   kong/pdk/ctx.lua            kong.ctx.plugin / kong.ctx.shared
--   kong/pdk/node.lua           get_id (uuid kept in the `kong` shm)
-- Anything the plugin reads that is not provided here raises an error naming
-- it, rather than returning nil as if Kong lacked it.
local cjson = require "cjson.safe"
local base = require "resty.core.base"
local errlog = require "ngx.errlog"
local bit = require "bit"
local plugin_schema = require "e2e.plugin_schema"

local ngx = ngx
local var = ngx.var
local fmt = string.format
local band, bor = bit.band, bit.bor

local _M = {}

---------------------------------------------------------------------------
-- phases (kong/pdk/private/phases.lua)
---------------------------------------------------------------------------
local PHASES = {
  init_worker = 0x00000001, certificate = 0x00000002, rewrite = 0x00000010,
  access = 0x00000020, balancer = 0x00000040, response = 0x00000080,
  header_filter = 0x00000200, body_filter = 0x00000400, log = 0x00002000,
  preread = 0x00004000, error = 0x01000000, admin_api = 0x10000000,
  cluster_listener = 0x00000100,
}
do
  local t = {}
  for k, v in pairs(PHASES) do t[k] = v end
  for k, v in pairs(t) do PHASES[v] = k end
end
PHASES.request = bor(PHASES.rewrite, PHASES.access, PHASES.response, PHASES.header_filter,
                     PHASES.body_filter, PHASES.log, PHASES.error, PHASES.admin_api,
                     PHASES.cluster_listener)
_M.PHASES = PHASES

local function phase_names(phases)
  local names, n = {}, 1
  for _ = 1, 30 do
    if band(phases, n) ~= 0 and PHASES[n] then names[#names + 1] = PHASES[n] end
    n = bit.lshift(n, 1)
  end
  return names
end

local function check_phase(accepted)
  local current = ngx.ctx.KONG_PHASE
  if not current then
    if ngx.get_phase() == "content" then
      current = PHASES.admin_api
    else
      error(fmt("no phase in ngx.ctx.KONG_PHASE, (need one of %s)",
                table.concat(phase_names(accepted), ", ")))
    end
  end
  if band(current, accepted) ~= 0 then return end
  error(fmt("function cannot be called in %s phase (only in: %s)",
            PHASES[current] or "'unknown phase'", table.concat(phase_names(accepted), ", ")))
end

local function check_not_phase(rejected)
  local current = ngx.ctx.KONG_PHASE
  if not current then error("no phase in ngx.ctx.KONG_PHASE") end
  if band(current, rejected) == 0 then return end
  error(fmt("function cannot be called in %s phase (can be called in any phases except: %s)",
            PHASES[current] or "'unknown phase'", table.concat(phase_names(rejected), ", ")))
end

---------------------------------------------------------------------------
-- settings (written by the driver) and the plugin
---------------------------------------------------------------------------
local settings      -- { plugin = "kong-lua", kong_version = "3.4.2", routes = {...} }
local handler       -- the plugin's handler table
local plugin_name
local route_confs = {}   -- route name -> validated conf
local entity_schema

local function version_num(v)
  local a, b, c = v:match("^(%d+)%.(%d+)%.(%d+)")
  return tonumber(a) * 1000000 + tonumber(b) * 1000 + tonumber(c)
end

---------------------------------------------------------------------------
-- kong.log (kong/pdk/log.lua: "[kong] %file_src:%line_src [%namespace] %message")
---------------------------------------------------------------------------
local LEVELS = {
  debug = ngx.DEBUG, info = ngx.INFO, notice = ngx.NOTICE, warn = ngx.WARN,
  err = ngx.ERR, crit = ngx.CRIT, alert = ngx.ALERT, emerg = ngx.EMERG,
}

local function gen_log_func(lvl, namespace, stack_level)
  return function(...)
    if ngx.get_phase() ~= "init" then
      local sys = errlog.get_sys_filter_level()
      if sys and lvl > sys then return end
    end
    local info = debug.getinfo(stack_level, "Sl")
    local file, line = "?", "?"
    if info then
      file = (info.short_src or "?"):match("([^/]*)$")
      line = info.currentline
    end
    local n = select("#", ...)
    local parts = {}
    for i = 1, n do parts[i] = tostring((select(i, ...))) end
    local msg = table.concat(parts, "", 1, n)
    local full
    if namespace then
      full = fmt("[kong] %s:%s [%s] %s", file, tostring(line), namespace, msg)
    else
      full = fmt("[kong] %s:%s %s", file, tostring(line), msg)
    end
    errlog.raw_log(lvl, full)
  end
end

local function new_log(namespace)
  local self = {}
  for name, lvl in pairs(LEVELS) do
    self[name] = gen_log_func(lvl, namespace, 2)
  end
  local call_notice = gen_log_func(ngx.NOTICE, namespace, 3)
  self.inspect = function(...) self.notice(...) end
  self.deprecation = function(...) self.warn(...) end
  return setmetatable(self, {
    __call = function(_, ...) return call_notice(...) end,
    __index = function(_, k)
      error("e2e PDK shim: kong.log." .. tostring(k) .. " is not provided", 2)
    end,
  })
end

---------------------------------------------------------------------------
-- the kong table
---------------------------------------------------------------------------
local function strict(name, t)
  return setmetatable(t, {
    __index = function(_, k)
      error(fmt("e2e PDK shim: kong.%s.%s is not provided by the test harness " ..
                "(tests/e2e/harness/e2e/kong.lua)", name, tostring(k)), 2)
    end,
  })
end

local function normalize_header(value)
  local t = type(value)
  if t == "string" then return value end
  if t == "number" or t == "boolean" then return tostring(value) end
  return nil
end

local function normalize_multi_header(value)
  if type(value) == "table" then
    local out = {}
    for i, v in ipairs(value) do out[i] = normalize_header(v) end
    return out
  end
  return normalize_header(value)
end

local function validate_headers(headers)
  for name, value in pairs(headers) do
    if type(name) ~= "string" then
      error(fmt("invalid header name %q: got %s, expected string", tostring(name), type(name)), 3)
    end
    local vt = type(value)
    if vt == "table" then
      for _, v in ipairs(value) do
        local t = type(v)
        if t ~= "string" and t ~= "number" and t ~= "boolean" then
          error(fmt("invalid header value in array %q: got %s, expected string", name, t), 3)
        end
      end
    elseif vt ~= "string" and vt ~= "number" and vt ~= "boolean" then
      error(fmt("invalid header value for %q: got %s, expected array of string, string, number or boolean", name, vt), 3)
    end
  end
end

local function build_kong()
  local kong = {}
  local kv = settings.kong_version

  kong.version = kv
  kong.version_num = version_num(kv)
  kong.configuration = {
    prefix = ngx.config.prefix(),
    plugins = { "bundled", plugin_name },
    loaded_plugins = { [plugin_name] = true },
    role = "traditional",
    database = "off",
    trusted_ips = {},
    real_ip_header = "X-Real-IP",
    lua_socket_pool_size = 256,
  }
  kong.table = { new = require "table.new", clear = require "table.clear" }
  kong.ctx = setmetatable({}, {
    __index = function(_, k)
      if not base.get_request() then return end
      local nctx = ngx.ctx
      local key
      if k == "core" or k == "shared" then
        key = "e2e_ctx_" .. k
      else
        local namespaces = nctx.KONG_NAMESPACES
        key = namespaces and namespaces[k]
      end
      if key then
        local c = nctx[key]
        if not c then
          c = {}
          nctx[key] = c
        end
        return c
      end
    end,
  })

  -- kong.request --------------------------------------------------------
  local before_content = bor(PHASES.rewrite, PHASES.access, PHASES.response, PHASES.error, PHASES.admin_api)
  local request = {}
  function request.get_method()
    check_phase(PHASES.request)
    return ngx.req.get_method()
  end
  function request.get_path_with_query()
    check_phase(PHASES.request)
    return var.request_uri or ""
  end
  function request.get_raw_path()
    check_phase(PHASES.request)
    local uri = var.request_uri or ""
    local q = uri:find("?", 2, true)
    return q and uri:sub(1, q - 1) or uri
  end
  function request.get_raw_query()
    check_phase(PHASES.request)
    return var.args or ""
  end
  function request.get_http_version()
    check_phase(PHASES.request)
    return ngx.req.http_version()
  end
  function request.get_scheme()
    check_phase(PHASES.request)
    return var.scheme
  end
  function request.get_host()
    check_phase(PHASES.request)
    return var.host
  end
  function request.get_port()
    check_not_phase(PHASES.init_worker)
    return tonumber(var.server_port, 10)
  end
  -- trusted_ips = NONE (Kong's default): the forwarded values are the direct ones
  request.get_forwarded_scheme = request.get_scheme
  request.get_forwarded_host = request.get_host
  request.get_forwarded_port = request.get_port
  function request.get_start_time()
    check_phase(PHASES.request)
    return ngx.ctx.KONG_PROCESSING_START or (ngx.req.start_time() * 1000)
  end
  function request.get_header(name)
    check_phase(PHASES.request)
    if type(name) ~= "string" then error("header name must be a string", 2) end
    return var["http_" .. name:gsub("-", "_")]
  end
  function request.get_headers(max_headers)
    check_phase(PHASES.request)
    if max_headers == nil then return ngx.req.get_headers() end
    if type(max_headers) ~= "number" then
      error("max_headers must be a number", 2)
    elseif max_headers < 1 then
      error("max_headers must be >= 1", 2)
    elseif max_headers > 1000 then
      error("max_headers must be <= 1000", 2)
    end
    return ngx.req.get_headers(max_headers)
  end
  function request.get_query(max_args)
    check_phase(PHASES.request)
    if max_args == nil then return ngx.req.get_uri_args() end
    return ngx.req.get_uri_args(max_args)
  end
  local BODY_ERR = "request body did not fit into client body buffer, consider raising 'client_body_buffer_size'"
  if kong.version_num < 3008000 then
    function request.get_raw_body()
      check_phase(before_content)
      ngx.req.read_body()
      local body = ngx.req.get_body_data()
      if not body then
        if ngx.req.get_body_file() then return nil, BODY_ERR end
        return ""
      end
      return body
    end
  else
    function request.get_raw_body(max_allowed_file_size)
      check_phase(before_content)
      ngx.req.read_body()
      local body = ngx.req.get_body_data()
      if not body then
        local body_file = ngx.req.get_body_file()
        if not body_file then return "" end
        if not max_allowed_file_size or max_allowed_file_size < 0 then
          return nil, BODY_ERR
        end
        local file, err = io.open(body_file, "r")
        if not file then
          return nil, "failed to open cached request body '" .. body_file .. "': " .. err
        end
        local size = file:seek("end") or 0
        if max_allowed_file_size > 0 and size > max_allowed_file_size then
          file:close()
          return nil, ("request body file too big: %d > %d"):format(size, max_allowed_file_size)
        end
        file:seek("set")
        local data = file:read("*a")
        file:close()
        return data
      end
      return body
    end
  end
  kong.request = strict("request", request)

  -- kong.client ---------------------------------------------------------
  local client = {}
  function client.get_ip()
    check_not_phase(PHASES.init_worker)
    return var.realip_remote_addr or var.remote_addr
  end
  function client.get_forwarded_ip()
    check_not_phase(PHASES.init_worker)
    return var.remote_addr
  end
  function client.get_port()
    check_not_phase(PHASES.init_worker)
    return tonumber(var.realip_remote_port or var.remote_port)
  end
  function client.get_forwarded_port()
    check_not_phase(PHASES.init_worker)
    return tonumber(var.remote_port)
  end
  kong.client = strict("client", client)

  -- kong.response -------------------------------------------------------
  local header_body_log = bor(PHASES.response, PHASES.header_filter, PHASES.body_filter,
                              PHASES.log, PHASES.error, PHASES.admin_api)
  local rewrite_access_header = bor(PHASES.rewrite, PHASES.access, PHASES.response,
                                    PHASES.header_filter, PHASES.error, PHASES.admin_api)
  local CONTENT_TYPE_JSON = "application/json; charset=utf-8"
  local response = {}

  function response.get_status()
    check_phase(header_body_log)
    return ngx.status
  end
  function response.get_headers(max_headers)
    check_phase(header_body_log)
    if max_headers == nil then return ngx.resp.get_headers() end
    if type(max_headers) ~= "number" then
      error("max_headers must be a number", 2)
    elseif max_headers < 1 then
      error("max_headers must be >= 1", 2)
    elseif max_headers > 1000 then
      error("max_headers must be <= 1000", 2)
    end
    return ngx.resp.get_headers(max_headers)
  end
  function response.get_header(name)
    check_phase(header_body_log)
    if type(name) ~= "string" then error("header name must be a string", 2) end
    local v = response.get_headers()[name]
    if type(v) == "table" then return v[1] end
    return v
  end
  function response.get_source(ctx)
    if ctx == nil then
      check_phase(header_body_log)
      ctx = ngx.ctx
    end
    if ctx.KONG_UNEXPECTED then return "error" end
    if ctx.KONG_EXITED then return "exit" end
    if ctx.KONG_PROXIED then return "service" end
    return "error"
  end
  function response.set_status(status)
    check_phase(rewrite_access_header)
    if ngx.headers_sent then error("headers have already been sent", 2) end
    ngx.status = status
  end
  function response.set_header(name, value)
    check_phase(rewrite_access_header)
    if ngx.headers_sent then error("headers have already been sent", 2) end
    ngx.header[name] = normalize_header(value)
  end
  function response.add_header(name, value)
    check_phase(rewrite_access_header)
    if ngx.headers_sent then error("headers have already been sent", 2) end
    require("ngx.resp").add_header(name, normalize_header(value))
  end
  function response.clear_header(name)
    check_phase(rewrite_access_header)
    if ngx.headers_sent then error("headers have already been sent", 2) end
    ngx.header[name] = nil
  end
  function response.set_headers(headers)
    check_phase(rewrite_access_header)
    if type(headers) ~= "table" then error("headers must be a table", 2) end
    validate_headers(headers)
    for k, v in pairs(headers) do ngx.header[k] = normalize_multi_header(v) end
  end

  -- kong/pdk/response.lua send(), http subsystem, no gRPC
  local function send(status, body, headers)
    if ngx.headers_sent then error("headers have already been sent", 2) end
    ngx.status = status
    local has_content_type, has_content_length
    if headers ~= nil then
      for name, value in pairs(headers) do
        local lower_name = name:lower()
        if lower_name == "transfer-encoding" or lower_name == "transfer_encoding" then
          kong.log.warn("manually setting Transfer-Encoding. Ignored.")
        else
          ngx.header[name] = normalize_multi_header(value)
        end
        if lower_name == "content-type" or lower_name == "content_type" then
          has_content_type = true
        elseif lower_name == "content-length" or lower_name == "content_length" then
          has_content_length = true
        end
      end
    end
    local json
    if type(body) == "table" then
      local err
      json, err = cjson.encode(body)
      if err then error(fmt("body encoding failed while flushing response: %s", err), 2) end
    end
    local ctx = ngx.ctx
    local is_header_filter_phase = ctx.KONG_PHASE == PHASES.header_filter
    if json ~= nil then
      if not has_content_type then ngx.header["Content-Type"] = CONTENT_TYPE_JSON end
      if not has_content_length then ngx.header["Content-Length"] = #json end
      if is_header_filter_phase then ctx.response_body = json else ngx.print(json) end
    elseif body ~= nil then
      if not has_content_length then ngx.header["Content-Length"] = #body end
      if is_header_filter_phase then ctx.response_body = body else ngx.print(body) end
    else
      if not has_content_length then ngx.header["Content-Length"] = 0 end
    end
    if is_header_filter_phase then return ngx.exit(ngx.OK) end
    return ngx.exit(status)
  end

  local function flush(ctx)
    ctx = ctx or ngx.ctx
    local r = ctx.delayed_response
    return send(r.status_code, r.content, r.headers)
  end

  function response.exit(status, body, headers)
    check_phase(rewrite_access_header)
    if ngx.headers_sent then error("headers have already been sent", 2) end
    if type(status) ~= "number" then
      error("code must be a number", 2)
    elseif status < 100 or status > 599 then
      error(fmt("code must be a number between %u and %u", 100, 599), 2)
    end
    if body ~= nil and type(body) ~= "string" and type(body) ~= "table" then
      error("body must be a nil, string or table", 2)
    end
    if headers ~= nil and type(headers) ~= "table" then
      error("headers must be a nil or table", 2)
    end
    if headers ~= nil then validate_headers(headers) end
    local ctx = ngx.ctx
    ctx.KONG_EXITED = true
    if ctx.delay_response and not ctx.delayed_response then
      ctx.delayed_response = { status_code = status, content = body, headers = headers }
      ctx.delayed_response_callback = flush
      coroutine.yield()
    else
      return send(status, body, headers)
    end
  end

  local HTTP_ERROR_MESSAGES = {
    [400] = "Bad request", [401] = "Unauthorized", [403] = "Forbidden", [404] = "Not found",
    [405] = "Method not allowed", [408] = "Request timeout", [413] = "Payload too large",
    [429] = "Too many requests", [500] = "An unexpected error occurred",
    [502] = "An invalid response was received from the upstream server",
    [503] = "The upstream server is currently unavailable",
    [504] = "The upstream server is timing out",
  }

  function response.error(status, message, headers)
    check_phase(rewrite_access_header)
    if ngx.headers_sent then error("headers have already been sent", 2) end
    if type(status) ~= "number" then
      error("code must be a number", 2)
    elseif status < 400 or status > 599 then
      error(fmt("code must be a number between %u and %u", 400, 599), 2)
    end
    if type(message) == "table" then message = cjson.encode(message) end
    if message ~= nil and type(message) ~= "string" then
      error("message must be a nil, a string or a table", 2)
    end
    headers = headers or {}
    local accept = ngx.req.get_headers()["Accept"]
    if type(accept) == "table" then accept = accept[1] end
    local content_type, template = "application/json; charset=utf-8", "{\n  \"message\":\"%s\"\n}"
    if accept and accept:find("text/plain", 1, true) then
      content_type, template = "text/plain; charset=utf-8", "%s\n"
    elseif accept and accept:find("text/html", 1, true) then
      content_type, template = "text/html; charset=utf-8",
        "<!doctype html>\n<html>\n  <head>\n    <title>Error</title>\n  </head>\n  <body>\n    <h1>Error</h1>\n    <p>%s.</p>\n  </body>\n</html>\n"
    end
    headers["Content-Type"] = headers["Content-Type"] or content_type
    local msg = message or HTTP_ERROR_MESSAGES[status] or fmt("The upstream server responded with %d", status)
    local body = fmt(template, msg)
    local ctx = ngx.ctx
    ctx.KONG_EXITED = true
    if ctx.delay_response and not ctx.delayed_response then
      ctx.delayed_response = { status_code = status, content = body, headers = headers }
      ctx.delayed_response_callback = flush
      coroutine.yield()
    else
      return send(status, body, headers)
    end
  end
  kong.response = strict("response", response)

  -- kong.node -----------------------------------------------------------
  local node = {}
  local node_id
  local function uuid()
    local f = assert(io.open("/dev/urandom", "rb"))
    local b = { f:read(16):byte(1, 16) }
    f:close()
    b[7] = bit.bor(bit.band(b[7], 0x0f), 0x40)
    b[9] = bit.bor(bit.band(b[9], 0x3f), 0x80)
    return fmt("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", unpack(b))
  end
  function node.get_id()
    if node_id then return node_id end
    local shm = ngx.shared.kong
    local ok, err = shm:safe_add("kong:node_id", uuid())
    if not ok and err ~= "exists" then error("failed to set 'node_id' in shm: " .. err) end
    node_id, err = shm:get("kong:node_id")
    if err then error("failed to get 'node_id' in shm: " .. err) end
    if not node_id then error("no 'node_id' set in shm") end
    return node_id
  end
  function node.get_hostname()
    local f = io.open("/proc/sys/kernel/hostname")
    local h = f and f:read("*l") or "localhost"
    if f then f:close() end
    return h
  end
  kong.node = strict("node", node)

  -- kong.log: namespaced in plugin context (kong/pdk/init.lua __index "log")
  kong._log = new_log(nil)
  return setmetatable(kong, {
    __index = function(t, k)
      if k == "log" then
        if base.get_request() then
          local log = ngx.ctx.KONG_LOG
          if log then return log end
        end
        return rawget(t, "_log")
      end
      error(fmt("e2e PDK shim: kong.%s is not provided by the test harness", tostring(k)), 2)
    end,
  })
end

---------------------------------------------------------------------------
-- runloop (kong/init.lua)
---------------------------------------------------------------------------
local plugin_log

local function setup_plugin_context(ctx)
  local namespaces = ctx.KONG_NAMESPACES
  if not namespaces then
    namespaces = setmetatable({}, { __mode = "v" })
    ctx.KONG_NAMESPACES = namespaces
  end
  namespaces.plugin = handler
  ctx.KONG_LOG = plugin_log
end

local function reset_plugin_context(ctx)
  ctx.KONG_LOG = kong._log
end

local function read_file(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end

-- init_by_lua: load settings, the plugin's handler and schema, validate the
-- configuration of every route (a bad one stops nginx from starting, as
-- Kong refuses a declarative config that does not validate).
function _M.init(settings_path)
  settings = assert(cjson.decode(read_file(settings_path)), "bad settings file " .. settings_path)
  plugin_name = settings.plugin or "kong-lua"
  settings.kong_version = settings.kong_version or "3.4.2"
  -- kong/globalpatches.lua keeps nginx's own timer functions here before it
  -- points ngx.timer.at/every at lua-resty-timer-ng (not available here: the
  -- harness leaves ngx.timer.* native).
  _G.native_timer_at = _G.native_timer_at or ngx.timer.at
  _G.native_timer_every = _G.native_timer_every or ngx.timer.every
  _G.kong = build_kong()
  plugin_log = new_log(plugin_name)

  handler = require("kong.plugins." .. plugin_name .. ".handler")
  if type(handler) ~= "table" then
    error("kong.plugins." .. plugin_name .. ".handler did not return a table")
  end
  local err
  entity_schema, err = plugin_schema.load(plugin_name)
  if not entity_schema then error(err) end

  for name, route in pairs(settings.routes or {}) do
    if route.plugin then
      local entity = route.plugin
      local conf, errs, msg = plugin_schema.validate(entity_schema, entity)
      if not conf then
        error(fmt("route %s: plugin %s: %s (%s)", name, plugin_name, msg, cjson.encode(errs)))
      end
      conf.__plugin_id = fmt("00000000-0000-4000-8000-%012d", #name)
      conf.__key__ = "plugins:" .. plugin_name .. ":" .. name .. "::::"
      conf.__seq__ = 0
      route_confs[name] = conf
    end
  end
end

function _M.schema()
  return entity_schema
end

function _M.settings()
  return settings
end

function _M.init_worker()
  local ctx = ngx.ctx
  ctx.KONG_PHASE = PHASES.init_worker
  local dict = ngx.shared.e2e
  if dict then dict:set("worker_pid:" .. ngx.worker.id(), ngx.worker.pid()) end
  if handler.init_worker then
    ctx.KONG_LOG = plugin_log
    local ok, err = pcall(handler.init_worker, handler)
    ctx.KONG_LOG = kong._log
    if not ok then
      err = "failed to execute the \"init_worker\" handler for plugin \"" ..
            plugin_name .. "\": " .. tostring(err)
      ngx.log(ngx.CRIT, "worker initialization error: ", err, "; this node must be restarted")
      if dict then dict:set("init_worker_error:" .. ngx.worker.id(), err) end
    end
  end
end

local function flush_delayed_response(ctx)
  ctx.delay_response = nil
  if type(ctx.delayed_response_callback) == "function" then
    ctx.delayed_response_callback(ctx)
    return
  end
  local dr = ctx.delayed_response
  local message = type(dr.content) == "table" and dr.content.message or dr.content
  kong.response.error(dr.status_code, message, dr.headers)
end

-- rewrite_by_lua on a plugin route (Kong.rewrite): per-request context.
function _M.rewrite()
  local ctx = ngx.ctx
  ctx.KONG_PROCESSING_START = ngx.req.start_time() * 1000
  ctx.KONG_PHASE = PHASES.rewrite
end

-- access_by_lua on a plugin route (Kong.access + execute_collecting_plugins_iterator)
function _M.access(route)
  local ctx = ngx.ctx
  local conf = route_confs[route]
  if not conf then error("e2e harness: no plugin configuration for route " .. tostring(route)) end
  ctx.e2e_conf = conf
  ctx.KONG_PHASE = PHASES.access
  if handler.access then
    ctx.delay_response = true
    setup_plugin_context(ctx)
    local co = coroutine.create(handler.access)
    local cok, cerr = coroutine.resume(co, handler, conf)
    if not cok then
      kong.log.err(cerr)
      -- the harness's own marker, so the driver can tell a plugin crash from
      -- the plugin's deliberate error logs
      ngx.log(ngx.ERR, "e2e harness: the access handler raised an error (Kong answers 500)")
      ctx.delayed_response = { status_code = 500, content = { message = "An unexpected error occurred" } }
      ctx.KONG_UNEXPECTED = true
    end
    reset_plugin_context(ctx)
    if ctx.delayed_response then
      return flush_delayed_response(ctx)
    end
    ctx.delay_response = nil
  end
  ctx.KONG_PROXIED = true
end

local function run_collected(phase)
  local ctx = ngx.ctx
  local conf = ctx.e2e_conf
  if not conf then return end
  local fn = handler[phase]
  if not fn then return end
  setup_plugin_context(ctx)
  fn(handler, conf)
  reset_plugin_context(ctx)
end

function _M.header_filter()
  ngx.ctx.KONG_PHASE = PHASES.header_filter
  run_collected("header_filter")
end

function _M.body_filter()
  local ctx = ngx.ctx
  ctx.KONG_PHASE = PHASES.body_filter
  if ctx.response_body then
    ngx.arg[1] = ctx.response_body
    ngx.arg[2] = true
  end
  run_collected("body_filter")
end

function _M.log()
  ngx.ctx.KONG_PHASE = PHASES.log
  run_collected("log")
end

-- Kong.status_content: the plugin's status_api.lua routes (kong/status/init.lua
-- + kong/api/api_helpers.lua attach_routes).
function _M.status_content()
  return require("e2e.status").serve(plugin_name)
end

return _M
