// bench_gateway: what a gateway pays for the connector, against baselines
// measured in the same run. On 127.0.0.1 it starts an upstream (plain nginx),
// a pass node (plain nginx that reads every message and answers 200 at once,
// so the node costs little and the connector's own cost shows), reference
// nodes, and one gateway per configuration (real Kong, one worker, DB-less,
// built by scripts/kong-runtime.sh), then drives each with wrk for bounded
// runs, several repetitions interleaved, and prints medians.
//
// The connector's cost: the gateway without a plugin, with kong-lua
// (blocking and out of band) and with the plain-Lua baseline connector
// (blocking and out of band), all against the pass node and in node format
// v1 (the only one the baseline speaks), at saturation and at fixed rates
// set by one schedule over all connections. Per configuration: req/s, p50,
// p99, CPU per request of the worker process (the engine thread included) and
// of its main thread (nginx's event loop), what each adds over the gateway
// without a plugin at the same load, the node's CPU per request and the
// worker's RSS. End to end: the reference node (without and with the CRS, and
// slow) and large bodies. Then the targets, as ratios, and a bounded soak.
//
//   bench_gateway [--reps N] [--seconds S] [--connections C] [--rates R,...]
//                 [--soak REQUESTS] [--only NAME,...] [--plugin-config JSON]
//                 [--kong VERSION]
#include <curl/curl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "fixtures.h"
#include "http.h"
#include "kong.h"
#include "process.h"

#ifndef BENCH_WRK
#error "BENCH_WRK must be defined by the build"
#endif
#ifndef BENCH_SOURCE_DIR
#error "BENCH_SOURCE_DIR must be defined by the build"
#endif

namespace {

using e2e::json;
namespace fs = std::filesystem;

struct Options {
  int reps = 3;
  int seconds = 5;
  int connections = 32;
  std::vector<double> rates = {2000, 4000};  // fixed load levels, req/s
  long soak = 1000000;
  std::set<std::string> only;
  json plugin_config = json::object();  // merged into every connector's configuration
  std::string kong_version = "3.4.2";
};

// ---------------------------------------------------------------------------
// /proc readings of one process

struct CpuSample {
  double process_s = 0;  // all threads
  double loop_s = 0;     // the main thread: nginx's event loop
};

double stat_cpu_seconds(const fs::path& stat_file) {
  std::string s = e2e::read_file(stat_file);
  auto close = s.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream in(s.substr(close + 2));
  std::string field;
  // Fields after the command: state is field 3; utime and stime are 14, 15.
  std::vector<std::string> f;
  while (in >> field) f.push_back(field);
  if (f.size() < 13) return 0;
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  return (std::stod(f[11]) + std::stod(f[12])) / ticks;
}

// The time a thread ran, in nanoseconds, from its schedstat; -1 when gone.
double schedstat_seconds(const fs::path& task) {
  std::ifstream in(task / "schedstat");
  unsigned long long ns = 0;
  if (!(in >> ns)) return -1;
  return static_cast<double>(ns) / 1e9;
}

// schedstat counts nanoseconds; stat counts clock ticks (10 ms), too coarse
// for a node that spends a few µs per message over a few seconds. The sum
// over threads misses threads that exited between two readings: the
// processes measured keep theirs (nginx's main thread, the engine thread,
// the reference node's pool).
CpuSample cpu_of(int pid) {
  static const bool precise = fs::exists("/proc/self/schedstat");
  fs::path proc = "/proc/" + std::to_string(pid);
  if (!precise)
    return {stat_cpu_seconds(proc / "stat"),
            stat_cpu_seconds(proc / "task" / std::to_string(pid) / "stat")};
  CpuSample s;
  s.loop_s = std::max(0.0, schedstat_seconds(proc / "task" / std::to_string(pid)));
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(proc / "task", ec))
    s.process_s += std::max(0.0, schedstat_seconds(e.path()));
  return s;
}

double rss_mib(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  return 0;
}

struct OpenFiles {
  long sockets = 0, others = 0;
};

OpenFiles open_files(int pid) {
  OpenFiles n;
  fs::path dir = "/proc/" + std::to_string(pid) + "/fd";
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    auto target = fs::read_symlink(e.path(), ec);
    if (ec) continue;
    (target.string().rfind("socket:", 0) == 0 ? n.sockets : n.others) += 1;
  }
  return n;
}

