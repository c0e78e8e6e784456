#pragma once
// The request both benchmarks send: a JSON API call with 12 headers and a
// body of the given size, as a wallarm_message_t whose strings it owns.
#include <string>
#include <utility>
#include <vector>

#include "wallarm.h"

struct TypicalRequest {
  std::vector<std::pair<std::string, std::string>> fields{
      {"Host", "api.example.com"},
      {"User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"},
      {"Accept", "application/json, text/plain, */*"},
      {"Accept-Language", "en-US,en;q=0.9"},
      {"Accept-Encoding", "gzip, deflate, br"},
      {"Content-Type", "application/json"},
      {"Content-Length", "1024"},
      {"Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3"},
      {"Cookie", "session=5f2b1c9e8d7a6b5c4d3e2f1a; theme=dark"},
      {"X-Request-Id", "8d3a1f0e-7c2b-4a9d-b6e5-1f0e9d8c7b6a"},
      {"X-Forwarded-For", "203.0.113.7"},
      {"Connection", "keep-alive"}};
  std::vector<wallarm_header_t> headers;
  std::string method = "POST", uri = "/api/v1/orders/12345/items?expand=product&limit=50";
  std::string id = "8d3a1f0e-7c2b-4a9d-b6e5-1f0e9d8c7b6a", ip = "203.0.113.7",
              host = "api.example.com";
  std::string body;
  wallarm_message_t m{};

  // The body is valid JSON of exactly body_size bytes (at least 11), so a
  // node that parses bodies sees an ordinary API call.
  explicit TypicalRequest(size_t body_size = 1024)
      : body("{\"data\":\"" + std::string(body_size - 11, 'j') + "\"}") {
    for (auto& [n, v] : fields) headers.push_back({{n.data(), n.size()}, {v.data(), v.size()}});
    m.type = WALLARM_MSG_REQUEST;
    m.method = {method.data(), method.size()};
    m.uri = {uri.data(), uri.size()};
    m.version = {"1.1", 3};
    m.headers = headers.data();
    m.header_count = static_cast<uint32_t>(headers.size());
    m.body = {body.data(), body.size()};
    m.body_total = -1;
    m.request_id = {id.data(), id.size()};
    m.client_ip = {ip.data(), ip.size()};
    m.host = {host.data(), host.size()};
  }
  TypicalRequest(const TypicalRequest&) = delete;
  TypicalRequest& operator=(const TypicalRequest&) = delete;
};
