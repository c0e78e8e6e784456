#include "engine.h"

#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <mutex>

#include "codes.h"
#include "formats.h"
#include "protocol.h"
#include "sized_struct.h"
#include "verdict.h"
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

// Slots and the listener are told apart from curl sockets by these tags.
constexpr uint64_t kTagWake = 1ull << 62;
constexpr uint64_t kTagListen = (1ull << 62) + 1;
constexpr uint64_t kTagReader = (1ull << 62) + 2;
constexpr uint64_t kTagLater = (1ull << 62) + 3;
// A socket curl watches while it connects: this bit and the descriptor. Any
// other tag is a Connection's address.
constexpr uint64_t kTagCurlSocket = 1ull << 63;
// Bodies up to this size go in the same write as the head.
constexpr size_t kBodyInWire = 16 * 1024;
constexpr int kProbeTimeoutMs = 1000;
constexpr int kMaxIdleWaitMs = 1000;
constexpr int kListenRetryMs = 100;
// A batch carries at most this many messages, or this many bytes unless a
// single message is larger.
constexpr size_t kBatchMaxParts = 64;
constexpr size_t kBatchMaxBytes = 256 * 1024;
// A message without a waiter, alone and with no transfer to wait behind,
// waits this long (at most a quarter of its time budget) for others to
// share its transfer: at moderate rates batches form too.
constexpr uint64_t kBatchLingerUs = 1000;
// After a node refuses a batch, messages go one by one for this long.
constexpr uint64_t kBatchRetryUs = 60 * 1000000ull;

// Statuses with which a node that does not know batches refuses one.
bool refuses_batches(long status) {
  return status == 400 || status == 404 || status == 405 || status == 413 || status == 415 ||
         status == 501;
}

// Fire-and-forget transfers: what a new one waits behind to form a batch.
bool is_async(const Slot* s) { return !s->has_ticket && !s->is_probe; }

int32_t code_from_curl(CURLcode rc, long os_errno, bool too_big) {
  switch (rc) {
    case CURLE_OPERATION_TIMEDOUT: return WALLARM_ETIMEOUT;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY: return WALLARM_ERESOLVE;
    case CURLE_COULDNT_CONNECT:
      return os_errno == ECONNREFUSED ? WALLARM_ECONNREFUSED : WALLARM_ECONNECT;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ENGINE_INITFAILED: return WALLARM_ETLS;
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE: return WALLARM_ECONNRESET;
    case CURLE_WRITE_ERROR: return too_big ? WALLARM_ETOOBIG : WALLARM_EINTERNAL;
    case CURLE_OUT_OF_MEMORY: return WALLARM_ENOMEM;
    default: return WALLARM_EPROTO;  // weird reply, HTTP/0.9, bad framing...
  }
}

}  // namespace

uint64_t now_us() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000u + static_cast<uint64_t>(ts.tv_nsec) / 1000u;
}

uint32_t fork_generation() noexcept { return g_fork_generation.load(std::memory_order_relaxed); }

int curl_socket_cb(CURL*, curl_socket_t s, int what, void* userp, void* socketp) {
  static_cast<Engine*>(userp)->on_curl_socket(s, what, socketp);
  return 0;
}

int curl_timer_cb(CURLM*, long timeout_ms, void* userp) {
  static_cast<Engine*>(userp)->on_curl_timer(timeout_ms);
  return 0;
}

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
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  later_fd_ = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  multi_ = curl_multi_init();
  if (epoll_fd_ < 0 || wake_fd_ < 0 || later_fd_ < 0 || multi_ == nullptr) {
    *err = std::string("engine: cannot create its event loop: ") + std::strerror(errno);
    return false;
  }
  curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, curl_socket_cb);
  curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, curl_timer_cb);
  curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
  // Targets cap their own in-flight count; curl must neither queue behind a
  // per-host limit nor close idle connections that are about to be reused.
  curl_multi_setopt(multi_, CURLMOPT_MAX_HOST_CONNECTIONS, 0L);
  curl_multi_setopt(multi_, CURLMOPT_MAXCONNECTS, 1L << 20);
  watch(wake_fd_, EPOLLIN, true);
  {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = kTagLater;
    epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, later_fd_, &ev);
  }
  if (notifier_.listen_fd() >= 0) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = kTagListen;
    epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, notifier_.listen_fd(), &ev);
  }
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

// ---- caller side -----------------------------------------------------------

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

