#include "process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace e2e {

namespace {

// Process groups of live children, for the signal handler. 0 = free slot.
std::array<std::atomic<int>, 128> g_groups{};

void register_group(int pid) {
  for (auto& slot : g_groups) {
    int expected = 0;
    if (slot.compare_exchange_strong(expected, pid)) return;
  }
  // No slot: still stopped by RAII, only not by the signal handler.
}

void unregister_group(int pid) {
  for (auto& slot : g_groups) {
    int expected = pid;
    if (slot.compare_exchange_strong(expected, 0)) return;
  }
}

extern "C" void cleanup_signal_handler(int sig) {
  for (auto& slot : g_groups) {
    int pid = slot.load();
    if (pid > 0) ::kill(-pid, SIGKILL);
  }
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

// 127.0.0.1:port as the socket calls take it.
sockaddr_in loopback(uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  return a;
}

std::string errno_text(const char* what) {
  return std::string(what) + ": " + std::strerror(errno);
}

}  // namespace

void install_cleanup_handlers() {
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGABRT, SIGSEGV, SIGBUS, SIGFPE}) {
    struct sigaction sa {};
    sa.sa_handler = cleanup_signal_handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND;
    ::sigaction(sig, &sa, nullptr);
  }
  // A client whose peer closed must not kill the driver.
  ::signal(SIGPIPE, SIG_IGN);
}

TempDir::TempDir(const std::string& tag) {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base && *base ? base : "/tmp") + "/wallarm-e2e-" + tag + "-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (!::mkdtemp(buf.data())) throw std::runtime_error(errno_text("mkdtemp"));
  path_ = buf.data();
  // nginx workers may run as another user when not root: keep it traversable.
  fs::permissions(path_, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                             fs::perms::others_read | fs::perms::others_exec);
}

TempDir::~TempDir() {
  if (std::getenv("WALLARM_E2E_KEEP")) {
    std::fprintf(stderr, "e2e: kept %s\n", path_.c_str());
    return;
  }
  std::error_code ec;
  fs::remove_all(path_, ec);
}

Child::Child(const std::vector<std::string>& argv, const fs::path& log,
             const std::vector<std::string>& extra_env, [[maybe_unused]] bool preload) {
  if (argv.empty()) throw std::invalid_argument("empty argv");
  // Everything the child needs is prepared before fork: the driver has
  // threads, so the child may only make async-signal-safe calls.
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<std::string> env_store = extra_env;
#ifdef E2E_SANITIZER_PRELOAD
  // An ASan build of the library can only be loaded into Debian's nginx with
  // the runtime preloaded. Reports go to files: nginx has no stderr to read.
  if (preload) env_store.push_back("LD_PRELOAD=" E2E_SANITIZER_PRELOAD);
  env_store.push_back("ASAN_OPTIONS=detect_leaks=1:log_path=" E2E_SANITIZER_LOG_DIR "/asan");
  env_store.push_back("LSAN_OPTIONS=suppressions=" E2E_SOURCE_DIR "/lsan.supp");
  env_store.push_back("UBSAN_OPTIONS=print_stacktrace=1:log_path=" E2E_SANITIZER_LOG_DIR "/ubsan");
#endif
  // What the child is given replaces what the driver inherited.
  auto overridden = [&](const char* inherited) {
    for (const auto& e : env_store) {
      size_t eq = e.find('=');
      if (std::strncmp(inherited, e.c_str(), eq + 1) == 0) return true;
    }
    return false;
  };
  std::vector<char*> envp;
  for (char** e = environ; *e; ++e)
    if (!overridden(*e)) envp.push_back(*e);
  for (auto& e : env_store) envp.push_back(e.data());
  envp.push_back(nullptr);

  int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error(errno_text(("open " + log.string()).c_str()));
  const pid_t parent = ::getpid();

  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fd);
    throw std::runtime_error(errno_text("fork"));
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
#ifdef SYS_close_range
    if (::syscall(SYS_close_range, 3U, ~0U, 0U) != 0)
#endif
      for (int i = 3; i < 4096; ++i) ::close(i);
    // Default signal dispositions for the child.
    struct sigaction sa {};
    sa.sa_handler = SIG_DFL;
    sigemptyset(&sa.sa_mask);
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGPIPE})
      ::sigaction(sig, &sa, nullptr);
    ::execve(args[0], args.data(), envp.data());
    ::_exit(127);
  }
  ::close(fd);
  // Also from the parent, so kill(-pid) works even before the child ran.
  ::setpgid(pid, pid);
  pid_ = pid;
  register_group(pid_);
}

Child::~Child() { stop(); }

Child::Child(Child&& o) noexcept : pid_(o.pid_) { o.pid_ = -1; }

Child& Child::operator=(Child&& o) noexcept {
  if (this != &o) {
    stop();
    pid_ = o.pid_;
    o.pid_ = -1;
  }
  return *this;
}

bool Child::running() const {
  if (pid_ <= 0) return false;
  siginfo_t info{};
  if (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) != 0)
    return false;
  return info.si_pid == 0;
}

int Child::stop(std::chrono::milliseconds grace) {
  if (pid_ <= 0) return -1;
  ::kill(-pid_, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + grace;
  while (running() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  // The leader is a zombie or still alive: the group id cannot be reused
  // yet, so this reaches only processes of the group we started.
  ::kill(-pid_, SIGKILL);
  int status = -1;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  unregister_group(pid_);
  pid_ = -1;
  return status;
}

int Child::wait_exit(std::chrono::milliseconds limit) {
  if (pid_ <= 0) return -1;
  wait_until(limit, [&] { return !running(); });
  const int status = stop();
  return status >= 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::vector<uint16_t> free_ports(size_t n) {
  std::vector<int> fds;
  std::vector<uint16_t> ports;
  for (size_t i = 0; i < n; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::runtime_error(errno_text("socket"));
    fds.push_back(fd);
    sockaddr_in a = loopback(0);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
      throw std::runtime_error(errno_text("bind"));
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    ports.push_back(ntohs(a.sin_port));
  }
  for (int fd : fds) ::close(fd);
  return ports;
}

uint16_t free_port() { return free_ports(1).front(); }

bool port_is_free(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a = loopback(port);
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

bool wait_port(uint16_t port, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a = loopback(port);
    bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(fd);
    if (ok) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return {};
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const fs::path& p, const std::string& data) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  if (!out) throw std::runtime_error("cannot write " + p.string());
  out << data;
}

std::string tail_file(const fs::path& p, size_t max_bytes) {
  std::string s = read_file(p);
  if (s.size() > max_bytes) s = "..." + s.substr(s.size() - max_bytes);
  return s;
}

}  // namespace e2e
