#pragma once
// A multipart message (docs/protocol.md 12.3, 12.4) -> node::Message: a
// POST of multipart/form-data with a WallarmBoundary boundary whose part
// "headers" holds the header lines, "Name: value" CRLF each, in order,
// duplicates kept, and whose part "body" holds the body. Both parts are
// required; other parts are ignored, like unknown headers. With
// X-Wallarm-Response-Status it is a response message, else a request whose
// method is X-Wallarm-Method (required) and whose target is
// X-Wallarm-Request-Target, else the outer request's target.
//
// The header lines are read as v1 reads its embedded head (section 4): the
// name is everything before the first ':', the value everything after it
// and one SP. Empty lines are skipped; a bare LF is refused, as in v1.
#include <variant>

#include "message.h"
#include "message_parser.h"
#include "outer_request.h"

namespace node {

std::variant<Message, ParseError> parse_multipart(OuterRequest r, const ParseLimits& limits = {});

}  // namespace node
