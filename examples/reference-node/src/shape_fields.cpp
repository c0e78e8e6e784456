#include "shape_fields.h"

#include <algorithm>
#include <cstdint>
#include <string>

#include "ascii.h"
#include "connector_fields.h"
#include "head_escaping.h"
#include "protocol_names.h"

namespace node {
namespace {

// X-Wallarm-Method or X-Wallarm-Request-Target: decoded, never empty.
std::optional<ParseError> decode_field(const char* name, const std::string& raw,
                                       std::string& into) {
  auto decoded = percent_decode(raw);
  if (!decoded) return ParseError{"bad_outer_escape", std::string(name) + " has a bad %-escape"};
  if (decoded->empty()) return ParseError{"bad_outer_header", std::string(name) + " is empty"};
  into = std::move(*decoded);
  return std::nullopt;
}

// 100 to 999, three digits (decimal values have no leading zeros, 3.1).
std::optional<int> status_of(const std::string& text) {
  auto code = parse_decimal(text);
  if (!code || text.size() != 3 || *code < 100) return std::nullopt;
  return static_cast<int>(*code);
}

}  // namespace

std::optional<ParseError> read_shape_fields(const OuterRequest& r, Message& m,
                                            bool method_required) {
  m.type = MessageType::request;
  if (auto status_text = r.header(protocol::kResponseStatus)) {
    auto status = status_of(*status_text);
    if (!status)
      return ParseError{"bad_outer_header",
                        std::string(protocol::kResponseStatus) + " must be a status, 100 to 999"};
    m.type = MessageType::response;
    m.status = *status;
  }
  if (auto why = read_connector_fields(r.lookup(), m)) return *why;
  if (auto mode = r.header(protocol::kConnectorMode))
    m.out_of_band = *mode == protocol::kOutOfBandMode;
  m.version = "1.1";  // neither shape carries the client's version
  if (m.type != MessageType::request) return std::nullopt;

  std::string method, target;
  if (auto raw = r.header(protocol::kMethod)) {
    if (auto why = decode_field(protocol::kMethod, *raw, method)) return *why;
  } else if (method_required) {
    return ParseError{
        "missing_method",
        std::string(protocol::kMethod) + " is required: a multipart request's own method is POST"};
  } else {
    method = r.method;
  }
  if (auto raw = r.header(protocol::kRequestTarget)) {
    if (auto why = decode_field(protocol::kRequestTarget, *raw, target)) return *why;
  } else {
    target = r.target;
  }
  if (method.empty() || target.empty())
    return ParseError{"bad_start_line", "the request has no method or no target"};
  size_t count = 0;
  m.method = escaped(method, EscapeClass::token, &count);
  m.target = escaped(target, EscapeClass::target, &count);
  m.escaped = static_cast<uint32_t>(std::min<uint64_t>(uint64_t{m.escaped} + count, UINT32_MAX));
  return std::nullopt;
}

}  // namespace node
