-- Loads a plugin's schema.lua the way Kong does (kong/db/schema/plugin_loader.lua
-- load_subschema + kong/db/schema/entity.lua new_subschema) and validates
-- plugin entities against it (DAO insert: process_auto_fields "insert",
-- validate, then "select" as the plugins iterator reads it), producing Kong's
-- error table and its "schema violation (...)" message
-- (kong/db/errors.lua schema_violation).
local Schema = require "kong.db.schema"
local typedefs = require "kong.db.schema.typedefs"

local null = ngx.null
local fmt = string.format

local _M = {}

-- kong/db/schema/entities/plugins.lua fields (without id/timestamps)
local function plugins_entity_fields()
  return {
    { name = { type = "string", required = true } },
    { instance_name = { type = "string" } },
    { route = { type = "foreign", reference = "routes", default = null } },
    { service = { type = "foreign", reference = "services", default = null } },
    { consumer = { type = "foreign", reference = "consumers", default = null } },
    { config = { type = "record", abstract = true } },
    { protocols = typedefs.protocols },
    { enabled = { type = "boolean", required = true, default = true } },
    { tags = typedefs.tags },
  }
end

-- kong/db/schema/entity.lua make_records_required
local function make_records_required(field)
  if field.required == nil then field.required = true end
  for _, item in ipairs(field.fields or {}) do
    local _, f = next(item)
    if type(f) == "table" and f.type == "record" then make_records_required(f) end
  end
end

-- penlight's pl.pretty.write layout (what kong/db/errors.lua uses for nested errors)
local function pretty(v, indent)
  indent = indent or ""
  if type(v) == "string" then return fmt("%q", v) end
  if type(v) ~= "table" then return tostring(v) end
  local inner = indent .. "  "
  local parts = {}
  for i = 1, #v do parts[#parts + 1] = inner .. pretty(v[i], inner) end
  local keys = {}
  for k in pairs(v) do
    if not (type(k) == "number" and k >= 1 and k <= #v and k % 1 == 0) then keys[#keys + 1] = k end
  end
  table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
  for _, k in ipairs(keys) do
    local key = (type(k) == "string" and k:match("^[%a_][%w_]*$")) and k or ("[" .. pretty(k) .. "]")
    parts[#parts + 1] = inner .. key .. " = " .. pretty(v[k], inner)
  end
  if #parts == 0 then return "{}" end
  return "{\n" .. table.concat(parts, ",\n") .. "\n" .. indent .. "}"
end

local function sorted_keys(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
  return keys
end

-- kong/db/errors.lua _M:schema_violation message
function _M.violation_message(errors)
  local buf = {}
  if errors["@entity"] then
    for _, err in pairs(errors["@entity"]) do buf[#buf + 1] = err end
  end
  for _, field_name in ipairs(sorted_keys(errors)) do
    if field_name ~= "@entity" then
      local field_errors = errors[field_name]
      if type(field_errors) == "table" then
        for _, sub_field in ipairs(sorted_keys(field_errors)) do
          local value = field_errors[sub_field]
          if type(value) == "table" then value = pretty(value) end
          buf[#buf + 1] = fmt("%s.%s: %s", field_name, sub_field, value)
        end
      else
        buf[#buf + 1] = fmt("%s: %s", field_name, field_errors)
      end
    end
  end
  if #buf == 1 then
    return fmt("schema violation (%s)", buf[1])
  end
  return fmt("%d schema violations (%s)", #buf, table.concat(buf, "; "))
end

-- Returns a loaded plugin entity schema or nil, err.
function _M.load(plugin_name)
  local modname = "kong.plugins." .. plugin_name .. ".schema"
  local ok, def = pcall(require, modname)
  if not ok then
    return nil, "no configuration schema found for plugin: " .. plugin_name .. ": " .. tostring(def)
  end
  if type(def) ~= "table" then
    return nil, modname .. " did not return a table"
  end

  -- MetaSubSchema checks (kong/db/schema/metaschema.lua)
  local errs = {}
  if type(def.name) ~= "string" then
    errs[#errs + 1] = "name: required field missing"
  elseif def.name ~= plugin_name then
    errs[#errs + 1] = fmt("name: schema name '%s' differs from the plugin's directory name '%s'", def.name, plugin_name)
  end
  if type(def.fields) ~= "table" then
    errs[#errs + 1] = "fields: 'fields' must be a table"
  else
    Schema.check_field_definition(plugin_name, { type = "record", fields = def.fields }, errs)
  end
  if #errs > 0 then
    return nil, "schema of plugin '" .. plugin_name .. "' is invalid: " .. table.concat(errs, "; ")
  end

  -- Entity.new_subschema + Schema.new_subschema
  make_records_required(def)
  def.required = nil
  local parent = plugins_entity_fields()
  local parent_by_name, order = {}, {}
  for i, item in ipairs(parent) do
    local k, f = next(item)
    parent_by_name[k] = f
    order[i] = k
  end
  local merged = {}
  for _, item in ipairs(def.fields) do
    local k, f = next(item)
    local pf = parent_by_name[k]
    if not pf then
      return nil, fmt("error in definition of '%s': %s: cannot create a new field", plugin_name, k)
    end
    if pf.type ~= f.type then
      return nil, fmt("error in definition of '%s': %s: cannot change type in a specialized field", plugin_name, k)
    end
    merged[k] = f
  end
  if not merged.config then
    return nil, fmt("error in definition of '%s': config: abstract field was not specialized", plugin_name)
  end
  local fields = {}
  for i, k in ipairs(order) do
    fields[i] = { [k] = merged[k] or parent_by_name[k] }
  end
  local schema = assert(Schema.new({ name = plugin_name, fields = fields, entity_checks = def.entity_checks }))
  schema.plugin_name = plugin_name
  schema.definition_raw = def
  return schema
end

-- Validates a plugin entity (a table with at least `config`; `name` is
-- filled in). Returns the config table a handler receives, or
-- nil, errors_table, message.
function _M.validate(schema, entity)
  if type(entity) ~= "table" then
    return nil, { ["@entity"] = { "expected an input table" } }, "schema violation (expected an input table)"
  end
  local input = {}
  for k, v in pairs(entity) do input[k] = v end
  if input.name == nil then input.name = schema.plugin_name end
  local data = schema:process_auto_fields(input, "insert")
  local ok, errors = schema:validate(data)
  if not ok then
    return nil, errors, _M.violation_message(errors)
  end
  local selected = schema:process_auto_fields(data, "select")
  return selected.config, selected
end

return _M
