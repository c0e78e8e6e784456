#include "message_parser.h"

#include <cstring>

#include "ascii.h"
#include "connector_fields.h"
#include "protocol_names.h"

namespace node {
namespace {

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

ParseError error(const char* reason, std::string detail) { return {reason, std::move(detail)}; }

// "HTTP/1.1" -> "1.1"
std::optional<std::string> version_of(std::string_view token) {
  if (token.size() <= 5 || token.substr(0, 5) != "HTTP/") return std::nullopt;
  return std::string(token.substr(5));
}

// The embedded head and body: start line, header lines, blank line, body.
std::optional<ParseError> parse_embedded(Message& m, std::string body, const ParseLimits& limits) {
  size_t end = body.find("\r\n\r\n");
  if (end == std::string::npos)
    return error("bad_head", "the embedded message has no blank line (CRLF CRLF) ending its head");
  if (end + 4 > limits.max_head_bytes)
    return error("head_too_large", "the embedded head is over " +
                                        std::to_string(limits.max_head_bytes) + " bytes");
  std::string_view head(body.data(), end + 2);  // every line ends in CRLF
  // A bare LF would make the line structure ambiguous: the connector escapes them.
  for (size_t i = 0; i < head.size(); ++i)
    if (head[i] == '\n' && (i == 0 || head[i - 1] != '\r'))
      return error("bad_head", "the embedded head has a line feed without a carriage return");

  size_t line_end = head.find("\r\n");
  std::string_view start = head.substr(0, line_end);
  head.remove_prefix(line_end + 2);
  size_t sp1 = start.find(' ');
  if (sp1 == std::string_view::npos)
    return error("bad_start_line", "the embedded start line has no space");
  size_t sp2 = start.find(' ', sp1 + 1);
  if (m.type == MessageType::request) {
    if (sp2 == std::string_view::npos)
      return error("bad_start_line", "the embedded request line does not have three parts");
    std::string_view method = start.substr(0, sp1);
    std::string_view target = start.substr(sp1 + 1, sp2 - sp1 - 1);
    auto version = version_of(start.substr(sp2 + 1));
    if (method.empty() || target.empty() || !version ||
        start.find(' ', sp2 + 1) != std::string_view::npos)
      return error("bad_start_line", "the embedded request line is not METHOD SP target SP HTTP/version");
    m.method = method;
    m.target = target;
    m.version = *version;
  } else {
    // The reason phrase may be empty, and its space missing.
    std::string_view code_text = start.substr(sp1 + 1, sp2 == std::string_view::npos ? sp2 : sp2 - sp1 - 1);
    auto version = version_of(start.substr(0, sp1));
    auto code = parse_decimal(code_text);
    if (!version || !code || code_text.size() != 3 || *code < 100)
      return error("bad_start_line", "the embedded status line is not HTTP/version SP code SP reason");
    m.version = *version;
    m.status = static_cast<int>(*code);
  }

  while (!head.empty()) {
    line_end = head.find("\r\n");
    std::string_view line = head.substr(0, line_end);
    head.remove_prefix(line_end + 2);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos)
      return error("bad_header_line", "an embedded header line has no ':'");
    if (m.headers.size() == limits.max_headers)
      return error("too_many_headers",
                   "the embedded head has over " + std::to_string(limits.max_headers) + " headers");
    std::string_view value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);  // the one SP after ':'
    m.headers.push_back({std::string(line.substr(0, colon)), std::string(value)});
  }
  body.erase(0, end + 4);
  m.body = std::move(body);
  return std::nullopt;
}

}  // namespace

const std::string* Message::header(const std::string& name) const {
  for (const auto& h : headers)
    if (ascii_iequals(h.name, name)) return &h.value;
  return nullptr;
}

std::optional<std::string> percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

std::variant<Message, ParseError> parse_message(const OuterHeaders& outer, std::string body,
                                                const ParseLimits& limits) {
  auto version = outer(protocol::kProtocol);
  if (!version || *version != protocol::kVersion)
    return error("bad_protocol_version", std::string(protocol::kProtocol) + " must be 1");

  Message m;
  auto type = outer(protocol::kMessageType);
  if (type && *type == protocol::kRequest)
    m.type = MessageType::request;
  else if (type && *type == protocol::kResponse)
    m.type = MessageType::response;
  else if (type && *type == protocol::kHealth) {
    m.type = MessageType::health;
    return m;  // a health message carries nothing else
  } else
    return error("bad_message_type",
                 std::string(protocol::kMessageType) + " must be request, response or health");

  auto content_type = outer("Content-Type");
  if (!content_type || !ascii_iequals(*content_type, protocol::kContentType))
    return error("bad_content_type", "Content-Type must be message/http");

  // Outer values are percent-encoded (docs/protocol.md 3.2).
  if (auto why = read_connector_fields(outer, m)) return *why;
  if (auto oob = outer(protocol::kOutOfBand)) m.out_of_band = *oob == "1";
  if (auto why = parse_embedded(m, std::move(body), limits)) return *why;
  // The body comes with the full request message that follows a head.
  if (m.head_only && !m.body.empty())
    return error("bad_head_part", "a head message (" + std::string(protocol::kRequestPart) +
                                      ": head) carries no body bytes");
  return m;
}

}  // namespace node
