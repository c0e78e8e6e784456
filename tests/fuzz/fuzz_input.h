#pragma once
// Shared by the fuzz targets: splitting an input into fields, reading
// numbers from it, and stopping loudly on a broken invariant.
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
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


// The parsers' input: outer header lines "Name: value" separated by LF, a
// blank line, then the outer body.
struct Outer {
  std::vector<std::pair<std::string, std::string>> headers;
  std::string_view body;

  // The first header of that name (case-insensitive), as HTTP servers give it.
  std::optional<std::string> operator()(std::string_view name) const {
    for (const auto& [n, v] : headers)
      if (n.size() == name.size() && strncasecmp(n.data(), name.data(), n.size()) == 0) return v;
    return std::nullopt;
  }
};

inline Outer split_outer(std::string_view in) {
  Outer out;
  size_t blank = in.find("\n\n");
  std::string_view block = in.substr(0, blank);
  if (blank != std::string_view::npos) out.body = in.substr(blank + 2);
  while (!block.empty()) {
    std::string_view line = block.substr(0, block.find('\n'));
    block.remove_prefix(std::min(block.size(), line.size() + 1));
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    out.headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
  }
  return out;
}

}  // namespace fuzz

#define FUZZ_CHECK(cond) ((cond) ? static_cast<void>(0) : ::fuzz::fail(#cond, __FILE__, __LINE__))

namespace fuzz {

// A body file as a gateway hands it over: a regular file, named by a path.
struct BodyFile {
  int fd = -1;
  std::string path;
  explicit BodyFile(std::string_view bytes) {
    fd = memfd_create("fuzz-body", MFD_CLOEXEC);
    FUZZ_CHECK(fd >= 0);
    FUZZ_CHECK(::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
    path = "/proc/self/fd/" + std::to_string(fd);
  }
  ~BodyFile() { ::close(fd); }
  BodyFile(const BodyFile&) = delete;
  BodyFile& operator=(const BodyFile&) = delete;
};

}  // namespace fuzz
