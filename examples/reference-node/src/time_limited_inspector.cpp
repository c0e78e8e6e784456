#include "time_limited_inspector.h"

#include <algorithm>
#include <utility>

#include "attack_types.h"

namespace node {
namespace {

// The answer past the limit: one overlimit_res attack, as Wallarm's node has it.
Inspection overlimit() {
  Inspection r;
  r.overlimit = true;
  r.findings.attack = true;
  r.findings.attacks.push_back({kOverlimitType, kOverlimitLocation, 0});
  return r;
}

}  // namespace

// One request handed to a worker. Guarded by the inspector's mutex, but for
// message, which nobody changes.
struct TimeLimitedInspector::Job {
  std::shared_ptr<const Message> message;
  Clock::time_point submitted;
  enum class State { queued, running, done } state = State::queued;
  bool abandoned = false;  // its caller answered at the limit: nobody reads findings
  Findings findings;
  std::condition_variable finished;
};

TimeLimitedInspector::TimeLimitedInspector(Detector& detector, Metrics& metrics,
                                           std::chrono::milliseconds limit, unsigned workers)
    : detector_(detector), metrics_(metrics), limit_(limit) {
  if (limit_.count() <= 0) return;  // inspect() runs on its caller's thread
  workers = std::max(workers, 1u);
  workers_.reserve(workers);
  for (unsigned i = 0; i < workers; ++i) workers_.emplace_back([this] { work(); });
}

TimeLimitedInspector::~TimeLimitedInspector() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  queued_.notify_all();
  for (std::thread& t : workers_) t.join();
}

Findings TimeLimitedInspector::run(const Message& m, Clock::time_point start) noexcept {
  Findings findings;
  try {
    findings = detector_.inspect(m);
  } catch (...) {
    metrics_.count_detector_error();  // inspected as clean; the answer still goes out
  }
  metrics_.observe_inspection(Clock::now() - start);
  return findings;
}

Inspection TimeLimitedInspector::inspect(std::shared_ptr<const Message> m,
                                         Clock::time_point received) {
  const Clock::time_point start = Clock::now();
  if (workers_.empty()) return {run(*m, start), false};
  const Clock::time_point deadline = received + limit_;
  // No time left: not started at all (a worker could otherwise finish it
  // before this thread looks, and the answer would depend on that race).
  if (start >= deadline) return overlimit();

  auto job = std::make_shared<Job>();
  job->message = std::move(m);
  job->submitted = start;
  std::unique_lock lock(mu_);
  queue_.push_back(job);
  queued_.notify_one();
  if (job->finished.wait_until(lock, deadline,
                               [&] { return job->state == Job::State::done; }))
    return {std::move(job->findings), false};

  if (job->state == Job::State::queued)
    queue_.erase(std::find(queue_.begin(), queue_.end(), job));  // never started: never will
  else
    job->abandoned = true;
  return overlimit();
}

void TimeLimitedInspector::work() {
  std::unique_lock lock(mu_);
  for (;;) {
    queued_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and nobody waits for a verdict
    std::shared_ptr<Job> job = std::move(queue_.front());
    queue_.pop_front();
    job->state = Job::State::running;
    lock.unlock();
    Findings findings = run(*job->message, job->submitted);
    lock.lock();
    job->state = Job::State::done;
    if (!job->abandoned) {
      job->findings = std::move(findings);
      job->finished.notify_one();
    }
    lock.unlock();
    job.reset();  // an abandoned job's message (up to the whole body) is freed unlocked
    lock.lock();
  }
}

}  // namespace node
