#pragma once
// Writing bytes into a message: plain copies and %XX escaping per field
// class (docs/protocol.md 3.2 and 5). Callers reserve 3 bytes per input byte
// for escaped fields.
#include <array>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "wallarm.h"

namespace wallarm {

// Which bytes are written as %XX, per field.
enum EscapeClass : uint8_t {
  kEscToken = 1,   // method, version, header name: CTL, SP, DEL, ':'
  kEscUri = 2,     // request target: CTL, SP, DEL
  kEscValue = 4,   // header value: CR, LF, NUL
  kEscOuter = 8,   // outer header value: all but visible ASCII, and '%'
  kEscCurlName = 16,  // a name in a curl header line: kEscToken and ';'
};

namespace escape_detail {

constexpr std::array<uint8_t, 256> make_table() {
  std::array<uint8_t, 256> t{};
  for (int b = 0; b < 256; ++b) {
    uint8_t c = 0;
    if (b <= 0x20 || b == 0x7f) c |= kEscToken | kEscUri;
    if (b <= 0x20 || b == 0x7f || b == ':' || b == ';') c |= kEscCurlName;
    if (b == ':') c |= kEscToken;
    if (b == '\r' || b == '\n' || b == 0) c |= kEscValue;
    if (b <= 0x20 || b >= 0x7f || b == '%') c |= kEscOuter;
    t[static_cast<size_t>(b)] = c;
  }
  return t;
}
inline constexpr std::array<uint8_t, 256> kTable = make_table();
inline constexpr char kHex[] = "0123456789ABCDEF";

// Whether an 8-byte word may hold a byte of class Cls (false positives are
// fine: that word is then checked byte by byte). Header bytes almost never
// need escaping, so most words are copied without a per-byte look-up.
template <uint8_t Cls>
bool word_may_escape(uint64_t x) {
  constexpr uint64_t kOnes = 0x0101010101010101ull, kHighs = 0x8080808080808080ull;
  auto any_below = [&](uint64_t n) { return ((x - kOnes * n) & ~x & kHighs) != 0; };
  auto any_equal = [&](uint64_t b) {
    uint64_t y = x ^ (kOnes * b);
    return ((y - kOnes) & ~y & kHighs) != 0;
  };
  if constexpr (Cls == kEscValue) return any_below(0x0e);
  if constexpr (Cls == kEscUri) return any_below(0x21) || any_equal(0x7f);
  if constexpr (Cls == kEscToken) return any_below(0x21) || any_equal(0x7f) || any_equal(':');
  if constexpr (Cls == kEscCurlName)
    return any_below(0x21) || any_equal(0x7f) || any_equal(':') || any_equal(';');
  return any_below(0x21) || (x & kHighs) != 0 || any_equal(0x7f) || any_equal('%');  // kEscOuter
}

}  // namespace escape_detail

inline std::string_view view(const wallarm_str_t& s) {
  return s.len == 0 ? std::string_view() : std::string_view(s.ptr, s.len);
}

inline char* put(char* p, std::string_view s) {
  if (!s.empty()) std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

inline char* put_crlf(char* p) {
  *p++ = '\r';
  *p++ = '\n';
  return p;
}

// Whether s holds a byte of class Cls.
template <uint8_t Cls>
bool needs_escape(std::string_view s) {
  for (unsigned char c : s)
    if (escape_detail::kTable[c] & Cls) return true;
  return false;
}

// Copies s to p, escaping bytes of class Cls; returns the new end and adds
// the number of escaped bytes to *count. The caller reserved 3 * s.size().
template <uint8_t Cls>
char* put_escaped(char* p, std::string_view s, uint32_t* count) {
  using escape_detail::kHex;
  using escape_detail::kTable;
  const auto* in = reinterpret_cast<const unsigned char*>(s.data());
  size_t n = s.size();
  size_t run = 0;  // start of the bytes not yet copied
  size_t i = 0;
  while (i < n) {
    if (n - i >= 8) {
      uint64_t word;
      std::memcpy(&word, in + i, 8);
      if (!escape_detail::word_may_escape<Cls>(word)) {
        i += 8;
        continue;
      }
    }
    size_t end = n - i >= 8 ? i + 8 : n;
    for (; i < end; ++i) {
      if ((kTable[in[i]] & Cls) == 0) continue;
      std::memcpy(p, in + run, i - run);
      p += i - run;
      *p++ = '%';
      *p++ = kHex[in[i] >> 4];
      *p++ = kHex[in[i] & 15];
      ++*count;
      run = i + 1;
    }
  }
  if (n > run) std::memcpy(p, in + run, n - run);  // in may be NULL when n is 0
  return p + (n - run);
}

}  // namespace wallarm
