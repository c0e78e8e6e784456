// The engine thread's loop: epoll, its timers, the notification reader,
// curl's sockets while it connects, taking submissions, and stopping.
#include "engine.h"

#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>

namespace wallarm {
namespace {

// What an epoll event names: one of these, a socket curl watches while it
// connects (kTagCurlSocket and the descriptor), or a Connection's address.
constexpr uint64_t kTagWake = 1ull << 62;
constexpr uint64_t kTagListen = (1ull << 62) + 1;
constexpr uint64_t kTagReader = (1ull << 62) + 2;
constexpr uint64_t kTagLater = (1ull << 62) + 3;
constexpr uint64_t kTagCurlSocket = 1ull << 63;
constexpr int kMaxIdleWaitMs = 1000;
constexpr int kListenRetryMs = 100;

}  // namespace

int curl_socket_cb(CURL*, curl_socket_t s, int what, void* userp, void* socketp) {
  static_cast<Engine*>(userp)->on_curl_socket(s, what, socketp);
  return 0;
}

int curl_timer_cb(CURLM*, long timeout_ms, void* userp) {
  static_cast<Engine*>(userp)->on_curl_timer(timeout_ms);
  return 0;
}

// The epoll set, the wake-up eventfd, the timer for messages without a
// waiter and curl's multi handle, each registered in the set.
bool Engine::open_loop(std::string* err) {
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
  return true;
}

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

void Engine::take_inbox() {
  taken_.clear();
  {
    std::lock_guard<std::mutex> lock(inbox_mu_);
    taken_.swap(inbox_);
  }
  for (Slot* s : taken_) {
    // pump() may complete and free s at once: nothing of it is read after.
    Target* t = s->target;
    note_deadline(s->deadline_us);
    if (s->fire_and_forget() && s->type != WALLARM_MSG_HEALTH)
      t->batch_queue.push_back(s);
    else
      t->queue.push_back(s);
    pump(t);
  }
}

// The queue is checked for expired deadlines no later than the earliest one.
void Engine::note_deadline(uint64_t deadline_us) noexcept {
  if (queue_check_us_ == 0 || deadline_us < queue_check_us_) queue_check_us_ = deadline_us;
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
    if (s->fire_and_forget()) --s->target->async_in_flight;
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

}  // namespace wallarm
