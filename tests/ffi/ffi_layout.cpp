// LuaJIT's view of wallarm.h, through the committed ffi/wallarm_cdef.lua, must
// be the C++ compiler's: same struct sizes and field offsets, same enum
// values, and every declared function present in the built library. The
// field and constant lists below are written once; the checks make sure they
// cover everything the cdef declares, so a header change that is not
// reflected here fails instead of going unchecked.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <lua.hpp>

#include "wallarm.h"

#include <algorithm>
#include <cstddef>
#include <initializer_list>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#ifndef WALLARM_CDEF_LUA
#error "define WALLARM_CDEF_LUA as the path of ffi/wallarm_cdef.lua"
#endif
#ifndef WALLARM_LIBRARY
#error "define WALLARM_LIBRARY as the path of the built libwallarm"
#endif

namespace {

// Every field of every struct typedef in the cdef, in declaration order.
#define WALLARM_STR_FIELDS(F) F(ptr) F(len)
#define WALLARM_HEADER_FIELDS(F) F(name) F(value)
#define WALLARM_MESSAGE_FIELDS(F)                                              \
  F(type) F(status) F(method) F(uri) F(version) F(headers) F(header_count)     \
  F(reserved) F(body) F(body_file) F(body_total) F(request_id) F(client_ip)    \
  F(host)
#define WALLARM_ATTACK_FIELDS(F) F(type) F(location)
#define WALLARM_VERDICT_FIELDS(F)                                              \
  F(size) F(code) F(action) F(http_status) F(node_mode) F(flags)              \
  F(attack_count) F(reserved) F(latency_us) F(node_request_id) F(attacks) F(detail)
#define WALLARM_NOTIFY_RECORD_FIELDS(F) F(ticket) F(code) F(reserved)
#define WALLARM_ENGINE_CONFIG_FIELDS(F)                                        \
  F(size) F(max_pending) F(answer_limit) F(reserved) F(socket_dir) F(connector)
#define WALLARM_TARGET_CONFIG_FIELDS(F)                                        \
  F(size) F(max_connections) F(max_conn_age_s) F(idle_timeout_s)               \
  F(request_body_limit) F(response_body_limit) F(breaker_failures)             \
  F(breaker_backoff_ms) F(breaker_backoff_max_ms) F(tls_verify) F(url)         \
  F(ca_file) F(format) F(reserved) F(health_path)
#define WALLARM_STATS_FIELDS(F)                                                \
  F(size) F(reserved) F(submitted) F(sent) F(passed) F(blocked) F(async_sent) F(health_probes)     \
  F(err_timeout) F(err_refused) F(err_connect) F(err_tls) F(err_reset)         \
  F(err_proto) F(err_status) F(err_io) F(unavailable) F(dropped) F(abandoned)  \
  F(body_invalid) F(truncated) F(escaped) F(reshaped) F(breaker_trips) F(conn_opened)      \
  F(conn_reused) F(bytes_sent) F(notify_dropped) F(in_flight) F(queued) F(breaker_state) \
  F(latency_count) F(latency_sum_us) F(latency_bucket)

// Every enum constant, by the typedef LuaJIT reaches it through (none for
// the anonymous enum).
#define WALLARM_ANONYMOUS_CONSTANTS(C)                                         \
  C(WALLARM_ABI) C(WALLARM_MAX_ATTACKS) C(WALLARM_LATENCY_BUCKETS)
#define WALLARM_CODE_CONSTANTS(C)                                              \
  C(WALLARM_OK) C(WALLARM_EINVAL) C(WALLARM_ENOMEM) C(WALLARM_EFORKED)         \
  C(WALLARM_EAGAIN) C(WALLARM_ETICKET) C(WALLARM_EQUEUE)                       \
  C(WALLARM_EUNAVAILABLE) C(WALLARM_ESHUTDOWN) C(WALLARM_ETIMEOUT)             \
  C(WALLARM_ECONNREFUSED) C(WALLARM_ECONNECT) C(WALLARM_ERESOLVE)              \
  C(WALLARM_ETLS) C(WALLARM_ECONNRESET) C(WALLARM_EPROTO) C(WALLARM_ESTATUS)   \
  C(WALLARM_ETOOBIG) C(WALLARM_EIO) C(WALLARM_EINTERNAL)
#define WALLARM_MSG_TYPE_CONSTANTS(C)                                          \
  C(WALLARM_MSG_REQUEST) C(WALLARM_MSG_RESPONSE) C(WALLARM_MSG_HEALTH)
#define WALLARM_ACTION_CONSTANTS(C) C(WALLARM_PASS) C(WALLARM_BLOCK)
#define WALLARM_NODE_MODE_CONSTANTS(C)                                         \
  C(WALLARM_MODE_UNKNOWN) C(WALLARM_MODE_OFF) C(WALLARM_MODE_MONITORING)       \
  C(WALLARM_MODE_SAFE_BLOCKING) C(WALLARM_MODE_BLOCK)
#define WALLARM_SUBMIT_FLAGS_CONSTANTS(C) C(WALLARM_SUBMIT_OUT_OF_BAND) C(WALLARM_SUBMIT_HEAD_ONLY)
#define WALLARM_VERDICT_FLAGS_CONSTANTS(C)                                     \
  C(WALLARM_VERDICT_BODY_INVALID) C(WALLARM_VERDICT_ATTACKS_CUT)
#define WALLARM_NODE_FORMAT_CONSTANTS(C)                                       \
  C(WALLARM_FORMAT_V1) C(WALLARM_FORMAT_MIRROR) C(WALLARM_FORMAT_MULTIPART)
#define WALLARM_BREAKER_STATE_CONSTANTS(C)                                     \
  C(WALLARM_BREAKER_CLOSED) C(WALLARM_BREAKER_OPEN) C(WALLARM_BREAKER_PROBING)

struct Field {
  std::string name;
  std::size_t offset;
  std::size_t size;
};

struct Struct {
  std::string name;
  std::size_t size;
  std::size_t align;
  std::vector<Field> fields;
};

struct Constant {
  std::string name;
  long long value;
};

struct Enum {
  std::string name;  // "" for the anonymous enum
  std::size_t size;  // 0 for the anonymous enum
  std::vector<Constant> constants;
};

#define WALLARM_FIELD(f) Field{#f, offsetof(T, f), sizeof(T::f)},
#define WALLARM_STRUCT(type, fields)                                           \
  [] {                                                                         \
    using T = type;                                                            \
    return Struct{#type, sizeof(T), alignof(T), {fields(WALLARM_FIELD)}};      \
  }()
#define WALLARM_CONSTANT(c) Constant{#c, static_cast<long long>(c)},
#define WALLARM_ENUM(type, constants)                                          \
  Enum{#type, sizeof(type), {constants(WALLARM_CONSTANT)}}

const std::vector<Struct> &structs() {
  static const std::vector<Struct> all{
      WALLARM_STRUCT(wallarm_str_t, WALLARM_STR_FIELDS),
      WALLARM_STRUCT(wallarm_header_t, WALLARM_HEADER_FIELDS),
      WALLARM_STRUCT(wallarm_message_t, WALLARM_MESSAGE_FIELDS),
      WALLARM_STRUCT(wallarm_attack_t, WALLARM_ATTACK_FIELDS),
      WALLARM_STRUCT(wallarm_verdict_t, WALLARM_VERDICT_FIELDS),
      WALLARM_STRUCT(wallarm_notify_record_t, WALLARM_NOTIFY_RECORD_FIELDS),
      WALLARM_STRUCT(wallarm_engine_config_t, WALLARM_ENGINE_CONFIG_FIELDS),
      WALLARM_STRUCT(wallarm_target_config_t, WALLARM_TARGET_CONFIG_FIELDS),
      WALLARM_STRUCT(wallarm_stats_t, WALLARM_STATS_FIELDS),
  };
  return all;
}

const std::vector<Enum> &enums() {
  static const std::vector<Enum> all{
      Enum{"", 0, {WALLARM_ANONYMOUS_CONSTANTS(WALLARM_CONSTANT)}},
      WALLARM_ENUM(wallarm_code_t, WALLARM_CODE_CONSTANTS),
      WALLARM_ENUM(wallarm_msg_type_t, WALLARM_MSG_TYPE_CONSTANTS),
      WALLARM_ENUM(wallarm_node_format_t, WALLARM_NODE_FORMAT_CONSTANTS),
      WALLARM_ENUM(wallarm_action_t, WALLARM_ACTION_CONSTANTS),
      WALLARM_ENUM(wallarm_node_mode_t, WALLARM_NODE_MODE_CONSTANTS),
      WALLARM_ENUM(wallarm_submit_flags_t, WALLARM_SUBMIT_FLAGS_CONSTANTS),
      WALLARM_ENUM(wallarm_verdict_flags_t, WALLARM_VERDICT_FLAGS_CONSTANTS),
      WALLARM_ENUM(wallarm_breaker_state_t, WALLARM_BREAKER_STATE_CONSTANTS),
  };
  return all;
}

// Runs in LuaJIT with the cdef path as its argument and returns the probe
// functions the test cases call. Text is scanned with comments removed,
// because comments name functions and types too.
constexpr const char *kProbe = R"lua(
local cdef_path = ...
local ffi = require "ffi"
local text = assert(loadfile(cdef_path))()
if type(text) ~= "string" then
  error(cdef_path .. " returns a " .. type(text) .. ", not the cdef string")
end
ffi.cdef(text)
local code = text:gsub("/%*.-%*/", " "):gsub("//[^\n]*", "")

local M = {}

function M.type_size(t)
  return ffi.sizeof(t), ffi.alignof(t)
end

-- A field that reads as a Lua number or boolean has no C size to ask for:
-- paint the struct 0xff, set the field to zero and count the zero bytes.
function M.field(t, f)
  local offset, bit = ffi.offsetof(t, f)
  if offset == nil then error("LuaJIT knows no field " .. f .. " in " .. t) end
  if bit ~= nil then error(t .. "." .. f .. " is a bit field") end
  local v = ffi.new(t)
  local x = v[f]
  if type(x) == "cdata" then return offset, ffi.sizeof(x) end
  local n = ffi.sizeof(t)
  ffi.fill(v, n, 0xff)
  if type(x) == "boolean" then v[f] = false else v[f] = 0 end
  local bytes = ffi.cast("const uint8_t *", v)
  local size = 0
  while offset + size < n and bytes[offset + size] == 0 do size = size + 1 end
  return offset, size
end

function M.constant(name)
  return tonumber(ffi.C[name])
end

function M.enum_value(t, name)
  return tonumber(ffi.new(t, name))
end

function M.structs()
  local names = {}
  for kind, name in code:gmatch("%f[%w_]typedef%s+(%a+)%s*[%w_]*%s*%b{}%s*([%w_]+)%s*;") do
    if kind == "struct" or kind == "union" then names[#names + 1] = name end
  end
  return names
end

-- "typedef:CONSTANT", with an empty typedef for an enum that has none.
function M.enum_constants()
  local out = {}
  for body, name in code:gmatch("%f[%w_]enum%s*[%w_]*%s*(%b{})%s*([%w_]*)") do
    for item in body:sub(2, -2):gmatch("[^,]+") do
      local constant = item:match("^%s*([%a_][%w_]*)")
      if constant then out[#out + 1] = name .. ":" .. constant end
    end
  end
  return out
end

function M.functions()
  local names, seen = {}, {}
  for name in code:gmatch("%f[%w_](wallarm_[%w_]*)%s*%(") do
    if not seen[name] then
      seen[name] = true
      names[#names + 1] = name
    end
  end
  return names
end

-- "name: why" for each declared function the library does not resolve.
function M.unresolved(path)
  local lib = ffi.load(path)
  local bad = {}
  for _, name in ipairs(M.functions()) do
    local ok, err = pcall(function() return lib[name] end)
    if not ok then bad[#bad + 1] = name .. ": " .. tostring(err) end
  end
  return bad
end

return M
)lua";

// What a probe function returned: its numbers, and the strings of any table.
struct Result {
  std::string error;  // empty on success
  std::vector<long long> numbers;
  std::vector<std::string> strings;
};

class Probe {
 public:
  Probe() : L_(luaL_newstate()) {
    if (L_ == nullptr) {
      error_ = "luaL_newstate failed";
      return;
    }
    luaL_openlibs(L_);
    if (luaL_loadbuffer(L_, kProbe, std::char_traits<char>::length(kProbe),
                        "=probe") != 0) {
      error_ = lua_tostring(L_, -1);
      return;
    }
    lua_pushstring(L_, WALLARM_CDEF_LUA);
    if (lua_pcall(L_, 1, 1, 0) != 0) {
      error_ = lua_tostring(L_, -1);
      return;
    }
    module_ = luaL_ref(L_, LUA_REGISTRYINDEX);
  }
  ~Probe() {
    if (L_ != nullptr) lua_close(L_);
  }
  Probe(const Probe &) = delete;
  Probe &operator=(const Probe &) = delete;

  // Why the cdef could not be loaded; empty if it was.
  const std::string &error() const { return error_; }

  Result call(const char *fn, std::initializer_list<std::string> args) {
    Result r;
    const int base = lua_gettop(L_);
    lua_rawgeti(L_, LUA_REGISTRYINDEX, module_);
    lua_getfield(L_, -1, fn);
    lua_remove(L_, -2);
    for (const std::string &a : args) lua_pushlstring(L_, a.data(), a.size());
    if (lua_pcall(L_, static_cast<int>(args.size()), LUA_MULTRET, 0) != 0) {
      r.error = lua_tostring(L_, -1);
      lua_settop(L_, base);
      return r;
    }
    for (int i = base + 1; i <= lua_gettop(L_); ++i) {
      if (lua_type(L_, i) == LUA_TNUMBER) {
        r.numbers.push_back(static_cast<long long>(lua_tonumber(L_, i)));
      } else if (lua_istable(L_, i)) {
        const auto n = static_cast<int>(lua_objlen(L_, i));
        for (int k = 1; k <= n; ++k) {
          lua_rawgeti(L_, i, k);
          r.strings.emplace_back(lua_tostring(L_, -1));
          lua_pop(L_, 1);
        }
      } else {
        r.error = std::string(fn) + " returned a " +
                  lua_typename(L_, lua_type(L_, i));
      }
    }
    lua_settop(L_, base);
    return r;
  }

 private:
  lua_State *L_;
  int module_ = LUA_NOREF;
  std::string error_;
};

// One state for all cases: ffi.cdef may run only once per state.
Probe &probe() {
  static Probe p;
  return p;
}

std::string join(const std::vector<std::string> &items) {
  std::string out;
  for (const std::string &s : items) out += "\n  " + s;
  return out;
}

// Items of `a` not in `b`.
std::vector<std::string> minus(const std::vector<std::string> &a,
                               const std::vector<std::string> &b) {
  const std::set<std::string> sa(a.begin(), a.end()), sb(b.begin(), b.end());
  std::vector<std::string> out;
  std::set_difference(sa.begin(), sa.end(), sb.begin(), sb.end(),
                      std::back_inserter(out));
  return out;
}

}  // namespace

TEST_CASE("the cdef loads into LuaJIT") {
  INFO("cdef: ", WALLARM_CDEF_LUA);
  CHECK_MESSAGE(probe().error().empty(), probe().error());
}

TEST_CASE("every struct typedef of the cdef is listed here") {
  REQUIRE(probe().error().empty());
  const Result r = probe().call("structs", {});
  REQUIRE_MESSAGE(r.error.empty(), r.error);
  std::vector<std::string> listed;
  for (const Struct &s : structs()) listed.push_back(s.name);
  CHECK_MESSAGE(minus(r.strings, listed).empty(),
                "struct typedefs missing from ffi_layout.cpp:",
                join(minus(r.strings, listed)));
  CHECK_MESSAGE(minus(listed, r.strings).empty(),
                "structs listed in ffi_layout.cpp that the cdef does not define:",
                join(minus(listed, r.strings)));
}

// The listed fields must cover each struct with neither gaps nor overlaps.
// That is how a field missing from the lists shows up, and it also keeps
// implicit padding out of the ABI (make it an explicit reserved field).
TEST_CASE("the listed fields cover every byte of each struct") {
  for (const Struct &s : structs()) {
    INFO("struct ", s.name);
    std::vector<Field> fields = s.fields;
    std::sort(fields.begin(), fields.end(),
              [](const Field &a, const Field &b) { return a.offset < b.offset; });
    std::size_t end = 0;
    for (const Field &f : fields) {
      INFO("field ", f.name, " at ", f.offset, ", ", f.size, " bytes");
      const std::string why =
          f.offset > end ? "bytes before it belong to no listed field: a field "
                           "is missing from ffi_layout.cpp, or this is padding"
                         : "overlaps the field before it: listed twice?";
      CHECK_MESSAGE(f.offset == end, why);
      end = f.offset + f.size;
    }
    CHECK_MESSAGE(end == s.size,
                  "the listed fields end at ", end, " of ", s.size,
                  " bytes: a field is missing from ffi_layout.cpp, or this is "
                  "padding");
  }
}

TEST_CASE("LuaJIT lays out every struct as C++ does") {
  REQUIRE(probe().error().empty());
  for (const Struct &s : structs()) {
    INFO("struct ", s.name);
    const Result t = probe().call("type_size", {s.name});
    REQUIRE_MESSAGE(t.error.empty(), t.error);
    REQUIRE(t.numbers.size() == 2);
    CHECK_MESSAGE(t.numbers[0] == static_cast<long long>(s.size), "sizeof");
    CHECK_MESSAGE(t.numbers[1] == static_cast<long long>(s.align), "alignof");
    for (const Field &f : s.fields) {
      INFO("field ", f.name);
      const Result r = probe().call("field", {s.name, f.name});
      if (!r.error.empty() || r.numbers.size() != 2) {
        FAIL_CHECK(r.error);
        continue;
      }
      CHECK_MESSAGE(r.numbers[0] == static_cast<long long>(f.offset), "offsetof");
      CHECK_MESSAGE(r.numbers[1] == static_cast<long long>(f.size), "sizeof");
    }
  }
}

TEST_CASE("every enum constant of the cdef is listed here") {
  REQUIRE(probe().error().empty());
  const Result r = probe().call("enum_constants", {});
  REQUIRE_MESSAGE(r.error.empty(), r.error);
  std::vector<std::string> listed;
  for (const Enum &e : enums())
    for (const Constant &c : e.constants) listed.push_back(e.name + ":" + c.name);
  CHECK_MESSAGE(minus(r.strings, listed).empty(),
                "enum constants (typedef:NAME) missing from ffi_layout.cpp:",
                join(minus(r.strings, listed)));
  CHECK_MESSAGE(minus(listed, r.strings).empty(),
                "enum constants (typedef:NAME) listed in ffi_layout.cpp that the "
                "cdef does not declare there:",
                join(minus(listed, r.strings)));
}

TEST_CASE("LuaJIT gives every enum constant the C++ value") {
  REQUIRE(probe().error().empty());
  for (const Enum &e : enums()) {
    INFO("enum ", e.name.empty() ? "(anonymous)" : e.name);
    if (!e.name.empty()) {
      const Result t = probe().call("type_size", {e.name});
      REQUIRE_MESSAGE(t.error.empty(), t.error);
      CHECK_MESSAGE(t.numbers.at(0) == static_cast<long long>(e.size), "sizeof");
    }
    for (const Constant &c : e.constants) {
      INFO("constant ", c.name, " = ", c.value);
      const Result r = probe().call("constant", {c.name});
      if (r.error.empty() && r.numbers.size() == 1) {
        CHECK_MESSAGE(r.numbers[0] == c.value, "ffi.C.", c.name);
      } else {
        FAIL_CHECK("ffi.C.", c.name, ": ", r.error);
      }
      if (e.name.empty()) continue;
      const Result v = probe().call("enum_value", {e.name, c.name});
      if (v.error.empty() && v.numbers.size() == 1) {
        CHECK_MESSAGE(v.numbers[0] == c.value, "ffi.new(\"", e.name, "\", \"",
                      c.name, "\")");
      } else {
        FAIL_CHECK("ffi.new(\"", e.name, "\", \"", c.name, "\"): ", v.error);
      }
    }
  }
}

// The cdef writes some bounds as literals; they must agree with the enum.
TEST_CASE("array bounds agree with their constants") {
  CHECK(std::size(wallarm_verdict_t{}.attacks) ==
        static_cast<std::size_t>(WALLARM_MAX_ATTACKS));
  CHECK(std::size(wallarm_stats_t{}.latency_bucket) ==
        static_cast<std::size_t>(WALLARM_LATENCY_BUCKETS));
  CHECK(WALLARM_ABI_VERSION == static_cast<int>(WALLARM_ABI));
}

TEST_CASE("every function of the cdef resolves in the library") {
  REQUIRE(probe().error().empty());
  INFO("library: ", WALLARM_LIBRARY);
  const Result fns = probe().call("functions", {});
  REQUIRE_MESSAGE(fns.error.empty(), fns.error);
  CHECK_MESSAGE(!fns.strings.empty(), "found no wallarm_*( declarations");
  const Result r = probe().call("unresolved", {WALLARM_LIBRARY});
  REQUIRE_MESSAGE(r.error.empty(), r.error);
  CHECK_MESSAGE(r.strings.empty(), "declared in the cdef, not resolved by ",
                "ffi.load(\"", WALLARM_LIBRARY, "\"):", join(r.strings));
}
