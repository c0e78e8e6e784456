#pragma once
// JSON string output for values taken from requests: any bytes in, a valid
// JSON string (and valid UTF-8) out, so one hostile field cannot break a log
// line or the /attacks answer.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace node {

// Appends `s` as a JSON string literal, quotes included. `"` and `\` are
// escaped, and so are control characters (U+0000-U+001F and U+007F), which
// keeps every record on one line and out of terminal escape sequences. Each
// byte that does not belong to a well-formed UTF-8 sequence becomes \ufffd:
// the output always parses, and the place of a bad byte stays visible.
void json_append_string(std::string& out, std::string_view s);
std::string json_string(std::string_view s);

// Length (1-4) of the well-formed UTF-8 sequence that starts at s[i], or 0
// when none does (a stray continuation byte, an overlong form, a surrogate,
// a value over U+10FFFF, or a sequence cut short). Table 3-7 of the Unicode
// standard.
size_t utf8_sequence_length(std::string_view s, size_t i) noexcept;

// Appends v in decimal.
void append_uint(std::string& out, uint64_t v);

}  // namespace node