// Messages without a waiter that came since the engine last looked. The
// timer is disarmed first, then marked unarmed: a message after the mark
// arms it again, and one before it is in the inbox already.
void Engine::take_later() {
  if (later_armed_.load()) {
    itimerspec off{};
    timerfd_settime(later_fd_, 0, &off, nullptr);
    later_armed_.store(false);
  }
  later_pending_.store(false);
  take_inbox();
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

// ---- engine thread ---------------------------------------------------------

void Engine::watch(int fd, uint32_t events, bool add) noexcept {
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = fd == wake_fd_ ? kTagWake : kTagCurlSocket | static_cast<uint64_t>(fd);
  epoll_ctl(epoll_fd_, add ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, &ev);
}

// A new reader replaces the old one. When accepting fails for lack of
// descriptors or memory, the listener stays readable: it is set aside for a
// while instead of spinning the loop.
void Engine::accept_reader() noexcept {
  int old = notifier_.reader_fd();
  if (old >= 0) epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, old, nullptr);
  int fd = notifier_.accept_reader();
  if (fd >= 0) {
    watch_reader(fd, false, true);  // the old reader, if any, is closed
    return;
  }
  int why = errno;
  if (old >= 0) watch_reader(old, reader_wants_out_, true);
  if (why == EAGAIN || why == EINTR || why == ECONNABORTED) return;
  epoll_event ev{};
  ev.data.u64 = kTagListen;
  epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, notifier_.listen_fd(), &ev);
  listen_rearm_us_ = now_us() + kListenRetryMs * 1000;
}

void Engine::rearm_listener() noexcept {
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kTagListen;
  epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, notifier_.listen_fd(), &ev);
  listen_rearm_us_ = 0;
}

void Engine::watch_reader(int fd, bool want_out, bool add) noexcept {
  epoll_event ev{};
  ev.events = EPOLLIN | (want_out ? EPOLLOUT : 0u);
  ev.data.u64 = kTagReader;
  epoll_ctl(epoll_fd_, add ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, &ev);
  reader_wants_out_ = want_out;
}

// Writes pending records; a reader that cannot take them all now is watched
// for writability instead of being retried on the next turn of the loop.
void Engine::flush_notifications() noexcept {
  Notifier::Flush result = notifier_.flush();
  if (result == Notifier::Flush::broken) {
    drop_reader();
    return;
  }
  bool more = result == Notifier::Flush::blocked;
  if (more != reader_wants_out_) watch_reader(notifier_.reader_fd(), more, false);
}

// Out of the epoll set first, then closed: no stale registration survives.
void Engine::drop_reader() noexcept {
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, notifier_.reader_fd(), nullptr);
  notifier_.drop_reader();
  reader_wants_out_ = false;
}

void Engine::on_curl_socket(curl_socket_t s, int what, void* socketp) noexcept {
  if (what == CURL_POLL_REMOVE) {
    epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, s, nullptr);
    curl_multi_assign(multi_, s, nullptr);
    return;
  }
  uint32_t events = 0;
  if (what & CURL_POLL_IN) events |= EPOLLIN;
  if (what & CURL_POLL_OUT) events |= EPOLLOUT;
  watch(s, events, socketp == nullptr);
  if (socketp == nullptr) curl_multi_assign(multi_, s, this);  // marks it as watched
}

void Engine::on_curl_timer(long timeout_ms) noexcept {
  curl_timer_us_ = timeout_ms < 0 ? 0 : now_us() + static_cast<uint64_t>(timeout_ms) * 1000;
}

int Engine::next_timeout_ms(uint64_t now) {
  uint64_t next = now + uint64_t{kMaxIdleWaitMs} * 1000;
  auto earlier = [&](uint64_t t) {
    if (t != 0 && t < next) next = t;
  };
  earlier(curl_timer_us_);
  earlier(flying_check_us_);
  earlier(queue_check_us_);
  earlier(linger_us_);
  earlier(listen_rearm_us_);
  {
    std::lock_guard<std::mutex> lock(targets_mu_);
    for (auto& t : targets_) earlier(t->breaker.probe_due_us());
  }
  if (next <= now) return 0;
  return static_cast<int>((next - now + 999) / 1000);
}

void Engine::run() noexcept {
  pthread_setname_np(pthread_self(), "wallarm-engine");  // as seen in top and perf
  epoll_event events[64];
  while (!stopping_.load()) {
    try {
      turn(events, 64);
    } catch (...) {
      // Out of memory mid-turn: the messages involved time out on their
      // waiters' side; the loop itself must go on.
    }
  }
  shutdown_all();
}

