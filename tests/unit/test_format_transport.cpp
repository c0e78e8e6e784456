// The mirror and multipart formats on the wire, against a real loopback
// HTTP server, through the public C API; the growth rule of the ABI's
// structs.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "engine_fixture.h"
#include "test_server.h"
#include "wallarm.h"

using testsrv::Reply;
using testsrv::Request;
using testsrv::Server;

namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;
using unit::Engine;
using unit::inspect;
using unit::Message;

// The headers curl adds of its own accord, which a replay must not carry.
bool has_header(const Request& r, const std::string& name) {
  for (const auto& [n, v] : r.headers)
    if (n == name) return true;
  return false;
}

}  // namespace

TEST_CASE("mirror on the wire: the node receives the client's request line, lines and body") {
  Server node([](const Request& r) {
    Reply reply;
    if (r.target.find("passwd") != std::string::npos) reply.status = 403;
    return reply;
  });
  Engine eng;
  auto* t = eng.target(node.url("/wallarm/"), WALLARM_FORMAT_MIRROR);

  Message seed;
  seed.uri = "/a/../etc/passwd?x=1#frag";
  CHECK(inspect(t, seed).action == WALLARM_BLOCK);
  REQUIRE(node.wait_for_requests(1, 2000));
  Request got = node.requests()[0];
  CHECK(got.method == "GET");
  CHECK(got.target == "/wallarm/a/../etc/passwd?x=1#frag");
  CHECK(got.headers == Headers{{"Host", "shop"},
                               {"Accept", "*/*"},
                               {"X-Wallarm-Connector-Mode", "inline"},
                               {"X-Wallarm-Request-Id", "req-1"},
                               {"X-Wallarm-Forwarded-For", "10.0.0.1"},
                               {"X-Wallarm-Forwarded-Host", "shop"},
                               {"X-Wallarm-Method", "GET"},
                               {"X-Wallarm-Connector-Type", "kong"},
                               {"X-Wallarm-Connector-Version", wallarm_version()}});
  CHECK(got.body.empty());

  // A large body: no "Expect: 100-continue", the length recomputed.
  Message post;
  post.method = "POST";
  post.uri = "/upload";
  post.body = std::string(2 << 20, 'b');
  post.hdrs = {{"Host", "shop"}, {"Content-Length", "999"}, {"Transfer-Encoding", "chunked"}};
  wallarm_target_t* big = eng.target(node.url("/wallarm"), WALLARM_FORMAT_MIRROR,
                                     [](wallarm_target_config_t& c) { c.request_body_limit = 4 << 20; });
  CHECK(inspect(big, post).action == WALLARM_PASS);
  REQUIRE(node.wait_for_requests(2, 2000));
  got = node.requests()[1];
  CHECK(got.method == "POST");
  CHECK(got.target == "/wallarm/upload");
  CHECK(got.header("Content-Length") == std::to_string(2 << 20));
  CHECK_FALSE(has_header(got, "Expect"));
  CHECK_FALSE(has_header(got, "Transfer-Encoding"));
  CHECK_FALSE(has_header(got, "Content-Type"));  // curl's form type is not added
  CHECK(got.body == post.body);
  wallarm_target_release(big);
  wallarm_target_release(t);
}

TEST_CASE("mirror on the wire: HEAD, DELETE and an unknown method arrive as themselves") {
  Server node([](const Request& r) {
    Reply reply;
    reply.status = r.method == "HEAD" ? 403 : 200;
    return reply;
  });
  Engine eng;
  auto* t = eng.target(node.url("/"), WALLARM_FORMAT_MIRROR);
  Message head;
  head.method = "HEAD";
  CHECK(inspect(t, head).action == WALLARM_BLOCK);  // the status alone decides
  Message del;
  del.method = "DELETE";
  CHECK(inspect(t, del).action == WALLARM_PASS);
  Message custom;
  custom.method = "PROPFIND";
  custom.body = "<propfind/>";
  custom.hdrs.push_back({"Content-Length", "11"});
  CHECK(inspect(t, custom).action == WALLARM_PASS);
  Message odd;
  odd.method = "NOT A TOKEN";
  CHECK(inspect(t, odd).action == WALLARM_PASS);
  Message empty_post;  // no body and no framing: the length is still said
  empty_post.method = "POST";
  CHECK(inspect(t, empty_post).action == WALLARM_PASS);

  REQUIRE(node.wait_for_requests(5, 2000));
  auto got = node.requests();
  CHECK(got[0].method == "HEAD");
  CHECK_FALSE(has_header(got[0], "Content-Length"));
  CHECK(got[1].method == "DELETE");
  CHECK_FALSE(has_header(got[1], "Content-Length"));
  CHECK(got[2].method == "PROPFIND");
  CHECK(got[2].body == "<propfind/>");
  CHECK(got[3].method == "POST");
  CHECK(got[3].header("X-Wallarm-Method") == "NOT%20A%20TOKEN");
  CHECK(got[3].header("Content-Length") == "0");
  CHECK(got[4].method == "POST");
  CHECK(got[4].header("Content-Length") == "0");
  CHECK(got[4].body.empty());
  CHECK(got[0].target == "/etc/passwd");  // a URL path of "/" adds nothing
  CHECK(eng.stats(t).reshaped == 1);
  CHECK(eng.stats(t).err_proto == 0);
}

