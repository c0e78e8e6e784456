#pragma once
// A list of IP addresses and CIDR ranges (IPv4 and IPv6), for the node's
// denylist and graylist.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace node {

class IpList {
 public:
  // Adds "203.0.113.7", "10.0.0.0/8", "2001:db8::/32"; false if not one.
  bool add(std::string_view entry);
  bool contains(std::string_view ip) const;
  bool empty() const { return ranges_.empty(); }
  size_t size() const { return ranges_.size(); }

 private:
  struct Range {
    std::array<uint8_t, 16> net{};  // IPv4 as ::ffff:a.b.c.d
    unsigned prefix = 128;
  };
  std::vector<Range> ranges_;
};

// An address in the 16-byte form IpList uses, or nullopt.
std::optional<std::array<uint8_t, 16>> parse_ip(std::string_view ip);

}  // namespace node