void Engine::turn(epoll_event* events, int max_events) {
  int n = epoll_wait(epoll_fd_, events, max_events, next_timeout_ms(now_us()));
  if (later_pending_.load()) take_later();  // whatever woke the engine
  int running = 0;
  for (int i = 0; i < n; ++i) {
    uint64_t tag = events[i].data.u64;
    if (tag == kTagWake) {
      uint64_t count;
      [[maybe_unused]] ssize_t r = ::read(wake_fd_, &count, sizeof count);
      wake_pending_.store(false);
      take_inbox();
    } else if (tag == kTagLater) {
      uint64_t count;
      [[maybe_unused]] ssize_t r = ::read(later_fd_, &count, sizeof count);
      take_later();
    } else if (tag == kTagListen) {
      accept_reader();
    } else if (tag == kTagReader) {
      if (events[i].events & EPOLLOUT) flush_notifications();
      if ((events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && notifier_.reader_fd() >= 0 &&
          !notifier_.drain_reader())
        drop_reader();
    } else if (tag & kTagCurlSocket) {
      int mask = 0;
      if (events[i].events & EPOLLIN) mask |= CURL_CSELECT_IN;
      if (events[i].events & EPOLLOUT) mask |= CURL_CSELECT_OUT;
      if (events[i].events & (EPOLLERR | EPOLLHUP)) mask |= CURL_CSELECT_ERR;
      curl_multi_socket_action(multi_, static_cast<curl_socket_t>(tag & ~kTagCurlSocket), mask,
                               &running);
      take_connects();
    } else {
      auto* c = static_cast<Connection*>(events[i].data.ptr);
      if (!c->closed()) on_connection_event(c, events[i].events);
    }
  }
  uint64_t now = now_us();
  if (curl_timer_us_ != 0 && curl_timer_us_ <= now) {
    curl_timer_us_ = 0;
    curl_multi_socket_action(multi_, CURL_SOCKET_TIMEOUT, 0, &running);
    take_connects();
  }
  now = now_us();
  if (flying_check_us_ != 0 && flying_check_us_ <= now) expire_flying(now);
  if (queue_check_us_ != 0 && queue_check_us_ <= now) expire_queued(now);
  send_probes(now);
  if (linger_us_ != 0 && linger_us_ <= now) pump_lingering();
  if (listen_rearm_us_ != 0 && listen_rearm_us_ <= now) rearm_listener();
  if (sweep_pending_.exchange(false)) sweep_targets();
  flush_notifications();
  closed_.clear();  // no event of this turn can name them any more
}

// Connections curl finished opening, or failed to.
void Engine::take_connects() {
  int queued = 0;
  while (CURLMsg* m = curl_multi_info_read(multi_, &queued)) {
    if (m->msg != CURLMSG_DONE) continue;
    Connection* c = nullptr;
    curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, reinterpret_cast<char**>(&c));
    if (c != nullptr && !c->closed()) on_connect_done(c, m->data.result);
  }
}

// The queue is checked for expired deadlines no later than the earliest one.
void Engine::note_deadline(uint64_t deadline_us) noexcept {
  if (queue_check_us_ == 0 || deadline_us < queue_check_us_) queue_check_us_ = deadline_us;
}

void Engine::take_inbox() {
  taken_.clear();
  {
    std::lock_guard<std::mutex> lock(inbox_mu_);
    taken_.swap(inbox_);
  }
  for (Slot* s : taken_) {
    // pump() may finish and free s at once: nothing of it is read after.
    Target* t = s->target;
    note_deadline(s->deadline_us);
    if (is_async(s) && s->type != WALLARM_MSG_HEALTH)
      t->batch_queue.push_back(s);
    else
      t->queue.push_back(s);
    pump(t);
  }
}

// Starts queued messages of t while it has connections to spare: those with
// a waiter first, then fire-and-forget ones. A fire-and-forget transfer on
// its way clocks the next: what arrives meanwhile waits and goes in one
// batch, unless a full batch is waiting already; with none on its way, the
// first waits a moment for company. So a busy gateway sends one transfer
// for many messages without a waiter, and a quiet one sends each about a
// millisecond late.
void Engine::pump(Target* t) {
  while (t->in_flight < t->config.max_connections) {
    if (t->queue.empty()) {
      if (t->batch_queue.empty()) return;
      uint64_t now = now_us();
      // Batches are v1's: another format sends each message alone.
      bool batching = t->batches() &&
                      (t->batch_refused_us == 0 || now - t->batch_refused_us >= kBatchRetryUs);
      if (batching && t->batch_queue.size() < kBatchMaxParts) {
        if (t->async_in_flight > 0) return;
        const Slot* first = t->batch_queue.front();
        uint64_t budget = first->deadline_us - first->submitted_us;
        uint64_t ready = first->submitted_us + std::min(kBatchLingerUs, budget / 4);
        if (now < ready) {
          if (linger_us_ == 0 || ready < linger_us_) linger_us_ = ready;
          return;
        }
      }
      if (!start_batch(t, batching ? kBatchMaxParts : 1)) return;
      continue;
    }
    Slot* s = t->queue.front();
    t->queue.pop_front();
    t->stats.queued.fetch_sub(1, std::memory_order_relaxed);
    if (s->state() == kSlotClaimed) {
      drop_claimed(s);
      continue;
    }
    if (now_us() >= s->deadline_us) {
      complete(s, WALLARM_ETIMEOUT, "deadline passed while queued for a connection");
      continue;
    }
    if (int32_t rc = finish_body(s->out); rc != WALLARM_OK) {
      complete(s, rc, rc == WALLARM_EIO ? "request body file shrank or could not be read"
                                        : "cannot rebuild the message");
      continue;
    }
    start_transfer(t, s);
  }
}

