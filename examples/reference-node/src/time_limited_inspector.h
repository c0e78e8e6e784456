#pragma once
// The detector's work on one request under the node's processing time
// limit, as Wallarm's node has it (wallarm_process_time_limit): past the
// limit, the request is answered as an overlimit_res attack.
//
// ModSecurity cannot be interrupted. So with a limit, inspections run on
// worker threads, one per detector instance, and the caller waits at most
// until the limit. An inspection that overruns goes on in the background
// until the detector returns; its result is discarded, and its worker (so
// its detector instance) takes the next request only then. There are never
// more inspections at once, foreground and background, than workers. One
// still waiting for a worker when the limit passes is dropped unstarted.
//
// Without a limit, inspections run on the caller's thread.
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "detector.h"
#include "message.h"
#include "metrics.h"

namespace node {

struct Inspection {
  Findings findings;
  bool overlimit = false;  // the limit passed first; findings hold the overlimit_res attack
};

class TimeLimitedInspector {
 public:
  using Clock = std::chrono::steady_clock;

  // limit 0: none. workers: inspections at once, the detector's instances.
  // detector and metrics must outlive this object.
  TimeLimitedInspector(Detector& detector, Metrics& metrics, std::chrono::milliseconds limit,
                       unsigned workers);
  // Waits for the inspections still running: each ends when its detector
  // returns. Call it once no caller is left in inspect().
  ~TimeLimitedInspector();
  TimeLimitedInspector(const TimeLimitedInspector&) = delete;
  TimeLimitedInspector& operator=(const TimeLimitedInspector&) = delete;

  // Inspects m, within the limit counted from `received` (when its message
  // arrived), so time spent waiting for a worker counts. Safe from any
  // number of threads. Feeds wallarm_node_inspection_seconds (time from
  // this call until the detector returned, overruns included) and
  // wallarm_node_detector_errors_total; a detector error inspects as clean.
  Inspection inspect(std::shared_ptr<const Message> m, Clock::time_point received);

 private:
  struct Job;

  Findings run(const Message& m, Clock::time_point start) noexcept;
  void work();

  Detector& detector_;
  Metrics& metrics_;
  const std::chrono::milliseconds limit_;

  std::mutex mu_;
  std::condition_variable queued_;
  std::deque<std::shared_ptr<Job>> queue_;  // waiting for a worker
  bool stopping_ = false;
  std::vector<std::thread> workers_;  // started last: they use all of the above
};

}  // namespace node
