#pragma once
// Shared by the fuzz targets: splitting an input into fields, reading
// numbers from it, and stopping loudly on a broken invariant.
#include <cstdint>
#include <cstdio>
#include <string_view>
#include <vector>

namespace fuzz {

// Fields are separated by the line "--" ("\n--\n"): seeds stay readable
// text, and a field may still hold any byte, NUL, CR and LF included.
inline constexpr std::string_view kSeparator = "\n--\n";

inline std::vector<std::string_view> split(std::string_view in) {
  std::vector<std::string_view> out;
  for (;;) {
    size_t at = in.find(kSeparator);
    if (at == std::string_view::npos) {
      out.push_back(in);
      return out;
    }
    out.push_back(in.substr(0, at));
    in.remove_prefix(at + kSeparator.size());
  }
}

// Field i, or "" past the end.
inline std::string_view field(const std::vector<std::string_view>& f, size_t i) {
  return i < f.size() ? f[i] : std::string_view();
}

// Reads the next decimal number in s (a '-' just before it makes it
// negative), skipping whatever precedes it, saturating at the int64 range;
// fallback when s holds no more digits.
inline int64_t next_number(std::string_view& s, int64_t fallback) {
  size_t i = 0;
  while (i < s.size() && (s[i] < '0' || s[i] > '9')) ++i;
  if (i == s.size()) {
    s = {};
    return fallback;
  }
  bool negative = i > 0 && s[i - 1] == '-';
  constexpr int64_t kMax = INT64_MAX;
  int64_t v = 0;
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
    int64_t d = s[i] - '0';
    v = v > (kMax - d) / 10 ? kMax : v * 10 + d;
  }
  s.remove_prefix(i);
  return negative ? -v : v;
}

inline int64_t clamp(int64_t v, int64_t lo, int64_t hi) { return v < lo ? lo : v > hi ? hi : v; }

[[noreturn]] inline void fail(const char* what, const char* file, int line) {
  std::fprintf(stderr, "%s:%d: invariant broken: %s\n", file, line, what);
  std::fflush(stderr);
  __builtin_trap();
}

}  // namespace fuzz

#define FUZZ_CHECK(cond) ((cond) ? static_cast<void>(0) : ::fuzz::fail(#cond, __FILE__, __LINE__))
