#pragma once
// Small loopback servers the driver runs in its own threads:
//   JunkServer   answers every connection with bytes that are not HTTP, then closes it
//   CaptureNode  a node that keeps every message it received, in any format
//                (CapturedMessage: as received, and what it carries), so a test
//                can look at exactly what the connector sent; it passes every
//                request, or blocks (403) those a predicate picks
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "kong.h"

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

// One message as a node receives it, in any of the three formats
// (docs/protocol.md 1-11: v1; 12: mirror and multipart), read into one
// model, so that a test checks the same facts whatever the format.
struct CapturedMessage {
  // As received: the outer request.
  std::string outer_method, outer_target;
  std::string raw_head;                                            // up to CRLF CRLF
  std::vector<std::pair<std::string, std::string>> outer_headers;  // in order
  std::string outer_body;
  std::string header(const std::string& name) const;  // an outer header, "" when absent
  bool has_header(const std::string& name) const;

  // What it carries. The shape (v1, mirror or multipart) is told from the
  // outer head as the reference node tells it (12.4): response messages are
  // multipart in both other formats, and a health probe is a v1 health
  // message or a GET of the health path.
  NodeFormat format = NodeFormat::v1;
  std::string type;  // request, response, health, batch; "" when nothing came
  // The client's request: its method and request-target as the client sent
  // them (mirror and multipart: X-Wallarm-Method, X-Wallarm-Request-Target
  // when the URL could not carry it); a response message carries its
  // request's in mirror and multipart, none in v1. The HTTP version only in v1.
  std::string method, target, version;
  int status = 0;  // a response's
  // The header lines of the client's request (or of the upstream's
  // response), in order, as each format carries them: v1 every line, mirror
  // all but the framing and hop-by-hop ones and X-Wallarm-* (Host first, as
  // libcurl writes it), multipart all but X-Wallarm-*.
  std::vector<std::pair<std::string, std::string>> lines;
  std::string body;           // the client's body (or the upstream's), as far as it was sent
  bool out_of_band = false;   // an out-of-band copy
  bool head_only = false;     // a head sent before its body (X-Wallarm-Request-Part: head)
  bool in_batch = false;      // v1: a part of a batch (7.5), recorded as itself
  std::string truncated;      // X-Wallarm-Body-Truncated: the original length, "" when whole
  std::string escaped;        // X-Wallarm-Escaped, "" when nothing was escaped
  std::string problem;        // why the message does not read as its shape ("" = it does)

  bool found() const { return !type.empty(); }
  std::string request_id() const { return header("X-Wallarm-Request-Id"); }
  // The value of the first line named `name` (any case), "" when absent.
  std::string line(const std::string& name) const;
  bool has_line(const std::string& name) const;
  // Whether "Name: value" is one of the lines, exactly (case included).
  bool has_exact_line(const std::string& text) const;
  // The request head in this format: v1 the embedded head byte for byte;
  // mirror and multipart "method target" CRLF, "Name: value" CRLF each line,
  // CRLF (expected_head() gives what to expect).
  std::string head() const;

  // v1: the embedded message, head up to and including the first CRLF
  // CRLF, and the rest.
  std::string embedded_head() const;
  std::string embedded_body() const;
};

// Reads a message from its outer head (request line and header lines, up
// to CRLF CRLF) and its body. `path_prefix` is the node URL's path without
// its trailing '/', which mirror and multipart put before the client's target.
CapturedMessage read_node_message(const std::string& raw_head, std::string body,
                                  const std::string& path_prefix = "");

// What CapturedMessage::head() gives, in format f, for a request whose head
// v1 embeds as `v1_head` (request line, header lines, CRLF): v1 carries it
// byte for byte; mirror and multipart carry no HTTP version and never a
// client's X-Wallarm-* line; mirror also drops the framing and hop-by-hop
// lines (Content-Length, Transfer-Encoding, Connection, Keep-Alive,
// Proxy-Connection, TE, Trailer, Upgrade, Expect) and has Host first.
std::string expected_head(const std::string& v1_head, NodeFormat f = suite_format());

// Whether mirror leaves a client header line out (docs/protocol.md 12.2).
bool mirror_drops(const std::string& name);

// The Content-Length of a head (start line, lines, CRLF CRLF), 0 when it
// has none (or is no head).
size_t content_length(const std::string& head);

class CaptureNode : public TcpServer {
 public:
  CaptureNode() { start(); }
  ~CaptureNode() override { stop(); }
  // Its URL, with the path "/": the client's target follows it unchanged.
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port()) + "/"; }
  // Every message, a v1 batch as its parts.
  std::vector<CapturedMessage> messages();
  // Waits until a message satisfies `pred`; returns it, or an empty message
  // (found() false) on timeout.
  CapturedMessage wait_for(const std::function<bool(const CapturedMessage&)>& pred,
                           std::chrono::milliseconds timeout);
  // The (whole) request message of the client request that carried
  // `X-E2E-Tag: tag`, waiting up to 5 s; empty (found() false) when none came.
  CapturedMessage request_tagged(const std::string& tag);
  // Its head-only message (X-Wallarm-Request-Part: head), the same way.
  CapturedMessage head_tagged(const std::string& tag);
  // The response message of a request id, the same way.
  CapturedMessage response_for(const std::string& request_id);
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
