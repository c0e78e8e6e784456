#pragma once
// The engine: one thread per process that owns every connection to the
// nodes (opened by curl's multi handle, then driven by its own epoll loop),
// the pending-message slots and the notification socket. Callers only
// serialize, enqueue and collect.
//
// Its methods live in one file per job:
//   engine.cpp            life (create, start, stop) and the callers' side
//   engine_loop.cpp       the thread's epoll loop, timers, notifications
//   engine_queue.cpp      per-target queues, v1 batches, queued deadlines
//   engine_transfer.cpp   one message on one connection, answer included
//   engine_completion.cpp verdicts, counters, the breaker and its probes
#include <curl/curl.h>
#include <simdjson.h>
#include <sys/epoll.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "connection.h"
#include "message.h"
#include "notify.h"
#include "slots.h"
#include "stats.h"
#include "target.h"
#include "wallarm.h"

namespace wallarm {

uint64_t now_us() noexcept;
// Bumped in every forked child, so an engine can tell it was inherited.
uint32_t fork_generation() noexcept;

class Engine {
 public:
  static int32_t create(const wallarm_engine_config_t& cfg, std::unique_ptr<Engine>* out,
                        std::string* err);
  ~Engine();

  bool forked() const noexcept { return fork_generation_ != fork_generation(); }
  const std::string& socket_path() const noexcept { return notifier_.path(); }

  int32_t add_target(const wallarm_target_config_t& cfg, Target** out, std::string* err);
  void release_target(Target* target) noexcept;

  int32_t submit(Target* target, const wallarm_message_t& msg, uint32_t flags,
                 uint32_t timeout_ms, uint64_t* ticket, const char** err);
  int32_t result(uint64_t ticket, wallarm_verdict_t* out) noexcept;
  int32_t release(uint64_t ticket) noexcept;
  int32_t inspect(Target* target, const wallarm_message_t& msg, uint32_t timeout_ms,
                  wallarm_verdict_t* out, const char** err);
  void stats(wallarm_stats_t& out);
  EncodeOptions encode_options(const Target& t, uint32_t flags, int32_t type) const noexcept;

 private:
  // A message without a waiter, alone and with no transfer to wait behind,
  // waits this long (at most a quarter of its time budget) for others to
  // share its transfer: at moderate rates batches form too.
  static constexpr uint64_t kBatchLingerUs = 1000;

  Engine(const wallarm_engine_config_t& cfg);
  bool start(std::string* err);
  bool open_loop(std::string* err);

  void wake() noexcept;
  void signal_wake() noexcept;
  void arm_later(uint64_t after_us) noexcept;

  // Engine thread: the loop (engine_loop.cpp).
  void run() noexcept;
  void turn(epoll_event* events, int max_events);
  int next_timeout_ms(uint64_t now);
  void watch(int fd, uint32_t events, bool add) noexcept;
  void accept_reader() noexcept;
  void rearm_listener() noexcept;
  void watch_reader(int fd, bool want_out, bool add) noexcept;
  void flush_notifications() noexcept;
  void drop_reader() noexcept;
  void on_curl_socket(curl_socket_t s, int what, void* socketp) noexcept;
  void on_curl_timer(long timeout_ms) noexcept;
  void take_connects();
  void take_inbox();
  void take_later();
  void note_deadline(uint64_t deadline_us) noexcept;
  void sweep_targets();
  void shutdown_all();
  friend int curl_socket_cb(CURL*, curl_socket_t, int, void*, void*);
  friend int curl_timer_cb(CURLM*, long, void*);

  // Queues and batches (engine_queue.cpp).
  void pump(Target* t);
  void pump_lingering();
  bool ready_to_send(Slot* s, uint64_t now);
  bool start_batch(Target* t, size_t max_parts);
  Slot* take_carrier(Target* t);
  void recycle_carrier(Slot* b) noexcept;
  void on_batch_answer(Slot* b, long status);
  void expire_queued(uint64_t now);

