#include "connector_fields.h"

#include <cstdint>
#include <string>

#include "ascii.h"
#include "protocol_names.h"

namespace node {

std::optional<ParseError> read_connector_fields(const OuterHeaders& outer, Message& m) {
  struct Field {
    const char* name;
    std::string* into;
  } fields[] = {{protocol::kRequestId, &m.request_id},
                {protocol::kForwardedFor, &m.client_ip},
                {protocol::kForwardedHost, &m.host},
                {protocol::kConnectorType, &m.connector_type},
                {protocol::kConnectorVersion, &m.connector_version}};
  for (const Field& f : fields) {
    auto raw = outer(f.name);
    if (!raw) continue;
    auto decoded = percent_decode(*raw);
    if (!decoded)
      return ParseError{"bad_outer_escape", std::string(f.name) + " has a bad %-escape"};
    *f.into = std::move(*decoded);
  }
  if (m.request_id.empty())
    return ParseError{"missing_request_id", std::string(protocol::kRequestId) + " is required"};
  if (auto part = outer(protocol::kRequestPart)) {
    if (m.type != MessageType::request || *part != protocol::kHeadPart)
      return ParseError{"bad_outer_header", std::string(protocol::kRequestPart) +
                                                " must be head, on request messages only"};
    m.head_only = true;
  }
  if (auto cut = outer(protocol::kBodyTruncated)) {
    m.truncated_from = parse_decimal(*cut);
    if (!m.truncated_from)
      return ParseError{"bad_outer_header",
                        std::string(protocol::kBodyTruncated) + " must be a length"};
  }
  if (auto escaped = outer(protocol::kEscaped)) {
    auto n = parse_decimal(*escaped);
    if (!n || *n > UINT32_MAX)
      return ParseError{"bad_outer_header", std::string(protocol::kEscaped) + " must be a count"};
    m.escaped = static_cast<uint32_t>(*n);
  }
  return std::nullopt;
}

}  // namespace node
