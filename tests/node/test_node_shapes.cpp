// --shapes: a node that serves some message shapes only, as a real node may
// accept one format; the others are refused before parsing, with 400 and
// the rejection reason "shape", while the node's own pages still answer.
#include <doctest/doctest.h>
#include <httplib.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "config.h"
#include "running_node.h"

namespace {

using node::Shape;
using node::shape_bit;
using node_test::metrics_text;
using node_test::RunningNode;

std::string configure(std::vector<std::string> args, node::Config& cfg) {
  args.insert(args.begin(), "node");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  bool help = false;
  return node::configure(static_cast<int>(argv.size()), argv.data(), cfg, &help);
}

bool has_line(const std::string& text, const std::string& line) {
  return text.find(line + "\n") != std::string::npos;
}

// The connector headers of docs/protocol.md 12.1; a status makes a response.
httplib::Headers connector_headers(const std::string& id, const std::string& status = "") {
  httplib::Headers h{{"Host", "shop.example"},
                     {"X-Wallarm-Connector-Type", "kong"},
                     {"X-Wallarm-Connector-Version", "0.1.0"},
                     {"X-Wallarm-Connector-Mode", "inline"},
                     {"X-Wallarm-Request-Id", id},
                     {"X-Wallarm-Method", "GET"}};
  if (!status.empty()) h.emplace("X-Wallarm-Response-Status", status);
  return h;
}

httplib::Result get_mirror(const RunningNode& n, const std::string& target, const std::string& id) {
  return n.client().Get(target.c_str(), connector_headers(id));
}

// A multipart message (12.3) with the id's own boundary, empty body part.
httplib::Result post_multipart(const RunningNode& n, const std::string& target,
                               const std::string& id, const std::string& status = "") {
  std::string boundary = "WallarmBoundary";
  for (char c : id)
    if (c != '-') boundary.push_back(c);
  const std::string body =
      "--" + boundary + "\r\nContent-Disposition: form-data; name=\"headers\"\r\n\r\n" +
      "Host: shop.example\r\nUser-Agent: curl/7.88.1\r\n\r\n--" + boundary +
      "\r\nContent-Disposition: form-data; name=\"body\"\r\n\r\n\r\n--" + boundary + "--\r\n";
  return n.client().Post(target.c_str(), connector_headers(id, status), body,
                         ("multipart/form-data; boundary=" + boundary).c_str());
}

httplib::Result post_v1(const RunningNode& n, const std::string& target, const std::string& id) {
  httplib::Headers v1{{"X-Wallarm-Protocol", "1"},
                      {"X-Wallarm-Message-Type", "request"},
                      {"X-Wallarm-Request-Id", id},
                      {"X-Wallarm-Connector-Type", "kong"}};
  return n.client().Post("/", v1, "GET " + target + " HTTP/1.1\r\nHost: shop.example\r\n\r\n",
                         "message/http");
}

}  // namespace

TEST_CASE("node shapes: --shapes and the file's shapes take a subset, errors name the option") {
  node::Config cfg;
  CHECK(cfg.shapes == node::kAllShapes);  // all three by default
  REQUIRE(configure({"--shapes", "multipart"}, cfg) == "");
  CHECK(cfg.shapes == shape_bit(Shape::multipart));
  REQUIRE(configure({"--shapes", "v1,mirror"}, cfg) == "");
  CHECK(cfg.shapes == (shape_bit(Shape::v1) | shape_bit(Shape::mirror)));
  REQUIRE(configure({"--shapes", "mirror,multipart,v1,mirror"}, cfg) == "");
  CHECK(cfg.shapes == node::kAllShapes);

  for (const char* bad : {"", "json", "V1", "v1,", ",mirror", "v1,,mirror", "v1 ,mirror", "all"}) {
    CAPTURE(bad);
    node::Config c;
    const std::string err = configure({"--shapes", bad}, c);
    CHECK(err.rfind("shapes: ", 0) == 0);
    CHECK(err.find(std::string("\"") + bad + "\"") != std::string::npos);
    CHECK(c.shapes == node::kAllShapes);  // left as it was
  }
  node::Config missing;
  CHECK(configure({"--shapes"}, missing).rfind("--shapes: ", 0) == 0);

  char path[] = "/tmp/node-shapes-XXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  close(fd);
  node::Config from_file;
  std::ofstream(path) << R"({"shapes": ["mirror", "v1"]})";
  REQUIRE(configure({"--config", path}, from_file) == "");
  CHECK(from_file.shapes == (shape_bit(Shape::v1) | shape_bit(Shape::mirror)));
  std::ofstream(path) << R"({"shapes": "multipart"})";
  REQUIRE(configure({"--config", path}, from_file) == "");
  CHECK(from_file.shapes == shape_bit(Shape::multipart));
  REQUIRE(configure({"--config", path, "--shapes", "v1"}, from_file) == "");
  CHECK(from_file.shapes == shape_bit(Shape::v1));  // the option wins
  for (const char* bad : {R"({"shapes": []})", R"({"shapes": 3})", R"({"shapes": ["mirror", 1]})",
                          R"({"shapes": ["soap"]})"}) {
    CAPTURE(bad);
    std::ofstream(path) << bad;
    node::Config c;
    CHECK(configure({"--config", path}, c).rfind("shapes: ", 0) == 0);
  }
  std::remove(path);
}

