// The node as a server, driven by the real connector library over loopback:
// verdicts per mode, lists, correlation, the attacks view, metrics, and
// malformed input that must get a 400 and never take the node down.
#include <doctest/doctest.h>
#include <httplib.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "attack_store.h"
#include "config.h"
#include "metrics.h"
#include "modsec_detector.h"
#include "running_node.h"
#include "server.h"
#include "wallarm.h"

namespace {

using Clock = std::chrono::steady_clock;

using node_test::attacks_json;
using node_test::crs;
using node_test::RunningNode;

// The connector side: libwallarm's engine and one target at the node.
struct Connector {
  wallarm_engine_t* engine = nullptr;
  wallarm_target_t* target = nullptr;
  explicit Connector(const std::string& url, int32_t format = WALLARM_FORMAT_MIRROR) {
    wallarm_engine_config_t ecfg;
    wallarm_engine_config_init(&ecfg);
    REQUIRE(wallarm_engine_new(&ecfg, &engine) == WALLARM_OK);
    wallarm_target_config_t tcfg;
    wallarm_target_config_init(&tcfg);
    tcfg.url = url.c_str();
    tcfg.format = format;
    REQUIRE(wallarm_target_new(engine, &tcfg, &target) == WALLARM_OK);
  }
  ~Connector() { wallarm_engine_free(engine); }

  struct Sent {
    std::string method = "GET", uri = "/", id = "req-1", ip = "198.51.100.20",
                host = "kong-lua-test.wallarm", body;
    std::vector<std::pair<std::string, std::string>> headers{
        {"Host", "kong-lua-test.wallarm"}, {"User-Agent", "curl/7.88.1"}, {"Accept", "*/*"}};
  };
  wallarm_verdict_t request(const Sent& s) {
    std::vector<wallarm_header_t> hv;
    for (auto& [n, v] : s.headers) hv.push_back({{n.data(), n.size()}, {v.data(), v.size()}});
    wallarm_message_t m{};
    m.type = WALLARM_MSG_REQUEST;
    m.method = {s.method.data(), s.method.size()};
    m.uri = {s.uri.data(), s.uri.size()};
    m.headers = hv.data();
    m.header_count = static_cast<uint32_t>(hv.size());
    m.body = {s.body.data(), s.body.size()};
    m.body_total = -1;
    m.request_id = {s.id.data(), s.id.size()};
    m.client_ip = {s.ip.data(), s.ip.size()};
    m.host = {s.host.data(), s.host.size()};
    wallarm_verdict_t v{};
    v.size = sizeof v;
    REQUIRE(wallarm_inspect(target, &m, 5000, &v) == WALLARM_OK);
    return v;
  }
  wallarm_verdict_t response(const std::string& id, int status) {
    std::string ct = "Content-Type", json = "application/json", body = "{}";
    wallarm_header_t h{{ct.data(), ct.size()}, {json.data(), json.size()}};
    wallarm_message_t m{};
    m.type = WALLARM_MSG_RESPONSE;
    m.status = status;
    m.headers = &h;
    m.header_count = 1;
    m.body = {body.data(), body.size()};
    m.body_total = -1;
    m.request_id = {id.data(), id.size()};
    wallarm_verdict_t v{};
    v.size = sizeof v;
    REQUIRE(wallarm_inspect(target, &m, 5000, &v) == WALLARM_OK);
    return v;
  }
};

Connector::Sent passwd(std::string id = "req-1") {
  Connector::Sent s;
  s.uri = "/etc/passwd";
  s.id = std::move(id);
  return s;
}

}  // namespace

TEST_CASE("node server: the seed's attack is registered and passed in monitoring mode") {
  RunningNode n(node::Mode::monitoring);
  Connector c(n.url());
  auto v = c.request(passwd());
  CHECK(v.code == WALLARM_OK);
  CHECK(v.action == WALLARM_PASS);
  CHECK(v.http_status == 200);
  CHECK(v.node_mode == WALLARM_MODE_MONITORING);
  REQUIRE(v.attack_count >= 1);
  CHECK(std::string(v.attacks[0].type) == "ptrav");
  CHECK(std::string(v.node_request_id).rfind("node-", 0) == 0);
  auto records = attacks_json(n);
  REQUIRE(records.size() == 1);
  CHECK(records[0]["request_id"] == "req-1");
  CHECK(records[0]["verdict"] == "pass");
  CHECK(records[0]["uri"] == "/etc/passwd");
}

