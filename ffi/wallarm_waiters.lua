-- How a request waits for its verdict in an nginx worker, for the binding
-- (wallarm.lua): each waiting request holds a waiter with its own
-- ngx.semaphore; one reader per worker, a timer looping over a cosocket
-- connected to the engine's Unix socket, reads the 16-byte completion
-- records and posts the semaphore of each ticket's waiter; a sweep ends the
-- tickets of waiters that were killed in their wait.
--
-- Waiters are keyed by a ticket's slot, the low half of the ticket, which
-- is unique among the tickets not yet ended, and checked against its
-- generation, the high half (wallarm.h, wallarm_submit()).
local ffi = require "ffi"

-- The record reader's hot path.
local ffi_cast = ffi.cast
local string_sub = string.sub

local RECORD_SIZE = ffi.sizeof("wallarm_notify_record_t")  -- 16
-- Reader: an idle read timeout is normal, and the moment to notice that the
-- worker is exiting. nginx's graceful stop waits for a pending cosocket read:
-- with 60 s here, `nginx -s quit` took 59 s; with 1 s it takes about 1 s.
local READ_TIMEOUT_MS = 1000
local READ_SIZE = 4096
-- Reconnect back-off after errors.
local BACKOFF_MIN_S = 0.05
local BACKOFF_MAX_S = 5
-- A waiter still registered this long after its deadline was killed in its
-- wait (ngx.exit from another light thread, client abort): the reader ends
-- its ticket, once a second at most.
local ORPHAN_AFTER_S = 5
local SWEEP_EVERY_S = 1

local record_ptr_ct = ffi.typeof("const wallarm_notify_record_t *")
local u32_ptr_ct = ffi.typeof("const uint32_t *")

-- The halves of a uint64 ticket as uint32 indexes: slot, then generation.
local SLOT, GEN
if ffi.abi("le") then
    SLOT, GEN = 0, 1
else
    SLOT, GEN = 1, 0
end

