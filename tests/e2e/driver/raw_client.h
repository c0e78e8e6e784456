#pragma once
// A raw HTTP/1.x client for the hostile-input tests: it writes exactly the
// bytes it is given on one loopback connection (no normalisation, pipelining
// allowed) and splits what comes back into responses.
#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace e2e {

struct RawResponse {
  int status = 0;
  std::string status_line;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // de-chunked

  std::string header(const std::string& name) const;  // first of that name, or ""
};

struct RawExchange {
  std::vector<RawResponse> responses;  // complete responses, in order
  bool closed = false;                 // the server closed the connection
  bool timed_out = false;              // `expect` responses did not come in time
  std::string error;                   // connect or send failure
  std::string leftover;                // bytes after the last complete response
};

// Connects to 127.0.0.1:port, writes `data` (in one write as far as the
// kernel takes it), then reads until `expect` responses arrived, the server
// closed, or `timeout` passed. Reading goes on while writing, so a server
// that answers early (an error before the body) is seen.
RawExchange raw_exchange(uint16_t port, const std::string& data, size_t expect = 1,
                         std::chrono::milliseconds timeout = std::chrono::milliseconds(10000));

}  // namespace e2e
