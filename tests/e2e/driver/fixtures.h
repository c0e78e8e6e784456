#pragma once
// The reference filtering node of the e2e tests, and small helpers. The
// gateway is real Kong (kong.h), the upstream a plain nginx (upstream.h).
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "process.h"

namespace e2e {

using json = nlohmann::json;

// ---------------------------------------------------------------------------
struct NodeOptions {
  std::string mode = "monitoring";   // off | monitoring | safe_blocking | block
  std::string engine;                // "" = the node's default (modsecurity), or "none"
  int delay_ms = 0;
  std::vector<std::string> extra;    // further command-line options
};

inline NodeOptions node_options(std::string mode, int delay_ms = 0, std::string engine = "",
                                std::vector<std::string> extra = {}) {
  NodeOptions o;
  o.mode = std::move(mode);
  o.delay_ms = delay_ms;
  o.engine = std::move(engine);
  o.extra = std::move(extra);
  return o;
}

class RefNode {
 public:
  RefNode(const fs::path& dir, const NodeOptions& opts);
  uint16_t port() const { return port_; }
  int pid() const { return child_.pid(); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/"; }

  json attacks();                    // GET /attacks.json
  std::string metrics();             // GET /metrics
  // Value of one exact series (e.g. `wallarm_node_responses_correlated_total` or
  // `wallarm_node_messages_total{type="request"}`), or -1 when absent.
  double metric(const std::string& series);
  // Polls /attacks.json until a record satisfies pred; null json on timeout.
  json wait_attack(const std::function<bool(const json&)>& pred,
                   std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));
  std::string log() const { return tail_file(log_); }

 private:
  fs::path log_;
  uint16_t port_ = 0;
  Child child_;
};

// Random bytes (deterministic per seed) for request bodies.
std::string random_bytes(size_t n, uint32_t seed);
std::string md5_hex(const std::string& data);
std::string unique_tag(const std::string& prefix);
// `s` with every `from` replaced by `to`.
std::string replace_all(std::string s, const std::string& from, const std::string& to);
// The value of one exact series (`name` or `name{labels}`) in Prometheus
// text exposition, or -1 when absent.
double prometheus_value(const std::string& text, const std::string& series);

}  // namespace e2e
