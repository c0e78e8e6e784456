// Self-test of the harness: the Kong PDK shim and phase runner, checked with
// a probe plugin (tests/e2e/probe) against what Kong 3.4's sources do.
#include <doctest/doctest.h>

#include "test_util.h"

using namespace e2e;

TEST_CASE("e2e: harness: the Kong PDK shim follows Kong 3.4 (probe plugin)") {
  TempDir dir("harness");
  NginxOptions opts;
  opts.plugin_dirs = std::string(E2E_SOURCE_DIR) + "/probe";
  Nginx nginx(dir.path(), {{"probe", plugin(json::object())}}, opts);
  nginx.start();

  SUBCASE("kong.response.exit short-circuits; header_filter, body_filter and log still run") {
    const std::string tag = unique_tag("exit");
    auto r = http_get(nginx.url("probe", "/x?exit=1"), {kHost, "X-E2E-Tag: " + tag});
    REQUIRE(r.status == 418);
    CHECK(r.header("Content-Type") == "application/json; charset=utf-8");
    CHECK(r.header("X-Probe") == "exit");
    CHECK(r.header("Content-Length") == std::to_string(r.body.size()));
    json body = json::parse(r.body, nullptr, false);
    CHECK(body["probe"] == "exit");
    CHECK(body["tag"] == tag);
    CHECK(nginx.upstream_seen(tag) == 0);
    json p;
    REQUIRE(eventually([&] { p = nginx.probe(tag); return p.contains("log_ran"); }));
    CHECK_FALSE(p.contains("after_exit_ran"));
    CHECK(p["header_filter_status"] == 418);
    CHECK(p["header_filter_ctx_seen"] == 1);  // kong.ctx.plugin kept across phases
    CHECK(p["body_filter_eof"] == true);
    CHECK(p["log_source"] == "exit");
    CHECK(p["log_ctx_tag"] == tag);
    CHECK(p["conf_note"] == "probe");  // schema default reached the handler
    CHECK(p["conf_has_plugin_id"] == true);
  }

  SUBCASE("request functions, a proxied request, kong.ctx.plugin per request") {
    const std::string tag = unique_tag("proxied");
    auto r = http_get(nginx.url("probe", "/a/b?c=d&e"), {kHost, "X-E2E-Tag: " + tag, "X-Dup: 1", "X-Dup: 2"});
    REQUIRE(r.status == 200);
    CHECK(nginx.upstream_seen(tag) == 1);
    json p;
    REQUIRE(eventually([&] { p = nginx.probe(tag); return p.contains("log_ran"); }));
    CHECK(p["method"] == "GET");
    CHECK(p["path_with_query"] == "/a/b?c=d&e");
    CHECK(p["http_version"] == 1.1);
    CHECK(p["forwarded_ip"] == "127.0.0.1");
    CHECK(p["get_header_dup"] == "1");  // the first of several (an nginx variable)
    CHECK(p["header_filter_ctx_seen"] == 1);  // a fresh table for every request
    CHECK(p["log_source"] == "service");
    // check_phase (kong/pdk/private/phases.lua)
    CHECK(p["raw_body_in_header_filter"].get<std::string>().find(
              "function cannot be called in header_filter phase (only in: rewrite, access, response, "
              "error, admin_api)") != std::string::npos);
  }

  SUBCASE("get_headers: ngx.req.get_headers, 100 by default, \"truncated\" past the limit") {
    const std::string tag = unique_tag("headers");
    std::vector<std::string> headers = {kHost, "X-E2E-Tag: " + tag};
    for (int i = 0; i < 120; ++i) headers.push_back("X-H" + std::to_string(i) + ": v");
    auto r = http_get(nginx.url("probe", "/h"), headers);
    REQUIRE(r.status == 200);
    json p;
    REQUIRE(eventually([&] { p = nginx.probe(tag); return p.contains("log_ran"); }));
    CHECK(p["headers_default_count"] == 100);
    CHECK(p["headers_default_err"] == "truncated");
    CHECK(p["headers_10_err"] == "truncated");
  }

  SUBCASE("get_raw_body: the body in memory, or nil and 3.4's message when nginx buffered it to a file") {
    const std::string small_tag = unique_tag("small"), big_tag = unique_tag("big");
    HttpRequest req;
    req.method = "POST";
    req.url = nginx.url("probe", "/b?body=1");
    req.headers = {kHost, "X-E2E-Tag: " + small_tag};
    req.body = std::string(1000, 'x');
    REQUIRE(http(req).status == 200);
    req.headers = {kHost, "X-E2E-Tag: " + big_tag};
    req.body = std::string(100000, 'y');  // over client_body_buffer_size 8k
    REQUIRE(http(req).status == 200);
    json small, big;
    REQUIRE(eventually([&] { small = nginx.probe(small_tag); return small.contains("log_ran"); }));
    REQUIRE(eventually([&] { big = nginx.probe(big_tag); return big.contains("log_ran"); }));
    CHECK(small["raw_body_len"] == 1000);
    CHECK(small["raw_body_err"].is_null());
    CHECK(big["raw_body_len"].is_null());
    CHECK(big["raw_body_err"] ==
          "request body did not fit into client body buffer, consider raising 'client_body_buffer_size'");
  }

  SUBCASE("an error in access: 500 with Kong's body, later phases still run") {
    const std::string tag = unique_tag("raise");
    auto r = http_get(nginx.url("probe", "/r?raise=1"), {kHost, "X-E2E-Tag: " + tag});
    CHECK(r.status == 500);
    CHECK(json::parse(r.body, nullptr, false)["message"] == "An unexpected error occurred");
    json p;
    REQUIRE(eventually([&] { p = nginx.probe(tag); return p.contains("log_ran"); }));
    CHECK(p["log_source"] == "error");
    CHECK(nginx.error_log().find("probe raised on purpose") != std::string::npos);
  }

  SUBCASE("kong.log: \"[kong] file:line [kong-lua] message\"") {
    const std::string tag = unique_tag("log");
    REQUIRE(http_get(nginx.url("probe", "/l"), {kHost, "X-E2E-Tag: " + tag}).status == 200);
    json p;
    REQUIRE(eventually([&] { p = nginx.probe(tag); return p.contains("log_ran"); }));
    CHECK(nginx.error_log().find("[kong] handler.lua:") != std::string::npos);
    CHECK(nginx.error_log().find(" [kong-lua] probe log " + tag) != std::string::npos);
    CHECK(nginx.error_log().find(" [kong-lua] probe init_worker") != std::string::npos);
  }
}
