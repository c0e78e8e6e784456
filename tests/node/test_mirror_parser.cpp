// The mirror shape (docs/protocol.md 12.2): the client's request replayed to
// the node with the connector's headers added, read into the same Message
// as a v1 request.
#include <doctest/doctest.h>

#include <string>
#include <variant>
#include <vector>

#include "mirror_parser.h"
#include "outer_request_edit.h"

using node_test::erase;
using node_test::set;

namespace {

// The seed attack, as a Layer7-style connector mirrors it.
node::OuterRequest seed() {
  node::OuterRequest r;
  r.method = "GET";
  r.target = "/etc/passwd?x=1";
  r.headers = {{"Accept", "*/*"},
               {"Host", "shop.example"},
               {"User-Agent", "curl/7.88.1"},
               {"X-Dup", "a"},
               {"x-dup", "b"},
               {"X-Wallarm-Connector-Type", "layer7"},
               {"X-Wallarm-Connector-Version", "1.2.3"},
               {"X-Wallarm-Connector-Mode", "inline"},
               {"X-Wallarm-Request-Id", "req-7"},
               {"X-Wallarm-Forwarded-For", "203.0.113.7"},
               {"X-Wallarm-Forwarded-Host", "shop.example"}};
  return r;
}

node::Message parsed(node::OuterRequest r, const node::ParseLimits& limits = {}) {
  auto res = node::parse_mirror(std::move(r), limits);
  if (auto* e = std::get_if<node::ParseError>(&res)) FAIL(e->reason << ": " << e->detail);
  return std::get<node::Message>(res);
}

std::string refusal(node::OuterRequest r, const node::ParseLimits& limits = {}) {
  auto res = node::parse_mirror(std::move(r), limits);
  auto* e = std::get_if<node::ParseError>(&res);
  return e ? e->reason : std::string("parsed");
}

}  // namespace

TEST_CASE("mirror parser: a GET parses field by field, X-Wallarm-* stripped") {
  node::Message m = parsed(seed());
  CHECK(m.shape == node::Shape::mirror);
  CHECK(m.type == node::MessageType::request);
  CHECK(m.method == "GET");
  CHECK(m.target == "/etc/passwd?x=1");
  CHECK(m.path() == "/etc/passwd");
  CHECK(m.version == "1.1");
  REQUIRE(m.headers.size() == 5);  // the connector's headers are metadata, not the client's
  CHECK(m.headers[0].name == "Accept");
  CHECK(m.headers[3].name == "X-Dup");
  CHECK(m.headers[4].name == "x-dup");  // duplicates kept, in order, case kept
  CHECK(m.headers[4].value == "b");
  CHECK(m.request_id == "req-7");
  CHECK(m.client_ip == "203.0.113.7");
  CHECK(m.host == "shop.example");
  CHECK(m.connector_type == "layer7");
  CHECK(m.connector_version == "1.2.3");
  CHECK_FALSE(m.out_of_band);
  CHECK_FALSE(m.head_only);
  CHECK_FALSE(m.truncated_from.has_value());
  CHECK(m.escaped == 0);
  CHECK(m.body.empty());
}

TEST_CASE("mirror parser: any method, with its body as sent") {
  node::OuterRequest r = seed();
  r.method = "PUT";
  r.target = "/items/7";
  r.body = std::string("a=1\r\n\r\n\0b", 10);
  node::Message m = parsed(r);
  CHECK(m.method == "PUT");
  CHECK(m.target == "/items/7");
  CHECK(m.body == std::string("a=1\r\n\r\n\0b", 10));
}

TEST_CASE(
    "mirror parser: X-Wallarm-Method and -Request-Target are decoded, then kept in v1's form") {
  node::OuterRequest r = seed();
  r.method = "POST";  // a method that is no token travels in X-Wallarm-Method
  r.target = "/abs2?y=2";
  set(r, "X-Wallarm-Method", "M%20K%3A");
  set(r, "X-Wallarm-Request-Target", "http://other.test/abs2?y=2%25&z=%00a%20b");
  set(r, "X-Wallarm-Escaped", "2");
  node::Message m = parsed(r);
  // As the embedded request line of v1 would carry them (section 5): the
  // NUL cannot cut the target short for the detector.
  CHECK(m.method == "M%20K%3A");
  CHECK(m.target == "http://other.test/abs2?y=2%&z=%00a%20b");
  CHECK(m.escaped == 2 + 2 + 2);  // the connector's, then the node's own

  set(r, "X-Wallarm-Request-Target", "%2A");  // OPTIONS *
  set(r, "X-Wallarm-Method", "OPTIONS");
  m = parsed(r);
  CHECK(m.method == "OPTIONS");
  CHECK(m.target == "*");
}

