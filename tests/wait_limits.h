#pragma once
// How long a test waits for a process it started to be ready (a port file, a
// health answer) or to exit. Each wait polls for that event and ends with
// it, so the limit only bounds a failure: generous, and longer under
// sanitizers (WALLARM_SANITIZED, set by the top-level CMakeLists.txt), where
// a loaded machine has taken over 15 s to start the reference node.
#include <chrono>

namespace wait_limits {

#ifdef WALLARM_SANITIZED
inline constexpr int kSlowdown = 2;
#else
inline constexpr int kSlowdown = 1;
#endif

inline constexpr std::chrono::seconds kStartup{90 * kSlowdown};

}  // namespace wait_limits
