// Conformance: batches made with libwallarm's own batch framing, parsed by
// the node as docs/protocol.md 7.5 describes them.
#include <doctest/doctest.h>

#include <strings.h>

#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "batch_parser.h"
#include "src/formats.h"  // libwallarm/src: the connector's serializer
#include "wallarm.h"

namespace {

struct Batch {
  std::map<std::string, std::string> outer{
      {"Content-Type", "application/x-wallarm-batch"}, {"X-Wallarm-Protocol", "1"},
      {"X-Wallarm-Connector-Type", "kong"}, {"X-Wallarm-Connector-Version", "1.2.3"},
      {"X-Wallarm-Message-Type", "batch"}};
  std::string body;
  int parts = 0;
};

// A response message for request `id`, serialized and framed as a part.
void add_response(Batch& b, const std::string& id, int status, const std::string& body,
                  uint32_t flags = 0) {
  wallarm::Outgoing constant, out;
  wallarm::make_v1_tail(constant, "kong", "1.2.3");
  wallarm_header_t h{{"Content-Type", 12}, {"text/plain", 10}};
  wallarm_message_t m{};
  m.type = WALLARM_MSG_RESPONSE;
  m.status = status;
  m.headers = &h;
  m.header_count = 1;
  m.body = {body.data(), body.size()};
  m.body_total = -1;
  m.request_id = {id.data(), id.size()};
  const char* err = nullptr;
  REQUIRE(wallarm::encode(m, wallarm::v1_options(flags, 1 << 20, constant.outer), out, &err) == WALLARM_OK);
  wallarm::Buffer framed;
  wallarm::append_batch_part(framed, out);
  b.body.append(framed.data(), framed.size());
  b.outer["X-Wallarm-Batch-Count"] = std::to_string(++b.parts);
}

// A request message for `id` with no body, framed as a part whose header
// lines start with `first_line` (e.g. "X-Wallarm-Request-Part: head\r\n").
void add_request(Batch& b, const std::string& id, const std::string& first_line = "") {
  wallarm::Outgoing constant, out;
  wallarm::make_v1_tail(constant, "kong", "1.2.3");
  wallarm_header_t h{{"Host", 4}, {"example.com", 11}};
  wallarm_message_t m{};
  m.type = WALLARM_MSG_REQUEST;
  m.method = {"POST", 4};
  m.uri = {"/upload", 7};
  m.headers = &h;
  m.header_count = 1;
  m.body_total = 70000;
  m.request_id = {id.data(), id.size()};
  const char* err = nullptr;
  REQUIRE(wallarm::encode(m, wallarm::v1_options(0, 1 << 20, constant.outer), out, &err) == WALLARM_OK);
  wallarm::Buffer framed;
  wallarm::append_batch_part(framed, out);
  b.body += first_line;
  b.body.append(framed.data(), framed.size());
  b.outer["X-Wallarm-Batch-Count"] = std::to_string(++b.parts);
}

std::variant<std::vector<node::Message>, node::ParseError> parse(const Batch& b) {
  return node::parse_batch(
      [&](const char* name) -> std::optional<std::string> {
        for (auto& [n, v] : b.outer)
          if (strcasecmp(n.c_str(), name) == 0) return v;
        return std::nullopt;
      },
      b.body);
}

std::string refusal(const Batch& b) {
  auto r = parse(b);
  auto* e = std::get_if<node::ParseError>(&r);
  return e == nullptr ? "accepted" : e->reason;
}

}  // namespace

