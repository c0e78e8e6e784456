#pragma once
// What the mirror and multipart formats share (docs/protocol.md 12.1):
// the request-target of the message, the client's header lines as each
// format passes them on, and the connector headers.
#include <string_view>

#include "message.h"
#include "wallarm.h"

namespace wallarm {

// Sets out.target to the node URL's path prefix followed by the path and
// query of the client's request-target (escaped as in section 5). False when
// the client's target was not origin-form and was reduced.
bool set_node_target(Outgoing& out, std::string_view prefix, std::string_view client_target);

// ASCII case-insensitive equality (only letters fold).
inline bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// A header the mirror format never replays: framing and hop-by-hop ones.
bool is_framing_header(std::string_view name) noexcept;
// X-Wallarm-*: never passed on in either shape, it would read as ours.
bool is_connector_header(std::string_view name) noexcept;

// Room a header line "Name: value" may take once escaped.
inline size_t header_line_bound(const wallarm_header_t& h) {
  return (h.name.len + h.value.len) * 3 + 4;
}
// Writes "Name: value" (no line end) with the name escaped as a token and
// the value as a header value. for_curl: also escapes ';' in the name, which
// curl would take for the end of an empty header's name.
char* put_header_line(char* p, const wallarm_header_t& h, uint32_t* escaped,
                      bool for_curl = false);

// The connector headers of 12.1 that vary per message. target_reduced: the
// client's request-target travels in X-Wallarm-Request-Target. truncated_total
// is written when the body was cut.
void add_connector_lines(Outgoing& out, const wallarm_message_t& m, uint32_t flags,
                         bool target_reduced, uint64_t truncated_total);

}  // namespace wallarm
