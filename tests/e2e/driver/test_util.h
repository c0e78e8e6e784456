#pragma once
// Helpers shared by the e2e test files.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <string>
#include <vector>

#include "fixtures.h"
#include "http.h"

namespace e2e {

// The plugin entity for a route: {"config": {...}}.
inline json plugin(const json& config) { return json{{"config", config}}; }

inline json node_config(const std::string& node_url, json extra = json::object()) {
  extra["wallarm_node_address"] = node_url;
  return extra;
}

// Fails the test with the offending lines when the error log shows a Lua
// error, a crashed worker, a crit/alert/emerg line or a missing PDK function.
inline void check_clean_log(const Nginx& nginx) {
  auto bad = nginx.bad_log_lines();
  std::string joined;
  for (const auto& l : bad) joined += l + "\n";
  INFO("unexpected error.log lines:\n" << joined);
  CHECK(bad.empty());
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

// The upstream's fixed response pattern for ?e2e_size=N (harness/e2e/upstream.lua).
inline std::string upstream_pattern(size_t n) {
  static const std::string unit =
      "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_\n";
  std::string out;
  out.reserve(n);
  while (out.size() + unit.size() <= n) out += unit;
  out += unit.substr(0, n - out.size());
  return out;
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

}  // namespace e2e
