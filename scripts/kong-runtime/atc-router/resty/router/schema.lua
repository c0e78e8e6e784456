-- Stand-in for atc-router (a Rust library, not built here): Kong loads it even with router_flavor = traditional.
local _M = {}
local mt = { __index = _M }

function _M.new()
  return setmetatable({ fields = {} }, mt)
end

-- Kong registers its router fields at load time; remember them so that nothing fails there.
function _M:add_field(name, typ)
  self.fields[name] = typ
  return true
end

function _M:get_field_type(name)
  return self.fields[name]
end

return _M
