// Fault injection: a node that refuses, hangs, resets, lies about lengths,
// answers garbage, errors or oversized bodies, or drops keep-alive
// connections; the circuit breaker; `kong reload` under load. Real Kong, the
// real library, real loopback sockets.
#include <doctest/doctest.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "fault_node.h"
#include "test_util.h"

using namespace e2e;

namespace {

using Clock = std::chrono::steady_clock;

// Short, so a fault that costs the whole timeout keeps the suite fast.
constexpr int kTimeoutMs = 250;
// What a loaded 2-core machine may add to a request that gives up at the deadline.
constexpr double kMarginMs = 300;

// A line for the CI log: what each fault did (timings, counters, log line).
#define REPORT(what)                                      \
  do {                                                    \
    std::ostringstream os_;                               \
    os_ << what;                                          \
    std::cout << "[faults] " << os_.str() << std::endl;   \
  } while (0)

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// The plugin's Status API metrics as series -> value.
std::map<std::string, double> scrape(Kong& kong) {
  std::map<std::string, double> out;
  auto r = http_get(kong.status_url("/wallarm/metrics"));
  std::istringstream in(r.body);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto sp = line.rfind(' ');
    if (sp == std::string::npos) continue;
    out[line.substr(0, sp)] = std::stod(line.substr(sp + 1));
  }
  return out;
}

double value(const std::map<std::string, double>& m, const std::string& series) {
  auto it = m.find(series);
  return it == m.end() ? 0 : it->second;
}

std::string node_errors(const std::string& code) {
  return "wallarm_kong_node_errors_total{code=\"" + code + "\"}";
}
std::string requests(const std::string& outcome) {
  return "wallarm_kong_requests_total{outcome=\"" + outcome + "\"}";
}
std::string failures(const std::string& kind) {
  return "wallarm_kong_node_failures_total{kind=\"" + kind + "\"}";
}
const char* const kFailureKinds[] = {"timeout", "refused", "connect", "tls",
                                     "reset",   "proto",   "status",  "io"};

// The plugin's node-error codes that have a series, with their counts.
std::map<std::string, double> error_codes(const std::map<std::string, double>& m) {
  static const std::string prefix = "wallarm_kong_node_errors_total{code=\"";
  std::map<std::string, double> out;
  for (const auto& [k, v] : m)
    if (k.rfind(prefix, 0) == 0) out[k.substr(prefix.size(), k.size() - prefix.size() - 2)] = v;
  return out;
}

// The request, error and failure counters once two scrapes 150 ms apart agree.
std::map<std::string, double> settled_counters(Kong& kong) {
  auto counters = [&] {
    std::map<std::string, double> out;
    for (const auto& [k, v] : scrape(kong))
      for (const char* p : {"wallarm_kong_requests_total", "wallarm_kong_node_errors_total",
                            "wallarm_kong_node_failures_total"})
        if (k.rfind(p, 0) == 0) out[k] = v;
    return out;
  };
  auto last = counters();
  for (int i = 0; i < 20; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    auto now = counters();
    if (now == last) break;
    last = std::move(now);
  }
  return last;
}

std::string dump(const std::map<std::string, double>& m) {
  std::string s;
  for (const auto& [k, v] : m)
    if (k.rfind("wallarm_kong_node_latency", 0) != 0) s += k + " " + std::to_string(static_cast<long>(v)) + "\n";
  return s;
}

std::vector<std::string> lines_with(const std::string& text, const std::string& needle) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line))
    if (line.find(needle) != std::string::npos) out.push_back(line);
  return out;
}

int count_fds(long pid) {
  std::error_code ec;
  int n = 0;
  for (auto it = fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec);
       !ec && it != fs::directory_iterator(); it.increment(ec))
    ++n;
  return ec ? -1 : n;
}

// Stops and joins load threads, also when a REQUIRE leaves the test early.
struct Joiner {
  std::atomic<bool>& stop;
  std::vector<std::thread>& threads;
  void join() {
    stop.store(true);
    for (auto& t : threads)
      if (t.joinable()) t.join();
  }
  ~Joiner() { join(); }
};

bool process_gone(long pid) { return ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH; }

long worker_pid(Kong& kong, const std::string& id = "0") {
  json w = kong.workers();
  if (!w.is_object() || !w.contains("pids") || !w["pids"].contains(id) || !w["pids"][id].is_number()) return -1;
  return w["pids"][id].get<long>();
}

// One request of the matrix: varied methods, headers and bodies (one over
// client_body_buffer_size, so nginx keeps it in a file), so the pass
// fallback can be checked to forward each intact.
struct Shot {
  HttpRequest req;
  std::string tag, path, body;
};

