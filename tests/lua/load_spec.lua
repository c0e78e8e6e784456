-- Loading the binding and the library: the cdef guard, module names, the
-- library search and the ABI check. Runs without nginx.
package.path = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./")
  .. "?.lua;" .. package.path
local helpers = require "helpers"
local ffi = require "ffi"

-- ffi.cdef calls that declare the binding's types, counted over the whole
-- file (whichever test loads the binding first declares them).
local real_cdef = ffi.cdef
local wallarm_cdefs = 0
local declared_before = pcall(ffi.typeof, "wallarm_engine_t")

ffi.cdef = function(def)
  if def:find("wallarm_engine_t", 1, true) then
    wallarm_cdefs = wallarm_cdefs + 1
  end
  return real_cdef(def)
end

local function read_source(name)
  return assert(loadfile(helpers.root .. "/ffi/" .. name .. ".lua"))
end

-- As Kong loads it: kong.plugins.kong-lua.wallarm next to its cdef and
-- waiters modules.
local function preload_kong_copy()
  package.preload["kong.plugins.kong-lua.wallarm"] = read_source("wallarm")
  package.preload["kong.plugins.kong-lua.wallarm_cdef"] = read_source("wallarm_cdef")
  package.preload["kong.plugins.kong-lua.wallarm_waiters"] = read_source("wallarm_waiters")
end

