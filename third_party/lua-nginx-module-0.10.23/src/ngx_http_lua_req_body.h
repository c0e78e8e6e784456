
/*
 * Copyright (C) Xiaozhe Wang (chaoslawful)
 * Copyright (C) Yichun Zhang (agentzh)
 */


#ifndef _NGX_HTTP_LUA_REQ_BODY_H_INCLUDED_
#define _NGX_HTTP_LUA_REQ_BODY_H_INCLUDED_


#include "ngx_http_lua_common.h"


void ngx_http_lua_inject_req_body_api(lua_State *L);


#endif /* _NGX_HTTP_LUA_REQ_BODY_H_INCLUDED_ */

/* vi:set ft=c ts=4 sw=4 et fdm=marker: */