Shot make_shot(Kong& kong, const std::string& route, int i, const std::string& path_prefix) {
  Shot s;
  s.tag = unique_tag("fault");
  s.path = path_prefix + std::to_string(i) + "?q=" + std::to_string(i) + "&x=%2Fy";
  s.req.url = kong.url(route, s.path);
  s.req.timeout_ms = 5000;
  s.req.headers = {kong.host(route), "X-E2E-Tag: " + s.tag, "X-Custom: value " + std::to_string(i),
                   "Authorization: Bearer header-secret-" + std::to_string(i)};
  switch (i % 3) {
    case 0:
      s.req.method = "GET";
      break;
    case 1:
      s.req.method = "POST";
      s.body = "body-secret " + random_bytes(3000, static_cast<uint32_t>(i));
      s.req.headers.push_back("Content-Type: application/octet-stream");
      break;
    default:
      s.req.method = "PUT";
      s.body = "body-secret " + random_bytes(20000, static_cast<uint32_t>(i));
      s.req.headers.push_back("Content-Type: application/octet-stream");
      break;
  }
  if (!s.body.empty()) s.req.body = s.body;
  return s;
}

// The upstream's echo says it got exactly what the client sent.
void check_forwarded_intact(const Shot& s, const HttpResponse& r) {
  json echo = json::parse(r.body, nullptr, false);
  REQUIRE(echo.is_object());
  CHECK(echo.value("method", "") == s.req.method);
  CHECK(echo.value("uri", "") == s.path);
  const std::string raw = echo.value("raw_header", "");
  for (const auto& h : s.req.headers) CHECK(raw.find(h + "\r\n") != std::string::npos);
  CHECK(echo.value("body_len", -1L) == static_cast<long>(s.body.size()));
  CHECK(echo.value("body_md5", "") == md5_hex(s.body));
}

void check_blocked(const HttpResponse& r) {
  CHECK(r.status == 403);
  json b = json::parse(r.body, nullptr, false);
  CHECK(b.is_object());
  if (b.is_object()) CHECK(b.value("message", "") == "Request blocked by Wallarm");
}

// ---------------------------------------------------------------------------
// The matrix

struct FaultCase {
  const char* name;
  Fault fault;
  int arg;
  bool https;
  const char* code;  // the plugin's node-error code; nullptr: no error expected
  const char* kind;  // the library's failure kind it is counted under
  int timeout_ms = kTimeoutMs;
};

const FaultCase kCases[] = {
    {"refuse", Fault::refuse, 0, false, "ECONNREFUSED", "refused"},
    {"hang", Fault::hang, 0, false, "ETIMEOUT", "timeout"},
    {"slow", Fault::slow, 1000, false, "ETIMEOUT", "timeout"},
    {"reset", Fault::reset, 0, false, "ECONNRESET", "reset"},
    {"garbage", Fault::garbage, 0, false, "EPROTO", "proto"},
    {"truncated", Fault::truncated, 0, false, "ECONNRESET", "reset"},
    {"oversized", Fault::oversized, 65536, false, "ETOOBIG", "proto"},
    {"status-500", Fault::status, 500, false, "ESTATUS", "status"},
    {"status-502", Fault::status, 502, false, "ESTATUS", "status"},
    {"status-404", Fault::status, 404, false, "ESTATUS", "status"},
    {"status-401", Fault::status, 401, false, "ESTATUS", "status"},
    {"tls-stall", Fault::tls_stall, 0, true, "ETIMEOUT", "timeout"},
    // Each failed handshake loads the system CA store again (tens of ms):
    // a longer timeout keeps a loaded machine from turning ETLS into ETIMEOUT.
    {"tls-garbage", Fault::garbage, 0, true, "ETLS", "tls", 1000},
    {"random-close", Fault::random_close, 0, false, nullptr, nullptr},
};

const FaultCase& fault_case(const std::string& name) {
  for (const auto& c : kCases)
    if (name == c.name) return c;
  throw std::runtime_error("no fault case " + name);
}

