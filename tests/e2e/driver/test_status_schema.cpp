// The plugin's Status API endpoint and its configuration schema.
#include <doctest/doctest.h>

#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "test_util.h"

using namespace e2e;

namespace {

// Parses Prometheus text exposition: series -> value. Fails the test on a
// line that is neither a comment nor a sample.
std::map<std::string, double> parse_prometheus(const std::string& text) {
  static const std::regex sample(
      R"(^([a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})?) ([-+0-9.eE]+|NaN|\+Inf|-Inf)( [0-9]+)?$)");
  std::map<std::string, double> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::smatch m;
    INFO("Prometheus line: " << line);
    CHECK(std::regex_match(line, m, sample));
    if (!m.empty()) out[m[1]] = std::stod(m[3]);
  }
  return out;
}

// Sends n requests through the plugin in blocking mode, every fourth an
// attack, and checks each was passed or blocked. Returns the pids of the
// workers that served them.
std::set<std::string> send_mix(Kong& kong, int n) {
  std::set<std::string> pids;
  for (int i = 0; i < n; ++i) {
    const bool attack = i % 4 == 3;
    auto r = http_get(kong.url("main", attack ? "/etc/passwd?i=" + std::to_string(i)
                                               : "/api/ok?i=" + std::to_string(i)),
                      {kHost});
    CHECK(r.status == (attack ? 403 : 200));
    pids.insert(r.header("X-E2E-Worker-Pid"));
  }
  return pids;
}

}  // namespace

TEST_CASE("e2e: the Status API serves the plugin's counters aggregated across workers") {
  TempDir dir("status");
  RefNode node(dir.path(), node_options("block"));
  Kong kong(dir.path(), {{"main", plugin(node_config(node.url()))}}, kong_options(2, true));
  kong.start();

  auto scrape = [&] {
    auto r = http_get(kong.status_url("/wallarm/metrics"));
    INFO("status API: " << r.status << " " << r.error);
    REQUIRE(r.status == 200);
    CHECK(r.header("Content-Type").rfind("text/plain", 0) == 0);
    return parse_prometheus(r.body);
  };
  // Kong's own Status API answers for paths nobody serves.
  CHECK(http_get(kong.status_url("/no-such-thing")).status == 404);

  auto before = scrape();
  REQUIRE_FALSE(before.empty());

  const int benign = 30, attacks = 10;
  std::set<std::string> pids = send_mix(kong, benign + attacks);
  INFO("served by worker pids: " << pids.size());
  REQUIRE(pids.size() == 2);  // both workers took part

  // The plugin's counters (kong-plugin/counters.lua), summed over both
  // workers. Workers publish once a second: poll.
  const std::string passed = "wallarm_kong_requests_total{outcome=\"passed\"}";
  const std::string blocked = "wallarm_kong_requests_total{outcome=\"blocked\"}";
  const std::string reporting = "wallarm_kong_workers_reporting";
  std::map<std::string, double> after;
  auto delta = [&](const std::string& series) {
    auto b = before.find(series);
    auto a = after.find(series);
    if (a == after.end()) return -1.0;
    return a->second - (b == before.end() ? 0 : b->second);
  };
  bool ok = eventually([&] {
    after = scrape();
    return delta(passed) == benign && delta(blocked) == attacks && after[reporting] == 2;
  }, std::chrono::milliseconds(5000));
  std::string dump;
  for (const auto& [k, v] : after) dump += k + " " + std::to_string(v) + "\n";
  INFO("metrics after:\n" << dump);
  CHECK(ok);
  CHECK(delta(passed) == benign);
  CHECK(delta(blocked) == attacks);
  CHECK(after[reporting] == 2);
  check_clean_log(kong);
}

