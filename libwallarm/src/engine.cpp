// The engine's life (creation, start, stop) and what callers run on their
// own threads: targets, submit, result, release, inspect and stats.
#include "engine.h"

#include <pthread.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <mutex>

#include "formats.h"
#include "protocol.h"
#include "sized_struct.h"
#include "version.h"

namespace wallarm {
namespace {

std::atomic<uint32_t> g_fork_generation{0};
std::once_flag g_process_init;
CURLcode g_curl_init = CURLE_OK;

void on_fork_child() { g_fork_generation.fetch_add(1, std::memory_order_relaxed); }

void init_process() {
  pthread_atfork(nullptr, nullptr, on_fork_child);
  g_curl_init = curl_global_init(CURL_GLOBAL_DEFAULT);
}

}  // namespace

uint64_t now_us() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000u + static_cast<uint64_t>(ts.tv_nsec) / 1000u;
}

uint32_t fork_generation() noexcept { return g_fork_generation.load(std::memory_order_relaxed); }

Engine::Engine(const wallarm_engine_config_t& cfg)
    : fork_generation_(fork_generation()), answer_limit_(cfg.answer_limit),
      connector_(cfg.connector != nullptr && cfg.connector[0] != '\0' ? cfg.connector : "kong"),
      slots_(cfg.max_pending) {
  // Submissions are bounded by the slots, so these never grow after this:
  // a submit cannot fail on allocation once it holds a slot.
  inbox_.reserve(cfg.max_pending);
  taken_.reserve(cfg.max_pending);
}

int32_t Engine::create(const wallarm_engine_config_t& given, std::unique_ptr<Engine>* out,
                       std::string* err) {
  wallarm_engine_config_t cfg;
  if (!read_sized(given, sizeof cfg, cfg, "wallarm_engine_config_t", err)) return WALLARM_EINVAL;
  if (cfg.max_pending < 1 || cfg.max_pending > (1u << 20)) {
    *err = "max_pending: must be between 1 and 1048576";
    return WALLARM_EINVAL;
  }
  if (cfg.answer_limit < 64 || cfg.answer_limit > (1u << 24)) {
    *err = "answer_limit: must be between 64 and 16777216";
    return WALLARM_EINVAL;
  }
  std::call_once(g_process_init, init_process);
  if (g_curl_init != CURLE_OK) {
    *err = std::string("libcurl init failed: ") + curl_easy_strerror(g_curl_init);
    return WALLARM_EINTERNAL;
  }
  std::unique_ptr<Engine> e(new Engine(cfg));
  if (cfg.socket_dir != nullptr && cfg.socket_dir[0] != '\0' &&
      !e->notifier_.open(cfg.socket_dir, err))
    return WALLARM_EINVAL;
  if (!e->start(err)) return WALLARM_EINTERNAL;
  *out = std::move(e);
  return WALLARM_OK;
}

bool Engine::start(std::string* err) {
  make_v1_tail(v1_tail_, connector_.c_str(), WALLARM_VERSION_STRING, protocol::kContentType);
  make_v1_tail(batch_tail_, connector_.c_str(), WALLARM_VERSION_STRING,
               protocol::kBatchContentType);
  make_shape_tail(shape_tail_, connector_.c_str(), WALLARM_VERSION_STRING);
  if (!open_loop(err)) return false;
  try {
    thread_ = std::thread([this] { run(); });
  } catch (const std::exception& ex) {
    *err = std::string("engine: cannot start its thread: ") + ex.what();
    return false;
  }
  return true;
}

Engine::~Engine() {
  if (thread_.joinable()) {
    if (forked()) {
      thread_.detach();  // the thread does not exist in this process
    } else {
      stopping_.store(true);
      signal_wake();
      thread_.join();
    }
  }
  targets_.clear();
  if (multi_ != nullptr && !forked()) curl_multi_cleanup(multi_);
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
  if (wake_fd_ >= 0) ::close(wake_fd_);
  if (later_fd_ >= 0) ::close(later_fd_);
}

int32_t Engine::add_target(const wallarm_target_config_t& cfg, Target** out, std::string* err) {
  TargetConfig parsed;
  int32_t rc = parse_target_config(cfg, parsed, err);
  if (rc != WALLARM_OK) return rc;
  auto t = std::make_unique<Target>(std::move(parsed), answer_limit_);
  t->engine = this;
  std::lock_guard<std::mutex> lock(targets_mu_);
  targets_.push_back(std::move(t));
  *out = targets_.back().get();
  return WALLARM_OK;
}

// Wakes the engine thread, writing the eventfd only when no wake-up is
// pending already (the thread clears the flag before it takes the inbox).
void Engine::wake() noexcept {
  if (!wake_pending_.exchange(true)) signal_wake();
}

void Engine::signal_wake() noexcept {
  uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof one);
}

void Engine::release_target(Target* target) noexcept {
  target->released.store(true);
  sweep_pending_.store(true);
  wake();
}

