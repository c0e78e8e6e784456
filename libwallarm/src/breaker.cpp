#include "breaker.h"

namespace wallarm {

void Breaker::on_success() noexcept {
  consecutive_ = 0;
  // A late answer to a message sent before the breaker opened also shows the
  // node is back.
  if (state() != WALLARM_BREAKER_CLOSED) {
    backoff_us_ = backoff_first_us_;
    state_.store(WALLARM_BREAKER_CLOSED, std::memory_order_release);
  }
}

bool Breaker::on_failure(uint64_t now_us) noexcept {
  if (threshold_ == 0 || state() != WALLARM_BREAKER_CLOSED) return false;
  if (++consecutive_ < threshold_) return false;
  open(now_us);
  return true;
}

void Breaker::probe_done(bool healthy, uint64_t now_us) noexcept {
  if (state() == WALLARM_BREAKER_CLOSED) return;  // a late answer closed it already
  if (healthy) {
    on_success();
    return;
  }
  backoff_us_ = backoff_us_ * 2 < backoff_max_us_ ? backoff_us_ * 2 : backoff_max_us_;
  open(now_us);
}

void Breaker::probe_lost(uint64_t now_us) noexcept {
  if (state() == WALLARM_BREAKER_CLOSED) return;
  open(now_us);
}

void Breaker::open(uint64_t now_us) noexcept {
  consecutive_ = 0;
  open_until_us_ = now_us + backoff_us_;
  state_.store(WALLARM_BREAKER_OPEN, std::memory_order_release);
}

}  // namespace wallarm
