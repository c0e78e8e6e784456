// The engine against a real loopback HTTP server, through the public C API:
// pooling, deadlines, every failure kind, the breaker, notifications, tickets.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "engine_fixture.h"
#include "test_server.h"
#include "wallarm.h"

using testsrv::Fault;
using testsrv::Reply;
using testsrv::Request;
using testsrv::Server;
using unit::Engine;
using unit::Message;
using unit::inspect;
using unit::ms_since;
using Clock = std::chrono::steady_clock;

namespace {

Reply ok(const Request&) { return Reply{}; }

// Polls until done() holds; fails the test past timeout_ms.
template <class Done>
void wait_until(Done done, int timeout_ms, int poll_ms = 2) {
  auto start = Clock::now();
  while (!done()) {
    REQUIRE(ms_since(start) < timeout_ms);
    std::this_thread::sleep_for(std::chrono::milliseconds(poll_ms));
  }
}

wallarm_stats_t engine_stats(wallarm_engine_t* e) {
  wallarm_stats_t s{};
  s.size = sizeof s;
  REQUIRE(wallarm_engine_stats(e, &s) == WALLARM_OK);
  return s;
}

// One message of a batch (docs/protocol.md 7.5): its header lines and body.
struct Part {
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string header(std::string_view name) const {
    for (auto& [n, v] : headers)
      if (n == name) return v;
    return "";
  }
};

// Splits a batch body into its parts; fails the test on bad framing.
std::vector<Part> split_batch(const std::string& body) {
  std::vector<Part> parts;
  size_t at = 0;
  while (at < body.size()) {
    size_t head_end = body.find("\r\n\r\n", at);
    REQUIRE(head_end != std::string::npos);
    Part part;
    std::istringstream lines(body.substr(at, head_end - at));
    size_t length = 0;
    bool has_length = false;
    for (std::string line; std::getline(lines, line);) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      size_t colon = line.find(": ");
      REQUIRE(colon != std::string::npos);
      std::string name = line.substr(0, colon), value = line.substr(colon + 2);
      if (name == "Content-Length") {
        length = std::stoul(value);
        has_length = true;
      } else {
        part.headers.emplace_back(name, value);
      }
    }
    REQUIRE(has_length);
    at = head_end + 4;
    REQUIRE(at + length <= body.size());
    part.body = body.substr(at, length);
    at += length;
    parts.push_back(std::move(part));
  }
  return parts;
}

// Every message the node received, batched or not, as parts.
std::vector<Part> received_messages(const Server& node) {
  std::vector<Part> all;
  for (const Request& r : node.requests()) {
    if (r.header("X-Wallarm-Message-Type") == "batch") {
      auto parts = split_batch(r.body);
      CHECK(r.header("X-Wallarm-Batch-Count") == std::to_string(parts.size()));
      all.insert(all.end(), parts.begin(), parts.end());
    } else {
      Part single{{}, r.body};
      for (auto& [n, v] : r.headers)
        if (n.rfind("X-Wallarm-", 0) == 0 && n != "X-Wallarm-Protocol" &&
            n.rfind("X-Wallarm-Connector", 0) != 0)
          single.headers.emplace_back(n, v);
      all.push_back(std::move(single));
    }
  }
  return all;
}

int batches_received(const Server& node) {
  int n = 0;
  for (const Request& r : node.requests()) n += r.header("X-Wallarm-Message-Type") == "batch";
  return n;
}

// A node that answers 200 after ms milliseconds.
testsrv::Handler delayed(int ms) {
  return [ms](const Request&) {
    Reply r;
    r.delay_ms = ms;
    return r;
  };
}

}  // namespace

TEST_CASE("transport: the node receives the protocol message as documented") {
  Server node(ok);
  Engine eng;
  auto* t = eng.target(node.url("/wallarm/inspect"));
  Message msg;
  msg.method = "POST";
  msg.body = std::string(2 << 20, 'b');  // large enough for curl to want 100-continue
  auto v = inspect(t, msg);
  CHECK(v.code == WALLARM_OK);
  CHECK(v.action == WALLARM_PASS);
  REQUIRE(node.request_count() == 1);
  Request r = node.requests()[0];
  CHECK(r.method == "POST");
  CHECK(r.target == "/wallarm/inspect");
  CHECK(r.version == "HTTP/1.1");
  CHECK(r.header("Content-Type") == "message/http");
  for (auto& [name, value] : r.headers) CHECK(name != "Expect");  // never 100-continue
  CHECK(r.header("X-Wallarm-Connector-Type") == "kong");
  CHECK(r.header("X-Wallarm-Connector-Version") == wallarm_version());
  CHECK(r.header("X-Wallarm-Protocol") == "1");
  CHECK(r.header("X-Wallarm-Message-Type") == "request");
  CHECK(r.header("X-Wallarm-Request-Id") == "req-1");
  CHECK(r.header("X-Wallarm-Forwarded-For") == "10.0.0.1");
  CHECK(r.header("X-Wallarm-Forwarded-Host") == "shop");
  CHECK(r.header("X-Wallarm-Body-Truncated") == std::to_string(2 << 20));
  CHECK(r.body.rfind("POST /etc/passwd HTTP/1.1\r\nHost: shop\r\nAccept: */*\r\n\r\n", 0) == 0);
  CHECK(r.body.size() == 54 + (128u << 10));  // the default request body limit
}

TEST_CASE("transport: one keep-alive connection serves many requests") {
  Server node(ok);
  Engine eng;
  auto* t = eng.target(node.url());
  Message msg;
  for (int i = 0; i < 50; ++i) CHECK(inspect(t, msg).code == WALLARM_OK);
  CHECK(node.connections_accepted() == 1);
  auto s = eng.stats(t);
  CHECK(s.conn_opened == 1);
  CHECK(s.conn_reused == 49);
  CHECK(s.passed == 50);
  CHECK(s.sent == 50);
  CHECK(s.latency_count == 50);
  uint64_t in_buckets = 0;
  for (uint64_t b : s.latency_bucket) in_buckets += b;
  CHECK(in_buckets == 50);
}

