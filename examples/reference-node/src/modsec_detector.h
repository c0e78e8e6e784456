#pragma once
// The "modsecurity" detector: libmodsecurity 3 with the OWASP CRS (Debian
// packages libmodsecurity3 + modsecurity-crs), configured by
// modsecurity/node.conf. This header does not include ModSecurity's headers.
//
// A request is an attack when the CRS blocking evaluation fires (rule 949110,
// "Inbound Anomaly Score Exceeded", or a 403 intervention); anomaly_score is
// the CRS inbound anomaly score (TX:ANOMALY_SCORE, also when below the
// threshold); attacks lists every rule with an attack-* tag (except
// attack-generic), deduplicated by (type, location), first rule id kept.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "detector.h"

namespace node {

class ModSecurityDetector final : public Detector {
 public:
  // nullptr and *err (if err) set when the configuration does not load
  // (the parser's error) or instances == 0.
  static std::unique_ptr<ModSecurityDetector> create(const std::string& config_path,
                                                     unsigned instances, std::string* err);
  ~ModSecurityDetector() override;

  ModSecurityDetector(const ModSecurityDetector&) = delete;
  ModSecurityDetector& operator=(const ModSecurityDetector&) = delete;

  // Safe from any number of threads: each call borrows one of the instances
  // (waiting while all are busy). Never throws: on an engine error it returns
  // empty Findings and counts the error.
  Findings inspect(const Message& request) override;
  const char* name() const override { return "modsecurity"; }

  // Requests that could not be inspected (engine error or exception).
  uint64_t errors() const { return errors_.load(std::memory_order_relaxed); }
  unsigned instances() const { return static_cast<unsigned>(all_.size()); }

  struct Instance;  // one ModSecurity + RulesSet, used by one thread at a time

 private:
  ModSecurityDetector() = default;
  Instance* acquire();
  void release(Instance* instance);

  std::vector<std::unique_ptr<Instance>> all_;
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<Instance*> free_;
  std::atomic<uint64_t> errors_{0};
};

// Same, as the Detector interface (instances: how many requests can be
// inspected at once; 1 or more).
std::unique_ptr<Detector> make_modsecurity_detector(const std::string& config_path,
                                                    unsigned instances, std::string* err);

}  // namespace node