// A faulty node: every request gets the fallback within the timeout, the
// right counters move, one log line says so, nothing crashes or leaks.
void run_fault(const FaultCase& c, const std::string& fallback) {
  const int kRequests = 12;
  TempDir dir(std::string("fault-") + c.name);
  FaultNode node(c.fault, c.arg);
  // Credentials in the node URL must never reach the log.
  std::string url = node.url(c.https);
  url.insert(url.find("://") + 3, "wallarm:s3cret@");
  Kong kong(
      dir.path(),
      {{"main", plugin(node_config(url, {{"timeout_ms", c.timeout_ms}, {"fallback", fallback}}))},
       {"plain", std::nullopt}});
  kong.start();
  const long pid = worker_pid(kong);
  REQUIRE(pid > 0);
  // Baseline after the upstream keep-alive connection exists and the
  // notification reader is connected.
  REQUIRE(http_get(kong.url("plain", "/warmup"), {kong.host("plain")}).status == 200);
  int fds_before = -1;
  eventually([&] {
    int a = count_fds(pid);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    fds_before = count_fds(pid);
    return a == fds_before;
  }, std::chrono::milliseconds(2000));

  std::vector<double> ms;
  std::string first_id;  // the blocked answer's request id, also in the log line
  for (int i = 0; i < kRequests; ++i) {
    Shot s = make_shot(kong, "main", i, "/fault/");
    CAPTURE(i);
    CAPTURE(s.req.method);
    auto r = http(s.req);
    ms.push_back(r.total_ms);
    INFO(r.status << " " << r.error << " in " << r.total_ms << " ms: " << r.body.substr(0, 300));
    CHECK(r.total_ms < c.timeout_ms + kMarginMs);
    CHECK(r.header("X-E2E-Worker-Pid") == std::to_string(pid));
    if (fallback == "pass") {
      REQUIRE(r.status == 200);
      check_forwarded_intact(s, r);
      CHECK(kong.upstream_seen(s.tag) == 1);
    } else {
      check_blocked(r);
      CHECK(kong.upstream_seen(s.tag) == 0);
      if (i == 0) first_id = json::parse(r.body, nullptr, false).value("request_id", "");
    }
  }

  // Counters: every request fell back; the fault's code and the library's
  // failure kind moved, no other kind did. Response messages (fallback
  // pass) fail in the background after the client is served, by their
  // deadline; health probes may be out (they are not counted as failures).
  std::this_thread::sleep_for(std::chrono::milliseconds(c.timeout_ms + 50));
  std::map<std::string, double> after = settled_counters(kong);
  INFO("metrics after:\n" << dump(after));
  CHECK(value(after, requests("fallback_" + fallback)) == kRequests);
  for (const char* o : {"passed", "blocked", "fallback_pass", "fallback_block"})
    if (o != "fallback_" + fallback) CHECK(value(after, requests(o)) == 0);
  auto codes = error_codes(after);
  CHECK(codes[c.code] >= 1);
  double total = 0;
  for (const auto& [code, n] : codes) {
    CAPTURE(code);
    CHECK((code == c.code || code == "EUNAVAILABLE"));  // the breaker opened after a few
    total += n;
  }
  CHECK(total >= kRequests);
  for (const std::string k : kFailureKinds) {
    CAPTURE(k);
    if (k == c.kind)
      CHECK(value(after, failures(k)) >= 1);
    else
      CHECK(value(after, failures(k)) == 0);
  }

  // One log line per code however many requests failed (the rate limit).
  const std::string log = kong.error_log();
  auto lines = lines_with(log, "no verdict from the node (");
  auto ours = lines_with(log, std::string("no verdict from the node (") + c.code + ": ");
  INFO("log lines:\n" << [&] { std::string s; for (auto& l : lines) s += l + "\n"; return s; }());
  CHECK(ours.size() == 1);
  CHECK(lines.size() <= codes.size());
  for (const auto& l : lines) CHECK(l.find(", fallback " + fallback) != std::string::npos);
  // No secret and no request content in the log at the default level.
  for (const char* secret : {"s3cret", "header-secret", "body-secret"}) {
    CAPTURE(secret);
    CHECK(log.find(secret) == std::string::npos);
  }
  if (fallback == "block" && !ours.empty()) {
    CHECK_FALSE(first_id.empty());
    CHECK(ours.front().find("request " + first_id + ",") != std::string::npos);
  }

  // Same worker, no descriptor left behind (connections the node still
  // holds open are pooled ones).
  CHECK(worker_pid(kong) == pid);
  int fds_after = -1;
  bool fds_ok = eventually([&] {
    fds_after = count_fds(pid);
    return fds_after <= fds_before + node.open_connections();
  }, std::chrono::milliseconds(3000));
  INFO("worker fds: before " << fds_before << ", after " << fds_after << ", node connections open "
                             << node.open_connections());
  CHECK(fds_ok);
  check_clean_log(kong);

  std::string each;
  for (double x : ms) each += std::to_string(static_cast<int>(x + 0.5)) + " ";
  std::sort(ms.begin(), ms.end());
  REPORT(std::string(c.name) << " fallback=" << fallback << ": " << kRequests << " requests, latency min "
                 << ms.front() << " median " << percentile(ms, 50) << " max " << ms.back()
                 << " ms (" << each << "); node saw " << node.connections() << " connections, " << node.messages("request")
                 << " request and " << node.messages("response") << " response messages, "
                 << node.messages("health") << " probes; codes " << [&] {
                      std::string s;
                      for (auto& [k, v] : codes) s += k + "=" + std::to_string(static_cast<long>(v)) + " ";
                      return s;
                    }() << "; failures{" << c.kind << "}=" << value(after, failures(c.kind))
                 << " breaker_trips=" << value(scrape(kong), "wallarm_kong_breaker_trips_total")
                 << "; fds " << fds_before << "->" << fds_after);
  if (!ours.empty()) REPORT("log: " << ours.front());
}