-- Calls fn(binding) with a copy of the binding whose per-process state
-- (kept in the Lua registry, shared by every copy) is new, as in a process
-- that has not loaded the library: the tests of a first load run in any
-- order. The process's state is put back after.
local function binding_states()
  local keys = {}
  for k in pairs(debug.getregistry()) do
    if type(k) == "string" and k:find("^libwallarm%.binding%.") then keys[#keys + 1] = k end
  end
  return keys
end

local function with_fresh_binding(fn)
  local registry = debug.getregistry()
  local saved = {}
  for _, k in ipairs(binding_states()) do
    saved[k] = registry[k]
    registry[k] = nil
  end
  local ok, err = pcall(function() fn(read_source("wallarm")()) end)
  for _, k in ipairs(binding_states()) do registry[k] = nil end
  for k, v in pairs(saved) do registry[k] = v end
  if not ok then error(err, 0) end
end

describe("require", function()
  local saved_ngx

  setup(function()
    saved_ngx = rawget(_G, "ngx")
    -- Any access to ngx while the module loads fails the test.
    _G.ngx = setmetatable({}, { __index = function(_, k)
      error("ngx." .. tostring(k) .. " touched at require time", 2)
    end })
  end)

  teardown(function()
    _G.ngx = saved_ngx
  end)

  it("runs on OpenResty's LuaJIT 2.1 and finds ffi/wallarm.lua", function()
    assert.truthy(jit, "not LuaJIT: run busted with --lua=luajit")
    assert.matches("^LuaJIT 2%.1", jit.version)
    local path = package.searchpath("wallarm", package.path)
    assert.equal(helpers.root .. "/ffi/wallarm.lua", path)
  end)

  it("loads without ngx and without loading the library", function()
    assert.is_false(declared_before)
    -- A load of its own, whatever loaded the module before.
    local loaded = package.loaded.wallarm
    package.loaded.wallarm = nil
    local ok, err = pcall(with_fresh_binding, function()
      local wallarm = require "wallarm"
      assert.equal("table", type(wallarm))
      assert.equal("0.1.0", wallarm.VERSION)
      assert.equal(3, wallarm.ABI)
      assert.is_nil(wallarm.library_version())
    end)
    package.loaded.wallarm = loaded  -- that copy's state is gone
    if not ok then error(err, 0) end
    assert.equal(1, wallarm_cdefs)
    assert.is_true(pcall(ffi.typeof, "wallarm_verdict_t"))
  end)

  it("does not declare the cdef again under another module name", function()
    preload_kong_copy()
    local kong_wallarm = require "kong.plugins.kong-lua.wallarm"
    assert.equal(1, wallarm_cdefs)
    assert.truthy(package.loaded["kong.plugins.kong-lua.wallarm_cdef"])
    assert.are_not.equal(require "wallarm", kong_wallarm)
    -- and a third time, loaded as a plain chunk with no module name
    local chunk = read_source("wallarm")
    local third = chunk()
    assert.equal(1, wallarm_cdefs)
    assert.equal("0.1.0", third.VERSION)
  end)

  it("finds its cdef and waiters modules relative to its own name", function()
    require "wallarm"  -- declares the cdef
    -- The binding reads the structs' fields from it: a copy of the text.
    local marker = "-- a cdef module that is not the real one\n" .. require("wallarm_cdef")
    local waiters_loaded = false
    package.preload["elsewhere.wallarm_cdef"] = function() return marker end
    package.preload["elsewhere.wallarm_waiters"] = function()
      waiters_loaded = true
      return read_source("wallarm_waiters")()
    end
    package.preload["elsewhere.wallarm"] = read_source("wallarm")
    require "elsewhere.wallarm"
    -- the cdef is declared already, so the module only had to load it
    assert.equal(marker, package.loaded["elsewhere.wallarm_cdef"])
    assert.equal(1, wallarm_cdefs)
    assert.is_true(waiters_loaded)
  end)
end)

describe("wallarm.load", function()
  local wallarm

  setup(function()
    wallarm = require "wallarm"
    ffi.cdef([[int setenv(const char *name, const char *value, int overwrite);
               int unsetenv(const char *name);]])
  end)

  it("raises on a path that is not a string", function()
    assert.has_error(function() wallarm.load(42) end, "path: string expected, got number")
  end)

  it("raises in code_name before the library is loaded", function()
    with_fresh_binding(function(fresh)
      local ok, err = pcall(fresh.code_name, -10)
      assert.is_false(ok)
      assert.matches("call wallarm.load%(%) first", err)
    end)
  end)

  it("names a path that does not exist", function()
    with_fresh_binding(function(fresh)
      local ok, err = fresh.load("/nonexistent/dir/libwallarm.so")
      assert.is_nil(ok)
      assert.matches("^cannot load libwallarm: ", err)
      assert.matches("/nonexistent/dir/libwallarm.so", err, 1, true)
    end)
  end)

  it("names the path from WALLARM_LIBRARY", function()
    local saved = os.getenv("WALLARM_LIBRARY")
    ffi.C.setenv("WALLARM_LIBRARY", "/nonexistent/from-env.so", 1)
    local ok, err
    with_fresh_binding(function(fresh) ok, err = fresh.load() end)
    if saved then ffi.C.setenv("WALLARM_LIBRARY", saved, 1) else ffi.C.unsetenv("WALLARM_LIBRARY") end
    assert.is_nil(ok)
    assert.matches("/nonexistent/from-env.so", err, 1, true)
  end)

  it("lists every default name it tried", function()
    -- In a process of its own: where the library is loaded already, the
    -- loader finds it by its soname (libwallarm.so.3).
    local dir = helpers.mkdtemp()
    local script = dir .. "/load.lua"
    helpers.write_file(script, ("package.path = %q .. package.path\n"):format(helpers.root .. "/ffi/?.lua;")
      .. "local ok, err = require('wallarm').load()\n"
      .. "io.write(tostring(ok), '\\n', tostring(err))\n")
    local p = io.popen(("env -u WALLARM_LIBRARY '%s' '%s' 2>&1"):format(helpers.luajit, script))
    local out = p:read("*a")
    p:close()
    helpers.rmtree(dir)
    local ok, err = out:match("^(%w+)\n(.*)$")
    assert.truthy(ok, out)
    -- Only meaningful when the loader cannot find libwallarm by name.
    if ok == "true" then
      pending("libwallarm is on the loader path")
      return
    end
    assert.matches("libwallarm.so", err, 1, true)
    assert.matches("libwallarm.so.3", err, 1, true)
  end)

  it("refuses a library that is not libwallarm", function()
    with_fresh_binding(function(fresh)
      local ok, err = fresh.load("libc.so.6")
      assert.is_nil(ok)
      assert.matches("libc.so.6: not libwallarm", err, 1, true)
    end)
  end)

  it("refuses a library of another ABI", function()
    local fake = helpers.fake_abi_library
    if not fake then
      pending("WALLARM_FAKE_ABI_LIBRARY not set (ctest sets it)")
      return
    end
    with_fresh_binding(function(fresh)
      local ok, err = fresh.load(fake)
      assert.is_nil(ok)
      assert.equal("cannot load libwallarm: libwallarm ABI 1 found, 3 expected ("
                   .. fake .. ")", err)
      assert.is_nil(fresh.library_version())
    end)
  end)

  it("loads the built library, whose version is the binding's", function()
    with_fresh_binding(function(fresh)
      assert.is_nil(fresh.library_version())
      assert.is_true(fresh.load(helpers.library))
      assert.equal(fresh.VERSION, fresh.library_version())
    end)
    assert.is_true(wallarm.load(helpers.library))
    assert.equal(wallarm.VERSION, wallarm.library_version())
  end)

  it("loads once: later calls succeed at once, whatever the path", function()
    assert.is_true(wallarm.load(helpers.library))
    assert.is_true(wallarm.load())
    assert.is_true(wallarm.load("/nonexistent/libwallarm.so"))
  end)

  it("shares the loaded library with copies under other names", function()
    assert.is_true(wallarm.load(helpers.library))
    preload_kong_copy()
    local kong_wallarm = require "kong.plugins.kong-lua.wallarm"
    assert.equal(wallarm.VERSION, kong_wallarm.library_version())
    assert.is_true(kong_wallarm.load())
    assert.equal("ECONNREFUSED", kong_wallarm.code_name(-10))
  end)

  it("names codes", function()
    assert.is_true(wallarm.load(helpers.library))
    assert.equal("OK", wallarm.code_name(0))
    assert.equal("ECONNREFUSED", wallarm.code_name(-10))
    assert.equal("ETIMEOUT", wallarm.code_name(-9))
    assert.equal("EINTERNAL", wallarm.code_name(-19))
    assert.equal("node refused the connection", wallarm.strerror(-10))
    assert.equal("string", type(wallarm.code_name(-1000)))
    assert.has_error(function() wallarm.code_name("x") end, "code: number expected, got string")
  end)

  it("lets init_worker fail cleanly outside nginx", function()
    -- No ngx, no timer: an error value, not a crash.
    local saved = rawget(_G, "ngx")
    _G.ngx = nil
    local ok, err = wallarm.init_worker({})
    _G.ngx = saved
    assert.is_nil(ok)
    assert.matches("timer", err)
  end)
end)
