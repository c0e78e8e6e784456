-- this is a copy of the coroutine module that lapis will use so that calling
-- code can manipulate how coroutines are handled
{k, v for k,v in pairs coroutine}
