local _tbl_0 = { }
for k, v in pairs(coroutine) do
  _tbl_0[k] = v
end
return _tbl_0
