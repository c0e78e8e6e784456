#pragma once
// Processes and files of the e2e driver: private temporary directories,
// children started in their own process group and always stopped by that
// group's id (RAII, plus a signal handler that kills every live group), and
// free loopback ports.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

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
  Child(const std::vector<std::string>& argv, const fs::path& log,
        const std::vector<std::string>& extra_env = {});
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

 private:
  int pid_ = -1;
};

// Installs handlers for SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGABRT, SIGSEGV,
// SIGBUS and SIGFPE that SIGKILL every live child group, then re-raise.
void install_cleanup_handlers();

// Distinct free TCP ports on 127.0.0.1 (bound together, then released).
std::vector<uint16_t> free_ports(size_t n);
uint16_t free_port();

// Waits until 127.0.0.1:port accepts a connection; false on timeout.
bool wait_port(uint16_t port, std::chrono::milliseconds timeout);

std::string read_file(const fs::path& p);
void write_file(const fs::path& p, const std::string& data);
// The last `max_bytes` of a file (for failure messages).
std::string tail_file(const fs::path& p, size_t max_bytes = 4000);

}  // namespace e2e
