// Verdict decoder: the status decides; the JSON body adds details.
#include <doctest/doctest.h>

#include <string>

#include "verdict.h"
#include "wallarm.h"

namespace {

wallarm_verdict_t decode(int status, const std::string& body) {
  static simdjson::ondemand::parser parser;
  std::string padded = body;
  padded.resize(body.size() + wallarm::kJsonPadding, '\0');
  wallarm_verdict_t v{};
  v.size = sizeof v;
  v.latency_us = 77;
  wallarm::decode_verdict(status, padded.data(), body.size(), padded.size(), parser, v);
  return v;
}

}  // namespace

TEST_CASE("verdict: 403 blocks, 2xx passes, with or without a body") {
  CHECK(decode(403, "").action == WALLARM_BLOCK);
  CHECK(decode(403, "").code == WALLARM_OK);
  for (int status : {200, 201, 204, 299}) {
    auto v = decode(status, "");
    CHECK(v.code == WALLARM_OK);
    CHECK(v.action == WALLARM_PASS);
    CHECK(v.http_status == status);
  }
  CHECK(decode(200, "  \r\n").flags == 0);
  CHECK(decode(200, "").latency_us == 77);
}

TEST_CASE("verdict: any other status is a node error, whatever the body says") {
  for (int status : {100, 301, 400, 401, 404, 429, 500, 502, 503}) {
    auto v = decode(status, R"({"verdict":"block"})");
    CHECK(v.code == WALLARM_ESTATUS);
    CHECK(v.http_status == status);
    CHECK(std::string(v.detail).find(std::to_string(status)) != std::string::npos);
  }
}

TEST_CASE("verdict: the JSON body gives mode, node id and attacks, unknown fields are ignored") {
  auto v = decode(403, R"({
    "verdict": "block", "mode": "block", "request_id": "node-42",
    "future_field": {"nested": [1, 2, {"x": null}]},
    "attacks": [
      {"type": "sqli", "location": "query", "score": 9},
      {"type": "xss", "location": "header:user-agent"}
    ]})");
  CHECK(v.code == WALLARM_OK);
  CHECK(v.action == WALLARM_BLOCK);
  CHECK(v.node_mode == WALLARM_MODE_BLOCK);
  CHECK(std::string(v.node_request_id) == "node-42");
  REQUIRE(v.attack_count == 2);
  CHECK(std::string(v.attacks[0].type) == "sqli");
  CHECK(std::string(v.attacks[0].location) == "query");
  CHECK(std::string(v.attacks[1].location) == "header:user-agent");
  CHECK(v.flags == 0);
}

TEST_CASE("verdict: every mode name decodes") {
  CHECK(decode(200, R"({"mode":"off"})").node_mode == WALLARM_MODE_OFF);
  CHECK(decode(200, R"({"mode":"monitoring"})").node_mode == WALLARM_MODE_MONITORING);
  CHECK(decode(200, R"({"mode":"safe_blocking"})").node_mode == WALLARM_MODE_SAFE_BLOCKING);
  CHECK(decode(200, R"({"mode":"block"})").node_mode == WALLARM_MODE_BLOCK);
  CHECK(decode(200, R"({"mode":"future"})").node_mode == WALLARM_MODE_UNKNOWN);
}

TEST_CASE("verdict: a 200 saying block is still a pass: the status decides") {
  auto v = decode(200, R"({"verdict":"block","mode":"monitoring"})");
  CHECK(v.action == WALLARM_PASS);
  CHECK(v.node_mode == WALLARM_MODE_MONITORING);
}

TEST_CASE("verdict: more attacks than fit are counted and flagged") {
  std::string body = R"({"attacks":[)";
  for (int i = 0; i < 11; ++i) body += std::string(i ? "," : "") + R"({"type":"t)" + std::to_string(i) + R"("})";
  body += "]}";
  auto v = decode(403, body);
  CHECK(v.attack_count == 11);
  CHECK(v.flags == WALLARM_VERDICT_ATTACKS_CUT);
  CHECK(std::string(v.attacks[7].type) == "t7");
}

TEST_CASE("verdict: long strings are cut to fit and stay NUL-terminated") {
  std::string id(500, 'i');
  auto v = decode(200, R"({"request_id":")" + id + R"(","attacks":[{"type":")" + id + R"("}]})");
  CHECK(std::string(v.node_request_id) == std::string(63, 'i'));
  CHECK(std::string(v.attacks[0].type) == std::string(23, 'i'));
}

TEST_CASE("verdict: a body that does not parse leaves the status to decide, flagged") {
  const char* bad[] = {"not json", "{", R"({"mode": 5})", R"({"attacks": {}})",
                       R"({"attacks": [1]})", "[1,2]", "\x01\x02\xff", R"({"mode":"block",)"};
  for (const char* body : bad) {
    CAPTURE(body);
    auto v = decode(403, body);
    CHECK(v.code == WALLARM_OK);
    CHECK(v.action == WALLARM_BLOCK);
    CHECK(v.flags == WALLARM_VERDICT_BODY_INVALID);
    CHECK(v.attack_count == 0);
    CHECK(v.node_mode == WALLARM_MODE_UNKNOWN);
    auto p = decode(204, body);
    CHECK(p.action == WALLARM_PASS);
    CHECK(p.flags == WALLARM_VERDICT_BODY_INVALID);
  }
}

TEST_CASE("verdict: fail_verdict keeps latency and status, sets code and detail") {
  wallarm_verdict_t v{};
  v.size = sizeof v;
  v.latency_us = 5;
  v.http_status = 502;
  v.attack_count = 3;
  wallarm::fail_verdict(WALLARM_ESTATUS, "node answered HTTP 502", v);
  CHECK(v.code == WALLARM_ESTATUS);
  CHECK(v.latency_us == 5);
  CHECK(v.http_status == 502);
  CHECK(v.attack_count == 0);
  CHECK(std::string(v.detail) == "node answered HTTP 502");
}

TEST_CASE("verdict: a string cut to fit never ends inside a UTF-8 sequence") {
  std::string id(62, 'a');
  id += "\xc3\xa9tail";  // 'é' straddles the 63-byte limit
  auto v = decode(200, R"({"request_id":")" + id + R"("})");
  CHECK(std::string(v.node_request_id) == std::string(62, 'a'));
}
