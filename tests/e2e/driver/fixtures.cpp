#include "fixtures.h"

#include <openssl/evp.h>
#include <unistd.h>

#include <atomic>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "http.h"

#ifndef E2E_NODE_BINARY
#error "E2E_NODE_BINARY must be defined by the build"
#endif

namespace e2e {

// ---------------------------------------------------------------------------
// RefNode

RefNode::RefNode(const fs::path& dir, const NodeOptions& opts) {
  static std::atomic<int> seq{0};
  std::string id = std::to_string(seq.fetch_add(1));
  fs::path port_file = dir / ("node" + id + ".port");
  log_ = dir / ("node" + id + ".log");
  std::vector<std::string> argv = {E2E_NODE_BINARY, "--listen", "127.0.0.1:0", "--port-file",
                                   port_file.string(), "--mode", opts.mode};
  if (!opts.engine.empty()) {
    argv.push_back("--engine");
    argv.push_back(opts.engine);
  }
  if (opts.delay_ms > 0) {
    argv.push_back("--delay-ms");
    argv.push_back(std::to_string(opts.delay_ms));
  }
  for (const auto& e : opts.extra) argv.push_back(e);
  child_ = Child(argv, log_);

  // Ready when it wrote its port file and answers its health check.
  const bool up = wait_until(kStartupLimit, [&] {
    if (!child_.running()) return true;
    if (port_ == 0) {
      std::string p = read_file(port_file);
      if (p.empty() || p.back() != '\n') return false;
      port_ = static_cast<uint16_t>(std::stoul(p));
    }
    return http_get(url() + "healthz", {}, 2000).status == 200;
  });
  if (!up || !child_.running())
    throw std::runtime_error(std::string("reference node did not come up (") +
                             (child_.running() ? "no health answer within " +
                                                     std::to_string(kStartupLimit.count()) + " s"
                                               : "it exited") +
                             "):\n" + tail_file(log_));
}

json RefNode::attacks() {
  auto r = http_get(url() + "attacks.json");
  if (r.status != 200) return json::array();
  return json::parse(r.body, nullptr, false);
}

std::string RefNode::metrics() { return http_get(url() + "metrics").body; }

double RefNode::metric(const std::string& series) { return prometheus_value(metrics(), series); }

json RefNode::wait_attack(const std::function<bool(const json&)>& pred,
                          std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  do {
    json records = attacks();
    if (records.is_array())
      for (const auto& r : records)
        if (pred(r)) return r;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  } while (std::chrono::steady_clock::now() < deadline);
  return nullptr;
}

// ---------------------------------------------------------------------------

std::string random_bytes(size_t n, uint32_t seed) {
  std::mt19937 gen(seed);
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>(gen() & 0xff);
  return s;
}

std::string md5_hex(const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_md5(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += hex[md[i] >> 4];
    out += hex[md[i] & 0xf];
  }
  return out;
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size()))
    s.replace(p, from.size(), to);
  return s;
}

double prometheus_value(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 &&
        line[series.size()] == ' ')
      return std::stod(line.substr(series.size() + 1));
  }
  return -1;
}

std::string unique_tag(const std::string& prefix) {
  static std::atomic<int> seq{0};
  return prefix + "-" + std::to_string(::getpid()) + "-" + std::to_string(seq.fetch_add(1));
}

}  // namespace e2e
