// bench_gateway: what the connector costs a gateway, against baselines
// measured in the same run. On 127.0.0.1 it starts an upstream (plain nginx),
// reference nodes, and one gateway per configuration (real Kong, one worker,
// DB-less, built by scripts/kong-runtime.sh), then drives each with wrk for
// bounded runs, several repetitions interleaved, and prints medians:
// req/s, p50, p99, CPU per request of the worker's event loop (its main
// thread) and of the whole worker process (the engine thread included), and
// the worker's RSS. Then the targets, as ratios, and a bounded soak.
//
//   bench_gateway [--reps N] [--seconds S] [--connections C] [--soak REQUESTS]
//                 [--only NAME,...] [--plugin-config JSON] [--kong VERSION]
#include <curl/curl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
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
  long soak = 1000000;
  std::set<std::string> only;
  json plugin_config = json::object();  // merged into every plugin configuration
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

CpuSample cpu_of(int pid) {
  fs::path proc = "/proc/" + std::to_string(pid);
  return {stat_cpu_seconds(proc / "stat"),
          stat_cpu_seconds(proc / "task" / std::to_string(pid) / "stat")};
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
// the upstream: plain nginx, no Lua; a small JSON answer, or 256 KiB

class Upstream {
 public:
  explicit Upstream(const fs::path& dir) : dir_(dir / "upstream") {
    for (const char* sub : {"logs", "tmp", "html"}) fs::create_directories(dir_ / sub);
    e2e::write_file(dir_ / "html" / "large", std::string(256 * 1024, 'x'));
    port_ = e2e::free_port();
    std::string conf =
        "daemon off;\nmaster_process on;\nworker_processes 1;\n"
        "pid " + (dir_ / "nginx.pid").string() + ";\n"
        "error_log " + (dir_ / "logs" / "error.log").string() + " warn;\n" +
        (::geteuid() == 0 ? "user root;\n" : "") +
        "events { worker_connections 4096; }\n"
        "http {\n"
        "  access_log off;\n"
        "  client_body_temp_path " + (dir_ / "tmp").string() + ";\n"
        "  proxy_temp_path " + (dir_ / "tmp").string() + ";\n"
        "  fastcgi_temp_path " + (dir_ / "tmp").string() + ";\n"
        "  uwsgi_temp_path " + (dir_ / "tmp").string() + ";\n"
        "  scgi_temp_path " + (dir_ / "tmp").string() + ";\n"
        "  keepalive_requests 1000000;\n"
        "  client_max_body_size 0;\n"
        "  server {\n"
        "    listen 127.0.0.1:" + std::to_string(port_) + " backlog=4096;\n"
        // Static files refuse POST (405): answer it with the file anyway.
        "    location = /large { default_type application/octet-stream; alias " +
        (dir_ / "html" / "large").string() + "; error_page 405 =200 $uri; }\n"
        "    location / { default_type application/json; return 200 '{\"ok\":true}\\n'; }\n"
        "  }\n"
        "}\n";
    e2e::write_file(dir_ / "nginx.conf", conf);
    child_ = e2e::Child({E2E_NGINX, "-p", dir_.string(), "-c", (dir_ / "nginx.conf").string(),
                         "-e", (dir_ / "logs" / "error.log").string()},
                        dir_ / "logs" / "stderr.log");
    if (!e2e::wait_port(port_, std::chrono::seconds(10)))
      throw std::runtime_error("upstream nginx did not listen:\n" +
                               e2e::tail_file(dir_ / "logs" / "error.log"));
  }
  uint16_t port() const { return port_; }

 private:
  fs::path dir_;
  uint16_t port_ = 0;
  e2e::Child child_;
};

// The node's CPU is the node's, but on a shared machine it is taken from the
// gateway's: the table shows it so throughput can be read against it.
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
  double delay_ms = 0;
};

