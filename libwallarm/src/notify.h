#pragma once
// The notification socket: a listening Unix stream socket in a private
// directory; the engine writes one wallarm_notify_record_t per completed
// ticket to the reader that connected last, in batches, never blocking.
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

  // Accepts a reader, replacing the previous one. Returns the new fd or -1
  // (the previous reader fd, if any, is closed: the caller drops it from
  // its poller first via reader_fd()).
  int accept_reader() noexcept;
  // The reader hung up or sent something: drops it on EOF or error.
  void on_reader_readable() noexcept;

  void push(uint64_t ticket, int32_t code) noexcept;
  // Writes what is pending. Returns true when bytes remain (wait for
  // writability).
  bool flush() noexcept;
  uint64_t dropped() const noexcept { return dropped_; }

 private:
  void close_reader() noexcept;

  std::string path_;
  int listen_fd_ = -1;
  int reader_fd_ = -1;
  Buffer pending_;
  size_t sent_ = 0;      // bytes of pending_ already written
  uint64_t dropped_ = 0; // records not kept: no reader for too long
};

}  // namespace wallarm
