#pragma once
// The per-message connector headers that every shape carries alike
// (docs/protocol.md 3.1 and 12.1): the request id, the client's address and
// host, the connector's type and version, X-Wallarm-Request-Part,
// X-Wallarm-Body-Truncated and X-Wallarm-Escaped.
#include <optional>

#include "message.h"
#include "message_parser.h"

namespace node {

// Reads them into m, percent-decoding the escaped values (3.2). m.type must
// be set first: only a request message may be a head part. Refusals:
// bad_outer_escape, missing_request_id, bad_outer_header.
std::optional<ParseError> read_connector_fields(const OuterHeaders& outer, Message& m);

}  // namespace node