// With Kong's prometheus plugin enabled, Kong's own /metrics carries the
// plugin's counters too, as kong_wallarm_* for wallarm_kong_*, with the
// values of the plugin's route.
TEST_CASE("e2e: the Status API's wallarm counters are on Kong's /metrics too when the prometheus plugin is on") {
  TempDir dir("status-prometheus");
  RefNode node(dir.path(), node_options("block"));
  KongOptions opts = kong_options(2, true);
  opts.conf = {"plugins = kong-lua,prometheus"};
  opts.global_plugins = {json{{"name", "prometheus"}}};
  Kong kong(dir.path(), {{"main", plugin(node_config(node.url()))}}, opts);
  kong.start();

  const int benign = 30, attacks = 10;
  send_mix(kong, benign + attacks);

  // The plugin's counters (not its gauges or latency histogram), by the
  // name Kong's exporter gives them.
  const std::string ours = "wallarm_kong_", theirs = "kong_wallarm_";
  auto counters = [&](const std::map<std::string, double>& m, const std::string& prefix) {
    std::map<std::string, double> out;
    for (const auto& [k, v] : m)
      if (k.rfind(prefix, 0) == 0 && k.find("_total") != std::string::npos && v != 0)
        out[k.substr(prefix.size())] = v;
    return out;
  };
  std::map<std::string, double> plugin_route, kong_metrics;
  std::string kong_text;
  bool same = eventually([&] {
    plugin_route = counters(parse_prometheus(http_get(kong.status_url("/wallarm/metrics")).body), ours);
    auto r = http_get(kong.status_url("/metrics"));
    kong_text = r.body;
    kong_metrics = counters(parse_prometheus(r.body), theirs);
    return plugin_route["requests_total{outcome=\"passed\"}"] == benign &&
           plugin_route["requests_total{outcome=\"blocked\"}"] == attacks && plugin_route == kong_metrics;
  }, std::chrono::milliseconds(8000));
  auto dump = [](const std::map<std::string, double>& m) {
    std::string s;
    for (const auto& [k, v] : m) s += k + " " + std::to_string(v) + "\n";
    return s;
  };
  INFO("/wallarm/metrics:\n" << dump(plugin_route));
  INFO("Kong's /metrics:\n" << dump(kong_metrics));
  CHECK(same);
  CHECK(plugin_route["requests_total{outcome=\"passed\"}"] == benign);
  CHECK(kong_metrics["requests_total{outcome=\"blocked\"}"] == attacks);
  CHECK(kong_metrics["node_verdicts_total{verdict=\"block\"}"] == attacks);
  CHECK(kong_text.find("# TYPE kong_wallarm_requests_total counter") != std::string::npos);
  // Kong's own series are there: this is its exporter's page.
  CHECK(kong_text.find("kong_nginx_requests_total") != std::string::npos);
  check_clean_log(kong);
}

