-- A subset of Kong's kong.db.schema.typedefs (kong/db/schema/typedefs.lua,
-- 3.4-3.9) for the e2e harness. Definitions and validator messages follow
-- Kong's; a typedef that is not here fails loudly with Kong's own message.
local Schema = require "kong.db.schema"
local socket_url = require "socket.url"

local null = ngx.null

-- kong/tools/utils.lua normalize_ip / hostname_type, reduced: enough for a
-- host (name, IPv4 or [IPv6]) with an optional port.
local function normalize_ip(address)
  local host, port = address:match("^%[([^%]]+)%]:?(%d*)$")
  if not host then
    host, port = address:match("^([^:]+):?(%d*)$")
  end
  if not host then
    if address:find(":", 1, true) then -- bare IPv6
      return { host = address, type = "ipv6" }
    end
    return nil, "invalid value: " .. address
  end
  if port ~= "" then
    local p = tonumber(port)
    if not p or p > 65535 then return nil, "invalid port number" end
    return { host = host, port = p }
  end
  if not host:match("^[%w%.%-_]+$") and not host:find(":", 1, true) then
    return nil, "invalid value: " .. address
  end
  return { host = host }
end

local function validate_host(host)
  local res, err_or_port = normalize_ip(host)
  if type(err_or_port) == "string" and err_or_port ~= "invalid port number" then
    return nil, "invalid value: " .. host
  end
  if err_or_port == "invalid port number" or type(res.port) == "number" then
    return nil, "must not have a port"
  end
  return true
end

local function validate_host_with_optional_port(host)
  local res, err_or_port = normalize_ip(host)
  return (res and true or nil), err_or_port
end

-- kong/db/schema/typedefs.lua validate_url, verbatim
local function validate_url(url)
  local parsed_url, err = socket_url.parse(url)
  if not parsed_url then
    return nil, "could not parse url. " .. err
  end
  if not parsed_url.host then
    return nil, "missing host in url"
  end
  if not parsed_url.scheme then
    return nil, "missing scheme in url"
  end
  return true
end

local function validate_header_name(name)
  if name:match("^[%w%-_]+$") then return true end
  return nil, "bad header name '" .. name .. "', allowed characters are A-Z, a-z, 0-9, '_', and '-'"
end

local typedefs = {}

typedefs.http_method = Schema.define {
  type = "string",
  match = "^%u+$",
  description = "A string representing an HTTP method, such as GET, POST, PUT, or DELETE. The string must contain only uppercase letters.",
}

typedefs.host = Schema.define {
  type = "string",
  custom_validator = validate_host,
  description = "A string representing a host name, such as example.com.",
}

typedefs.host_with_optional_port = Schema.define {
  type = "string",
  custom_validator = validate_host_with_optional_port,
  description = "A string representing a host name with an optional port number, such as example.com or example.com:8080.",
}

typedefs.port = Schema.define {
  type = "integer",
  between = { 0, 65535 },
  description = "An integer representing a port number between 0 and 65535, inclusive.",
}

typedefs.path = Schema.define {
  type = "string",
  starts_with = "/",
  match_none = { { pattern = "//", err = "must not have empty segments" } },
  description = "A string representing a URL path, such as /path/to/resource. Must start with a forward slash (/) and must not contain empty segments (i.e., two consecutive forward slashes).",
}

typedefs.url = Schema.define {
  type = "string",
  custom_validator = validate_url,
  description = "A string representing a URL, such as https://example.com/path/to/resource?q=search.",
}

typedefs.header_name = Schema.define {
  type = "string",
  custom_validator = validate_header_name,
  description = "A string representing an HTTP header name.",
}

typedefs.timeout = Schema.define {
  type = "integer",
  between = { 0, math.pow(2, 31) - 2 },
  description = "An integer representing a timeout in milliseconds. Must be between 0 and 2^31-2.",
}

typedefs.uuid = Schema.define {
  type = "string",
  uuid = true,
  auto = true,
  description = "A string representing a UUID (universally unique identifier).",
}

typedefs.auto_timestamp_s = Schema.define {
  type = "integer",
  timestamp = true,
  auto = true,
  description = "An integer representing an automatic Unix timestamp in seconds.",
}

typedefs.no_route = Schema.define {
  type = "foreign", reference = "routes", eq = null,
  description = "A reference to the 'routes' table with a null value allowed.",
}
typedefs.no_service = Schema.define {
  type = "foreign", reference = "services", eq = null,
  description = "A reference to the 'services' table with a null value allowed.",
}
typedefs.no_consumer = Schema.define {
  type = "foreign", reference = "consumers", eq = null,
  description = "Custom type for representing a foreign key with a null value allowed.",
}

typedefs.tag = Schema.define {
  type = "string",
  required = true,
  description = "A string representing a tag.",
}
typedefs.tags = Schema.define {
  type = "set",
  elements = typedefs.tag,
  description = "A set of strings representing tags.",
}

-- kong/constants.lua PROTOCOLS_WITH_SUBSYSTEM (3.4-3.9): the "http" ones, sorted.
local http_protocols = { "grpc", "grpcs", "http", "https" }
local protocols = { "grpc", "grpcs", "http", "https", "tcp", "tls", "tls_passthrough", "udp" }

typedefs.protocol = Schema.define {
  type = "string",
  one_of = protocols,
  description = "A string representing a protocol, such as HTTP or HTTPS.",
}

typedefs.protocols = Schema.define {
  type = "set",
  required = true,
  default = http_protocols,
  elements = typedefs.protocol,
  description = "A set of strings representing protocols.",
}

typedefs.protocols_http = Schema.define {
  type = "set",
  required = true,
  default = http_protocols,
  elements = { type = "string", one_of = http_protocols },
  description = "A set of strings representing HTTP protocols.",
}

setmetatable(typedefs, {
  __index = function(_, k)
    error("schema typedef error: definition " .. k .. " does not exist", 2)
  end,
})

return typedefs