TEST_CASE("transport: in-flight messages never exceed max_connections") {
  Server node(delayed(100));
  Engine eng;
  auto* t = eng.target(node.url(), [](wallarm_target_config_t& c) { c.max_connections = 4; });
  Message msg;
  std::vector<uint64_t> tickets(20);
  for (auto& tk : tickets) REQUIRE(wallarm_submit(t, msg.get(), 0, 5000, &tk) == WALLARM_OK);
  // Watch the gauges until every message is answered.
  uint64_t most_in_flight = 0, most_queued = 0;
  auto start = Clock::now();
  for (wallarm_stats_t now = eng.stats(t); now.passed < 20; now = eng.stats(t)) {
    most_in_flight = std::max(most_in_flight, now.in_flight);
    most_queued = std::max(most_queued, now.queued);
    REQUIRE(ms_since(start) < 5000);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  CHECK(most_in_flight == 4);
  CHECK(most_queued >= 12);
  for (auto tk : tickets) CHECK(eng.wait(tk).code == WALLARM_OK);
  CHECK(node.connections_accepted() == 4);
  auto s = eng.stats(t);
  CHECK(s.in_flight == 0);
  CHECK(s.queued == 0);
}

TEST_CASE("transport: a connection older than max_conn_age_s is replaced") {
  Server node(ok);
  Engine eng;
  auto* t = eng.target(node.url(), [](wallarm_target_config_t& c) { c.max_conn_age_s = 1; });
  Message msg;
  CHECK(inspect(t, msg).code == WALLARM_OK);
  CHECK(inspect(t, msg).code == WALLARM_OK);
  CHECK(node.connections_accepted() == 1);
  // curl compares the age in whole seconds: past 2 s a 1 s limit has passed.
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  CHECK(inspect(t, msg).code == WALLARM_OK);
  CHECK(node.connections_accepted() == 2);
}

TEST_CASE("transport: the deadline holds for a slow node") {
  Server node(delayed(1000));
  Engine eng;
  auto* t = eng.target(node.url(), [](wallarm_target_config_t& c) { c.breaker_failures = 0; });
  Message msg;
  auto start = Clock::now();
  wallarm_verdict_t v{};
  v.size = sizeof v;
  REQUIRE(wallarm_inspect(t, msg.get(), 100, &v) == WALLARM_OK);
  long took = ms_since(start);
  CHECK(v.code == WALLARM_ETIMEOUT);
  CHECK(took >= 95);
  CHECK(took < 900);  // the node would take 1000 ms
  CHECK(eng.stats(t).err_timeout == 1);
}

TEST_CASE("transport: time queued for a connection counts against the deadline") {
  Server node(delayed(1500));
  Engine eng;
  auto* t = eng.target(node.url(), [](wallarm_target_config_t& c) {
    c.max_connections = 1;
    c.breaker_failures = 0;
  });
  Message msg;
  uint64_t first = 0, second = 0;
  auto start = Clock::now();
  REQUIRE(wallarm_submit(t, msg.get(), 0, 3000, &first) == WALLARM_OK);
  REQUIRE(wallarm_submit(t, msg.get(), 0, 150, &second) == WALLARM_OK);
  auto v = eng.wait(second);
  long took = ms_since(start);
  CHECK(v.code == WALLARM_ETIMEOUT);
  CHECK(std::string(v.detail).find("queued") != std::string::npos);
  CHECK(took >= 140);
  CHECK(took < 1200);  // did not wait for the first message's 1500 ms
  CHECK(eng.wait(first).code == WALLARM_OK);
  CHECK(node.request_count() == 1);  // the expired one was never sent
}

TEST_CASE("transport: deadlines spent queued behind our own limit do not trip the breaker") {
  Server node(delayed(300));
  Engine eng;
  auto* t = eng.target(node.url(), [](wallarm_target_config_t& c) {
    c.max_connections = 1;
    c.breaker_failures = 1;
  });
  Message msg;
  uint64_t slow = 0;
  std::vector<uint64_t> queued(3);
  REQUIRE(wallarm_submit(t, msg.get(), 0, 2000, &slow) == WALLARM_OK);
  for (auto& tk : queued) REQUIRE(wallarm_submit(t, msg.get(), 0, 50, &tk) == WALLARM_OK);
  for (auto tk : queued) CHECK(eng.wait(tk).code == WALLARM_ETIMEOUT);
  CHECK(eng.wait(slow).code == WALLARM_OK);
  auto s = eng.stats(t);
  CHECK(s.err_timeout == 3);
  CHECK(s.breaker_trips == 0);
  CHECK(s.breaker_state == WALLARM_BREAKER_CLOSED);
}

namespace {

int32_t code_for(Reply reply, int timeout_ms = 1000) {
  Server node([reply](const Request&) { return reply; });
  Engine eng;
  auto* t = eng.target(node.url(), [](wallarm_target_config_t& c) { c.breaker_failures = 0; });
  Message msg;
  wallarm_verdict_t v{};
  v.size = sizeof v;
  REQUIRE(wallarm_inspect(t, msg.get(), static_cast<uint32_t>(timeout_ms), &v) == WALLARM_OK);
  CHECK(std::string(v.detail) != "");
  return v.code;
}

}  // namespace

TEST_CASE("transport: each failure of the node has its own code") {
  Reply r;
  r.fault = Fault::never_answer;
  CHECK(code_for(r, 200) == WALLARM_ETIMEOUT);
  r.fault = Fault::close_now;
  CHECK(code_for(r) == WALLARM_ECONNRESET);
  r.fault = Fault::reset;
  CHECK(code_for(r) == WALLARM_ECONNRESET);
  r.fault = Fault::garbage;
  CHECK(code_for(r) == WALLARM_EPROTO);
  r.fault = Fault::truncated;
  CHECK(code_for(r) == WALLARM_ECONNRESET);
  for (int status : {500, 502, 404, 401, 301}) {
    Reply s;
    s.status = status;
    CHECK(code_for(s) == WALLARM_ESTATUS);
  }
  Reply big;
  big.body = std::string(20000, '{');
  CHECK(code_for(big) == WALLARM_ETOOBIG);
  big.status = 500;  // an error page of any size is just an unexpected status
  CHECK(code_for(big) == WALLARM_ESTATUS);
}

TEST_CASE("transport: a refused connection is ECONNREFUSED, counted") {
  Engine eng;
  auto* t = eng.target("http://127.0.0.1:" + std::to_string(testsrv::closed_port()) + "/");
  Message msg;
  auto v = inspect(t, msg);
  CHECK(v.code == WALLARM_ECONNREFUSED);
  CHECK(eng.stats(t).err_refused == 1);
}

TEST_CASE("transport: a stalled TLS handshake times out") {
  testsrv::SilentListener silent;
  Engine eng;
  auto* t = eng.target("https://127.0.0.1:" + std::to_string(silent.port()) + "/");
  Message msg;
  auto start = Clock::now();
  CHECK(inspect(t, msg, 200).code == WALLARM_ETIMEOUT);
  CHECK(ms_since(start) < 1500);  // bounded by the deadline, with room for a loaded machine
}

TEST_CASE("transport: TLS is verified by default, a CA file makes it pass") {
  char dir[] = "/tmp/wallarm-tls-XXXXXX";
  REQUIRE(mkdtemp(dir) != nullptr);
  auto files = testsrv::make_self_signed(dir);
  Server node(ok, files);
  Engine eng;
  Message msg;
  auto* untrusted = eng.target(node.url());
  CHECK(inspect(untrusted, msg).code == WALLARM_ETLS);
  CHECK(eng.stats(untrusted).err_tls == 1);

  static std::string ca;
  ca = files.cert_pem;
  auto* trusted = eng.target(node.url(), [](wallarm_target_config_t& c) { c.ca_file = ca.c_str(); });
  auto v = inspect(trusted, msg);
  CHECK(v.code == WALLARM_OK);
  CHECK(v.action == WALLARM_PASS);
  // The engine writes HTTP/1.1 itself: ALPN must offer nothing else.
  CHECK(node.h2_offers() == 0);
  std::filesystem::remove_all(dir);
}

TEST_CASE("transport: the breaker opens, probes with health messages, and closes") {
  std::atomic<bool> healthy{false};
  Server node([&](const Request&) {
    Reply r;
    r.status = healthy ? 200 : 503;
    return r;
  });
  Engine eng;
  auto* t = eng.target(node.url(), [](wallarm_target_config_t& c) {
    c.breaker_failures = 3;
    c.breaker_backoff_ms = 100;
    c.breaker_backoff_max_ms = 200;
  });
  Message msg;
  for (int i = 0; i < 3; ++i) CHECK(inspect(t, msg).code == WALLARM_ESTATUS);
  auto s = eng.stats(t);
  CHECK(s.breaker_trips == 1);
  CHECK(s.breaker_state != WALLARM_BREAKER_CLOSED);

  // Open: refused at once, nothing sent.
  uint64_t ticket = 0;
  auto start = Clock::now();
  CHECK(wallarm_submit(t, msg.get(), 0, 1000, &ticket) == WALLARM_EUNAVAILABLE);
  CHECK(ms_since(start) < 100);  // not the 1000 ms timeout
  CHECK(eng.stats(t).unavailable == 1);

  // Probes go out with the health type and keep it open while the node fails.
  REQUIRE(node.wait_for_requests(5, 2000));
  CHECK(node.requests()[3].header("X-Wallarm-Message-Type") == "health");
  CHECK(node.requests()[3].body.empty());
  CHECK(eng.stats(t).breaker_state != WALLARM_BREAKER_CLOSED);

  healthy = true;
  wait_until([&] { return eng.stats(t).breaker_state == WALLARM_BREAKER_CLOSED; }, 2000, 5);
  CHECK(inspect(t, msg).code == WALLARM_OK);
  CHECK(eng.stats(t).health_probes >= 2);
  CHECK(eng.stats(t).breaker_trips == 1);
}

TEST_CASE("transport: completions are announced on the notification socket") {
  char dir[] = "/tmp/wallarm-sock-XXXXXX";
  REQUIRE(mkdtemp(dir) != nullptr);
  std::string sockdir = std::string(dir) + "/run";
  Server node([](const Request& r) {
    Reply rep;
    rep.status = r.body.find("attack") != std::string::npos ? 403 : 200;
    return rep;
  });
  Engine eng(sockdir.c_str());
  const char* path = wallarm_engine_socket_path(eng.e);
  REQUIRE(path != nullptr);
  struct stat st {};
  REQUIRE(stat(sockdir.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);
  REQUIRE(stat(path, &st) == 0);
  CHECK((st.st_mode & 0077) == 0);

  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path, sizeof addr.sun_path - 1);
  REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  timeval tv{2, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);

  auto* t = eng.target(node.url());
  Message msg;
  std::vector<uint64_t> tickets;
  for (int i = 0; i < 10; ++i) {
    msg.uri = i % 2 ? "/attack" : "/ok";
    uint64_t tk = 0;
    REQUIRE(wallarm_submit(t, msg.get(), 0, 2000, &tk) == WALLARM_OK);
    tickets.push_back(tk);
  }
  std::vector<wallarm_notify_record_t> records;
  while (records.size() < tickets.size()) {
    wallarm_notify_record_t rec;
    ssize_t got = recv(fd, &rec, sizeof rec, MSG_WAITALL);
    REQUIRE(got == static_cast<ssize_t>(sizeof rec));
    records.push_back(rec);
  }
  for (auto& rec : records) {
    CHECK(rec.code == WALLARM_OK);
    size_t i = 0;
    while (i < tickets.size() && tickets[i] != rec.ticket) ++i;
    REQUIRE(i < tickets.size());
    wallarm_verdict_t v{};
    v.size = sizeof v;
    REQUIRE(wallarm_ticket_result(eng.e, rec.ticket, &v) == WALLARM_OK);
    CHECK(v.action == (i % 2 ? WALLARM_BLOCK : WALLARM_PASS));
    CHECK(wallarm_ticket_result(eng.e, rec.ticket, &v) == WALLARM_ETICKET);  // freed by the first
  }
  auto s = eng.stats(t);
  CHECK(s.blocked == 5);
  CHECK(s.passed == 5);
  close(fd);
  std::string socket_file = path;
  wallarm_engine_free(eng.e);
  eng.e = nullptr;
  CHECK(access(socket_file.c_str(), F_OK) != 0);  // removed on free
  std::filesystem::remove_all(dir);
}

TEST_CASE("transport: a released ticket frees its slot when the answer comes") {
  Server node(delayed(150));
  Engine eng(nullptr, 1);  // one slot: a leak would show at once
  auto* t = eng.target(node.url());
  Message msg;
  uint64_t ticket = 0, other = 0;
  REQUIRE(wallarm_submit(t, msg.get(), 0, 1000, &ticket) == WALLARM_OK);
  REQUIRE(node.wait_for_requests(1, 2000));  // on a connection, not just queued
  CHECK(wallarm_ticket_release(eng.e, ticket) == WALLARM_OK);
  CHECK(wallarm_submit(t, msg.get(), 0, 1000, &other) == WALLARM_EQUEUE);
  wallarm_verdict_t v{};
  v.size = sizeof v;
  CHECK(wallarm_ticket_result(eng.e, ticket, &v) == WALLARM_ETICKET);
  CHECK(wallarm_ticket_release(eng.e, ticket) == WALLARM_ETICKET);
  wait_until([&] { return wallarm_submit(t, msg.get(), 0, 1000, &other) != WALLARM_EQUEUE; },
             2000, 5);
  CHECK(eng.wait(other).code == WALLARM_OK);
  auto s = eng.stats(t);
  CHECK(s.abandoned == 1);
  CHECK(s.dropped >= 1);
  CHECK(node.request_count() == 2);
}

TEST_CASE("transport: a released ticket still queued is never sent") {
  Server node(delayed(200));
  Engine eng;
  auto* t = eng.target(node.url(), [](wallarm_target_config_t& c) { c.max_connections = 1; });
  Message msg;
  uint64_t first = 0, second = 0;
  REQUIRE(wallarm_submit(t, msg.get(), 0, 2000, &first) == WALLARM_OK);
  REQUIRE(wallarm_submit(t, msg.get(), 0, 2000, &second) == WALLARM_OK);
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  CHECK(wallarm_ticket_release(eng.e, second) == WALLARM_OK);
  CHECK(eng.wait(first).code == WALLARM_OK);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(node.request_count() == 1);
  // A waiter giving up is not the node's fault.
  CHECK(eng.stats(t).breaker_trips == 0);
}

TEST_CASE("transport: fire-and-forget messages are sent and counted, no ticket") {
  Server node(ok);
  Engine eng;
  auto* t = eng.target(node.url());
  Message msg;
  for (int i = 0; i < 5; ++i)
    REQUIRE(wallarm_submit(t, msg.get(), WALLARM_SUBMIT_OUT_OF_BAND, 1000, nullptr) == WALLARM_OK);
  wait_until([&] { return eng.stats(t).async_sent >= 5; }, 2000);
  auto received = received_messages(node);
  REQUIRE(received.size() == 5);
  for (const Part& m : received) CHECK(m.header("X-Wallarm-Out-Of-Band") == "1");
  CHECK(eng.stats(t).passed == 0);
  CHECK(eng.stats(t).sent == 5);
}

// Response messages for requests r<first>..., fire-and-forget, back to back.
void submit_burst(wallarm_target_t* t, int first, int count, uint32_t timeout_ms = 2000) {
  Message msg;
  for (int i = first; i < first + count; ++i) {
    msg.id = "r" + std::to_string(i);
    wallarm_message_t m = *msg.get();
    m.type = WALLARM_MSG_RESPONSE;
    m.status = 200;
    REQUIRE(wallarm_submit(t, &m, 0, timeout_ms, nullptr) == WALLARM_OK);
  }
}

// r0 alone, then `count` more once r0 is on its way: they wait for it and
// go in one batch.
void submit_behind_one(const Server& node, wallarm_target_t* t, int count,
                       uint32_t timeout_ms = 2000) {
  submit_burst(t, 0, 1);
  REQUIRE(node.wait_for_requests(1, 2000));
  submit_burst(t, 1, count, timeout_ms);
}

// A node that answers single messages 200 after 50 ms, and batches with
// `status` after `batch_delay_ms`.
testsrv::Handler answering_batches(int status, int batch_delay_ms = 50) {
  return [=](const Request& r) {
    bool batch = r.header("X-Wallarm-Message-Type") == "batch";
    Reply reply;
    reply.delay_ms = batch ? batch_delay_ms : 50;
    if (batch) reply.status = status;
    return reply;
  };
}

TEST_CASE("transport: fire-and-forget messages sent while one is out travel in one batch") {
  Server node(delayed(100));
  Engine eng;
  auto* t = eng.target(node.url());
  submit_behind_one(node, t, 20);
  wait_until([&] { return eng.stats(t).async_sent == 21; }, 3000);
  auto requests = node.requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].header("X-Wallarm-Message-Type") == "response");  // alone: as itself
  const Request& batch = requests[1];
  CHECK(batch.header("X-Wallarm-Message-Type") == "batch");
  CHECK(batch.header("X-Wallarm-Batch-Count") == "20");
  CHECK(batch.header("Content-Type") == "application/x-wallarm-batch");
  CHECK(batch.header("X-Wallarm-Protocol") == "1");
  CHECK(batch.header("X-Wallarm-Request-Id").empty());
  auto parts = split_batch(batch.body);
  REQUIRE(parts.size() == 20);
  for (int i = 0; i < 20; ++i) {
    CHECK(parts[i].header("X-Wallarm-Message-Type") == "response");
    CHECK(parts[i].header("X-Wallarm-Request-Id") == "r" + std::to_string(i + 1));
    CHECK(parts[i].header("X-Wallarm-Forwarded-For") == "10.0.0.1");
    CHECK(parts[i].body.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  }
  auto st = eng.stats(t);
  CHECK(st.sent == 21);
  CHECK(st.conn_opened + st.conn_reused == 2);
}

