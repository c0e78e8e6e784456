#pragma once
// One protocol v1 message as the node receives it (docs/protocol.md):
// the outer metadata, decoded, and the embedded HTTP message, split.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace node {

enum class MessageType { request, response, health };

struct Header {
  std::string name;
  std::string value;
};

struct Message {
  MessageType type = MessageType::request;
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
  uint32_t escaped = 0;                    // bytes escaped in the embedded head

  // The embedded message (request or response messages only).
  std::string method;   // request
  std::string target;   // request: request-target as sent (path?query)
  std::string version;  // "1.1"
  int status = 0;       // response
  std::vector<Header> headers;  // in order, as sent
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
