#pragma once
// A batch (docs/protocol.md 7.5) -> its messages. Every part is checked
// before any is returned, so a node that refuses a batch has used none of it.
#include <string>
#include <variant>
#include <vector>

#include "message_parser.h"

namespace node {

struct BatchLimits {
  size_t max_parts = 1024;
  size_t max_part_head_bytes = 16 << 10;  // a part's own header lines
  ParseLimits message;                    // each embedded message
};

// outer: the batch's outer headers. Parts take X-Wallarm-Protocol and
// X-Wallarm-Connector-* from them; everything else from their own lines.
std::variant<std::vector<Message>, ParseError> parse_batch(const OuterHeaders& outer,
                                                           const std::string& body,
                                                           const BatchLimits& limits = {});

}  // namespace node
