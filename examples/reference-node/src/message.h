#pragma once
// One message as the node receives it, whatever its shape (docs/protocol.md
// 12.4): the connector's metadata, decoded, and the client's request or the
// upstream's response, split into its fields.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace node {

enum class MessageType { request, response, health };

// How the message travelled: protocol v1 (sections 1 to 11), or one of the
// shapes of Wallarm's own connectors (section 12).
enum class Shape { v1, mirror, multipart };

struct Header {
  std::string name;
  std::string value;
};

struct Message {
  MessageType type = MessageType::request;
  Shape shape = Shape::v1;
  // Outer headers, percent-decoded.
  std::string request_id;
  std::string client_ip;
  std::string host;
  std::string connector_type;
  std::string connector_version;
  bool out_of_band = false;
  // X-Wallarm-Request-Part: head. The request line and headers only; when
  // it passes, the full request follows with the same request id.
  bool head_only = false;
  std::optional<uint64_t> truncated_from;  // original body length when cut
  // Bytes escaped in the head: the connector's count (X-Wallarm-Escaped),
  // plus those the node escaped itself to keep a mirror or multipart
  // message's method, target and headers in the form v1 carries them.
  uint32_t escaped = 0;

  // The client's request or the upstream's response (request or response
  // messages only). method, target and header names never hold a byte that
  // docs/protocol.md section 5 escapes, whatever the shape.
  std::string method;   // request
  std::string target;   // request: request-target as sent (path?query)
  std::string version;  // "1.1"
  int status = 0;       // response
  std::vector<Header> headers;  // in order, as sent (mirror: see mirror_parser.h)
  std::string body;

  // Request-target parts.
  std::string path() const { return target.substr(0, target.find('?')); }
  std::string query() const {
    size_t q = target.find('?');
    return q == std::string::npos ? std::string() : target.substr(q + 1);
  }
  // First header of that name (case-insensitive), or nullptr.
  const std::string* header(const std::string& name) const;
};

}  // namespace node
