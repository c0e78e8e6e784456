// Out-of-band mode, node failures with both fallbacks, and the event loop
// staying free while requests wait for the node.
#include <doctest/doctest.h>

#include <future>

#include "servers.h"
#include "test_util.h"

using namespace e2e;

TEST_CASE("e2e: out-of-band mode passes attacks at once and the node still records them") {
  TempDir dir("oob");
  // A blocking node that takes 500 ms per verdict.
  RefNode node(dir.path(), node_options("block", 500));
  Kong kong(dir.path(), {{"main", plugin(node_config(node.url(), {{"blocking", false}}))}});
  kong.start();

  check_out_of_band_seed(kong, node);
  check_clean_log(kong);
}

TEST_CASE("e2e: node down, slow or answering garbage: fallback pass and block within the timeout") {
  TempDir dir("fallback");
  const int timeout_ms = 300;
  RefNode slow(dir.path(), node_options("monitoring", 2000, "none"));
  JunkServer junk;
  const uint16_t closed = free_port();  // nothing listens there

  const NodeUrls nodes = {
      {"down", "http://127.0.0.1:" + std::to_string(closed) + "/"},
      {"slow", slow.url()},
      {"garbage", "http://127.0.0.1:" + std::to_string(junk.port()) + "/"},
  };
  Kong kong(dir.path(), fallback_routes(nodes, timeout_ms));
  kong.start();
  check_fallbacks(kong, nodes, timeout_ms);
  CHECK(junk.connections.load() > 0);
  check_clean_log(kong);
}

TEST_CASE("e2e: requests waiting for the node leave the worker's event loop free") {
  TempDir dir("eventloop");
  RefNode node(dir.path(), node_options("monitoring", 500, "none", {"--threads", "64"}));
  Kong kong(
      dir.path(),
      {{"main", plugin(node_config(node.url(), {{"timeout_ms", 2000}}))}, {"plain", std::nullopt}},
      kong_options(1));
  kong.start();

  const int waiting = 20;
  // Warm up: the connector opens its connections to the node (the reference
  // node's listen backlog is small, so a burst of new connections can see a
  // SYN retransmit), and the upstream connections open.
  {
    std::vector<std::future<HttpResponse>> warm;
    for (int i = 0; i < waiting; ++i)
      warm.push_back(std::async(std::launch::async, [&, i] {
        return http_get(kong.url("main", "/warmup/" + std::to_string(i)), {kong.host("main")}, 10000);
      }));
    for (auto& f : warm) REQUIRE(f.get().status == 200);
    REQUIRE(http_get(kong.url("plain", "/warmup"), {kong.host("plain")}).status == 200);
  }

  std::vector<std::future<HttpResponse>> slow;
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < waiting; ++i) {
    slow.push_back(std::async(std::launch::async, [&, i] {
      return http_get(kong.url("main", "/slow/" + std::to_string(i)), {kong.host("main")}, 10000);
    }));
  }
  // Let them all reach the node (node delay 500 ms), then measure over most
  // of the time they wait.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::vector<double> fast;
  auto measure_end = t0;
  for (int i = 0; i < 40; ++i) {
    auto r = http_get(kong.url("plain", "/fast/" + std::to_string(i)), {kong.host("plain")}, 5000);
    REQUIRE(r.status == 200);
    fast.push_back(r.total_ms);
    measure_end = std::chrono::steady_clock::now();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const double measured_until_ms =
      std::chrono::duration<double, std::milli>(measure_end - t0).count();

  std::vector<double> slow_ms;
  for (auto& f : slow) {
    auto r = f.get();
    CHECK(r.status == 200);
    slow_ms.push_back(r.total_ms);
  }
  INFO("fast requests: p50 " << percentile(fast, 50) << " ms, p99 " << percentile(fast, 99)
                             << " ms, max " << percentile(fast, 100) << " ms; measured until "
                             << measured_until_ms << " ms after the slow ones started");
  INFO("slow requests: min " << percentile(slow_ms, 0) << " ms, max " << percentile(slow_ms, 100) << " ms");
  // The slow ones really waited for the node while the fast ones ran.
  CHECK(percentile(slow_ms, 0) >= 450.0);
  CHECK(measured_until_ms < 450.0);
  CHECK(percentile(fast, 99) < 50.0);
  CHECK(kong.workers()["count"] == 1);
  check_clean_log(kong);
}