// A node that closes keep-alive connections now and then, with or without
// saying so. docs/protocol.md 2.2: a message that meets a connection the
// node closed, before any byte of the answer, is sent again once on a new
// connection, so every request gets its real verdict.
void run_random_close(const std::string& fallback) {
  const int kRequests = 80;
  TempDir dir("fault-random-close");
  FaultNode node(Fault::random_close, 0, 7);
  // Timing is not the point here: a generous timeout keeps ETIMEOUT out.
  Kong kong(
      dir.path(),
      {{"main", plugin(node_config(node.url(), {{"timeout_ms", 1000}, {"fallback", fallback}}))}});
  kong.start();
  const long pid = worker_pid(kong);

  // Two clients at once, so messages overlap on the node's connections.
  std::atomic<int> next{0}, wrong{0}, attacks{0};
  std::mutex mu;
  std::vector<std::string> errors;
  auto client = [&] {
    for (int i; (i = next.fetch_add(1)) < kRequests;) {
      const bool attack = i % 4 == 3;
      Shot s = make_shot(kong, "main", i, attack ? "/attack/" : "/fault/");
      auto r = http(s.req);
      const long seen = kong.upstream_seen(s.tag);
      json echo = json::parse(r.body, nullptr, false);
      const bool forwarded = r.status == 200 && echo.is_object() && echo.value("uri", "") == s.path &&
                             echo.value("body_md5", "") == md5_hex(s.body) && seen == 1;
      const bool blocked = r.status == 403 && seen == 0;
      const bool verdict = attack ? blocked : forwarded;
      if (attack) attacks.fetch_add(1);
      if (!verdict) {
        wrong.fetch_add(1);
        std::lock_guard<std::mutex> lk(mu);
        errors.push_back(s.path + " -> " + std::to_string(r.status) + " " + r.error + " " + r.body.substr(0, 200));
      }
    }
  };
  std::thread t1(client), t2(client);
  t1.join();
  t2.join();

  std::map<std::string, double> m;
  eventually([&] {
    m = scrape(kong);
    return value(m, "wallarm_kong_in_flight") == 0 && value(m, "wallarm_kong_queued") == 0;
  });
  auto codes = error_codes(m);
  const std::string log = kong.error_log();
  {
    std::string joined;
    for (const auto& e : errors) joined += e + "\n";
    INFO("wrong answers:\n" << joined);
    INFO("metrics:\n" << dump(m));
    CHECK(wrong.load() == 0);
    const double fallbacks = value(m, requests("fallback_" + fallback));
    CHECK(fallbacks == 0);
    CHECK(codes.empty());
    CHECK(lines_with(log, "no verdict from the node").empty());
    CHECK(value(m, requests("passed")) + value(m, requests("blocked")) + fallbacks == kRequests);
    for (const std::string k : kFailureKinds) {
      CAPTURE(k);
      CHECK(value(m, failures(k)) == 0);
    }
    // The node really closed connections, both ways.
    CHECK(node.closes_announced() > 0);
    CHECK(node.closes_silent() > 0);
    CHECK(worker_pid(kong) == pid);
    check_clean_log(kong);
  }
  REPORT("random-close fallback=" << fallback << ": " << kRequests
                                  << " requests, " << wrong.load() << " wrong, "
                                  << value(m, requests("fallback_" + fallback)) << " fell back ("
                                  << value(m, failures("reset")) << " messages failed ECONNRESET); node saw "
                                  << node.connections() << " connections, " << node.messages()
                                  << " messages (" << node.duplicate_requests()
                                  << " request messages twice), closed " << node.closes_announced()
                                  << " with Connection: close and " << node.closes_silent()
                                  << " without; connector opened "
                                  << value(m, "wallarm_kong_connections_total{event=\"opened\"}")
                                  << ", reused "
                                  << value(m, "wallarm_kong_connections_total{event=\"reused\"}"));
  for (const auto& l : lines_with(log, "no verdict from the node")) REPORT("log: " << l);
}

void run_matrix(const std::string& name) {
  const FaultCase& c = fault_case(name);
  for (const std::string fallback : {"pass", "block"}) {
    SUBCASE(("fallback " + fallback).c_str()) {
      if (c.code)
        run_fault(c, fallback);
      else
        run_random_close(fallback);
    }
  }
}

}  // namespace

