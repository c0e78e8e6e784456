#pragma once
// The node's settings: a JSON config file, then command-line options over it.
#include <cstdint>
#include <string>
#include <vector>

#include "ip_list.h"
#include "message.h"
#include "policy.h"

namespace node {

constexpr unsigned shape_bit(Shape s) { return 1u << static_cast<unsigned>(s); }
constexpr unsigned kAllShapes = shape_bit(Shape::v1) | shape_bit(Shape::mirror) |
                                shape_bit(Shape::multipart);

struct Config {
  std::string host = "127.0.0.1";
  uint16_t port = 5000;
  Mode mode = Mode::monitoring;
  std::string engine = "modsecurity";  // or "none": pass everything, detect nothing
  std::string modsecurity_config;      // node.conf (base config + CRS)
  IpList denylist;
  IpList graylist;
  std::string attack_log;              // JSON-lines file; empty = none
  unsigned threads = 128;              // connection threads (one per open connection)
  unsigned detectors = 2;              // ModSecurity instances inspecting in parallel
  unsigned correlation_window_ms = 10000;
  unsigned keep_attacks = 1000;        // attack records served by /attacks
  unsigned delay_ms = 0;               // added before each verdict (slow-node tests)
  unsigned process_time_limit_ms = 500;  // detector time per request; 0 = no limit
  std::string port_file;               // where to write the bound port
  // GET here answers 200 to an external health check (the Native Node's
  // external_health_check.endpoint); empty = none.
  std::string external_health_path = "/wallarm-external-health";
  // Message shapes served, as shape_bit()s; the others are refused (400,
  // reason "shape"). Less than all of them plays a node that accepts one
  // format, against which a connector's format selection can be tested.
  unsigned shapes = kAllShapes;
};

// Fills cfg from argv. Returns "" on success, else an error naming the
// option or config field. *help is set for --help.
std::string configure(int argc, char** argv, Config& cfg, bool* help);

extern const char* const kUsage;

}  // namespace node
