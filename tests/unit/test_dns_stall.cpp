// A node name whose lookup hangs must cost only its own messages their
// deadline: the engine thread never waits for the resolver.
#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <thread>

#include "test_server.h"
#include "wallarm.h"

namespace {

using Clock = std::chrono::steady_clock;

long ms_since(Clock::time_point t) {
  return static_cast<long>(
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count());
}

wallarm_target_t* target(wallarm_engine_t* e, const std::string& url) {
  wallarm_target_config_t cfg;
  wallarm_target_config_init(&cfg);
  cfg.url = url.c_str();
  cfg.breaker_failures = 0;
  wallarm_target_t* t = nullptr;
  REQUIRE(wallarm_target_new(e, &cfg, &t) == WALLARM_OK);
  return t;
}

}  // namespace

TEST_CASE("dns: a hanging lookup times out alone and stalls nothing else") {
  testsrv::Server node([](const testsrv::Request&) { return testsrv::Reply{}; });
  wallarm_engine_config_t ecfg;
  wallarm_engine_config_init(&ecfg);
  wallarm_engine_t* e = nullptr;
  REQUIRE(wallarm_engine_new(&ecfg, &e) == WALLARM_OK);
  auto* slow = target(e, "http://slow.test:8080/");
  auto* healthy = target(e, node.url());

  std::string method = "GET", uri = "/", id = "dns-1";
  wallarm_message_t m{};
  m.type = WALLARM_MSG_REQUEST;
  m.method = {method.data(), method.size()};
  m.uri = {uri.data(), uri.size()};
  m.body_total = -1;
  m.request_id = {id.data(), id.size()};

  std::thread resolving([&] {
    wallarm_verdict_t v{};
    v.size = sizeof v;
    auto start = Clock::now();
    REQUIRE(wallarm_inspect(slow, &m, 100, &v) == WALLARM_OK);
    CHECK(v.code == WALLARM_ETIMEOUT);
    CHECK(ms_since(start) < 1000);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the lookup hangs now
  auto start = Clock::now();
  wallarm_verdict_t v{};
  v.size = sizeof v;
  REQUIRE(wallarm_inspect(healthy, &m, 500, &v) == WALLARM_OK);
  CHECK(v.code == WALLARM_OK);
  CHECK(ms_since(start) < 250);
  resolving.join();
  wallarm_engine_free(e);
}
