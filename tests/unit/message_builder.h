#pragma once
// For the serializer tests: a wallarm_message_t whose strings live as long
// as it does (fields and headers are added as std::strings and viewed), and
// reading back what an Outgoing holds.
#include <curl/curl.h>

#include <string>
#include <vector>

#include "message.h"
#include "wallarm.h"

namespace unit {

struct Msg {
  std::vector<std::string> storage;  // keeps the viewed strings alive
  std::vector<wallarm_header_t> headers;
  wallarm_message_t m{};

  explicit Msg(int32_t type = WALLARM_MSG_REQUEST) {
    storage.reserve(64);  // views into it must not move
    m.type = type;
    m.body_total = -1;
  }
  wallarm_str_t keep(std::string s) {
    storage.push_back(std::move(s));
    return {storage.back().data(), storage.back().size()};
  }
  Msg& header(std::string n, std::string v) {
    headers.push_back({keep(std::move(n)), keep(std::move(v))});
    m.headers = headers.data();
    m.header_count = static_cast<uint32_t>(headers.size());
    return *this;
  }
};

inline std::string body_of(const wallarm::Outgoing& o) {
  return std::string(o.body.data(), o.body.size());
}

// The header lines as curl will send them, the shared tail included.
inline std::vector<std::string> outer_of(const wallarm::Outgoing& o) {
  std::vector<std::string> out;
  for (const curl_slist* n = o.outer; n != nullptr; n = n->next) out.emplace_back(n->data);
  return out;
}

inline bool has(const std::vector<std::string>& v, const std::string& s) {
  for (auto& x : v)
    if (x == s) return true;
  return false;
}

}  // namespace unit