TEST_CASE("node shapes: a node serving multipart only refuses mirror and v1 with 400 shape") {
  RunningNode n(node::Mode::block, true,
                [](node::Config& c) { c.shapes = shape_bit(Shape::multipart); });
  auto res = get_mirror(n, "/etc/passwd", "shp-1");
  REQUIRE(res);
  CHECK(res->status == 400);
  CHECK(res->body.rfind("shape: mirror ", 0) == 0);
  res = post_v1(n, "/etc/passwd", "shp-2");
  REQUIRE(res);
  CHECK(res->status == 400);
  CHECK(res->body.rfind("shape: v1 ", 0) == 0);

  // What it serves, it serves as before.
  res = post_multipart(n, "/etc/passwd", "shp-3");
  REQUIRE(res);
  CHECK(res->status == 403);
  res = post_multipart(n, "/", "shp-4");
  REQUIRE(res);
  CHECK(res->status == 200);
  res = post_multipart(n, "/", "shp-4", "200");
  REQUIRE(res);
  CHECK(res->status == 204);

  // Health checks and the node's pages are no messages: unaffected.
  for (const char* page : {"/healthz", "/wallarm-external-health"}) {
    CAPTURE(page);
    res = n.client().Get(page);
    REQUIRE(res);
    CHECK(res->status == 200);
  }
  const std::string metrics = metrics_text(n);
  CHECK(has_line(metrics, "wallarm_node_messages_rejected_total{reason=\"shape\"} 2"));
  CHECK(has_line(metrics, "wallarm_node_messages_rejected_total{reason=\"connector_info\"} 0"));
  CHECK(has_line(metrics, "wallarm_node_messages_by_shape_total{shape=\"mirror\"} 0"));
  CHECK(has_line(metrics, "wallarm_node_messages_by_shape_total{shape=\"v1\"} 0"));
  CHECK(has_line(metrics, "wallarm_node_messages_by_shape_total{shape=\"multipart\"} 3"));
}

TEST_CASE("node shapes: a node serving mirror takes multipart responses, which mirror sends") {
  RunningNode n(node::Mode::block, true,
                [](node::Config& c) { c.shapes = shape_bit(Shape::mirror); });
  auto res = get_mirror(n, "/etc/passwd", "mir-1");
  REQUIRE(res);
  CHECK(res->status == 403);
  res = get_mirror(n, "/", "mir-2");
  REQUIRE(res);
  CHECK(res->status == 200);
  res = post_multipart(n, "/", "mir-2", "200");  // the response message of mir-2
  REQUIRE(res);
  CHECK(res->status == 204);
  res = post_multipart(n, "/etc/passwd", "mir-3");  // a multipart request is not
  REQUIRE(res);
  CHECK(res->status == 400);
  CHECK(res->body.rfind("shape: multipart ", 0) == 0);
  res = post_v1(n, "/", "mir-4");
  REQUIRE(res);
  CHECK(res->status == 400);
  const std::string metrics = metrics_text(n);
  CHECK(has_line(metrics, "wallarm_node_messages_rejected_total{reason=\"shape\"} 2"));
  CHECK(has_line(metrics, "wallarm_node_responses_correlated_total 1"));
}

TEST_CASE("node shapes: a refused HEAD gets its 400 without a body, like any answer to HEAD") {
  RunningNode n(node::Mode::block, false,
                [](node::Config& c) { c.shapes = shape_bit(Shape::v1); });
  auto res = n.client().Head("/etc/passwd", connector_headers("head-1"));
  REQUIRE(res);
  CHECK(res->status == 400);
  CHECK(res->body.empty());
  CHECK(has_line(metrics_text(n), "wallarm_node_messages_rejected_total{reason=\"shape\"} 1"));
}

TEST_CASE("node shapes: a health check with connector headers and no request id is one") {
  // A connector may add its constant headers to its health check too.
  RunningNode n(node::Mode::block, false,
                [](node::Config& c) { c.shapes = shape_bit(Shape::multipart); });
  const httplib::Headers probe{{"X-Wallarm-Connector-Type", "kong"},
                               {"X-Wallarm-Connector-Version", "0.1.0"}};
  for (const char* page : {"/wallarm-external-health", "/healthz"}) {
    CAPTURE(page);
    auto res = n.client().Get(page, probe);
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->body == "ok\n");
  }
  // With a request id it is a mirrored request, here of a shape not served;
  // other pages are no health check.
  auto with_id = probe;
  with_id.emplace("X-Wallarm-Request-Id", "hc-1");
  auto res = n.client().Get("/wallarm-external-health", with_id);
  REQUIRE(res);
  CHECK(res->status == 400);
  CHECK(res->body.rfind("shape: mirror ", 0) == 0);
  res = n.client().Get("/metrics", probe);
  REQUIRE(res);
  CHECK(res->status == 400);
  CHECK(res->body.rfind("shape: mirror ", 0) == 0);
  const std::string metrics = metrics_text(n);
  CHECK(has_line(metrics, "wallarm_node_messages_rejected_total{reason=\"shape\"} 2"));
  CHECK(has_line(metrics, "wallarm_node_messages_by_shape_total{shape=\"mirror\"} 0"));
}
