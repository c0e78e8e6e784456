#pragma once
// The upstream service of the e2e tests: a plain nginx (Debian's, with
// lua-nginx-module) that echoes each request as JSON and counts the
// requests carrying X-E2E-Tag (tests/e2e/upstream).
#include <cstdint>
#include <string>

#include "process.h"

namespace e2e {

class Upstream {
 public:
  // Starts it in <dir>/upstream and waits until both its ports answer.
  explicit Upstream(const fs::path& dir);
  Upstream(const Upstream&) = delete;
  Upstream& operator=(const Upstream&) = delete;

  uint16_t port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // How many requests with `X-E2E-Tag: tag` reached it; -1 when it does not answer.
  long seen(const std::string& tag);

 private:
  fs::path dir_;
  uint16_t port_ = 0, control_port_ = 0;
  Child child_;
};

}  // namespace e2e