// Messages without a waiter whose moment to wait for company is over.
void Engine::pump_lingering() {
  linger_us_ = 0;  // pump() sets it again for what still waits
  std::vector<Target*> waiting;
  {
    std::lock_guard<std::mutex> lock(targets_mu_);
    for (auto& t : targets_)
      if (!t->batch_queue.empty()) waiting.push_back(t.get());
  }
  for (Target* t : waiting) pump(t);
}

// Takes up to max_parts messages from the batch queue. One goes as itself;
// more go in a batch carrier.
// False when out of memory: the queue then waits for the next turn.
bool Engine::start_batch(Target* t, size_t max_parts) {
  Slot* b = take_carrier(t);
  if (b == nullptr) return false;
  size_t bytes = 0;
  uint64_t now = now_us();
  while (!t->batch_queue.empty() && b->parts.size() < max_parts) {
    Slot* s = t->batch_queue.front();
    if (!b->parts.empty() && bytes + s->out.body.size() > kBatchMaxBytes) break;
    t->batch_queue.pop_front();
    t->stats.queued.fetch_sub(1, std::memory_order_relaxed);
    if (now >= s->deadline_us) {
      complete(s, WALLARM_ETIMEOUT, "deadline passed while queued for a connection");
      continue;
    }
    if (int32_t rc = finish_body(s->out); rc != WALLARM_OK) {
      complete(s, rc, rc == WALLARM_EIO ? "request body file shrank or could not be read"
                                        : "cannot rebuild the message");
      continue;
    }
    bytes += s->out.body.size();
    b->parts.push_back(s);  // capacity reserved: cannot throw
  }
  if (b->parts.size() <= 1) {
    Slot* single = b->parts.empty() ? nullptr : b->parts.front();
    recycle_carrier(b);
    if (single != nullptr) start_transfer(t, single);
    return true;
  }
  b->submitted_us = now;
  b->deadline_us = UINT64_MAX;
  for (Slot* s : b->parts) b->deadline_us = std::min(b->deadline_us, s->deadline_us);
  try {
    set_batch_outer(b->out, static_cast<uint32_t>(b->parts.size()), batch_tail_.outer);
    for (Slot* s : b->parts) append_batch_part(b->out.body, s->out);
  } catch (...) {
    complete(b, WALLARM_ENOMEM, "cannot build a batch");
    return true;
  }
  start_transfer(t, b);
  return true;
}

Slot* Engine::take_carrier(Target* t) {
  if (t->idle_carriers.empty()) {
    try {
      auto b = std::make_unique<Slot>();
      b->is_batch = true;
      b->target = t;
      b->parts.reserve(kBatchMaxParts);
      t->idle_carriers.reserve(t->carriers.size() + 1);
      t->carriers.push_back(std::move(b));
      t->idle_carriers.push_back(t->carriers.back().get());
    } catch (...) {
      return nullptr;
    }
  }
  Slot* b = t->idle_carriers.back();
  t->idle_carriers.pop_back();
  return b;
}

void Engine::recycle_carrier(Slot* b) noexcept {
  b->parts.clear();
  b->out.reset();
  b->out.body.shrink_if_over(kBatchMaxBytes * 2);  // after one large message
  b->target->idle_carriers.push_back(b);  // capacity reserved in take_carrier
}

void Engine::start_transfer(Target* t, Slot* s) {
  uint64_t now = now_us();
  if (now >= s->deadline_us) {  // reading a body file may have taken the rest
    complete(s, WALLARM_ETIMEOUT, "deadline passed before the message was sent");
    return;
  }
  s->resent = false;
  s->verdict.latency_us = now;  // start of the round trip, until completion
  if (!put_on_connection(t, s, take_idle(t, now), now)) {
    complete(s, WALLARM_ENOMEM, "cannot open a connection");
    return;
  }
  count_in_flight(t, s);
  if (!s->conn->connecting()) write_request(s->conn);
}

void Engine::count_in_flight(Target* t, Slot* s) noexcept {
  track(s);
  ++t->in_flight;
  if (is_async(s)) ++t->async_in_flight;
  t->stats.in_flight.fetch_add(1, std::memory_order_relaxed);
  t->stats.bump(t->stats.sent, s->is_batch ? s->parts.size() : 1);
  t->stats.bump(t->stats.bytes_sent, s->out.body.size());
  if (s->is_probe) t->stats.bump(t->stats.health_probes);
}

// Frames s on c, or on a new connection when c is null. False when out of
// memory (c is closed then).
bool Engine::put_on_connection(Target* t, Slot* s, Connection* c, uint64_t now) {
  try {
    if (c == nullptr) c = open_connection(t, s->deadline_us, now);
    if (c == nullptr) return false;
    frame_on(c, s);
    return true;
  } catch (...) {
    if (c != nullptr) close_connection(c);
    return false;
  }
}

