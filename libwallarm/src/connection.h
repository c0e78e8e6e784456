#pragma once
// One keep-alive connection to a node. libcurl opens it (resolution,
// connect, TLS, with CURLOPT_CONNECT_ONLY on the engine's multi handle);
// then framed requests and answers go over it with curl_easy_send and
// curl_easy_recv when it is TLS, and with send(2) and recv(2) on its socket
// when it is plain TCP, where curl would add nothing but a search of its
// connection cache per call. Its socket is watched in the engine's own
// epoll set. The handle stays in the multi until the connection closes:
// removing it is what closes a connect-only connection; and the connection
// is attached to its handle as soon as it is up, so curl counts it in use
// and its cache never closes or lends it.
#include <curl/curl.h>

#include <cstdint>

#include "buffer.h"
#include "http_answer.h"

namespace wallarm {

struct Slot;
struct Target;

class Connection {
 public:
  Connection(Target* t, int epoll_fd) : target(t), epoll_fd_(epoll_fd) {}
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection() { close(); }

  // Starts connecting on multi, within timeout_ms; easy is the connection's
  // from now on. False: curl refused to start.
  bool connect(CURLM* multi, CURL* easy, bool tls, long timeout_ms, uint64_t now) noexcept;
  bool connecting() const noexcept { return connecting_; }
  // curl finished connecting: true when the connection is up and watched.
  bool on_connected() noexcept;
  // After a failed connect: the system's error number, if any.
  long os_errno() const noexcept;
  // Closed: an event still queued for it in this turn of the loop is stale.
  bool closed() const noexcept { return easy_ == nullptr; }
  // Closes it now; the object itself lives until the engine frees it.
  void close() noexcept;
  // A forked child must not close what its parent's connections share (a
  // TLS close would write on the parent's stream): it forgets them.
  void abandon() noexcept;

  // Connected: non-blocking I/O. CURLE_AGAIN: try when the socket is ready.
  CURLcode send(const char* p, size_t n, size_t* sent) noexcept;
  // *got == 0 with CURLE_OK: the node closed the connection.
  CURLcode recv(char* p, size_t n, size_t* got) noexcept;
  // Also watch for writability (a request still to write), or not.
  void want_write(bool on) noexcept;

  Target* const target;
  uint64_t opened_us = 0;
  uint64_t idle_since_us = 0;
  uint32_t messages = 0;      // answered on it so far

  enum class Write { done, partial, failed };

  // The message on it and how far it went.
  Slot* slot = nullptr;
  Buffer wire;                // the request head, and the body when small
  size_t wire_sent = 0;
  size_t body_sent = 0;       // of a larger body, sent after the wire
  bool body_in_wire = false;
  bool body_decided = false;  // where the answer body goes is chosen
  AnswerParser answer;

 private:
  void watch(uint32_t events, bool add) noexcept;

  const int epoll_fd_;
  CURLM* multi_ = nullptr;
  CURL* easy_ = nullptr;
  curl_socket_t fd_ = CURL_SOCKET_BAD;
  bool tls_ = false;
  bool connecting_ = false;
  bool watching_out_ = false;
};

}  // namespace wallarm
