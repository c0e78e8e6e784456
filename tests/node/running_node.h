#pragma once
// A node serving on an ephemeral loopback port, for the server tests: the
// CRS detector they share, and reading what the node recorded.
#include <doctest/doctest.h>
#include <httplib.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "attack_store.h"
#include "config.h"
#include "metrics.h"
#include "modsec_detector.h"
#include "server.h"

namespace node_test {

// The detector is loaded once: CRS takes a while to parse.
inline node::Detector& crs() {
  static std::unique_ptr<node::Detector> detector = [] {
    std::string err;
    auto d = node::make_modsecurity_detector(WALLARM_NODE_MODSECURITY_CONFIG, 2, &err);
    REQUIRE_MESSAGE(d != nullptr, err);
    return d;
  }();
  return *detector;
}

// A node serving on an ephemeral loopback port for the life of the object.
struct RunningNode {
  node::Config cfg;
  std::unique_ptr<node::Detector> none;
  std::unique_ptr<node::AttackStore> store;
  std::unique_ptr<node::Metrics> metrics;
  std::unique_ptr<node::NodeServer> server;
  std::thread thread;

  // detector: instead of CRS or none, when given.
  explicit RunningNode(node::Mode mode, bool with_crs = true, void (*tune)(node::Config&) = nullptr,
                       node::Detector* detector = nullptr) {
    cfg.port = 0;
    cfg.mode = mode;
    cfg.threads = 16;
    if (tune) tune(cfg);
    if (detector == nullptr && with_crs) detector = &crs();
    if (detector == nullptr) {
      none = node::make_none_detector();
      detector = none.get();
    }
    node::StoreOptions options;
    options.window = std::chrono::milliseconds(cfg.correlation_window_ms);
    store = std::make_unique<node::AttackStore>(options);
    metrics = std::make_unique<node::Metrics>(node::mode_name(mode), detector->name());
    server = std::make_unique<node::NodeServer>(cfg, *detector, *store, *metrics);
    std::string err;
    REQUIRE_MESSAGE(server->bind(&err), err);
    thread = std::thread([this] { server->serve(); });
  }
  ~RunningNode() {
    server->stop();
    thread.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server->port()) + "/"; }
  httplib::Client client() const { return httplib::Client("127.0.0.1", server->port()); }
};

inline nlohmann::json attacks_json(const RunningNode& n) {
  auto res = n.client().Get("/attacks.json");
  REQUIRE(res);
  REQUIRE(res->status == 200);
  return nlohmann::json::parse(res->body);
}

// The node's /metrics page.
inline std::string metrics_text(const RunningNode& n) {
  auto res = n.client().Get("/metrics");
  REQUIRE(res);
  REQUIRE(res->status == 200);
  return res->body;
}

}  // namespace node_test
