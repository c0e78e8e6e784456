#pragma once
// Protocol v1: outer request -> node::Message, following docs/protocol.md
// sections 1 to 11 (mirror_parser.h and multipart_parser.h read the shapes
// of section 12). Every refusal carries a short fixed reason (for counters)
// and a sentence (for the 400 answer body).
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "message.h"

namespace node {

struct ParseError {
  std::string reason;  // token: bad_protocol_version, bad_head, ...
  std::string detail;  // one sentence for a human
};

// Looks up an outer header by name (case-insensitive); nullopt if absent.
using OuterHeaders = std::function<std::optional<std::string>(const char* name)>;

struct ParseLimits {
  size_t max_head_bytes = 1 << 20;  // embedded start line + headers
  size_t max_headers = 10000;
};

std::variant<Message, ParseError> parse_message(const OuterHeaders& outer, std::string body,
                                                const ParseLimits& limits = {});

// Percent-decoding of outer values (docs/protocol.md 3.2); nullopt if a '%'
// is not followed by two hex digits.
std::optional<std::string> percent_decode(std::string_view s);

}  // namespace node
