-- A subset of Kong's kong.db.schema (kong/db/schema/init.lua, 3.4-3.9) for the
-- e2e harness: enough to load a plugin's schema.lua, fill defaults and
-- validate a plugin configuration the way Kong does, with Kong's error
-- strings. It follows Kong's code where it matters (validators and their
-- order, validate_field, handle_missing_field, adjust_field_for_context,
-- entity checkers, Entity.new_subschema's make_records_required) and refuses
-- what it does not implement instead of accepting it silently.
local null = ngx and ngx.null or setmetatable({}, { __tostring = function() return "null" end })

local type, pairs, ipairs, next, tostring = type, pairs, ipairs, next, tostring
local floor = math.floor
local insert, concat = table.insert, table.concat
local fmt = string.format

local Schema = {}
Schema.__index = Schema

-- kong/db/schema/init.lua `validation_errors` (3.4.2), verbatim.
local validation_errors = {
  ERROR                     = "Validation error: %s",
  ARRAY                     = "expected an array",
  SET                       = "expected a set",
  MAP                       = "expected a map",
  RECORD                    = "expected a record",
  STRING                    = "expected a string",
  NUMBER                    = "expected a number",
  BOOLEAN                   = "expected a boolean",
  INTEGER                   = "expected an integer",
  FUNCTION                  = "expected a function",
  EQ                        = "value must be %s",
  NE                        = "value must not be %s",
  GT                        = "value must be greater than %s",
  BETWEEN                   = "value should be between %d and %d",
  LEN_EQ                    = "length must be %d",
  LEN_MIN                   = "length must be at least %d",
  LEN_MAX                   = "length must be at most %d",
  MATCH                     = "invalid value: %s",
  NOT_MATCH                 = "invalid value: %s",
  MATCH_ALL                 = "invalid value: %s",
  MATCH_NONE                = "invalid value: %s",
  MATCH_ANY                 = "invalid value: %s",
  STARTS_WITH               = "should start with: %s",
  CONTAINS                  = "expected to contain: %s",
  ONE_OF                    = "expected one of: %s",
  NOT_ONE_OF                = "must not be one of: %s",
  IS_REGEX                  = "not a valid regex: %s",
  TIMESTAMP                 = "expected a valid timestamp",
  UUID                      = "expected a valid UUID",
  VALIDATION                = "failed validating: %s",
  BAD_INPUT                 = "expected an input table",
  REQUIRED                  = "required field missing",
  NO_FOREIGN_DEFAULT        = "will not generate a default value for a foreign field",
  UNKNOWN                   = "unknown field",
  IMMUTABLE                 = "immutable field cannot be updated",
  REQUIRED_FOR_ENTITY_CHECK = "field required for entity check",
  ENTITY_CHECK              = "failed entity check: %s(%s)",
  ENTITY_CHECK_N_FIELDS     = "entity check requires %d fields",
  CHECK                     = "entity check failed",
  CONDITIONAL               = "failed conditional validation given value of field '%s'",
  AT_LEAST_ONE_OF           = "at least one of these fields must be non-empty: %s",
  CONDITIONAL_AT_LEAST_ONE_OF = "at least one of these fields must be non-empty: %s",
  ONLY_ONE_OF               = "exactly one of these fields must be non-empty: %s",
  DISTINCT                  = "values of these fields must be distinct: %s",
  MUTUALLY_REQUIRED         = "all or none of these fields must be set: %s",
  MUTUALLY_EXCLUSIVE        = "only one or none of these fields must be set: %s",
  MUTUALLY_EXCLUSIVE_SETS   = "these sets are mutually exclusive: %s",
  SCHEMA_NO_DEFINITION      = "expected a definition table",
  SCHEMA_NO_FIELDS          = "error in schema definition: no 'fields' table",
  SCHEMA_BAD_REFERENCE      = "schema refers to an invalid foreign entity: %s",
  SCHEMA_CANNOT_VALIDATE    = "error in schema prevents from validating this field",
  SCHEMA_TYPE               = "invalid type: %s",
  NOT_PK                    = "not a primary key",
  MISSING_PK                = "missing primary key",
  SUBSCHEMA_UNKNOWN         = "unknown type: %s",
  SUBSCHEMA_BAD_PARENT      = "error in definition of '%s': entities of type '%s' cannot have subschemas",
  SUBSCHEMA_UNDEFINED_FIELD = "error in definition of '%s': %s: abstract field was not specialized",
  SUBSCHEMA_BAD_TYPE        = "error in definition of '%s': %s: cannot change type in a specialized field",
  SUBSCHEMA_BAD_FIELD       = "error in definition of '%s': %s: cannot create a new field",
  SUBSCHEMA_ABSTRACT_FIELD  = "error in schema definition: abstract field was not specialized",
  TRANSFORMATION_ERROR      = "transformation failed: %s",
}
Schema.errors = validation_errors