TEST_CASE("node server: the seed's attack is blocked in block mode, benign traffic passes") {
  RunningNode n(node::Mode::block);
  Connector c(n.url());
  auto v = c.request(passwd());
  CHECK(v.action == WALLARM_BLOCK);
  CHECK(v.http_status == 403);
  CHECK(v.node_mode == WALLARM_MODE_BLOCK);
  Connector::Sent benign;
  benign.uri = "/api/v1/users/42?fields=name,email";
  benign.id = "req-2";
  auto ok = c.request(benign);
  CHECK(ok.action == WALLARM_PASS);
  CHECK(ok.attack_count == 0);
  CHECK(attacks_json(n).size() == 1);
}

TEST_CASE("node server: safe_blocking blocks attacks from graylisted clients only") {
  RunningNode n(node::Mode::safe_blocking, true,
                [](node::Config& c) { REQUIRE(c.graylist.add("203.0.113.0/24")); });
  Connector c(n.url());
  auto from_clean = c.request(passwd());
  CHECK(from_clean.action == WALLARM_PASS);
  CHECK(from_clean.attack_count >= 1);
  auto gray = passwd("req-2");
  gray.ip = "203.0.113.9";
  CHECK(c.request(gray).action == WALLARM_BLOCK);
  Connector::Sent benign;
  benign.ip = "203.0.113.9";
  benign.id = "req-3";
  CHECK(c.request(benign).action == WALLARM_PASS);
}

TEST_CASE("node server: the denylist blocks in every mode but off") {
  for (node::Mode mode : {node::Mode::monitoring, node::Mode::safe_blocking, node::Mode::block,
                          node::Mode::off}) {
    CAPTURE(node::mode_name(mode));
    RunningNode n(mode, false, [](node::Config& c) { REQUIRE(c.denylist.add("192.0.2.66")); });
    Connector c(n.url());
    Connector::Sent benign;
    benign.ip = "192.0.2.66";
    auto v = c.request(benign);
    CHECK(v.action == (mode == node::Mode::off ? WALLARM_PASS : WALLARM_BLOCK));
    if (mode != node::Mode::off) CHECK(std::string(v.attacks[0].type) == "denylist");
  }
}

TEST_CASE("node server: off mode inspects nothing") {
  RunningNode n(node::Mode::off);
  Connector c(n.url());
  auto v = c.request(passwd());
  CHECK(v.action == WALLARM_PASS);
  CHECK(v.attack_count == 0);
  CHECK(v.node_mode == WALLARM_MODE_OFF);
  CHECK(attacks_json(n).empty());
}

TEST_CASE("node server: the response message completes the attack record") {
  RunningNode n(node::Mode::monitoring);
  Connector c(n.url());
  c.request(passwd("corr-1"));
  CHECK(c.response("corr-1", 404).code == WALLARM_OK);
  CHECK(c.response("never-seen", 200).code == WALLARM_OK);
  auto records = attacks_json(n);
  REQUIRE(records.size() == 1);
  CHECK(records[0]["response_status"] == 404);
  auto metrics = n.client().Get("/metrics");
  REQUIRE(metrics);
  CHECK(metrics->body.find("wallarm_node_responses_correlated_total 1") != std::string::npos);
  CHECK(metrics->body.find("wallarm_node_responses_uncorrelated_total 1") != std::string::npos);
  CHECK(metrics->body.find("wallarm_node_messages_total{type=\"response\"} 2") != std::string::npos);
}

