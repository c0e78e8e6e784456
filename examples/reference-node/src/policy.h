#pragma once
// The node's filtration modes, as the Wallarm node has them, and the
// decision they make from what the detector found and who the client is.
#include <optional>
#include <string>
#include <string_view>

#include "detector.h"

namespace node {

enum class Mode { off, monitoring, safe_blocking, block };

std::optional<Mode> mode_from(std::string_view name);
const char* mode_name(Mode mode);

struct Decision {
  bool block = false;
  const char* reason = "";  // "attack", "denylist", or "" when passed
};

// off: nothing is inspected or blocked. Every other mode blocks denylisted
// clients; monitoring blocks nothing else; safe_blocking blocks attacks from
// graylisted clients; block blocks every attack.
Decision decide(Mode mode, const Findings& findings, bool denylisted, bool graylisted);

// Whether the request is inspected at all in this mode.
inline bool inspects(Mode mode) { return mode != Mode::off; }

}  // namespace node