TEST_CASE("transport: messages without a waiter submitted together share a transfer") {
  Server node(ok);
  Engine eng;
  auto* t = eng.target(node.url());
  submit_burst(t, 0, 10);  // well within the millisecond the first waits for company
  wait_until([&] { return eng.stats(t).async_sent == 10; }, 3000);
  CHECK(received_messages(node).size() == 10);
  CHECK(node.request_count() <= 3);  // one, unless the machine stalls the submitter
}

TEST_CASE("transport: a lone message without a waiter waits about a millisecond for company") {
  std::atomic<int64_t> arrived_us{0};
  Server node([&](const Request&) {
    arrived_us = std::chrono::duration_cast<std::chrono::microseconds>(
                     Clock::now().time_since_epoch()).count();
    return Reply{};
  });
  Engine eng;
  auto* t = eng.target(node.url());
  auto sent = std::chrono::duration_cast<std::chrono::microseconds>(
                  Clock::now().time_since_epoch()).count();
  submit_burst(t, 0, 1);
  wait_until([&] { return eng.stats(t).async_sent == 1; }, 3000);
  CHECK(arrived_us - sent >= 900);
}

TEST_CASE("transport: messages with a waiter never travel in a batch") {
  Server node(delayed(100));
  Engine eng;
  auto* t = eng.target(node.url());
  submit_behind_one(node, t, 5);
  Message msg;
  auto v = inspect(t, msg);
  CHECK(v.code == WALLARM_OK);
  wait_until([&] { return eng.stats(t).async_sent == 6; }, 3000);
  for (const Request& r : node.requests())
    if (r.header("X-Wallarm-Message-Type") == "batch")
      for (const Part& p : split_batch(r.body))
        CHECK(p.header("X-Wallarm-Message-Type") == "response");
  CHECK(batches_received(node) == 1);
}

