#include "ip_list.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace node {

std::optional<std::array<uint8_t, 16>> parse_ip(std::string_view ip) {
  std::string text(ip);
  std::array<uint8_t, 16> out{};
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    out[10] = out[11] = 0xff;  // IPv4-mapped, so one comparison serves both
    std::memcpy(&out[12], &v4, 4);
    return out;
  }
  if (inet_pton(AF_INET6, text.c_str(), out.data()) == 1) return out;
  return std::nullopt;
}

bool IpList::add(std::string_view entry) {
  size_t slash = entry.find('/');
  auto addr = parse_ip(entry.substr(0, slash));
  if (!addr) return false;
  bool v4 = entry.substr(0, slash).find(':') == std::string_view::npos;
  unsigned prefix = v4 ? 32 : 128;
  if (slash != std::string_view::npos) {
    std::string_view bits = entry.substr(slash + 1);
    auto [end, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), prefix);
    if (ec != std::errc() || end != bits.data() + bits.size() || prefix > (v4 ? 32u : 128u))
      return false;
  }
  Range r;
  r.net = *addr;
  r.prefix = v4 ? prefix + 96 : prefix;
  ranges_.push_back(r);
  return true;
}

bool IpList::contains(std::string_view ip) const {
  auto addr = parse_ip(ip);
  if (!addr) return false;
  for (const Range& r : ranges_) {
    unsigned full = r.prefix / 8, rest = r.prefix % 8;
    if (std::memcmp(addr->data(), r.net.data(), full) != 0) continue;
    if (rest != 0) {
      auto mask = static_cast<uint8_t>(0xff << (8 - rest));
      if ((((*addr)[full]) & mask) != (r.net[full] & mask)) continue;
    }
    return true;
  }
  return false;
}

}  // namespace node
