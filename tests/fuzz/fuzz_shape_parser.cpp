// Fuzzes the reference node's reading of the shapes of docs/protocol.md
// section 12: node::shape_of(), node::parse_mirror() and
// node::parse_multipart(). Whatever arrives, the node refuses it with a
// reason or returns a message in v1's form: a request has a method and a
// target that hold no SP, CR, LF or NUL, a response a status and neither,
// no header name holds ':' or a line break; a mirror message keeps every
// header but X-Wallarm-* and the whole body; a multipart message's body
// is a piece of the outer body; the classifier and the parsers agree on
// the Content-Type; tighter limits never accept more. And a multipart
// message framed again from what was parsed parses to the same headers and
// body.
//
// Input: the request line "METHOD TARGET" and LF, then outer header lines
// "Name: value" separated by LF, a blank line, and the outer body (CRLF
// line ends inside it).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "fuzz_input.h"
#include "head_escaping.h"
#include "message_shape.h"
#include "mirror_parser.h"
#include "multipart_parser.h"
#include "protocol_names.h"

namespace {

using std::string;
using std::string_view;

bool clean_token(const string& s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c == ' ' || c == '\r' || c == '\n' || c == '\0') return false;
  return true;
}

bool same_fields(const node::Message& a, const node::Message& b) {
  if (a.headers.size() != b.headers.size()) return false;
  for (size_t i = 0; i < a.headers.size(); ++i)
    if (a.headers[i].name != b.headers[i].name || a.headers[i].value != b.headers[i].value)
      return false;
  return a.type == b.type && a.shape == b.shape && a.request_id == b.request_id &&
         a.client_ip == b.client_ip && a.host == b.host && a.out_of_band == b.out_of_band &&
         a.head_only == b.head_only && a.truncated_from == b.truncated_from &&
         a.escaped == b.escaped && a.method == b.method && a.target == b.target &&
         a.status == b.status && a.body == b.body;
}

void check_message(const node::Message& m, const node::OuterRequest& r) {
  FUZZ_CHECK(!m.request_id.empty());
  FUZZ_CHECK(m.version == "1.1");
  if (m.type == node::MessageType::request) {
    FUZZ_CHECK(clean_token(m.method) && clean_token(m.target));
    FUZZ_CHECK(m.status == 0);
  } else {
    FUZZ_CHECK(m.type == node::MessageType::response);
    FUZZ_CHECK(m.shape == node::Shape::multipart);  // no response in the mirror shape
    FUZZ_CHECK(m.status >= 100 && m.status <= 999);
    FUZZ_CHECK(m.method.empty() && m.target.empty());
  }
  for (const auto& h : m.headers) {
    FUZZ_CHECK(h.name.find(':') == string::npos);
    FUZZ_CHECK(h.name.find('\n') == string::npos && h.value.find('\n') == string::npos);
  }
  if (m.head_only) FUZZ_CHECK(m.body.empty());
  if (m.shape == node::Shape::mirror) {
    size_t client_headers = 0;
    for (const auto& h : r.headers) client_headers += !node::is_connector_header(h.name);
    FUZZ_CHECK(m.headers.size() == client_headers);
    for (const auto& h : m.headers) FUZZ_CHECK(!node::is_connector_header(h.name));
    FUZZ_CHECK(m.body == r.body);
  } else {
    FUZZ_CHECK(r.body.find(m.body) != string::npos);
  }
}

// The parsed request or response framed again as the connector would.
void check_multipart_round_trip(const node::Message& m, node::OuterRequest r) {
  auto boundary = node::wallarm_boundary(*r.header("Content-Type"), *r.header("X-Wallarm-Request-Id"));
  FUZZ_CHECK(boundary.has_value());
  string lines;
  for (const auto& h : m.headers) lines += h.name + ": " + h.value + "\r\n";
  const string delimiter = "\r\n--" + *boundary;
  if (("\r\n" + lines).find(delimiter) != string::npos ||
      ("\r\n" + m.body).find(delimiter) != string::npos)
    return;  // the connector would have picked another boundary
  r.body = "--" + *boundary + "\r\nContent-Disposition: form-data; name=\"headers\"\r\n\r\n" +
           lines + delimiter + "\r\nContent-Disposition: form-data; name=\"body\"\r\n\r\n" +
           m.body + delimiter + "--\r\n";
  auto again = node::parse_multipart(std::move(r));
  FUZZ_CHECK(std::holds_alternative<node::Message>(again));
  FUZZ_CHECK(same_fields(std::get<node::Message>(again), m));
}

// Every class's output holds none of the bytes it escapes, and the outer
// escaping is undone by percent_decode().
void check_escaping(string_view s) {
  FUZZ_CHECK(node::percent_decode(node::escaped(s, node::EscapeClass::outer)) == string(s));
  size_t count = 0;
  const string token = node::escaped(s, node::EscapeClass::token, &count);
  for (char c : token) FUZZ_CHECK(static_cast<unsigned char>(c) > 0x20 && c != 0x7f && c != ':');
  FUZZ_CHECK(token.size() == s.size() + 2 * count);
  const string value = node::escaped(s, node::EscapeClass::value);
  FUZZ_CHECK(value.find_first_of(string("\r\n\0", 3)) == string::npos);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  string_view in(reinterpret_cast<const char*>(data), size);
  const size_t eol = in.find('\n');
  const string_view request_line = in.substr(0, eol);
  const fuzz::Outer outer =
      fuzz::split_outer(eol == string_view::npos ? string_view() : in.substr(eol + 1));
  node::OuterRequest r;
  const size_t sp = request_line.find(' ');
  r.method = string(request_line.substr(0, sp));
  if (sp != string_view::npos) r.target = string(request_line.substr(sp + 1));
  for (const auto& [name, value] : outer.headers) r.headers.push_back({name, value});
  r.body = string(outer.body);

  auto shape = node::shape_of(r.lookup());
  node::ParseLimits tight;
  tight.max_head_bytes = 256;
  tight.max_headers = 4;
  for (node::Shape parser : {node::Shape::mirror, node::Shape::multipart}) {
    auto parse = [&](const node::ParseLimits& limits) {
      return parser == node::Shape::mirror ? node::parse_mirror(r, limits)
                                           : node::parse_multipart(r, limits);
    };
    auto loose = parse({});
    auto strict = parse(tight);
    if (auto* e = std::get_if<node::ParseError>(&loose)) {
      FUZZ_CHECK(!e->reason.empty() && !e->detail.empty());
      FUZZ_CHECK(std::holds_alternative<node::ParseError>(strict));
      // The classifier sends a message to the parser that reads its
      // Content-Type; a mirror refuses only a response on that ground.
      if (shape == parser && e->reason == "bad_content_type")
        FUZZ_CHECK(parser == node::Shape::mirror && r.header(node::protocol::kResponseStatus));
      continue;
    }
    const node::Message& m = std::get<node::Message>(loose);
    FUZZ_CHECK(m.shape == parser);
    check_message(m, r);
    if (auto* tightened = std::get_if<node::Message>(&strict))
      FUZZ_CHECK(same_fields(*tightened, m));
    if (parser == node::Shape::multipart) check_multipart_round_trip(m, r);
  }
  check_escaping(outer.body);
  return 0;
}
