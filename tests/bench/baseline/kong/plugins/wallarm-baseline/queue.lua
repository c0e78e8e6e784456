-- Benchmark baseline, not a product: the messages nobody waits for
-- (response messages, out-of-band copies). Each node has a bounded queue
-- in each worker, drained by a fixed set of light threads in one timer
-- (at most pool_size of them, as many exchanges at once): no timer per
-- message. What waits while a message or batch is on its way goes in one
-- batch (docs/protocol.md 7.5).
local protocol = require "kong.plugins.wallarm-baseline.protocol"
local semaphore = require "ngx.semaphore"
local new_tab = require "table.new"

local ngx = ngx
local now = ngx.now
local sleep = ngx.sleep
local spawn = ngx.thread.spawn
local timer_at = ngx.timer.at
local exiting = ngx.worker.exiting
local exchange = protocol.exchange
local pcall = pcall
local huge = math.huge

local _M = {}

local BATCH_PARTS = 64           -- messages in a batch at most
local BATCH_BYTES = 256 * 1024   -- their bodies at most, unless one is larger
local BATCH_RETRY = 60           -- seconds of single messages after a refused batch
local LINGER = 0.001             -- what a message waits for others with none on its way
local WAIT = 1                   -- seconds between two looks of an idle drainer
local IDLE_END = 60              -- an idle node's drainers end after this many seconds
local QUEUE_BYTES = 64 * 1024 * 1024  -- message bytes queued per node and worker

-- Statuses with which a node that does not know batches refuses one.
local REFUSES_BATCHES = { [400] = true, [404] = true, [405] = true, [413] = true,
                          [415] = true, [501] = true }

-- Failures go to the handler's counters and rate-limited log:
-- on_error(kind, detail, what).
_M.on_error = function() end

local function ok_status(status)
  return status == 403 or (status >= 200 and status < 300)
end

local function report(status, kind, detail, what)
  if not status then
    _M.on_error(kind, detail, what)
  elseif not ok_status(status) then
    _M.on_error("status", status, what)
  end
end

local function digits(n)
  local d = 1
  while n >= 10 do
    n = (n - n % 10) / 10
    d = d + 1
  end
  return d
end

-- One message alone: its parts as sock:send() takes them.
local function send_alone(node, t, k, parts)
  local head, body = t.heads[k], t.bodies[k]
  parts[1], parts[2], parts[3], parts[4] = node.prefix, t.lines[k], node.suffix, #head + #body
  parts[5], parts[6], parts[7] = "\r\n\r\n", head, body
  local status, kind, detail = exchange(node, t.deadlines[k], parts)
  for i = 7, 1, -1 do
    parts[i] = nil
  end
  report(status, kind, detail, "a queued message")
end

-- The messages taken in `t`, as one batch; alone again for a while if the
-- node refuses batches.
local function send_batch(q, t, parts)
  local node, n = q.node, t.n
  local lines, heads, bodies, deadlines = t.lines, t.heads, t.bodies, t.deadlines
  local deadline, length, p = huge, 0, 6
  for k = 1, n do
    local part = lines[k]
    local size = #heads[k] + #bodies[k]
    parts[p + 1], parts[p + 2], parts[p + 3], parts[p + 4] = part, "Content-Length: ", size, "\r\n\r\n"
    parts[p + 5], parts[p + 6] = heads[k], bodies[k]
    p = p + 6
    length = length + #part + 20 + digits(size) + size
    if deadlines[k] < deadline then
      deadline = deadlines[k]
    end
  end
  parts[1], parts[2], parts[3], parts[4] = node.prefix, node.batch_count, n, node.batch_suffix
  parts[5], parts[6] = length, "\r\n\r\n"
  local status, kind, detail = exchange(node, deadline, parts)
  for i = p, 1, -1 do
    parts[i] = nil
  end
  if status and REFUSES_BATCHES[status] then
    q.batch_retry_at = now() + BATCH_RETRY
    for k = 1, n do
      send_alone(node, t, k, parts)
    end
    return
  end
  report(status, kind, detail, "a batch of " .. n .. " messages")
end

-- Takes up to `max` messages (and BATCH_BYTES of them unless the first is
-- larger) from the front of the queue into `t`; drops the expired ones.
local function take(q, t, max)
  local size, t_now = q.size, now()
  local n, bytes, expired = 0, 0, 0
  local lines, heads, bodies, deadlines = q.lines, q.heads, q.bodies, q.deadlines
  while q.n > 0 and n < max do
    local i = q.first
    local head, body = heads[i], bodies[i]
    local len = #head + #body
    if n > 0 and bytes + len > BATCH_BYTES then
      break
    end
    local deadline = deadlines[i]
    if deadline > t_now then
      n = n + 1
      t.lines[n], t.heads[n], t.bodies[n], t.deadlines[n] = lines[i], head, body, deadline
      bytes = bytes + len
    else
      expired = expired + 1
    end
    lines[i], heads[i], bodies[i] = nil, nil, nil
    q.first = i % size + 1
    q.n = q.n - 1
    q.bytes = q.bytes - len
  end
  t.n = n
  if expired > 0 then
    _M.on_error("timeout", "waited in the queue past timeout_ms", expired .. " queued messages")
  end
