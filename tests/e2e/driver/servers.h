#pragma once
// Small loopback servers the driver runs in its own threads:
//   JunkServer   answers every connection with bytes that are not HTTP, then closes it
//   CaptureNode  a protocol v1 node that keeps every message it received (outer
//                head as received, outer headers and body), so a test can look at
//                exactly what the connector sent; it passes every request, or
//                blocks (403) those a predicate picks
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace e2e {

class TcpServer {
 public:
  TcpServer();
  virtual ~TcpServer();
  TcpServer(const TcpServer&) = delete;
  TcpServer& operator=(const TcpServer&) = delete;
  uint16_t port() const { return port_; }
  void stop();

 protected:
  void start();
  // Runs on its own thread per connection; `stopping` turns true at stop().
  virtual void serve(int fd) = 0;
  bool stopping() const { return stop_.load(); }
  // Reads what is available within `wait`; "" on timeout, nullopt-like false on EOF/error.
  bool read_some(int fd, std::string& out, std::chrono::milliseconds wait);
  static bool write_all(int fd, const std::string& data);

 private:
  void accept_loop();
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread acceptor_;
  std::mutex threads_mu_;
  std::vector<std::thread> threads_;
};

class JunkServer : public TcpServer {
 public:
  JunkServer() { start(); }
  ~JunkServer() override { stop(); }
  std::atomic<int> connections{0};

 protected:
  void serve(int fd) override;
};

struct CapturedMessage {
  std::string method, target;
  std::string raw_head;                                      // outer head as received, up to CRLF CRLF
  std::vector<std::pair<std::string, std::string>> headers;  // outer headers, in order
  std::string body;                                          // outer body (message/http)

  std::string header(const std::string& name) const;  // "" when absent
  // The embedded message: head up to and including the first CRLF CRLF, and the rest.
  std::string embedded_head() const;
  std::string embedded_body() const;
};

class CaptureNode : public TcpServer {
 public:
  CaptureNode() { start(); }
  ~CaptureNode() override { stop(); }
  std::vector<CapturedMessage> messages();
  // Waits until a message satisfies `pred`; returns it, or an empty message
  // (method "") on timeout.
  CapturedMessage wait_for(const std::function<bool(const CapturedMessage&)>& pred,
                           std::chrono::milliseconds timeout);
  // The (whole) request message of the client request that carried
  // `X-E2E-Tag: tag`, waiting up to 5 s; empty (method "") when none came.
  CapturedMessage request_tagged(const std::string& tag);
  // Its head-only message (X-Wallarm-Request-Part: head), the same way.
  CapturedMessage head_tagged(const std::string& tag);
  // Request messages for which `pred` is true are answered 403 (block);
  // every other message passes, as before.
  void block_if(std::function<bool(const CapturedMessage&)> pred);

 protected:
  void serve(int fd) override;

 private:
  std::mutex mu_;
  std::vector<CapturedMessage> messages_;
  std::function<bool(const CapturedMessage&)> block_;
};

}  // namespace e2e