// The request of s on c: framed, and the answer reader made ready.
void Engine::frame_on(Connection* c, Slot* s) {
  Target* t = c->target;
  c->wire.clear();
  frame_head(s->out, t->config.address, c->wire);
  c->body_in_wire = s->out.body.size() <= kBodyInWire;
  if (c->body_in_wire) c->wire.append(s->out.body.data(), s->out.body.size());
  if (c->messages > 0) t->stats.bump(t->stats.conn_reused);
  s->answer.clear();
  c->slot = s;
  s->conn = c;
  c->wire_sent = c->body_sent = 0;
  c->body_decided = false;
  c->answer.reset(s->out.method == "HEAD");
}

// The warmest idle connection that is neither too old nor idle too long.
Connection* Engine::take_idle(Target* t, uint64_t now) {
  const uint64_t max_age = uint64_t{t->config.max_conn_age_s} * 1000000;
  const uint64_t max_idle = uint64_t{t->config.idle_timeout_s} * 1000000;
  while (!t->idle.empty()) {
    Connection* c = t->idle.back();
    t->idle.pop_back();
    if (now - c->opened_us < max_age && now - c->idle_since_us < max_idle) return c;
    close_connection(c);
  }
  return nullptr;
}

Connection* Engine::open_connection(Target* t, uint64_t deadline_us, uint64_t now) {
  t->connections.reserve(t->connections.size() + 1);
  closed_.reserve(closed_.size() + t->connections.size() + 1);
  auto c = std::make_unique<Connection>(t, epoll_fd_);
  CURL* easy = t->new_handle();
  long timeout_ms = static_cast<long>((deadline_us - now + 999) / 1000);
  if (!c->connect(multi_, easy, t->config.tls, timeout_ms, now)) return nullptr;  // c frees easy
  t->connections.push_back(std::move(c));
  return t->connections.back().get();
}

void Engine::on_connect_done(Connection* c, CURLcode rc) {
  if (rc == CURLE_OK && c->on_connected()) {
    c->target->stats.bump(c->target->stats.conn_opened);
    if (c->slot != nullptr) write_request(c);
    return;
  }
  int32_t code = code_from_curl(rc == CURLE_OK ? CURLE_COULDNT_CONNECT : rc, c->os_errno(), false);
  char detail[128];
  std::snprintf(detail, sizeof detail, "%s (curl: %s)", code_message(code),
                curl_easy_strerror(rc));
  exchange_failed(c, code, detail, false);
}

// Writes what is left of the request; the rest when the socket can take it.
void Engine::write_request(Connection* c) {
  switch (write_some(c)) {
    case Connection::Write::done:
      c->want_write(false);
      break;
    case Connection::Write::partial:
      c->want_write(true);
      break;
    case Connection::Write::failed:
      exchange_failed(c, WALLARM_ECONNRESET,
                      "connection to the node reset or closed early (sending)", true);
      break;
  }
}

// Writes as much of the request as the socket takes now.
Connection::Write Engine::write_some(Connection* c) noexcept {
  const Buffer& body = c->slot->out.body;
  for (;;) {
    const char* p;
    size_t left;
    if (c->wire_sent < c->wire.size()) {
      p = c->wire.data() + c->wire_sent;
      left = c->wire.size() - c->wire_sent;
    } else if (!c->body_in_wire && c->body_sent < body.size()) {
      p = body.data() + c->body_sent;
      left = body.size() - c->body_sent;
    } else {
      return Connection::Write::done;
    }
    size_t n = 0;
    CURLcode rc = c->send(p, left, &n);
    if (rc == CURLE_AGAIN) return Connection::Write::partial;
    if (rc != CURLE_OK) return Connection::Write::failed;
    (c->wire_sent < c->wire.size() ? c->wire_sent : c->body_sent) += n;
  }
}

void Engine::on_connection_event(Connection* c, uint32_t events) {
  if (c->connecting()) return;
  if (c->slot == nullptr) {
    // Idle: the node closed it, or said something unasked. Either way it
    // cannot carry another message.
    close_connection(c);
    return;
  }
  if (events & EPOLLOUT) {
    write_request(c);
    if (c->closed()) return;
  }
  if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) read_answer(c);
}

