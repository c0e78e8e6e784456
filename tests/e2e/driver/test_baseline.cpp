// The benchmark baseline (tests/bench/baseline: wallarm-baseline, the node
// protocol in plain OpenResty Lua with cosockets) in the same real Kong:
// it must pass benign traffic intact, speak the protocol as the kong-lua
// plugin does (the reference node accepts every message, records the same
// fields, correlates responses), block, fall back within its timeout and
// work out of band.
#include <doctest/doctest.h>

#include <algorithm>

#include "servers.h"
#include "test_util.h"

using namespace e2e;

namespace {

KongOptions baseline_options() {
  KongOptions o;
  o.plugin_name = "wallarm-baseline";
  o.plugin_dirs = std::string(E2E_REPO_DIR) + "/tests/bench/baseline/kong/plugins/wallarm-baseline";
  return o;
}

json echo_of(const HttpResponse& r) {
  auto j = json::parse(r.body, nullptr, false);
  return j.is_discarded() ? json() : j;
}


// The node refused none of the messages it got (it answers 400 and counts
// the reason under wallarm_node_malformed_total{reason=...}).
void check_no_malformed(RefNode& node) {
  const std::string metrics = node.metrics();
  INFO("node metrics:\n" << metrics);
  REQUIRE_FALSE(metrics.empty());
  CHECK(metrics.find("wallarm_node_malformed_total{") == std::string::npos);
}

// Outer header lines, with the values that differ between two gateways
// (their own request ids, the capture nodes' ports) masked.
std::vector<std::pair<std::string, std::string>> comparable_outer(const CapturedMessage& m) {
  auto out = m.outer_headers;
  for (auto& [name, value] : out) {
    std::string lower = name;
    std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
    if (lower == "host" || lower == "x-wallarm-request-id") value = "*";
  }
  return out;
}

// Embedded response head lines, sorted (a PDK header table has no order),
// without the ones that differ between two gateways.
std::vector<std::string> comparable_response_head(const std::string& head) {
  std::vector<std::string> lines;
  size_t pos = head.find("\r\n");
  if (pos == std::string::npos) return lines;
  lines.push_back("status line: " + head.substr(0, pos));
  pos += 2;
  while (pos < head.size()) {
    size_t e = head.find("\r\n", pos);
    if (e == std::string::npos || e == pos) break;
    std::string line = head.substr(pos, e - pos);
    pos = e + 2;
    std::string lower = line;
    std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
    if (lower.rfind("date:", 0) == 0 || lower.rfind("x-e2e-worker-pid:", 0) == 0) continue;
    lines.push_back(line);
  }
  std::sort(lines.begin() + 1, lines.end());
  return lines;
}

}  // namespace

