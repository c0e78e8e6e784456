// Fuzzes the reference node's node::parse_message(): whatever arrives, the
// node refuses it with a reason or returns a message that is consistent
// with docs/protocol.md: a request has a method and a target, a response a
// status, no field of the head holds a line break, the body is every byte
// after the first CRLF CRLF, and tighter limits never accept more.
//
// Input: outer header lines "Name: value" separated by LF, a blank line,
// then the outer body (the embedded message, CRLF line ends).
#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "fuzz_input.h"
#include "message_parser.h"

namespace {

using std::string;
using std::string_view;

// The outer escaping (docs/protocol.md 3.2), which percent_decode() undoes.
string escape_outer(string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  string out;
  for (char c : s) {
    auto b = static_cast<unsigned char>(c);
    if (b > 0x20 && b < 0x7f && b != '%') {
      out += c;
    } else {
      out += '%';
      out += kHex[b >> 4];
      out += kHex[b & 15];
    }
  }
  return out;
}

bool same(const node::Message& a, const node::Message& b) {
  if (a.headers.size() != b.headers.size()) return false;
  for (size_t i = 0; i < a.headers.size(); ++i)
    if (a.headers[i].name != b.headers[i].name || a.headers[i].value != b.headers[i].value)
      return false;
  return a.type == b.type && a.request_id == b.request_id && a.client_ip == b.client_ip &&
         a.host == b.host && a.connector_type == b.connector_type &&
         a.connector_version == b.connector_version && a.out_of_band == b.out_of_band &&
         a.head_only == b.head_only &&
         a.truncated_from == b.truncated_from && a.escaped == b.escaped && a.method == b.method &&
         a.target == b.target && a.version == b.version && a.status == b.status && a.body == b.body;
}

bool has_line_break(string_view s) { return s.find('\n') != string_view::npos; }

void check_message(const node::Message& m, string_view body,
                   const fuzz::Outer& outer) {
  if (m.type == node::MessageType::health) {
    FUZZ_CHECK(m.request_id.empty() && m.method.empty() && m.target.empty() && m.status == 0 &&
               m.headers.empty() && m.body.empty());
    return;
  }
  FUZZ_CHECK(!m.request_id.empty());
  auto id = outer("X-Wallarm-Request-Id");
  FUZZ_CHECK(id && node::percent_decode(*id) == m.request_id);
  if (m.truncated_from) FUZZ_CHECK(outer("X-Wallarm-Body-Truncated"));
  if (m.escaped != 0) FUZZ_CHECK(outer("X-Wallarm-Escaped"));

  auto token = [](const string& s) {
    return !s.empty() && s.find(' ') == string::npos && !has_line_break(s);
  };
  FUZZ_CHECK(token(m.version));
  if (m.type == node::MessageType::request) {
    FUZZ_CHECK(token(m.method));
    FUZZ_CHECK(token(m.target));
    FUZZ_CHECK(m.status == 0);
  } else {
    FUZZ_CHECK(m.status >= 100 && m.status <= 999);
    FUZZ_CHECK(m.method.empty() && m.target.empty());
  }
  for (const auto& h : m.headers) {
    FUZZ_CHECK(h.name.find(':') == string::npos);
    FUZZ_CHECK(!has_line_break(h.name) && !has_line_break(h.value));
  }

  // One header per line of the head, and the body is all that follows it.
  size_t end = body.find("\r\n\r\n");
  FUZZ_CHECK(end != string_view::npos);
  size_t lines = 0;
  for (size_t at = body.find("\r\n"); at < end; at = body.find("\r\n", at + 2)) ++lines;
  FUZZ_CHECK(m.headers.size() == lines);
  FUZZ_CHECK(m.body == body.substr(end + 4));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const fuzz::Outer outer = fuzz::split_outer(
      string_view(reinterpret_cast<const char*>(data), size));
  const string_view body = outer.body;
  auto lookup = [&](const char* name) { return outer(name); };

  auto loose = node::parse_message(lookup, string(body));
  node::ParseLimits tight;
  tight.max_head_bytes = 256;
  tight.max_headers = 4;
  auto strict = node::parse_message(lookup, string(body), tight);

  if (auto* e = std::get_if<node::ParseError>(&loose)) {
    FUZZ_CHECK(!e->reason.empty() && !e->detail.empty());
    FUZZ_CHECK(std::holds_alternative<node::ParseError>(strict));
  } else {
    check_message(std::get<node::Message>(loose), body, outer);
    if (auto* m = std::get_if<node::Message>(&strict))
      FUZZ_CHECK(same(*m, std::get<node::Message>(loose)));
  }

  // Every value the connector's escaping can produce decodes back.
  std::optional<string> back = node::percent_decode(escape_outer(body));
  FUZZ_CHECK(back && *back == body);
  return 0;
}
