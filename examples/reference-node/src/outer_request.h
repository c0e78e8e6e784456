#pragma once
// The outer request of a mirror or multipart message (docs/protocol.md
// 12.2, 12.3) as the node received it. The parsers read it; the server
// fills it from cpp-httplib (httplib_message.h says how close to the wire
// that gets).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "message.h"
#include "message_parser.h"

namespace node {

struct OuterRequest {
  std::string method;           // from the request line
  std::string target;           // the request line's target: path and query
  std::vector<Header> headers;  // names and values as received
  std::string body;

  // The first header of that name (case-insensitive), or nullopt.
  std::optional<std::string> header(std::string_view name) const;
  // The same lookup for the code shared with v1. It refers to *this.
  OuterHeaders lookup() const;
};

// X-Wallarm-*: set by the connector, never the client's (12.1).
bool is_connector_header(std::string_view name);

}  // namespace node
