#pragma once
// wallarm-node-check's command line: what to check, and how.
#include <cstdint>
#include <string>
#include <vector>

namespace node_check {

struct Options {
  std::string url;                   // the node, http:// or https://
  std::string host = "example.com";  // Host header and message host
  uint32_t timeout_ms = 2000;        // per message
  std::string health_path = "/wallarm-external-health";  // "" = a v1 health message
  std::string ca_file;               // "" = the system CA store
  bool insecure = false;             // TLS without verification
  std::vector<int32_t> formats;      // wallarm_node_format_t, in the order tried
  bool quiet = false;                // the summary only
};

// Fills opts from argv. Returns "" on success, else what is wrong, naming
// the option. *help is set for --help.
std::string parse_options(int argc, char** argv, Options& opts, bool* help);

// "mirror", "multipart", "v1".
const char* format_name(int32_t format);

extern const char* const kUsage;

}  // namespace node_check
