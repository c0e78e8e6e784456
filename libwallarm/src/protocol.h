#pragma once
// Protocol names, in one place (docs/protocol.md is their contract).
#include <string_view>

namespace wallarm::protocol {

inline constexpr std::string_view kVersion = "1";
inline constexpr std::string_view kContentType = "message/http";
inline constexpr std::string_view kBatchContentType = "application/x-wallarm-batch";

inline constexpr std::string_view kHeaderProtocol = "X-Wallarm-Protocol";
inline constexpr std::string_view kHeaderConnectorType = "X-Wallarm-Connector-Type";
inline constexpr std::string_view kHeaderConnectorVersion = "X-Wallarm-Connector-Version";
inline constexpr std::string_view kHeaderMessageType = "X-Wallarm-Message-Type";
inline constexpr std::string_view kHeaderRequestId = "X-Wallarm-Request-Id";
inline constexpr std::string_view kHeaderForwardedFor = "X-Wallarm-Forwarded-For";
inline constexpr std::string_view kHeaderForwardedHost = "X-Wallarm-Forwarded-Host";
inline constexpr std::string_view kHeaderOutOfBand = "X-Wallarm-Out-Of-Band";
inline constexpr std::string_view kHeaderBodyTruncated = "X-Wallarm-Body-Truncated";
inline constexpr std::string_view kHeaderEscaped = "X-Wallarm-Escaped";
inline constexpr std::string_view kHeaderBatchCount = "X-Wallarm-Batch-Count";
inline constexpr std::string_view kHeaderRequestPart = "X-Wallarm-Request-Part";

inline constexpr std::string_view kPartHead = "head";

// The mirror and multipart shapes (docs/protocol.md 12).
inline constexpr std::string_view kHeaderPrefix = "X-Wallarm-";
inline constexpr std::string_view kHeaderConnectorMode = "X-Wallarm-Connector-Mode";
inline constexpr std::string_view kHeaderMethod = "X-Wallarm-Method";
inline constexpr std::string_view kHeaderRequestTarget = "X-Wallarm-Request-Target";
// How a response message is told from a request, and what carries its
// status: this project's choice, not published by Wallarm.
inline constexpr std::string_view kHeaderResponseStatus = "X-Wallarm-Response-Status";
inline constexpr std::string_view kModeInline = "inline";
inline constexpr std::string_view kModeOutOfBand = "out-of-band";
inline constexpr std::string_view kBoundaryPrefix = "WallarmBoundary";
inline constexpr std::string_view kMultipartContentType = "multipart/form-data; boundary=";

inline constexpr std::string_view kTypeRequest = "request";
inline constexpr std::string_view kTypeResponse = "response";
inline constexpr std::string_view kTypeHealth = "health";
inline constexpr std::string_view kTypeBatch = "batch";

// Fields of the optional JSON answer body.
inline constexpr std::string_view kJsonVerdict = "verdict";
inline constexpr std::string_view kJsonMode = "mode";
inline constexpr std::string_view kJsonRequestId = "request_id";
inline constexpr std::string_view kJsonAttacks = "attacks";
inline constexpr std::string_view kJsonAttackType = "type";
inline constexpr std::string_view kJsonAttackLocation = "location";

}  // namespace wallarm::protocol