TEST_CASE("multipart on the wire: a POST of the two parts to the node path + client path") {
  Server node([](const Request&) { return Reply{}; });
  Engine eng;
  auto* t = eng.target(node.url("/n"), WALLARM_FORMAT_MULTIPART);
  Message msg;
  msg.method = "PUT";
  msg.uri = "/items/7?x=1";
  msg.body = "payload";
  CHECK(inspect(t, msg).action == WALLARM_PASS);
  Message resp;
  resp.type = WALLARM_MSG_RESPONSE;
  resp.status = 201;
  resp.hdrs = {{"Content-Type", "text/plain"}};
  resp.body = "created";
  wallarm_verdict_t v = inspect(t, resp);
  CHECK(v.code == WALLARM_OK);

  REQUIRE(node.wait_for_requests(2, 2000));
  auto got = node.requests();
  CHECK(got[0].method == "POST");
  CHECK(got[0].target == "/n/items/7?x=1");
  CHECK(got[0].header("Content-Type") == "multipart/form-data; boundary=WallarmBoundaryreq1");
  CHECK(got[0].header("X-Wallarm-Method") == "PUT");
  CHECK(got[0].body ==
        "--WallarmBoundaryreq1\r\nContent-Disposition: form-data; name=\"headers\"\r\n\r\n"
        "Host: shop\r\nAccept: */*\r\n\r\n"
        "--WallarmBoundaryreq1\r\nContent-Disposition: form-data; name=\"body\"\r\n\r\n"
        "payload\r\n--WallarmBoundaryreq1--\r\n");
  CHECK(got[1].header("X-Wallarm-Response-Status") == "201");
  CHECK(got[1].target == "/n/etc/passwd");
  CHECK(got[1].body.find("created") != std::string::npos);
}

TEST_CASE("mirror and multipart: fire-and-forget messages never share a transfer") {
  Server node([](const Request&) {
    Reply r;
    r.delay_ms = 20;
    return r;
  });
  Engine eng;
  auto* t = eng.target(node.url("/"), WALLARM_FORMAT_MIRROR);
  Message msg;
  for (int i = 0; i < 10; ++i) REQUIRE(wallarm_submit(t, msg.get(), 0, 2000, nullptr) == WALLARM_OK);
  REQUIRE(node.wait_for_requests(10, 3000));
  for (const Request& r : node.requests()) CHECK(r.header("X-Wallarm-Batch-Count").empty());
}

TEST_CASE("mirror: a node that closes every connection after its answer costs no error") {
  Server node([](const Request&) {
    Reply r;
    r.close_after = true;
    return r;
  });
  Engine eng;
  auto* t = eng.target(node.url("/"), WALLARM_FORMAT_MIRROR);
  Message msg;
  for (int i = 0; i < 20; ++i) CHECK(inspect(t, msg).code == WALLARM_OK);
  auto s = eng.stats(t);
  CHECK(s.passed == 20);
  CHECK(s.conn_opened == 20);
  CHECK(s.err_reset + s.err_proto + s.err_status == 0);
}

