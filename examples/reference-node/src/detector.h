#pragma once
// Attack detection: one request in, the attacks found out. Implementations
// must be safe to call from several threads at once.
#include <memory>
#include <string>
#include <vector>

#include "message.h"

namespace node {

struct Attack {
  std::string type;      // "sqli", "xss", "ptrav", "rce", ...
  std::string location;  // "path", "query", "body", "header:user-agent", ...
  int rule_id = 0;       // the rule that found it (0 if none)
  bool operator==(const Attack&) const = default;
};

struct Findings {
  bool attack = false;          // the request is an attack (would be blocked in block mode)
  std::vector<Attack> attacks;  // what was found, deduplicated by (type, location)
  int anomaly_score = 0;        // engine-specific strength; 0 when clean
};

class Detector {
 public:
  virtual ~Detector() = default;
  virtual Findings inspect(const Message& request) = 0;
  virtual const char* name() const = 0;
  // Whether inspect() can take long enough for the node's processing time
  // limit to matter. Those that cannot run on the caller's thread, unlimited.
  virtual bool can_overrun() const { return true; }
};

// "none": finds nothing, for measuring the connector alone.
std::unique_ptr<Detector> make_none_detector();

}  // namespace node
