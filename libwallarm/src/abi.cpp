// The extern "C" entry points: argument checks, fork checks, and the
// conversion of every exception into a code. Nothing else lives here.
#include <cstring>
#include <memory>
#include <new>
#include <string>

#include "codes.h"
#include "engine.h"
#include "sized_struct.h"
#include "stats.h"
#include "target.h"
#include "version.h"
#include "wallarm.h"

using wallarm::Engine;
using wallarm::Target;

struct wallarm_engine {};  // never defined as such: a wallarm::Engine
struct wallarm_target {};  // likewise, a wallarm::Target

static_assert(sizeof(wallarm_notify_record_t) == 16);
static_assert(sizeof(wallarm_attack_t) == 64);
static_assert(WALLARM_MAX_ATTACKS == sizeof(wallarm_verdict_t::attacks) / sizeof(wallarm_attack_t));
static_assert(WALLARM_LATENCY_BUCKETS ==
              sizeof(wallarm_stats_t::latency_bucket) / sizeof(uint64_t));
static_assert(WALLARM_ABI == WALLARM_ABI_VERSION);

namespace {

thread_local std::string t_last_error;

int32_t fail(int32_t code, const char* why = nullptr) noexcept {
  try {
    t_last_error = why != nullptr ? why : wallarm::code_message(code);
  } catch (...) {
  }
  return code;
}

int32_t fail(int32_t code, const std::string& why) noexcept { return fail(code, why.c_str()); }

// Output structs: the caller's size must hold at least the layout they have
// had since ABI 2.
bool size_ok(const wallarm_stats_t* out) { return out->size >= sizeof(wallarm_stats_t); }
bool size_ok(const wallarm_verdict_t* out) { return out->size >= sizeof(wallarm_verdict_t); }
constexpr const char* kStatsSize = "out: set out->size to sizeof(wallarm_stats_t)";
constexpr const char* kVerdictSize = "out: set out->size to sizeof(wallarm_verdict_t)";

Engine* engine_of(wallarm_engine_t* e) { return reinterpret_cast<Engine*>(e); }
Target* target_of(wallarm_target_t* t) { return reinterpret_cast<Target*>(t); }

int32_t from_exception() noexcept {
  try {
    throw;
  } catch (const std::bad_alloc&) {
    return fail(WALLARM_ENOMEM);
  } catch (const std::exception& ex) {
    return fail(WALLARM_EINTERNAL, ex.what());
  } catch (...) {
    return fail(WALLARM_EINTERNAL);
  }
}

}  // namespace

