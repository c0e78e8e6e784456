// What each target sends next: its queues (messages with a waiter first),
// v1 batches of messages without one, and deadlines spent queued.
#include "engine.h"

#include <algorithm>
#include <cstdio>
#include <mutex>

#include "formats.h"
#include "verdict.h"

namespace wallarm {
namespace {

// A batch carries at most this many messages, or this many bytes unless a
// single message is larger.
constexpr size_t kBatchMaxParts = 64;
constexpr size_t kBatchMaxBytes = 256 * 1024;
// After a node refuses a batch, messages go one by one for this long.
constexpr uint64_t kBatchRetryUs = 60 * 1000000ull;

// Statuses with which a node that does not know batches refuses one.
bool refuses_batches(long status) {
  return status == 400 || status == 404 || status == 405 || status == 413 || status == 415 ||
         status == 501;
}

}  // namespace

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
      drop_abandoned(s);
      continue;
    }
    if (ready_to_send(s, now_us())) start_transfer(t, s);
  }
}

// A message taken off its queue can go when its deadline has not passed
// and its body is whole (one in a file is read now); otherwise it completes
// with the reason.
bool Engine::ready_to_send(Slot* s, uint64_t now) {
  if (now >= s->deadline_us) {
    complete(s, WALLARM_ETIMEOUT, "deadline passed while queued for a connection");
    return false;
  }
  if (int32_t rc = finish_body(s->out); rc != WALLARM_OK) {
    complete(s, rc, rc == WALLARM_EIO ? "request body file shrank or could not be read"
                                      : "cannot rebuild the message");
    return false;
  }
  return true;
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
    if (!ready_to_send(s, now)) continue;
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

// A batch the node answered. A node that does not know batches refuses
// them: its messages go again one by one, and batches wait a while.
void Engine::on_batch_answer(Slot* b, long status) {
  Target* t = b->target;
  if (node_took(status)) {
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
          drop_abandoned(s);
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

}  // namespace wallarm