TEST_CASE("e2e: baseline connector: benign GET and POST with a JSON body reach the upstream intact") {
  TempDir dir("baseline-benign");
  RefNode node(dir.path(), node_options("monitoring"));
  Kong kong(dir.path(), {{"main", plugin(node_config(node.url()))}, {"plain", std::nullopt}},
            baseline_options());
  kong.start();

  const std::vector<std::string> headers = {
      kHost, "User-Agent: e2e-client/1.0", "Accept: application/json", "X-Dup: one",
      "x-lower-case: v", "X-Dup: two", "X-Trailing: abc  ", "Cookie: session=abc; theme=dark",
  };
  struct Case {
    const char* name;
    std::string method, path;
    std::vector<std::string> headers;
    std::optional<std::string> body;
  };
  auto json_headers = headers;
  json_headers.push_back("Content-Type: application/json");
  const std::vector<Case> cases = {
      {"GET with query", "GET", "/api/v1/items?id=42&sort=desc&empty=", headers, std::nullopt},
      {"POST JSON", "POST", "/api/v1/items", json_headers,
       std::string(R"({"name":"widget","tags":["a","b"],"qty":3,"price":9.99})")},
  };
  const double requests_before = node.metric("wallarm_node_messages_total{type=\"request\"}");
  for (const auto& c : cases) {
    CAPTURE(c.name);
    const std::string tag = unique_tag("baseline-benign");
    auto send = [&](const std::string& route) {
      HttpRequest req;
      req.method = c.method;
      req.url = kong.url(route, c.path);
      req.headers = c.headers;
      req.headers.front() = kong.host(route);
      req.headers.push_back("X-E2E-Tag: " + tag);
      req.body = c.body;
      return http(req);
    };
    auto via_baseline = send("main");
    auto via_plain = send("plain");
    INFO("baseline route: " << via_baseline.status << " " << via_baseline.error << " " << via_baseline.body);
    REQUIRE(via_baseline.status == 200);
    REQUIRE(via_plain.status == 200);
    // The two routes differ only in the Host they match.
    via_plain.body = mask_kong_varying(
        replace_all(via_plain.body, kong.host_name("plain"), kong.host_name("main")));
    via_baseline.body = mask_kong_varying(via_baseline.body);
    CHECK(kong.upstream_seen(tag) == 2);
    json a = echo_of(via_baseline), b = echo_of(via_plain);
    REQUIRE(a.is_object());
    CHECK(a["method"] == c.method);
    CHECK(a["uri"] == c.path);
    CHECK(a["raw_header"] == b["raw_header"]);
    const std::string sent = c.body.value_or("");
    CHECK(a["body_len"].get<size_t>() == sent.size());
    CHECK(a["body_md5"] == md5_hex(sent));
    CHECK(via_baseline.body == via_plain.body);
    CHECK(via_baseline.header("Content-Type") == via_plain.header("Content-Type"));
  }
  // The schema, as Kong applies it: defaults filled, bad values refused.
  const json loaded = kong.loaded_plugin_config();
  INFO("loaded: " << loaded.dump());
  REQUIRE(loaded.is_object());
  CHECK(kong.validate(node_config(node.url())).value("status", 0) == 200);
  const json expected_defaults = {
      {"blocking", true},          {"timeout_ms", 1000},          {"fallback", "pass"},
      {"inspect_request_body", true}, {"request_body_limit", 1048576}, {"inspect_response", true},
      {"inspect_response_body", true}, {"response_body_limit", 16384}, {"pool_size", 32},
      {"keepalive_ms", 60000},
  };
  for (const auto& [key, value] : expected_defaults.items()) {
    CAPTURE(key);
    CHECK(loaded[key] == value);
  }
  CHECK(kong.validate(node_config(node.url(), {{"timeout_ms", 0}})).value("status", 0) == 400);
  CHECK(kong.validate(node_config(node.url(), {{"fallback", "maybe"}})).value("status", 0) == 400);
  CHECK(kong.validate(node_config("https://127.0.0.1:9/")).value("status", 0) == 400);
  CHECK(kong.validate(json::object()).value("status", 0) == 400);

  // The node inspected both, and got their response messages.
  CHECK(eventually([&] {
    return node.metric("wallarm_node_messages_total{type=\"request\"}") >= requests_before + 2 &&
           node.metric("wallarm_node_messages_total{type=\"response\"}") >= 2;
  }));
  check_no_malformed(node);
  check_clean_log(kong);
}

