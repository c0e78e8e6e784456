// A connector that cannot start (its library missing, or of another ABI):
// Kong still starts and serves, every request gets the configured fallback,
// and every worker counts it where the Status API sums the counters.
#include <doctest/doctest.h>

#include <signal.h>

#include <map>
#include <set>
#include <sstream>
#include <vector>

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

// Counters are node-wide totals that only grow: with four workers that
// cannot start, every scrape, whichever worker serves it, reads at least
// what the one before it read; a killed worker's counts stay, and workers
// that exit on a reload right after serving keep theirs too.
TEST_CASE("e2e: library missing, four workers: the ESTARTUP counter never goes down and ends at the request count") {
  TempDir dir("startup-four");
  const std::string node = "http://127.0.0.1:" + std::to_string(free_port()) + "/";
  KongOptions opts = kong_options(4, true);
  opts.library = "/nonexistent/libwallarm.so.1";
  Kong kong(dir.path(), {{"main", plugin(node_config(node))}}, opts);
  kong.start();

  const int n = 200, scrapes = 20, more = 40;
  const std::string errors = "wallarm_kong_node_errors_total{code=\"ESTARTUP\"}";
  std::vector<double> seen;
  auto scrape = [&] {
    auto r = http_get(kong.status_url("/wallarm/metrics"));
    REQUIRE(r.status == 200);
    seen.push_back(std::max(0.0, prometheus_value(r.body, errors)));  // absent: nothing counted yet
    return seen.back();
  };
  auto seen_text = [&] {
    std::string values;
    for (double v : seen) values += std::to_string(static_cast<long>(v)) + " ";
    return values;
  };
  auto worker_pids = [&] {
    std::set<long> pids;
    json w = kong.workers();
    if (w.is_object() && w.contains("pids"))
      for (const auto& [id, pid] : w["pids"].items())
        if (pid.is_number()) pids.insert(pid.get<long>());
    return pids;
  };
  std::set<std::string> served_by;
  auto requests = [&](int count, bool scraping) {
    for (int i = 0; i < count; ++i) {
      auto r = http_get(kong.url("main", "/api/item?i=" + std::to_string(i)), {kong.host("main")});
      CHECK(r.status == 200);
      served_by.insert(r.header("X-E2E-Worker-Pid"));
      if (scraping && (i + 1) % (count / scrapes) == 0) scrape();
    }
  };

  requests(n, true);
  CHECK(served_by.size() == 4);  // every worker served
  // The last tallies reach the totals within a second.
  CHECK(eventually([&] { return scrape() == n; }));

  // A worker killed: what it counted stays.
  const std::set<long> before = worker_pids();
  REQUIRE(before.size() == 4);
  REQUIRE(::kill(static_cast<pid_t>(*before.begin()), SIGKILL) == 0);
  CHECK(eventually([&] {
    auto now = worker_pids();
    return now.size() == 4 && !now.count(*before.begin());
  }));
  for (int i = 0; i < 6; ++i) {
    scrape();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }

  // A reload right after more requests: the old workers add their last
  // tallies as they exit, the new ones start from the totals.
  requests(more, false);
  std::string output;
  REQUIRE_MESSAGE(kong.reload(output) == 0, output);
  CHECK(eventually([&] {
    auto now = worker_pids();
    for (long p : now)
      if (before.count(p)) return false;
    return now.size() == 4 && scrape() == n + more;
  }, std::chrono::milliseconds(10000)));
  for (int i = 0; i < 4; ++i) {
    scrape();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }

  INFO("ESTARTUP on each scrape: " << seen_text());
  for (size_t i = 1; i < seen.size(); ++i) {
    CAPTURE(i);
    CHECK(seen[i] >= seen[i - 1]);
  }
  CHECK(seen.back() == n + more);
  CHECK(prometheus_value(http_get(kong.status_url("/wallarm/metrics")).body,
                         "wallarm_kong_requests_total{outcome=\"fallback_pass\"}") == n + more);
  for (const auto& l : kong.bad_log_lines()) {
    INFO(l);
    CHECK(l.find("exited on signal 9") != std::string::npos);  // the kill itself
  }
}
