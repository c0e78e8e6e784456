#include "batch_parser.h"

#include <charconv>
#include <strings.h>

#include "protocol_names.h"

namespace node {
namespace {

ParseError error(const char* reason, std::string detail) { return {reason, std::move(detail)}; }

std::optional<size_t> decimal(std::string_view s) {
  size_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

bool same_name(std::string_view a, const char* b) {
  return a.size() == std::char_traits<char>::length(b) && strncasecmp(a.data(), b, a.size()) == 0;
}

struct PartHead {
  std::vector<std::pair<std::string_view, std::string_view>> lines;
  std::optional<size_t> length;
};

// "Name: value" lines up to (not including) the blank line.
std::optional<ParseError> parse_part_head(std::string_view head, PartHead& out) {
  while (!head.empty()) {
    size_t end = head.find("\r\n");
    std::string_view line = head.substr(0, end);
    head.remove_prefix(end == std::string_view::npos ? head.size() : end + 2);
    size_t colon = line.find(':');
    if (colon == 0 || colon == std::string_view::npos)
      return error("bad_batch_part", "a batch part header line has no name or no ':'");
    std::string_view name = line.substr(0, colon), value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    if (same_name(name, "Content-Length")) {
      if (out.length) return error("bad_batch_part", "a batch part has two Content-Length lines");
      out.length = decimal(value);
      if (!out.length) return error("bad_batch_part", "a batch part's Content-Length is not a length");
    } else {
      out.lines.emplace_back(name, value);
    }
  }
  if (!out.length) return error("bad_batch_part", "a batch part has no Content-Length");
  return std::nullopt;
}

}  // namespace

std::variant<std::vector<Message>, ParseError> parse_batch(const OuterHeaders& outer,
                                                           const std::string& body,
                                                           const BatchLimits& limits) {
  auto version = outer(protocol::kProtocol);
  if (!version || *version != protocol::kVersion)
    return error("bad_protocol_version", std::string(protocol::kProtocol) + " must be 1");
  auto content_type = outer("Content-Type");
  if (!content_type || strcasecmp(content_type->c_str(), protocol::kBatchContentType) != 0)
    return error("bad_content_type",
                 std::string("Content-Type must be ") + protocol::kBatchContentType);
  auto count_text = outer(protocol::kBatchCount);
  auto count = count_text ? decimal(*count_text) : std::nullopt;
  if (!count || *count == 0 || *count > limits.max_parts)
    return error("bad_batch_count", std::string(protocol::kBatchCount) + " must be 1 to " +
                                        std::to_string(limits.max_parts));

  std::vector<Message> messages;
  messages.reserve(*count);
  std::string_view rest(body);
  while (!rest.empty()) {
    if (messages.size() == *count)
      return error("bad_batch_count", "the batch holds more parts than it announces");
    size_t head_end = rest.find("\r\n\r\n");
    if (head_end == std::string_view::npos || head_end + 4 > limits.max_part_head_bytes)
      return error("bad_batch_part", "a batch part's header lines do not end in a blank line");
    PartHead head;
    if (auto why = parse_part_head(rest.substr(0, head_end + 2), head)) return *why;
    rest.remove_prefix(head_end + 4);
    if (*head.length > rest.size())
      return error("bad_batch_part", "a batch part's Content-Length runs past the batch");
    auto lookup = [&](const char* name) -> std::optional<std::string> {
      if (same_name(name, "Content-Type")) return std::string(protocol::kContentType);
      if (same_name(name, protocol::kProtocol) || same_name(name, protocol::kConnectorType) ||
          same_name(name, protocol::kConnectorVersion))
        return outer(name);
      for (auto& [n, v] : head.lines)
        if (same_name(n, name)) return std::string(v);
      return std::nullopt;
    };
    auto type = lookup(protocol::kMessageType);
    if (!type || (*type != protocol::kRequest && *type != protocol::kResponse))
      return error("bad_batch_part", "a batch part must be a request or a response message");
    auto parsed = parse_message(lookup, std::string(rest.substr(0, *head.length)), limits.message);
    if (auto* e = std::get_if<ParseError>(&parsed)) return *e;
    messages.push_back(std::move(std::get<Message>(parsed)));
    rest.remove_prefix(*head.length);
  }
  if (messages.size() != *count)
    return error("bad_batch_count", "the batch holds fewer parts than it announces");
  return messages;
}

}  // namespace node