-- Waiters of the process's engine, over `state`, the binding's per-process
-- table (engine, lib, socket_path, semaphore, reader, waiters).
return function(state)
    local _M = {}
    local waiters = state.waiters  -- slot -> { gen, deadline, sema }
    _M.waiters = waiters

    -- The ticket wallarm_submit() writes, and its halves.
    local ticket = ffi.new("uint64_t[1]")
    local ticket_u32 = ffi_cast("uint32_t *", ticket)
    _M.ticket = ticket

    -- Pooled waiters, each with its own semaphore.
    local pool, npool = {}, 0

    local function get_waiter()
        if npool > 0 then
            local w = pool[npool]
            pool[npool] = nil
            npool = npool - 1
            return w
        end
        return { gen = 0, deadline = 0, sema = state.semaphore.new(0) }
    end

    local function put_waiter(w)
        -- A post that raced with the wait's timeout leaves a count behind:
        -- such a semaphore is not reused.
        if w.sema:count() ~= 0 then
            return
        end
        npool = npool + 1
        pool[npool] = w
    end

    -- Waits up to wait_s for the record of the ticket in `ticket`, which
    -- holds that ticket again on return (other requests reuse it while this
    -- one waits). Returns true when the record came, false on timeout, nil
    -- and the reason when this context cannot wait (no yield here).
    function _M.wait(wait_s, now)
        local slot, gen = ticket_u32[SLOT], ticket_u32[GEN]
        local w = get_waiter()
        w.gen = gen
        w.deadline = now + wait_s
        waiters[slot] = w
        local sema = w.sema
        local pok, ok, err = pcall(sema.wait, sema, wait_s)
        if waiters[slot] == w then  -- else swept (this worker stalled for seconds)
            waiters[slot] = nil
        end
        ticket_u32[SLOT], ticket_u32[GEN] = slot, gen
        put_waiter(w)
        if not pok or (not ok and err ~= "timeout") then
            return nil, tostring(pok and err or ok)
        end
        return ok and true or false
    end

    -- Handles the whole records at the start of `data` and returns what is
    -- left of it (a partial record, or ""). Records of tickets nobody waits
    -- for any more (timed out, released) are ignored.
    function _M.dispatch(data)
        local n = #data
        local whole = n - n % RECORD_SIZE
        if whole > 0 then
            local u32 = ffi_cast(u32_ptr_ct, ffi_cast(record_ptr_ct, data))
            for i = 0, whole / RECORD_SIZE - 1 do
                local w = waiters[u32[i * 4 + SLOT]]
                if w and w.gen == u32[i * 4 + GEN] then
                    w.sema:post(1)
                end
            end
        end
        if whole == n then
            return ""
        end
        return string_sub(data, whole + 1)
    end

    -- Ends the tickets of waiters that will never come back for them.
    local sweep_ticket = ffi.new("uint64_t[1]")
    local sweep_u32 = ffi_cast("uint32_t *", sweep_ticket)
    function _M.sweep(now)
        local engine = state.engine
        if not engine then
            return 0
        end
        local n = 0
        for slot, w in pairs(waiters) do
            if w.deadline + ORPHAN_AFTER_S < now then
                waiters[slot] = nil
                sweep_u32[SLOT], sweep_u32[GEN] = slot, w.gen
                state.lib.wallarm_ticket_release(engine, sweep_ticket[0])
                n = n + 1
            end
        end
        return n
    end

    -- After a fork: the parent's tickets mean nothing here.
    function _M.forget()
        for slot in pairs(waiters) do
            waiters[slot] = nil
        end
    end

    local function maybe_sweep(status)
        local now = ngx.now()
        if now >= status.next_sweep then
            status.next_sweep = now + SWEEP_EVERY_S
            _M.sweep(now)
        end
    end

    -- The reader: one never-ending timer per worker. `status` is the table
    -- state.reader pointed at when it started; it stops when another engine
    -- replaced its own, or when the worker exits.
    local function read_connection(status)
        local ngx = ngx
        local sock = ngx.socket.tcp()
        status.sock = sock
        sock:settimeout(READ_TIMEOUT_MS)
        local ok, err = sock:connect(status.path)
        if not ok then
            return nil, "connect to " .. status.path .. ": " .. tostring(err)
        end
        status.backoff_reset = true
        local exiting = ngx.worker.exiting
        local dispatch = _M.dispatch
        local leftover = ""
        while state.reader == status do
            local data, rerr = sock:receiveany(READ_SIZE)
            if status.failing and (data or rerr == "timeout") then
                -- Logged once the connection works, not on every connect.
                status.failing = false
                ngx.log(ngx.NOTICE, "[wallarm] notification reader is back")
            end
            if data then
                if leftover ~= "" then
                    data = leftover .. data
                end
                leftover = dispatch(data)
                maybe_sweep(status)
            elseif rerr == "timeout" then
                maybe_sweep(status)
                if exiting() then
                    break
                end
            else
                return nil, "read: " .. tostring(rerr)
            end
        end
        return true
    end

    local function reader_loop(premature, status)
        if premature or state.reader ~= status then
            return
        end
        local ngx = ngx
        local exiting = ngx.worker.exiting
        local backoff = BACKOFF_MIN_S
        while state.reader == status and not exiting() do
            local ok, res, err = pcall(read_connection, status)
            if status.sock then
                status.sock:close()
                status.sock = nil
            end
            if ok and res then
                backoff = BACKOFF_MIN_S
            else
                if not ok then
                    err = res
                end
                -- One line per outage, not one per retry.
                if not status.failing then
                    status.failing = true
                    ngx.log(ngx.ERR, "[wallarm] notification reader: ", err,
                            " (retrying quietly; meanwhile each verdict is read when its wait ends)")
                end
                if state.reader ~= status or exiting() then
                    break
                end
                if status.backoff_reset then
                    -- the connection worked for a while: retry soon
                    status.backoff_reset = false
                    backoff = BACKOFF_MIN_S
                end
                ngx.sleep(backoff)
                backoff = math.min(backoff * 2, BACKOFF_MAX_S)
                maybe_sweep(status)
            end
        end
        if state.reader == status then
            state.reader = nil
        end
    end

    -- Starts the reader of state.socket_path with timer_at (ngx.timer.at),
    -- unless one runs.
    function _M.start_reader(timer_at)
        if state.reader then
            return true
        end
        local status = { path = state.socket_path, failing = false, next_sweep = 0 }
        state.reader = status
        local ok, err = timer_at(0, reader_loop, status)
        if not ok then
            state.reader = nil
            return nil, "cannot start the notification reader: " .. tostring(err)
        end
        return true
    end

    return _M
end
