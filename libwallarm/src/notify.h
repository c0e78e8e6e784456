#pragma once
// The notification socket: a listening Unix stream socket in a private
// directory; the engine writes one wallarm_notify_record_t per completed
// ticket to the reader that connected last, in batches, never blocking.
#include <atomic>
#include <cstdint>
#include <string>

#include "buffer.h"

namespace wallarm {

class Notifier {
 public:
  Notifier() = default;
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;
  ~Notifier();

  // Creates dir (0700) if missing, removes sockets of dead processes there,
  // and listens on dir/wallarm-<pid>.sock (0600). false + *err on failure.
  bool open(const char* dir, std::string* err);
  const std::string& path() const noexcept { return path_; }
  int listen_fd() const noexcept { return listen_fd_; }
  int reader_fd() const noexcept { return reader_fd_; }

  // Accepts a reader, replacing the previous one (closed: the caller drops
  // it from its poller first, via reader_fd()). Returns the new fd, or -1
  // with errno set.
  int accept_reader() noexcept;
  // Reads and ignores what the reader sent; false when it hung up or failed
  // (the caller then drops it).
  bool drain_reader() noexcept;
  // Closes the reader; a record half written to it is sent whole to the next.
  void drop_reader() noexcept;

  // Queues a record for the reader. Without a socket there is nobody to
  // tell, and past the cap records are dropped (and counted): waiters then
  // find their verdict with wallarm_ticket_result() when their wait times out.
  void push(uint64_t ticket, int32_t code) noexcept;
  enum class Flush { done, blocked, broken };
  // Writes what is pending: done, blocked (wait for writability), or broken
  // (the caller drops the reader; its records wait for the next one).
  Flush flush() noexcept;
  uint64_t dropped() const noexcept { return dropped_.load(std::memory_order_relaxed); }

 private:
  std::string path_;
  int listen_fd_ = -1;
  int reader_fd_ = -1;
  Buffer pending_;
  size_t sent_ = 0;      // bytes of pending_ already written
  std::atomic<uint64_t> dropped_{0};  // records not kept: no reader for too long
};

}  // namespace wallarm
