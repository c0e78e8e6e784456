// The "none" detector: finds nothing, so that benchmarks measure the
// connector and the node's plumbing alone.
#include "detector.h"

namespace node {
namespace {

class NoneDetector final : public Detector {
 public:
  Findings inspect(const Message&) override { return {}; }
  const char* name() const override { return "none"; }
  // Nothing to limit: no handoff to a worker thread, so that benchmarks
  // measure the connector and the plumbing only.
  bool can_overrun() const override { return false; }
};

}  // namespace

std::unique_ptr<Detector> make_none_detector() { return std::make_unique<NoneDetector>(); }

}  // namespace node
