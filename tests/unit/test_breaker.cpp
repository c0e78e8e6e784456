// Circuit breaker state machine, without a clock: times are passed in.
#include <doctest/doctest.h>

#include "breaker.h"

using wallarm::Breaker;

TEST_CASE("breaker: opens after N consecutive failures, a success resets the count") {
  Breaker b(3, 100, 1000);
  CHECK(b.closed());
  CHECK_FALSE(b.on_failure(0));
  CHECK_FALSE(b.on_failure(0));
  b.on_success();
  CHECK_FALSE(b.on_failure(0));
  CHECK_FALSE(b.on_failure(0));
  CHECK(b.on_failure(1000));
  CHECK(b.state() == WALLARM_BREAKER_OPEN);
  CHECK(b.probe_due_us() == 1000 + 100 * 1000);
}

TEST_CASE("breaker: a failed probe doubles the back-off up to the cap, a good one closes") {
  Breaker b(1, 100, 300);
  CHECK(b.on_failure(0));
  b.probe_sent();
  CHECK(b.state() == WALLARM_BREAKER_PROBING);
  CHECK(b.probe_due_us() == 0);
  b.probe_done(false, 1'000'000);
  CHECK(b.probe_due_us() == 1'000'000 + 200'000);
  b.probe_sent();
  b.probe_done(false, 2'000'000);
  CHECK(b.probe_due_us() == 2'000'000 + 300'000);
  b.probe_sent();
  b.probe_done(true, 3'000'000);
  CHECK(b.closed());
  // Back-off starts over after closing.
  CHECK(b.on_failure(4'000'000));
  CHECK(b.probe_due_us() == 4'000'000 + 100'000);
}

TEST_CASE("breaker: failures while open do not re-arm it, zero failures disables it") {
  Breaker b(1, 100, 300);
  CHECK(b.on_failure(0));
  CHECK_FALSE(b.on_failure(50'000));
  CHECK(b.probe_due_us() == 100'000);
  Breaker off(0, 100, 300);
  for (int i = 0; i < 100; ++i) CHECK_FALSE(off.on_failure(0));
  CHECK(off.closed());
}

TEST_CASE("breaker: a late success while open closes it") {
  Breaker b(1, 100, 300);
  CHECK(b.on_failure(0));
  b.on_success();
  CHECK(b.closed());
}

TEST_CASE("breaker: a probe failing after a late success closed it changes nothing") {
  Breaker b(1, 100, 300);
  CHECK(b.on_failure(0));
  b.probe_sent();
  b.on_success();  // a message sent before the trip answered
  b.probe_done(false, 1000);
  CHECK(b.closed());
}
