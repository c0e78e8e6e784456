#pragma once
// What mirror and multipart messages share (docs/protocol.md 12.1, 12.2):
// the message type (X-Wallarm-Response-Status makes a response), the
// connector headers, the connector mode, and a request's method and
// request-target.
#include <optional>

#include "message.h"
#include "message_parser.h"
#include "outer_request.h"

namespace node {

// Fills m's type, status, connector fields, out_of_band and version, and for
// a request its method and target. A request's method is X-Wallarm-Method
// when present, else the outer request's own, which a multipart message
// does not have (method_required). Its target is X-Wallarm-Request-Target
// when present, else the outer request's. Both are percent-decoded (3.2)
// when they come from a header, then escaped as section 5 escapes them in
// v1, and what the node escapes is added to m.escaped: the message reaches
// the detector in v1's form, and a NUL cannot cut a target short.
std::optional<ParseError> read_shape_fields(const OuterRequest& r, Message& m,
                                            bool method_required);

}  // namespace node