TEST_CASE("e2e: baseline connector: the node records the seed attack as it does from the kong-lua plugin") {
  TempDir dir("baseline-seed");
  RefNode node(dir.path(), node_options("monitoring"));
  fs::create_directories(dir.path() / "baseline");
  fs::create_directories(dir.path() / "kong-lua");
  Kong baseline(dir.path() / "baseline", {{"main", plugin(node_config(node.url()))}}, baseline_options());
  Kong kong_lua(dir.path() / "kong-lua", {{"main", plugin(node_config(node.url()))}});
  baseline.start();
  kong_lua.start();

  const std::string series = "wallarm_node_responses_correlated_total";
  auto record_of = [&](Kong& kong, const std::string& via) {
    const double correlated = node.metric(series);
    REQUIRE(correlated >= 0);
    const std::string tag = unique_tag("baseline-seed");
    const std::string path = "/etc/passwd?via=" + via;
    auto r = http_get(kong.url("main", path), {kong.host("main"), "X-E2E-Tag: " + tag});
    INFO(via << " response: " << r.status << " " << r.error << " " << r.body);
    REQUIRE(r.status == 200);
    CHECK(echo_of(r).value("uri", "") == path);
    CHECK(kong.upstream_seen(tag) == 1);
    // The response message carried the same request id: correlated.
    CHECK(eventually([&] { return node.metric(series) >= correlated + 1; }));
    json rec = node.wait_attack([&](const json& a) {
      return a.value("uri", "") == path && a["response_status"].is_number();
    });
    INFO("node records: " << node.attacks().dump());
    REQUIRE(rec.is_object());
    return rec;
  };
  json b = record_of(baseline, "baseline");
  json k = record_of(kong_lua, "kong-lua");

  CHECK(has_attack_type(b, "ptrav"));
  CHECK(b.value("host", "") == "kong-lua-test.wallarm");
  CHECK(b.value("method", "") == "GET");
  CHECK(b.value("client_ip", "") == "127.0.0.1");
  CHECK(b.value("verdict", "") == "pass");
  CHECK(b.value("mode", "") == "monitoring");
  CHECK(b.value("out_of_band", true) == false);
  CHECK(b["response_status"] == 200);
  CHECK_FALSE(b.value("request_id", "").empty());
  // Field by field as from the plugin, but for what is per request.
  for (const char* field : {"host", "method", "client_ip", "attacks", "verdict", "mode",
                            "out_of_band", "response_status"}) {
    CAPTURE(field);
    CHECK(b[field] == k[field]);
  }
  CHECK(b.value("request_id", "").size() == k.value("request_id", "").size());
  check_no_malformed(node);
  check_clean_log(baseline);
  check_clean_log(kong_lua);
}