// Reads what has arrived of the answer; completes the message at its end.
void Engine::read_answer(Connection* c) {
  char buf[16 * 1024];
  for (;;) {
    size_t got = 0;
    CURLcode rc = c->recv(buf, sizeof buf, &got);
    if (rc == CURLE_AGAIN) return;
    if (rc != CURLE_OK) {
      exchange_failed(c, WALLARM_ECONNRESET, "connection to the node reset or closed early", true);
      return;
    }
    AnswerParser& a = c->answer;
    AnswerParser::Step step;
    if (got == 0) {
      step = a.eof();
    } else {
      size_t at = 0;
      do {
        size_t used = 0;
        step = a.feed(buf + at, got - at, &used);
        at += used;
        if (a.head_done() && !c->body_decided) {
          c->body_decided = true;
          // The body is kept only where a verdict is decoded from it: a
          // request with a waiter, answered 2xx or 403. Others are read
          // and dropped, so a large error page is an ESTATUS.
          Slot* s = c->slot;
          int status = a.status();
          if (s->type == WALLARM_MSG_REQUEST && s->has_ticket && !s->is_batch &&
              (status == 403 || (status >= 200 && status <= 299)))
            a.keep_body(&s->answer, c->target->answer_limit, kJsonPadding);
        }
      } while (step == AnswerParser::Step::more && at < got);
      // Bytes after the answer are the node's mistake: the connection is
      // not used again.
      if (step == AnswerParser::Step::done) {
        exchange_done(c, a.keep_alive() && at == got);
        return;
      }
    }
    if (step == AnswerParser::Step::done) {
      exchange_done(c, false);
      return;
    }
    if (step == AnswerParser::Step::error) {
      if (a.too_big()) {
        exchange_failed(c, WALLARM_ETOOBIG, "node answer body over the answer limit", false);
      } else if (got == 0) {
        exchange_failed(c, WALLARM_ECONNRESET, a.error(), true);
      } else {
        char detail[128];
        std::snprintf(detail, sizeof detail, "node answer is not valid HTTP/1.x: %s", a.error());
        exchange_failed(c, WALLARM_EPROTO, detail, false);
      }
      return;
    }
    if (got == 0) return;  // cannot happen: eof() is done or error
  }
}

// Takes the message off c (still counted in flight).
Slot* Engine::detach(Connection* c) noexcept {
  Slot* s = c->slot;
  c->slot = nullptr;
  if (s != nullptr) s->conn = nullptr;
  return s;
}

void Engine::close_connection(Connection* c) noexcept {
  Target* t = c->target;
  detach(c);
  c->close();
  auto idle = std::find(t->idle.begin(), t->idle.end(), c);
  if (idle != t->idle.end()) t->idle.erase(idle);
  for (auto& owned : t->connections) {
    if (owned.get() != c) continue;
    closed_.push_back(std::move(owned));  // capacity reserved when it opened
    owned = std::move(t->connections.back());
    t->connections.pop_back();
    break;
  }
}

// The message on c failed. A kept-alive connection the node closed before
// answering anything gets the message again, once, on a new connection (an
// idle one may be closing too): a node may close an idle connection just
// as it is reused.
void Engine::exchange_failed(Connection* c, int32_t code, const char* detail, bool may_resend) {
  Target* t = c->target;
  Slot* s = c->slot;
  bool reused = c->messages > 0;
  bool answered = c->answer.started();
  close_connection(c);
  if (s == nullptr) return;
  uint64_t now = now_us();
  if (may_resend && reused && !answered && !s->resent && now < s->deadline_us) {
    s->resent = true;
    if (put_on_connection(t, s, nullptr, now)) {
      if (!s->conn->connecting()) write_request(s->conn);
      return;
    }
  }
  untrack(s);
  --t->in_flight;
  if (is_async(s)) --t->async_in_flight;
  t->stats.in_flight.fetch_sub(1, std::memory_order_relaxed);
  complete(s, code, detail, /*from_node=*/true);
  pump(t);
}

// The node answered the message on c; c can carry another when reusable.
void Engine::exchange_done(Connection* c, bool reusable) {
  Target* t = c->target;
  long status = c->answer.status();
  Slot* s = detach(c);
  if (reusable) {
    ++c->messages;
    c->idle_since_us = now_us();
    c->want_write(false);
    t->idle.push_back(c);  // capacity: at most as many as connections
  } else {
    close_connection(c);
  }
  untrack(s);
  --t->in_flight;
  if (is_async(s)) --t->async_in_flight;
  t->stats.in_flight.fetch_sub(1, std::memory_order_relaxed);
  uint64_t now = now_us();
  t->stats.record_latency(now - s->verdict.latency_us);
  s->verdict.latency_us = now - s->submitted_us;
  s->verdict.http_status = static_cast<int32_t>(status);
  on_answer(s, status);
  pump(t);
}

void Engine::on_answer(Slot* s, long status) {
  Target* t = s->target;
  if (s->is_batch) {
    on_batch_done(s, status);
  } else if (s->type == WALLARM_MSG_REQUEST && s->has_ticket) {
    decode_verdict(static_cast<int>(status), s->answer.data(), s->answer.size(),
                   s->answer.capacity(), parser_, s->verdict);
    if (s->verdict.flags & WALLARM_VERDICT_BODY_INVALID) t->stats.bump(t->stats.body_invalid);
    complete(s, s->verdict.code, s->verdict.detail, true);
  } else if (s->out.only_200 ? status == 200 : status == 403 || (status >= 200 && status <= 299)) {
    complete(s, WALLARM_OK, nullptr, true);
  } else {
    char detail[64];
    std::snprintf(detail, sizeof detail, "node answered HTTP %ld", status);
    complete(s, WALLARM_ESTATUS, detail, true);
  }
}

