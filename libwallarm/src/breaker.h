#pragma once
// Circuit breaker of one target: after `failures` consecutive failures it
// opens for a back-off (doubling up to a cap), then the engine sends one
// health probe; a good answer closes it, a bad one reopens it.
#include <atomic>
#include <cstdint>

#include "wallarm.h"

namespace wallarm {

class Breaker {
 public:
  Breaker(uint32_t failures, uint32_t backoff_ms, uint32_t backoff_max_ms) noexcept
      : threshold_(failures), backoff_first_us_(uint64_t{backoff_ms} * 1000),
        backoff_max_us_(uint64_t{backoff_max_ms} * 1000), backoff_us_(backoff_first_us_) {}

  // Any thread: may a message be sent now?
  bool closed() const noexcept { return state() == WALLARM_BREAKER_CLOSED; }
  int32_t state() const noexcept { return state_.load(std::memory_order_acquire); }

  // Engine thread only, below.
  void on_success() noexcept;
  // Returns true when this failure opened the breaker.
  bool on_failure(uint64_t now_us) noexcept;
  // Time at which a probe is due, or 0 when none is.
  uint64_t probe_due_us() const noexcept {
    return state() == WALLARM_BREAKER_OPEN ? open_until_us_ : 0;
  }
  void probe_sent() noexcept { state_.store(WALLARM_BREAKER_PROBING, std::memory_order_release); }
  void probe_done(bool healthy, uint64_t now_us) noexcept;
  // The probe never reached the node (queued past its deadline, no memory):
  // send another after the current back-off, without doubling it.
  void probe_lost(uint64_t now_us) noexcept;

 private:
  void open(uint64_t now_us) noexcept;

  const uint32_t threshold_;
  const uint64_t backoff_first_us_;
  const uint64_t backoff_max_us_;
  std::atomic<int32_t> state_{WALLARM_BREAKER_CLOSED};
  uint32_t consecutive_ = 0;
  uint64_t backoff_us_;
  uint64_t open_until_us_ = 0;
};

}  // namespace wallarm
