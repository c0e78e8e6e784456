#pragma once
// The e2e tests' HTTP client (libcurl). Request headers go out exactly as
// given, in order, duplicates kept; curl adds only what a request needs
// (Host unless given, Content-Length or Transfer-Encoding); its default
// Accept and Expect headers are suppressed.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace e2e {

struct HttpResponse {
  long status = 0;           // 0 when the transfer failed
  std::string error;         // curl's message when it failed
  std::vector<std::pair<std::string, std::string>> headers;  // final response, in order
                                                             // (trailers after the headers)
  std::string body;
  double total_ms = 0;

  // First header of that name (case-insensitive), or "".
  std::string header(const std::string& name) const;
};

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::string> headers;          // "Name: value" lines, in order
  std::optional<std::string> body;
  bool chunked = false;                      // send the body with Transfer-Encoding: chunked
  size_t chunk_size = 16384;                 // read callback piece size when chunked
  bool http2 = false;                        // HTTP/2 without TLS, by prior knowledge (h2c)
  long timeout_ms = 10000;
};

HttpResponse http(const HttpRequest& req);
HttpResponse http_get(const std::string& url, const std::vector<std::string>& headers = {},
                      long timeout_ms = 10000);

}  // namespace e2e
