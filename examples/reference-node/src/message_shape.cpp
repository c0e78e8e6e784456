#include "message_shape.h"

#include <string_view>

#include "media_type.h"
#include "protocol_names.h"

namespace node {

std::optional<std::string> wallarm_boundary(const std::string& content_type,
                                            const std::string& request_id) {
  auto media = parse_media_type(content_type);
  if (!media || media->type != protocol::kMultipartContentType) return std::nullopt;
  const std::string* boundary = media->parameter("boundary");
  if (boundary == nullptr || request_id.empty()) return std::nullopt;
  std::string expected(protocol::kBoundaryPrefix);
  for (char c : request_id)
    if (c != '-') expected.push_back(c);
  if (boundary->compare(0, expected.size(), expected) != 0) return std::nullopt;
  std::string_view suffix = std::string_view(*boundary).substr(expected.size());
  if (suffix.empty()) return *boundary;
  if (suffix.size() < 2 || suffix[0] != '-') return std::nullopt;
  for (char c : suffix.substr(1))
    if (c < '0' || c > '9') return std::nullopt;
  return *boundary;
}

std::optional<Shape> shape_of(const OuterHeaders& outer) {
  auto content_type = outer("Content-Type");
  if (content_type && outer(protocol::kProtocol)) {
    auto media = parse_media_type(*content_type);
    if (media &&
        (media->type == protocol::kContentType || media->type == protocol::kBatchContentType))
      return Shape::v1;
  }
  if (!outer(protocol::kConnectorType)) return std::nullopt;
  auto request_id = outer(protocol::kRequestId);
  if (content_type && request_id && wallarm_boundary(*content_type, *request_id))
    return Shape::multipart;
  return Shape::mirror;
}

const char* shape_name(Shape shape) {
  switch (shape) {
    case Shape::v1:
      return "v1";
    case Shape::mirror:
      return "mirror";
    case Shape::multipart:
      return "multipart";
  }
  return "unknown";
}

}  // namespace node
