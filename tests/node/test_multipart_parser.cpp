// The multipart shape (docs/protocol.md 12.3, 12.4): a POST of form-data
// whose parts carry the header lines and the body of a request or a
// response, read into the same Message as a v1 message.
#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "form_data.h"
#include "multipart_parser.h"
#include "outer_request_edit.h"

using node_test::erase;
using node_test::set;

namespace {

using namespace std::string_literals;

const std::string kBoundary = "WallarmBoundary9f1c2d";

using Parts = std::vector<std::pair<std::string, std::string>>;

// The body as the Azure connector frames it.
std::string form(const Parts& parts, const std::string& boundary = kBoundary) {
  std::string out;
  for (const auto& [name, content] : parts)
    out += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" +
           content + "\r\n";
  return out + "--" + boundary + "--\r\n";
}

const std::string kHeaderLines =
    "Host: shop.example\r\nUser-Agent: curl/7.88.1\r\nX-Dup: a\r\nx-dup: b\r\n"
    "Content-Type: text/plain\r\n";

node::OuterRequest request(std::string body_part = "a=1") {
  node::OuterRequest r;
  r.method = "POST";
  r.target = "/etc/passwd?x=1";
  r.headers = {{"Host", "node.example:5000"},
               {"Content-Type", "multipart/form-data; boundary=" + kBoundary},
               {"X-Wallarm-Connector-Type", "azure-apim"},
               {"X-Wallarm-Connector-Version", "2.0.0"},
               {"X-Wallarm-Connector-Mode", "inline"},
               {"X-Wallarm-Request-Id", "9f1c-2d"},
               {"X-Wallarm-Forwarded-For", "203.0.113.7"},
               {"X-Wallarm-Method", "GET"}};
  r.body = form({{"headers", kHeaderLines}, {"body", std::move(body_part)}});
  return r;
}

node::OuterRequest response(const std::string& status = "404") {
  node::OuterRequest r = request();
  r.headers.push_back({"X-Wallarm-Response-Status", status});
  r.body = form(
      {{"headers", "Content-Type: text/plain\r\nContent-Length: 9\r\n"}, {"body", "not found"}});
  return r;
}

node::Message parsed(node::OuterRequest r, const node::ParseLimits& limits = {}) {
  auto res = node::parse_multipart(std::move(r), limits);
  if (auto* e = std::get_if<node::ParseError>(&res)) FAIL(e->reason << ": " << e->detail);
  return std::get<node::Message>(res);
}

std::string refusal(node::OuterRequest r, const node::ParseLimits& limits = {}) {
  auto res = node::parse_multipart(std::move(r), limits);
  auto* e = std::get_if<node::ParseError>(&res);
  return e ? e->reason + ": " + e->detail : std::string("parsed");
}

std::string reason(node::OuterRequest r, const node::ParseLimits& limits = {}) {
  std::string s = refusal(std::move(r), limits);
  return s.substr(0, s.find(':'));
}

}  // namespace

TEST_CASE("multipart parser: a request parses field by field") {
  node::Message m = parsed(request());
  CHECK(m.shape == node::Shape::multipart);
  CHECK(m.type == node::MessageType::request);
  CHECK(m.method == "GET");              // X-Wallarm-Method: the outer POST is the shape's
  CHECK(m.target == "/etc/passwd?x=1");  // the URL's path and query
  CHECK(m.version == "1.1");
  REQUIRE(m.headers.size() == 5);  // in order, duplicates and case kept
  CHECK(m.headers[0].name == "Host");
  CHECK(m.headers[0].value == "shop.example");
  CHECK(m.headers[2].name == "X-Dup");
  CHECK(m.headers[3].name == "x-dup");
  CHECK(m.headers[3].value == "b");
  CHECK(m.body == "a=1");
  CHECK(m.request_id == "9f1c-2d");
  CHECK(m.client_ip == "203.0.113.7");
  CHECK(m.connector_type == "azure-apim");
  CHECK(m.connector_version == "2.0.0");
  CHECK_FALSE(m.out_of_band);
  CHECK_FALSE(m.head_only);
  CHECK(m.escaped == 0);
}

TEST_CASE("multipart parser: a body part holds any bytes, the boundary's look-alikes included") {
  // The body holds the connector's first choice of boundary, so it took the
  // next one (12.3).
  const std::string boundary = kBoundary + "-1";
  const std::string body = "x\r\n\r\n--"s + kBoundary + "\r\n\0\xff--"s + kBoundary + "--\r\n" +
                           "\r\n--" + kBoundary + "-2\r\n";
  node::OuterRequest r = request();
  set(r, "Content-Type", "multipart/form-data; boundary=" + boundary);
  r.body = form({{"headers", kHeaderLines}, {"body", body}}, boundary);
  CHECK(parsed(r).body == body);
  CHECK(parsed(request("")).body.empty());  // present when empty too
}

