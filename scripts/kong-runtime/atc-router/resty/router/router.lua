-- Stand-in for atc-router (a Rust library, not built here): only router_flavor = traditional works on this runtime.
local ERR = "atc-router is not part of this runtime: use router_flavor = traditional"

local _M = {}

function _M.new()
  error(ERR, 2)
end

function _M.validate()
  return nil, ERR
end

return _M