// Kong validates plugin entities with the plugin's schema.lua through its
// Admin API (POST /schemas/plugins/validate): the messages are Kong's own.
TEST_CASE("e2e: schema rejects bad configurations with Kong's messages and fills defaults") {
  TempDir dir("schema");
  // One Kong for every case below: each starts once. A closed loopback
  // port as the node: nothing is ever sent to it.
  const std::string url = "https://127.0.0.1:9/inspect";
  KongOptions opts;
  opts.suite_format = false;  // the schema's own default node_format
  Kong kong(dir.path(), {{"main", plugin(node_config(url))}}, opts);
  kong.start();

  auto bad = [&](const json& config) {
    json v = kong.validate(config);
    INFO("config " << config.dump() << " -> " << v.dump());
    CHECK(v.value("status", 0) == 400);
    CHECK(v.value("name", "") == "schema violation");
    return v;
  };
  auto field_error = [](const json& v, const std::string& field) -> std::string {
    if (v.contains("fields") && v["fields"].contains("config") && v["fields"]["config"].contains(field) &&
        v["fields"]["config"][field].is_string())
      return v["fields"]["config"][field].get<std::string>();
    return {};
  };

  {  // wallarm_node_address missing
    json v = bad(json::object());
    CHECK(field_error(v, "wallarm_node_address") == "required field missing");
    CHECK(v.value("message", "") == "schema violation (config.wallarm_node_address: required field missing)");
  }
  {  // wallarm_node_address without a host
    // typedefs.url's own message (kong/db/schema/typedefs.lua validate_url)
    json v = bad({{"wallarm_node_address", "http:///inspect"}});
    CHECK(field_error(v, "wallarm_node_address") == "missing host in url");
    CHECK(v.value("message", "") == "schema violation (config.wallarm_node_address: missing host in url)");
  }
  {  // wallarm_node_address not a URL
    json v = bad({{"wallarm_node_address", "node-without-scheme"}});
    CHECK_FALSE(field_error(v, "wallarm_node_address").empty());
  }
  {  // wallarm_node_address with a scheme other than http/https
    json v = bad({{"wallarm_node_address", "ftp://127.0.0.1:21/"}});
    // A field error or an entity check: either way it names the field.
    CHECK(v.value("message", "").find("wallarm_node_address") != std::string::npos);
    CHECK(v.value("message", "").rfind("schema violation (config.", 0) == 0);
  }
  {  // timeout_ms out of range or not an integer
    for (const json& t : {json(0), json(60001), json(-5)}) {
      json v = bad({{"wallarm_node_address", url}, {"timeout_ms", t}});
      CHECK(field_error(v, "timeout_ms") == "value should be between 1 and 60000");
      CHECK(v.value("message", "") == "schema violation (config.timeout_ms: value should be between 1 and 60000)");
    }
    CHECK(field_error(bad({{"wallarm_node_address", url}, {"timeout_ms", 1.5}}), "timeout_ms") ==
          "expected an integer");
    CHECK(field_error(bad({{"wallarm_node_address", url}, {"timeout_ms", "100"}}), "timeout_ms") ==
          "expected an integer");
  }
  {  // fallback not one of pass, block
    json v = bad({{"wallarm_node_address", url}, {"fallback", "drop"}});
    CHECK(field_error(v, "fallback") == "expected one of: pass, block");
  }
  {  // other ranges, types and unknown fields
    CHECK(field_error(bad({{"wallarm_node_address", url}, {"block_status", 200}}), "block_status") ==
          "value should be between 400 and 599");
    CHECK(field_error(bad({{"wallarm_node_address", url}, {"max_connections", 0}}), "max_connections") ==
          "value should be between 1 and 4096");
    CHECK(field_error(bad({{"wallarm_node_address", url}, {"request_body_limit", 67108865}}),
                      "request_body_limit") == "value should be between 0 and 67108864");
    CHECK(field_error(bad({{"wallarm_node_address", url}, {"response_body_limit", 1048577}}),
                      "response_body_limit") == "value should be between 0 and 1048576");
    CHECK(field_error(bad({{"wallarm_node_address", url}, {"blocking", "yes"}}), "blocking") ==
          "expected a boolean");
    CHECK(field_error(bad({{"wallarm_node_address", url}, {"node_format", "v2"}}), "node_format") ==
          "expected one of: mirror, multipart, v1");
    CHECK(field_error(bad({{"wallarm_node_address", url}, {"no_such_option", 1}}), "no_such_option") ==
          "unknown field");
    CHECK(field_error(bad({{"wallarm_node_address", url}, {"breaker_backoff_ms", 5}}),
                      "breaker_backoff_ms") == "value should be between 10 and 600000");
    json b = bad({{"wallarm_node_address", url}, {"breaker_backoff_ms", 5000}, {"breaker_backoff_max_ms", 1000}});
    CHECK(b.value("message", "").find("config.breaker_backoff_max_ms must be at least config.breaker_backoff_ms") !=
          std::string::npos);
    json v = bad({{"timeout_ms", 0}, {"fallback", "drop"}});
    CHECK(v.value("message", "").rfind("3 schema violations (", 0) == 0);
  }
  {  // a valid configuration is accepted
    json v = kong.validate({{"wallarm_node_address", url}, {"timeout_ms", 250}, {"fallback", "block"}});
    INFO(v.dump());
    CHECK(v.value("status", 0) == 200);
    for (const char* format : {"mirror", "multipart", "v1"}) {
      CAPTURE(format);
      CHECK(kong.validate({{"wallarm_node_address", url}, {"node_format", format}}).value("status", 0) == 200);
    }
  }
  {  // a minimal configuration gets the documented defaults
    // As Kong loaded it from kong.yml, read back from its Admin API.
    const json c = kong.loaded_plugin_config();
    INFO(c.dump());
    REQUIRE(c.is_object());
    CHECK(c["wallarm_node_address"] == url);
    CHECK(c["node_format"] == "mirror");
    CHECK((!c.contains("node_health_path") || c["node_health_path"].is_null()));
    CHECK(c["blocking"] == true);
    CHECK(c["timeout_ms"] == 1000);
    CHECK(c["fallback"] == "pass");
    CHECK(c["inspect_request_body"] == true);
    CHECK(c["request_body_limit"] == 131072);
    CHECK(c["inspect_response"] == true);
    CHECK(c["inspect_response_body"] == true);
    CHECK(c["response_body_limit"] == 16384);
    CHECK(c["max_connections"] == 32);
    CHECK(c["max_connection_age_s"] == 60);
    CHECK(c["breaker_failures"] == 5);
    CHECK(c["breaker_backoff_ms"] == 1000);
    CHECK(c["breaker_backoff_max_ms"] == 30000);
    CHECK(c["tls_verify"] == true);
    CHECK(c["block_status"] == 403);
    CHECK((!c.contains("ca_file") || c["ca_file"].is_null()));  // optional: Kong hands the handler nil
  }
  check_clean_log(kong);
}

TEST_CASE("e2e: Kong refuses a declarative config with an invalid plugin configuration") {
  TempDir dir("schema-start");
  Kong kong(dir.path(), {{"main", plugin({{"wallarm_node_address", "http://127.0.0.1:9/"}, {"timeout_ms", 0}})}});
  const std::string message = "in 'timeout_ms': value should be between 1 and 60000";

  std::string parsed;
  CHECK(kong.cli({"config", "parse", kong.declarative_config().string(), "-c", kong.config_file().string()},
                 parsed) != 0);
  INFO("kong config parse:\n" << parsed);
  CHECK(parsed.find(message) != std::string::npos);

  std::string why;
  CHECK_FALSE(kong.try_start(why));
  INFO("kong start:\n" << why);
  CHECK(why.find(message) != std::string::npos);
}

TEST_CASE("e2e: the DB-less example configuration parses in Kong") {
  TempDir dir("example-config");
  Kong kong(dir.path(), {{"main", std::nullopt}});
  const std::string example = std::string(E2E_REPO_DIR) + "/examples/declarative/kong.yml";
  std::string out;
  const int code = kong.cli({"config", "parse", example, "-c", kong.config_file().string()}, out);
  INFO("kong config parse " << example << ":\n" << out);
  CHECK(code == 0);
  CHECK(out.find("parse successful") != std::string::npos);
}