Run drive(const fs::path& dir, const std::string& url_base, int worker_pid, const Load& load,
          NodeCpu node = {}) {
  static int seq = 0;
  fs::path out = dir / ("wrk-" + std::to_string(seq++) + ".out");
  std::vector<std::string> argv = {
      BENCH_WRK, "-t1", "-c" + std::to_string(load.connections),
      "-d" + std::to_string(load.seconds) + "s", "--timeout", "5s",
      "-s", std::string(BENCH_SOURCE_DIR) + "/session.lua", url_base + load.path, "--",
      std::to_string(load.body_bytes), std::to_string(static_cast<long>(std::lround(load.delay_ms)))};
  CpuSample before = cpu_of(worker_pid);
  const double node_before = node.seconds();
  e2e::Child wrk(argv, out);
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
                      std::optional<json> plugin, uint16_t upstream_port,
                      const e2e::RefNode* node = nullptr, const std::string& plugin_dir = "") {
  fs::path sub = dir / name;
  fs::create_directories(sub);
  e2e::KongOptions opts;
  opts.version = opt.kong_version;
  opts.log_level = "warn";
  opts.upstream_port = upstream_port;
  opts.worker_pid_header = false;
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
  if (node) g.node.pid = node->pid();
  return g;
}

struct Config {
  std::string name;      // row label
  std::string gateway;   // which gateway instance
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

int run(const Options& opt) {
  e2e::TempDir dir("bench");
  std::cout << "Starting the upstream, the nodes and the gateways (Kong " << opt.kong_version
            << ") on 127.0.0.1...\n"
            << std::flush;
  Upstream upstream(dir.path());
  const std::vector<std::string> big_node = {"--threads", "512"};
  e2e::RefNode node(dir.path(), e2e::node_options("block", 0, "none", big_node));
  e2e::RefNode slow_node(dir.path(), e2e::node_options("block", 5, "none", big_node));
  e2e::RefNode crs_node(dir.path(), e2e::node_options("block", 0, "", big_node));

  auto conf = [&](const e2e::RefNode& n, json extra = json::object()) {
    extra["wallarm_node_address"] = n.url();
    extra.update(opt.plugin_config);
    return json{{"config", extra}};
  };
  std::map<std::string, Gateway> gw;
  auto want = [&](const std::string& n) { return opt.only.empty() || opt.only.count(n); };
  if (want("none")) gw["none"] = start_gateway(opt, dir.path(), "none", std::nullopt, upstream.port());
  if (want("blocking"))
    gw["blocking"] = start_gateway(opt, dir.path(), "blocking", conf(node), upstream.port(), &node);
  if (want("oob"))
    gw["oob"] = start_gateway(opt, dir.path(), "oob", conf(node, {{"blocking", false}}),
                              upstream.port(), &node);
  if (want("baseline"))
    gw["baseline"] = start_gateway(opt, dir.path(), "baseline", conf(node), upstream.port(), &node,
                                   "baseline/kong/plugins/wallarm-baseline");
  if (want("noop"))
    gw["noop"] = start_gateway(opt, dir.path(), "noop",
                               json{{"config", {{"wallarm_node_address", node.url()}}}},
                               upstream.port(), nullptr, "noop/kong/plugins/bench-noop");
  // 200 connections to a node that takes 5 ms: the pool must hold them all.
  if (want("slow"))
    gw["slow"] = start_gateway(opt, dir.path(), "slow", conf(slow_node, {{"max_connections", 256}}),
                               upstream.port(), &slow_node);
  if (want("crs"))
    gw["crs"] = start_gateway(opt, dir.path(), "crs", conf(crs_node), upstream.port(), &crs_node);

  const int C = opt.connections, S = opt.seconds;
  Load typical{"/", C, S, 0, 0};
  Load large{"/large", C, S, 64 * 1024, 0};
  // Over 64 KiB: the plugin sends the head alone first, then the whole request.
  Load larger{"/large", C, S, 96 * 1024, 0};
  Load slow{"/", 200, S, 0, 0};
  std::vector<Config> configs = {
      {"no plugin (ceiling)", "none", typical},
      {"no-op plugin (the phases' own cost)", "noop", typical},
      {"plugin, blocking", "blocking", typical},
      {"plugin, out of band (blocking = false)", "oob", typical},
      {"plain-Lua cosocket connector, blocking", "baseline", typical},
      {"no plugin, 200 connections", "none", slow},
      {"plugin, node takes 5 ms, 200 connections", "slow", slow},
      {"no plugin, 64 KiB bodies, 256 KiB answers", "none", large},
      {"plugin, 64 KiB bodies, 256 KiB answers", "blocking", large},
      {"no plugin, 96 KiB bodies, 256 KiB answers", "none", larger},
      {"plugin, 96 KiB bodies (head judged first), 256 KiB answers", "blocking", larger},
      {"plugin, node with CRS", "crs", typical},
  };
  std::vector<Config> selected;
  for (const auto& c : configs)
    if (want(c.gateway)) selected.push_back(c);

  // Warm-up: connections to the upstream and the node, LuaJIT traces.
  for (auto& [name, g] : gw)
    drive(dir.path(), g.url(), g.worker_pid, Load{"/", C, 1, 0, 0});

  std::map<std::string, std::vector<Run>> runs;
  for (int rep = 0; rep < opt.reps; ++rep) {
    for (const auto& c : selected) {
      std::cout << "  run " << rep + 1 << "/" << opt.reps << ": " << c.name << "\n" << std::flush;
      auto& g = gw[c.gateway];
      runs[c.name].push_back(drive(dir.path(), g.url(), g.worker_pid, c.load, g.node));
    }
  }

  // Added latency at half of the plugin's peak: both routes at the same rate.
  std::map<std::string, std::vector<Run>> half;
  double half_rate = 0;
  if (runs.count("plugin, blocking") && runs.count("no plugin (ceiling)")) {
    half_rate = summarize(runs["plugin, blocking"]).rps / 2;
    const int hc = 16;
    // Per connection: rate = hc / (delay + latency), latency ~ 0.5 ms.
    const double delay = std::max(0.0, hc * 1000.0 / half_rate - 0.5);
    Load at_half{"/", hc, S, 0, delay};
    for (int rep = 0; rep < opt.reps; ++rep)
      for (const char* name : {"none", "blocking", "baseline"}) {
        if (!gw.count(name)) continue;
        auto& g = gw[name];
        half[name].push_back(drive(dir.path(), g.url(), g.worker_pid, at_half));
      }
  }

  // --- the table
  std::cout << "\n| configuration | req/s (median; range) | p50 ms | p99 ms | worker loop µs/req | "
               "worker process µs/req | node µs/req | worker RSS MiB | errors |\n"
               "|---|---|---|---|---|---|---|---|---|\n";
  for (const auto& c : selected) {
    const auto& rs = runs[c.name];
    Summary s = summarize(rs);
    std::cout << "| " << c.name << " | " << fmt(s.rps, 0) << " (" << range(rs, &Run::rps, 0)
              << ") | " << fmt(s.p50, 2) << " | " << fmt(s.p99, 2) << " | " << fmt(s.loop_us, 1)
              << " | " << fmt(s.process_us, 1) << " | " << fmt(s.node_us, 1) << " | "
              << fmt(s.rss, 1) << " | " << s.errors
              << " |\n";
  }
  if (!half.empty()) {
    std::cout << "\nAt a set rate of about " << fmt(half_rate, 0)
              << " req/s (half the plugin's peak), 16 connections:\n\n"
                 "| configuration | req/s | p50 ms | p99 ms | worker process µs/req |\n"
                 "|---|---|---|---|---|\n";
    for (const auto& [name, rs] : half) {
      Summary s = summarize(rs);
      std::cout << "| " << name << " | " << fmt(s.rps, 0) << " | " << fmt(s.p50, 2) << " | "
                << fmt(s.p99, 2) << " | " << fmt(s.process_us, 1) << " |\n";
    }
  }

  // --- targets
  auto S_ = [&](const std::string& n) { return summarize(runs[n]); };
  std::cout << "\n| target | measured | goal | |\n|---|---|---|---|\n";
  if (runs.count("plugin, blocking")) {
    Summary none = S_("no plugin (ceiling)"), blk = S_("plugin, blocking");
    target("blocking throughput / no plugin", blk.rps / none.rps, ">=", 0.6, "x");
    if (runs.count("plain-Lua cosocket connector, blocking")) {
      Summary base = S_("plain-Lua cosocket connector, blocking");
      target("blocking throughput / plain-Lua connector", blk.rps / base.rps, ">=", 1.2, "x");
      const double added_plugin = blk.process_us - none.process_us;
      const double added_base = base.process_us - none.process_us;
      target("worker CPU added per request (process) / plain-Lua's", added_plugin / added_base,
             "<=", 0.7, "x");
      target("worker CPU added per request (event loop) / plain-Lua's",
             (blk.loop_us - none.loop_us) / (base.loop_us - none.loop_us), "<=", 0.7, "x");
    }
    if (half.count("none") && half.count("blocking"))
      target("added p99 at half of peak", summarize(half["blocking"]).p99 - summarize(half["none"]).p99,
             "<=", 1.0, " ms");
  }
  if (runs.count("plugin, out of band (blocking = false)"))
    target("out-of-band throughput / no plugin",
           S_("plugin, out of band (blocking = false)").rps / S_("no plugin (ceiling)").rps, ">=",
           0.85, "x");
  if (runs.count("plugin, node takes 5 ms, 200 connections")) {
    const double bound = std::min(S_("no plugin, 200 connections").rps, 200 / 0.005);
    target("slow node throughput / min(no plugin, 200 / 5 ms)",
           S_("plugin, node takes 5 ms, 200 connections").rps / bound, ">=", 0.9, "x");
    // Where CPU, not waiting, bounds the plugin, a 5 ms node should cost
    // little against an instant one: the worker never waits for it.
    if (runs.count("plugin, blocking"))
      std::cout << "| (slow node / instant node, plugin; not a target) | "
                << fmt(S_("plugin, node takes 5 ms, 200 connections").rps /
                           S_("plugin, blocking").rps, 2)
                << "x | | |\n";
  }

  // --- soak: about `soak` requests, at the rate the plugin just sustained
  if (opt.soak > 0 && runs.count("plugin, blocking")) {
    auto& g = gw["blocking"];
    // Start from the same load as the soak, settled: its client, upstream and
    // node connections are then open (or idle in their pools) already.
    drive(dir.path(), g.url(), g.worker_pid, Load{"/", C, 2, 0, 0});
    std::this_thread::sleep_for(std::chrono::seconds(1));
    const double rss0 = rss_mib(g.worker_pid);
    const OpenFiles fds0 = open_files(g.worker_pid);
    const double rate = std::max(1.0, summarize(runs["plugin, blocking"]).rps);
    const int seconds = static_cast<int>(std::ceil(static_cast<double>(opt.soak) / rate));
    std::cout << "\nSoak: about " << opt.soak << " requests through the plugin, blocking ("
              << seconds << " s)...\n" << std::flush;
    Run soak = drive(dir.path(), g.url(), g.worker_pid, Load{"/", C, seconds, 0, 0});
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
    if (a == "--reps") opt.reps = std::stoi(next());
    else if (a == "--seconds") opt.seconds = std::stoi(next());
    else if (a == "--connections") opt.connections = std::stoi(next());
    else if (a == "--soak") opt.soak = std::stol(next());
    else if (a == "--plugin-config") opt.plugin_config = json::parse(next());
    else if (a == "--kong") opt.kong_version = next();
    else if (a == "--only") {
      std::stringstream ss(next());
      std::string n;
      while (std::getline(ss, n, ',')) opt.only.insert(n);
    } else {
      std::cerr << "usage: bench_gateway [--reps N] [--seconds S] [--connections C] "
                   "[--soak REQUESTS] [--only none,noop,blocking,oob,baseline,slow,crs]\n"
                   "                     [--plugin-config JSON (merged into each plugin's config)]\n"
                   "                     [--kong 3.4.2|3.9.3]\n";
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
