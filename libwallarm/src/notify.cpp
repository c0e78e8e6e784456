#include "notify.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "wallarm.h"

namespace wallarm {
namespace {

// Records kept while no reader drains them (1 MiB); past that, waiters fall
// back to polling wallarm_ticket_result() when their wait times out.
constexpr size_t kMaxPendingBytes = 65536 * sizeof(wallarm_notify_record_t);
constexpr int kSendBuffer = 1 << 20;
constexpr const char* kPrefix = "wallarm-";
constexpr const char* kSuffix = ".sock";

// Socket files of processes that are gone (an nginx reload leaves them).
void remove_stale(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return;
  size_t prefix = std::strlen(kPrefix), suffix = std::strlen(kSuffix);
  while (dirent* e = ::readdir(d)) {
    size_t n = std::strlen(e->d_name);
    if (n <= prefix + suffix || std::strncmp(e->d_name, kPrefix, prefix) != 0 ||
        std::strcmp(e->d_name + n - suffix, kSuffix) != 0)
      continue;
    char* end = nullptr;
    long pid = std::strtol(e->d_name + prefix, &end, 10);
    if (pid <= 0 || end != e->d_name + n - suffix) continue;
    if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;
    ::unlink((dir + "/" + e->d_name).c_str());
  }
  ::closedir(d);
}

}  // namespace

Notifier::~Notifier() {
  drop_reader();
  if (listen_fd_ >= 0) {
    ::close(listen_fd_);
    ::unlink(path_.c_str());
  }
}

bool Notifier::open(const char* dir, std::string* err) {
  std::string d(dir);
  while (d.size() > 1 && d.back() == '/') d.pop_back();
  if (::mkdir(d.c_str(), 0700) != 0 && errno != EEXIST) {
    *err = "socket_dir: cannot create " + d + ": " + std::strerror(errno);
    return false;
  }
  // The directory keeps others away from the socket: it must be ours alone.
  struct stat st {};
  if (::lstat(d.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    *err = "socket_dir: " + d + " is not a directory";
    return false;
  }
  if (st.st_uid != ::geteuid()) {
    *err = "socket_dir: " + d + " belongs to another user";
    return false;
  }
  if ((st.st_mode & 077) != 0 && ::chmod(d.c_str(), 0700) != 0) {
    *err = "socket_dir: cannot make " + d + " private: " + std::strerror(errno);
    return false;
  }
  remove_stale(d);
  path_ = d + "/" + kPrefix + std::to_string(::getpid()) + kSuffix;
  sockaddr_un addr{};
  if (path_.size() >= sizeof addr.sun_path) {
    *err = "socket_dir: path too long for a Unix socket (" + std::to_string(path_.size()) +
           " bytes, at most " + std::to_string(sizeof addr.sun_path - 1) + ")";
    return false;
  }
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path_.c_str(), path_.size() + 1);
  ::unlink(path_.c_str());
  listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  bool bound = listen_fd_ >= 0 &&
               ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  if (!bound || ::listen(listen_fd_, 8) != 0) {
    *err = "socket_dir: cannot listen on " + path_ + ": " + std::strerror(errno);
    if (listen_fd_ >= 0) ::close(listen_fd_);
    listen_fd_ = -1;
    return false;
  }
  ::chmod(path_.c_str(), 0600);
  return true;
}

int Notifier::accept_reader() noexcept {
  int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0) return -1;
  drop_reader();
  reader_fd_ = fd;
  int size = kSendBuffer;
  ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  return fd;
}

bool Notifier::drain_reader() noexcept {
  char sink[256];
  for (;;) {
    ssize_t n = ::recv(reader_fd_, sink, sizeof sink, 0);
    if (n > 0) continue;  // readers have nothing to say; ignore it
    return n < 0 && (errno == EAGAIN || errno == EINTR);
  }
}

void Notifier::push(uint64_t ticket, int32_t code) noexcept {
  if (listen_fd_ < 0) return;
  // Whole records the reader already has do not count against the cap (a
  // record half written stays, so a new reader would get all of it).
  size_t whole = sent_ - sent_ % sizeof(wallarm_notify_record_t);
  if (whole != 0) {
    std::memmove(pending_.data(), pending_.data() + whole, pending_.size() - whole);
    pending_.set_size(pending_.size() - whole);
    sent_ -= whole;
  }
  if (pending_.size() + sizeof(wallarm_notify_record_t) > kMaxPendingBytes) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  wallarm_notify_record_t record{ticket, code, 0};
  try {
    pending_.append(reinterpret_cast<const char*>(&record), sizeof record);
  } catch (...) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
  }
}

Notifier::Flush Notifier::flush() noexcept {
  if (reader_fd_ < 0 || sent_ == pending_.size()) return Flush::done;
  while (sent_ < pending_.size()) {
    ssize_t n = ::send(reader_fd_, pending_.data() + sent_, pending_.size() - sent_, MSG_NOSIGNAL);
    if (n > 0) {
      sent_ += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return n < 0 && errno == EAGAIN ? Flush::blocked : Flush::broken;
  }
  pending_.clear();
  sent_ = 0;
  return Flush::done;
}

void Notifier::drop_reader() noexcept {
  if (reader_fd_ < 0) return;
  ::close(reader_fd_);
  reader_fd_ = -1;
  // A record half written to the old reader is resent whole to the next.
  size_t whole = sent_ - sent_ % sizeof(wallarm_notify_record_t);
  if (whole != 0) {
    std::memmove(pending_.data(), pending_.data() + whole, pending_.size() - whole);
    pending_.set_size(pending_.size() - whole);
  }
  sent_ = 0;
}

}  // namespace wallarm