TEST_CASE("e2e: baseline connector: its messages are byte for byte the kong-lua plugin's") {
  TempDir dir("baseline-bytes");
  CaptureNode capture_b, capture_k;
  fs::create_directories(dir.path() / "baseline");
  fs::create_directories(dir.path() / "kong-lua");
  const json limits = {{"request_body_limit", 10000}, {"response_body_limit", 100}};
  Kong baseline(dir.path() / "baseline", {{"main", plugin(node_config(capture_b.url(), limits))}},
                baseline_options());
  // Byte for byte: in v1, the only format the baseline sends.
  Kong kong_lua(dir.path() / "kong-lua", {{"main", plugin(pin_v1(node_config(capture_k.url(), limits)))}});
  baseline.start();
  kong_lua.start();

  struct Case {
    const char* name;
    std::string method, target;
    std::vector<std::string> headers;
    std::optional<std::string> body;
  };
  const std::vector<std::string> odd = {
      kHost,
      "X-Dup: one",
      "x-dup: two",
      "X-Trailing: abc   ",
      "X-Trailing-One: abc ",
      "X-Trailing-Tab: abc\t ",
      "X-Tab: a\tb",
      "X-Utf8: caf\xc3\xa9",
      "X-Percent: 100%25 %0D%0A",
      "X-NoSpace:tight",
      "X-Under_Score: u",
  };
  auto with = [&](std::vector<std::string> extra) {
    auto h = odd;
    h.insert(h.end(), extra.begin(), extra.end());
    return h;
  };
  const std::vector<Case> cases = {
      {"GET, odd headers", "GET", "/p%20q/r;m=1?a=1&b=%2F&c&d=%C3%A9", odd, std::nullopt},
      {"POST JSON in memory", "POST", "/api/v1/items", with({"Content-Type: application/json"}),
       std::string(R"({"name":"widget","qty":3})")},
      {"PUT 20000 bytes, in a file, cut at 10000", "PUT", "/api/v1/blob",
       with({"Content-Type: application/octet-stream"}), random_bytes(20000, 21)},
      {"upstream 404, response body cut at 100", "GET", "/missing?e2e_status=404&e2e_size=5000", odd,
       std::nullopt},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    const std::string tag = unique_tag("baseline-bytes");
    auto send = [&](Kong& kong) {
      HttpRequest req;
      req.method = c.method;
      req.url = kong.url("main", c.target);
      req.headers = c.headers;
      req.headers.push_back("X-E2E-Tag: " + tag);
      req.body = c.body;
      return http(req);
    };
    auto rb = send(baseline);
    auto rk = send(kong_lua);
    INFO("baseline: " << rb.status << " " << rb.error << "; kong-lua: " << rk.status << " " << rk.error);
    REQUIRE(rb.status == rk.status);
    REQUIRE(rb.status != 0);
    // The upstream's echo (JSON keys in either order) or its fixed pattern.
    const bool echo = c.target.find("e2e_size=") == std::string::npos;
    if (echo)
      CHECK(json::parse(mask_kong_varying(rb.body), nullptr, false) ==
            json::parse(mask_kong_varying(rk.body), nullptr, false));
    else
      CHECK((rb.body == rk.body));

    CapturedMessage qb = capture_b.request_tagged(tag), qk = capture_k.request_tagged(tag);
    REQUIRE(qb.found());
    REQUIRE(qk.found());
    CHECK(qb.format == NodeFormat::v1);
    CHECK(qk.format == NodeFormat::v1);
    CHECK(qb.outer_method == qk.outer_method);
    CHECK(qb.outer_target == qk.outer_target);
    CHECK_FALSE(qb.request_id().empty());
    CHECK(comparable_outer(qb) == comparable_outer(qk));
    CHECK(qb.embedded_head() == qk.embedded_head());
    CHECK((qb.embedded_body() == qk.embedded_body()));

    CapturedMessage pb = capture_b.response_for(qb.request_id());
    CapturedMessage pk = capture_k.response_for(qk.request_id());
    REQUIRE(pb.found());
    REQUIRE(pk.found());
    // Each alone, as the baseline sends them (a batch has no outer lines of its own to compare).
    REQUIRE_FALSE(pb.in_batch);
    REQUIRE_FALSE(pk.in_batch);
    // The same outer headers but for Content-Length (the embedded head's
    // Date and the worker pid header can differ).
    auto outer_b = comparable_outer(pb), outer_k = comparable_outer(pk);
    for (auto* o : {&outer_b, &outer_k})
      for (auto& [name, value] : *o)
        if (name == "Content-Length") value = "*";
    CHECK(outer_b == outer_k);
    CHECK(comparable_response_head(pb.embedded_head()) == comparable_response_head(pk.embedded_head()));
    CHECK(pb.embedded_body().size() == 100);  // cut at response_body_limit
    if (echo)
      CHECK(pb.embedded_body().size() == pk.embedded_body().size());
    else
      CHECK((pb.embedded_body() == pk.embedded_body()));
  }
  check_clean_log(baseline);
  check_clean_log(kong_lua);
}

TEST_CASE("e2e: baseline connector: block mode answers 403 with the request id and never proxies") {
  TempDir dir("baseline-block");
  RefNode node(dir.path(), node_options("block"));
  Kong kong(dir.path(), {{"main", plugin(node_config(node.url()))}}, baseline_options());
  kong.start();

  SeedBlocked blocked = check_seed_blocked(kong, node, "/etc/passwd");
  CHECK(blocked.body.value("request_id", "") == blocked.request_id);

  // Benign traffic still passes.
  auto ok = http_get(kong.url("main", "/api/v1/items?id=1"), {kong.host("main")});
  CHECK(ok.status == 200);
  check_clean_log(kong);
  check_no_malformed(node);
}

