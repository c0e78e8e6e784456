// Outcomes: the verdict decoded from an answer, counters, the breaker and
// its health probes, and each slot handed to its waiter or freed.
#include "engine.h"

#include <cstdio>
#include <cstring>
#include <mutex>

#include "codes.h"
#include "formats.h"
#include "verdict.h"

namespace wallarm {
namespace {

constexpr int kProbeTimeoutMs = 1000;

}  // namespace

void Engine::on_answer(Slot* s, long status) {
  Target* t = s->target;
  if (s->is_batch) {
    on_batch_answer(s, status);
  } else if (s->type == WALLARM_MSG_REQUEST && s->has_ticket) {
    decode_verdict(static_cast<int>(status), s->answer.data(), s->answer.size(),
                   s->answer.capacity(), parser_, s->verdict);
    if (s->verdict.flags & WALLARM_VERDICT_BODY_INVALID) t->stats.bump(t->stats.body_invalid);
    complete(s, s->verdict.code, s->verdict.detail, true);
  } else if (s->out.only_200 ? status == 200 : node_took(status)) {
    complete(s, WALLARM_OK, nullptr, true);
  } else {
    char detail[64];
    std::snprintf(detail, sizeof detail, "node answered HTTP %ld", status);
    complete(s, WALLARM_ESTATUS, detail, true);
  }
}

// Records the outcome of s (the verdict is already decoded when code is OK
// for a request with a ticket), updates counters and the breaker, and hands
// the slot back or to its waiter. A batch counts once for the breaker and
// gives its outcome to each of its messages.
void Engine::complete(Slot* s, int32_t code, const char* detail, bool from_node) {
  update_breaker(s->target, s->is_probe, code, from_node);
  if (!s->is_batch) {
    record_outcome(s, code, detail);
    return;
  }
  for (Slot* part : s->parts) record_outcome(part, code, detail);
  recycle_carrier(s);
}

// Only what a transfer to the node gave (from_node) moves the breaker: a
// deadline spent queued behind our own connection limit, a local error or a
// shutdown says nothing of the node.
void Engine::update_breaker(Target* t, bool probe, int32_t code, bool from_node) {
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

void Engine::record_outcome(Slot* s, int32_t code, const char* detail) {
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
  hand_over(s);
}

// A queued message whose waiter gave up: nothing to send, nothing to tell.
void Engine::drop_abandoned(Slot* s) {
  Target* t = s->target;
  t->stats.bump(t->stats.abandoned);
  slots_.release(s);
  count_done(t, false);
}

void Engine::hand_over(Slot* s) {
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
  count_done(t, probe);
}

// One message of t is over; a released target with none left can go.
void Engine::count_done(Target* t, bool probe) noexcept {
  bool idle = probe ? t->pending.load() == 0
                    : t->pending.fetch_sub(1, std::memory_order_acq_rel) == 1;
  if (idle && t->released.load()) sweep_pending_.store(true);
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

}  // namespace wallarm
