#include "multipart_parser.h"

#include <optional>
#include <string>
#include <string_view>

#include "form_data.h"
#include "message_shape.h"
#include "protocol_names.h"
#include "shape_fields.h"

namespace node {
namespace {

std::optional<ParseError> parse_header_lines(std::string_view lines, const ParseLimits& limits,
                                             Message& m) {
  if (lines.size() > limits.max_head_bytes)
    return ParseError{"head_too_large", "the headers part is over " +
                                            std::to_string(limits.max_head_bytes) + " bytes"};
  while (!lines.empty()) {
    size_t end = lines.find("\r\n");
    std::string_view line = lines.substr(0, end);
    lines.remove_prefix(end == std::string_view::npos ? lines.size() : end + 2);
    if (line.empty()) continue;
    if (line.find('\n') != std::string_view::npos)
      return ParseError{"bad_header_line",
                        "a line of the headers part has a line feed without a "
                        "carriage return"};
    size_t colon = line.find(':');
    if (colon == std::string_view::npos)
      return ParseError{"bad_header_line", "a line of the headers part has no ':'"};
    if (m.headers.size() == limits.max_headers)
      return ParseError{"too_many_headers", "the headers part has over " +
                                                std::to_string(limits.max_headers) + " lines"};
    std::string_view value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);  // the one SP after ':'
    m.headers.push_back({std::string(line.substr(0, colon)), std::string(value)});
  }
  return std::nullopt;
}

}  // namespace

std::variant<Message, ParseError> parse_multipart(OuterRequest r, const ParseLimits& limits) {
  Message m;
  m.shape = Shape::multipart;
  auto content_type = r.header("Content-Type");
  auto request_id = r.header(protocol::kRequestId);
  // The fields first: a missing request id is refused as such.
  if (auto why = read_shape_fields(r, m, /*method_required=*/true)) return *why;
  auto boundary = content_type && request_id ? wallarm_boundary(*content_type, *request_id)
                                             : std::nullopt;
  if (!boundary)
    return ParseError{"bad_content_type",
                      "Content-Type must be multipart/form-data with boundary " +
                          std::string(protocol::kBoundaryPrefix) + "<request id without '-'>"};

  auto split = split_form_data(r.body, *boundary);
  if (auto* e = std::get_if<ParseError>(&split)) return *e;
  const FormPart *headers = nullptr, *body = nullptr;
  for (const FormPart& part : std::get<std::vector<FormPart>>(split)) {
    const FormPart** slot = part.name == protocol::kHeadersPart ? &headers
                            : part.name == protocol::kBodyPart  ? &body
                                                                : nullptr;
    if (slot == nullptr) continue;
    if (*slot != nullptr)
      return ParseError{"bad_multipart", "the part " + part.name + " comes twice"};
    *slot = &part;
  }
  if (headers == nullptr || body == nullptr)
    return ParseError{
        "bad_multipart",
        std::string("the part ") + (headers == nullptr ? "headers" : "body") + " is missing"};
  if (auto why = parse_header_lines(headers->content, limits, m)) return *why;
  m.body = std::string(body->content);
  if (m.head_only && !m.body.empty())
    return ParseError{"bad_head_part", "a head message (" + std::string(protocol::kRequestPart) +
                                           ": head) carries no body bytes"};
  return m;
}

}  // namespace node