TEST_CASE("e2e: fault node refuses connections: fallback at once, ECONNREFUSED") { run_matrix("refuse"); }
TEST_CASE("e2e: fault node accepts and never answers: fallback at the timeout, ETIMEOUT") { run_matrix("hang"); }
TEST_CASE("e2e: fault node answers after the timeout: fallback at the timeout, ETIMEOUT") { run_matrix("slow"); }
TEST_CASE("e2e: fault node resets mid-answer: fallback, ECONNRESET") { run_matrix("reset"); }
TEST_CASE("e2e: fault node answers garbage: fallback, EPROTO") { run_matrix("garbage"); }
TEST_CASE("e2e: fault node truncates its answer: fallback, ECONNRESET") { run_matrix("truncated"); }
TEST_CASE("e2e: fault node answers over the answer limit: fallback, ETOOBIG") { run_matrix("oversized"); }
TEST_CASE("e2e: fault node answers 500: fallback, ESTATUS") { run_matrix("status-500"); }
TEST_CASE("e2e: fault node answers 502: fallback, ESTATUS") { run_matrix("status-502"); }
TEST_CASE("e2e: fault node answers 404: fallback, ESTATUS") { run_matrix("status-404"); }
TEST_CASE("e2e: fault node answers 401: fallback, ESTATUS") { run_matrix("status-401"); }
TEST_CASE("e2e: fault node stalls the TLS handshake: fallback at the timeout, ETIMEOUT") { run_matrix("tls-stall"); }
TEST_CASE("e2e: fault node answers a TLS handshake with garbage: fallback, ETLS") { run_matrix("tls-garbage"); }
// A dead kept-alive connection costs a resend, never a fallback
// (docs/protocol.md 2.2), however many a handle has seen before.
TEST_CASE("e2e: fault node closes keep-alive connections at random: real verdicts, no errors") {
  run_matrix("random-close");
}

// ---------------------------------------------------------------------------

TEST_CASE("e2e: fault node stops with connections open and leaves no thread or descriptor") {
  auto count_tasks = [] {
    int n = 0;
    for (auto it = fs::directory_iterator("/proc/self/task"); it != fs::directory_iterator(); ++it) ++n;
    return n;
  };
  struct Clients {  // closed however the test ends
    std::vector<int> fds;
    ~Clients() {
      for (int fd : fds) ::close(fd);
    }
    // Connects to 127.0.0.1:port; the errno of a failed connect, else 0.
    int connect(uint16_t port) {
      int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      fds.push_back(fd);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      a.sin_port = htons(port);
      return ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 ? 0 : errno;
    }
  };
  const int fds0 = count_fds(::getpid()), tasks0 = count_tasks();
  {
    Clients clients;
    FaultNode node(Fault::hang);
    const std::string msg = "POST / HTTP/1.1\r\nX-Wallarm-Message-Type: request\r\nContent-Length: 0\r\n\r\n";
    for (int i = 0; i < 5; ++i) {
      REQUIRE(clients.connect(node.port()) == 0);
      REQUIRE(::send(clients.fds.back(), msg.data(), msg.size(), MSG_NOSIGNAL) ==
              static_cast<ssize_t>(msg.size()));
    }
    REQUIRE(eventually([&] { return node.messages("request") == 5; }));
    CHECK(node.open_connections() == 5);
    node.set_mode(Fault::refuse);  // drops them all, closes the port
    CHECK(node.open_connections() == 0);
    CHECK(clients.connect(node.port()) == ECONNREFUSED);
    node.set_mode(Fault::hang);  // the same port listens again
    CHECK(clients.connect(node.port()) == 0);
    CHECK(eventually([&] { return node.open_connections() == 1; }));
    auto t0 = Clock::now();
    node.stop();  // with a connection open and its thread waiting
    CHECK(ms_since(t0) < 500);
  }
  CHECK(count_fds(::getpid()) == fds0);
  CHECK(count_tasks() == tasks0);
}

// ---------------------------------------------------------------------------

