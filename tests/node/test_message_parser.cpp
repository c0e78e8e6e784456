// Conformance: messages made by libwallarm's own serializer, parsed by the
// node exactly as docs/protocol.md describes them.
#include <doctest/doctest.h>

#include <map>
#include <string>
#include <variant>
#include <vector>

#include "src/message.h"  // libwallarm/src: the connector's serializer
#include "message_parser.h"
#include "wallarm.h"

namespace {

// What curl would send: the outer headers of an Outgoing, and its body.
struct Wire {
  std::map<std::string, std::string> headers;  // names lowercased
  std::string body;
};

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return s;
}

Wire serialize(const wallarm_message_t& m, uint32_t flags = 0, uint32_t limit = 1 << 20) {
  wallarm::Outgoing constant, out;
  wallarm::make_v1_tail(constant, "kong", "1.2.3");
  const char* err = nullptr;
  REQUIRE(wallarm::encode(m, wallarm::v1_options(flags, limit, constant.outer), out, &err) == WALLARM_OK);
  Wire w;
  for (const curl_slist* n = out.outer; n != nullptr; n = n->next) {
    std::string line = n->data;
    size_t colon = line.find(':');
    std::string value = line.substr(colon + 1);
    if (!value.empty() && value[0] == ' ') value.erase(0, 1);
    if (!value.empty()) w.headers[lower(line.substr(0, colon))] = value;  // "Expect:" removes
  }
  w.body.assign(out.body.data(), out.body.size());
  return w;
}

std::variant<node::Message, node::ParseError> parse(const Wire& w,
                                                   const node::ParseLimits& limits = {}) {
  return node::parse_message(
      [&](const char* name) -> std::optional<std::string> {
        auto it = w.headers.find(lower(name));
        if (it == w.headers.end()) return std::nullopt;
        return it->second;
      },
      w.body, limits);
}

node::Message parsed(const Wire& w) {
  auto r = parse(w);
  if (auto* e = std::get_if<node::ParseError>(&r)) FAIL(e->reason << ": " << e->detail);
  return std::get<node::Message>(r);
}

struct Request {
  std::vector<std::string> keep;
  std::vector<wallarm_header_t> headers;
  wallarm_message_t m{};
  Request() { keep.reserve(64); }
  wallarm_str_t s(std::string v) {
    keep.push_back(std::move(v));
    return {keep.back().data(), keep.back().size()};
  }
  void header(std::string n, std::string v) {
    headers.push_back({s(std::move(n)), s(std::move(v))});
    m.headers = headers.data();
    m.header_count = static_cast<uint32_t>(headers.size());
  }
};

Request seed_request() {
  Request r;
  r.m.type = WALLARM_MSG_REQUEST;
  r.m.method = r.s("GET");
  r.m.uri = r.s("/etc/passwd?x=1");
  r.m.body_total = -1;
  r.header("Host", "kong-lua-test.wallarm");
  r.header("User-Agent", "curl/7.88.1");
  r.header("Accept", "*/*");
  r.header("accept", "text/html");
  r.m.request_id = r.s("9f1c2d");
  r.m.client_ip = r.s("203.0.113.7");
  r.m.host = r.s("kong-lua-test.wallarm");
  return r;
}

}  // namespace

TEST_CASE("node protocol: a request from the connector's serializer parses field by field") {
  Request r = seed_request();
  r.m.body = r.s("a=1&b=2");
  node::Message m = parsed(serialize(r.m, WALLARM_SUBMIT_OUT_OF_BAND));
  CHECK(m.type == node::MessageType::request);
  CHECK(m.method == "GET");
  CHECK(m.target == "/etc/passwd?x=1");
  CHECK(m.path() == "/etc/passwd");
  CHECK(m.query() == "x=1");
  CHECK(m.version == "1.1");
  REQUIRE(m.headers.size() == 4);
  CHECK(m.headers[3].name == "accept");  // duplicates kept, in order, case kept
  CHECK(m.headers[3].value == "text/html");
  CHECK(*m.header("ACCEPT") == "*/*");
  CHECK(m.body == "a=1&b=2");
  CHECK(m.request_id == "9f1c2d");
  CHECK(m.client_ip == "203.0.113.7");
  CHECK(m.host == "kong-lua-test.wallarm");
  CHECK(m.connector_type == "kong");
  CHECK(m.connector_version == "1.2.3");
  CHECK(m.out_of_band);
  CHECK_FALSE(m.truncated_from.has_value());
  CHECK(m.escaped == 0);
}