// ---------------------------------------------------------------------------
// plain nginx, no Lua: the upstream and the pass node

class PlainNginx {
 public:
  // `locations`: the server's location blocks. `single_process`: no master,
  // so pid() is the process that serves (its CPU is the server's).
  PlainNginx(const fs::path& dir, const std::string& locations, bool single_process)
      : dir_(dir) {
    for (const char* sub : {"logs", "tmp"}) fs::create_directories(dir_ / sub);
    port_ = e2e::free_port();
    const std::string tmp = (dir_ / "tmp").string();
    std::string conf =
        "daemon off;\n" + std::string(single_process ? "master_process off;\n" : "master_process on;\n") +
        "worker_processes 1;\n"
        "pid " + (dir_ / "nginx.pid").string() + ";\n"
        "error_log " + (dir_ / "logs" / "error.log").string() + " warn;\n" +
        (::geteuid() == 0 ? "user root;\n" : "") +
        "events { worker_connections 4096; }\n"
        "http {\n"
        "  access_log off;\n"
        "  client_body_temp_path " + tmp + ";\n"
        "  proxy_temp_path " + tmp + ";\n"
        "  fastcgi_temp_path " + tmp + ";\n"
        "  uwsgi_temp_path " + tmp + ";\n"
        "  scgi_temp_path " + tmp + ";\n"
        // Keep-alive connections stay open as long as their clients want.
        "  keepalive_requests 1000000;\n"
        "  keepalive_timeout 600s;\n"
        "  client_max_body_size 0;\n"
        "  server {\n"
        "    listen 127.0.0.1:" + std::to_string(port_) + " backlog=4096;\n" + locations +
        "  }\n"
        "}\n";
    e2e::write_file(dir_ / "nginx.conf", conf);
    child_ = e2e::Child({E2E_NGINX, "-p", dir_.string(), "-c", (dir_ / "nginx.conf").string(),
                         "-e", (dir_ / "logs" / "error.log").string()},
                        dir_ / "logs" / "stderr.log");
    if (!e2e::wait_port(port_, std::chrono::seconds(10)))
      throw std::runtime_error("nginx in " + dir_.string() + " did not listen:\n" +
                               e2e::tail_file(dir_ / "logs" / "error.log"));
  }
  uint16_t port() const { return port_; }
  int pid() const { return child_.pid(); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/"; }

 private:
  fs::path dir_;
  uint16_t port_ = 0;
  e2e::Child child_;
};

// The upstream: a small JSON answer, or 256 KiB.
std::unique_ptr<PlainNginx> start_upstream(const fs::path& dir) {
  fs::create_directories(dir / "upstream" / "html");
  const fs::path large = dir / "upstream" / "html" / "large";
  e2e::write_file(large, std::string(256 * 1024, 'x'));
  return std::make_unique<PlainNginx>(
      dir / "upstream",
      // Static files refuse POST (405): answer it with the file anyway.
      "    location = /large { default_type application/octet-stream; alias " + large.string() +
          "; error_page 405 =200 $uri; }\n"
          "    location / { default_type application/json; return 200 '{\"ok\":true}\\n'; }\n",
      false);
}

// The pass node: every message (request, response, batch, health; any node
// format, any method and path) is read whole, its body discarded, and
// answered 200 with no body: pass, or accepted.
std::unique_ptr<PlainNginx> start_pass_node(const fs::path& dir) {
  return std::make_unique<PlainNginx>(dir / "pass-node", "    location / { return 200; }\n", true);
}

// The node's CPU is the node's, but on a shared machine it is taken from the
// gateway's: the tables show it so throughput can be read against it.
struct NodeCpu {
  int pid = 0;
  double seconds() const { return pid ? cpu_of(pid).process_s : 0; }
};

// ---------------------------------------------------------------------------
// wrk

struct Run {
  double rps = 0, p50_ms = 0, p99_ms = 0;
  long requests = 0, errors = 0;
  double loop_us = 0, process_us = 0;  // worker CPU per request
  double node_us = 0;                   // the node's CPU per request
  double rss_mib = 0;
};

struct Load {
  std::string path = "/";
  int connections = 32;
  int seconds = 5;
  size_t body_bytes = 0;
  double rate = 0;  // req/s over all connections; 0: saturation
};

Run drive(const fs::path& dir, const std::string& url_base, int worker_pid, const Load& load,
          NodeCpu node = {}) {
  static int seq = 0;
  fs::path out = dir / ("wrk-" + std::to_string(seq++) + ".out");
  // One thread: session.lua's schedule is per thread.
  std::vector<std::string> argv = {
      BENCH_WRK, "-t1", "-c" + std::to_string(load.connections),
      "-d" + std::to_string(load.seconds) + "s", "--timeout", "5s",
      "-s", std::string(BENCH_SOURCE_DIR) + "/session.lua", url_base + load.path, "--",
      std::to_string(load.body_bytes)};
  std::vector<std::string> env;
  if (load.rate > 0) env.push_back("BENCH_RATE=" + std::to_string(load.rate));
  CpuSample before = cpu_of(worker_pid);
  const double node_before = node.seconds();
  e2e::Child wrk(argv, out, env);
  while (wrk.running()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  wrk.stop();
  CpuSample after = cpu_of(worker_pid);
  const double node_after = node.seconds();

  std::string text = e2e::read_file(out);
  auto at = text.find("WRK_RESULT ");
  if (at == std::string::npos) throw std::runtime_error("wrk gave no result:\n" + text);
  json r = json::parse(text.substr(at + 11, text.find('\n', at) - at - 11));
  Run run;
  run.requests = r["requests"].get<long>();
  const double seconds = r["duration_us"].get<double>() / 1e6;
  run.rps = static_cast<double>(run.requests) / seconds;
  run.p50_ms = r["p50_us"].get<double>() / 1000.0;
  run.p99_ms = r["p99_us"].get<double>() / 1000.0;
  for (const auto& [k, v] : r["errors"].items()) run.errors += v.get<long>();
  if (run.requests > 0) {
    run.loop_us = (after.loop_s - before.loop_s) * 1e6 / static_cast<double>(run.requests);
    run.process_us = (after.process_s - before.process_s) * 1e6 / static_cast<double>(run.requests);
    run.node_us = (node_after - node_before) * 1e6 / static_cast<double>(run.requests);
  }
  run.rss_mib = rss_mib(worker_pid);
  return run;
}

// ---------------------------------------------------------------------------
// configurations

struct Gateway {
  std::unique_ptr<e2e::Kong> kong;
  int worker_pid = 0;
  NodeCpu node;
  std::string url() const { return "http://127.0.0.1:" + std::to_string(kong->proxy_port()); }
};

// plugin_dir: "" for the connector (the ConfigMap's files), else the
// directory, under tests/bench/, of another plugin named as its last part.
Gateway start_gateway(const Options& opt, const fs::path& dir, const std::string& name,
                      std::optional<json> plugin, uint16_t upstream_port, int node_pid = 0,
                      const std::string& plugin_dir = "") {
  fs::path sub = dir / name;
  fs::create_directories(sub);
  e2e::KongOptions opts;
  opts.version = opt.kong_version;
  opts.log_level = "warn";
  opts.upstream_port = upstream_port;
  opts.worker_pid_header = false;
  // Each configuration names its node format; the e2e suite's does not apply.
  opts.suite_format = false;
  if (!plugin_dir.empty()) {
    opts.plugin_dirs = std::string(BENCH_SOURCE_DIR) + "/../" + plugin_dir;
    opts.plugin_name = fs::path(plugin_dir).filename().string();
  }
  Gateway g;
  // Every Host: wrk sends the typical request's own.
  g.kong = std::make_unique<e2e::Kong>(sub, std::vector<e2e::Route>{{"r", plugin, true}}, opts);
  g.kong->start();
  json w = g.kong->workers();
  g.worker_pid = w["pids"]["0"].get<int>();
  g.node.pid = node_pid;
  return g;
}

// A load level of the connector's cost: saturation (rate 0) or a fixed rate.
struct Level {
  std::string label;
  double rate = 0;
};

struct Config {
  std::string table;    // "" = the connector's cost at `level`; else its table
  size_t level = 0;     // index into the levels
  std::string name;     // row label
  std::string gateway;  // which gateway instance
  Load load;
};

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

struct Summary {
  double rps, p50, p99, loop_us, process_us, node_us, rss;
  long errors;
};

Summary summarize(const std::vector<Run>& runs) {
  std::vector<double> rps, p50, p99, loop, proc, node, rss;
  long errors = 0;
  for (const auto& r : runs) {
    rps.push_back(r.rps);
    p50.push_back(r.p50_ms);
    p99.push_back(r.p99_ms);
    loop.push_back(r.loop_us);
    proc.push_back(r.process_us);
    node.push_back(r.node_us);
    rss.push_back(r.rss_mib);
    errors += r.errors;
  }
  return {median(rps),  median(p50),  median(p99), median(loop),
          median(proc), median(node), median(rss), errors};
}

// What `runs` add over `base` in one field: the median of the differences of
// the runs of the same repetition, which ran minutes apart at most.
double added(const std::vector<Run>& runs, const std::vector<Run>& base, double Run::*field) {
  std::vector<double> d;
  for (size_t i = 0; i < std::min(runs.size(), base.size()); ++i)
    d.push_back(runs[i].*field - base[i].*field);
  return median(d);
}

std::string fmt(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string range(const std::vector<Run>& runs, double Run::*field, int decimals) {
  double lo = 1e300, hi = -1e300;
  for (const auto& r : runs) {
    lo = std::min(lo, r.*field);
    hi = std::max(hi, r.*field);
  }
  return runs.size() > 1 ? fmt(lo, decimals) + "–" + fmt(hi, decimals) : fmt(lo, decimals);
}

void target(const std::string& what, double value, const std::string& op, double goal,
            const std::string& unit = "") {
  const bool met = op == ">=" ? value >= goal : value <= goal;
  std::cout << "| " << what << " | " << fmt(value, 2) << unit << " | " << op << " " << fmt(goal, 2)
            << unit << " | " << (met ? "met" : "**missed**") << " |\n";
}

void note(const std::string& what, const std::string& value) {
  std::cout << "| " << what << " | " << value << " | (not a target) | |\n";
}

// The keys of `config` that the baseline's schema declares: --plugin-config
// is written for kong-lua, and the baseline refuses fields it does not have.
json baseline_subset(const json& config) {
  static const std::string schema = e2e::read_file(
      std::string(BENCH_SOURCE_DIR) + "/../baseline/kong/plugins/wallarm-baseline/schema.lua");
  json out = json::object();
  for (const auto& [k, v] : config.items())
    if (schema.find("{ " + k + " = {") != std::string::npos) out[k] = v;
  return out;
}

int run(const Options& opt) {
  e2e::TempDir dir("bench");
  std::cout << "Starting the upstream, the nodes and the gateways (Kong " << opt.kong_version
            << ") on 127.0.0.1...\n"
            << std::flush;
  auto want = [&](const std::string& n) { return opt.only.empty() || opt.only.count(n); };
  auto upstream = start_upstream(dir.path());
  auto pass = start_pass_node(dir.path());
  const std::vector<std::string> big_node = {"--threads", "512"};
  std::unique_ptr<e2e::RefNode> node, slow_node, crs_node;
  if (want("ref"))
    node = std::make_unique<e2e::RefNode>(dir.path(), e2e::node_options("block", 0, "none", big_node));
  if (want("slow"))
    slow_node = std::make_unique<e2e::RefNode>(dir.path(), e2e::node_options("block", 5, "none", big_node));
  if (want("crs"))
    crs_node = std::make_unique<e2e::RefNode>(dir.path(), e2e::node_options("block", 0, "", big_node));

  // kong-lua's configuration: node, row settings, then --plugin-config.
  auto kong_lua = [&](const std::string& node_url, json extra = json::object()) {
    extra["wallarm_node_address"] = node_url;
    extra.update(opt.plugin_config);
    return json{{"config", extra}};
  };
  auto baseline = [&](json extra = json::object()) {
    extra["wallarm_node_address"] = pass->url();
    extra.update(baseline_subset(opt.plugin_config));
    return json{{"config", extra}};
  };
  const json v1 = {{"node_format", "v1"}};
  json v1_oob = v1;
  v1_oob["blocking"] = false;
  const uint16_t up = upstream->port();
  const std::string baseline_dir = "baseline/kong/plugins/wallarm-baseline";
  std::map<std::string, Gateway> gw;
  auto start = [&](const std::string& name, const std::function<Gateway()>& make) {
    if (want(name)) gw[name] = make();
  };
  const fs::path d = dir.path();
  start("none", [&] { return start_gateway(opt, d, "none", std::nullopt, up); });
  start("noop", [&] {
    return start_gateway(opt, d, "noop", json{{"config", {{"wallarm_node_address", pass->url()}}}},
                         up, 0, "noop/kong/plugins/bench-noop");
  });
  start("blocking", [&] { return start_gateway(opt, d, "blocking", kong_lua(pass->url(), v1), up, pass->pid()); });
  start("oob", [&] { return start_gateway(opt, d, "oob", kong_lua(pass->url(), v1_oob), up, pass->pid()); });
  start("baseline", [&] {
    return start_gateway(opt, d, "baseline", baseline(), up, pass->pid(), baseline_dir);
  });
  start("baseline-oob", [&] {
    return start_gateway(opt, d, "baseline-oob", baseline({{"blocking", false}}), up, pass->pid(),
                         baseline_dir);
  });
  start("mirror", [&] {
    return start_gateway(opt, d, "mirror", kong_lua(pass->url(), {{"node_format", "mirror"}}), up,
                         pass->pid());
  });
  // End to end, in the plugin's default node format.
  if (node) start("ref", [&] { return start_gateway(opt, d, "ref", kong_lua(node->url()), up, node->pid()); });
  // 200 connections to a node that takes 5 ms: the pool must hold them all.
  if (slow_node)
    start("slow", [&] {
      return start_gateway(opt, d, "slow", kong_lua(slow_node->url(), {{"max_connections", 256}}),
                           up, slow_node->pid());
    });
  if (crs_node)
    start("crs", [&] { return start_gateway(opt, d, "crs", kong_lua(crs_node->url()), up, crs_node->pid()); });

  const int C = opt.connections, S = opt.seconds;
  std::vector<Level> levels = {{"saturation, " + std::to_string(C) + " connections", 0}};
  for (double r : opt.rates)
    if (r > 0)
      levels.push_back({fmt(r, 0) + " req/s, " + std::to_string(C) + " connections", r});

  std::vector<Config> configs;
  for (size_t l = 0; l < levels.size(); ++l) {
    Load load{"/", C, S, 0, levels[l].rate};
    const bool sat = levels[l].rate == 0;
    configs.push_back({"", l, "no plugin", "none", load});
    if (sat) configs.push_back({"", l, "no-op plugin (Kong's plugin phases alone)", "noop", load});
    configs.push_back({"", l, "kong-lua, blocking", "blocking", load});
    configs.push_back({"", l, "kong-lua, out of band (blocking = false)", "oob", load});
    configs.push_back({"", l, "plain-Lua baseline, blocking", "baseline", load});
    configs.push_back({"", l, "plain-Lua baseline, out of band (blocking = false)", "baseline-oob", load});
    if (sat)
      configs.push_back({"", l, "kong-lua, blocking, node_format mirror (default)", "mirror", load});
  }
  Load typical{"/", C, S, 0, 0};
  Load large{"/large", C, S, 64 * 1024, 0};
  // Over 64 KiB: the plugin sends the head alone first, then the whole request.
  Load larger{"/large", C, S, 96 * 1024, 0};
  Load slow{"/", 200, S, 0, 0};
  const std::string e2e_table = "e2e";
  for (const Config& c : std::vector<Config>{
           {e2e_table, 0, "kong-lua, blocking, reference node (--engine none)", "ref", typical},
           {e2e_table, 0, "kong-lua, reference node with the CRS", "crs", typical},
           {e2e_table, 0, "no plugin, 200 connections", "none", slow},
           {e2e_table, 0, "kong-lua, node takes 5 ms, 200 connections", "slow", slow},
           {e2e_table, 0, "no plugin, 64 KiB bodies, 256 KiB answers", "none", large},
           {e2e_table, 0, "kong-lua, 64 KiB bodies, 256 KiB answers", "ref", large},
           {e2e_table, 0, "no plugin, 96 KiB bodies, 256 KiB answers", "none", larger},
           {e2e_table, 0, "kong-lua, 96 KiB bodies (head judged first), 256 KiB answers", "ref", larger},
       })
    configs.push_back(c);
  std::vector<Config> selected;
  for (const auto& c : configs)
    if (gw.count(c.gateway)) selected.push_back(c);

  const double run_minutes = static_cast<double>(selected.size() * opt.reps * (S + 1)) / 60;
  std::cout << selected.size() << " configurations x " << opt.reps << " repetitions x " << S
            << " s: about " << fmt(run_minutes, 0) << " min, then the soak\n"
            << std::flush;

  // Warm-up: connections to the upstream and the node, LuaJIT traces.
  for (auto& [name, g] : gw) drive(d, g.url(), g.worker_pid, Load{"/", C, 1, 0, 0});

  std::vector<std::vector<Run>> runs(selected.size());
  for (int rep = 0; rep < opt.reps; ++rep) {
    for (size_t i = 0; i < selected.size(); ++i) {
      const auto& c = selected[i];
      std::cout << "  run " << rep + 1 << "/" << opt.reps << ": "
                << (c.table.empty() ? levels[c.level].label : "end to end") << ": " << c.name
                << "\n" << std::flush;
      auto& g = gw[c.gateway];
      runs[i].push_back(drive(d, g.url(), g.worker_pid, c.load, g.node));
    }
  }
  // The runs of a connector-cost row, or null.
  auto find = [&](size_t level, const std::string& gateway) -> const std::vector<Run>* {
    for (size_t i = 0; i < selected.size(); ++i)
      if (selected[i].table.empty() && selected[i].level == level && selected[i].gateway == gateway)
        return &runs[i];
    return nullptr;
  };
  auto find_e2e = [&](const std::string& name) -> const std::vector<Run>* {
    for (size_t i = 0; i < selected.size(); ++i)
      if (selected[i].table == e2e_table && selected[i].name == name) return &runs[i];
    return nullptr;
  };

  // --- the connector's cost, one table per load level
  std::cout << "\nThe connector's cost: against the pass node (nginx, `return 200`), node format "
               "v1 unless named; CPU per request of the gateway's worker; added = over the "
               "gateway without a plugin at the same load (median of the repetitions' "
               "differences).\n";
  for (size_t l = 0; l < levels.size(); ++l) {
    const auto* none = find(l, "none");
    std::cout << "\n### " << levels[l].label << "\n\n"
              << "| configuration | req/s (median; range) | achieved / asked | p50 ms | p99 ms | "
                 "process µs/req | main thread µs/req | added, process | added, main thread | "
                 "node µs/req | worker RSS MiB | errors |\n"
                 "|---|---|---|---|---|---|---|---|---|---|---|---|\n";
    for (size_t i = 0; i < selected.size(); ++i) {
      const auto& c = selected[i];
      if (!c.table.empty() || c.level != l) continue;
      const auto& rs = runs[i];
      Summary s = summarize(rs);
      std::string asked = "–";
      if (levels[l].rate > 0) {
        const double ratio = s.rps / levels[l].rate;
        asked = fmt(ratio, 3) + (std::fabs(ratio - 1) <= 0.05 ? "" : " **off**");
      }
      std::string add_p = "–", add_l = "–";
      if (none && c.gateway != "none") {
        add_p = fmt(added(rs, *none, &Run::process_us), 1);
        add_l = fmt(added(rs, *none, &Run::loop_us), 1);
      }
      std::cout << "| " << c.name << " | " << fmt(s.rps, 0) << " (" << range(rs, &Run::rps, 0)
                << ") | " << asked << " | " << fmt(s.p50, 2) << " | " << fmt(s.p99, 2) << " | "
                << fmt(s.process_us, 1) << " | " << fmt(s.loop_us, 1) << " | " << add_p << " | "
                << add_l << " | " << fmt(s.node_us, 1) << " | " << fmt(s.rss, 1) << " | "
                << s.errors << " |\n";
    }
  }

  // --- end to end
  bool any_e2e = false;
  for (const auto& c : selected) any_e2e = any_e2e || c.table == e2e_table;
  if (any_e2e) {
    std::cout << "\nEnd to end: kong-lua (default node format) against the reference node "
                 "(examples/reference-node, about 100 µs per message), saturation\n\n"
                 "| configuration | req/s (median; range) | p50 ms | p99 ms | process µs/req | "
                 "main thread µs/req | node µs/req | worker RSS MiB | errors |\n"
                 "|---|---|---|---|---|---|---|---|---|\n";
    for (size_t i = 0; i < selected.size(); ++i) {
      const auto& c = selected[i];
      if (c.table != e2e_table) continue;
      const auto& rs = runs[i];
      Summary s = summarize(rs);
      std::cout << "| " << c.name << " | " << fmt(s.rps, 0) << " (" << range(rs, &Run::rps, 0)
                << ") | " << fmt(s.p50, 2) << " | " << fmt(s.p99, 2) << " | "
                << fmt(s.process_us, 1) << " | " << fmt(s.loop_us, 1) << " | "
                << fmt(s.node_us, 1) << " | " << fmt(s.rss, 1) << " | " << s.errors << " |\n";
    }
  }

  // --- targets, per load level
  std::cout << "\n| target | measured | goal | |\n|---|---|---|---|\n";
  for (size_t l = 0; l < levels.size(); ++l) {
    const std::string at = levels[l].rate > 0 ? fmt(levels[l].rate, 0) + " req/s: " : "saturation: ";
    if (levels[l].rate > 0) {
      double lo = 1e300, hi = 0;
      for (size_t i = 0; i < selected.size(); ++i)
        if (selected[i].table.empty() && selected[i].level == l) {
          const double ratio = summarize(runs[i]).rps / levels[l].rate;
          lo = std::min(lo, ratio);
          hi = std::max(hi, ratio);
        }
      if (hi > 0) {
        target(at + "achieved / asked rate, lowest of the configurations", lo, ">=", 0.95, "x");
        target(at + "achieved / asked rate, highest of the configurations", hi, "<=", 1.05, "x");
      }
    }
    const auto *none = find(l, "none"), *blk = find(l, "blocking"), *oob = find(l, "oob"),
               *base = find(l, "baseline"), *base_oob = find(l, "baseline-oob");
    if (none && blk && base) {
      const double kl = added(*blk, *none, &Run::process_us);
      const double bl = added(*base, *none, &Run::process_us);
      target(at + "CPU added per request (process), kong-lua / baseline, blocking", kl / bl, "<=",
             0.7, "x");
      note(at + "CPU added per request (main thread), kong-lua / baseline, blocking",
           fmt(added(*blk, *none, &Run::loop_us) / added(*base, *none, &Run::loop_us), 2) + "x");
      if (oob && base_oob)
        target(at + "CPU added per request (process), kong-lua / baseline, out of band",
               added(*oob, *none, &Run::process_us) / added(*base_oob, *none, &Run::process_us),
               "<=", 0.7, "x");
    }
    if (blk && base) {
      const Summary k = summarize(*blk), b = summarize(*base);
      target(at + "p50, kong-lua / baseline, blocking", k.p50 / b.p50, "<=", 1.0, "x");
      target(at + "p99, kong-lua / baseline, blocking", k.p99 / b.p99, "<=", 1.0, "x");
      if (levels[l].rate == 0) note(at + "req/s, kong-lua / baseline, blocking", fmt(k.rps / b.rps, 2) + "x");
    }
    if (none && blk && oob)
      target(at + "CPU added per request (process), kong-lua out of band / blocking",
             added(*oob, *none, &Run::process_us) / added(*blk, *none, &Run::process_us), "<=",
             0.5, "x");
  }
  if (const auto *slow_runs = find_e2e("kong-lua, node takes 5 ms, 200 connections"),
      *none200 = find_e2e("no plugin, 200 connections");
      slow_runs && none200) {
    const double bound = std::min(summarize(*none200).rps, 200 / 0.005);
    target("end to end: slow node throughput / min(no plugin, 200 / 5 ms)",
           summarize(*slow_runs).rps / bound, ">=", 0.9, "x");
  }

  // --- soak: about `soak` requests through kong-lua, blocking, at saturation
  if (opt.soak > 0 && gw.count("blocking")) {
    auto& g = gw["blocking"];
    // Start from the same load as the soak, settled: its client, upstream and
    // node connections are then open (or idle in their pools) already. Its
    // rate, the machine's now, sets the soak's length.
    const Run settle = drive(d, g.url(), g.worker_pid, Load{"/", C, 3, 0, 0});
    std::this_thread::sleep_for(std::chrono::seconds(1));
    const double rss0 = rss_mib(g.worker_pid);
    const OpenFiles fds0 = open_files(g.worker_pid);
    const double rate = std::max(1.0, settle.rps);
    const int seconds = static_cast<int>(std::ceil(static_cast<double>(opt.soak) / rate));
    std::cout << "\nSoak: about " << opt.soak << " requests through kong-lua, blocking ("
              << seconds << " s)...\n" << std::flush;
    Run soak = drive(d, g.url(), g.worker_pid, Load{"/", C, seconds, 0, 0});
    std::this_thread::sleep_for(std::chrono::seconds(1));
    const double rss1 = rss_mib(g.worker_pid);
    const OpenFiles fds1 = open_files(g.worker_pid);
    // Sockets come and go with the pools: clients (C), the upstream's
    // keepalive (32), the node's connections (max_connections, 32), and a
    // few fixed ones (listeners, the notification socket).
    const long socket_bound = C + 32 + 32 + 8;
    std::cout << "  " << soak.requests << " requests at " << fmt(soak.rps, 0) << " req/s, "
              << soak.errors << " errors; worker RSS " << fmt(rss0, 1) << " -> " << fmt(rss1, 1)
              << " MiB; open sockets " << fds0.sockets << " -> " << fds1.sockets
              << ", other open files " << fds0.others << " -> " << fds1.others << "\n\n"
              << "| target | measured | goal | |\n|---|---|---|---|\n";
    target("soak RSS growth", (rss1 - rss0) / rss0 * 100, "<=", 5, " %");
    target("soak growth of open files other than sockets",
           static_cast<double>(fds1.others - fds0.others), "<=", 0);
    target("soak open sockets (pools bound them)", static_cast<double>(fds1.sockets), "<=",
           static_cast<double>(socket_bound));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << a << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    auto list = [](const std::string& s) {
      std::vector<std::string> out;
      std::stringstream ss(s);
      std::string n;
      while (std::getline(ss, n, ','))
        if (!n.empty()) out.push_back(n);
      return out;
    };
    if (a == "--reps") opt.reps = std::stoi(next());
    else if (a == "--seconds") opt.seconds = std::stoi(next());
    else if (a == "--connections") opt.connections = std::stoi(next());
    else if (a == "--soak") opt.soak = std::stol(next());
    else if (a == "--plugin-config") opt.plugin_config = json::parse(next());
    else if (a == "--kong") opt.kong_version = next();
    else if (a == "--rates") {
      opt.rates.clear();
      for (const auto& r : list(next())) opt.rates.push_back(std::stod(r));
    } else if (a == "--only") {
      for (const auto& n : list(next())) opt.only.insert(n);
    } else {
      std::cerr <<
          "usage: bench_gateway [--reps N] [--seconds S] [--connections C] [--rates R,...]\n"
          "                     [--soak REQUESTS] [--only GATEWAY,...] [--plugin-config JSON]\n"
          "                     [--kong 3.4.2|3.9.3]\n"
          "  --reps N         repetitions of every configuration, interleaved (3); medians\n"
          "  --seconds S      length of one run (5)\n"
          "  --connections C  wrk connections at every load level (32)\n"
          "  --rates R,...    fixed load levels in req/s over all connections, besides\n"
          "                   saturation (2000,4000); 0: saturation only\n"
          "  --soak REQUESTS  requests of the soak through kong-lua, blocking (1000000); 0: none\n"
          "  --only ...       the gateways to start, of none, noop, blocking, oob, baseline,\n"
          "                   baseline-oob, mirror (pass node); ref, crs, slow (reference node)\n"
          "  --plugin-config  JSON merged into every kong-lua configuration (and the keys\n"
          "                   the baseline's schema has into the baseline's)\n"
          "  --kong           the Kong version (3.4.2)\n"
          "By default 25 configurations x 3 x 5 s (about 7 minutes), then the soak (3 to 5\n"
          "minutes at 3,000 to 6,000 req/s).\n";
      return 2;
    }
  }
  e2e::install_cleanup_handlers();
  curl_global_init(CURL_GLOBAL_ALL);
  int rc = 1;
  try {
    rc = run(opt);
  } catch (const std::exception& e) {
    std::cerr << "bench_gateway: " << e.what() << "\n";
  }
  curl_global_cleanup();
  return rc;
}
