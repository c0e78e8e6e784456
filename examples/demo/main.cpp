// wallarm-demo: the connector end to end on this machine. It starts two
// reference nodes (ModSecurity + OWASP CRS; one in monitoring mode, one in
// block mode), open-source Kong Gateway 3.4.2 (DB-less, built from
// third_party/ on Debian's nginx by scripts/kong-runtime.sh) with the kong-lua
// plugin, and a demo upstream, then sends a short session of ordinary API
// calls and attacks through each mode and prints what happened to every
// request.
//
//   wallarm-demo          run the session, then stop everything
//   wallarm-demo --keep   run the session, then keep the stack up until Ctrl-C
//
// Exit status: 0 when every request got the outcome the mode promises
// (ordinary calls pass, attacks are registered, and blocked in block mode).
#include <curl/curl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <exception>
#include <iostream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "fixtures.h"
#include "http.h"
#include "kong.h"
#include "process.h"

namespace {

using e2e::json;

// Kong's own default proxy port, when it is free: the seed's curl then works
// with PROXY_IP=127.0.0.1:8000.
constexpr uint16_t kProxyPort = 8000;

struct Call {
  std::string shown;       // as the table prints it
  std::string method;
  std::string target;      // path and query as sent
  std::string body;
  std::string content_type;
  std::string attack;      // expected attack type, "" for an ordinary call
};

// The session: ordinary calls of a small JSON API, then the attacks.
const std::vector<Call>& session() {
  static const std::vector<Call> calls = {
      {"GET  /api/users/42", "GET", "/api/users/42", "", "", ""},
      {"GET  /api/search?q=running shoes", "GET", "/api/search?q=running+shoes", "", "", ""},
      {"POST /api/orders {\"item\":\"book\",\"qty\":2}", "POST", "/api/orders",
       R"({"item":"book","qty":2})", "application/json", ""},
      {"GET  /etc/passwd", "GET", "/etc/passwd", "", "", "ptrav"},
      {"GET  /api/users?id=1' OR '1'='1", "GET", "/api/users?id=1%27%20OR%20%271%27%3D%271", "",
       "", "sqli"},
      {"GET  /api/search?q=<script>alert(1)</script>", "GET",
       "/api/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E", "", "", "xss"},
      {"POST /api/login user=admin'--", "POST", "/api/login",
       "user=admin%27--&password=whatever", "application/x-www-form-urlencoded", "sqli"},
  };
  return calls;
}

e2e::HttpResponse send(const e2e::Kong& gw, const std::string& route, const Call& c) {
  e2e::HttpRequest req;
  req.method = c.method;
  req.url = gw.url(route, c.target);
  req.headers = {gw.host(route), "User-Agent: wallarm-demo/1.0", "Accept: application/json"};
  if (!c.content_type.empty()) req.headers.push_back("Content-Type: " + c.content_type);
  if (!c.body.empty()) req.body = c.body;
  return e2e::http(req);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

std::string fixed(double v, int decimals) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string pad(std::string s, size_t width) {
  // Width in characters: every string printed here is ASCII.
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

std::string attack_types(const json& record) {
  std::set<std::string> types;
  if (record.contains("attacks"))
    for (const auto& a : record["attacks"]) types.insert(a.value("type", "?"));
  std::string out;
  for (const auto& t : types) out += (out.empty() ? "" : ",") + t;
  return out.empty() ? "-" : out;
}

// Runs the session through one route; returns how many requests did not get
// the outcome the node's mode promises.
int run_session(e2e::Kong& gw, const std::string& route, e2e::RefNode& node, bool blocks) {
  std::set<std::string> seen;
  for (const auto& r : node.attacks()) seen.insert(r.value("request_id", ""));

  std::cout << "  " << pad("#", 3) << pad("request", 48) << pad("client", 8)
            << pad("node verdict", 14) << pad("attack", 8) << pad("via gateway", 13)
            << "added by the plugin\n";
  int unexpected = 0, n = 0;
  for (const auto& c : session()) {
    // The same request without the plugin (a route straight to the upstream),
    // for the latency the plugin adds; median of three.
    std::vector<double> direct;
    for (int i = 0; i < 3; ++i) direct.push_back(send(gw, "direct", c).total_ms);
    auto r = send(gw, route, c);

    // The node registers a request before it answers, so its record is there.
    json record;
    for (const auto& rec : node.attacks()) {
      std::string id = rec.value("request_id", "");
      if (!seen.count(id)) {
        seen.insert(id);
        record = rec;
      }
    }
    const std::string verdict = record.is_object() ? record.value("verdict", "?") : "pass";
    const std::string types = record.is_object() ? attack_types(record) : "-";
    const bool passed = r.status == 200;
    std::string added = passed ? "+" + fixed(r.total_ms - median(direct), 2) + " ms"
                               : "(answered by the gateway)";

    const bool is_attack = !c.attack.empty();
    const bool ok = r.status != 0 &&
                    (is_attack ? types.find(c.attack) != std::string::npos &&
                                     (blocks ? r.status == 403 && verdict == "block"
                                             : passed && verdict == "pass")
                               : passed && !record.is_object());
    if (!ok) ++unexpected;
    std::cout << "  " << pad(std::to_string(++n), 3) << pad(c.shown, 48)
              << pad(r.status ? std::to_string(r.status) : "error", 8)
              << pad(verdict + (record.is_object() && verdict == "pass" ? " (reg.)" : ""), 14)
              << pad(types, 8) << pad(fixed(r.total_ms, 2) + " ms", 13) << added
              << (ok ? "" : "   <- unexpected" + (r.error.empty() ? "" : ": " + r.error)) << "\n";
  }
  return unexpected;
}

// The connector's own counters, as Kong's Status API serves them.
void print_metrics(const e2e::Kong& gw, int warmups) {
  auto r = e2e::http_get(gw.status_url("/wallarm/metrics"));
  std::istringstream in(r.body);
  std::string line;
  std::cout << "Connector metrics (" << gw.status_url("/wallarm/metrics")
            << "), excerpt; they count the " << warmups
            << " warm-up requests too:\n";
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    if (line.rfind("wallarm_kong_requests_total", 0) == 0 ||
        line.rfind("wallarm_kong_node_verdicts_total", 0) == 0 ||
        line.rfind("wallarm_kong_node_errors_total", 0) == 0 ||
        line.rfind("wallarm_kong_connections_total", 0) == 0)
      std::cout << "  " << line << "\n";
  }
}

void wait_for_interrupt() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  int sig = 0;
  sigwait(&set, &sig);
}

int run(bool keep) {
  e2e::TempDir dir("demo");
  std::cout << "Starting, on 127.0.0.1 only:\n" << std::flush;
  e2e::RefNode monitoring(dir.path(), e2e::node_options("monitoring"));
  std::cout << "  reference node, monitoring mode  " << monitoring.url()
            << "  (ModSecurity + OWASP CRS)\n" << std::flush;
  e2e::RefNode block(dir.path(), e2e::node_options("block"));
  std::cout << "  reference node, block mode       " << block.url() << "\n" << std::flush;

  // Two routes with the plugin, one per node, and one without it, told
  // apart by Host as Kong routes are. The plugin waits for the verdict on
  // both (blocking = true, the default); whether an attack is blocked is the
  // node's mode. The seed's Host reaches the node in block mode.
  auto plugin = [](const e2e::RefNode& node) {
    return json{{"config", {{"wallarm_node_address", node.url()}}}};
  };
  e2e::KongOptions opts;
  opts.version = "3.4.2";
  opts.worker_pid_header = false;
  opts.log_level = "notice";
  opts.proxy_port = e2e::port_is_free(kProxyPort) ? kProxyPort : 0;
  e2e::Kong gw(dir.path(), {{"block", plugin(block)}, {"monitoring", plugin(monitoring)}, {"direct", {}}},
               opts);
  // Kong's own check of the declarative configuration, as an operator runs it.
  std::string parsed;
  if (gw.cli({"config", "parse", gw.declarative_config().string(), "-c", gw.config_file().string()},
             parsed) != 0)
    throw std::runtime_error("kong config parse refused the demo's kong.yml:\n" + parsed);
  gw.start();
  const std::string proxy = "127.0.0.1:" + std::to_string(gw.proxy_port());
  std::cout << "  Kong Gateway " << gw.version() << ", DB-less, proxy on " << proxy
            << ", Status API on " << gw.status_url("/") << "\n"
            << "    route Host " << gw.host_name("block") << " -> plugin -> node in block mode\n"
            << "    route Host " << gw.host_name("monitoring")
            << " -> plugin -> node in monitoring mode\n"
            << "    route Host " << gw.host_name("direct") << " -> no plugin\n"
            << "    " << gw.declarative_config().string() << ": kong config parse successful\n"
            << "  demo upstream (echoes each request as JSON)  http://127.0.0.1:"
            << gw.upstream_port() << "/\n\n";

  // Open the keep-alive connections to both nodes first, so the table shows
  // steady-state latency.
  int warmups = 0;  // through the plugin: its counters count them
  for (const char* route : {"monitoring", "block", "direct"})
    for (int i = 0; i < 3; ++i) {
      send(gw, route, session().front());
      if (std::string(route) != "direct") ++warmups;
    }

  int unexpected = 0;
  std::cout << "Node in monitoring mode: attacks are registered, nothing is blocked\n";
  unexpected += run_session(gw, "monitoring", monitoring, false);
  std::cout << "\nNode in block mode: attacks are answered 403 and never reach the upstream\n";
  unexpected += run_session(gw, "block", block, true);
  std::cout << "\n'via gateway' is the client's time for the request; 'added by the plugin' is\n"
               "that minus the median time of the same request on the route without the plugin.\n"
               "Most of it is the node's CRS inspection; docs/performance.md has the\n"
               "connector's own cost, measured against a node that inspects nothing.\n\n";

  print_metrics(gw, warmups);
  std::cout << "\nAttacks the nodes registered (a browser gets a page, curl gets JSON):\n"
            << "  " << monitoring.url() << "attacks\n"
            << "  " << block.url() << "attacks\n\n";

  auto bad = gw.bad_log_lines();
  for (const auto& l : bad) std::cout << "gateway error log: " << l << "\n";
  if (unexpected == 0 && bad.empty())
    std::cout << "OK: ordinary calls passed in both modes; every attack was registered, and "
                 "blocked in block mode.\n";
  else
    std::cout << "UNEXPECTED: " << unexpected << " request(s) above, " << bad.size()
              << " bad error-log line(s); logs are in " << dir.path() << "\n";

  if (keep) {
    std::cout << "\nThe stack stays up. Try:\n"
              << "  PROXY_IP=" << proxy << "\n"
              << "  curl -H \"Host: " << gw.host_name("block") << "\" $PROXY_IP/etc/passwd\n"
              << "  curl -H \"Host: " << gw.host_name("monitoring") << "\" $PROXY_IP/etc/passwd\n"
              << "Kong's error log: " << (gw.prefix() / "logs" / "error.log").string() << "\n"
              << "Press Ctrl-C (or kill " << ::getpid()
              << ") to stop everything and remove " << dir.path().string() << ".\n"
              << std::flush;
    wait_for_interrupt();
    std::cout << "\nStopping.\n";
  } else {
    std::cout << "Stopping everything (run with --keep to keep the stack up).\n";
  }
  return unexpected == 0 && bad.empty() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  bool keep = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--keep") == 0) {
      keep = true;
    } else {
      std::cerr << "usage: " << argv[0] << " [--keep]\n"
                << "  Runs the connector's local demo; --keep keeps it up until Ctrl-C.\n";
      return 2;
    }
  }
  e2e::install_cleanup_handlers();
  curl_global_init(CURL_GLOBAL_ALL);
  int rc = 1;
  try {
    rc = run(keep);
  } catch (const std::exception& e) {
    std::cerr << "wallarm-demo: " << e.what() << "\n";
  }
  curl_global_cleanup();
  return rc;
}
