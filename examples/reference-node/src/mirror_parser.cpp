#include "mirror_parser.h"

#include <algorithm>
#include <cstdint>
#include <string>

#include "head_escaping.h"
#include "protocol_names.h"
#include "shape_fields.h"

namespace node {

std::variant<Message, ParseError> parse_mirror(OuterRequest r, const ParseLimits& limits) {
  Message m;
  m.shape = Shape::mirror;
  if (auto why = read_shape_fields(r, m, /*method_required=*/false)) return *why;
  if (m.type == MessageType::response)
    return ParseError{"bad_content_type",
                      std::string("a response message (") + protocol::kResponseStatus +
                          ") must be multipart/form-data with a WallarmBoundary boundary"};

  size_t head_bytes = 0, count = 0;
  for (Header& h : r.headers) {
    if (is_connector_header(h.name)) continue;
    if (m.headers.size() == limits.max_headers)
      return ParseError{"too_many_headers",
                        "the request has over " + std::to_string(limits.max_headers) + " headers"};
    head_bytes += h.name.size() + h.value.size() + 4;  // as "name: value" CRLF
    if (head_bytes > limits.max_head_bytes)
      return ParseError{"head_too_large", "the request's headers are over " +
                                              std::to_string(limits.max_head_bytes) + " bytes"};
    // The server passes names and values as on the wire, where the
    // connector escaped these bytes already; anything else is escaped here.
    m.headers.push_back({escaped(h.name, EscapeClass::token, &count),
                         escaped(h.value, EscapeClass::value, &count)});
  }
  m.escaped = static_cast<uint32_t>(std::min<uint64_t>(uint64_t{m.escaped} + count, UINT32_MAX));
  m.body = std::move(r.body);
  if (m.head_only && !m.body.empty())
    return ParseError{"bad_head_part", "a head message (" + std::string(protocol::kRequestPart) +
                                           ": head) carries no body bytes"};
  return m;
}

}  // namespace node
