/* lua-resty-events' C file has no module definition (OpenResty links it statically); this empty core module lets it load as a dynamic one. */
#include <ngx_config.h>
#include <ngx_core.h>


static ngx_core_module_t  ngx_lua_events_module_ctx = {
    ngx_string("lua_events"),
    NULL,
    NULL
};


ngx_module_t  ngx_lua_events_module = {
    NGX_MODULE_V1,
    &ngx_lua_events_module_ctx,
    NULL,
    NGX_CORE_MODULE,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
    NGX_MODULE_V1_PADDING
};