TEST_CASE("e2e: baseline connector: node down or slow: fallback pass and block within timeout_ms") {
  TempDir dir("baseline-fallback");
  const int timeout_ms = 300;
  RefNode slow(dir.path(), node_options("monitoring", 2000, "none"));
  const uint16_t closed = free_port();  // nothing listens there
  const NodeUrls nodes = {
      {"down", "http://127.0.0.1:" + std::to_string(closed) + "/"},
      {"slow", slow.url()},
  };
  Kong kong(dir.path(), fallback_routes(nodes, timeout_ms), baseline_options());
  kong.start();
  check_fallbacks(kong, nodes, timeout_ms);
  check_no_malformed(slow);
  check_clean_log(kong);
}

TEST_CASE("e2e: baseline connector: out-of-band mode passes at once and the node still records the attack") {
  TempDir dir("baseline-oob");
  RefNode node(dir.path(), node_options("block", 500));  // a blocking node, 500 ms per verdict
  // The copies queue behind the first one's slow answer: a generous budget,
  // so a slow machine does not turn them into failures.
  Kong kong(
      dir.path(),
      {{"main", plugin(node_config(node.url(), {{"blocking", false}, {"timeout_ms", 5000}}))}},
      baseline_options());
  kong.start();

  json rec = check_out_of_band_seed(kong, node);
  CHECK(rec.value("verdict", "") == "block");
  // The response messages come too, marked out of band like the requests
  // (with a node this slow they can come before their request is recorded,
  // so they need not correlate).
  CHECK(eventually([&] {
    return node.metric("wallarm_node_messages_total{type=\"response\"}") >= 5 &&
           node.metric("wallarm_node_out_of_band_total") >= 10;
  }, std::chrono::milliseconds(10000)));
  check_no_malformed(node);
  check_clean_log(kong);
}

TEST_CASE("e2e: baseline connector: messages queued behind a slow answer reach the node in one batch") {
  TempDir dir("baseline-batch");
  RefNode node(dir.path(), node_options("monitoring", 300));  // 300 ms per request or batch
  Kong kong(
      dir.path(),
      {{"main", plugin(node_config(node.url(), {{"blocking", false}, {"timeout_ms", 5000}}))}},
      baseline_options());
  kong.start();

  const std::string batches = "wallarm_node_batches_total";
  const std::string requests = "wallarm_node_messages_total{type=\"request\"}";
  const std::string responses = "wallarm_node_messages_total{type=\"response\"}";
  const std::string correlated = "wallarm_node_responses_correlated_total";
  REQUIRE(node.metric(batches) == 0);
  // The first copy keeps the node busy for 300 ms; the other copies and
  // every response message wait for it, and then go in one transfer.
  const int n = 6;
  for (int i = 0; i < n; ++i) {
    const std::string tag = unique_tag("baseline-batch");
    auto r = http_get(kong.url("main", "/api/v1/items?batch=" + std::to_string(i)),
                      {kong.host("main"), "X-E2E-Tag: " + tag});
    INFO(r.status << " " << r.error);
    REQUIRE(r.status == 200);
    CHECK(kong.upstream_seen(tag) == 1);
  }
  CHECK(eventually([&] {
    return node.metric(requests) >= n && node.metric(responses) >= n;
  }, std::chrono::milliseconds(10000)));
  INFO("node metrics:\n" << node.metrics());
  // A batch holds two messages or more (one goes alone).
  CHECK(node.metric(batches) >= 1);
  // Each response message came after its request, with its id.
  CHECK(eventually([&] { return node.metric(correlated) >= n; }));
  CHECK(node.metric(requests) == n);
  CHECK(node.metric(responses) == n);
  check_no_malformed(node);
  check_clean_log(kong);
}
