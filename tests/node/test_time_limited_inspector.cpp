// The processing time limit: answers at the limit, inspections that overrun
// finish in the background on their worker, never more at once than
// workers, and none left running when the inspector is gone.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "metrics.h"
#include "time_limited_inspector.h"

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

// Finds one sqli, at once or once opened; counts what it was asked to do.
class GateDetector final : public node::Detector {
 public:
  explicit GateDetector(bool open = true) : open_(open) {}

  node::Findings inspect(const node::Message&) override {
    int now = ++running_;
    int seen = max_running_.load();
    while (now > seen && !max_running_.compare_exchange_weak(seen, now)) {
    }
    ++started_;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return open_; });
      caller_ = std::this_thread::get_id();
    }
    --running_;
    ++finished_;
    if (throws_) throw std::runtime_error("engine failure");
    node::Findings f;
    f.attack = true;
    f.attacks = {{"sqli", "query", 942100}};
    return f;
  }
  const char* name() const override { return "gate"; }

  void open() {
    {
      std::lock_guard lock(mu_);
      open_ = true;
    }
    cv_.notify_all();
  }

  std::atomic<int> running_{0}, max_running_{0}, started_{0}, finished_{0};
  std::atomic<bool> throws_{false};
  std::thread::id caller_;  // the last caller; read once the inspector is gone

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_;
};

std::shared_ptr<const node::Message> request() {
  auto m = std::make_shared<node::Message>();
  m->request_id = "r1";
  m->method = "GET";
  m->target = "/?q=1";
  m->version = "1.1";
  return m;
}

bool has(const std::string& text, const std::string& line) {
  return text.find(line + "\n") != std::string::npos;
}

}  // namespace

TEST_CASE("time limit: an inspection within the limit gives the detector's findings") {
  GateDetector d;
  node::Metrics metrics;
  {
    node::TimeLimitedInspector inspector(d, metrics, 5000ms, 2);
    node::Inspection r = inspector.inspect(request(), Clock::now());
    CHECK_FALSE(r.overlimit);
    CHECK(r.findings.attack);
    REQUIRE(r.findings.attacks.size() == 1);
    CHECK(r.findings.attacks[0].type == "sqli");
  }
  CHECK(d.caller_ != std::this_thread::get_id());  // a worker ran it
  CHECK(has(metrics.prometheus(), "wallarm_node_inspection_seconds_count 1"));
}

TEST_CASE("time limit: 0 inspects on the caller's thread, however long it takes") {
  GateDetector d(false);
  node::Metrics metrics;
  node::TimeLimitedInspector inspector(d, metrics, 0ms, 2);
  std::thread opener([&] {
    std::this_thread::sleep_for(50ms);
    d.open();
  });
  node::Inspection r = inspector.inspect(request(), Clock::now() - 1h);
  opener.join();
  CHECK_FALSE(r.overlimit);
  CHECK(r.findings.attack);
  CHECK(d.caller_ == std::this_thread::get_id());
}

TEST_CASE("time limit: past it, overlimit_res at once, the detector goes on in the background") {
  GateDetector d(false);
  node::Metrics metrics;
  {
    // Long enough for the worker to take the request on a loaded machine.
    node::TimeLimitedInspector inspector(d, metrics, 300ms, 1);
    auto start = Clock::now();
    node::Inspection r = inspector.inspect(request(), start);
    auto waited = Clock::now() - start;
    CHECK(r.overlimit);
    CHECK(r.findings.attack);
    REQUIRE(r.findings.attacks.size() == 1);
    CHECK(r.findings.attacks[0] == node::Attack{"overlimit_res", "request", 0});
    CHECK(waited >= 300ms);
    CHECK(d.started_ == 1);
    CHECK(d.finished_ == 0);  // still held at the gate: the answer did not wait for it
    // Its worker is still busy: the next request waits for it, and overruns too.
    CHECK(inspector.inspect(request(), Clock::now()).overlimit);
    CHECK(d.started_ == 1);
    d.open();
  }  // waits for the background inspection
  CHECK(d.finished_ == 1);
  CHECK(d.running_ == 0);
  // Observed when the detector returned, though its result was discarded.
  CHECK(has(metrics.prometheus(), "wallarm_node_inspection_seconds_count 1"));
}

TEST_CASE("time limit: the limit counts from when the message arrived") {
  GateDetector d;  // would answer at once
  node::Metrics metrics;
  node::TimeLimitedInspector inspector(d, metrics, 100ms, 1);
  // Arrived long ago: no time left, even for a detector that answers at once.
  node::Inspection r = inspector.inspect(request(), Clock::now() - 1s);
  CHECK(r.overlimit);
}

TEST_CASE("time limit: never more inspections at once than workers, late ones never start") {
  GateDetector d(false);
  node::Metrics metrics;
  {
    node::TimeLimitedInspector inspector(d, metrics, 200ms, 2);
    std::vector<std::thread> callers;
    std::atomic<int> overlimit{0};
    for (int i = 0; i < 6; ++i)
      callers.emplace_back([&] {
        if (inspector.inspect(request(), Clock::now()).overlimit) ++overlimit;
      });
    for (auto& t : callers) t.join();
    CHECK(overlimit == 6);
    CHECK(d.started_ >= 1);  // normally 2: both workers took one and are held at the gate
    d.open();
  }
  // The ones still waiting at their limit were dropped, not run later.
  CHECK(d.started_ <= 2);
  CHECK(d.max_running_ <= 2);
  CHECK(d.finished_ == d.started_);
  CHECK(has(metrics.prometheus(),
            "wallarm_node_inspection_seconds_count " + std::to_string(d.started_.load())));
}

TEST_CASE("time limit: once the background inspection returns, its worker serves again") {
  GateDetector d(false);
  node::Metrics metrics;
  node::TimeLimitedInspector inspector(d, metrics, 30ms, 1);
  CHECK(inspector.inspect(request(), Clock::now()).overlimit);
  d.open();
  for (auto start = Clock::now(); d.finished_ == 0 && Clock::now() - start < 5s;)
    std::this_thread::sleep_for(1ms);
  REQUIRE(d.finished_ == 1);
  // The worker is free again. Its limit is counted from a time in the
  // future, so that a busy machine cannot make this overrun.
  node::Inspection r = inspector.inspect(request(), Clock::now() + 5s);
  CHECK_FALSE(r.overlimit);
  REQUIRE(r.findings.attacks.size() == 1);
  CHECK(r.findings.attacks[0].type == "sqli");
  CHECK(d.started_ == 2);
}

TEST_CASE("time limit: a detector that throws inspects as clean and is counted") {
  GateDetector d;
  d.throws_ = true;
  node::Metrics metrics;
  node::TimeLimitedInspector inspector(d, metrics, 5000ms, 1);
  node::Inspection r = inspector.inspect(request(), Clock::now());
  CHECK_FALSE(r.overlimit);
  CHECK_FALSE(r.findings.attack);
  CHECK(r.findings.attacks.empty());
  CHECK(has(metrics.prometheus(), "wallarm_node_detector_errors_total 1"));
}
