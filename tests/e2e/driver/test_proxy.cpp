// Traffic through the plugin: the seed attack, benign traffic byte for byte,
// large and chunked bodies, response inspection.
#include <doctest/doctest.h>

#include "servers.h"
#include "test_util.h"

using namespace e2e;

namespace {

json echo_of(const HttpResponse& r) {
  auto j = json::parse(r.body, nullptr, false);
  return j.is_discarded() ? json() : j;
}

}  // namespace

TEST_CASE("e2e: seed attack passes in monitoring mode and the node records it") {
  TempDir dir("seed-mon");
  RefNode node(dir.path(), node_options("monitoring"));
  Kong kong(dir.path(), {{"main", plugin(node_config(node.url()))}});
  kong.start();

  const std::string tag = unique_tag("seed");
  auto r = http_get(kong.url("main", "/etc/passwd"), {kong.host("main"), "X-E2E-Tag: " + tag});
  INFO("response: " << r.status << " " << r.error << " " << r.body);
  REQUIRE(r.status == 200);
  CHECK(echo_of(r).value("uri", "") == "/etc/passwd");
  CHECK(kong.upstream_seen(tag) == 1);

  json rec = node.wait_attack([](const json& a) { return a.value("uri", "") == "/etc/passwd"; });
  INFO("node records: " << node.attacks().dump());
  REQUIRE(rec.is_object());
  CHECK(has_attack_type(rec, "ptrav"));
  CHECK(rec.value("host", "") == "kong-lua-test.wallarm");
  CHECK(rec.value("method", "") == "GET");
  CHECK(rec.value("client_ip", "") == "127.0.0.1");
  CHECK(rec.value("verdict", "") == "pass");
  CHECK(rec.value("mode", "") == "monitoring");
  CHECK(rec.value("out_of_band", true) == false);
  CHECK_FALSE(rec.value("request_id", "").empty());
  // In the suite's format (its responses are multipart outside v1).
  CHECK(node.metric(shape_series(suite_format())) >= 1);
  check_clean_log(kong);
}

