#pragma once
// A filtering node that misbehaves on purpose, for the fault-injection tests.
// It reads messages in every format (docs/protocol.md; servers.h) well
// enough to give real verdicts in mode `ok` and `random_close`, and breaks
// in one chosen way otherwise.
// The mode can be changed while it runs; a change applies to the next
// message on every connection, and `refuse` also drops every open connection,
// as a node process that died would.
//
// Threads and blocking-style I/O on non-blocking sockets: every wait is a
// poll() that also watches a stop eventfd, so stop() (and the destructor)
// returns promptly whatever a connection is doing, joins every thread and
// closes every descriptor.
#include <atomic>
#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>

namespace e2e {

enum class Fault {
  ok,            // valid verdicts: 403 for a request whose target contains "attack", else 200
  refuse,        // nothing listens on the port: connections are refused
  hang,          // accepts and reads, never answers
  slow,          // answers validly, `arg` ms after the message (default 2000)
  reset,         // part of the status line and headers, then RST (SO_LINGER 0)
  garbage,       // bytes that are not HTTP (or TLS), then close
  truncated,     // Content-Length larger than what is sent, then close (FIN)
  oversized,     // 200 with a JSON body of `arg` bytes (default 65536)
  status,        // answers every message with HTTP `arg` (500, 502, 404, 401...)
  random_close,  // as `ok`, but closes the connection after about 30% of its answers:
                 // half with Connection: close, half unannounced and 0-3 ms later
  tls_stall,     // accepts, reads the TLS ClientHello, sends nothing back
};

const char* fault_name(Fault f);

class FaultNode {
 public:
  explicit FaultNode(Fault mode = Fault::ok, int arg = 0, uint32_t seed = 1);
  ~FaultNode();
  FaultNode(const FaultNode&) = delete;
  FaultNode& operator=(const FaultNode&) = delete;

  // Returns once the change is in effect (the port closed or listening again).
  void set_mode(Fault mode, int arg = 0);
  Fault mode() const { return mode_.load(); }
  void stop();

  uint16_t port() const { return port_; }
  std::string url(bool https = false) const;

  // What it saw.
  long connections() const { return connections_.load(); }      // accepted
  long open_connections() const { return open_.load(); }        // being served now
  long messages() const { return messages_.load(); }            // complete messages read
  long messages(const std::string& type) const;                 // by type: request, response...
  long answers() const { return answers_.load(); }              // complete valid answers sent
  long closes_announced() const { return closes_announced_.load(); }  // random_close
  long closes_silent() const { return closes_silent_.load(); }
  // Request messages whose X-Wallarm-Request-Id arrived more than once.
  long duplicate_requests() const;

 private:
  struct Conn {
    std::thread thread;
    std::atomic<bool> done{false};
  };
  struct Message {
    std::string type, request_id, target;  // target: the client's
  };
  enum class Read { ok, eof, stopped };

  void accept_loop();
  void reap(bool all);
  bool open_listener(std::string* err);
  void serve(int fd, uint64_t generation, Conn* self);
  void serve_one(int& fd, uint64_t generation);  // sets fd to -1 if it closed it
  // Appends what arrives within timeout_ms (maybe nothing): ok; eof; or
  // stopped (stop() or a drop).
  Read read_some(int fd, std::string& buf, int timeout_ms, uint64_t generation);
  Read read_message(int fd, std::string& buf, Message& m, uint64_t generation);
  bool write_all(int fd, const std::string& data, uint64_t generation);
  bool pause(int ms, uint64_t generation);  // false when stopped or dropped
  void drain(int fd, uint64_t generation);  // reads and discards until EOF or stop
  bool cancelled(uint64_t generation) const {
    return stop_.load() || drop_generation_.load() != generation;
  }
  void count(const Message& m);
  std::string verdict_answer(const Message& m, bool close_header);
  int random_percent();

  uint16_t port_ = 0;
  int listen_fd_ = -1;  // owned by the acceptor thread once it runs
  int stop_fd_ = -1;    // eventfd, written once by stop() and never read: stays readable
  int wake_fd_ = -1;    // eventfd: a mode change for the acceptor
  std::atomic<Fault> mode_;
  std::atomic<int> arg_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> drop_generation_{0};
  std::atomic<uint64_t> mode_generation_{0}, applied_generation_{0};
  std::thread acceptor_;
  std::list<std::unique_ptr<Conn>> conns_;  // acceptor thread only (and stop())

  std::atomic<long> connections_{0}, open_{0}, messages_{0}, answers_{0};
  std::atomic<long> closes_announced_{0}, closes_silent_{0};
  mutable std::mutex mu_;
  std::map<std::string, long> by_type_;
  std::map<std::string, int> request_ids_;
  std::mt19937 rng_;
};

}  // namespace e2e