int32_t Engine::submit(Target* t, const wallarm_message_t& msg, uint32_t flags,
                       uint32_t timeout_ms, uint64_t* ticket, const char** err) {
  if (t->released.load(std::memory_order_relaxed)) {
    *err = "target: already released";
    return WALLARM_EINVAL;
  }
  if ((flags & ~uint32_t{WALLARM_SUBMIT_OUT_OF_BAND | WALLARM_SUBMIT_HEAD_ONLY}) != 0) {
    *err = "flags: unknown bits";
    return WALLARM_EINVAL;
  }
  if (timeout_ms == 0) {
    *err = "timeout_ms: must be at least 1";
    return WALLARM_EINVAL;
  }
  if (stopping_.load(std::memory_order_relaxed)) {
    t->stats.bump(t->stats.dropped);
    return WALLARM_ESHUTDOWN;
  }
  if (!t->breaker.closed()) {
    t->stats.bump(t->stats.unavailable);
    return WALLARM_EUNAVAILABLE;
  }
  Slot* s = slots_.acquire();
  if (s == nullptr) {
    t->stats.bump(t->stats.dropped);
    *err = "max_pending messages are queued or in flight";
    return WALLARM_EQUEUE;
  }
  int32_t rc;
  try {
    rc = encode(msg, encode_options(*t, flags, msg.type), s->out, err);
  } catch (const std::bad_alloc&) {
    rc = WALLARM_ENOMEM;
  }
  if (rc != WALLARM_OK) {
    slots_.release(s);
    return rc;
  }
  s->target = t;
  s->type = msg.type;
  s->has_ticket = ticket != nullptr;
  if (ticket == nullptr) s->set_state(kSlotSending);
  s->submitted_us = now_us();
  s->deadline_us = s->submitted_us + uint64_t{timeout_ms} * 1000;
  std::memset(&s->verdict, 0, sizeof s->verdict);
  if (s->out.truncated) t->stats.bump(t->stats.truncated);
  if (s->out.escaped != 0) t->stats.bump(t->stats.escaped);
  if (s->out.reshaped) t->stats.bump(t->stats.reshaped);
  t->stats.bump(t->stats.submitted);
  t->pending.fetch_add(1, std::memory_order_relaxed);
  t->stats.queued.fetch_add(1, std::memory_order_relaxed);  // until it gets a connection
  if (ticket != nullptr) *ticket = s->ticket();
  {
    std::lock_guard<std::mutex> lock(inbox_mu_);
    inbox_.push_back(s);  // capacity reserved: slots are bounded
  }
  // A message without a waiter need not go at once: it goes when the
  // engine next wakes for anything else, or when a timer set by the first
  // such message fires, a moment later (as long as v1 messages wait for
  // company anyway: 1 ms, a quarter of the budget at most). So at a
  // moderate rate it costs no wake-up of its own.
  if (ticket != nullptr) {
    wake();
  } else {
    later_pending_.store(true);
    if (!later_armed_.exchange(true))
      arm_later(std::min<uint64_t>(kBatchLingerUs, uint64_t{timeout_ms} * 1000 / 4));
  }
  return WALLARM_OK;
}

void Engine::arm_later(uint64_t after_us) noexcept {
  itimerspec when{};
  when.it_value.tv_sec = static_cast<time_t>(after_us / 1000000);
  when.it_value.tv_nsec = static_cast<long>(after_us % 1000000) * 1000;
  timerfd_settime(later_fd_, 0, &when, nullptr);
}

EncodeOptions Engine::encode_options(const Target& t, uint32_t flags, int32_t type) const noexcept {
  EncodeOptions o;
  o.format = t.config.format;
  o.flags = flags;
  o.body_limit = t.body_limit(type);
  o.path_prefix = t.config.path_prefix;
  o.health_path = t.config.health_path;
  o.v1_tail = v1_tail_.outer;
  o.shape_tail = shape_tail_.outer;
  return o;
}

int32_t Engine::result(uint64_t ticket, wallarm_verdict_t* out) noexcept {
  Slot* s = slots_.find(ticket);
  if (s == nullptr) return WALLARM_ETICKET;
  auto gen = static_cast<uint32_t>(ticket >> 32);
  uint64_t seen = 0;
  if (!s->move(gen, kSlotDone, kSlotClaimed, &seen))
    return seen == slot_word(gen, kSlotPending) ? WALLARM_EAGAIN : WALLARM_ETICKET;
  s->verdict.size = sizeof s->verdict;
  write_sized(out, s->verdict, sizeof *out);  // the size was checked by the caller
  slots_.release(s);
  return WALLARM_OK;
}

int32_t Engine::release(uint64_t ticket) noexcept {
  Slot* s = slots_.find(ticket);
  if (s == nullptr) return WALLARM_ETICKET;
  auto gen = static_cast<uint32_t>(ticket >> 32);
  // Claimed while pending, the slot is the engine's: touch nothing of it
  // after this; the engine counts and frees it when the message completes.
  if (s->move(gen, kSlotPending, kSlotClaimed)) return WALLARM_OK;
  if (!s->move(gen, kSlotDone, kSlotClaimed)) return WALLARM_ETICKET;
  slots_.release(s);
  return WALLARM_OK;
}

int32_t Engine::inspect(Target* t, const wallarm_message_t& msg, uint32_t timeout_ms,
                        wallarm_verdict_t* out, const char** err) {
  uint64_t ticket = 0;
  int32_t rc = submit(t, msg, 0, timeout_ms, &ticket, err);
  if (rc != WALLARM_OK) return rc;
  std::unique_lock<std::mutex> lock(sync_mu_);
  for (;;) {
    rc = result(ticket, out);
    if (rc != WALLARM_EAGAIN) return rc;
    // Completion notifies under sync_mu_, so no wake-up is lost; the bounded
    // wait is a safety net only.
    sync_cv_.wait_for(lock, std::chrono::milliseconds(50));
  }
}

void Engine::stats(wallarm_stats_t& out) {
  std::memset(&out, 0, sizeof out);
  out.size = sizeof out;
  std::lock_guard<std::mutex> lock(targets_mu_);
  retired_.add_to(out);
  out.notify_dropped += notifier_.dropped();
  for (auto& t : targets_) {
    t->stats.add_to(out);
    if (!t->breaker.closed()) ++out.breaker_state;
  }
}

}  // namespace wallarm