extern "C" {

uint32_t wallarm_abi_version(void) { return WALLARM_ABI; }

const char* wallarm_version(void) { return WALLARM_VERSION_STRING; }

const char* wallarm_strerror(int32_t code) { return wallarm::code_message(code); }

const char* wallarm_code_name(int32_t code) { return wallarm::code_name(code); }

const char* wallarm_last_error(void) { return t_last_error.c_str(); }

uint64_t wallarm_latency_bucket_le_us(uint32_t i) { return wallarm::latency_bucket_le_us(i); }

void wallarm_engine_config_init(wallarm_engine_config_t* cfg) {
  if (cfg == nullptr) return;
  *cfg = wallarm_engine_config_t{};
  cfg->size = sizeof *cfg;
  cfg->max_pending = 4096;
  cfg->answer_limit = 16384;
  cfg->connector = "kong";
}

int32_t wallarm_engine_new(const wallarm_engine_config_t* cfg, wallarm_engine_t** out) try {
  if (cfg == nullptr || out == nullptr)
    return fail(WALLARM_EINVAL, "cfg and out are required");
  std::unique_ptr<Engine> engine;
  std::string err;
  int32_t rc = Engine::create(*cfg, &engine, &err);
  if (rc != WALLARM_OK) return fail(rc, err);
  *out = reinterpret_cast<wallarm_engine_t*>(engine.release());
  return WALLARM_OK;
} catch (...) {
  return from_exception();
}

void wallarm_engine_free(wallarm_engine_t* e) {
  if (e == nullptr) return;
  Engine* engine = engine_of(e);
  if (engine->forked()) return;  // the parent's engine: not ours to tear down
  delete engine;
}

const char* wallarm_engine_socket_path(wallarm_engine_t* e) {
  if (e == nullptr || engine_of(e)->socket_path().empty()) return nullptr;
  return engine_of(e)->socket_path().c_str();
}

int32_t wallarm_engine_stats(wallarm_engine_t* e, wallarm_stats_t* out) try {
  if (e == nullptr || out == nullptr) return fail(WALLARM_EINVAL, "engine and out are required");
  if (!size_ok(out)) return fail(WALLARM_EINVAL, kStatsSize);
  if (engine_of(e)->forked()) return fail(WALLARM_EFORKED);
  wallarm_stats_t all;
  engine_of(e)->stats(all);
  wallarm::write_sized(out, all, sizeof all);
  return WALLARM_OK;
} catch (...) {
  return from_exception();
}

void wallarm_target_config_init(wallarm_target_config_t* cfg) {
  if (cfg != nullptr) wallarm::default_target_config(*cfg);
}

int32_t wallarm_target_new(wallarm_engine_t* e, const wallarm_target_config_t* cfg,
                           wallarm_target_t** out) try {
  if (e == nullptr || cfg == nullptr || out == nullptr)
    return fail(WALLARM_EINVAL, "engine, cfg and out are required");
  if (engine_of(e)->forked())
    return fail(WALLARM_EFORKED);
  Target* target = nullptr;
  std::string err;
  int32_t rc = engine_of(e)->add_target(*cfg, &target, &err);
  if (rc != WALLARM_OK) return fail(rc, err);
  *out = reinterpret_cast<wallarm_target_t*>(target);
  return WALLARM_OK;
} catch (...) {
  return from_exception();
}

void wallarm_target_release(wallarm_target_t* t) {
  if (t == nullptr || target_of(t)->engine->forked()) return;
  target_of(t)->engine->release_target(target_of(t));
}

int32_t wallarm_target_stats(wallarm_target_t* t, wallarm_stats_t* out) try {
  if (t == nullptr || out == nullptr) return fail(WALLARM_EINVAL, "target and out are required");
  if (!size_ok(out)) return fail(WALLARM_EINVAL, kStatsSize);
  Target* target = target_of(t);
  if (target->engine->forked()) return fail(WALLARM_EFORKED);
  wallarm_stats_t all;
  std::memset(&all, 0, sizeof all);
  all.size = sizeof all;
  target->stats.add_to(all);
  all.breaker_state = static_cast<uint64_t>(target->breaker.state());
  wallarm::write_sized(out, all, sizeof all);
  return WALLARM_OK;
} catch (...) {
  return from_exception();
}

int32_t wallarm_submit(wallarm_target_t* t, const wallarm_message_t* msg, uint32_t flags,
                       uint32_t timeout_ms, uint64_t* ticket) try {
  if (t == nullptr || msg == nullptr) return fail(WALLARM_EINVAL, "target and msg are required");
  Target* target = target_of(t);
  if (target->engine->forked()) return fail(WALLARM_EFORKED);
  const char* err = nullptr;
  int32_t rc = target->engine->submit(target, *msg, flags, timeout_ms, ticket, &err);
  return rc == WALLARM_OK ? rc : fail(rc, err);
} catch (...) {
  return from_exception();
}

int32_t wallarm_ticket_result(wallarm_engine_t* e, uint64_t ticket, wallarm_verdict_t* out) {
  if (e == nullptr || out == nullptr) return fail(WALLARM_EINVAL, "engine and out are required");
  if (!size_ok(out)) return fail(WALLARM_EINVAL, kVerdictSize);
  if (engine_of(e)->forked()) return fail(WALLARM_EFORKED);
  int32_t rc = engine_of(e)->result(ticket, out);
  return rc == WALLARM_OK || rc == WALLARM_EAGAIN ? rc : fail(rc);
}

int32_t wallarm_ticket_release(wallarm_engine_t* e, uint64_t ticket) {
  if (e == nullptr) return fail(WALLARM_EINVAL, "engine is required");
  if (engine_of(e)->forked()) return fail(WALLARM_EFORKED);
  int32_t rc = engine_of(e)->release(ticket);
  return rc == WALLARM_OK ? rc : fail(rc);
}

int32_t wallarm_inspect(wallarm_target_t* t, const wallarm_message_t* msg, uint32_t timeout_ms,
                        wallarm_verdict_t* out) try {
  if (t == nullptr || msg == nullptr || out == nullptr)
    return fail(WALLARM_EINVAL, "target, msg and out are required");
  if (!size_ok(out)) return fail(WALLARM_EINVAL, kVerdictSize);
  Target* target = target_of(t);
  if (target->engine->forked()) return fail(WALLARM_EFORKED);
  const char* err = nullptr;
  int32_t rc = target->engine->inspect(target, *msg, timeout_ms, out, &err);
  return rc == WALLARM_OK ? rc : fail(rc, err);
} catch (...) {
  return from_exception();
}

}  // extern "C"
