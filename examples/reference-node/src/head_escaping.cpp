#include "head_escaping.h"

namespace node {
namespace {

bool must_escape(unsigned char b, EscapeClass cls) {
  switch (cls) {
    case EscapeClass::token:
      return b <= 0x20 || b == 0x7f || b == ':';
    case EscapeClass::target:
      return b <= 0x20 || b == 0x7f;
    case EscapeClass::value:
      return b == 0 || b == '\n' || b == '\r';
    case EscapeClass::outer:
      return b <= 0x20 || b >= 0x7f || b == '%';
  }
  return true;
}

}  // namespace

size_t append_escaped(std::string& out, std::string_view s, EscapeClass cls) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  size_t count = 0;
  for (char c : s) {
    auto b = static_cast<unsigned char>(c);
    if (!must_escape(b, cls)) {
      out += c;
      continue;
    }
    out += '%';
    out += kHex[b >> 4];
    out += kHex[b & 15];
    ++count;
  }
  return count;
}

std::string escaped(std::string_view s, EscapeClass cls, size_t* count) {
  std::string out;
  out.reserve(s.size());
  size_t n = append_escaped(out, s, cls);
  if (count != nullptr) *count += n;
  return out;
}

}  // namespace node
