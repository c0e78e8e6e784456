#include "judge.h"

#include "wallarm.h"

namespace node_check {
namespace {

// An HTTP answer the library read as a verdict (2xx or 403), with that status.
bool answered(const Probe& p, bool (*status_ok)(int)) {
  return p.code == WALLARM_OK && status_ok(p.http_status);
}

bool is_2xx(int status) { return status >= 200 && status < 300; }
bool is_403(int status) { return status == 403; }

}  // namespace

Judgement judge(const Probe& p) {
  Judgement j;
  switch (p.kind) {
    case Kind::health:
      // The library decides: with a health path only 200 is healthy, a v1
      // health message takes 2xx or 403 (docs/protocol.md 7).
      j.sensible = p.code == WALLARM_OK;
      j.text = j.sensible ? "healthy" : "unhealthy";
      break;
    case Kind::benign:
      j.sensible = answered(p, is_2xx);
      j.text = j.sensible                 ? "passed"
               : answered(p, is_403)      ? "BLOCKED, but a benign request must pass"
               : p.http_status != 0       ? "no verdict: a benign request must pass (2xx)"
                                          : "no answer";
      break;
    case Kind::attack:
      j.blocked = answered(p, is_403);
      j.sensible = j.blocked || answered(p, is_2xx);
      j.text = j.blocked    ? "blocked"
               : j.sensible ? "passed (node in monitoring mode, or not detected)"
               : p.http_status != 0 ? "no verdict: expected 403 or 2xx"
                                    : "no answer";
      break;
    case Kind::response:
      j.sensible = answered(p, is_2xx);
      j.text = j.sensible ? "accepted"
               : p.http_status != 0 ? "refused: a response message must get 2xx"
                                    : "no answer";
      break;
  }
  return j;
}

void tally(FormatResult& r) {
  r.works = !r.probes.empty();
  r.healthy = false;
  r.attacks = r.blocked = 0;
  for (const Probe& p : r.probes) {
    const Judgement j = judge(p);
    if (p.kind == Kind::health) {
      r.healthy = j.sensible;
      continue;
    }
    r.works = r.works && j.sensible;
    if (p.kind == Kind::attack) ++r.attacks;
    if (j.blocked) ++r.blocked;
  }
}

int choose(const std::vector<FormatResult>& results) {
  int first = -1;
  for (size_t i = 0; i < results.size(); ++i) {
    if (!results[i].works) continue;
    if (results[i].blocked > 0) return static_cast<int>(i);
    if (first < 0) first = static_cast<int>(i);
  }
  return first;
}

std::string answer_text(const Probe& p) {
  std::string out;
  if (p.http_status != 0) out = std::to_string(p.http_status);
  if (p.code != WALLARM_OK) {
    if (!out.empty()) out += ' ';
    out += wallarm_code_name(p.code);
  }
  return out;
}

}  // namespace node_check