TEST_CASE("node server: the attacks page is HTML for browsers and escapes what clients sent") {
  RunningNode n(node::Mode::block);
  Connector c(n.url());
  Connector::Sent xss;
  xss.uri = "/search?q=<script>alert(1)</script>";
  c.request(xss);
  auto page = n.client().Get("/attacks", {{"Accept", "text/html"}});
  REQUIRE(page);
  CHECK(page->get_header_value("Content-Type").find("text/html") == 0);
  CHECK(page->body.find("<script>alert") == std::string::npos);
  CHECK(page->body.find("&lt;script&gt;") != std::string::npos);
  auto json = n.client().Get("/attacks");
  REQUIRE(json);
  CHECK(json->get_header_value("Content-Type") == "application/json");
}

TEST_CASE("node server: malformed messages get 400 with a reason, counted, and the node lives on") {
  RunningNode n(node::Mode::block, false);
  auto cl = n.client();
  // Without connector headers it is no message at all (docs/protocol.md 12.4).
  auto res = cl.Post("/", "GET / HTTP/1.1\r\n\r\n", "message/http");
  REQUIRE(res);
  CHECK(res->status == 400);
  CHECK(res->body.rfind("connector_info", 0) == 0);
  res = cl.Post("/", {{"X-Wallarm-Protocol", "2"}}, "GET / HTTP/1.1\r\n\r\n", "message/http");
  REQUIRE(res);
  CHECK(res->status == 400);
  CHECK(res->body.rfind("bad_protocol_version", 0) == 0);
  httplib::Headers h{{"X-Wallarm-Protocol", "1"}, {"X-Wallarm-Message-Type", "request"},
                     {"X-Wallarm-Request-Id", "x"}};
  res = cl.Post("/", h, "GET / HTTP/1.1\r\nHost: x\r\n", "message/http");
  REQUIRE(res);
  CHECK(res->status == 400);
  CHECK(res->body.rfind("bad_head", 0) == 0);
  res = cl.Post("/", h, std::string("\x00\xff\xfe garbage", 11), "message/http");
  REQUIRE(res);
  CHECK(res->status == 400);

  // Raw bytes that are not HTTP at all, and a message cut short.
  for (std::string raw : {std::string("\x16\x03\x01\x02\x00garbage\r\n\r\n", 16),
                          std::string("POST / HTTP/1.1\r\nContent-Length: 1000\r\n\r\nshort"),
                          std::string("POST / HTTP/1.1\r\nX: ") + std::string(100000, 'a') + "\r\n\r\n"}) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(n.server->port()));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    CHECK(send(fd, raw.data(), raw.size(), MSG_NOSIGNAL) > 0);
    shutdown(fd, SHUT_WR);
    char buf[512];
    while (recv(fd, buf, sizeof buf, 0) > 0) {
    }
    close(fd);
  }
  auto metrics = cl.Get("/metrics");
  REQUIRE(metrics);
  CHECK(metrics->body.find("wallarm_node_malformed_total{reason=\"bad_protocol_version\"} 1") !=
        std::string::npos);
  CHECK(metrics->body.find("wallarm_node_malformed_total{reason=\"bad_head\"} 2") != std::string::npos);
  CHECK(metrics->body.find("wallarm_node_messages_rejected_total{reason=\"connector_info\"} 1\n") !=
        std::string::npos);
  Connector c(n.url());
  CHECK(c.request(passwd()).code == WALLARM_OK);  // still serving
}

TEST_CASE("node server: health messages answer 200, one connection serves many messages") {
  RunningNode n(node::Mode::monitoring, false);
  Connector c(n.url());
  for (int i = 0; i < 20; ++i) CHECK(c.request(Connector::Sent{}).code == WALLARM_OK);
  wallarm_stats_t s{};
  s.size = sizeof s;
  REQUIRE(wallarm_target_stats(c.target, &s) == WALLARM_OK);
  CHECK(s.conn_opened == 1);
  wallarm_message_t health{};
  health.type = WALLARM_MSG_HEALTH;
  wallarm_verdict_t v{};
  v.size = sizeof v;
  REQUIRE(wallarm_inspect(c.target, &health, 2000, &v) == WALLARM_OK);
  CHECK(v.code == WALLARM_OK);
}