TEST_CASE("health path: the breaker's probes GET it, and only 200 closes the breaker") {
  std::atomic<int> health_status{204};
  Server node([&](const Request& r) {
    Reply reply;
    reply.status = r.target == "/wallarm-external-health" ? health_status.load() : 503;
    return reply;
  });
  Engine eng;
  auto* t = eng.target(node.url("/wallarm"), WALLARM_FORMAT_MIRROR, [](wallarm_target_config_t& c) {
    c.breaker_failures = 2;
    c.breaker_backoff_ms = 50;
    c.breaker_backoff_max_ms = 50;
    c.health_path = "/wallarm-external-health";
  });
  Message msg;
  for (int i = 0; i < 2; ++i) CHECK(inspect(t, msg).code == WALLARM_ESTATUS);
  REQUIRE(node.wait_for_requests(4, 2000));  // two messages, then probes
  Request probe = node.requests()[2];
  CHECK(probe.method == "GET");
  CHECK(probe.target == "/wallarm-external-health");
  CHECK(probe.body.empty());
  CHECK(probe.header("X-Wallarm-Connector-Type").empty());
  CHECK(eng.stats(t).breaker_state != WALLARM_BREAKER_CLOSED);  // 204 is not healthy

  health_status = 200;
  auto start = std::chrono::steady_clock::now();
  while (eng.stats(t).breaker_state != WALLARM_BREAKER_CLOSED) {
    REQUIRE(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

TEST_CASE("formats: a node URL with a query is refused outside v1, and bad formats are named") {
  Engine eng;
  auto refused = [&](const char* url, int32_t format, const char* health_path, const char* field) {
    wallarm_target_config_t cfg;
    wallarm_target_config_init(&cfg);
    cfg.url = url;
    cfg.format = format;
    cfg.health_path = health_path;
    wallarm_target_t* t = nullptr;
    CHECK(wallarm_target_new(eng.e, &cfg, &t) == WALLARM_EINVAL);
    std::string err = wallarm_last_error();
    CHECK_MESSAGE(err.rfind(field, 0) == 0, err);
  };
  refused("http://127.0.0.1:1/n?x=1", WALLARM_FORMAT_MIRROR, nullptr, "url");
  refused("http://127.0.0.1:1/n#f", WALLARM_FORMAT_MULTIPART, nullptr, "url");
  refused("http://127.0.0.1:1/", 3, nullptr, "format");
  refused("http://127.0.0.1:1/", WALLARM_FORMAT_MIRROR, "health", "health_path");
  refused("http://127.0.0.1:1/", WALLARM_FORMAT_MIRROR, "/a b", "health_path");
  wallarm_target_release(eng.target("http://127.0.0.1:1/n?x=1", WALLARM_FORMAT_V1));
}

TEST_CASE("abi growth: a config struct that ends before the appended fields is read as v1") {
  Server node([](const Request&) { return Reply{}; });
  Engine eng;
  std::string url = node.url("/");
  // A caller built before format and health_path: its struct ends at ca_file.
  alignas(wallarm_target_config_t) unsigned char old[offsetof(wallarm_target_config_t, format)];
  wallarm_target_config_t full;
  wallarm_target_config_init(&full);
  full.url = url.c_str();
  std::memcpy(old, &full, sizeof old);
  reinterpret_cast<wallarm_target_config_t*>(old)->size = sizeof old;
  wallarm_target_t* t = nullptr;
  REQUIRE_MESSAGE(
      wallarm_target_new(eng.e, reinterpret_cast<wallarm_target_config_t*>(old), &t) == WALLARM_OK,
      wallarm_last_error());
  Message msg;
  CHECK(inspect(t, msg).code == WALLARM_OK);
  REQUIRE(node.wait_for_requests(1, 2000));
  CHECK(node.requests()[0].header("Content-Type") == "message/http");
  wallarm_target_release(t);

  // A newer caller's larger struct: accepted while the fields we lack are 0.
  struct Newer {
    wallarm_target_config_t known;
    uint64_t unknown_field;
  } newer{};
  newer.known = full;
  newer.known.size = sizeof newer;
  REQUIRE(wallarm_target_new(eng.e, &newer.known, &t) == WALLARM_OK);
  wallarm_target_release(t);
  newer.unknown_field = 1;
  CHECK(wallarm_target_new(eng.e, &newer.known, &t) == WALLARM_EINVAL);
  CHECK(std::string(wallarm_last_error()).rfind("size:", 0) == 0);

  full.size = offsetof(wallarm_target_config_t, format) - 8;  // smaller than any
  CHECK(wallarm_target_new(eng.e, &full, &t) == WALLARM_EINVAL);
  CHECK(std::string(wallarm_last_error()).rfind("size:", 0) == 0);
}

TEST_CASE("abi growth: output structs are written up to the caller's size, never past it") {
  Engine eng;
  struct Padded {
    wallarm_stats_t stats;
    unsigned char canary[16];
  } padded;
  std::memset(&padded, 0xAB, sizeof padded);
  padded.stats.size = sizeof padded;  // a newer caller's larger struct
  REQUIRE(wallarm_engine_stats(eng.e, &padded.stats) == WALLARM_OK);
  CHECK(padded.stats.size == sizeof(wallarm_stats_t));
  for (unsigned char c : padded.canary) CHECK(c == 0xAB);
  CHECK(padded.stats.submitted == 0);

  wallarm_stats_t small{};
  small.size = sizeof small - 8;
  CHECK(wallarm_engine_stats(eng.e, &small) == WALLARM_EINVAL);
  CHECK(std::string(wallarm_last_error()).find("size") != std::string::npos);

  wallarm_verdict_t v{};  // size 0
  CHECK(wallarm_ticket_result(eng.e, 1, &v) == WALLARM_EINVAL);
  CHECK(std::string(wallarm_last_error()).find("size") != std::string::npos);
}
