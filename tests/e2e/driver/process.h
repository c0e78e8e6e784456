#pragma once
// Processes and files of the e2e driver: private temporary directories,
// children started in their own process group and always stopped by that
// group's id (RAII, plus a signal handler that kills every live group), and
// free loopback ports.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "../../wait_limits.h"

namespace e2e {

namespace fs = std::filesystem;

// A directory under $TMPDIR (or /tmp), removed with everything in it on
// destruction unless WALLARM_E2E_KEEP is set (then its path is printed).
class TempDir {
 public:
  explicit TempDir(const std::string& tag);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// A child process, leader of its own process group. Stop() sends SIGTERM to
// the group, waits, then SIGKILLs the group; the destructor calls stop().
// The child also gets SIGKILL if the driver dies (PR_SET_PDEATHSIG).
class Child {
 public:
  Child() = default;
  // argv[0] is the program path. stdout and stderr go to `log` (appended).
  // In a sanitizer build the child gets the sanitizer's options, and its
  // runtime preloaded unless `preload` is false (a child that runs other
  // programs, which load it themselves).
  Child(const std::vector<std::string>& argv, const fs::path& log,
        const std::vector<std::string>& extra_env = {}, bool preload = true);
  ~Child();
  Child(Child&& o) noexcept;
  Child& operator=(Child&& o) noexcept;
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  int pid() const { return pid_; }
  // True while the process has not exited (it is not reaped by this call).
  bool running() const;
  // Stops the whole group; returns the exit status as waitpid gave it, or -1.
  int stop(std::chrono::milliseconds grace = std::chrono::milliseconds(5000));
  // Waits for the process to exit by itself and returns its exit code (0-255),
  // or -1 when it did not exit within `limit` or died of a signal; the group
  // is stopped either way.
  int wait_exit(std::chrono::milliseconds limit);

 private:
  int pid_ = -1;
};

// Installs handlers for SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGABRT, SIGSEGV,
// SIGBUS and SIGFPE that SIGKILL every live child group, then re-raise.
void install_cleanup_handlers();

// Distinct free TCP ports on 127.0.0.1 (bound together, then released).
std::vector<uint16_t> free_ports(size_t n);
uint16_t free_port();
// True if 127.0.0.1:port can be bound now.
bool port_is_free(uint16_t port);

// Waits until 127.0.0.1:port accepts a connection; false on timeout.
bool wait_port(uint16_t port, std::chrono::milliseconds timeout);

// How long a child may take to become ready (a port file, a health answer):
// generous, and twice that under sanitizers (tests/wait_limits.h). Readiness
// is polled, so a fast start costs no more than the start itself.
inline constexpr std::chrono::seconds kStartupLimit = wait_limits::kStartup;

// Polls `ready` every 20 ms until it returns true (then true) or `limit`
// passes (then false).
template <class F>
bool wait_until(std::chrono::milliseconds limit, F ready) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!ready()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

std::string read_file(const fs::path& p);
void write_file(const fs::path& p, const std::string& data);
// The last `max_bytes` of a file (for failure messages).
std::string tail_file(const fs::path& p, size_t max_bytes = 4000);

}  // namespace e2e
