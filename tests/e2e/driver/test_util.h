#pragma once
// Helpers shared by the e2e test files.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <regex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "fixtures.h"
#include "http.h"
#include "kong.h"

namespace e2e {

// The Host of a gateway's first route (Kong::host of it): the seed's.
inline const std::string kHost = "Host: " + kSeedHost;

// The plugin entity for a route: {"config": {...}}.
inline json plugin(const json& config) { return json{{"config", config}}; }

inline json node_config(const std::string& node_url, json extra = json::object()) {
  extra["wallarm_node_address"] = node_url;
  return extra;
}

// Fails the test with the offending lines when the error log shows a Lua
// error, a crashed worker or a crit/alert/emerg line.
inline void check_clean_log(const Kong& kong) {
  auto bad = kong.bad_log_lines();
  std::string joined;
  for (const auto& l : bad) joined += l + "\n";
  INFO("unexpected error.log lines:\n" << joined);
  CHECK(bad.empty());
}

// `s` (an upstream's echo) with what Kong sets differently on every request
// or instance masked: its request id (3.5+) and the proxy port it reports.
inline std::string mask_kong_varying(std::string s) {
  static const std::regex varying(R"((X-Kong-Request-Id|X-Forwarded-Port): [0-9a-f]+)");
  return std::regex_replace(s, varying, "$1: *");
}

// The reference node's count of the messages it read in one shape.
inline std::string shape_series(NodeFormat f) {
  return "wallarm_node_messages_by_shape_total{shape=\"" + std::string(format_name(f)) + "\"}";
}

// A plugin config pinned to protocol v1, for what only v1 has.
inline json pin_v1(json config) {
  config["node_format"] = "v1";
  return config;
}

// True if any string anywhere in `j` equals `s`.
inline bool json_has_string(const json& j, const std::string& s) {
  if (j.is_string()) return j.get<std::string>() == s;
  if (j.is_array() || j.is_object()) {
    for (const auto& v : j) if (json_has_string(v, s)) return true;
  }
  return false;
}

inline bool has_attack_type(const json& record, const std::string& type) {
  if (!record.contains("attacks")) return false;
  for (const auto& a : record["attacks"])
    if (a.value("type", "") == type) return true;
  return false;
}

inline double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t idx = static_cast<size_t>(p / 100.0 * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(idx, v.size() - 1)];
}

// The upstream's fixed response pattern for ?e2e_size=N (tests/e2e/upstream/e2e_upstream.lua).
inline std::string upstream_pattern(size_t n) {
  static const std::string unit =
      "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_\n";
  std::string out;
  out.reserve(n);
  while (out.size() + unit.size() <= n) out += unit;
  out += unit.substr(0, n - out.size());
  return out;
}

// Named node URLs; fallback_routes() puts each behind two routes,
// "<name>-pass" and "<name>-block".
using NodeUrls = std::vector<std::pair<std::string, std::string>>;

inline std::vector<Route> fallback_routes(const NodeUrls& nodes, int timeout_ms) {
  std::vector<Route> routes;
  for (const auto& [name, url] : nodes)
    for (const std::string fallback : {"pass", "block"})
      routes.push_back({name + "-" + fallback,
                        plugin(node_config(url, {{"timeout_ms", timeout_ms}, {"fallback", fallback}}))});
  return routes;
}

// Every route of fallback_routes() answers within timeout_ms with its
// fallback: the upstream's answer, or the block answer with the upstream
// untouched. Three requests each: the first, and later ones (the breaker).
inline void check_fallbacks(Kong& kong, const NodeUrls& nodes, int timeout_ms) {
  const double margin_ms = 400;  // a loaded 2-core machine; far below a slow node's 2 s
  for (const auto& [name, url] : nodes) {
    for (const std::string fallback : {"pass", "block"}) {
      const std::string route = name + "-" + fallback;
      CAPTURE(route);
      for (int i = 0; i < 3; ++i) {
        CAPTURE(i);
        const std::string tag = unique_tag(route);
        auto r = http_get(kong.url(route, "/api/item?i=" + std::to_string(i)),
                          {kong.host(route), "X-E2E-Tag: " + tag});
        INFO(r.status << " " << r.error << " " << r.body << " in " << r.total_ms << " ms");
        CHECK(r.total_ms < timeout_ms + margin_ms);
        if (fallback == "pass") {
          CHECK(r.status == 200);
          CHECK(kong.upstream_seen(tag) == 1);
        } else {
          CHECK(r.status == 403);
          CHECK(json::parse(r.body, nullptr, false).value("message", "") == "Request blocked by Wallarm");
          CHECK(kong.upstream_seen(tag) == 0);
        }
      }
    }
  }
}

// Polls `f` until it returns true or `timeout` passes.
template <class F>
bool eventually(F f, std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  do {
    if (f()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  } while (std::chrono::steady_clock::now() < deadline);
  return f();
}

// Sends the seed attack (GET `path`, a path traversal) through a route
// whose node blocks it, and checks what any connector must do: a 403 with a
// JSON body, a ptrav record with the verdict block and a request id, the
// request never proxied. Returns that body and the request id.
struct SeedBlocked {
  json body;
  std::string request_id;
};

inline SeedBlocked check_seed_blocked(Kong& kong, RefNode& node, const std::string& path) {
  const std::string tag = unique_tag("seedblock");
  auto r = http_get(kong.url("main", path), {kong.host("main"), "X-E2E-Tag: " + tag});
  INFO("response: " << r.status << " " << r.error << " " << r.body);
  REQUIRE(r.status == 403);
  CHECK(r.header("Content-Type").rfind("application/json", 0) == 0);
  SeedBlocked out;
  out.body = json::parse(r.body, nullptr, false);
  REQUIRE_FALSE(out.body.is_discarded());

  json rec = node.wait_attack([&](const json& a) { return a.value("uri", "") == path; });
  INFO("node records: " << node.attacks().dump());
  REQUIRE(rec.is_object());
  CHECK(has_attack_type(rec, "ptrav"));
  CHECK(rec.value("verdict", "") == "block");
  out.request_id = rec.value("request_id", "");
  REQUIRE_FALSE(out.request_id.empty());
  INFO("request id sent to the node: " << out.request_id);
  CHECK(json_has_string(out.body, out.request_id));
  CHECK(kong.upstream_seen(tag) == 0);
  return out;
}

// Sends the seed attack five times through an out-of-band route to a node
// that takes 500 ms per verdict: each passes at once and reaches the
// upstream, and the node records the first as a ptrav copy. Returns the
// record.
inline json check_out_of_band_seed(Kong& kong, RefNode& node) {
  std::vector<double> latencies;
  for (int i = 0; i < 5; ++i) {
    const std::string tag = unique_tag("oob");
    auto r = http_get(kong.url("main", "/etc/passwd?oob=" + std::to_string(i)),
                      {kong.host("main"), "X-E2E-Tag: " + tag});
    INFO(r.status << " " << r.error);
    REQUIRE(r.status == 200);
    CHECK(kong.upstream_seen(tag) == 1);
    latencies.push_back(r.total_ms);
  }
  INFO("latencies (ms): max " << percentile(latencies, 100) << ", median "
                              << percentile(latencies, 50));
  CHECK(percentile(latencies, 100) < 150.0);

  json rec =
      node.wait_attack([](const json& a) { return a.value("uri", "") == "/etc/passwd?oob=0"; });
  INFO("node records: " << node.attacks().dump());
  REQUIRE(rec.is_object());
  CHECK(has_attack_type(rec, "ptrav"));
  CHECK(rec.value("out_of_band", false) == true);
  return rec;
}

}  // namespace e2e
