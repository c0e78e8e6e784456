// wallarm-reference-node: a filtering node for the connector's protocol (v1,
// mirror and multipart), for laptops, CI and tests. See --help and
// examples/reference-node/README.md.
#include <signal.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <memory>
#include <mutex>
#include <thread>

#include "attack_store.h"
#include "config.h"
#include "message_shape.h"
#include "metrics.h"
#include "modsec_detector.h"
#include "server.h"

namespace {

// Finalizes attack records whose response never came, until told to stop.
class Reaper {
 public:
  explicit Reaper(node::AttackStore& store)
      : thread_([this, &store] {
          std::unique_lock<std::mutex> lock(mu_);
          while (!cv_.wait_for(lock, std::chrono::milliseconds(500), [this] { return stop_; }))
            store.expire(std::chrono::steady_clock::now());
        }) {}
  ~Reaper() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace

int main(int argc, char** argv) {
  // Signals are taken by one thread with sigwait, so none interrupts a worker.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  node::Config cfg;
  cfg.modsecurity_config = WALLARM_NODE_MODSECURITY_CONFIG;
  bool help = false;
  std::string err = node::configure(argc, argv, cfg, &help);
  if (help) {
    std::fputs(node::kUsage, stdout);
    return 0;
  }
  if (!err.empty()) {
    std::fprintf(stderr, "wallarm-reference-node: %s\n", err.c_str());
    return 2;
  }

  std::unique_ptr<node::Detector> detector;
  if (cfg.engine == "none") {
    detector = node::make_none_detector();
  } else {
    detector = node::make_modsecurity_detector(cfg.modsecurity_config, cfg.detectors, &err);
    if (!detector) {
      std::fprintf(stderr, "wallarm-reference-node: %s\n", err.c_str());
      return 1;
    }
  }

  std::unique_ptr<node::AttackStore> store;
  try {
    node::StoreOptions options;
    options.log_path = cfg.attack_log;
    options.keep = cfg.keep_attacks;
    options.window = std::chrono::milliseconds(cfg.correlation_window_ms);
    store = std::make_unique<node::AttackStore>(options);
  } catch (const std::exception& ex) {
    std::fprintf(stderr, "wallarm-reference-node: attack log: %s\n", ex.what());
    return 1;
  }
  node::Metrics metrics(node::mode_name(cfg.mode), detector->name());
  node::NodeServer server(cfg, *detector, *store, metrics);
  if (!server.bind(&err)) {
    std::fprintf(stderr, "wallarm-reference-node: %s\n", err.c_str());
    return 1;
  }
  if (!cfg.port_file.empty()) {
    // Written whole, then renamed: whoever waits for the file never reads half of it.
    std::string tmp = cfg.port_file + ".tmp";
    std::ofstream(tmp) << server.port() << "\n";
    std::rename(tmp.c_str(), cfg.port_file.c_str());
  }
  // Only a node restricted by --shapes says which: the line is otherwise as before.
  std::string shapes;
  for (node::Shape s : {node::Shape::v1, node::Shape::mirror, node::Shape::multipart})
    if (cfg.shapes != node::kAllShapes && (cfg.shapes & node::shape_bit(s)) != 0)
      shapes += std::string(shapes.empty() ? ", shapes " : ",") + node::shape_name(s);
  std::fprintf(stderr, "wallarm-reference-node: listening on %s:%d, mode %s, engine %s%s\n",
               cfg.host.c_str(), server.port(), node::mode_name(cfg.mode), detector->name(),
               shapes.c_str());

  std::atomic<bool> served{false};
  std::thread signal_waiter([&] {
    timespec tick{0, 200 * 1000 * 1000};
    while (!served.load()) {
      int sig = sigtimedwait(&signals, nullptr, &tick);
      if (sig <= 0) continue;
      std::fprintf(stderr, "wallarm-reference-node: signal %d, stopping\n", sig);
      server.stop();
      return;
    }
  });
  {
    Reaper reaper(*store);
    server.serve();  // returns on stop(), or on a listener error
  }
  served.store(true);
  signal_waiter.join();
  store->flush_all();
  return 0;
}