TEST_CASE("multipart parser: header lines are read as v1 reads its embedded head") {
  node::OuterRequest r = request();
  r.body = form(
      {{"headers",
        "A:b\r\n\r\nEmpty:\r\n: no name\r\nSp:  two\r\nX-Wallarm-Request-Id: c\r\nLast: no crlf"},
       {"body", ""}});
  node::Message m = parsed(r);
  REQUIRE(m.headers.size() == 6);
  CHECK(m.headers[0].value == "b");
  CHECK(m.headers[1].name == "Empty");
  CHECK(m.headers[1].value.empty());
  CHECK(m.headers[2].name.empty());
  CHECK(m.headers[3].value == " two");  // one SP after ':' taken, the rest is the value's
  CHECK(m.headers[4].name == "X-Wallarm-Request-Id");  // inside the data: the client's
  CHECK(m.headers[5].value == "no crlf");
  CHECK(m.request_id == "9f1c-2d");
}

TEST_CASE("multipart parser: X-Wallarm-Request-Target, head part, truncation, out-of-band") {
  node::OuterRequest r = request();
  set(r, "X-Wallarm-Request-Target", "http://other.test/abs2?y=2%20z");
  set(r, "X-Wallarm-Method", "PATCH");
  set(r, "X-Wallarm-Body-Truncated", "100");
  set(r, "X-Wallarm-Escaped", "1");
  set(r, "X-Wallarm-Connector-Mode", "out-of-band");
  node::Message m = parsed(r);
  CHECK(m.method == "PATCH");
  CHECK(m.target == "http://other.test/abs2?y=2%20z");
  CHECK(m.escaped == 2);
  CHECK(m.truncated_from == 100u);
  CHECK(m.out_of_band);

  node::OuterRequest head = request("");
  set(head, "X-Wallarm-Request-Part", "head");
  m = parsed(head);
  CHECK(m.head_only);
  CHECK(m.body.empty());
  set(head, "X-Wallarm-Request-Part", "head");
  head.body = form({{"headers", kHeaderLines}, {"body", "a=1"}});
  CHECK(reason(head) == "bad_head_part");
}

TEST_CASE("multipart parser: X-Wallarm-Response-Status makes a response") {
  node::Message m = parsed(response());
  CHECK(m.type == node::MessageType::response);
  CHECK(m.status == 404);
  CHECK(m.request_id == "9f1c-2d");
  CHECK(m.method.empty());
  CHECK(m.target.empty());
  REQUIRE(m.headers.size() == 2);
  CHECK(m.headers[1].value == "9");
  CHECK(m.body == "not found");
  CHECK(parsed(response("100")).status == 100);
  CHECK(parsed(response("999")).status == 999);
  // A response needs no method.
  node::OuterRequest r = response();
  erase(r, "X-Wallarm-Method");
  CHECK(parsed(r).status == 404);
  set(r, "X-Wallarm-Request-Part", "head");
  CHECK(reason(r) == "bad_outer_header");
}

TEST_CASE("multipart parser: a bad status is refused") {
  for (const char* status : {"", "99", "1000", "0200", "20x", "-200", " 200", "2000"}) {
    CAPTURE(status);
    CHECK(refusal(response(status)) ==
          "bad_outer_header: X-Wallarm-Response-Status must be a status, 100 to 999");
  }
}

