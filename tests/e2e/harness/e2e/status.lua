-- The Status API server of the harness: serves the routes of
-- kong.plugins.<name>.status_api as Kong's Status API does
-- (kong/status/init.lua loads them with kong/api/api_helpers.lua
-- attach_routes: handler(self, {}, helpers); HEAD follows GET; OPTIONS
-- answers 204 with Allow; an unknown path is 404 {"message":"Not found"},
-- a method the route lacks is 405 {"message":"Method not allowed"}, and a
-- handler error is logged and answered 500 {"message":"An unexpected error
-- occurred"}). Lapis semantics kept: path segments ":name" become
-- self.params.name, and a handler may return { status = n, json = t } or
-- print its output and return nothing.
local cjson = require "cjson.safe"

local _M = {}

local routes  -- compiled: { { pattern = "^/a/([^/]+)$", names = {...}, methods = {...} } }

local function compile(plugin_name)
  local ok, mod = pcall(require, "kong.plugins." .. plugin_name .. ".status_api")
  routes = {}
  if not ok then
    if not tostring(mod):find("module 'kong.plugins." .. plugin_name .. ".status_api' not found", 1, true) then
      error(mod)
    end
    return
  end
  for path, methods in pairs(mod) do
    local names = {}
    local pattern = "^" .. path:gsub("[%-%.%+%[%]%(%)%$%^%%%?%*]", "%%%0"):gsub(":([%w_]+)", function(n)
      names[#names + 1] = n
      return "([^/]+)"
    end) .. "$"
    routes[#routes + 1] = { path = path, pattern = pattern, names = names, methods = methods }
  end
end

local HTTP_METHODS = { GET = true, HEAD = true, POST = true, PUT = true, PATCH = true, DELETE = true, OPTIONS = true }

local function exit_json(status, t)
  ngx.status = status
  local body = cjson.encode(t)
  ngx.header["Content-Type"] = "application/json; charset=utf-8"
  ngx.header["Content-Length"] = #body
  ngx.print(body)
  return ngx.exit(status)
end

function _M.serve(plugin_name)
  ngx.ctx.KONG_PHASE = require("e2e.kong").PHASES.admin_api
  if not routes then compile(plugin_name) end

  local path = ngx.var.uri
  local route, captures
  for _, r in ipairs(routes) do
    local m = { path:match(r.pattern) }
    if path:match(r.pattern) then
      route, captures = r, m
      break
    end
  end
  if not route then
    return exit_json(404, { message = "Not found" })
  end

  local method = ngx.req.get_method()
  local fn = route.methods[method]
  if not fn and method == "HEAD" then fn = route.methods.GET end
  if not fn and method == "OPTIONS" then
    local allowed = {}
    for m in pairs(route.methods) do
      if HTTP_METHODS[m] then allowed[#allowed + 1] = m end
    end
    if route.methods.GET and not route.methods.HEAD then allowed[#allowed + 1] = "HEAD" end
    allowed[#allowed + 1] = "OPTIONS"
    table.sort(allowed)
    local list = table.concat(allowed, ", ")
    ngx.status = 204
    ngx.header["Allow"] = list
    ngx.header["Access-Control-Allow-Methods"] = list
    ngx.header["Access-Control-Allow-Headers"] = "Content-Type"
    return ngx.exit(204)
  end
  if not fn then
    return exit_json(405, { message = "Method not allowed" })
  end

  local params = ngx.req.get_uri_args()
  for i, n in ipairs(route.names) do params[n] = captures[i] end
  local self = { params = params, req = { method = method, parsed_url = { path = path } } }

  local ok, res = xpcall(fn, debug.traceback, self, {}, { yield_error = error })
  if not ok then
    ngx.log(ngx.ERR, res)
    if ngx.headers_sent then return ngx.exit(ngx.ERROR) end
    return exit_json(500, { message = "An unexpected error occurred" })
  end
  if type(res) == "table" then
    if res.json ~= nil then
      return exit_json(res.status or 200, res.json)
    end
    ngx.status = res.status or 200
    if res[1] then ngx.print(res[1]) end
    return ngx.exit(ngx.status)
  end
  -- printed its own output (as Kong's prometheus status_api does)
  if not ngx.headers_sent then
    ngx.status = 200
    ngx.header["Content-Length"] = 0
  end
  return ngx.exit(ngx.HTTP_OK)
end

return _M
