#include "stats.h"

#include <cstddef>
#include <limits>

namespace wallarm {
namespace {

constexpr uint64_t kBounds[kLatencyBuckets] = {
    250,    500,    1000,    2500,    5000,    10000, 25000, 50000, 100000, 250000,
    500000, 1000000, 2500000, std::numeric_limits<uint64_t>::max()};

// The counters are laid out in wallarm_stats_t as in WALLARM_STAT_COUNTERS.
#define WALLARM_STAT_OFFSET(name) offsetof(wallarm_stats_t, name),
constexpr size_t kOffsets[] = {WALLARM_STAT_COUNTERS(WALLARM_STAT_OFFSET)};
#undef WALLARM_STAT_OFFSET
constexpr bool counters_in_header_order() {
  for (size_t i = 0; i < sizeof kOffsets / sizeof kOffsets[0]; ++i)
    if (kOffsets[i] != kOffsets[0] + i * sizeof(uint64_t)) return false;
  return true;
}
static_assert(counters_in_header_order(), "WALLARM_STAT_COUNTERS must follow wallarm_stats_t");
// ...from the first field after the header to the first gauge, leaving none out.
static_assert(kOffsets[0] == offsetof(wallarm_stats_t, reserved) + sizeof(uint32_t));
static_assert(offsetof(wallarm_stats_t, in_flight) ==
              kOffsets[0] + sizeof kOffsets / sizeof kOffsets[0] * sizeof(uint64_t));
static_assert(sizeof(wallarm_stats_t) ==
              offsetof(wallarm_stats_t, latency_bucket) + kLatencyBuckets * sizeof(uint64_t));

}  // namespace

uint64_t latency_bucket_le_us(uint32_t i) noexcept {
  return i < static_cast<uint32_t>(kLatencyBuckets) ? kBounds[i] : 0;
}

void Stats::record_latency(uint64_t us) noexcept {
  int i = 0;
  while (us > kBounds[i]) ++i;  // the last bound is UINT64_MAX
  latency_bucket[i].fetch_add(1, std::memory_order_relaxed);
  latency_count.fetch_add(1, std::memory_order_relaxed);
  latency_sum_us.fetch_add(us, std::memory_order_relaxed);
}

void Stats::add_to(wallarm_stats_t& out) const noexcept {
  auto load = [](const std::atomic<uint64_t>& a) { return a.load(std::memory_order_relaxed); };
#define WALLARM_STAT_ADD(name) out.name += load(name);
  WALLARM_STAT_COUNTERS(WALLARM_STAT_ADD)
#undef WALLARM_STAT_ADD
  int64_t flying = in_flight.load(std::memory_order_relaxed);
  int64_t waiting = queued.load(std::memory_order_relaxed);
  out.in_flight += flying > 0 ? static_cast<uint64_t>(flying) : 0;
  out.queued += waiting > 0 ? static_cast<uint64_t>(waiting) : 0;
  out.latency_count += load(latency_count);
  out.latency_sum_us += load(latency_sum_us);
  for (int i = 0; i < kLatencyBuckets; ++i) out.latency_bucket[i] += load(latency_bucket[i]);
}

void Stats::absorb(const Stats& other) noexcept {
  auto move = [](std::atomic<uint64_t>& to, const std::atomic<uint64_t>& from) {
    to.fetch_add(from.load(std::memory_order_relaxed), std::memory_order_relaxed);
  };
#define WALLARM_STAT_ABSORB(name) move(name, other.name);
  WALLARM_STAT_COUNTERS(WALLARM_STAT_ABSORB)
#undef WALLARM_STAT_ABSORB
  move(latency_count, other.latency_count);
  move(latency_sum_us, other.latency_sum_us);
  for (int i = 0; i < kLatencyBuckets; ++i) move(latency_bucket[i], other.latency_bucket[i]);
}

void count_error(Stats& s, int32_t code) noexcept {
  switch (code) {
    case WALLARM_ETIMEOUT: s.bump(s.err_timeout); break;
    case WALLARM_ECONNREFUSED: s.bump(s.err_refused); break;
    case WALLARM_ECONNECT:
    case WALLARM_ERESOLVE: s.bump(s.err_connect); break;
    case WALLARM_ETLS: s.bump(s.err_tls); break;
    case WALLARM_ECONNRESET: s.bump(s.err_reset); break;
    case WALLARM_EPROTO:
    case WALLARM_ETOOBIG: s.bump(s.err_proto); break;
    case WALLARM_ESTATUS: s.bump(s.err_status); break;
    case WALLARM_EIO: s.bump(s.err_io); break;
    default: s.bump(s.dropped); break;  // ESHUTDOWN, EINTERNAL: not sent
  }
}

}  // namespace wallarm