Schema.valid_types = {
  array = true, set = true, string = true, number = true, boolean = true,
  integer = true, foreign = true, map = true, record = true,
  ["function"] = true, json = true,
}

local function is_sequence(t)
  if type(t) ~= "table" then return false end
  local n = 0
  for k in pairs(t) do
    if type(k) ~= "number" or k < 1 or floor(k) ~= k then return false end
    n = n + 1
  end
  for i = 1, n do
    if t[i] == nil then return false end
  end
  return true
end

local function deep_copy(v)
  if type(v) ~= "table" then return v end
  local c = {}
  for k, x in pairs(v) do c[k] = deep_copy(x) end
  return setmetatable(c, getmetatable(v))
end

local function quoted_list(words)
  local msg = {}
  for i = 1, #words do
    local word = words[i]
    if type(word) == "table" then
      insert(msg, ("(%s)"):format(quoted_list(word)))
    else
      insert(msg, ("'%s'"):format(word))
    end
  end
  return concat(msg, ", ")
end

local function make_length_validator(err, fn)
  return function(value, n, field)
    local len = #value
    if field.type == "map" then
      for _ in pairs(value) do len = len + 1 end
    end
    if fn(len, n) then return true end
    return nil, validation_errors[err]:format(n)
  end
end

Schema.validators = {
  between = function(value, limits)
    if value < limits[1] or value > limits[2] then
      return nil, validation_errors.BETWEEN:format(limits[1], limits[2])
    end
    return true
  end,
  eq = function(value, wanted)
    if value == wanted then return true end
    local str = (wanted == null) and "null" or tostring(wanted)
    return nil, validation_errors.EQ:format(str)
  end,
  ne = function(value, wanted)
    if value ~= wanted then return true end
    local str = (wanted == null) and "null" or tostring(value)
    return nil, validation_errors.NE:format(str)
  end,
  gt = function(value, limit)
    if value > limit then return true end
    return nil, validation_errors.GT:format(tostring(limit))
  end,
  len_eq = make_length_validator("LEN_EQ", function(len, n) return len == n end),
  len_min = make_length_validator("LEN_MIN", function(len, n) return len >= n end),
  len_max = make_length_validator("LEN_MAX", function(len, n) return len <= n end),
  match = function(value, pattern)
    if not value:match(pattern) then
      return nil, validation_errors.MATCH:format(value)
    end
    return true
  end,
  is_regex = function(value)
    local _, err = ngx.re.match("any string", value)
    return err == nil
  end,
  not_match = function(value, pattern)
    if value:match(pattern) then
      return nil, validation_errors.NOT_MATCH:format(value)
    end
    return true
  end,
  match_all = function(value, list)
    for i = 1, #list do
      if not value:match(list[i].pattern) then return nil, list[i].err end
    end
    return true
  end,
  match_none = function(value, list)
    for i = 1, #list do
      if value:match(list[i].pattern) then return nil, list[i].err end
    end
    return true
  end,
  match_any = function(value, arg)
    for i = 1, #arg.patterns do
      if value:match(arg.patterns[i]) then return true end
    end
    return nil, arg.err
  end,
  starts_with = function(value, expected)
    if value:sub(1, #expected) ~= expected then
      return nil, validation_errors.STARTS_WITH:format(expected)
    end
    return true
  end,
  one_of = function(value, options)
    for i = 1, #options do
      if value == options[i] then return true end
    end
    return nil, validation_errors.ONE_OF:format(concat(options, ", "))
  end,
  not_one_of = function(value, options)
    for i = 1, #options do
      if value == options[i] then
        return nil, validation_errors.NOT_ONE_OF:format(concat(options, ", "))
      end
    end
    return true
  end,
  timestamp = function(value) return value > 0 or nil end,
  uuid = function(value)
    if #value ~= 36 then return nil end
    return ngx.re.find(value, "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", "ioj") and true or nil
  end,
  contains = function(array, wanted)
    for i = 1, #array do
      if array[i] == wanted then return true end
    end
    return nil, validation_errors.CONTAINS:format(wanted)
  end,
  custom_validator = function(value, fn) return fn(value) end,
}

Schema.validators_order = {
  "eq", "ne", "not_one_of", "one_of",
  "gt", "timestamp", "uuid", "is_regex", "between",
  "len_eq", "len_min", "len_max",
  "starts_with", "not_match", "match_none", "match", "match_all", "match_any",
  "contains",
  "custom_validator",
}

-- Field attributes Kong's metaschema accepts (kong/db/schema/metaschema.lua
-- `field_schema` plus the validators); anything else in a plugin schema is an
-- error there too ("unknown field").
local known_attributes = {
  type = true, required = true, reference = true, description = true, auto = true,
  unique = true, unique_across_ws = true, on_delete = true, default = true,
  abstract = true, generate_admin_api = true, immutable = true, err = true,
  encrypted = true, referenceable = true, elements = true, keys = true,
  values = true, fields = true, entity_checks = true, shorthand_fields = true,
  nilable = true, len_eq = true, len_min = true, len_max = true, between = true,
  eq = true, ne = true, gt = true, match = true, not_match = true,
  match_all = true, match_none = true, match_any = true, starts_with = true,
  one_of = true, not_one_of = true, contains = true, is_regex = true,
  timestamp = true, uuid = true, custom_validator = true,
  mutually_exclusive_subsets = true, deprecation = true, translate_backwards = true,
  json_schema = true,
}