TEST_CASE("node protocol: a batch from the connector's framing parses into its messages") {
  Batch b;
  add_response(b, "id-1", 200, "hello");
  add_response(b, "id-2", 404, std::string(1000, 'x'), WALLARM_SUBMIT_OUT_OF_BAND);
  add_response(b, "id\r\n3", 500, "");
  auto r = parse(b);
  if (auto* e = std::get_if<node::ParseError>(&r)) FAIL(e->reason << ": " << e->detail);
  auto& messages = std::get<std::vector<node::Message>>(r);
  REQUIRE(messages.size() == 3);
  CHECK(messages[0].type == node::MessageType::response);
  CHECK(messages[0].request_id == "id-1");
  CHECK(messages[0].status == 200);
  CHECK(messages[0].body == "hello");
  CHECK(messages[0].connector_version == "1.2.3");
  CHECK_FALSE(messages[0].out_of_band);
  CHECK(messages[1].request_id == "id-2");
  CHECK(messages[1].status == 404);
  CHECK(messages[1].body == std::string(1000, 'x'));
  CHECK(messages[1].out_of_band);
  CHECK(messages[2].request_id == "id\r\n3");  // escaped on the wire, decoded here
  CHECK(messages[2].body.empty());
}

TEST_CASE("node protocol: malformed batches are refused whole, with a reason") {
  Batch good;
  add_response(good, "a", 200, "one");
  add_response(good, "b", 200, "two");
  REQUIRE(refusal(good) == "accepted");

  Batch b = good;
  b.outer["X-Wallarm-Batch-Count"] = "3";
  CHECK(refusal(b) == "bad_batch_count");
  b.outer["X-Wallarm-Batch-Count"] = "1";
  CHECK(refusal(b) == "bad_batch_count");
  b.outer.erase("X-Wallarm-Batch-Count");
  CHECK(refusal(b) == "bad_batch_count");

  b = good;
  b.outer["Content-Type"] = "message/http";
  CHECK(refusal(b) == "bad_content_type");
  b = good;
  b.outer["X-Wallarm-Protocol"] = "2";
  CHECK(refusal(b) == "bad_protocol_version");

  b = good;
  b.body.pop_back();  // the last part's Content-Length now runs past the end
  CHECK(refusal(b) == "bad_batch_part");
  b = good;
  b.body += "X";  // bytes after the announced parts
  CHECK(refusal(b) == "bad_batch_count");

  b = good;
  size_t at = b.body.find("Content-Length: ");
  b.body.replace(at, 16, "Content-Length: x");
  CHECK(refusal(b) == "bad_batch_part");

  // Only request and response messages travel in batches.
  b = good;
  at = b.body.find("X-Wallarm-Message-Type: response");
  b.body.replace(at, 32, "X-Wallarm-Message-Type: health  ");
  CHECK(refusal(b) == "bad_batch_part");

  // A part that is not a valid message refuses the batch.
  b = good;
  at = b.body.find("HTTP/1.1 200");
  b.body.replace(at, 4, "XTTP");
  CHECK(refusal(b) == "bad_start_line");
}

TEST_CASE("node protocol: a batch part may be a head message, read as a single message is") {
  Batch b;
  add_request(b, "h-1", "X-Wallarm-Request-Part: head\r\n");
  add_request(b, "h-1");  // its full request
  auto r = parse(b);
  if (auto* e = std::get_if<node::ParseError>(&r)) FAIL(e->reason << ": " << e->detail);
  auto& messages = std::get<std::vector<node::Message>>(r);
  REQUIRE(messages.size() == 2);
  CHECK(messages[0].head_only);
  CHECK(messages[0].request_id == "h-1");
  CHECK(messages[0].truncated_from == 70000u);
  CHECK_FALSE(messages[1].head_only);
  CHECK(messages[1].request_id == "h-1");

  Batch bad;
  add_request(bad, "h-2", "X-Wallarm-Request-Part: tail\r\n");
  CHECK(refusal(bad) == "bad_outer_header");
  // The batch's own outer headers do not make its parts heads.
  Batch outer;
  add_request(outer, "h-3");
  outer.outer["X-Wallarm-Request-Part"] = "head";
  auto parts = parse(outer);
  REQUIRE(std::holds_alternative<std::vector<node::Message>>(parts));
  CHECK_FALSE(std::get<std::vector<node::Message>>(parts)[0].head_only);
}
