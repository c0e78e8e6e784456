#pragma once
// The request head of a message to the node, written as libcurl 7.88 wrote
// it for the same header list, so that a node sees the same bytes it saw
// before the engine framed HTTP/1.1 itself: request line, Host, the URL's
// credentials, Accept, the message's lines in order (an empty "Name:"
// removes a line, "Name;" sends it empty), then Content-Length.
#include <curl/curl.h>

#include <string>

#include "buffer.h"
#include "message.h"

namespace wallarm {

// What the head takes from the node URL.
struct NodeAddress {
  std::string host_line;  // "Host: host[:port]", the port when not the scheme's
  std::string auth_line;  // "Authorization: Basic ..." from user:password@, or ""
  std::string target;     // the URL's path and query, "/" at least
};

// Reads the parts of a URL that curl_url() accepted. False on memory.
bool node_address_of(CURLU* url, NodeAddress* out);

// Appends the head of out (up to and with the empty line) to head.
void frame_head(const Outgoing& out, const NodeAddress& node, Buffer& head);

}  // namespace wallarm