TEST_CASE("node protocol: a response carries its status and its request's id") {
  Request r;
  r.m.type = WALLARM_MSG_RESPONSE;
  r.m.status = 404;
  r.m.request_id = r.s("9f1c2d");
  r.header("Content-Type", "text/plain");
  r.m.body = r.s("nope");
  node::Message m = parsed(serialize(r.m));
  CHECK(m.type == node::MessageType::response);
  CHECK(m.status == 404);
  CHECK(m.request_id == "9f1c2d");
  CHECK(m.body == "nope");

  r.m.status = 599;  // no reason phrase
  CHECK(parsed(serialize(r.m)).status == 599);
}

TEST_CASE("node protocol: health messages parse with nothing else") {
  wallarm_message_t h{};
  h.type = WALLARM_MSG_HEALTH;
  CHECK(parsed(serialize(h)).type == node::MessageType::health);
}

TEST_CASE("node protocol: escapes, truncation and outer escaping survive the round trip") {
  Request r = seed_request();
  r.m.uri = r.s("/a b");
  r.m.request_id = r.s("id with space%");
  r.m.host = r.s("h\xff");
  r.header("X-Evil", std::string("v\r\nX-Injected: 1", 16));
  r.m.body = r.s(std::string(100, 'x'));
  node::Message m = parsed(serialize(r.m, 0, 10));
  CHECK(m.target == "/a%20b");
  CHECK(m.request_id == "id with space%");
  CHECK(m.host == "h\xff");
  CHECK(m.escaped == 3);
  CHECK(m.headers.back().value == "v%0D%0AX-Injected: 1");
  CHECK(m.headers.size() == 5);  // the injected line stayed inside its value
  CHECK(m.truncated_from == 100u);
  CHECK(m.body == std::string(10, 'x'));
}

TEST_CASE("node protocol: the body is everything after the head, embedded framing ignored") {
  Request r = seed_request();
  r.m.method = r.s("POST");
  r.header("Content-Length", "2");
  r.header("Transfer-Encoding", "chunked");
  std::string body = "0\r\n\r\nGET /smuggled HTTP/1.1\r\n\r\n";
  r.m.body = r.s(body);
  node::Message m = parsed(serialize(r.m));
  CHECK(m.body == body);
}

TEST_CASE("node protocol: malformed messages are refused with a reason") {
  Request r = seed_request();
  Wire good = serialize(r.m);
  auto reason = [](Wire w) {
    auto res = parse(w);
    auto* e = std::get_if<node::ParseError>(&res);
    return e ? e->reason : std::string("parsed");
  };
  Wire w = good;
  w.headers.erase("x-wallarm-protocol");
  CHECK(reason(w) == "bad_protocol_version");
  w = good;
  w.headers["x-wallarm-protocol"] = "2";
  CHECK(reason(w) == "bad_protocol_version");
  w = good;
  w.headers["x-wallarm-message-type"] = "other";
  CHECK(reason(w) == "bad_message_type");
  w = good;
  w.headers["content-type"] = "application/json";
  CHECK(reason(w) == "bad_content_type");
  w = good;
  w.headers.erase("x-wallarm-request-id");
  CHECK(reason(w) == "missing_request_id");
  w = good;
  w.headers["x-wallarm-request-id"] = "bad%zz";
  CHECK(reason(w) == "bad_outer_escape");
  w = good;
  w.headers["x-wallarm-body-truncated"] = "-5";
  CHECK(reason(w) == "bad_outer_header");
  w = good;
  w.body = "GET / HTTP/1.1\r\nHost: x\r\n";  // no blank line
  CHECK(reason(w) == "bad_head");
  w.body = "GET / HTTP/1.1\r\nHost: x\n\r\n\r\n";
  CHECK(reason(w) == "bad_head");
  w.body = "GET /\r\n\r\n";
  CHECK(reason(w) == "bad_start_line");
  w.body = "GET / HTTP/1.1 extra\r\n\r\n";
  CHECK(reason(w) == "bad_start_line");
  w.body = "GET / HTTP/1.1\r\nno colon here\r\n\r\n";
  CHECK(reason(w) == "bad_header_line");
  w.body = std::string("\x00\x01\x02garbage", 10);
  CHECK(reason(w) == "bad_head");
  w.body = "";
  CHECK(reason(w) == "bad_head");
  w = good;
  w.headers["x-wallarm-message-type"] = "response";
  w.body = "HTTP/1.1 2000 OK\r\n\r\n";
  CHECK(reason(w) == "bad_start_line");
}

