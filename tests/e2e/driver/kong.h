#pragma once
// Real Kong Gateway for the e2e tests: open-source Kong 3.4.2 or 3.9.3, built
// from third_party/ on Debian's nginx by scripts/kong-runtime.sh, started with
// `kong start` (nginx in the foreground, so the test owns every process)
// from a generated kong.conf and a declarative kong.yml, DB-less. The plugin
// is installed as Kong Ingress Controller installs it: the ConfigMap's files,
// flat, in kong/plugins/<name>/; the library is named by WALLARM_LIBRARY,
// passed to the workers with nginx_main_env.
//
// Each route of a test is a Kong service and route to the echo upstream
// (upstream.h), matched by Host: the first route by kong-lua-test.wallarm,
// the others by <name>.kong-lua-test.wallarm (host() gives the header line).
#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "process.h"
#include "upstream.h"

namespace e2e {

using json = nlohmann::json;

// The Host of the first route: the one the seed's curl sends.
inline const std::string kSeedHost = "kong-lua-test.wallarm";

struct Route {
  Route(std::string route_name, std::optional<json> route_plugin = std::nullopt, bool match_any_host = false)
      : name(std::move(route_name)), plugin(std::move(route_plugin)), any_host(match_any_host) {}

  std::string name;
  std::optional<json> plugin;  // the plugin entity ({"config": {...}}); none = no plugin
  bool any_host = false;       // match every Host (paths "/"): Kong prefers routes with hosts
  std::string service_url;     // "" = the echo upstream; else e.g. "grpc://127.0.0.1:<port>"
  std::vector<std::string> protocols;  // the route's; empty = Kong's default (http, https)
};

struct KongOptions {
  std::string version;              // "" = the suite's: $WALLARM_E2E_KONG, else 3.4.2
  int workers = 1;
  std::string log_level = "info";
  bool reuseport = false;           // spread connections over the workers
  uint16_t proxy_port = 0;          // 0 = a free loopback port
  std::string plugin_dirs;          // "" = the generated ConfigMap's files (install_plugin)
  std::string plugin_name = "kong-lua";
  uint16_t upstream_port = 0;       // 0 = a private echo upstream; else 127.0.0.1:<port>
  std::string library;              // WALLARM_LIBRARY (copied in when it exists); "" = built one
  std::vector<std::string> conf;    // further kong.conf lines ("trusted_ips = 0.0.0.0/0")
  bool worker_pid_header = true;    // X-E2E-Worker-Pid on every answer (tests only)
  bool http2_listener = false;      // a second proxy port speaking HTTP/2 without TLS (h2c)
  // Writes node_format = the suite's format (suite_format()) into every
  // kong-lua plugin config that names none; false leaves the schema's default.
  bool suite_format = true;
  // Plugin entities on no route or service ({"name": "prometheus"}); their
  // plugins must be in `plugins` (conf: "plugins = kong-lua,prometheus").
  std::vector<json> global_plugins;
};

inline KongOptions kong_options(int workers, bool reuseport = false) {
  KongOptions o;
  o.workers = workers;
  o.reuseport = reuseport;
  return o;
}

// The Kong version the suite runs ($WALLARM_E2E_KONG, else 3.4.2).
std::string suite_kong_version();

// The node formats of the plugin's node_format (docs/protocol.md 1-11: v1;
// 12: mirror and multipart).
enum class NodeFormat { v1, mirror, multipart };
const char* format_name(NodeFormat f);
// The format the suite runs: $WALLARM_E2E_FORMAT (mirror, multipart or v1),
// else mirror, the plugin's default. Read once; any other value throws.
NodeFormat suite_format();

// The runtime of one Kong version: built (or found in its cache) by
// scripts/kong-runtime.sh on first use in this process.
struct KongRuntime {
  std::string version;
  fs::path dir;                                 // bin/kong, bin/resty, lualib/, ...
  std::vector<std::pair<std::string, std::string>> conf;  // kong.conf.runtime, in order
};
const KongRuntime& kong_runtime(const std::string& version);

class Kong {
 public:
  Kong(const fs::path& dir, std::vector<Route> routes, KongOptions opts = {});
  ~Kong();
  Kong(const Kong&) = delete;
  Kong& operator=(const Kong&) = delete;

  // `kong start`, then waits until every worker ran init_worker and the
  // proxy, Status API and Admin API answer; throws with the CLI's output and
  // the error log's tail when it does not come up.
  void start();
  bool try_start(std::string& why);
  void stop();
  // `kong reload`: its exit status; `output` gets what it printed.
  int reload(std::string& output);
  // A Kong CLI command with this instance's environment ("config", "parse",
  // path): its exit status; `output` gets stdout and stderr.
  int cli(const std::vector<std::string>& args, std::string& output) const;

  const std::string& version() const { return runtime_.version; }
  std::string url(const std::string& route, const std::string& path) const;
  std::string host(const std::string& route) const;       // "Host: <name>"
  std::string host_name(const std::string& route) const;  // <name>
  uint16_t proxy_port() const { return proxy_port_; }
  uint16_t http2_port() const { return http2_port_; }  // 0 without KongOptions::http2_listener
  std::string status_url(const std::string& path) const;
  std::string admin_url(const std::string& path) const;
  uint16_t upstream_port() const;

  // How many requests with `X-E2E-Tag: tag` reached the upstream.
  long upstream_seen(const std::string& tag);
  // {"count": n, "pids": {"0": pid, ...}} by worker id, from Kong's Admin API.
  json workers();
  // Kong's answer to POST /schemas/plugins/validate of {"name": <plugin>,
  // "config": config}, with "status" (200 valid, 400 not) added.
  json validate(const json& config);
  // The configuration of the first plugin as Kong loaded it (GET /plugins):
  // defaults filled in.
  json loaded_plugin_config();
  long master_pid() const;
  fs::path socket_dir() const { return run_dir_ / "wallarm"; }
  const fs::path& prefix() const { return prefix_; }
  const fs::path& declarative_config() const { return kong_yml_; }
  const fs::path& config_file() const { return kong_conf_; }
  std::string error_log() const;
  // Error-log lines that must never appear: Lua errors, crit/alert/emerg,
  // crashed workers.
  std::vector<std::string> bad_log_lines() const;

 private:
  void prepare();
  std::vector<std::string> environment() const;

  fs::path dir_, prefix_, run_dir_, kong_conf_, kong_yml_;
  std::vector<Route> routes_;
  KongOptions opts_;
  const KongRuntime& runtime_;
  std::unique_ptr<Upstream> upstream_;
  uint16_t proxy_port_ = 0, status_port_ = 0, admin_port_ = 0, http2_port_ = 0;
  std::string library_;
  Child child_;
};

// The plugin's files copied flat into <lua_root>/kong/plugins/<name>/. `dirs`
// is a ':'-separated list of source directories; "" means
// $WALLARM_E2E_PLUGIN_DIRS if set, else the files of the ConfigMap that
// packaging/gen-configmap.sh generates, as Kubernetes mounts them (written
// out at build time by configmap_files.py). Throws when handler.lua or
// schema.lua is missing.
void install_plugin(const fs::path& lua_root, const std::string& dirs = "",
                    const std::string& name = "kong-lua");

}  // namespace e2e
