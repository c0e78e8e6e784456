#pragma once
// Sending the check's messages to the node through libwallarm, one at a
// time and each with its own deadline, and keeping what came back.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "options.h"
#include "wallarm.h"

namespace node_check {

enum class Kind { health, benign, attack, response };

// One message sent, and the node's answer to it.
struct Probe {
  Kind kind = Kind::benign;
  std::string sent;         // what it was, for the reader: "GET /etc/passwd"
  int32_t code = 0;         // WALLARM_OK, or why there is no verdict
  int32_t http_status = 0;  // the node's status; 0 if none
  std::string detail;       // when code is not OK: what went wrong
  uint64_t us = 0;          // from submit to the answer, microseconds
};

// An engine and, for each format, a target at the node.
class Prober {
 public:
  // On failure, *err says why (a bad option the library refused).
  static std::unique_ptr<Prober> create(const Options& opts, std::string* err);
  ~Prober();
  Prober(const Prober&) = delete;
  Prober& operator=(const Prober&) = delete;

  // The health check, a benign request, the attacks and a response
  // message, in that order, in one format. Empty with *err if the library
  // refused the format's settings.
  std::vector<Probe> run(int32_t format, std::string* err);

 private:
  explicit Prober(const Options& opts) : opts_(opts) {}
  Probe send(wallarm_target_t* target, Kind kind, const std::string& sent,
             const wallarm_message_t& m);

  const Options& opts_;
  wallarm_engine_t* engine_ = nullptr;
};

// 32 random hex digits: a fresh request id.
std::string random_request_id();

}  // namespace node_check
