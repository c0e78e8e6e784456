#pragma once
// Which shape a message has, told from its outer head alone
// (docs/protocol.md 12.4), never from a setting, on every path. Which
// shapes the node then serves is a setting (--shapes, server.cpp).
#include <optional>

#include "message.h"
#include "message_parser.h"

namespace node {

// 1. Content-Type message/http or application/x-wallarm-batch, with
//    X-Wallarm-Protocol: v1 (its parser checks the rest).
// 2. Otherwise X-Wallarm-Connector-Type: multipart when the Content-Type is
//    multipart/form-data with the message's own boundary (below), else
//    mirror.
// 3. Otherwise nullopt: not a message (the node refuses it for want of
//    connector information, unless it asks for one of the node's pages).
std::optional<Shape> shape_of(const OuterHeaders& outer);

// The boundary of a Content-Type that makes a message multipart (rule 2), or
// nullopt: WallarmBoundary, the request id without '-', and optionally "-N".
// Tied to the id, which the gateway makes up, so that a client's own form
// replayed by a mirror connector is never taken for a multipart message.
std::optional<std::string> wallarm_boundary(const std::string& content_type,
                                            const std::string& request_id);

const char* shape_name(Shape shape);  // "v1", "mirror", "multipart"

}  // namespace node