end

local function drain(q)
  local t = { n = 0, lines = new_tab(BATCH_PARTS, 0), heads = new_tab(BATCH_PARTS, 0),
              bodies = new_tab(BATCH_PARTS, 0), deadlines = new_tab(BATCH_PARTS, 0) }
  local parts = new_tab(6 + 6 * BATCH_PARTS, 0)
  local sema = q.sema
  while true do
    while q.n == 0 do
      if exiting() or now() - q.last_push >= IDLE_END then
        return
      end
      q.awake = q.awake - 1
      if not sema:wait(WAIT) then
        q.awake = q.awake + 1  -- on success, the poster counted it
      end
    end
    local batching = q.batch_retry_at <= now()
    -- With nothing on its way, a message waits a moment for others (not
    -- past a quarter of its budget; nginx's timers count milliseconds).
    if batching and q.sending == 0 and q.n < BATCH_PARTS and q.node.timeout >= 4 * LINGER then
      sleep(LINGER)
    end
    take(q, t, batching and BATCH_PARTS or 1)
    local n = t.n
    if n > 0 then
      q.sending = q.sending + 1
      local ok, err
      if n == 1 then
        ok, err = pcall(send_alone, q.node, t, 1, parts)
      else
        ok, err = pcall(send_batch, q, t, parts)
      end
      q.sending = q.sending - 1
      for k = n, 1, -1 do
        t.lines[k], t.heads[k], t.bodies[k] = nil, nil, nil
      end
      for i = 6 + 6 * n, 1, -1 do
        parts[i] = nil
      end
      if not ok then
        _M.on_error("internal", err, "a queued exchange")
      end
    end
  end
end

-- One drainer thread; its end keeps the counts right, however it ends.
local function drainer(q)
  local ok, err = pcall(drain, q)
  q.threads = q.threads - 1
  q.awake = q.awake - 1
  if not ok then
    _M.on_error("internal", err, "the queue")
  end
end

-- The timer: its own thread is one drainer, n - 1 light threads the others.
local function run(_, q, n)
  for _ = 2, n do
    spawn(drainer, q)
  end
  drainer(q)
end

-- Brings the node's drainers to their number (once per worker, and again
-- after an idle spell ended them); false when there is none.
local function start(q)
  local n = q.max_threads - q.threads
  local ok, err = timer_at(0, run, q, n)
  if not ok then
    if q.threads == 0 then
      _M.on_error("internal", err, "the queue's timer")
    end
    return q.threads > 0
  end
  q.threads = q.threads + n
  q.awake = q.awake + n
  return true
end

local function queue_of(node)
  local size = node.queue_size
  local q = {
    node = node,
    size = size, first = 1, n = 0, bytes = 0,
    lines = new_tab(size, 0), heads = new_tab(size, 0),
    bodies = new_tab(size, 0), deadlines = new_tab(size, 0),
    sema = semaphore.new(0),
    max_threads = node.pool_size,
    threads = 0,      -- drainers alive
    awake = 0,        -- drainers not waiting on the semaphore (or posted to)
    sending = 0,      -- drainers in an exchange
    batch_retry_at = 0,
    last_push = 0,
  }
  node.queue = q
  return q
end

-- Queues a message (complete strings: its outer lines, embedded head and
-- body) with a deadline of timeout_ms from now. false when the queue is
-- full or cannot be drained: the message is dropped.
function _M.push(node, lines, head, body)
  local q = node.queue or queue_of(node)
  local len = #head + #body
  if q.n >= q.size or q.bytes + len > QUEUE_BYTES then
    return false
  end
  if q.threads < q.max_threads and not start(q) then
    return false
  end
  local t_now = now()
  local i = (q.first + q.n - 1) % q.size + 1
  q.lines[i], q.heads[i], q.bodies[i], q.deadlines[i] = lines, head, body, t_now + node.timeout
  q.n = q.n + 1
  q.bytes = q.bytes + len
  q.last_push = t_now
  -- Wake a drainer when none is awake, or when more waits than the awake
  -- ones take on their next round (a full batch each).
  local per_round = q.batch_retry_at <= t_now and BATCH_PARTS or 1
  if (q.awake == 0 or q.n > per_round * q.awake) and q.sema:count() < 0 then
    q.awake = q.awake + 1
    q.sema:post(1)
  end
  return true
end

return _M