TEST_CASE("multipart parser: every malformed message is refused with a reason") {
  node::OuterRequest r = request();
  erase(r, "X-Wallarm-Method");
  CHECK(reason(r) == "missing_method");
  r = request();
  erase(r, "X-Wallarm-Request-Id");
  CHECK(reason(r) == "missing_request_id");
  r = request();
  set(r, "X-Wallarm-Method", "G%");
  CHECK(reason(r) == "bad_outer_escape");
  r = request();
  set(r, "Content-Type", "multipart/form-data; boundary=OtherBoundary");
  CHECK(reason(r) == "bad_content_type");
  r = request();
  erase(r, "Content-Type");
  CHECK(reason(r) == "bad_content_type");
  r = request();
  set(r, "Content-Type", "multipart/form-data; boundary=WallarmBoundaryOther");
  CHECK(reason(r) == "bad_content_type");  // not this message's boundary
  r = request();
  set(r, "Content-Type", "multipart/form-data; boundary=WallarmBoundary9f1c2d-7");
  CHECK(refusal(r) == "bad_multipart: the body has no boundary line");

  auto with_body = [](std::string body) {
    node::OuterRequest with = request();
    with.body = std::move(body);
    return refusal(with);
  };
  std::string good = form({{"headers", kHeaderLines}, {"body", "a=1"}});
  CHECK(with_body(good.substr(0, good.size() - 4)) ==  // cut after the last boundary
        "bad_multipart: the body has no closing boundary line");
  CHECK(with_body(good.substr(0, good.find("--" + kBoundary + "--"))) ==
        "bad_multipart: the body has no closing boundary line");
  CHECK(with_body("") == "bad_multipart: the body has no boundary line");
  CHECK(with_body(form({{"headers", kHeaderLines}})) == "bad_multipart: the part body is missing");
  CHECK(with_body(form({{"body", "a=1"}})) == "bad_multipart: the part headers is missing");
  CHECK(with_body(form({})) == "bad_multipart: the part headers is missing");
  CHECK(with_body(form({{"headers", ""}, {"body", ""}, {"body", "again"}})) ==
        "bad_multipart: the part body comes twice");
  CHECK(with_body("--" + kBoundary + "\r\n\r\na=1\r\n--" + kBoundary + "--") ==
        "bad_multipart: a part has no Content-Disposition: form-data with a name");
  CHECK(with_body("--" + kBoundary +
                  "\r\nContent-Disposition: attachment; name=\"body\"\r\n\r\n"
                  "\r\n--" +
                  kBoundary + "--") ==
        "bad_multipart: a part has no Content-Disposition: form-data with a name");
  CHECK(with_body("--" + kBoundary + "\r\nContent-Disposition: form-data\r\n\r\n\r\n--" +
                  kBoundary + "--") ==
        "bad_multipart: a part has no Content-Disposition: form-data with a name");
  CHECK(with_body("--" + kBoundary + "\r\nno colon\r\n\r\n\r\n--" + kBoundary + "--") ==
        "bad_multipart: a part's header line has no ':'");
  CHECK(with_body("--" + kBoundary + "\r\nContent-Disposition: form-data; name=body\r\n") ==
        "bad_multipart: the body has no closing boundary line");
  CHECK(with_body("--" + kBoundary + "junk\r\n") ==
        "bad_multipart: a boundary line goes on after the boundary");
  CHECK(with_body("--" + kBoundary) == "bad_multipart: the body has no closing boundary line");

  r = request();
  r.body = form({{"headers", "Host: x\r\nno colon here\r\n"}, {"body", ""}});
  CHECK(reason(r) == "bad_header_line");
  r.body = form({{"headers", "Host: x\nInjected: 1\r\n"}, {"body", ""}});
  CHECK(reason(r) == "bad_header_line");
}

TEST_CASE("multipart parser: head limits") {
  node::ParseLimits few;
  few.max_headers = 4;
  CHECK(reason(request(), few) == "too_many_headers");
  node::ParseLimits small;
  small.max_head_bytes = 20;
  CHECK(reason(request(), small) == "head_too_large");
}

TEST_CASE("form data: preamble, padding, quoting, other parts and the epilogue") {
  const std::string body =
      "preamble\r\n--B \t\r\ncontent-disposition:FORM-DATA;name=\"head\\\"ers\"; filename=x\r\n"
      "Content-Type: text/plain\r\n\r\nA: b\r\n--B\r\nContent-Disposition: form-data; "
      "name=extra\r\n"
      "\r\n\r\n--B--epilogue\r\n--B\r\n";
  auto split = node::split_form_data(body, "B");
  REQUIRE(std::holds_alternative<std::vector<node::FormPart>>(split));
  const auto& parts = std::get<std::vector<node::FormPart>>(split);
  REQUIRE(parts.size() == 2);
  CHECK(parts[0].name == "head\"ers");
  CHECK(parts[0].content == "A: b");
  CHECK(parts[1].name == "extra");
  CHECK(parts[1].content.empty());

  node::FormDataLimits one;
  one.max_parts = 1;
  auto refused = node::split_form_data(body, "B", one);
  REQUIRE(std::holds_alternative<node::ParseError>(refused));
  CHECK(std::get<node::ParseError>(refused).detail == "the body has over 1 parts");
  CHECK(std::holds_alternative<node::ParseError>(node::split_form_data(body, "")));
}
