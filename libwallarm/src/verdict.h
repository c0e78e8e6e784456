#pragma once
// Node answer -> wallarm_verdict_t: the HTTP status decides (403 block,
// 2xx pass, anything else is a node error); the optional JSON body adds
// details.
#include <simdjson.h>

#include <cstddef>

#include "wallarm.h"

namespace wallarm {

// Bytes the JSON parser may read past the end of an answer body.
inline constexpr size_t kJsonPadding = simdjson::SIMDJSON_PADDING;

// The node took the message: it answered 2xx (pass) or 403 (block). Any
// other status is a node error.
inline constexpr bool node_took(long http_status) noexcept {
  return http_status == 403 || (http_status >= 200 && http_status <= 299);
}

// Fills out from the node's answer to a request message. body must have
// kJsonPadding readable bytes after body_len (capacity >= body_len + padding).
// Leaves out.latency_us alone.
void decode_verdict(int http_status, const char* body, size_t body_len, size_t capacity,
                    simdjson::ondemand::parser& parser, wallarm_verdict_t& out) noexcept;

// Sets out to "no verdict" with the given code and detail.
void fail_verdict(int32_t code, const char* detail, wallarm_verdict_t& out) noexcept;

}  // namespace wallarm