TEST_CASE("transport: a node that refuses batches gets the messages one by one") {
  Server node(answering_batches(400));
  Engine eng;
  auto* t = eng.target(node.url(), [](wallarm_target_config_t& c) { c.breaker_failures = 1; });
  submit_behind_one(node, t, 10);
  wait_until([&] { return eng.stats(t).async_sent == 11; }, 5000);
  // Later messages are not tried in a batch again for a while.
  submit_burst(t, 11, 10);
  wait_until([&] { return eng.stats(t).async_sent == 21; }, 5000);
  CHECK(batches_received(node) == 1);
  std::vector<std::string> ids;
  for (const Request& r : node.requests())
    if (r.header("X-Wallarm-Message-Type") != "batch") ids.push_back(r.header("X-Wallarm-Request-Id"));
  std::sort(ids.begin(), ids.end());
  CHECK(std::unique(ids.begin(), ids.end()) == ids.end());
  CHECK(ids.size() == 21);
  auto st = eng.stats(t);
  CHECK(st.err_status == 0);
  CHECK(st.breaker_trips == 0);
}

TEST_CASE("transport: a failed batch fails each message, and counts once for the breaker") {
  Server node(answering_batches(503));
  Engine eng;
  auto* t = eng.target(node.url(), [](wallarm_target_config_t& c) { c.breaker_failures = 2; });
  submit_behind_one(node, t, 10);
  wait_until([&] { return eng.stats(t).err_status == 10; }, 5000);
  auto st = eng.stats(t);
  CHECK(st.async_sent == 1);
  CHECK(st.breaker_trips == 0);
  CHECK(st.breaker_state == WALLARM_BREAKER_CLOSED);
  CHECK(node.request_count() == 2);
}

