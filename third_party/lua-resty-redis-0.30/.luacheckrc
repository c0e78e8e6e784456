std = 'ngx_lua'
redefined = false
unused_args = false
