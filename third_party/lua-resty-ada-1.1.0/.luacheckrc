std = "ngx_lua"
redefined = false
max_line_length = false