TEST_CASE("transport: a batch that times out fails each of its messages with ETIMEOUT") {
  Server node(answering_batches(200, 3000));
  Engine eng;
  auto* t = eng.target(node.url());
  submit_behind_one(node, t, 5, 300);
  auto start = Clock::now();
  wait_until([&] { return eng.stats(t).err_timeout == 5; }, 2000);
  CHECK(ms_since(start) < 1000);
  CHECK(eng.stats(t).async_sent == 1);
}

TEST_CASE("transport: stopping the engine fails what is pending, at once") {
  Server node([](const Request&) {
    Reply r;
    r.fault = Fault::never_answer;
    return r;
  });
  auto eng = std::make_unique<Engine>();
  auto* t = eng->target(node.url());
  Message msg;
  uint64_t ticket = 0;
  for (int i = 0; i < 10; ++i) REQUIRE(wallarm_submit(t, msg.get(), 0, 10000, &ticket) == WALLARM_OK);
  REQUIRE(node.wait_for_requests(10, 2000));
  auto start = Clock::now();
  eng.reset();
  CHECK(ms_since(start) < 2000);  // not the 10 s deadlines
}

TEST_CASE("transport: a released target still sends what was submitted") {
  Server node(ok);
  Engine eng;
  auto* t = eng.target(node.url());
  Message msg;
  REQUIRE(wallarm_submit(t, msg.get(), 0, 1000, nullptr) == WALLARM_OK);
  wallarm_target_release(t);
  REQUIRE(node.wait_for_requests(1, 2000));
  wait_until([&] { return engine_stats(eng.e).async_sent >= 1; }, 2000);
  CHECK(engine_stats(eng.e).submitted == 1);
}

TEST_CASE("transport: a forked child cannot use its parent's engine") {
  Server node(ok);
  Engine eng;
  auto* t = eng.target(node.url());
  Message msg;
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    uint64_t ticket = 0;
    wallarm_stats_t s{};
    s.size = sizeof s;
    bool refused = wallarm_submit(t, msg.get(), 0, 100, &ticket) == WALLARM_EFORKED &&
                   wallarm_engine_stats(eng.e, &s) == WALLARM_EFORKED;
    wallarm_engine_free(eng.e);  // only forgets it
    _exit(refused ? 0 : 1);
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(inspect(t, msg).code == WALLARM_OK);  // the parent's engine still works
}

