-- LuaJIT FFI binding of libwallarm (libwallarm/include/wallarm.h) for
-- OpenResty. It knows nothing of Kong: Kong loads it as
-- kong.plugins.kong-lua.wallarm, other code as `require "wallarm"`; its cdef
-- module is found next to it either way.
--
-- One engine per nginx worker, created by init_worker(). A request submits
-- its message (an FFI call that copies what it needs and returns at once) and
-- waits for its verdict as wallarm_waiters.lua arranges: on an ngx.semaphore
-- that the worker's reader of the engine's completion records posts.
--
-- API:
--   wallarm.VERSION, wallarm.ABI
--   wallarm.TARGET_NUMBERS           the numeric cfg keys of wallarm.target(),
--                                    wallarm_target_config_t's uint32_t fields
--   wallarm.load(path?)              -> true | nil, err
--   wallarm.library_version()        -> "0.1.0" of the loaded library, or nil
--   wallarm.init_worker(opts?)       -> true | nil, err
--   wallarm.target(cfg)              -> target | nil, err (err names the field)
--   target:inspect(msg, timeout_ms)  -> verdict table (yields); with
--                                       msg.head_only, the request's head
--                                       alone (docs/protocol.md 7.6)
--   target:send(msg, out_of_band?, timeout_ms?) -> true | nil, code name
--                                       (timeout_ms: the message's deadline,
--                                       default 5000)
--   target:release()
--   wallarm.stats(target?)           -> table | nil, err
--   wallarm.code_name(code), wallarm.strerror(code)
--
-- msg holds the fields of wallarm_message_t (wallarm.h) as Lua values.
-- msg.headers is either a flat array { name, value, name, value, ... } of
-- strings, or a header source: a function fill(dst, cap) that writes up to
-- `cap` wallarm_header_t views into the cdata array `dst` (entries 0 to
-- n - 1) and returns n, or the count it needs when that is more than `cap`
-- (it is then called again with a larger array). The binding calls it inside
-- inspect() and send(), right before the library copies the message, so its
-- views need to stay valid only until then: they may point into memory the
-- caller does not hold across a yield (nginx's request, a shared buffer).
-- It must not yield, and its views cannot be checked: each ptr must be
-- readable for len bytes (NULL only with len 0).
--
-- Misuse (wrong types, missing required fields, released targets, waiting
-- where nginx cannot yield) raises error(msg, 2); runtime failures return
-- nil, err (load, init_worker, target, send, stats) or a verdict
-- { ok = false, code = ... } (inspect).
--
-- Names starting with "_" are internal, for the binding's tests only.

local ffi = require "ffi"
local bit = require "bit"

local ffi_new = ffi.new
local ffi_string = ffi.string
local ffi_gc = ffi.gc
local band = bit.band
local type = type
local tonumber = tonumber
local tostring = tostring
local error = error
local pcall = pcall
local setmetatable = setmetatable
local getmetatable = getmetatable
local string_format = string.format
local math_floor = math.floor
local math_huge = math.huge
local math_min = math.min
local os_getenv = os.getenv
local table_concat = table.concat


local modname = (...) or "wallarm"
local prefix = modname:match("^(.-)[^.]*$")
local cdef = require(prefix .. "wallarm_cdef")

-- The cdef may already be declared: by another copy of this module (loaded
-- under another name) or by whoever loaded the cdef module itself.
if not pcall(ffi.typeof, "wallarm_engine_t") then
    ffi.cdef(cdef)
end

-- Constants from the cdef, resolved through the C namespace (no library
-- needed for enum values).
local CC = ffi.C
local ABI = tonumber(CC.WALLARM_ABI)
local MAX_ATTACKS = tonumber(CC.WALLARM_MAX_ATTACKS)
local LATENCY_BUCKETS = tonumber(CC.WALLARM_LATENCY_BUCKETS)
local OK = tonumber(CC.WALLARM_OK)
local EAGAIN = tonumber(CC.WALLARM_EAGAIN)
local ETIMEOUT = tonumber(CC.WALLARM_ETIMEOUT)
local LAST_CODE = tonumber(CC.WALLARM_EINTERNAL)
local MSG_REQUEST = tonumber(CC.WALLARM_MSG_REQUEST)
local MSG_RESPONSE = tonumber(CC.WALLARM_MSG_RESPONSE)
local SUBMIT_OUT_OF_BAND = tonumber(CC.WALLARM_SUBMIT_OUT_OF_BAND)
local SUBMIT_HEAD_ONLY = tonumber(CC.WALLARM_SUBMIT_HEAD_ONLY)
local VERDICT_BODY_INVALID = tonumber(CC.WALLARM_VERDICT_BODY_INVALID)
local ACTION_BLOCK = tonumber(CC.WALLARM_BLOCK)
local FORMATS = {
    v1 = tonumber(CC.WALLARM_FORMAT_V1),
    mirror = tonumber(CC.WALLARM_FORMAT_MIRROR),
    multipart = tonumber(CC.WALLARM_FORMAT_MULTIPART),
}

local UINT32_MAX = 4294967295

-- The fields of a struct of the cdef that have a given C type, in order:
-- what the binding marshals is what wallarm.h declares, listed nowhere else.
local function fields_of(struct, ctype)
    local body = cdef:match("typedef struct " .. struct .. " {(.-)} " .. struct .. "_t;")
    body = body:gsub("/%*.-%*/", "")
    local names = {}
    for name in body:gmatch(ctype .. "%s+([%w_]+)%s*;") do
        if name ~= "size" and name ~= "reserved" then
            names[#names + 1] = name
        end
    end
    return names
end
local INITIAL_HEADERS = 64
-- The library's own deadline (timeout_ms from submit) should report first,
-- with its detail and counters; the semaphore wait gives it this much more.
local WAIT_GRACE_S = 0.010
-- Deadline of a fire-and-forget message (target:send) unless given: it holds
-- a pending slot (max_pending) until then, as blocking messages do.
local SEND_TIMEOUT_MS = 5000

local _M = {
    VERSION = "0.1.0",
    ABI = ABI,
}

local header_ct = ffi.typeof("wallarm_header_t[?]")


-- Per-process state, shared by every copy of this module in the VM (one
-- engine and one reader per process, whatever the module names).
local registry = debug.getregistry()
local STATE_KEY = "libwallarm.binding.abi" .. ABI
local state = registry[STATE_KEY]
if not state then
    state = {
        lib = nil,          -- ffi.load namespace
        lib_version = nil,
        engine = nil,       -- wallarm_engine_t * (ffi.gc'ed)
        pid = nil,          -- ngx.worker.pid() when the engine was made
        socket_path = nil,  -- "unix:/..."
        closed = false,     -- set when the engine is freed (VM close)
        reader = nil,       -- the reader's status table while it runs
        waiters = {},       -- wallarm_waiters.lua's, by ticket slot
        semaphore = nil,    -- the ngx.semaphore module
        code_names = {},    -- code -> "ECONNREFUSED"
        strerrors = {},     -- code -> "node refused the connection"
        le_us = nil,        -- latency bucket bounds, math.huge last
    }
    registry[STATE_KEY] = state
end
local waits = require(prefix .. "wallarm_waiters")(state)
_M._waiters = waits.waiters
_M._dispatch = waits.dispatch
_M._sweep = waits.sweep


-- Module-level scratch cdata, reused by every call. Safe because nothing
-- yields between filling them and the C call that reads them (or between the
-- C call that writes them and the copy out).
local msg_c = ffi_new("wallarm_message_t")
local headers_cap = INITIAL_HEADERS
local headers_c = ffi_new(header_ct, headers_cap)
local ticket_c = waits.ticket  -- what wallarm_submit() writes; waits.wait() reads it
-- Output structs carry their size, set by the caller (wallarm.h, Growth).
local verdict_c = ffi_new("wallarm_verdict_t")
verdict_c.size = ffi.sizeof(verdict_c)
local stats_c = ffi_new("wallarm_stats_t")
stats_c.size = ffi.sizeof(stats_c)
local engine_cfg = ffi_new("wallarm_engine_config_t")
local target_cfg = ffi_new("wallarm_target_config_t")

local C           -- the library namespace once loaded (state.lib)
local ngx_now     -- ngx.now, from init_worker on


-- Loading -----------------------------------------------------------------

-- Opens one candidate and checks its ABI. Returns the namespace, or nil and
-- a message naming the path.
local function open_library(path)
    local ok, lib = pcall(ffi.load, path)
    if not ok then
        return nil, tostring(lib)
    end
    local ok2, abi = pcall(function() return lib.wallarm_abi_version() end)
    if not ok2 then
        abi = tostring(abi):gsub("^[^:]*:%d+: ", "")
        return nil, string_format("%s: not libwallarm (%s)", path, abi)
    end
    abi = tonumber(abi)
    if abi ~= ABI then
        return nil, string_format("libwallarm ABI %d found, %d expected (%s)",
                                  abi, ABI, path)
    end
    return lib
end

local function fill_static_tables(lib)
    local names, descs = state.code_names, state.strerrors
    for code = LAST_CODE, 0 do
        names[code] = ffi_string(lib.wallarm_code_name(code))
        descs[code] = ffi_string(lib.wallarm_strerror(code))
    end
    local le = {}
    for i = 0, LATENCY_BUCKETS - 1 do
        local v = lib.wallarm_latency_bucket_le_us(i)
        if v == 0xffffffffffffffffULL then
            le[i + 1] = math_huge
        else
            le[i + 1] = tonumber(v)
        end
    end
    state.le_us = le
end

function _M.load(path)
    if path ~= nil and type(path) ~= "string" then
        error("path: string expected, got " .. type(path), 2)
    end
    if state.lib then
        C = state.lib
        return true
    end
    local candidates
    if path then
        candidates = { path }
    else
        local env = os_getenv("WALLARM_LIBRARY")
        if env and env ~= "" then
            candidates = { env }
        else
            -- "wallarm" is libwallarm.so on the loader's path; a runtime
            -- install may have only the versioned name.
            candidates = { "wallarm", "libwallarm.so." .. ABI }
        end
    end
    local errs = {}
    for i = 1, #candidates do
        local lib, err = open_library(candidates[i])
        if lib then
            state.lib = lib
            state.lib_version = ffi_string(lib.wallarm_version())
            fill_static_tables(lib)
            C = lib
            return true
        end
        errs[#errs + 1] = err
    end
    return nil, "cannot load libwallarm: " .. table_concat(errs, "; ")
end

-- The version string of the loaded library ("0.1.0"), or nil.
function _M.library_version()
    return state.lib_version
end

local function need_lib(level)
    C = state.lib
    if not C then
        error("libwallarm is not loaded: call wallarm.load() first", level + 1)
    end
    return C
end

function _M.code_name(code)
    if type(code) ~= "number" then
        error("code: number expected, got " .. type(code), 2)
    end
    local name = state.code_names[code]
    if name then
        return name
    end
    return ffi_string(need_lib(2).wallarm_code_name(code))
end

function _M.strerror(code)
    if type(code) ~= "number" then
        error("code: number expected, got " .. type(code), 2)
    end
    local desc = state.strerrors[code]
    if desc then
        return desc
    end
    return ffi_string(need_lib(2).wallarm_strerror(code))
end


-- What the last failed call in this thread was about (wallarm.h: the one
-- error channel), or the code's description.
local function last_error(code)
    local detail = ffi_string(C.wallarm_last_error())
    if detail == "" then
        detail = state.strerrors[code] or _M.strerror(code)
    end
    return detail
end

-- Engine ------------------------------------------------------------------

local function current_pid()
    local ngx = ngx
    if ngx and ngx.worker and ngx.worker.pid then
        return ngx.worker.pid()
    end
    return nil
end

-- The engine's finalizer runs when the VM closes (worker exit): it stops the
-- thread and removes the socket file. Targets finalized after it must not
-- touch it, hence `closed`. The closure keeps the library loaded.
local function engine_gc(engine)
    state.closed = true
    local lib = state.lib
    if lib then
        lib.wallarm_engine_free(engine)
    end
end

local function target_gc(handle)
    local lib = state.lib
    if lib and not state.closed then
        lib.wallarm_target_release(handle)
    end
end

local function get_engine(level)
    local engine = state.engine
    if not engine then
        error("no engine in this process: call wallarm.init_worker() first",
              level + 1)
    end
    return engine
end

local function opt(opts, name, kind)
    local v = opts[name]
    if v ~= nil and type(v) ~= kind then
        error(string_format("opts.%s: %s expected, got %s", name, kind, type(v)), 3)
    end
    return v
end

-- One directory per user: the library refuses a directory another user owns,
-- and two gateways on one host may run as different users.
local function default_socket_dir()
    pcall(ffi.cdef, "unsigned int getuid(void);")
    local ok, uid = pcall(function() return tonumber(ffi.C.getuid()) end)
    return "/tmp/wallarm-kong-" .. (ok and uid or "shared")
end

function _M.init_worker(opts)
    if opts == nil then
        opts = {}
    elseif type(opts) ~= "table" then
        error("opts: table expected, got " .. type(opts), 2)
    end
    local socket_dir = opt(opts, "socket_dir", "string")
        or os_getenv("WALLARM_SOCKET_DIR") or default_socket_dir()
    local max_pending = opt(opts, "max_pending", "number") or 4096
    if max_pending < 1 or max_pending > UINT32_MAX or max_pending % 1 ~= 0 then
        error("opts.max_pending: integer 1.." .. UINT32_MAX .. " expected, got "
              .. tostring(max_pending), 2)
    end
    local connector = opt(opts, "connector", "string") or "kong"
    local timer_at = opt(opts, "timer_at", "function")
    if not timer_at then
        timer_at = _G.native_timer_at
            or (ngx and ngx.timer and ngx.timer.at)
    end
    if type(timer_at) ~= "function" then
        return nil, "no timer: pass opts.timer_at (ngx.timer.at is missing)"
    end

    if not state.lib then
        local ok, err = _M.load()
        if not ok then
            return nil, err
        end
    end
    C = state.lib

    ngx_now = ngx and ngx.now
    if not state.semaphore then
        local ok, sema = pcall(require, "ngx.semaphore")
        if not ok then
            return nil, "ngx.semaphore is not available: " .. tostring(sema)
        end
        state.semaphore = sema
    end

    local pid = current_pid()
    if state.engine and state.pid ~= pid then
        -- Made in another process (before fork): in this one the library
        -- only forgets it, and its targets fail with EFORKED.
        local old = state.engine
        state.engine, state.reader, state.socket_path = nil, nil, nil
        ffi_gc(old, nil)
        C.wallarm_engine_free(old)
        waits.forget()
    end

    if not state.engine then
        C.wallarm_engine_config_init(engine_cfg)
        engine_cfg.max_pending = max_pending
        engine_cfg.socket_dir = socket_dir
        engine_cfg.connector = connector
        local out = ffi_new("wallarm_engine_t *[1]")
        local rc = C.wallarm_engine_new(engine_cfg, out)
        engine_cfg.socket_dir = nil
        engine_cfg.connector = nil
        if rc ~= OK then
            return nil, string_format("wallarm_engine_new: %s (%s)",
                                      last_error(rc), _M.code_name(rc))
        end
        local path = C.wallarm_engine_socket_path(out[0])
        if path == nil then
            C.wallarm_engine_free(out[0])
            return nil, "wallarm_engine_new: no notification socket"
        end
        state.closed = false
        state.engine = ffi_gc(out[0], engine_gc)
        state.pid = pid
        state.socket_path = "unix:" .. ffi_string(path)
    end

    return waits.start_reader(timer_at)
end

-- The notification socket of this process's engine ("unix:/..."), or nil.
function _M._socket_path()
    return state.socket_path
end


-- Messages ----------------------------------------------------------------

local function set_str(dst, s, name)
    if s == nil then
        dst.ptr = nil
        dst.len = 0
    elseif type(s) == "string" then
        dst.ptr = s
        dst.len = #s
    else
        error("msg." .. name .. ": string expected, got " .. type(s), 4)
    end
end

local function required_str(dst, s, name)
    if type(s) ~= "string" or s == "" then
        error("msg." .. name .. ": non-empty string required, got "
              .. (s == "" and "\"\"" or type(s)), 4)
    end
    dst.ptr = s
    dst.len = #s
end

local function bad_header(headers, i)
    local v = headers[i]
    error(string_format("msg.headers[%d]: string expected, got %s", i, type(v)), 4)
end

local function grow_headers(n, level)
    local cap = headers_cap
    while cap < n do
        cap = cap * 2
    end
    if cap > UINT32_MAX then
        error("msg.headers: too many headers (" .. n .. ")", level + 1)
    end
    headers_c = ffi_new(header_ct, cap)
    headers_cap = cap
end

-- The count a header source returned, checked: an integer 0..cap, or, when
-- `grow` is set, more than cap.
local function source_count(n, err, cap, grow)
    if type(n) == "number" and n >= 0 and n % 1 == 0 and (grow or n <= cap) then
        return n
    end
    local why = err ~= nil and " (" .. tostring(err) .. ")" or ""
    if grow then
        error(string_format("msg.headers: the header source returned %s%s, "
                            .. "a non-negative integer expected", tostring(n), why), 5)
    end
    error(string_format("msg.headers: the header source returned %s%s, "
                        .. "a count 0..%d expected", tostring(n), why, cap), 5)
end

-- Calls a header source into headers_c, once, or twice when it needs a
-- larger array. Returns the count.
local function fill_headers(fill)
    local cap = headers_cap
    local n, err = fill(headers_c, cap)
    if type(n) ~= "number" or n < 0 or n > cap or n % 1 ~= 0 then
        n = source_count(n, err, cap, true)
        if n > cap then
            grow_headers(n, 4)
            cap = headers_cap
            n, err = fill(headers_c, cap)
            n = source_count(n, err, cap, false)
        end
    end
    return n
end

-- Fills msg_c from a message table. The pointers it stores point into the
-- table's strings: the caller keeps `msg` alive until the C call returns
-- (it does: `msg` is its argument), and into whatever a header source
-- points at, which must not yield between this and the C call. Raises on
-- misuse, at the level of the caller of the caller (inspect/send's caller).
local function build_message(msg)
    if type(msg) ~= "table" then
        error("msg: table expected, got " .. type(msg), 3)
    end
    local m = msg_c
    local mtype = msg.type
    if mtype == "request" or mtype == nil then
        m.type = MSG_REQUEST
        m.status = 0
        required_str(m.method, msg.method, "method")
        required_str(m.uri, msg.uri, "uri")
    elseif mtype == "response" then
        m.type = MSG_RESPONSE
        local status = msg.status
        if type(status) ~= "number" or status < 100 or status > 999
           or status % 1 ~= 0
        then
            error("msg.status: integer 100..999 required for a response, got "
                  .. tostring(status), 3)
        end
        m.status = status
        set_str(m.method, msg.method, "method")
        set_str(m.uri, msg.uri, "uri")
    else
        error("msg.type: \"request\" or \"response\" expected, got "
              .. tostring(mtype), 3)
    end
    set_str(m.version, msg.version, "version")
    required_str(m.request_id, msg.request_id, "request_id")
    set_str(m.client_ip, msg.client_ip, "client_ip")
    set_str(m.host, msg.host, "host")
    set_str(m.body, msg.body, "body")

    local body_file = msg.body_file
    if body_file ~= nil and type(body_file) ~= "string" then
        error("msg.body_file: string expected, got " .. type(body_file), 3)
    end
    m.body_file = body_file   -- nil -> NULL

    local body_total = msg.body_total
    if body_total == nil then
        m.body_total = -1
    elseif type(body_total) == "number" and body_total >= 0
           and body_total % 1 == 0
    then
        m.body_total = body_total
    else
        error("msg.body_total: non-negative integer expected, got "
              .. tostring(body_total), 3)
    end

    local headers = msg.headers
    local n = 0
    if type(headers) == "function" then
        n = fill_headers(headers)
    elseif headers ~= nil then
        if type(headers) ~= "table" then
            error("msg.headers: table or function expected, got " .. type(headers), 3)
        end
        n = #headers
        if n % 2 ~= 0 then
            error("msg.headers: flat array of name, value pairs expected, got "
                  .. n .. " entries", 3)
        end
        n = n / 2
        if n > headers_cap then
            grow_headers(n, 3)
        end
        local h = headers_c
        local j = 0
        for i = 1, 2 * n, 2 do
            local name, value = headers[i], headers[i + 1]
            if type(name) ~= "string" then
                bad_header(headers, i)
            end
            if type(value) ~= "string" then
                bad_header(headers, i + 1)
            end
            local hj = h[j]
            hj.name.ptr = name
            hj.name.len = #name
            hj.value.ptr = value
            hj.value.len = #value
            j = j + 1
        end
    end
    m.headers = headers_c
    m.header_count = n
    m.reserved = 0
    return m
end

-- For tests: fills and returns the module's wallarm_message_t (valid while
-- `msg` lives and until the next call).
function _M._build_message(msg)
    return build_message(msg)
end

function _M._header_capacity()
    return headers_cap
end


-- Targets -----------------------------------------------------------------

local target_mt = {}
target_mt.__index = target_mt

local function check_target(self, level)
    if getmetatable(self) ~= target_mt then
        error("not a wallarm target (use target:method(), not target.method())",
              level + 1)
    end
    local handle = self.handle
    if not handle then
        error("wallarm target already released", level + 1)
    end
    return handle
end

-- The numbers of a target's config: cfg keys named as their fields.
local TARGET_NUMBERS = fields_of("wallarm_target_config", "uint32_t")
_M.TARGET_NUMBERS = TARGET_NUMBERS

function _M.target(cfg)
    if type(cfg) ~= "table" then
        error("cfg: table expected, got " .. type(cfg), 2)
    end
    local engine = state.engine
    if not engine then
        return nil, "no engine in this process: wallarm.init_worker() has not run"
    end
    local lib = state.lib
    C = lib
    local url = cfg.url
    if type(url) ~= "string" or url == "" then
        return nil, "url: required (string), got " .. (url == "" and "\"\"" or type(url))
    end
    local ca_file = cfg.ca_file
    if ca_file ~= nil and type(ca_file) ~= "string" then
        return nil, "ca_file: string expected, got " .. type(ca_file)
    end
    local tls_verify = cfg.tls_verify
    if tls_verify ~= nil and type(tls_verify) ~= "boolean" then
        return nil, "tls_verify: boolean expected, got " .. type(tls_verify)
    end
    local format = cfg.format
    if format ~= nil and FORMATS[format] == nil then
        return nil, "format: mirror, multipart or v1 expected, got " .. tostring(format)
    end
    local health_path = cfg.health_path
    if health_path ~= nil and type(health_path) ~= "string" then
        return nil, "health_path: string expected, got " .. type(health_path)
    end

    local tc = target_cfg
    lib.wallarm_target_config_init(tc)
    for i = 1, #TARGET_NUMBERS do
        local name = TARGET_NUMBERS[i]
        local v = cfg[name]
        if v ~= nil then
            if type(v) ~= "number" or v < 0 or v > UINT32_MAX or v % 1 ~= 0 then
                return nil, string_format("%s: integer 0..%d expected, got %s",
                                          name, UINT32_MAX, tostring(v))
            end
            tc[name] = v
        end
    end
    if tls_verify ~= nil then
        tc.tls_verify = tls_verify and 1 or 0
    end
    if format ~= nil then
        tc.format = FORMATS[format]
    end
    tc.url = url
    tc.ca_file = ca_file
    tc.health_path = health_path
    local out = ffi_new("wallarm_target_t *[1]")
    local rc = lib.wallarm_target_new(engine, tc, out)
    tc.url = nil
    tc.ca_file = nil
    tc.health_path = nil
    if rc ~= OK then
        return nil, last_error(rc)
    end
    return setmetatable({ handle = ffi_gc(out[0], target_gc) }, target_mt)
end

function target_mt.release(self)
    local handle = check_target(self, 2)
    self.handle = nil
    ffi_gc(handle, nil)
    if not state.closed then
        C.wallarm_target_release(handle)
    end
end

local MODES = { [0] = "unknown", "off", "monitoring", "safe_blocking", "block" }

local function failure(code, detail, latency_ms)
    return {
        ok = false,
        code = state.code_names[code] or _M.code_name(code),
        detail = detail,
        latency_ms = latency_ms,
    }
end

-- Turns verdict_c into a table.
local function verdict_table(v)
    local latency_ms = tonumber(v.latency_us) / 1000
    local code = v.code
    if code ~= OK then
        local detail = ffi_string(v.detail)
        if detail == "" then
            detail = state.strerrors[code] or _M.strerror(code)
        end
        return failure(code, detail, latency_ms)
    end
    local count = v.attack_count
    local attacks = {}
    for i = 0, math_min(count, MAX_ATTACKS) - 1 do
        local a = v.attacks[i]
        attacks[i + 1] = { type = ffi_string(a.type),
                           location = ffi_string(a.location) }
    end
    return {
        ok = true,
        action = v.action == ACTION_BLOCK and "block" or "pass",
        status = v.http_status,
        mode = MODES[v.node_mode] or "unknown",
        attacks = attacks,
        attack_count = count,
        node_request_id = ffi_string(v.node_request_id),
        latency_ms = latency_ms,
        body_invalid = band(v.flags, VERDICT_BODY_INVALID) ~= 0,
    }
end
_M._verdict_table = verdict_table

local function check_timeout(timeout_ms)
    if type(timeout_ms) ~= "number" or timeout_ms < 1 or timeout_ms > UINT32_MAX then
        error("timeout_ms: number 1.." .. UINT32_MAX .. " expected, got "
              .. tostring(timeout_ms), 3)
    end
    return math_floor(timeout_ms)
end

function target_mt.inspect(self, msg, timeout_ms)
    local handle = check_target(self, 2)
    timeout_ms = check_timeout(timeout_ms)
    local m = build_message(msg)
    local engine = get_engine(2)

    -- msg.head_only: the request's head, judged before its body is read.
    local rc = C.wallarm_submit(handle, m, msg.head_only and SUBMIT_HEAD_ONLY or 0,
                                timeout_ms, ticket_c)
    if rc ~= OK then
        return failure(rc, last_error(rc), 0)
    end
    local waited, why = waits.wait(timeout_ms / 1000 + WAIT_GRACE_S, (ngx_now or ngx.now)())
    local ticket = ticket_c[0]
    if waited == nil then
        C.wallarm_ticket_release(engine, ticket)
        error("inspect: cannot wait in this context (" .. why
              .. "); use target:send() here", 2)
    end

    -- After a timeout too: the record may have been dropped or late.
    rc = C.wallarm_ticket_result(engine, ticket, verdict_c)
    if rc == OK then
        return verdict_table(verdict_c)
    end
    if rc == EAGAIN then
        C.wallarm_ticket_release(engine, ticket)
        return failure(ETIMEOUT, "no verdict within " .. timeout_ms .. " ms",
                       timeout_ms)
    end
    return failure(rc, last_error(rc), timeout_ms)
end

function target_mt.send(self, msg, out_of_band, timeout_ms)
    local handle = check_target(self, 2)
    if timeout_ms == nil then
        timeout_ms = SEND_TIMEOUT_MS
    else
        timeout_ms = check_timeout(timeout_ms)
    end
    local m = build_message(msg)
    local rc = C.wallarm_submit(handle, m, out_of_band and SUBMIT_OUT_OF_BAND or 0,
                                timeout_ms, nil)
    if rc ~= OK then
        return nil, state.code_names[rc] or _M.code_name(rc)
    end
    return true
end


-- Stats -------------------------------------------------------------------

-- Every scalar of wallarm_stats_t (the latency buckets are an array).
local STATS_FIELDS = fields_of("wallarm_stats", "uint64_t")

local function stats_table(s)
    local t = {}
    for i = 1, #STATS_FIELDS do
        local f = STATS_FIELDS[i]
        t[f] = tonumber(s[f])
    end
    local buckets, le = {}, {}
    local le_us = state.le_us
    for i = 1, LATENCY_BUCKETS do
        buckets[i] = tonumber(s.latency_bucket[i - 1])
        le[i] = le_us[i]
    end
    t.latency_bucket = buckets
    t.latency_le_us = le
    return t
end
_M._stats_table = stats_table

function _M.stats(target)
    local lib = need_lib(2)
    local rc
    if target == nil then
        rc = lib.wallarm_engine_stats(get_engine(2), stats_c)
    else
        rc = lib.wallarm_target_stats(check_target(target, 2), stats_c)
    end
    if rc ~= OK then
        return nil, last_error(rc)
    end
    return stats_table(stats_c)
end


return _M
