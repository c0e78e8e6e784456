-- Shared helpers of the binding's busted specs (LuaJIT, no nginx): paths,
-- plain blocking sockets through the FFI (loopback only), a reference node
-- started and killed by PID, and a stand-in for the parts of `ngx` the
-- binding uses.
local ffi = require "ffi"
local bit = require "bit"

local _M = {}

ffi.cdef [[
int socket(int domain, int type, int protocol);
int bind(int fd, const void *addr, uint32_t len);
int listen(int fd, int backlog);
int accept(int fd, void *addr, uint32_t *len);
int connect(int fd, const void *addr, uint32_t len);
int getsockname(int fd, void *addr, uint32_t *len);
int setsockopt(int fd, int level, int name, const void *val, uint32_t len);
intptr_t recv(int fd, void *buf, size_t len, int flags);
intptr_t send(int fd, const void *buf, size_t len, int flags);
int close(int fd);
struct wallarm_test_pollfd { int fd; short events; short revents; };
int poll(struct wallarm_test_pollfd *fds, unsigned long n, int timeout);
int getpid(void);
int kill(int pid, int sig);
int usleep(unsigned int usec);
char *strerror(int errnum);
struct wallarm_test_sockaddr_in {
  uint16_t family; uint16_t port; uint32_t addr; uint8_t zero[8];
};
struct wallarm_test_sockaddr_un { uint16_t family; char path[108]; };
]]

local C = ffi.C

-- The binding keeps one engine per process, as nginx workers do, and the
-- specs test first loads: each spec file needs a process of its own (ctest
-- runs one busted per file). Say so rather than fail obscurely.
do
  local spec
  for level = 2, 10 do
    local info = debug.getinfo(level, "S")
    if not info then break end
    if info.source:match("_spec%.lua$") then spec = info.source; break end
  end
  local registry = debug.getregistry()
  local first = registry["wallarm.tests.spec"]
  if first and spec and first ~= spec then
    error(("run each spec file in a busted process of its own (%s after %s): "
           .. "for f in tests/lua/*_spec.lua; do busted --lua=luajit \"$f\"; done")
          :format(spec:sub(2), first:sub(2)), 0)
  end
  registry["wallarm.tests.spec"] = first or spec
end
local AF_UNIX, AF_INET, SOCK_STREAM = 1, 2, 1
local SOL_SOCKET, SO_REUSEADDR = 1, 2
local POLLIN = 1
local MSG_NOSIGNAL = 0x4000

local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
_M.root = os.getenv("WALLARM_SOURCE_DIR") or (here .. "/../..")
-- The binding from the source tree, unless LUA_PATH (ctest) points elsewhere.
package.path = package.path .. ";" .. _M.root .. "/ffi/?.lua"

local function env_or(name, default)
  local v = os.getenv(name)
  if v and v ~= "" then return v end
  return default
end

_M.library = env_or("WALLARM_LIBRARY",
                    _M.root .. "/build/release/libwallarm/libwallarm.so")
_M.node_bin = env_or("WALLARM_REFERENCE_NODE",
                     _M.root .. "/build/release/examples/reference-node/wallarm-reference-node")
_M.fake_abi_library = os.getenv("WALLARM_FAKE_ABI_LIBRARY")
_M.luajit = env_or("WALLARM_LUAJIT", "luajit")
-- What the specs start may take this many times longer (sanitizer builds).
_M.slowdown = tonumber(os.getenv("WALLARM_TEST_SLOWDOWN")) or 1

function _M.errno_str()
  return ffi.string(C.strerror(ffi.errno()))
end

function _M.getpid()
  return C.getpid()
end

function _M.sleep_ms(ms)
  C.usleep(ms * 1000)
end

-- A monotonic clock good to the millisecond without extra modules.
do
  ffi.cdef [[
  struct wallarm_test_timespec { long sec; long nsec; };
  int clock_gettime(int clk, struct wallarm_test_timespec *tp);
  ]]
  local ts = ffi.new("struct wallarm_test_timespec")
  function _M.now_ms()
    C.clock_gettime(1, ts)  -- CLOCK_MONOTONIC
    return tonumber(ts.sec) * 1000 + tonumber(ts.nsec) / 1e6
  end