TEST_CASE("transport: bad configuration is refused with the field named") {
  Engine eng;
  auto bad = [&](void (*tune)(wallarm_target_config_t&), const char* field) {
    wallarm_target_config_t cfg;
    wallarm_target_config_init(&cfg);
    cfg.url = "http://127.0.0.1:1/";
    tune(cfg);
    wallarm_target_t* t = nullptr;
    CHECK(wallarm_target_new(eng.e, &cfg, &t) == WALLARM_EINVAL);
    std::string err = wallarm_last_error();
    CHECK_MESSAGE(err.find(field) == 0, err);
  };
  bad([](wallarm_target_config_t& c) { c.url = "ftp://x/"; }, "url");
  bad([](wallarm_target_config_t& c) { c.url = "not a url"; }, "url");
  bad([](wallarm_target_config_t& c) { c.url = "http://user:s3cret@[::1/"; }, "url");
  CHECK(std::string(wallarm_last_error()).find("s3cret") == std::string::npos);
  bad([](wallarm_target_config_t& c) { c.url = nullptr; }, "url");
  bad([](wallarm_target_config_t& c) { c.max_connections = 0; }, "max_connections");
  bad([](wallarm_target_config_t& c) { c.ca_file = "/nonexistent.pem"; }, "ca_file");
  bad([](wallarm_target_config_t& c) { c.tls_verify = 2; }, "tls_verify");
  bad([](wallarm_target_config_t& c) { c.breaker_backoff_max_ms = 1; }, "breaker_backoff_max_ms");
  bad([](wallarm_target_config_t& c) { c.size = 8; }, "size");

  wallarm_engine_config_t ecfg;
  wallarm_engine_config_init(&ecfg);
  ecfg.socket_dir = "/proc/definitely/not/here";
  wallarm_engine_t* e = nullptr;
  CHECK(wallarm_engine_new(&ecfg, &e) == WALLARM_EINVAL);
  CHECK(std::string(wallarm_last_error()).find("socket_dir") == 0);
}

TEST_CASE("transport: submit checks its arguments") {
  Server node(ok);
  Engine eng;
  auto* t = eng.target(node.url());
  Message msg;
  uint64_t ticket = 0;
  CHECK(wallarm_submit(t, msg.get(), 0, 0, &ticket) == WALLARM_EINVAL);
  CHECK(std::string(wallarm_last_error()).find("timeout_ms") == 0);
  CHECK(wallarm_submit(t, msg.get(), 0x80, 100, &ticket) == WALLARM_EINVAL);
  CHECK(wallarm_submit(t, nullptr, 0, 100, &ticket) == WALLARM_EINVAL);
  msg.id = "";
  CHECK(wallarm_submit(t, msg.get(), 0, 100, &ticket) == WALLARM_EINVAL);
  CHECK(std::string(wallarm_last_error()).find("request_id") == 0);
  wallarm_verdict_t v{};
  v.size = sizeof v;
  CHECK(wallarm_ticket_result(eng.e, 0, &v) == WALLARM_ETICKET);
  CHECK(wallarm_ticket_result(eng.e, 0xdeadbeef00000001ull, &v) == WALLARM_ETICKET);
  CHECK(eng.stats(t).submitted == 0);
}

TEST_CASE("abi: version, codes and bucket bounds") {
  CHECK(wallarm_abi_version() == WALLARM_ABI);
  CHECK(std::string(wallarm_version()).find('.') != std::string::npos);
  CHECK(std::string(wallarm_code_name(WALLARM_ECONNREFUSED)) == "ECONNREFUSED");
  CHECK(std::string(wallarm_strerror(WALLARM_ETIMEOUT)).find("deadline") != std::string::npos);
  CHECK(std::string(wallarm_code_name(-999)) == "EUNKNOWN");
  for (int32_t c = 0; c >= WALLARM_EINTERNAL; --c) CHECK(std::string(wallarm_code_name(c)) != "EUNKNOWN");
  CHECK(wallarm_latency_bucket_le_us(0) == 250);
  CHECK(wallarm_latency_bucket_le_us(WALLARM_LATENCY_BUCKETS - 1) == UINT64_MAX);
  CHECK(wallarm_latency_bucket_le_us(WALLARM_LATENCY_BUCKETS) == 0);
}