// Messages on a connection past their deadline fail; their connections
// close, as an answer may still come on them.
void Engine::expire_flying(uint64_t now) {
  uint64_t next = 0;
  for (size_t i = 0; i < flying_.size();) {
    Slot* s = flying_[i];
    if (s->deadline_us > now) {
      if (next == 0 || s->deadline_us < next) next = s->deadline_us;
      ++i;
      continue;
    }
    // Fails s and takes it out of flying_ (the last one moves to i).
    exchange_failed(s->conn, WALLARM_ETIMEOUT,
                    "node did not answer within the deadline", false);
  }
  flying_check_us_ = next;
}

// A batch the node answered. A node that does not know batches refuses
// them: its messages go again one by one, and batches wait a while.
void Engine::on_batch_done(Slot* b, long status) {
  Target* t = b->target;
  if (status == 403 || (status >= 200 && status <= 299)) {
    complete(b, WALLARM_OK, nullptr, true);
  } else if (refuses_batches(status)) {
    t->batch_refused_us = now_us();
    t->stats.queued.fetch_add(b->parts.size(), std::memory_order_relaxed);
    for (auto it = b->parts.rbegin(); it != b->parts.rend(); ++it) {
      note_deadline((*it)->deadline_us);
      t->batch_queue.push_front(*it);
    }
    recycle_carrier(b);
  } else {
    char detail[64];
    std::snprintf(detail, sizeof detail, "node answered HTTP %ld to a batch", status);
    complete(b, WALLARM_ESTATUS, detail, true);
  }
}

// Records the outcome of s (the verdict is already decoded when code is OK
// for a request with a ticket), updates counters and the breaker, and hands
// the slot back or to its waiter. A batch counts once for the breaker and
// gives its outcome to each of its messages.
void Engine::complete(Slot* s, int32_t code, const char* detail, bool from_node) {
  judge_node(s->target, s->is_probe, code, from_node);
  if (!s->is_batch) {
    settle_message(s, code, detail);
    return;
  }
  for (Slot* part : s->parts) settle_message(part, code, detail);
  recycle_carrier(s);
}

// Only what a transfer to the node gave (from_node) moves the breaker: a
// deadline spent queued behind our own connection limit, a local error or a
// shutdown says nothing of the node.
void Engine::judge_node(Target* t, bool probe, int32_t code, bool from_node) {
  uint64_t now = now_us();
  if (code == WALLARM_ENOMEM || code == WALLARM_EINTERNAL) from_node = false;
  if (probe) {
    if (from_node)
      t->breaker.probe_done(code == WALLARM_OK, now);
    else
      t->breaker.probe_lost(now);  // never reached the node: try again, same back-off
  } else if (from_node && code == WALLARM_OK) {
    t->breaker.on_success();
  } else if (from_node && t->breaker.on_failure(now)) {
    t->stats.bump(t->stats.breaker_trips);
  }
}

void Engine::settle_message(Slot* s, int32_t code, const char* detail) {
  Target* t = s->target;
  if (code != WALLARM_OK) {
    char why[sizeof s->verdict.detail];  // detail may point into the verdict it overwrites
    std::snprintf(why, sizeof why, "%s", detail != nullptr ? detail : code_message(code));
    s->verdict.latency_us = now_us() - s->submitted_us;
    fail_verdict(code, why, s->verdict);
  }
  if (code != WALLARM_OK && !s->is_probe) {
    count_error(t->stats, code);
  } else if (code == WALLARM_OK && !s->is_probe) {
    if (!s->has_ticket)
      t->stats.bump(t->stats.async_sent);
    else if (s->type == WALLARM_MSG_REQUEST)
      t->stats.bump(s->verdict.action == WALLARM_BLOCK ? t->stats.blocked : t->stats.passed);
    else
      t->stats.bump(t->stats.async_sent);
  }
  finish(s);
}

// A queued message whose waiter gave up: nothing to send, nothing to tell.
void Engine::drop_claimed(Slot* s) {
  Target* t = s->target;
  t->stats.bump(t->stats.abandoned);
  slots_.release(s);
  settle(t, false);
}

void Engine::finish(Slot* s) {
  Target* t = s->target;
  bool probe = s->is_probe;
  if (probe) {
    s->out.reset();  // the target's own probe slot: not the table's
    s->is_probe = false;
  } else if (!s->has_ticket) {
    slots_.release(s);
  } else {
    uint64_t ticket = s->ticket();
    int32_t code = s->verdict.code;
    if (s->move(s->generation(), kSlotPending, kSlotDone)) {
      notifier_.push(ticket, code);
      std::lock_guard<std::mutex> lock(sync_mu_);
      sync_cv_.notify_all();
    } else {
      t->stats.bump(t->stats.abandoned);
      slots_.release(s);  // abandoned by its waiter
    }
  }
  settle(t, probe);
}