-- metaschema.lua `attribute_types`
local attribute_types = {
  between = { integer = true, number = true },
  len_eq = { array = true, set = true, string = true, map = true },
  match = { string = true },
  one_of = { string = true, number = true, integer = true },
  contains = { array = true, set = true },
  is_regex = { string = true },
  timestamp = { number = true, integer = true },
  uuid = { string = true },
  unique = { string = true, number = true, integer = true, foreign = true },
}

local required_attributes = {
  array = { "elements" }, set = { "elements" }, map = { "keys", "values" }, record = { "fields" },
}

local function get_field(entity, name)
  local dot = name:find(".", 1, true)
  if not dot then return entity[name] end
  local hd, tl = name:sub(1, dot - 1), name:sub(dot + 1)
  local sub = entity[hd]
  if type(sub) ~= "table" then return nil end
  return get_field(sub, tl)
end

local function set_field(entity, name, value)
  local dot = name:find(".", 1, true)
  if not dot then
    entity[name] = value
    return
  end
  local hd, tl = name:sub(1, dot - 1), name:sub(dot + 1)
  local sub = entity[hd]
  if type(sub) ~= "table" then
    sub = {}
    entity[hd] = sub
  end
  set_field(sub, tl, value)
end

local function is_nonempty(value)
  if value == nil or value == null
     or (type(value) == "table" and not next(value))
     or (type(value) == "string" and value == "") then
    return false
  end
  return true
end

--------------------------------------------------------------------------
-- Schema objects
--------------------------------------------------------------------------

