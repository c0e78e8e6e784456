#pragma once
// Counters of one target (and, summed, of an engine), updated with relaxed
// atomics from the engine thread and from submitting threads.
#include <atomic>
#include <cstdint>

#include "wallarm.h"

// The plain counters of wallarm_stats_t, in its order.
#define WALLARM_STAT_COUNTERS(X)                                                        \
  X(submitted) X(sent) X(passed) X(blocked) X(async_sent) X(health_probes) X(err_timeout) \
  X(err_refused) X(err_connect) X(err_tls) X(err_reset) X(err_proto) X(err_status)        \
  X(err_io) X(unavailable) X(dropped) X(abandoned) X(body_invalid) X(truncated)           \
  X(escaped) X(reshaped) X(breaker_trips) X(conn_opened) X(conn_reused) X(bytes_sent) X(notify_dropped)

namespace wallarm {

inline constexpr int kLatencyBuckets = WALLARM_LATENCY_BUCKETS;

// Upper bounds (µs) of the latency buckets; the last one is +Inf.
uint64_t latency_bucket_le_us(uint32_t i) noexcept;

struct Stats {
#define WALLARM_STAT_FIELD(name) std::atomic<uint64_t> name{0};
  WALLARM_STAT_COUNTERS(WALLARM_STAT_FIELD)
#undef WALLARM_STAT_FIELD
  std::atomic<int64_t> in_flight{0};
  std::atomic<int64_t> queued{0};
  std::atomic<uint64_t> latency_count{0};
  std::atomic<uint64_t> latency_sum_us{0};
  std::atomic<uint64_t> latency_bucket[kLatencyBuckets] = {};

  void bump(std::atomic<uint64_t>& counter, uint64_t by = 1) noexcept {
    counter.fetch_add(by, std::memory_order_relaxed);
  }
  void record_latency(uint64_t us) noexcept;
  // Adds every counter and gauge into out (breaker_state is left alone).
  void add_to(wallarm_stats_t& out) const noexcept;
  // Adds the counters (not the gauges) of other into this.
  void absorb(const Stats& other) noexcept;
};

// Counts one failed message under the counter of its code.
void count_error(Stats& stats, int32_t code) noexcept;

}  // namespace wallarm
