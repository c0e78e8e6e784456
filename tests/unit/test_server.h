// A scriptable HTTP/1.1 (optionally HTTPS) server on 127.0.0.1 for transport
// tests. One thread per connection plus an accept thread; test scale only.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace testsrv {

struct Request {
  std::string method, target, version;                       // request line
  std::vector<std::pair<std::string, std::string>> headers;  // in order, as received
  std::string body;        // de-chunked when the client sent Transfer-Encoding: chunked
  int connection_id = 0;   // 1-based, order of accept

  // Case-insensitive, first match, "" if none.
  std::string header(std::string_view name) const;
};

enum class Fault {
  none,          // send the reply normally
  never_answer,  // read the request, never write; the socket stays open until the
                 // client closes it or the server stops
  close_now,     // read the request then close (FIN) without writing anything
  reset,         // read the request then close with SO_LINGER {1,0} (RST)
  garbage,       // write non-HTTP bytes then close
  truncated,     // write a status line + headers with Content-Length: 100 but only
                 // 10 body bytes, then close
  raw,           // write Reply::raw verbatim and keep going (keep-alive) unless close_after
};

struct Reply {
  int status = 200;
  // Sent with an automatic Content-Length unless `headers` already carries
  // Content-Length or Transfer-Encoding (then the body is written as is).
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
  int delay_ms = 0;  // wait before writing (or closing); other connections keep going
  Fault fault = Fault::none;
  bool close_after = false;  // send "Connection: close" and close after the reply
  std::string raw;           // Fault::raw only
};

// Calls are serialised by the server, so a handler may touch test state
// without its own locking. Block with Reply::delay_ms, not inside the handler:
// a handler that blocks stalls every connection and is not interrupted by stop().
// An exception thrown by the handler becomes a 500 reply with Connection: close.
using Handler = std::function<Reply(const Request&)>;

struct TlsFiles {
  std::string cert_pem, key_pem;  // paths
};

class Server {
 public:
  explicit Server(Handler handler);         // plain HTTP, listening on return
  Server(Handler handler, const TlsFiles& tls);  // HTTPS; throws std::runtime_error on bad files
  ~Server();                                // stop()

  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  uint16_t port() const;
  // "http://127.0.0.1:PORT/path" ("https://" with TLS); a missing leading '/' is added.
  std::string url(std::string_view path = "/") const;

  int connections_accepted() const;  // total accepted since start
  int h2_offers() const;             // TLS clients that offered h2 in ALPN
  int open_connections() const;      // currently open
  int request_count() const;
  std::vector<Request> requests() const;  // copy of all received, in order
  // Blocks until request_count() >= n; false on timeout.
  bool wait_for_requests(int n, int timeout_ms) const;

  // Closes the listener and every connection and joins all threads; interrupts
  // delays and never_answer connections. Idempotent.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Writes a fresh self-signed certificate (P-256 key) for CN "127.0.0.1" with
// SANs IP:127.0.0.1 and DNS:localhost into dir (created if missing) as
// cert.pem / key.pem. The cert is its own CA (basicConstraints CA:TRUE), so
// cert_pem works as a CA file for curl. Throws std::runtime_error on failure.
TlsFiles make_self_signed(const std::string& dir);

// A port on 127.0.0.1 where nothing listens (bound ephemerally, then closed).
uint16_t closed_port();

// Accepts TCP connections and never reads or writes on them (TLS-handshake
// stalls, connect-then-silence). Accepted sockets are closed on destruction.
class SilentListener {
 public:
  SilentListener();
  ~SilentListener();

  SilentListener(const SilentListener&) = delete;
  SilentListener& operator=(const SilentListener&) = delete;

  uint16_t port() const;
  int accepted() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace testsrv
