-- Stand-in for atc-router (a Rust library, not built here): only router_flavor = traditional works on this runtime.
local _M = {}

function _M.new()
  error("atc-router is not part of this runtime: use router_flavor = traditional", 2)
end

return _M