TEST_CASE("node server: delay_ms holds each verdict back") {
  RunningNode n(node::Mode::monitoring, false, [](node::Config& c) { c.delay_ms = 50; });
  Connector c(n.url());
  auto start = Clock::now();
  c.request(Connector::Sent{});
  CHECK(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count() >= 50);
}

TEST_CASE("node server: a burst of new connections is accepted at once") {
  // A gateway worker opens its whole pool at once; a short listen backlog
  // would drop SYNs, and each dropped one costs the client a 1 s retry.
  RunningNode n(node::Mode::monitoring, false);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(n.server->port()));
  constexpr int kConnections = 256;
  std::vector<pollfd> fds;
  for (int i = 0; i < kConnections; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    REQUIRE(fd >= 0);
    int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    REQUIRE((rc == 0 || errno == EINPROGRESS));
    fds.push_back({fd, POLLOUT, 0});
  }
  int connected = 0;
  auto deadline = Clock::now() + std::chrono::milliseconds(500);
  while (connected < kConnections && Clock::now() < deadline) {
    if (::poll(fds.data(), fds.size(), 50) <= 0) continue;
    for (auto& p : fds) {
      if (p.fd >= 0 && (p.revents & (POLLOUT | POLLERR | POLLHUP))) {
        int err = 0;
        socklen_t len = sizeof err;
        ::getsockopt(p.fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err == 0) ++connected;
        ::close(p.fd);
        p.fd = -1;  // poll ignores it from now on
      }
    }
  }
  for (auto& p : fds)
    if (p.fd >= 0) ::close(p.fd);
  CHECK(connected == kConnections);
}