TEST_CASE("node protocol: a head message (X-Wallarm-Request-Part: head) has no body") {
  Request r = seed_request();
  r.m.method = r.s("POST");
  r.header("Content-Length", "5000000");
  r.m.body_total = 5000000;  // declared, none sent yet
  Wire w = serialize(r.m);
  CHECK_FALSE(parsed(w).head_only);  // an ordinary request message
  w.headers["x-wallarm-request-part"] = "head";
  node::Message m = parsed(w);
  CHECK(m.type == node::MessageType::request);
  CHECK(m.head_only);
  CHECK(m.request_id == "9f1c2d");
  CHECK(m.method == "POST");
  CHECK(m.headers.size() == 5);
  CHECK(m.body.empty());
  CHECK(m.truncated_from == 5000000u);

  // A body of unknown length: no X-Wallarm-Body-Truncated.
  w.headers.erase("x-wallarm-body-truncated");
  m = parsed(w);
  CHECK(m.head_only);
  CHECK_FALSE(m.truncated_from.has_value());
}

TEST_CASE("node protocol: a bad request part is refused") {
  Request r = seed_request();
  Wire head = serialize(r.m);
  head.headers["x-wallarm-request-part"] = "head";
  REQUIRE(parsed(head).head_only);
  auto refusal = [](const Wire& w) {
    auto res = parse(w);
    auto* e = std::get_if<node::ParseError>(&res);
    return e ? e->reason + ": " + e->detail : std::string("parsed");
  };
  for (const char* value : {"body", "full", "Head", "head ", "", "1"}) {
    CAPTURE(value);
    Wire w = head;
    w.headers["x-wallarm-request-part"] = value;
    CHECK(refusal(w) == "bad_outer_header: X-Wallarm-Request-Part must be head, on request "
                        "messages only");
  }
  // Only request messages come in parts.
  Request resp;
  resp.m.type = WALLARM_MSG_RESPONSE;
  resp.m.status = 200;
  resp.m.request_id = resp.s("9f1c2d");
  Wire w = serialize(resp.m);
  REQUIRE(refusal(w) == "parsed");
  w.headers["x-wallarm-request-part"] = "head";
  CHECK(refusal(w).rfind("bad_outer_header: ", 0) == 0);
  // The body comes with the full request, never with its head.
  w = head;
  w.body += "a=1";
  CHECK(refusal(w).rfind("bad_head_part: ", 0) == 0);
}

TEST_CASE("node protocol: head limits") {
  Request r = seed_request();
  Wire w = serialize(r.m);
  node::ParseLimits few_headers;
  few_headers.max_headers = 3;
  auto res = parse(w, few_headers);
  REQUIRE(std::holds_alternative<node::ParseError>(res));
  CHECK(std::get<node::ParseError>(res).reason == "too_many_headers");
  node::ParseLimits small_head;
  small_head.max_head_bytes = 20;
  res = parse(w, small_head);
  REQUIRE(std::holds_alternative<node::ParseError>(res));
  CHECK(std::get<node::ParseError>(res).reason == "head_too_large");
}

TEST_CASE("node protocol: percent_decode") {
  CHECK(node::percent_decode("a%20b%25") == "a b%");
  CHECK(node::percent_decode("%0d%0A") == "\r\n");
  CHECK_FALSE(node::percent_decode("%").has_value());
  CHECK_FALSE(node::percent_decode("%2").has_value());
  CHECK_FALSE(node::percent_decode("%g0").has_value());
}