TEST_CASE("mirror parser: escaped and truncated values, head part, out-of-band") {
  node::OuterRequest r = seed();
  set(r, "X-Wallarm-Request-Id", "id%20with%0D%0Aspace%25");
  set(r, "X-Wallarm-Forwarded-Host", "h%FF%25");
  set(r, "X-Wallarm-Body-Truncated", "10000");
  set(r, "X-Wallarm-Escaped", "3");
  set(r, "X-Wallarm-Connector-Mode", "out-of-band");
  r.headers.push_back({"X-Evil", "v%0D%0AX-Injected: 1"});  // as the connector escaped it
  r.body = std::string(4096, 'x');
  node::Message m = parsed(r);
  CHECK(m.request_id == "id with\r\nspace%");
  CHECK(m.host == "h\xff%");
  CHECK(m.truncated_from == 10000u);
  CHECK(m.escaped == 3);
  CHECK(m.out_of_band);
  CHECK(m.headers.back().value == "v%0D%0AX-Injected: 1");
  CHECK(m.body.size() == 4096);

  node::OuterRequest head = seed();
  set(head, "X-Wallarm-Request-Part", "head");
  set(head, "X-Wallarm-Body-Truncated", "5000000");
  m = parsed(head);
  CHECK(m.head_only);
  CHECK(m.truncated_from == 5000000u);
}

TEST_CASE("mirror parser: bytes a v1 head could not hold are escaped and counted") {
  node::OuterRequest r = seed();
  r.target =
      "/a\x01"
      "b";
  r.headers.push_back({"Bad Name", std::string("v\r\n\0", 4)});
  node::Message m = parsed(r);
  CHECK(m.target == "/a%01b");
  CHECK(m.headers.back().name == "Bad%20Name");
  CHECK(m.headers.back().value == "v%0D%0A%00");
  CHECK(m.escaped == 5);
}

TEST_CASE("mirror parser: malformed messages are refused with a reason") {
  node::OuterRequest r = seed();
  erase(r, "X-Wallarm-Request-Id");
  CHECK(refusal(r) == "missing_request_id");
  r = seed();
  set(r, "X-Wallarm-Request-Id", "bad%zz");
  CHECK(refusal(r) == "bad_outer_escape");
  r = seed();
  set(r, "X-Wallarm-Forwarded-For", "1.2.3.4%");
  CHECK(refusal(r) == "bad_outer_escape");
  r = seed();
  set(r, "X-Wallarm-Method", "%4");
  CHECK(refusal(r) == "bad_outer_escape");
  r = seed();
  set(r, "X-Wallarm-Request-Target", "/%GG");
  CHECK(refusal(r) == "bad_outer_escape");
  r = seed();
  set(r, "X-Wallarm-Method", "");
  CHECK(refusal(r) == "bad_outer_header");
  r = seed();
  set(r, "X-Wallarm-Request-Target", "");
  CHECK(refusal(r) == "bad_outer_header");
  r = seed();
  set(r, "X-Wallarm-Body-Truncated", "-5");
  CHECK(refusal(r) == "bad_outer_header");
  r = seed();
  set(r, "X-Wallarm-Escaped", "many");
  CHECK(refusal(r) == "bad_outer_header");
  r = seed();
  set(r, "X-Wallarm-Request-Part", "body");
  CHECK(refusal(r) == "bad_outer_header");
  r = seed();
  set(r, "X-Wallarm-Request-Part", "head");
  r.body = "a=1";
  CHECK(refusal(r) == "bad_head_part");
  r = seed();
  r.target.clear();
  CHECK(refusal(r) == "bad_start_line");
  // Responses come as multipart only (12.4).
  r = seed();
  set(r, "X-Wallarm-Response-Status", "200");
  CHECK(refusal(r) == "bad_content_type");
  set(r, "X-Wallarm-Response-Status", "20");
  CHECK(refusal(r) == "bad_outer_header");
}

TEST_CASE("mirror parser: head limits") {
  node::ParseLimits few;
  few.max_headers = 4;
  CHECK(refusal(seed(), few) == "too_many_headers");
  few.max_headers = 5;
  CHECK(refusal(seed(), few) == "parsed");
  node::ParseLimits small;
  small.max_head_bytes = 40;
  CHECK(refusal(seed(), small) == "head_too_large");
}