TEST_CASE("e2e: seed attack is blocked in block mode with the request id, upstream untouched") {
  TempDir dir("seed-block");
  RefNode node(dir.path(), node_options("block"));
  Kong kong(dir.path(), {{"main", plugin(node_config(node.url()))}});
  kong.start();

  const std::string responses = "wallarm_node_messages_total{type=\"response\"}";
  const double before = node.metric(responses);
  check_seed_blocked(kong, node, "/etc/passwd");
  // Never proxied, so no response message follows (protocol 7.2): a
  // benign request after it is the only response the node gets.
  auto ok = http_get(kong.url("main", "/ok"), {kong.host("main")});
  REQUIRE(ok.status == 200);
  CHECK(eventually([&] { return node.metric(responses) >= before + 1; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(node.metric(responses) == before + 1);
  check_clean_log(kong);
}

// A blocked request gets Kong's own error answer, in the type its Accept
// asks for, and the request id the node got is in it, on every Kong version.
TEST_CASE("e2e: seed attack blocked: Kong's error answer in the type the client accepts, with the request id") {
  TempDir dir("seed-block-accept");
  RefNode node(dir.path(), node_options("block"));
  Kong kong(dir.path(), {{"main", plugin(node_config(node.url()))}});
  kong.start();

  struct Case {
    std::string accept, type;
  };
  const std::vector<Case> cases = {
      {"", "application/json"},  // curl's Accept: */*
      {"application/json", "application/json"},
      {"text/html", "text/html"},
      {"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html"},  // a browser
      {"application/xml", "application/xml"},
      {"text/plain", "text/plain"},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const auto& c = cases[i];
    CAPTURE(c.accept);
    const std::string path = "/etc/passwd?accept=" + std::to_string(i);
    const std::string tag = unique_tag("accept");
    std::vector<std::string> headers = {kong.host("main"), "X-E2E-Tag: " + tag};
    if (!c.accept.empty()) headers.push_back("Accept: " + c.accept);
    auto r = http_get(kong.url("main", path), headers);
    INFO(r.status << " " << r.header("Content-Type") << "\n" << r.body);
    CHECK(r.status == 403);
    CHECK(r.header("Content-Type").rfind(c.type, 0) == 0);
    CHECK(r.body.find("Request blocked by Wallarm") != std::string::npos);
    CHECK(kong.upstream_seen(tag) == 0);

    json rec = node.wait_attack([&](const json& a) { return a.value("uri", "") == path; });
    REQUIRE(rec.is_object());
    const std::string id = rec.value("request_id", "");
    REQUIRE_FALSE(id.empty());
    CAPTURE(id);
    CHECK(r.body.find(id) != std::string::npos);
    if (c.type == "application/json") {
      json body = json::parse(r.body, nullptr, false);
      REQUIRE(body.is_object());
      CHECK(body.value("message", "") == "Request blocked by Wallarm");
      CHECK(body.value("request_id", "") == id);
    }
  }
  check_clean_log(kong);
}

TEST_CASE("e2e: benign traffic reaches the upstream byte for byte") {
  TempDir dir("benign");
  RefNode node(dir.path(), node_options("monitoring"));
  Kong kong(dir.path(), {{"main", plugin(node_config(node.url()))}, {"plain", std::nullopt}});
  kong.start();

  struct Case {
    const char* name;
    std::string method, path;
    std::vector<std::string> headers;
    std::optional<std::string> body;
  };
  const std::vector<std::string> common = {
      kHost,        "User-Agent: e2e-client/1.0", "Accept: application/json",
      "X-Dup: one", "x-lower-case: v",            "X-Dup: two",
      "X-Under_Score: u", "Cookie: session=abc; theme=dark",
  };
  auto with = [&](std::vector<std::string> extra) {
    auto h = common;
    h.insert(h.end(), extra.begin(), extra.end());
    return h;
  };
  std::vector<Case> cases = {
      {"GET with query", "GET", "/api/v1/items?id=42&sort=desc&empty=", common, std::nullopt},
      {"POST JSON", "POST", "/api/v1/items", with({"Content-Type: application/json"}),
       std::string(R"({"name":"widget","tags":["a","b"],"qty":3,"price":9.99})")},
      {"POST form", "POST", "/api/v1/form", with({"Content-Type: application/x-www-form-urlencoded"}),
       std::string("name=widget&qty=3&note=hello+world%21")},
      {"POST binary (in memory)", "POST", "/api/v1/blob",
       with({"Content-Type: application/octet-stream"}), random_bytes(4096, 7)},
      {"PUT binary (buffered to a file)", "PUT", "/api/v1/blob/2",
       with({"Content-Type: application/octet-stream"}), random_bytes(65536, 8)},
      {"DELETE", "DELETE", "/api/v1/items/42", common, std::nullopt},
  };

  for (const auto& c : cases) {
    CAPTURE(c.name);
    auto send = [&](const std::string& route) {
      HttpRequest req;
      req.method = c.method;
      req.url = kong.url(route, c.path);
      req.headers = c.headers;
      req.headers.front() = kong.host(route);
      req.body = c.body;
      return http(req);
    };
    auto via_plugin = send("main");
    auto via_plain = send("plain");
    INFO("plugin route: " << via_plugin.status << " " << via_plugin.error);
    REQUIRE(via_plugin.status == 200);
    REQUIRE(via_plain.status == 200);
    // The two routes differ only in the Host they match.
    via_plain.body = mask_kong_varying(
        replace_all(via_plain.body, kong.host_name("plain"), kong.host_name("main")));
    via_plugin.body = mask_kong_varying(via_plugin.body);
    json a = echo_of(via_plugin), b = echo_of(via_plain);
    REQUIRE(a.is_object());
    // Identical to what the same proxy sends without the plugin.
    CHECK(a["method"] == b["method"]);
    CHECK(a["uri"] == b["uri"]);
    CHECK(a["raw_header"] == b["raw_header"]);
    CHECK(a["body_len"] == b["body_len"]);
    CHECK(a["body_md5"] == b["body_md5"]);
    // And to what the client sent.
    CHECK(a["method"] == c.method);
    CHECK(a["uri"] == c.path);
    const std::string sent = c.body.value_or("");
    CHECK(a["body_len"].get<size_t>() == sent.size());
    CHECK(a["body_md5"] == md5_hex(sent));
    const std::string raw = a["raw_header"].get<std::string>();
    size_t pos = 0;
    for (const auto& h : c.headers) {
      size_t at = raw.find("\r\n" + h + "\r\n", pos);
      INFO("header in order: " << h << "\nupstream saw:\n" << raw);
      CHECK(at != std::string::npos);
      if (at != std::string::npos) pos = at + 2;
    }
    // The client's response is the upstream's.
    CHECK(via_plugin.body == via_plain.body);
    CHECK(via_plugin.header("Content-Type") == via_plain.header("Content-Type"));
  }
  check_clean_log(kong);
}

TEST_CASE("e2e: large and chunked request bodies reach the upstream intact and the node up to the limit") {
  TempDir dir("bodies");
  CaptureNode capture;
  Kong kong(dir.path(),
            {{"main", plugin(node_config(capture.url()))},
             {"small", plugin(node_config(capture.url(), {{"request_body_limit", 1000}}))}});
  kong.start();
  const NodeFormat format = suite_format();

  SUBCASE("2 MiB body: its head judged alone first, then the body from nginx's file, cut at the 128 KiB default limit") {
    const std::string body = random_bytes(2 * 1024 * 1024, 11);
    const std::string tag = unique_tag("large");
    HttpRequest req;
    req.method = "POST";
    req.url = kong.url("main", "/upload");
    req.headers = {kHost, "Content-Type: application/octet-stream", "X-E2E-Tag: " + tag};
    req.body = body;
    auto r = http(req);
    INFO(r.status << " " << r.error);
    REQUIRE(r.status == 200);
    json echo = echo_of(r);
    CHECK(echo["body_len"].get<size_t>() == body.size());
    CHECK(echo["body_md5"] == md5_hex(body));

    CapturedMessage head = capture.head_tagged(tag);
    REQUIRE(head.found());
    CHECK_MESSAGE(head.problem.empty(), head.problem);
    CHECK(head.format == format);
    CHECK(head.truncated == "2097152");
    CHECK(head.body.empty());
    CapturedMessage m = capture.request_tagged(tag);
    REQUIRE(m.found());
    CHECK_MESSAGE(m.problem.empty(), m.problem);
    CHECK(m.request_id() == head.request_id());
    CHECK(m.head() == head.head());
    CHECK(m.truncated == "2097152");
    CHECK(m.method == "POST");
    CHECK(m.target == "/upload");
    // The client's length: a line of its head, but in mirror, whose own
    // Content-Length is the length of the body it carries.
    if (format == NodeFormat::mirror) {
      CHECK_FALSE(m.has_line("Content-Length"));
      CHECK(m.header("Content-Length") == "131072");
      CHECK(head.header("Content-Length") == "0");  // a head alone goes without a body
    } else {
      CHECK(m.line("Content-Length") == "2097152");
    }
    if (format == NodeFormat::v1)
      CHECK(m.embedded_head().rfind("POST /upload HTTP/1.1\r\n", 0) == 0);
    const std::string got = m.body;
    CHECK(got.size() == 131072);
    CHECK((got == body.substr(0, 131072)));
  }

  SUBCASE("chunked 300 KB body: head alone first (length unknown), then de-chunked and cut at the limit") {
    const std::string body = random_bytes(300000, 12);
    const std::string tag = unique_tag("chunked");
    HttpRequest req;
    req.method = "POST";
    req.url = kong.url("main", "/chunked");
    req.headers = {kHost, "Content-Type: application/octet-stream", "X-E2E-Tag: " + tag};
    req.body = body;
    req.chunked = true;
    req.chunk_size = 7000;
    auto r = http(req);
    INFO(r.status << " " << r.error);
    REQUIRE(r.status == 200);
    json echo = echo_of(r);
    CHECK(echo["body_len"].get<size_t>() == body.size());
    CHECK(echo["body_md5"] == md5_hex(body));

    CapturedMessage head = capture.head_tagged(tag);
    REQUIRE(head.found());
    CHECK(head.truncated.empty());
    CHECK(head.body.empty());
    CapturedMessage m = capture.request_tagged(tag);
    REQUIRE(m.found());
    CHECK_MESSAGE(m.problem.empty(), m.problem);
    CHECK(m.head() == head.head());
    CHECK(m.truncated == "300000");
    // mirror replays no framing line: its own Content-Length is the body's.
    if (format == NodeFormat::mirror) {
      CHECK_FALSE(m.has_line("Transfer-Encoding"));
      CHECK(m.header("Content-Length") == "131072");
    } else {
      CHECK(m.has_exact_line("Transfer-Encoding: chunked"));
    }
    CHECK(m.body.size() == 131072);
    CHECK((m.body == body.substr(0, 131072)));
  }

  SUBCASE("in-memory body over a configured 1000-byte limit") {
    const std::string body = random_bytes(5000, 13);
    const std::string tag = unique_tag("small");
    HttpRequest req;
    req.method = "POST";
    req.url = kong.url("small", "/small");
    req.headers = {kong.host("small"), "Content-Type: application/octet-stream", "X-E2E-Tag: " + tag};
    req.body = body;
    auto r = http(req);
    REQUIRE(r.status == 200);
    CHECK(echo_of(r)["body_md5"] == md5_hex(body));
    CapturedMessage m = capture.request_tagged(tag);
    REQUIRE(m.found());
    CHECK(m.truncated == "5000");
    CHECK((m.body == body.substr(0, 1000)));
  }
  check_clean_log(kong);
}

TEST_CASE("e2e: the reference node inspects a large body up to the limit") {
  TempDir dir("large-node");
  RefNode node(dir.path(), node_options("monitoring"));
  // A 256 KiB body (nginx buffers it to a file) with a 64 KiB limit: CRS
  // over a full 1 MiB form takes over a second on this machine.
  const size_t limit = 65536, total = 256 * 1024;
  Kong kong(dir.path(), {{"main", plugin(node_config(node.url(), {{"request_body_limit", limit},
                                                                  {"timeout_ms", 10000}}))}});
  kong.start();

  const std::string attack = "q=1' UNION SELECT username, password FROM users--";
  auto post = [&](const std::string& path, const std::string& body) {
    HttpRequest req;
    req.method = "POST";
    req.url = kong.url("main", path);
    req.headers = {kHost, "Content-Type: application/x-www-form-urlencoded"};
    req.body = body;
    return http(req);
  };
  // The attack in the first bytes: inside what the node receives.
  std::string early = attack + "&pad=";
  early += std::string(total - early.size(), 'a');
  auto r1 = post("/search-early", early);
  INFO("took " << r1.total_ms << " ms");
  REQUIRE(r1.status == 200);
  json rec = node.wait_attack([](const json& a) { return a.value("uri", "") == "/search-early"; });
  INFO("node records: " << node.attacks().dump());
  REQUIRE(rec.is_object());
  bool in_body = false;
  for (const auto& a : rec["attacks"])
    if (a.value("location", "").find("body") != std::string::npos) in_body = true;
  CHECK(in_body);

  // The same attack past the limit: cut off before the node, so not detected.
  std::string late = "pad=" + std::string(total - attack.size() - 5, 'a') + "&" + attack;
  auto r2 = post("/search-late", late);
  REQUIRE(r2.status == 200);
  // The node answered the request (it was inspected) ...
  CHECK(eventually([&] { return node.metric("wallarm_node_messages_total{type=\"request\"}") >= 2; }));
  // ... and found nothing.
  json none = node.wait_attack([](const json& a) { return a.value("uri", "") == "/search-late"; },
                               std::chrono::milliseconds(1000));
  CHECK(none.is_null());
  check_clean_log(kong);
}

TEST_CASE("e2e: response inspection correlates responses and leaves them intact") {
  TempDir dir("response");
  RefNode node(dir.path(), node_options("monitoring"));
  Kong kong(dir.path(), {{"main", plugin(node_config(node.url(), {{"inspect_response", true}}))},
                         {"plain", std::nullopt}});
  kong.start();
  const std::string series = "wallarm_node_responses_correlated_total";
  const double before = node.metric(series);
  REQUIRE(before >= 0);

  // The upstream's own status reaches the node's record.
  auto r = http_get(kong.url("main", "/etc/passwd?e2e_status=201"), {kong.host("main")});
  REQUIRE(r.status == 201);
  json rec = node.wait_attack([](const json& a) {
    return a.value("uri", "") == "/etc/passwd?e2e_status=201" && a["response_status"].is_number();
  });
  INFO("node records: " << node.attacks().dump());
  REQUIRE(rec.is_object());
  CHECK(rec["response_status"] == 201);

  // Response bodies pass through unchanged, with and without Content-Length.
  for (const std::string q : {"?e2e_size=200000", "?e2e_size=200000&e2e_chunked=1", "?e2e_size=10"}) {
    CAPTURE(q);
    auto a = http_get(kong.url("main", "/download" + q), {kong.host("main")});
    auto b = http_get(kong.url("plain", "/download" + q), {kong.host("plain")});
    INFO(a.status << " " << a.error << " " << a.body.substr(0, 200));
    REQUIRE(a.status == 200);
    const size_t n = std::stoul(q.substr(q.find('=') + 1));
    CHECK(a.body.size() == n);
    CHECK((a.body == upstream_pattern(n)));
    CHECK((a.body == b.body));
  }
  // One correlated response per proxied request; multipart outside v1.
  CHECK(eventually([&] { return node.metric(series) >= before + 4; }));
  CHECK(node.metric(shape_series(suite_format() == NodeFormat::v1 ? NodeFormat::v1
                                                                   : NodeFormat::multipart)) >= 4);
  INFO("correlated: " << node.metric(series));
  check_clean_log(kong);
}

TEST_CASE("e2e: the node receives the client's request head exactly") {
  TempDir dir("head");
  CaptureNode capture;
  Kong kong(dir.path(), {{"main", plugin(node_config(capture.url()))}});
  kong.start();
  const NodeFormat format = suite_format();

  const std::string tag = unique_tag("head");
  const std::string target = "/p%20q/r;m=1?a=1&b=%2F&c&d=%C3%A9";
  // As sent by the client, and as the node gets each line: name, ":", one
  // SP, the value as nginx parsed it and passes it upstream, without
  // leading or trailing spaces (docs/protocol.md 4.1).
  const std::vector<std::pair<std::string, std::string>> sent_and_expected = {
      {kHost, kHost},
      {"X-Dup: one", "X-Dup: one"},
      {"x-lower-case: v", "x-lower-case: v"},
      {"X-Dup: two", "X-Dup: two"},
      {"X-Trailing: abc   ", "X-Trailing: abc"},
      {"X-Trailing-One: abc ", "X-Trailing-One: abc"},
      {"X-Trailing-Tab: abc\t ", "X-Trailing-Tab: abc\t"},  // nginx trims spaces only
      {"X-Leading:   abc", "X-Leading: abc"},
      {"X-Tab: a\tb", "X-Tab: a\tb"},
      {"X-Utf8: caf\xc3\xa9", "X-Utf8: caf\xc3\xa9"},
      {"X-Percent: 100%25 %0D%0A", "X-Percent: 100%25 %0D%0A"},
      {"X-NoSpace:tight", "X-NoSpace: tight"},
      {"X-Under_Score: u", "X-Under_Score: u"},
      {"User-Agent: e2e-head/1.0", "User-Agent: e2e-head/1.0"},
      {"Accept: text/x-e2e", "Accept: text/x-e2e"},  // curl's own must not replace it (mirror)
      {"X-E2E-Tag: " + tag, "X-E2E-Tag: " + tag},
  };
  std::vector<std::string> headers;
  std::string expected = "GET " + target + " HTTP/1.1\r\n";
  for (const auto& [s, e] : sent_and_expected) {
    headers.push_back(s);
    expected += e + "\r\n";
  }
  expected += "\r\n";

  auto r = http_get(kong.url("main", target), headers);
  INFO(r.status << " " << r.error);
  REQUIRE(r.status == 200);
  CapturedMessage m = capture.request_tagged(tag);
  REQUIRE(m.found());
  INFO("outer head:\n" << m.raw_head);
  CHECK_MESSAGE(m.problem.empty(), m.problem);
  CHECK(m.format == format);
  CHECK(m.method == "GET");
  CHECK(m.target == target);
  CHECK(m.head() == expected_head(expected));
  CHECK(m.body.empty());
  CHECK(m.escaped.empty());
  CHECK(m.truncated.empty());
  CHECK_FALSE(m.head_only);
  CHECK_FALSE(m.out_of_band);
  CHECK(m.header("X-Wallarm-Forwarded-For") == "127.0.0.1");
  CHECK(m.header("X-Wallarm-Forwarded-Host") == "kong-lua-test.wallarm");
  CHECK_FALSE(m.request_id().empty());
  switch (format) {
    case NodeFormat::v1:  // the embedded request, and v1's own outer lines
      CHECK(m.embedded_head() == expected);
      CHECK(m.header("Content-Type") == "message/http");
      CHECK(m.header("X-Wallarm-Protocol") == "1");
      break;
    case NodeFormat::mirror:  // the request itself, to the node URL's path "/"
      CHECK(m.outer_method == "GET");
      CHECK(m.outer_target == target);
      CHECK_FALSE(m.has_header("Content-Length"));  // no body, no framing line
      CHECK(m.header("X-Wallarm-Method") == "GET");
      CHECK(m.header("X-Wallarm-Connector-Mode") == "inline");
      CHECK_FALSE(m.has_header("X-Wallarm-Request-Target"));
      break;
    case NodeFormat::multipart:  // a POST of the lines and the body
      CHECK(m.outer_method == "POST");
      CHECK(m.outer_target == target);
      CHECK(m.header("Content-Type") ==
            "multipart/form-data; boundary=WallarmBoundary" + replace_all(m.request_id(), "-", ""));
      CHECK(m.header("X-Wallarm-Method") == "GET");
      CHECK(m.header("X-Wallarm-Connector-Mode") == "inline");
      break;
  }

  // With inspect_response on (the default), the response follows with the
  // same request id and the upstream's status.
  CapturedMessage resp = capture.response_for(m.request_id());
  REQUIRE(resp.found());
  INFO("response message head:\n" << resp.raw_head);
  CHECK_MESSAGE(resp.problem.empty(), resp.problem);
  CHECK(resp.status == 200);
  CHECK(resp.line("Content-Type") == "application/json");
  if (format == NodeFormat::v1) {
    CHECK(resp.embedded_head().rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  } else {
    // Multipart in both other formats, posted to its request's target.
    CHECK(resp.format == NodeFormat::multipart);
    CHECK(resp.header("X-Wallarm-Response-Status") == "200");
    CHECK(resp.outer_target == target);
    CHECK(resp.method == "GET");
    CHECK(resp.target == target);
  }
  json echo = json::parse(resp.body, nullptr, false);
  CHECK(echo.value("uri", "") == target);  // the upstream's JSON, within the 16 KiB default
  check_clean_log(kong);
}

TEST_CASE("e2e: the client IP is Kong's, from its trusted_ips and real_ip_header") {
  TempDir dir("client-ip");
  CaptureNode capture;
  const std::string url = capture.url();
  auto forwarded_for = [&](Kong& kong, const std::vector<std::string>& extra) {
    const std::string tag = unique_tag("ip");
    std::vector<std::string> headers = {kong.host("main"), "X-E2E-Tag: " + tag};
    headers.insert(headers.end(), extra.begin(), extra.end());
    REQUIRE(http_get(kong.url("main", "/ip"), headers).status == 200);
    CapturedMessage m = capture.request_tagged(tag);
    REQUIRE(m.found());
    CHECK(m.format == suite_format());
    return m.header("X-Wallarm-Forwarded-For");
  };

  SUBCASE("Kong's defaults trust no proxy: the peer's address, whatever the headers say") {
    Kong kong(dir.path(), {{"main", plugin(node_config(url))}});
    kong.start();
    CHECK(forwarded_for(kong, {}) == "127.0.0.1");
    CHECK(forwarded_for(kong, {"X-Forwarded-For: 203.0.113.7"}) == "127.0.0.1");
    check_clean_log(kong);
  }
  SUBCASE("a trusted proxy's X-Forwarded-For names the client") {
    KongOptions opts;
    opts.conf = {"trusted_ips = 127.0.0.1/32", "real_ip_header = X-Forwarded-For",
                 "real_ip_recursive = on"};
    Kong kong(dir.path(), {{"main", plugin(node_config(url))}}, opts);
    kong.start();
    CHECK(forwarded_for(kong, {}) == "127.0.0.1");
    CHECK(forwarded_for(kong, {"X-Forwarded-For: 203.0.113.7"}) == "203.0.113.7");
    // Recursive: the last address no trusted proxy added.
    CHECK(forwarded_for(kong, {"X-Forwarded-For: 198.51.100.9, 203.0.113.7, 127.0.0.1"}) ==
          "203.0.113.7");
    check_clean_log(kong);
  }
}