namespace {

int connect_unix(const char* path) {
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path, sizeof addr.sun_path - 1);
  REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  timeval tv{2, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

}  // namespace

TEST_CASE("transport: records wait for a reader, and a new reader replaces the old one") {
  char dir[] = "/tmp/wallarm-sock-XXXXXX";
  REQUIRE(mkdtemp(dir) != nullptr);
  Server node(ok);
  Engine eng(dir);
  auto* t = eng.target(node.url());
  Message msg;
  uint64_t first = 0;
  REQUIRE(wallarm_submit(t, msg.get(), 0, 2000, &first) == WALLARM_OK);
  REQUIRE(node.wait_for_requests(1, 2000));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // completed, no reader yet

  int old_reader = connect_unix(wallarm_engine_socket_path(eng.e));
  wallarm_notify_record_t rec{};
  REQUIRE(recv(old_reader, &rec, sizeof rec, MSG_WAITALL) == static_cast<ssize_t>(sizeof rec));
  CHECK(rec.ticket == first);

  int new_reader = connect_unix(wallarm_engine_socket_path(eng.e));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the engine accepts it
  uint64_t second = 0;
  REQUIRE(wallarm_submit(t, msg.get(), 0, 2000, &second) == WALLARM_OK);
  REQUIRE(recv(new_reader, &rec, sizeof rec, MSG_WAITALL) == static_cast<ssize_t>(sizeof rec));
  CHECK(rec.ticket == second);
  char byte;
  CHECK(recv(old_reader, &byte, 1, 0) == 0);  // the old reader was closed
  close(old_reader);
  close(new_reader);
  std::filesystem::remove_all(dir);
}

TEST_CASE("transport: socket files left by dead processes are removed") {
  char dir[] = "/tmp/wallarm-sock-XXXXXX";
  REQUIRE(mkdtemp(dir) != nullptr);
  pid_t dead = fork();
  if (dead == 0) _exit(0);
  REQUIRE(waitpid(dead, nullptr, 0) == dead);
  std::string stale = std::string(dir) + "/wallarm-" + std::to_string(dead) + ".sock";
  std::string alive = std::string(dir) + "/wallarm-1.sock";  // init is always alive
  std::string other = std::string(dir) + "/unrelated.sock";
  for (auto& p : {stale, alive, other}) close(open(p.c_str(), O_CREAT | O_WRONLY, 0600));
  {
    Engine eng(dir);
    CHECK(access(stale.c_str(), F_OK) != 0);
    CHECK(access(alive.c_str(), F_OK) == 0);
    CHECK(access(other.c_str(), F_OK) == 0);
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("transport: a body file is read by the engine and sent up to the limit") {
  char path[] = "/tmp/wallarm-body-XXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  std::string content(300000, 'F');
  REQUIRE(write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()));
  close(fd);
  Server node(ok);
  Engine eng;
  auto* t = eng.target(node.url(), [](wallarm_target_config_t& c) { c.request_body_limit = 100000; });
  Message msg;
  msg.method = "POST";
  const wallarm_message_t* m = msg.get();
  msg.m.body_file = path;
  wallarm_verdict_t v{};
  v.size = sizeof v;
  REQUIRE(wallarm_inspect(t, m, 2000, &v) == WALLARM_OK);
  unlink(path);
  CHECK(v.code == WALLARM_OK);
  Request r = node.requests().at(0);
  CHECK(r.header("X-Wallarm-Body-Truncated") == "300000");
  CHECK(r.body.substr(r.body.find("\r\n\r\n") + 4) == std::string(100000, 'F'));
  CHECK(eng.stats(t).truncated == 1);
}

TEST_CASE("transport: threads submitting at once each get their own verdicts") {
  Server node([](const Request& r) {
    Reply rep;
    rep.status = r.body.find("/block") != std::string::npos ? 403 : 200;
    return rep;
  });
  Engine eng;
  auto* t = eng.target(node.url(), [](wallarm_target_config_t& c) { c.max_connections = 8; });
  constexpr int kThreads = 4, kEach = 300;
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      Message msg;
      msg.uri = i % 2 ? "/block" : "/pass";
      for (int n = 0; n < kEach; ++n) {
        wallarm_verdict_t v{};
        v.size = sizeof v;
        if (wallarm_inspect(t, msg.get(), 5000, &v) != WALLARM_OK || v.code != WALLARM_OK ||
            v.action != (i % 2 ? WALLARM_BLOCK : WALLARM_PASS))
          ++wrong;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(wrong == 0);
  auto s = eng.stats(t);
  CHECK(s.passed == kThreads / 2 * kEach);
  CHECK(s.blocked == kThreads / 2 * kEach);
  CHECK(node.connections_accepted() <= 8);
}

namespace {

// /proc/self/task/<tid> of each thread named "wallarm-engine".
std::vector<std::filesystem::path> engine_tasks() {
  std::vector<std::filesystem::path> tasks;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm(task.path() / "comm");
    std::string name;
    std::getline(comm, name);
    if (name == "wallarm-engine") tasks.push_back(task.path());
  }
  return tasks;
}

// CPU time (ms) used so far by this process's engine thread(s).
long engine_cpu_ms() {
  long ticks = 0;
  for (const auto& task : engine_tasks()) {
    std::ifstream stat(task / "stat");
    std::string text((std::istreambuf_iterator<char>(stat)), {});
    std::istringstream fields(text.substr(text.rfind(')') + 2));
    std::string field;
    for (int i = 3; i <= 15 && fields >> field; ++i)
      if (i == 14 || i == 15) ticks += std::stol(field);
  }
  return ticks * 1000 / sysconf(_SC_CLK_TCK);
}

}  // namespace

TEST_CASE("transport: messages released or expired in the same batch never crash the engine") {
  Server node(delayed(100));
  Engine eng;
  auto* t = eng.target(node.url(), [](wallarm_target_config_t& c) { c.max_connections = 1; });
  Message msg;
  for (int round = 0; round < 20; ++round) {
    uint64_t keep = 0;
    REQUIRE(wallarm_submit(t, msg.get(), 0, 2000, &keep) == WALLARM_OK);
    for (int i = 0; i < 5; ++i) {
      uint64_t gone = 0;
      REQUIRE(wallarm_submit(t, msg.get(), 0, 2000, &gone) == WALLARM_OK);
      REQUIRE(wallarm_ticket_release(eng.e, gone) == WALLARM_OK);  // likely before the engine takes it
      REQUIRE(wallarm_submit(t, msg.get(), 0, 1, nullptr) == WALLARM_OK);  // expires queued
    }
    CHECK(eng.wait(keep).code == WALLARM_OK);
  }
  CHECK(eng.stats(t).abandoned == 100);
}

TEST_CASE("transport: the engine sleeps while the breaker is open and the slot table is full") {
  Engine eng(nullptr, 1);
  auto* dead = eng.target("http://127.0.0.1:" + std::to_string(testsrv::closed_port()) + "/",
                          [](wallarm_target_config_t& c) {
                            c.breaker_failures = 1;
                            c.breaker_backoff_ms = 20;
                            c.breaker_backoff_max_ms = 20;
                          });
  Message msg;
  uint64_t held = 0;
  REQUIRE(wallarm_submit(dead, msg.get(), 0, 1000, &held) == WALLARM_OK);
  auto v = eng.wait(held, 2000);  // refused: opens the breaker
  CHECK(v.code == WALLARM_ECONNREFUSED);
  REQUIRE(wallarm_submit(dead, msg.get(), 0, 1000, &held) == WALLARM_EUNAVAILABLE);
  // Fill the only slot with a ticket nobody collects, on another target.
  Server slow(delayed(5000));
  auto* other = eng.target(slow.url());
  REQUIRE(wallarm_submit(other, msg.get(), 0, 5000, &held) == WALLARM_OK);
  long before = engine_cpu_ms();
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  long used = engine_cpu_ms() - before;
  CHECK_MESSAGE(used < 300, "engine thread used " << used << " ms of CPU in 1 s");
  CHECK(eng.stats(dead).health_probes >= 5);  // probes still go out, from their own slot
  CHECK(wallarm_ticket_release(eng.e, held) == WALLARM_OK);
}

TEST_CASE("transport: a target released while its breaker probes is freed and probes stop") {
  testsrv::SilentListener silent;
  Engine eng;
  auto* t = eng.target("http://127.0.0.1:" + std::to_string(silent.port()) + "/",
                       [](wallarm_target_config_t& c) {
                         c.breaker_failures = 1;
                         c.breaker_backoff_ms = 10;
                         c.breaker_backoff_max_ms = 10;
                       });
  Message msg;
  wallarm_verdict_t v{};
  v.size = sizeof v;
  REQUIRE(wallarm_inspect(t, msg.get(), 50, &v) == WALLARM_OK);
  CHECK(v.code == WALLARM_ETIMEOUT);
  std::this_thread::sleep_for(std::chrono::milliseconds(30));  // a probe is out now
  wallarm_target_release(t);
  // No target left that is not closed: the released one is gone.
  wait_until([&] { return engine_stats(eng.e).breaker_state == 0; }, 3000, 20);
  uint64_t probes = engine_stats(eng.e).health_probes;
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(engine_stats(eng.e).health_probes == probes);
}

TEST_CASE("transport: a node error keeps its own detail in the verdict") {
  Server node([](const Request&) {
    Reply r;
    r.status = 404;
    return r;
  });
  Engine eng;
  auto* t = eng.target(node.url());
  Message msg;
  auto v = inspect(t, msg);
  CHECK(v.code == WALLARM_ESTATUS);
  CHECK(std::string(v.detail) == "node answered HTTP 404");
}

namespace {

size_t open_descriptors() {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

}  // namespace

TEST_CASE("transport: a node that closes kept-alive connections unannounced costs no error") {
  // The answer says nothing of closing; the node closes right after it. A
  // message may go out on such a connection before its end is seen: it is
  // sent again, once, on a new connection.
  Server node([](const Request&) {
    Reply r;
    r.fault = Fault::raw;
    r.raw = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    r.close_after = true;
    return r;
  });
  Engine eng;
  auto* t = eng.target(node.url());
  Message msg;
  for (int i = 0; i < 50; ++i) CHECK(inspect(t, msg).code == WALLARM_OK);
  auto s = eng.stats(t);
  CHECK(s.passed == 50);
  CHECK(s.err_reset == 0);
  CHECK(node.request_count() == 50);
}

TEST_CASE("transport: chunked and close-delimited verdicts are read whole") {
  const std::string verdict = R"({"action":"block","attacks":[{"type":"sqli"}]})";
  for (const std::string& raw :
       {"HTTP/1.1 403 Forbidden\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n" + verdict.substr(0, 5) +
            "\r\n" + [&] {
              char size[16];
              std::snprintf(size, sizeof size, "%zx", verdict.size() - 5);
              return std::string(size);
            }() + "\r\n" + verdict.substr(5) + "\r\n0\r\n\r\n",
        "HTTP/1.0 403 Forbidden\r\n\r\n" + verdict}) {
    CAPTURE(raw);
    Server node([&](const Request&) {
      Reply r;
      r.fault = Fault::raw;
      r.raw = raw;
      r.close_after = raw.rfind("HTTP/1.0", 0) == 0;
      return r;
    });
    Engine eng;
    auto* t = eng.target(node.url());
    Message msg;
    for (int i = 0; i < 3; ++i) {
      auto v = inspect(t, msg);
      CHECK(v.code == WALLARM_OK);
      CHECK(v.action == WALLARM_BLOCK);
      CHECK(v.attack_count == 1);
    }
  }
}

TEST_CASE("transport: connections closed by either side leave no descriptor behind") {
  Server node([](const Request& r) {
    Reply reply;
    reply.close_after = r.header("X-Wallarm-Request-Id") == "close";
    return reply;
  });
  Engine eng;
  auto* t = eng.target(node.url(), [](wallarm_target_config_t& c) { c.max_connections = 8; });
  Message msg;
  CHECK(inspect(t, msg).code == WALLARM_OK);  // the engine's own descriptors are open now
  eng.stats(t);
  const size_t before = open_descriptors();
  Message closing;
  closing.id = "close";
  std::vector<uint64_t> tickets(8);
  for (int round = 0; round < 20; ++round) {
    for (auto& tk : tickets)
      REQUIRE(wallarm_submit(t, (round % 2 ? closing : msg).get(), 0, 5000, &tk) == WALLARM_OK);
    for (auto tk : tickets) CHECK(eng.wait(tk).code == WALLARM_OK);
  }
  // The server closes its ends on its own threads: wait for it to settle.
  wait_until([&] { return node.open_connections() <= 8; }, 5000, 5);
  CHECK(open_descriptors() <= before + 8);
  CHECK(eng.stats(t).conn_opened >= 10);
}

namespace {

// Times the engine thread gave up its CPU to wait.
long engine_waits() {
  for (const auto& task : engine_tasks()) {
    std::ifstream status(task / "status");
    for (std::string line; std::getline(status, line);)
      if (line.rfind("voluntary_ctxt_switches:", 0) == 0) return std::stol(line.substr(24));
  }
  return -1;
}

}  // namespace

TEST_CASE("transport: a message without a waiter goes with the engine's next wake-up") {
  // Each round, with the engine asleep: a message without a waiter, then,
  // within the moment it may wait, a verdict. The verdict's submission
  // wakes the engine, and both go: the first costs no wake-up of its own
  // (four a round when every submission wakes the engine: two submissions,
  // two answers).
  Server node(delayed(2));
  Engine eng;
  auto* t = eng.target(node.url(), WALLARM_FORMAT_MIRROR);
  Message msg;
  CHECK(inspect(t, msg, 5000).code == WALLARM_OK);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const long before = engine_waits();
  REQUIRE(before >= 0);
  constexpr int kRounds = 30;
  for (int i = 0; i < kRounds; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    REQUIRE(wallarm_submit(t, msg.get(), 0, 5000, nullptr) == WALLARM_OK);
    std::this_thread::sleep_for(std::chrono::microseconds(300));
    CHECK(inspect(t, msg, 5000).code == WALLARM_OK);
  }
  const long waits = engine_waits() - before;
  CAPTURE(waits);
  CHECK(waits <= kRounds * 7 / 2);
  wait_until([&] { return eng.stats(t).async_sent == kRounds; }, 3000);
}
