#pragma once
// The records as served at /attacks: JSON for tools, one HTML page for
// people. Every value in a record comes from a client request and is treated
// as hostile.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "attack_store.h"

namespace node {

// A JSON array of the records in the order given (AttackStore::newest gives
// newest first), each element the same object as a log line.
std::string attacks_json(const std::vector<AttackRecord>& records);

// A self-contained page (inline CSS, no scripts, no external resources,
// reloads itself every 5 s) titled "Attacks — Wallarm reference node": one
// table row per record, or a short message when there are none. `mode` is
// the node's current mode, shown above the table.
std::string attacks_html(const std::vector<AttackRecord>& records, const std::string& mode);

// Appends `s` as HTML text, safe both as element content and inside a
// double- or single-quoted attribute value: & < > " ' become references,
// control characters their visible Unicode pictures (U+2400...), bytes that
// are not well-formed UTF-8 U+FFFD. At most `max_chars` characters are
// kept; a longer value ends with "…". Returns true when it was cut.
bool html_append(std::string& out, std::string_view s, size_t max_chars = static_cast<size_t>(-1));

}  // namespace node
