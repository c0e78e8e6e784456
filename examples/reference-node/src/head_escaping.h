#pragma once
// The escapes of docs/protocol.md: the classes of section 5, which keep a
// head's fields free of bytes that would break its framing, and the outer
// escaping of section 3.2, which percent_decode() undoes.
#include <cstddef>
#include <string>
#include <string_view>

namespace node {

enum class EscapeClass {
  token,   // method, version, header name: 0x00-0x20, 0x7F and ':'
  target,  // request-target: 0x00-0x20 and 0x7F
  value,   // header value: NUL, LF and CR
  outer,   // outer header value (3.2): every byte outside 0x21-0x7E, and '%'
};

// Appends s to out with the bytes of that class written as %XX (uppercase
// hex); returns how many bytes were escaped.
size_t append_escaped(std::string& out, std::string_view s, EscapeClass cls);

// s with the bytes of that class escaped; *count, when given, grows by
// their number.
std::string escaped(std::string_view s, EscapeClass cls, size_t* count = nullptr);

}  // namespace node
