#pragma once
// The processes an e2e test runs: the reference filtering node and the test
// nginx (Debian's nginx + lua-nginx-module with the harness's Kong PDK shim
// and the plugin copied into a Kong-like layout).
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
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

// ---------------------------------------------------------------------------
struct Route {
  std::string name;
  std::optional<json> plugin;  // the plugin entity ({"config": {...}}); none = no plugin
};

struct NginxOptions {
  int workers = 1;
  std::string kong_version = "3.4.2";  // 3.4.x: get_raw_body without file reading, no
                                       // $kong_request_id; >= 3.5: $kong_request_id set
  std::string log_level = "info";
  bool reuseport = false;              // spread connections over the workers
  std::string plugin_dirs;             // "" = kong-plugin/ and ffi/ (see install_plugin)
  std::string plugin_name = "kong-lua";  // installed as kong/plugins/<name>/, run on plugin routes
  uint16_t upstream_port = 0;          // 0 = this nginx's own echo server; else 127.0.0.1:<port>
};

inline NginxOptions nginx_options(int workers, std::string kong_version = "3.4.2",
                                  bool reuseport = false) {
  NginxOptions o;
  o.workers = workers;
  o.kong_version = std::move(kong_version);
  o.reuseport = reuseport;
  return o;
}

class Nginx {
 public:
  Nginx(const fs::path& dir, std::vector<Route> routes, NginxOptions opts = {});
  ~Nginx();
  Nginx(const Nginx&) = delete;
  Nginx& operator=(const Nginx&) = delete;

  // Starts nginx and waits until every worker ran init_worker; throws with the
  // error log's tail when it does not come up.
  void start();
  // Same, but reports failure instead of throwing.
  bool try_start(std::string& why);
  void stop();

  uint16_t route_port(const std::string& route) const;
  std::string url(const std::string& route, const std::string& path) const;
  std::string status_url(const std::string& path) const;
  uint16_t upstream_port() const { return upstream_port_; }

  // How many requests with `X-E2E-Tag: tag` reached the upstream.
  long upstream_seen(const std::string& tag);
  // Validates a plugin entity with the plugin's schema (the harness's shim).
  json validate(const json& entity);
  json workers();
  json probe(const std::string& tag);  // what tests/e2e/probe recorded for a request

  const fs::path& prefix() const { return dir_; }
  std::string error_log() const;
  // Error-log lines that must never appear: Lua errors, crit/alert/emerg,
  // crashed workers, PDK functions the harness lacks.
  std::vector<std::string> bad_log_lines() const;

 private:
  void prepare();
  std::string control_url(const std::string& path) const;

  fs::path dir_;
  std::vector<Route> routes_;
  NginxOptions opts_;
  std::map<std::string, uint16_t> route_ports_;
  uint16_t status_port_ = 0, control_port_ = 0, upstream_port_ = 0;
  Child child_;
};

// Files of the plugin and the binding copied into <lua_root>/kong/plugins/<name>/
// exactly as a ConfigMap would lay them out (flat). `dirs` is a ':'-separated
// list of source directories; "" means $WALLARM_E2E_PLUGIN_DIRS if set, else
// the checkout's kong-plugin/ and ffi/. Throws when handler.lua or schema.lua
// is missing.
void install_plugin(const fs::path& lua_root, const std::string& dirs = "",
                    const std::string& name = "kong-lua");

// Random bytes (deterministic per seed) for request bodies.
std::string random_bytes(size_t n, uint32_t seed);
std::string md5_hex(const std::string& data);
std::string unique_tag(const std::string& prefix);

}  // namespace e2e