TEST_CASE("e2e: circuit breaker opens on a dead node, fails fast, and closes when the node is back") {
  // 3 consecutive failures open it, the first probe goes out 600 ms later
  // (the plugin's breaker settings; 5 and 1 s by default).
  const int kFailures = 3, kBackoffMs = 600, kTimeout = 300;
  TempDir dir("fault-breaker");
  FaultNode node(Fault::hang);
  Kong kong(dir.path(),
            {{"main", plugin(node_config(node.url(), {{"timeout_ms", kTimeout},
                                                      {"fallback", "block"},
                                                      {"breaker_failures", kFailures},
                                                      {"breaker_backoff_ms", kBackoffMs}}))}});
  kong.start();
  int seq = 0;
  auto shot = [&](const std::string& prefix = "/breaker/") {
    return http_get(kong.url("main", prefix + std::to_string(seq++)), {kong.host("main")});
  };

  // Closed: each request waits for the whole timeout, then falls back.
  for (int i = 0; i < kFailures; ++i) {
    auto r = shot();
    CAPTURE(i);
    CHECK(r.status == 403);
    CHECK(r.total_ms >= kTimeout - 5);
    CHECK(r.total_ms < kTimeout + kMarginMs);
  }
  const auto opened = Clock::now();
  CHECK(node.messages("request") == kFailures);

  // Open: refused at once, nothing reaches the node.
  std::vector<double> fast;
  for (int i = 0; i < 10; ++i) {
    auto r = shot();
    CHECK(r.status == 403);
    fast.push_back(r.total_ms);
  }
  INFO("open breaker: median " << percentile(fast, 50) << " ms, max " << percentile(fast, 100) << " ms");
  CHECK(percentile(fast, 50) < 20);
  CHECK(percentile(fast, 100) < kTimeout / 3.0);
  CHECK(node.messages("request") == kFailures);
  auto m = scrape(kong);
  {
    INFO("metrics while open:\n" << dump(m));
    CHECK(value(m, "wallarm_kong_breaker_open") == 1);
    CHECK(value(m, "wallarm_kong_breaker_trips_total") == 1);
    CHECK(value(m, node_errors("ETIMEOUT")) == kFailures);
    CHECK(value(m, node_errors("EUNAVAILABLE")) == 10);
    CHECK(value(m, "wallarm_kong_messages_unavailable_total") == 10);
  }
  const double open_checked_ms = ms_since(opened);
  REQUIRE(open_checked_ms < kBackoffMs - 100);  // the probe must find the node back

  // Polls with benign requests until one gets a real verdict (200); until
  // then each must be a fast fallback. Returns ms since `since`.
  auto until_verdict = [&](Clock::time_point since, double limit_ms) {
    while (ms_since(since) < limit_ms) {
      auto r = shot();
      if (r.status == 200) return ms_since(since);
      CHECK(r.status == 403);
      CHECK(r.total_ms < kTimeout / 3.0);
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    return -1.0;
  };

  // The node comes back before the first probe: that probe closes the
  // breaker; until then requests still fall back fast.
  node.set_mode(Fault::ok);
  const double closed_after_ms = until_verdict(opened, kBackoffMs + 2000);
  CHECK(closed_after_ms >= kBackoffMs - 50);
  CHECK(closed_after_ms < kBackoffMs + 600);
  CHECK(node.messages("health") == 1);
  // Real verdicts both ways.
  CHECK(shot("/attack/").status == 403);
  CHECK(shot().status == 200);
  m = scrape(kong);
  {
    INFO("metrics after:\n" << dump(m));
    CHECK(value(m, "wallarm_kong_breaker_open") == 0);
    CHECK(value(m, requests("passed")) == 2);
    CHECK(value(m, requests("blocked")) == 1);
  }

  // Dead again, now a closed port. The first probe finds it still dead: the
  // back-off doubles, and the next probe, 2 s after that one, closes it.
  REQUIRE(eventually([&] {  // the last response message is answered
    m = scrape(kong);
    return value(m, "wallarm_kong_in_flight") == 0 && value(m, "wallarm_kong_queued") == 0;
  }));
  node.set_mode(Fault::refuse);
  std::vector<double> refused;
  for (int i = 0; i < kFailures; ++i) {
    auto r = shot();
    CHECK(r.status == 403);
    refused.push_back(r.total_ms);
  }
  const auto opened2 = Clock::now();
  m = scrape(kong);
  {
    INFO("metrics:\n" << dump(m));
    CHECK(value(m, "wallarm_kong_breaker_open") == 1);
    CHECK(value(m, "wallarm_kong_breaker_trips_total") == 2);
    CHECK(value(m, node_errors("ECONNREFUSED")) == kFailures);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(kBackoffMs + 500) - (Clock::now() - opened2));
  CHECK(value(scrape(kong), "wallarm_kong_health_probes_total") == 2);  // the failed one
  node.set_mode(Fault::ok);
  const double closed2_after_ms = until_verdict(opened2, 3 * kBackoffMs + 2000);
  CHECK(closed2_after_ms >= 3 * kBackoffMs - 50);
  CHECK(closed2_after_ms < 3 * kBackoffMs + 600);
  m = scrape(kong);
  {
    INFO("metrics after:\n" << dump(m));
    CHECK(value(m, "wallarm_kong_breaker_open") == 0);
    CHECK(value(m, "wallarm_kong_health_probes_total") == 3);
  }
  check_clean_log(kong);
  REPORT("breaker: " << kFailures << " timeouts of " << kTimeout << " ms opened it; open: median "
                      << percentile(fast, 50) << " ms, max " << percentile(fast, 100)
                      << " ms; real verdicts again " << closed_after_ms
                      << " ms after opening (1 probe). Closed port: " << kFailures
                      << " refusals (max " << percentile(refused, 100)
                      << " ms) opened it again; first probe failed; real verdicts again "
                      << closed2_after_ms << " ms after opening");
  for (const auto& l : lines_with(kong.error_log(), "no verdict from the node")) REPORT("log: " << l);
}

// A node that accepts and never answers, fallback pass: each request fails
// once, and so counts once for the breaker. No response message follows a
// request that got no verdict, so the breaker opens after exactly
// breaker_failures requests, and node_errors_total counts requests.
TEST_CASE("e2e: circuit breaker: a node that never answers opens it after exactly breaker_failures requests") {
  const int kFailures = 5, kTimeout = 300, kRequests = 12;
  TempDir dir("fault-breaker-once");
  FaultNode node(Fault::hang);
  Kong kong(dir.path(),
            {{"main", plugin(node_config(node.url(), {{"timeout_ms", kTimeout},
                                                      {"fallback", "pass"},
                                                      {"breaker_failures", kFailures},
                                                      // no probe within the test
                                                      {"breaker_backoff_ms", 20000}}))}});
  kong.start();

  std::vector<double> ms;
  for (int i = 0; i < kRequests; ++i) {
    auto r = http_get(kong.url("main", "/once/" + std::to_string(i)), {kong.host("main")});
    CAPTURE(i);
    CHECK(r.status == 200);
    ms.push_back(r.total_ms);
  }
  std::string each;
  for (double x : ms) each += std::to_string(static_cast<int>(x + 0.5)) + " ";
  INFO("request times (ms): " << each);
  for (int i = 0; i < kRequests; ++i) {
    CAPTURE(i);
    if (i < kFailures)
      CHECK(ms[i] >= kTimeout - 5);  // waited for the node
    else
      CHECK(ms[i] < kTimeout / 3.0);  // the breaker was open
  }
  CHECK(node.messages("request") == kFailures);
  CHECK(node.messages("response") == 0);

  std::this_thread::sleep_for(std::chrono::milliseconds(kTimeout + 50));
  auto after = settled_counters(kong);
  auto m = scrape(kong);
  INFO("metrics:\n" << dump(m));
  CHECK(value(m, "wallarm_kong_breaker_trips_total") == 1);
  CHECK(value(m, "wallarm_kong_breaker_open") == 1);
  CHECK(value(after, failures("timeout")) == kFailures);
  CHECK(value(after, node_errors("ETIMEOUT")) == kFailures);
  CHECK(value(after, node_errors("EUNAVAILABLE")) == kRequests - kFailures);
  double errors = 0;
  for (const auto& [code, n] : error_codes(after)) errors += n;
  CHECK(errors == kRequests);
  CHECK(value(after, requests("fallback_pass")) == kRequests);
  for (const auto& [k, v] : m) {
    CAPTURE(k);
    if (k.rfind("wallarm_kong_messages_not_sent_total", 0) == 0) CHECK(v == 0);
  }
  check_clean_log(kong);
  REPORT("breaker, no answer, fallback pass: opened after " << node.messages("request")
                                                            << " requests; request times " << each);
}

// ---------------------------------------------------------------------------

TEST_CASE("e2e: kong reload under load: no request fails, old workers exit, no stale sockets") {
  TempDir dir("fault-hup");
  RefNode node(dir.path(), node_options("block"));
  Kong kong(dir.path(), {{"main", plugin(node_config(node.url(), {{"fallback", "block"}}))}},
            kong_options(2));
  kong.start();
  const fs::path sock_dir = kong.socket_dir();
  auto sockets = [&] {
    std::set<std::string> s;
    for (auto& e : fs::directory_iterator(sock_dir)) s.insert(e.path().filename().string());
    return s;
  };
  auto expected_sockets = [](const std::set<long>& pids) {
    std::set<std::string> s;
    for (long p : pids) s.insert("wallarm-" + std::to_string(p) + ".sock");
    return s;
  };
  std::set<long> old_pids = {worker_pid(kong, "0"), worker_pid(kong, "1")};
  REQUIRE(old_pids.size() == 2);
  REQUIRE_FALSE(old_pids.count(-1));
  REQUIRE(eventually([&] { return sockets() == expected_sockets(old_pids); }));
  const long master = kong.master_pid();
  REQUIRE(master > 0);

  std::atomic<bool> stop{false};
  std::atomic<int> sent{0}, attacks{0};
  std::mutex mu;
  std::vector<std::string> wrong;
  std::map<std::string, int> by_pid;
  auto client = [&](int id) {
    for (int i = 0; !stop.load(); ++i) {
      const bool attack = i % 5 == 4;
      const std::string q = std::to_string(id) + "-" + std::to_string(i);
      const std::string path = attack ? "/etc/passwd?hup=" + q : "/api/hup?i=" + q;
      auto r = http_get(kong.url("main", path), {kong.host("main")}, 5000);
      sent.fetch_add(1);
      bool ok;
      if (attack) {
        attacks.fetch_add(1);
        ok = r.status == 403;
      } else {
        json echo = json::parse(r.body, nullptr, false);
        ok = r.status == 200 && echo.is_object() && echo.value("uri", "") == path;
      }
      std::lock_guard<std::mutex> lk(mu);
      ++by_pid[r.header("X-E2E-Worker-Pid")];
      if (!ok) wrong.push_back(path + " -> " + std::to_string(r.status) + " " + r.error + " " + r.body.substr(0, 200));
    }
  };
  std::vector<std::thread> clients;
  Joiner joiner{stop, clients};  // a failed REQUIRE below still stops them
  clients.emplace_back(client, 1);
  clients.emplace_back(client, 2);
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  const int before_hup = sent.load();
  std::string reload_output;
  const auto reload_started = Clock::now();
  REQUIRE_MESSAGE(kong.reload(reload_output) == 0, reload_output);
  const double reload_ms = ms_since(reload_started);
  std::set<long> new_pids;
  bool reloaded = eventually([&] {
    new_pids = {worker_pid(kong, "0"), worker_pid(kong, "1")};
    for (long p : new_pids)
      if (p <= 0 || old_pids.count(p)) return false;
    return new_pids.size() == 2;
  }, std::chrono::milliseconds(10000));
  // Keep the load on while the new workers take over.
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  joiner.join();

  std::string joined;
  for (const auto& w : wrong) joined += w + "\n";
  INFO("wrong answers:\n" << joined);
  CHECK(reloaded);
  CHECK(kong.master_pid() == master);  // a reload, not a restart
  CHECK(wrong.empty());
  CHECK(before_hup > 0);
  int served_old = 0, served_new = 0;
  for (const auto& [p, n] : by_pid) {
    if (!p.empty() && old_pids.count(std::stol(p))) served_old += n;
    if (!p.empty() && new_pids.count(std::stol(p))) served_new += n;
  }
  CHECK(served_old > 0);
  CHECK(served_new > 0);
  CHECK(served_old + served_new == sent.load());

  // The old workers finish and go; each removes its own socket file.
  auto t0 = Clock::now();
  bool old_gone = eventually([&] {
    for (long p : old_pids)
      if (!process_gone(p)) return false;
    return true;
  }, std::chrono::milliseconds(10000));
  const double gone_ms = ms_since(t0);
  CHECK(old_gone);
  std::set<std::string> left;
  bool clean = eventually([&] {
    left = sockets();
    return left == expected_sockets(new_pids);
  }, std::chrono::milliseconds(3000));
  INFO("socket dir: " << [&] { std::string s; for (auto& f : left) s += f + " "; return s; }());
  CHECK(clean);

  // Every attack sent reached the node and was blocked by its verdict, not
  // by the fallback: no request went without a verdict.
  const std::string log = kong.error_log();
  CHECK(lines_with(log, "no verdict from the node").empty());
  CHECK(lines_with(log, "notification reader").empty());
  std::set<std::string> recorded;
  for (const auto& a : node.attacks())
    if (a.value("uri", "").rfind("/etc/passwd?hup=", 0) == 0 && a.value("verdict", "") == "block")
      recorded.insert(a.value("uri", ""));
  CHECK(static_cast<int>(recorded.size()) == attacks.load());
  check_clean_log(kong);
  REPORT("kong reload (" << reload_ms << " ms): " << sent.load() << " requests (" << attacks.load() << " attacks), " << wrong.size()
                  << " wrong; old workers served " << served_old << ", new " << served_new
                  << "; old workers gone " << gone_ms << " ms after the load stopped; socket files "
                  << left.size() << " (the new workers')");
}

TEST_CASE("e2e: a killed worker's socket file is removed when its replacement starts") {
  TempDir dir("fault-kill");
  Kong kong(dir.path(), {{"main", plugin(node_config("http://127.0.0.1:9/"))}});
  kong.start();
  const fs::path sock_dir = kong.socket_dir();
  auto sockets = [&] {
    std::set<std::string> s;
    for (auto& e : fs::directory_iterator(sock_dir)) s.insert(e.path().filename().string());
    return s;
  };
  const long pid = worker_pid(kong);
  REQUIRE(pid > 0);
  REQUIRE(eventually([&] { return sockets() == std::set<std::string>{"wallarm-" + std::to_string(pid) + ".sock"}; }));
  // SIGKILL: no finalizer runs, the file stays behind until a new engine starts.
  REQUIRE(::kill(static_cast<pid_t>(pid), SIGKILL) == 0);
  long respawned = -1;
  REQUIRE(eventually([&] {
    respawned = worker_pid(kong);
    return respawned > 0 && respawned != pid;
  }));
  std::set<std::string> left;
  CHECK(eventually([&] {
    left = sockets();
    return left == std::set<std::string>{"wallarm-" + std::to_string(respawned) + ".sock"};
  }));
  INFO("socket dir: " << [&] { std::string s; for (auto& f : left) s += f + " "; return s; }());
  CHECK(left.size() == 1);
  // The new worker serves; the only bad line is the kill itself.
  CHECK(http_get(kong.url("main", "/after-kill"), {kong.host("main")}).status == 200);
  for (const auto& l : kong.bad_log_lines()) {
    INFO(l);
    CHECK(l.find("exited on signal 9") != std::string::npos);
  }
}
