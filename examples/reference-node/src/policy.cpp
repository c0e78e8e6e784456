#include "policy.h"

namespace node {

std::optional<Mode> mode_from(std::string_view name) {
  if (name == "off") return Mode::off;
  if (name == "monitoring") return Mode::monitoring;
  if (name == "safe_blocking") return Mode::safe_blocking;
  if (name == "block") return Mode::block;
  return std::nullopt;
}

const char* mode_name(Mode mode) {
  switch (mode) {
    case Mode::off: return "off";
    case Mode::monitoring: return "monitoring";
    case Mode::safe_blocking: return "safe_blocking";
    case Mode::block: return "block";
  }
  return "off";
}

Decision decide(Mode mode, const Findings& findings, bool denylisted, bool graylisted) {
  if (mode == Mode::off) return {};
  if (denylisted) return {true, "denylist"};
  bool attack_blocked = findings.attack && (mode == Mode::block ||
                                            (mode == Mode::safe_blocking && graylisted));
  return attack_blocked ? Decision{true, "attack"} : Decision{};
}

}  // namespace node
