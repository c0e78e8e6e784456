#pragma once
// What the node's answers mean: whether each one makes sense for what was
// sent, whether a format works, and which format to recommend.
#include <cstdint>
#include <string>
#include <vector>

#include "probe.h"

namespace node_check {

struct Judgement {
  bool sensible = false;  // an answer the node may give to that message
  bool blocked = false;   // an attack, answered 403
  std::string text;       // "blocked", "passed (node in monitoring mode, ...)"
};

Judgement judge(const Probe& p);

// One format's messages, and what they add up to.
struct FormatResult {
  int32_t format = 0;           // wallarm_node_format_t
  std::vector<Probe> probes;    // empty when the library refused the format
  std::string refused;          // why it did, if it did
  bool works = false;           // every answer to a request or response sensible
  bool healthy = false;         // the health check answered as healthy
  unsigned attacks = 0, blocked = 0;
};

// Fills works, healthy, attacks and blocked from probes. The health check
// does not decide whether a format works: it only decides what to set as
// node_health_path (a node may keep its external health check off).
void tally(FormatResult& r);

// The format to recommend: the first that works, but one in which an
// attack was blocked before one in which none was. -1 when none works.
int choose(const std::vector<FormatResult>& results);

// The node's answer, as printed: "403", "400 ESTATUS", "ECONNREFUSED".
std::string answer_text(const Probe& p);

}  // namespace node_check
