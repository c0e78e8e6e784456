#pragma once
// A mirror message (docs/protocol.md 12.2) -> node::Message: the client's
// request replayed to the node, with the connector's X-Wallarm-* headers
// added.
//
// The request's headers are the outer request's, less X-Wallarm-*: the
// connector passes on none of the client's (12.1), so every such header is
// metadata. The order they come in is the order the server gives them;
// cpp-httplib keeps headers in a case-insensitive multimap, so over the
// wire the received order is lost (duplicates of one name keep theirs).
// There is no response in this shape: a response is always multipart
// (12.4), so X-Wallarm-Response-Status here is refused.
#include <variant>

#include "message.h"
#include "message_parser.h"
#include "outer_request.h"

namespace node {

std::variant<Message, ParseError> parse_mirror(OuterRequest r, const ParseLimits& limits = {});

}  // namespace node