  // One message on one connection (engine_transfer.cpp).
  void start_transfer(Target* t, Slot* s);
  void count_in_flight(Target* t, Slot* s) noexcept;
  bool put_on_connection(Target* t, Slot* s, Connection* c, uint64_t now);
  void frame_on(Connection* c, Slot* s);
  Connection* take_idle(Target* t, uint64_t now);
  Connection* open_connection(Target* t, uint64_t deadline_us, uint64_t now);
  void on_connect_done(Connection* c, CURLcode rc);
  void write_request(Connection* c);
  Connection::Write write_some(Connection* c) noexcept;
  void on_connection_event(Connection* c, uint32_t events);
  void read_answer(Connection* c);
  void exchange_failed(Connection* c, int32_t code, const char* detail, bool may_resend);
  void exchange_done(Connection* c, bool reusable);
  Slot* detach(Connection* c) noexcept;
  void close_connection(Connection* c) noexcept;
  void expire_flying(uint64_t now);
  void track(Slot* s);
  void untrack(Slot* s) noexcept;

  // Outcomes (engine_completion.cpp). complete() takes a transfer's
  // outcome: update_breaker() once, then record_outcome() for each of its
  // messages, which fills the verdict and counters and calls hand_over():
  // the slot to its waiter, or back to the table; count_done() then tells
  // whether a released target is idle.
  void on_answer(Slot* s, long status);
  void complete(Slot* s, int32_t code, const char* detail, bool from_node = false);
  void update_breaker(Target* t, bool probe, int32_t code, bool from_node);
  void record_outcome(Slot* s, int32_t code, const char* detail);
  void drop_abandoned(Slot* s);
  void hand_over(Slot* s);
  void count_done(Target* t, bool probe) noexcept;
  void send_probes(uint64_t now);

  const uint32_t fork_generation_;
  const uint32_t answer_limit_;
  const std::string connector_;
  SlotTable slots_;
  Notifier notifier_;
  Outgoing v1_tail_;     // outer lines every v1 message shares
  Outgoing batch_tail_;  // the same, for batches
  Outgoing shape_tail_;  // the same, for mirror and multipart messages

  // Submissions waiting for the engine thread.
  std::mutex inbox_mu_;
  std::vector<Slot*> inbox_;
  std::atomic<bool> wake_pending_{false};
  std::atomic<bool> later_pending_{false};  // the inbox holds messages without a waiter
  std::atomic<bool> later_armed_{false};    // later_fd_ will fire for them
  std::atomic<bool> sweep_pending_{false};
  std::atomic<bool> stopping_{false};

  // Targets: added by callers, removed by the engine once released and idle.
  std::mutex targets_mu_;
  std::vector<std::unique_ptr<Target>> targets_;
  Stats retired_;  // counters of removed targets

  // wallarm_inspect() waiters.
  std::mutex sync_mu_;
  std::condition_variable sync_cv_;

  // Engine thread state.
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  int later_fd_ = -1;  // timerfd: messages without a waiter go when it fires
  CURLM* multi_ = nullptr;
  uint64_t curl_timer_us_ = 0;    // 0 = none
  uint64_t flying_check_us_ = 0;  // earliest deadline on a connection; 0 = none
  uint64_t queue_check_us_ = 0;   // earliest queued deadline; 0 = none
  uint64_t linger_us_ = 0;        // a lone message without a waiter goes then; 0 = none
  bool reader_wants_out_ = false; // reader watched for writability
  uint64_t listen_rearm_us_ = 0;  // listener set aside until then; 0 = watched
  std::vector<Slot*> taken_;      // inbox swapped out, reused
  std::vector<Slot*> flying_;     // on a connection now
  std::vector<std::unique_ptr<Connection>> closed_;  // freed after this turn's events
  simdjson::ondemand::parser parser_;
  std::thread thread_;
};

}  // namespace wallarm