end

function _M.mkdtemp()
  local p = io.popen("mktemp -d /tmp/wallarm-lua.XXXXXX")
  local dir = p:read("*l")
  p:close()
  assert(dir and dir:match("^/tmp/wallarm%-lua%.%w+$"), "mktemp failed")
  return dir
end

function _M.rmtree(dir)
  if dir and dir:match("^/tmp/wallarm%-lua%.%w+$") then
    os.execute("rm -rf '" .. dir .. "'")
  end
end

function _M.read_file(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("*a")
  f:close()
  return s
end

function _M.write_file(path, data)
  local f = assert(io.open(path, "wb"))
  f:write(data)
  f:close()
end

-- Sockets ------------------------------------------------------------------

local Sock = {}
Sock.__index = Sock

local function wrap(fd)
  return setmetatable({ fd = fd }, Sock)
end

-- Waits up to timeout_ms for fd to be readable.
local pfd = ffi.new("struct wallarm_test_pollfd[1]")
local function readable(fd, timeout_ms)
  pfd[0].fd = fd
  pfd[0].events = POLLIN
  pfd[0].revents = 0
  local n = C.poll(pfd, 1, timeout_ms)
  return n > 0
end
_M.readable = readable

-- Returns up to `max` bytes, "" at EOF, or nil, "timeout".
function Sock:recv(max, timeout_ms)
  if not readable(self.fd, timeout_ms or 5000) then
    return nil, "timeout"
  end
  local buf = ffi.new("char[?]", max)
  local n = tonumber(C.recv(self.fd, buf, max, 0))
  if n < 0 then return nil, _M.errno_str() end
  return ffi.string(buf, n)
end

function Sock:send(data)
  local off = 0
  while off < #data do
    local n = tonumber(C.send(self.fd, ffi.cast("const char *", data) + off,
                              #data - off, MSG_NOSIGNAL))
    if n <= 0 then return nil, _M.errno_str() end
    off = off + n
  end
  return true
end

function Sock:close()
  if self.fd >= 0 then
    C.close(self.fd)
    self.fd = -1
  end
end

-- A loopback listener on a free port: srv.port, srv:accept(timeout_ms).
function _M.listen_tcp()
  local fd = C.socket(AF_INET, SOCK_STREAM, 0)
  assert(fd >= 0, "socket: " .. _M.errno_str())
  local one = ffi.new("int[1]", 1)
  C.setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, one, 4)
  local sa = ffi.new("struct wallarm_test_sockaddr_in")
  sa.family = AF_INET
  sa.port = 0
  sa.addr = bit.bswap(0x7f000001)  -- 127.0.0.1 in network order (little endian host)
  assert(ffi.abi("le"), "helpers assume a little-endian host")
  assert(C.bind(fd, sa, ffi.sizeof(sa)) == 0, "bind: " .. _M.errno_str())
  assert(C.listen(fd, 64) == 0, "listen: " .. _M.errno_str())
  local len = ffi.new("uint32_t[1]", ffi.sizeof(sa))
  C.getsockname(fd, sa, len)
  local s = wrap(fd)
  s.port = bit.rshift(bit.bswap(sa.port), 16)
  return s
end

function Sock:accept(timeout_ms)
  if not readable(self.fd, timeout_ms or 5000) then
    return nil, "timeout"
  end
  local fd = C.accept(self.fd, nil, nil)
  if fd < 0 then return nil, _M.errno_str() end
  return wrap(fd)
end

-- Connects to a Unix stream socket ("unix:" prefix allowed).
function _M.connect_unix(path)
  path = path:gsub("^unix:", "")
  local fd = C.socket(AF_UNIX, SOCK_STREAM, 0)
  assert(fd >= 0, "socket: " .. _M.errno_str())
  local sa = ffi.new("struct wallarm_test_sockaddr_un")
  sa.family = AF_UNIX
  ffi.copy(sa.path, path)
  if C.connect(fd, sa, ffi.sizeof(sa)) ~= 0 then
    local err = _M.errno_str()
    C.close(fd)
    return nil, err
  end
  return wrap(fd)
end

-- Reads one HTTP/1.1 request (Content-Length framed) from a connection.
-- Returns { line =, headers = { {name, value}, ... }, body = } or nil, err.
function Sock:read_request(timeout_ms)
  local data = ""
  local deadline = _M.now_ms() + (timeout_ms or 5000)
  local head_end
  while true do
    head_end = data:find("\r\n\r\n", 1, true)
    if head_end then break end
    local chunk, err = self:recv(65536, math.max(1, deadline - _M.now_ms()))
    if not chunk then return nil, err end
    if chunk == "" then return nil, "closed" end
    data = data .. chunk
  end
  local head = data:sub(1, head_end - 1)
  local req = { headers = {} }
  local first = true
  local length = 0
  for line in (head .. "\r\n"):gmatch("(.-)\r\n") do
    if first then
      req.line = line
      first = false
    else
      local name, value = line:match("^([^:]+):%s*(.*)$")
      req.headers[#req.headers + 1] = { name, value }
      if name:lower() == "content-length" then length = tonumber(value) end
    end
  end
  local body = data:sub(head_end + 4)
  while #body < length do
    local chunk, err = self:recv(65536, math.max(1, deadline - _M.now_ms()))
    if not chunk then return nil, err end
    if chunk == "" then return nil, "closed" end
    body = body .. chunk
  end
  req.body = body
  return req
end

function _M.header(req, name)
  name = name:lower()
  for _, h in ipairs(req.headers) do
    if h[1]:lower() == name then return h[2] end
  end
end

-- Splits the embedded message/http body of a captured node request.
function _M.embedded(body)
  local head_end = assert(body:find("\r\n\r\n", 1, true), "no embedded head")
  local head = body:sub(1, head_end - 1)
  local lines = {}
  for line in (head .. "\r\n"):gmatch("(.-)\r\n") do
    lines[#lines + 1] = line
  end
  local start = table.remove(lines, 1)
  local headers = {}
  for _, line in ipairs(lines) do
    local name, value = line:match("^([^:]*): (.*)$")
    headers[#headers + 1] = name
    headers[#headers + 1] = value
  end
  return { start = start, headers = headers, body = body:sub(head_end + 4) }
end

function _M.http_answer(status, body, reason)
  body = body or ""
  return ("HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s")
    :format(status, reason or "X", #body, body)
end

-- Reference node -------------------------------------------------------------

-- Starts the node on 127.0.0.1 with a free port. A watchdog shell kills it
-- if this test process dies without running its teardown.
-- Returns { pid =, port =, url =, dir = } ; stop with _M.stop_node(node).
function _M.start_node(args, dir)
  local portfile = dir .. "/node.port"
  os.remove(portfile)
  local cmd = ("'%s' --listen 127.0.0.1:0 --port-file '%s' %s >'%s/node.log' 2>&1 & echo $!")
    :format(_M.node_bin, portfile, args, dir)
  local p = io.popen(cmd)
  local pid = tonumber(p:read("*l"))
  p:close()
  assert(pid and pid > 1, "could not start the reference node")
  os.execute(("(while kill -0 %d 2>/dev/null && kill -0 %d 2>/dev/null; do sleep 1; done; "
              .. "kill %d 2>/dev/null) >/dev/null 2>&1 </dev/null &")
             :format(_M.getpid(), pid, pid))
  local node = { pid = pid, dir = dir }
  -- Polled: ready when the port file is written; generous for loaded machines.
  local deadline = _M.now_ms() + 60000 * _M.slowdown
  while _M.now_ms() < deadline do
    local s = _M.read_file(portfile)
    if s and s:match("^%d+") then
      node.port = tonumber(s:match("^(%d+)"))
      node.url = "http://127.0.0.1:" .. node.port .. "/inspect"
      return node
    end
    if C.kill(pid, 0) ~= 0 then break end
    _M.sleep_ms(20)
  end
  _M.stop_node(node)
  error("reference node did not start: " .. (_M.read_file(dir .. "/node.log") or ""))
end

function _M.stop_node(node)
  if node and node.pid then
    -- SIGTERM, and SIGKILL after 2 s: the node's clean stop waits for idle
    -- keep-alive connections, which no test needs.
    C.kill(node.pid, 15)
    for _ = 1, 100 do
      if C.kill(node.pid, 0) ~= 0 then break end
      _M.sleep_ms(20)
    end
    if C.kill(node.pid, 0) == 0 then C.kill(node.pid, 9) end
    node.pid = nil
  end
end

-- GET on the node's HTTP port (for /attacks.json): returns status, body.
function _M.http_get(port, path)
  local fd = C.socket(AF_INET, SOCK_STREAM, 0)
  local sa = ffi.new("struct wallarm_test_sockaddr_in")
  sa.family = AF_INET
  sa.port = bit.rshift(bit.bswap(port), 16)
  sa.addr = bit.bswap(0x7f000001)
  assert(C.connect(fd, sa, ffi.sizeof(sa)) == 0, "connect: " .. _M.errno_str())
  local s = wrap(fd)
  s:send("GET " .. path .. " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
  local data = ""
  while true do
    local chunk = s:recv(65536, 5000)
    if not chunk or chunk == "" then break end
    data = data .. chunk
  end
  s:close()
  local status = tonumber(data:match("^HTTP/1%.%d (%d+)"))
  return status, data:match("\r\n\r\n(.*)$")
end

-- A stand-in for ngx ----------------------------------------------------------

-- Installs _G.ngx (worker.pid/exiting, log, sleep, now) and an
-- "ngx.semaphore" whose wait() plays the worker's notification reader: it
-- reads the engine's socket through `reader` (a Sock connected by the test)
-- and hands the bytes to the binding's dispatch, as the real reader does.
-- `hooks.on_wait()` runs in each turn of a wait (to serve a fake node).
function _M.fake_ngx()
  local fake = { logs = {}, sleeps = {}, hooks = {}, reader = nil,
                 leftover = "", wallarm = nil, exiting = false }
  local sema_mt = {}
  sema_mt.__index = sema_mt
  function sema_mt:post(n) self.n = self.n + (n or 1); return true end
  function sema_mt:count() return self.n end
  function sema_mt:wait(seconds)
    if fake.wait_error then error(fake.wait_error) end
    -- Yields this semaphore to whoever resumes the request's coroutine;
    -- what it is resumed with is the wait's result.
    if fake.wait_yield then return coroutine.yield(self) end
    local deadline = _M.now_ms() + seconds * 1000
    while self.n == 0 do
      if fake.hooks.on_wait then fake.hooks.on_wait() end
      local left = deadline - _M.now_ms()
      if left <= 0 then break end
      if fake.reader then
        local data = fake.reader:recv(4096, math.min(left, 20))
        if data and data ~= "" then
          fake.leftover = fake.wallarm._dispatch(fake.leftover .. data)
        end
      else
        _M.sleep_ms(math.min(left, 5))
      end
    end
    if self.n > 0 then
      self.n = self.n - 1
      return true
    end
    return nil, "timeout"
  end
  package.loaded["ngx.semaphore"] = nil
  package.preload["ngx.semaphore"] = function()
    return { new = function(n) return setmetatable({ n = n or 0 }, sema_mt) end }
  end
  _G.ngx = {
    ERR = 4, NOTICE = 6,
    worker = {
      pid = function() return _M.getpid() end,
      exiting = function() return fake.exiting end,
    },
    log = function(level, ...) fake.logs[#fake.logs + 1] = { level, table.concat({ ... }) } end,
    sleep = function(s) fake.sleeps[#fake.sleeps + 1] = s end,
    now = function() return fake.now or _M.now_ms() / 1000 end,
    socket = {},
  }
  return fake
end

return _M
