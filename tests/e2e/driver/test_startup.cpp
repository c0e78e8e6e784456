// A connector that cannot start (its library missing, or of another ABI):
// Kong still starts and serves, every request gets the configured fallback,
// and every worker counts it where the Status API sums the counters.
#include <doctest/doctest.h>

#include <map>
#include <sstream>

#include "test_util.h"

using namespace e2e;

namespace {

void check_startup_failure(const std::string& library, const std::string& why_in_log) {
  TempDir dir("startup");
  const uint16_t closed = free_port();  // never reached: the connector does not start
  const std::string node = "http://127.0.0.1:" + std::to_string(closed) + "/";
  KongOptions opts = kong_options(2, true);
  opts.library = library;
  Kong kong(dir.path(),
            {{"main", plugin(node_config(node))},
             {"closed", plugin(node_config(node, {{"fallback", "block"}}))}},
            opts);
  kong.start();

  const int n = 40;
  std::map<std::string, int> by_worker;
  for (int i = 0; i < n; ++i) {
    const std::string route = i % 2 ? "closed" : "main";
    const std::string tag = unique_tag("startup");
    auto r = http_get(kong.url(route, "/api/item?i=" + std::to_string(i)),
                      {kong.host(route), "X-E2E-Tag: " + tag});
    INFO(route << ": " << r.status << " " << r.error << " " << r.body);
    if (route == "main") {
      CHECK(r.status == 200);
      CHECK(kong.upstream_seen(tag) == 1);
    } else {
      CHECK(r.status == 403);
      CHECK(kong.upstream_seen(tag) == 0);
    }
    ++by_worker[r.header("X-E2E-Worker-Pid")];
  }
  REQUIRE(by_worker.size() == 2);  // both workers served

  // Every worker publishes: the sum is exact on every scrape, and never goes
  // down between scrapes.
  const std::string errors = "wallarm_kong_node_errors_total{code=\"ESTARTUP\"}";
  std::string metrics;
  CHECK(eventually([&] {
    metrics = http_get(kong.status_url("/wallarm/metrics")).body;
    return prometheus_value(metrics, errors) == n;
  }));
  INFO("metrics:\n" << metrics);
  CHECK(prometheus_value(metrics, "wallarm_kong_workers_reporting") == 2);
  CHECK(prometheus_value(metrics, "wallarm_kong_requests_total{outcome=\"fallback_pass\"}") == n / 2);
  CHECK(prometheus_value(metrics, "wallarm_kong_requests_total{outcome=\"fallback_block\"}") == n / 2);
  for (int i = 0; i < 8; ++i) {
    CHECK(prometheus_value(http_get(kong.status_url("/wallarm/metrics")).body, errors) == n);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }

  // Each worker said why, once, and the fallbacks were logged (rate-limited).
  const std::string log = kong.error_log();
  size_t cannot_start = 0;
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);)
    if (line.find("cannot start the Wallarm connector") != std::string::npos) {
      ++cannot_start;
      CHECK(line.find(why_in_log) != std::string::npos);
    }
  CHECK(cannot_start == 2);
  CHECK(log.find("no verdict from the node (ESTARTUP") != std::string::npos);
  check_clean_log(kong);
}

}  // namespace

TEST_CASE("e2e: library missing: Kong serves, every request gets the fallback, counted by every worker") {
  check_startup_failure("/nonexistent/libwallarm.so.1", "/nonexistent/libwallarm.so.1");
}

TEST_CASE("e2e: library of another ABI: refused, every request gets the fallback, counted by every worker") {
  check_startup_failure(E2E_FAKE_ABI_LIBRARY, "ABI");
}