TEST_CASE("node server: batched responses and out-of-band copies are recorded one by one") {
  RunningNode n(node::Mode::block, true, [](node::Config& c) { c.delay_ms = 50; });
  Connector c(n.url(), WALLARM_FORMAT_V1);  // batches are v1's
  // The first copy keeps the node busy: what follows goes in batches.
  auto submit = [&](const Connector::Sent& s, int32_t type, int status) {
    std::vector<wallarm_header_t> hv;
    for (auto& [k, v] : s.headers) hv.push_back({{k.data(), k.size()}, {v.data(), v.size()}});
    wallarm_message_t m{};
    m.type = type;
    m.status = status;
    m.method = {s.method.data(), s.method.size()};
    m.uri = {s.uri.data(), s.uri.size()};
    m.headers = hv.data();
    m.header_count = static_cast<uint32_t>(hv.size());
    m.body_total = -1;
    m.request_id = {s.id.data(), s.id.size()};
    REQUIRE(wallarm_submit(c.target, &m, WALLARM_SUBMIT_OUT_OF_BAND, 5000, nullptr) ==
            WALLARM_OK);
  };
  for (int i = 0; i < 10; ++i) {
    submit(passwd("oob-" + std::to_string(i)), WALLARM_MSG_REQUEST, 0);
    submit(passwd("oob-" + std::to_string(i)), WALLARM_MSG_RESPONSE, 404);
  }
  wallarm_stats_t st{};
  st.size = sizeof st;
  for (auto start = Clock::now(); Clock::now() - start < std::chrono::seconds(5);) {
    REQUIRE(wallarm_target_stats(c.target, &st) == WALLARM_OK);
    if (st.async_sent + st.err_status >= 20) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(st.async_sent == 20);
  auto metrics = n.client().Get("/metrics");
  REQUIRE(metrics);
  CHECK(metrics->body.find("wallarm_node_batches_total 0") == std::string::npos);
  CHECK(metrics->body.find("wallarm_node_messages_total{type=\"request\"} 10") != std::string::npos);
  CHECK(metrics->body.find("wallarm_node_messages_total{type=\"response\"} 10") != std::string::npos);
  CHECK(metrics->body.find("wallarm_node_out_of_band_total 20") != std::string::npos);
  auto records = attacks_json(n);
  REQUIRE(records.size() == 10);
  for (auto& r : records) CHECK(r["response_status"] == 404);
}

namespace {

std::string metrics_of(const RunningNode& n) {
  auto res = n.client().Get("/metrics");
  REQUIRE(res);
  return res->body;
}

bool has_line(const std::string& text, const std::string& line) {
  return text.find(line + "\n") != std::string::npos;
}

// Polls /metrics until it has `line`, for what the node finishes in the
// background; false after 10 s.
bool eventually_has_line(const RunningNode& n, const std::string& line) {
  for (auto start = Clock::now(); Clock::now() - start < std::chrono::seconds(10);) {
    if (has_line(metrics_of(n), line)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

long long ms_since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

// A form body with one argument that CRS takes a few hundred ms on.
Connector::Sent big_form(std::string id) {
  Connector::Sent s;
  s.method = "POST";
  s.uri = "/form";
  s.id = std::move(id);
  s.body = "a=" + std::string(256 << 10, 'x');
  s.headers.push_back({"Content-Type", "application/x-www-form-urlencoded"});
  s.headers.push_back({"Content-Length", std::to_string(s.body.size())});
  return s;
}

// The same request as the node's message, to time the detector alone.
node::Message as_message(const Connector::Sent& s) {
  node::Message m;
  m.request_id = s.id;
  m.client_ip = s.ip;
  m.method = s.method;
  m.target = s.uri;
  m.version = "1.1";
  for (auto& [name, value] : s.headers) m.headers.push_back({name, value});
  m.body = s.body;
  return m;
}

// Sleeps, then finds one sqli in the query; counts its calls.
class SlowDetector final : public node::Detector {
 public:
  SlowDetector(std::chrono::milliseconds sleep, bool can_overrun = true)
      : sleep_(sleep), can_overrun_(can_overrun) {}
  node::Findings inspect(const node::Message&) override {
    ++calls;
    std::this_thread::sleep_for(sleep_);
    node::Findings f;
    f.attack = true;
    f.attacks = {{"sqli", "query", 942100}};
    return f;
  }
  const char* name() const override { return "slow"; }
  bool can_overrun() const override { return can_overrun_; }
  std::atomic<int> calls{0};

 private:
  std::chrono::milliseconds sleep_;
  bool can_overrun_;
};

void limit_50ms(node::Config& c) { c.process_time_limit_ms = 50; }

}  // namespace

TEST_CASE("node server: a request past the processing time limit is answered at the limit") {
  // The detector's own time on this request, on this machine, now.
  Connector::Sent form = big_form("slow-0");
  auto start = Clock::now();
  node::Findings alone = crs().inspect(as_message(form));
  const long long detector_ms = ms_since(start);
  REQUIRE_FALSE(alone.attack);  // a clean request: only the limit can make it an attack
  REQUIRE(detector_ms >= 100);  // else the body is too small to show anything here

  for (node::Mode mode : {node::Mode::block, node::Mode::monitoring}) {
    const std::string mode_name = node::mode_name(mode);
    CAPTURE(mode_name);
    RunningNode n(mode, true, limit_50ms);
    Connector c(n.url());
    form.id = "slow-" + mode_name;
    start = Clock::now();
    auto v = c.request(form);
    const long long answer_ms = ms_since(start);
    MESSAGE(mode_name << ": answered in " << answer_ms << " ms with a 50 ms limit; "
                      << "the detector alone takes " << detector_ms << " ms");
    CHECK(answer_ms < detector_ms * 6 / 10);
    CHECK(v.code == WALLARM_OK);
    CHECK(v.action == (mode == node::Mode::block ? WALLARM_BLOCK : WALLARM_PASS));
    CHECK(v.http_status == (mode == node::Mode::block ? 403 : 200));
    REQUIRE(v.attack_count == 1);
    CHECK(std::string(v.attacks[0].type) == "overlimit_res");
    CHECK(std::string(v.attacks[0].location) == "request");

    auto records = attacks_json(n);
    REQUIRE(records.size() == 1);
    CHECK(records[0]["request_id"] == form.id);
    CHECK(records[0]["verdict"] == (mode == node::Mode::block ? "block" : "pass"));
    REQUIRE(records[0]["attacks"].size() == 1);
    CHECK(records[0]["attacks"][0]["type"] == "overlimit_res");
    CHECK(records[0]["attacks"][0]["location"] == "request");
    CHECK(records[0]["attacks"][0]["rule_id"] == 0);
    const std::string metrics = metrics_of(n);
    CHECK(has_line(metrics, "wallarm_node_overlimit_total 1"));
    CHECK(has_line(metrics, "wallarm_node_attacks_total{type=\"overlimit_res\"} 1"));
    // The detector goes on in the background; its time is observed when it returns.
    CHECK(eventually_has_line(n, "wallarm_node_inspection_seconds_count 1"));
  }
}

TEST_CASE("node server: a small request under the limit is judged by the detector") {
  RunningNode n(node::Mode::block);  // the default limit, 500 ms
  REQUIRE(n.cfg.process_time_limit_ms == 500);
  Connector c(n.url());
  auto v = c.request(passwd());
  CHECK(v.action == WALLARM_BLOCK);
  REQUIRE(v.attack_count >= 1);
  CHECK(std::string(v.attacks[0].type) == "ptrav");
  for (uint32_t i = 0; i < v.attack_count; ++i)
    CHECK(std::string(v.attacks[i].type) != "overlimit_res");
  const std::string metrics = metrics_of(n);
  CHECK(has_line(metrics, "wallarm_node_overlimit_total 0"));
  CHECK(has_line(metrics, "wallarm_node_inspection_seconds_count 1"));
}

TEST_CASE("node server: an overlimit answer follows the mode like any attack") {
  SlowDetector slow(std::chrono::milliseconds(300));
  SUBCASE("safe_blocking blocks it for graylisted clients only") {
    RunningNode n(node::Mode::safe_blocking, true,
                  [](node::Config& c) {
                    c.process_time_limit_ms = 30;
                    REQUIRE(c.graylist.add("203.0.113.0/24"));
                  },
                  &slow);
    Connector c(n.url());
    Connector::Sent clean_client;
    auto v = c.request(clean_client);
    CHECK(v.action == WALLARM_PASS);
    REQUIRE(v.attack_count == 1);
    CHECK(std::string(v.attacks[0].type) == "overlimit_res");
    Connector::Sent gray;
    gray.id = "req-2";
    gray.ip = "203.0.113.9";
    v = c.request(gray);
    CHECK(v.action == WALLARM_BLOCK);
    REQUIRE(v.attack_count == 1);
    CHECK(std::string(v.attacks[0].type) == "overlimit_res");
    CHECK(has_line(metrics_of(n), "wallarm_node_overlimit_total 2"));
  }
  SUBCASE("off inspects nothing, so nothing overruns") {
    RunningNode n(node::Mode::off, true, [](node::Config& c) { c.process_time_limit_ms = 30; },
                  &slow);
    Connector c(n.url());
    auto v = c.request(Connector::Sent{});
    CHECK(v.action == WALLARM_PASS);
    CHECK(v.attack_count == 0);
    CHECK(slow.calls == 0);
  }
  SUBCASE("a detector that cannot overrun is not limited") {
    SlowDetector unlimited(std::chrono::milliseconds(100), false);
    RunningNode n(node::Mode::block, true, [](node::Config& c) { c.process_time_limit_ms = 1; },
                  &unlimited);
    Connector c(n.url());
    auto v = c.request(Connector::Sent{});
    CHECK(v.action == WALLARM_BLOCK);
    REQUIRE(v.attack_count == 1);
    CHECK(std::string(v.attacks[0].type) == "sqli");
    CHECK(has_line(metrics_of(n), "wallarm_node_overlimit_total 0"));
  }
}

TEST_CASE("node server: delay_ms comes after the verdict, outside the time limit") {
  SlowDetector fast(std::chrono::milliseconds(0));
  RunningNode n(node::Mode::block, true,
                [](node::Config& c) {
                  c.process_time_limit_ms = 100;
                  c.delay_ms = 300;
                },
                &fast);
  Connector c(n.url());
  auto start = Clock::now();
  auto v = c.request(Connector::Sent{});
  CHECK(ms_since(start) >= 300);
  REQUIRE(v.attack_count == 1);
  CHECK(std::string(v.attacks[0].type) == "sqli");  // judged by the detector, not the limit
}

namespace {

// A request message as the connector frames it, sent by hand: for outer
// headers this test's connector library does not send.
httplib::Result post_request(const RunningNode& n, const std::string& id,
                             const std::string& embedded, const std::string& part = "",
                             const std::string& truncated_from = "") {
  httplib::Headers h{{"X-Wallarm-Protocol", "1"},
                     {"X-Wallarm-Message-Type", "request"},
                     {"X-Wallarm-Request-Id", id},
                     {"X-Wallarm-Forwarded-For", "198.51.100.20"},
                     {"X-Wallarm-Connector-Type", "kong"},
                     {"X-Wallarm-Connector-Version", "0.1.0"}};
  if (!part.empty()) h.emplace("X-Wallarm-Request-Part", part);
  if (!truncated_from.empty()) h.emplace("X-Wallarm-Body-Truncated", truncated_from);
  return n.client().Post("/", h, embedded, "message/http");
}

}  // namespace

TEST_CASE("node server: a head message, then its full request: judged each, one record") {
  RunningNode n(node::Mode::block);
  const std::string body = "q=' UNION SELECT password FROM users--";
  const std::string head = "POST /search HTTP/1.1\r\nHost: shop.example\r\n"
                           "Content-Type: application/x-www-form-urlencoded\r\n"
                           "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  auto res = post_request(n, "hb-1", head, "head", std::to_string(body.size()));
  REQUIRE(res);
  CHECK(res->status == 200);  // nothing to find in the head
  res = post_request(n, "hb-1", head + body);
  REQUIRE(res);
  CHECK(res->status == 403);
  CHECK(res->body.find("\"sqli\"") != std::string::npos);

  auto records = attacks_json(n);
  REQUIRE(records.size() == 1);
  CHECK(records[0]["request_id"] == "hb-1");
  CHECK(records[0]["verdict"] == "block");
  bool in_body = false;
  for (auto& a : records[0]["attacks"]) in_body |= a["type"] == "sqli" && a["location"] == "body";
  CHECK(in_body);
  Connector c(n.url());
  CHECK(c.response("hb-1", 403).code == WALLARM_OK);
  const std::string metrics = metrics_of(n);
  CHECK(has_line(metrics, "wallarm_node_head_messages_total 1"));
  CHECK(has_line(metrics, "wallarm_node_messages_total{type=\"request\"} 2"));
  CHECK(has_line(metrics, "wallarm_node_responses_correlated_total 1"));
  CHECK(has_line(metrics, "wallarm_node_verdicts_total{verdict=\"pass\"} 1"));
  CHECK(has_line(metrics, "wallarm_node_verdicts_total{verdict=\"block\"} 1"));
}

TEST_CASE("node server: a head message is blocked like any request, a bad part is refused") {
  RunningNode n(node::Mode::block);
  auto res = post_request(n, "hb-2", "GET /etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n", "head");
  REQUIRE(res);
  CHECK(res->status == 403);
  CHECK(res->body.find("\"ptrav\"") != std::string::npos);
  // A head of unknown length: no body yet, so none that fails to parse.
  res = post_request(n, "hb-3",
                     "POST /api HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\n"
                     "Transfer-Encoding: chunked\r\n\r\n",
                     "head");
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->body.find("\"attacks\":[]") != std::string::npos);

  res = post_request(n, "hb-4", "GET / HTTP/1.1\r\nHost: x\r\n\r\n", "body");
  REQUIRE(res);
  CHECK(res->status == 400);
  CHECK(res->body.rfind("bad_outer_header", 0) == 0);
  res = post_request(n, "hb-5", "POST / HTTP/1.1\r\nHost: x\r\n\r\na=1", "head");
  REQUIRE(res);
  CHECK(res->status == 400);
  CHECK(res->body.rfind("bad_head_part", 0) == 0);
  const std::string metrics = metrics_of(n);
  CHECK(has_line(metrics, "wallarm_node_malformed_total{reason=\"bad_outer_header\"} 1"));
  CHECK(has_line(metrics, "wallarm_node_head_messages_total 2"));
}
