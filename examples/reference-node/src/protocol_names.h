#pragma once
// Protocol names as the node reads them (docs/protocol.md). The v1
// conformance tests parse messages made by libwallarm's serializer, which
// keeps the v1 part of this table and the connector's in agreement; the
// section 12 names have no serializer yet.
#include <string_view>

namespace node::protocol {

inline constexpr std::string_view kVersion = "1";
inline constexpr std::string_view kContentType = "message/http";
inline constexpr const char* kBatchContentType = "application/x-wallarm-batch";

inline constexpr const char* kProtocol = "X-Wallarm-Protocol";
inline constexpr const char* kConnectorType = "X-Wallarm-Connector-Type";
inline constexpr const char* kConnectorVersion = "X-Wallarm-Connector-Version";
inline constexpr const char* kMessageType = "X-Wallarm-Message-Type";
inline constexpr const char* kRequestId = "X-Wallarm-Request-Id";
inline constexpr const char* kForwardedFor = "X-Wallarm-Forwarded-For";
inline constexpr const char* kForwardedHost = "X-Wallarm-Forwarded-Host";
inline constexpr const char* kOutOfBand = "X-Wallarm-Out-Of-Band";
inline constexpr const char* kBodyTruncated = "X-Wallarm-Body-Truncated";
inline constexpr const char* kEscaped = "X-Wallarm-Escaped";
inline constexpr const char* kRequestPart = "X-Wallarm-Request-Part";
inline constexpr const char* kBatchCount = "X-Wallarm-Batch-Count";

// Section 12: the mirror and multipart shapes.
inline constexpr std::string_view kConnectorHeaderPrefix = "X-Wallarm-";
inline constexpr const char* kConnectorMode = "X-Wallarm-Connector-Mode";
inline constexpr const char* kMethod = "X-Wallarm-Method";
inline constexpr const char* kRequestTarget = "X-Wallarm-Request-Target";
inline constexpr const char* kResponseStatus = "X-Wallarm-Response-Status";
inline constexpr std::string_view kOutOfBandMode = "out-of-band";  // X-Wallarm-Connector-Mode
inline constexpr std::string_view kMultipartContentType = "multipart/form-data";
inline constexpr std::string_view kBoundaryPrefix = "WallarmBoundary";
inline constexpr std::string_view kHeadersPart = "headers";  // form-data part names
inline constexpr std::string_view kBodyPart = "body";

inline constexpr std::string_view kRequest = "request";
inline constexpr std::string_view kResponse = "response";
inline constexpr std::string_view kHealth = "health";
inline constexpr std::string_view kBatch = "batch";
inline constexpr std::string_view kHeadPart = "head";  // X-Wallarm-Request-Part

}  // namespace node::protocol
