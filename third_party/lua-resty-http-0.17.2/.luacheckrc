std = "ngx_lua"
redefined = false