// One message of t is over; a released target with none left can go.
void Engine::settle(Target* t, bool probe) noexcept {
  bool idle = probe ? t->pending.load() == 0
                    : t->pending.fetch_sub(1, std::memory_order_acq_rel) == 1;
  if (idle && t->released.load()) sweep_pending_.store(true);
}

void Engine::expire_queued(uint64_t now) {
  uint64_t next = 0;
  std::vector<Target*> touched;
  {
    std::lock_guard<std::mutex> lock(targets_mu_);
    for (auto& t : targets_) touched.push_back(t.get());
  }
  auto expire = [&](std::deque<Slot*>& queue) {
    for (auto it = queue.begin(); it != queue.end();) {
      Slot* s = *it;
      if (s->deadline_us <= now || s->state() == kSlotClaimed) {
        it = queue.erase(it);
        s->target->stats.queued.fetch_sub(1, std::memory_order_relaxed);
        if (s->state() == kSlotClaimed)
          drop_claimed(s);
        else
          complete(s, WALLARM_ETIMEOUT, "deadline passed while queued for a connection");
      } else {
        if (next == 0 || s->deadline_us < next) next = s->deadline_us;
        ++it;
      }
    }
  };
  for (Target* t : touched) {
    expire(t->queue);
    expire(t->batch_queue);
  }
  queue_check_us_ = next;
}

void Engine::send_probes(uint64_t now) {
  std::vector<Target*> due;
  {
    std::lock_guard<std::mutex> lock(targets_mu_);
    for (auto& t : targets_) {
      uint64_t at = t->breaker.probe_due_us();
      // A released target is not probed: nobody will send to it again.
      if (at != 0 && at <= now && !t->released.load()) due.push_back(t.get());
    }
  }
  for (Target* t : due) {
    // Each target has its own probe slot, outside max_pending, so a probe
    // is never stuck behind a full table, and never more than one is out.
    Slot* s = &t->probe;
    wallarm_message_t health{};
    health.type = WALLARM_MSG_HEALTH;
    const char* err = nullptr;
    try {
      if (encode(health, encode_options(*t, 0, WALLARM_MSG_HEALTH), s->out, &err) != WALLARM_OK)
        throw 0;
    } catch (...) {
      t->breaker.probe_lost(now);
      continue;
    }
    s->target = t;
    s->type = WALLARM_MSG_HEALTH;
    s->is_probe = true;
    s->has_ticket = false;
    s->submitted_us = now;
    s->deadline_us = now + uint64_t{kProbeTimeoutMs} * 1000;
    std::memset(&s->verdict, 0, sizeof s->verdict);
    t->breaker.probe_sent();
    t->queue.push_front(s);
    t->stats.queued.fetch_add(1, std::memory_order_relaxed);
    note_deadline(s->deadline_us);
    pump(t);
  }
}

void Engine::sweep_targets() {
  std::lock_guard<std::mutex> lock(targets_mu_);
  for (auto it = targets_.begin(); it != targets_.end();) {
    Target* t = it->get();
    if (t->released.load() && t->pending.load() == 0 && t->in_flight == 0 && t->queue.empty() &&
        t->batch_queue.empty()) {
      retired_.absorb(t->stats);
      it = targets_.erase(it);
    } else {
      ++it;
    }
  }
}

void Engine::shutdown_all() {
  {
    std::lock_guard<std::mutex> lock(inbox_mu_);
    taken_.swap(inbox_);
  }
  for (Slot* s : taken_) {
    s->target->stats.queued.fetch_sub(1, std::memory_order_relaxed);
    complete(s, WALLARM_ESHUTDOWN, nullptr);
  }
  taken_.clear();
  // Messages still on a connection are detached and failed.
  while (!flying_.empty()) {
    Slot* s = flying_.back();
    untrack(s);
    close_connection(s->conn);
    --s->target->in_flight;
    if (is_async(s)) --s->target->async_in_flight;
    s->target->stats.in_flight.fetch_sub(1, std::memory_order_relaxed);
    complete(s, WALLARM_ESHUTDOWN, nullptr);
  }
  std::lock_guard<std::mutex> lock(targets_mu_);
  for (auto& t : targets_) {
    for (std::deque<Slot*>* queue : {&t->queue, &t->batch_queue}) {
      while (!queue->empty()) {
        Slot* s = queue->front();
        queue->pop_front();
        t->stats.queued.fetch_sub(1, std::memory_order_relaxed);
        complete(s, WALLARM_ESHUTDOWN, nullptr);
      }
    }
  }
  notifier_.flush();
}

void Engine::track(Slot* s) {
  s->flying_index = flying_.size();
  flying_.push_back(s);
  if (flying_check_us_ == 0 || s->deadline_us < flying_check_us_)
    flying_check_us_ = s->deadline_us;
}

void Engine::untrack(Slot* s) noexcept {
  Slot* last = flying_.back();
  flying_[s->flying_index] = last;
  last->flying_index = s->flying_index;
  flying_.pop_back();
}

}  // namespace wallarm