-- Checks one field definition like Kong's metaschema `check_field`, with
-- Kong's meta error strings, plus: attributes Kong does not know.
local function check_field_definition(path, field, errors)
  if type(field) ~= "table" then
    errors[#errors + 1] = path .. ": '" .. path .. "' must be a table"
    return
  end
  if not field.type then
    errors[#errors + 1] = path .. ": missing type declaration"
    return
  end
  if not Schema.valid_types[field.type] then
    errors[#errors + 1] = path .. ": " .. validation_errors.SCHEMA_TYPE:format(field.type)
  end
  local req = required_attributes[field.type]
  if req and not (field.abstract and field.type == "record") then
    for _, a in ipairs(req) do
      if not field[a] then
        errors[#errors + 1] = fmt("%s: field of type '%s' must declare '%s'", path, field.type, a)
      end
    end
  end
  for attr in pairs(field) do
    if not known_attributes[attr] then
      errors[#errors + 1] = fmt("%s: unknown field attribute '%s'", path, tostring(attr))
    elseif attribute_types[attr] and not attribute_types[attr][field.type] then
      errors[#errors + 1] = fmt("%s: field of type '%s' cannot have attribute '%s'", path, field.type, attr)
    end
  end
  if field.description ~= nil and (type(field.description) ~= "string"
     or #field.description < 10 or #field.description > 500) then
    errors[#errors + 1] = path .. ".description: length must be between 10 and 500"
  end
  if field.entity_checks then
    for i, check in ipairs(field.entity_checks) do
      local name = next(check)
      if not Schema.entity_checkers[name] then
        errors[#errors + 1] = fmt("%s.entity_checks[%d]: unsupported entity check '%s'", path, i, tostring(name))
      end
    end
  end
  for _, n in ipairs({ "elements", "keys", "values" }) do
    if field[n] then check_field_definition(path .. "." .. n, field[n], errors) end
  end
  if field.fields then
    for i, item in ipairs(field.fields) do
      local k = type(item) == "table" and next(item)
      if not k then
        errors[#errors + 1] = path .. ": each entry in fields must be a sub-table"
      elseif next(item, k) ~= nil then
        errors[#errors + 1] = fmt("%s.fields[%d]: length must be 1", path, i)
      else
        check_field_definition(path .. "." .. k, item[k], errors)
      end
    end
  end
end

function Schema.new(definition)
  if type(definition) ~= "table" then
    return nil, validation_errors.SCHEMA_NO_DEFINITION
  end
  if type(definition.fields) ~= "table" then
    return nil, validation_errors.SCHEMA_NO_FIELDS
  end
  local self = setmetatable({
    name = definition.name,
    definition = definition,
    field_list = {},
    fields = {},
    entity_checks = definition.entity_checks,
    shorthand_fields = definition.shorthand_fields,
    check = definition.check,
  }, Schema)
  for i, item in ipairs(definition.fields) do
    local k, f = next(item)
    self.field_list[i] = { k, f }
    self.fields[k] = f
  end
  return self
end

function Schema:each_field()
  local i = 0
  return function()
    i = i + 1
    local e = self.field_list[i]
    if e then return e[1], e[2] end
  end
end

local function get_field_schema(field)
  if not field._e2e_schema then
    field._e2e_schema = assert(Schema.new(field))
  end
  return field._e2e_schema
end

local function get_schema_field(schema, name)
  local dot = name:find(".", 1, true)
  if not dot then return schema.fields[name] end
  local hd, tl = name:sub(1, dot - 1), name:sub(dot + 1)
  local f = schema.fields[hd]
  if f and f.type == "record" then return get_schema_field(get_field_schema(f), tl) end
  return f
end

--------------------------------------------------------------------------
-- Validation (Kong's Schema:validate_field, validate_elements, validate)
--------------------------------------------------------------------------

local validate_fields

local function validate_elements(self, field, value)
  field.elements.required = true
  local errs, all_ok = {}, true
  for i = 1, #value do
    local ok, err = self:validate_field(field.elements, value[i])
    if not ok then
      errs[i] = err
      all_ok = false
    end
  end
  if all_ok then return true end
  return nil, errs
end

function Schema:validate_field(field, value)
  if value == null then
    if field.ne == null then
      return nil, field.err or validation_errors.NE:format("null")
    end
    if field.eq ~= nil and field.eq ~= null then
      return nil, validation_errors.EQ:format(tostring(field.eq))
    end
    if field.required then
      return nil, validation_errors.REQUIRED
    end
    return true
  end

  if field.eq == null then
    return nil, field.err or validation_errors.EQ:format("null")
  end

  if field.abstract then
    return nil, validation_errors.SUBSCHEMA_ABSTRACT_FIELD
  end

  local t = field.type
  if t == "array" then
    if not is_sequence(value) then return nil, validation_errors.ARRAY end
    local ok, err = validate_elements(self, field, value)
    if not ok then return nil, err end
  elseif t == "set" then
    if not is_sequence(value) then return nil, validation_errors.SET end
    field.elements.required = true
    local ok, err = validate_elements(self, field, value)
    if not ok then return nil, err end
  elseif t == "map" then
    if type(value) ~= "table" then return nil, validation_errors.MAP end
    field.keys.required = true
    field.values.required = true
    for k, v in pairs(value) do
      local ok, err = self:validate_field(field.keys, k)
      if not ok then return nil, err end
      ok, err = self:validate_field(field.values, v)
      if not ok then return nil, err end
    end
  elseif t == "record" then
    if type(value) ~= "table" then return nil, validation_errors.RECORD end
    local field_schema = get_field_schema(field)
    local copy = field_schema:process_auto_fields(value, "insert")
    local ok, err = field_schema:validate(copy)
    if not ok then return nil, err end
  elseif t == "foreign" then
    -- no foreign entities in the harness: accept what Kong would look up
  elseif t == "integer" then
    if not (type(value) == "number" and value == floor(value)
            and value ~= 1/0 and value ~= -1/0) then
      return nil, validation_errors.INTEGER
    end
  elseif t == "string" then
    if type(value) ~= "string" then return nil, validation_errors.STRING end
    if not field.len_min then field.len_min = 1 end
    if field.referenceable and value:sub(1, 9) == "{vault://" then
      return true
    end
  elseif t == "function" then
    if type(value) ~= "function" then return nil, validation_errors.FUNCTION end
  elseif t == "number" or t == "boolean" then
    if type(value) ~= t then return nil, validation_errors[t:upper()] end
  elseif t ~= "any" and t ~= "json" then
    return nil, validation_errors.SCHEMA_TYPE:format(t)
  end

  for _, k in ipairs(Schema.validators_order) do
    if field[k] ~= nil then
      local ok, err = Schema.validators[k](value, field[k], field)
      if not ok then
        if not err then
          err = (validation_errors[k:upper()] or validation_errors.VALIDATION):format(value)
        end
        return nil, field.err or err
      end
    end
  end
  return true
end

validate_fields = function(self, input)
  assert(type(input) == "table", validation_errors.BAD_INPUT)
  local errors = {}
  for k, v in pairs(input) do
    local field = self.fields[tostring(k)]
    if field then
      local _
      _, errors[k] = self:validate_field(field, v)
    else
      errors[k] = validation_errors.UNKNOWN
    end
  end
  if next(errors) then return nil, errors end
  return true, errors
end

local function insert_entity_error(errors, err)
  errors["@entity"] = errors["@entity"] or {}
  insert(errors["@entity"], err)
end

Schema.entity_checkers = {
  at_least_one_of = {
    run_with_missing_fields = true,
    run_with_invalid_fields = true,
    fn = function(entity, field_names)
      for i = 1, #field_names do
        if is_nonempty(get_field(entity, field_names[i])) then return true end
      end
      return nil, quoted_list(field_names)
    end,
  },
  only_one_of = {
    run_with_invalid_fields = true,
    fn = function(entity, field_names)
      local found, ok = false, false
      for i = 1, #field_names do
        if is_nonempty(get_field(entity, field_names[i])) then
          if not found then found, ok = true, true else ok = false end
        end
      end
      if ok then return true end
      return nil, quoted_list(field_names)
    end,
  },
  distinct = {
    run_with_invalid_fields = true,
    fn = function(entity, field_names)
      local seen = {}
      for i = 1, #field_names do
        local value = get_field(entity, field_names[i])
        if is_nonempty(value) then
          if seen[value] then return nil, quoted_list(field_names) end
          seen[value] = true
        end
      end
      return true
    end,
  },
  conditional = {
    run_with_invalid_fields = true,
    field_sources = { "if_field", "then_field" },
    required_fields = { if_field = true },
    fn = function(entity, arg, schema, errors)
      local if_value = get_field(entity, arg.if_field)
      local then_value = get_field(entity, arg.then_field)
      if then_value == nil then then_value = null end
      setmetatable(arg.if_match, { __index = get_schema_field(schema, arg.if_field) })
      local ok = Schema.validate_field(schema, arg.if_match, if_value)
      if not ok then return true end
      if arg.then_match.required == true and then_value == null then
        set_field(errors, arg.then_field, validation_errors.REQUIRED)
        return nil, arg.if_field
      end
      setmetatable(arg.then_match, { __index = get_schema_field(schema, arg.then_field) })
      local err
      ok, err = Schema.validate_field(schema, arg.then_match, then_value)
      if not ok then
        set_field(errors, arg.then_field, err)
        local then_err
        if arg.then_err then then_err = arg.then_err:format(arg.if_field) end
        return nil, arg.if_field, then_err
      end
      return true
    end,
  },
  custom_entity_check = {
    field_sources = { "field_sources" },
    required_fields = { field_sources = true },
    fn = function(entity, arg) return arg.fn(entity) end,
  },
  mutually_required = {
    run_with_missing_fields = true,
    fn = function(entity, field_names)
      local n = 0
      for i = 1, #field_names do
        if is_nonempty(get_field(entity, field_names[i])) then n = n + 1 end
      end
      if n == 0 or n == #field_names then return true end
      return nil, quoted_list(field_names)
    end,
  },
  mutually_exclusive = {
    run_with_missing_fields = true,
    fn = function(entity, field_names)
      local n = 0
      for i = 1, #field_names do
        if is_nonempty(get_field(entity, field_names[i])) then n = n + 1 end
      end
      if n <= 1 then return true end
      return nil, quoted_list(field_names)
    end,
  },
}

-- Kong's run_entity_check
local function run_entity_check(self, name, input, arg, full_check, errors)
  local check_input = {}
  local checker = self.entity_checkers[name]
  if not checker then
    error("e2e schema shim: entity check '" .. tostring(name) .. "' is not implemented", 0)
  end
  local fields_to_check, required_fields = {}, {}
  if checker.field_sources then
    for _, source in ipairs(checker.field_sources) do
      local v = arg[source]
      if type(v) == "string" then
        insert(fields_to_check, v)
        if checker.required_fields[source] then required_fields[v] = true end
      elseif type(v) == "table" then
        for _, fname in ipairs(v) do
          insert(fields_to_check, fname)
          if checker.required_fields[source] then required_fields[fname] = true end
        end
      end
    end
  else
    fields_to_check = arg
    for i = 1, #arg do required_fields[arg[i]] = true end
  end

  local missing
  local all_nil, all_ok = true, true
  for _, fname in ipairs(fields_to_check) do
    local value = get_field(input, fname)
    if value == nil then
      if not checker.run_with_missing_fields and not arg.run_with_missing_fields
         and required_fields[fname] then
        missing = missing or {}
        insert(missing, fname)
      end
    else
      all_nil = false
    end
    if errors[fname] then all_ok = false end
    set_field(check_input, fname, value)
  end

  if not all_ok and not checker.run_with_invalid_fields and not arg.run_with_invalid_fields then
    return
  end
  if all_nil and not (checker.run_with_missing_fields and full_check) then
    return
  end
  if missing then
    for _, m in ipairs(missing) do
      set_field(errors, m, validation_errors.REQUIRED_FOR_ENTITY_CHECK)
    end
    return
  end

  local ok, err, err2 = checker.fn(check_input, arg, self, errors)
  if ok then return end
  if err2 then
    insert_entity_error(errors, err2)
  else
    local error_fmt = validation_errors[name:upper()]
    err = error_fmt and error_fmt:format(err) or err
    if not err then
      err = validation_errors.ENTITY_CHECK:format(name, "...")
    end
    insert_entity_error(errors, err)
  end
end

function Schema:validate(input, full_check)
  if full_check == nil then full_check = true end
  local _, errors = validate_fields(self, input)
  for name, field in self:each_field() do
    if field.required and (input[name] == null or (full_check and input[name] == nil)) then
      errors[name] = validation_errors.REQUIRED
    end
  end
  if self.entity_checks then
    for _, check in ipairs(self.entity_checks) do
      local name, arg = next(check)
      run_entity_check(self, name, input, arg, full_check, errors)
    end
  end
  if self.check then
    local ok, err = self.check(input)
    if not ok then
      if type(err) == "table" then
        for k, v in pairs(err) do
          if type(k) == "number" then insert_entity_error(errors, v) else errors[k] = v end
        end
      else
        insert_entity_error(errors, err or validation_errors.CHECK)
      end
    end
  end
  if next(errors) then return nil, errors end
  return true
end

--------------------------------------------------------------------------
-- Defaults (Kong's handle_missing_field / adjust_field_for_context)
--------------------------------------------------------------------------

local adjust_field_for_context

local function handle_missing_field(field, value)
  if field.default ~= nil then
    return deep_copy(field.default)
  end
  if field.nilable then return value end
  if field.required ~= true then return null end
  if field.abstract then return nil end
  if field.type == "record" then
    return get_field_schema(field):process_auto_fields({}, "insert")
  end
  return nil
end

adjust_field_for_context = function(field, value, context)
  if context == "select" and value == null and field.required == true then
    return handle_missing_field(field, value)
  end
  if field.abstract then return value end
  if field.type == "record" then
    local recurse
    if context == "update" then
      recurse = value ~= null and value ~= nil
    else
      recurse = value ~= null and (value ~= nil or field.required == true)
    end
    if recurse then
      value = value or handle_missing_field(field, value)
      if type(value) == "table" then
        return get_field_schema(field):process_auto_fields(value, context)
      end
    end
  elseif type(value) == "table" then
    local subfield
    if field.type == "array" or field.type == "set" then
      subfield = field.elements
    elseif field.type == "map" then
      subfield = field.values
    end
    if subfield then
      for k, v in pairs(value) do
        value[k] = adjust_field_for_context(subfield, v, context)
      end
    end
  end
  if value == nil and context ~= "update" then
    return handle_missing_field(field, value)
  end
  return value
end

function Schema:process_auto_fields(data, context)
  local is_select = context == "select"
  if not is_select then data = deep_copy(data) end
  for key, field in self:each_field() do
    local value = adjust_field_for_context(field, data[key], context)
    if is_select then
      if value == null then
        value = nil
      elseif field.type == "integer" and type(value) == "number" then
        value = floor(value)
      end
    end
    data[key] = value
  end
  return data
end

function Schema.define(tbl)
  return setmetatable(tbl, {
    __call = function(t, arg)
      arg = arg or {}
      for k, v in pairs(t) do
        if arg[k] == nil then arg[k] = v end
      end
      return arg
    end,
  })
end

Schema.null = null
Schema.check_field_definition = check_field_definition
Schema.get_field = get_field

return Schema
