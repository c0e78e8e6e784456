#pragma once
// Reads the node's HTTP/1.x answer as it arrives, in pieces of any size:
// status line, header fields, and a body framed by Content-Length, by
// chunked transfer coding, or by the end of the connection. Interim 1xx
// answers are skipped. The body goes to a buffer, up to a limit, or is
// dropped; nothing else is allocated once the buffers have grown.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "buffer.h"

namespace wallarm {

class AnswerParser {
 public:
  enum class Step { more, done, error };

  // Before each message. no_body: the request was HEAD.
  void reset(bool no_body) noexcept;

  // Consumes data; *used is how much of it was taken. It stops after the
  // head, so that keep_body() can be called before the body: feed the rest
  // again. done: the answer ended (bytes after it are the node's mistake);
  // error: see error(). Body bytes go where keep_body() said, else nowhere.
  Step feed(const char* data, size_t size, size_t* used);
  // The node closed the connection: done when the body ran to the end of
  // the connection, error otherwise.
  Step eof();

  // Called when the head is complete (status() and keep_alive() are known):
  // body bytes from then on go to `into`, up to limit; more sets too_big()
  // and ends the answer with an error.
  // padding: room kept free after the body (a JSON parser reads past it).
  void keep_body(Buffer* into, size_t limit, size_t padding) noexcept {
    body_ = into;
    body_limit_ = limit;
    padding_ = padding;
  }

  bool started() const noexcept { return started_; }  // any byte received
  bool head_done() const noexcept { return state_ > State::headers; }
  int status() const noexcept { return status_; }
  // The connection may carry another message after this answer.
  bool keep_alive() const noexcept { return keep_alive_; }
  bool too_big() const noexcept { return too_big_; }
  const char* error() const noexcept { return error_; }

 private:
  enum class State {
    status_line,
    headers,
    body_length,
    chunk_size,
    chunk_data,
    chunk_end,
    trailers,
    body_to_close,
    done,
    failed,
  };

  Step fail(const char* why) noexcept;
  bool take_line(const char* data, size_t size, size_t* at, std::string_view* line);
  Step on_status_line(std::string_view line);
  Step on_header(std::string_view line);
  Step on_head_end();
  Step on_chunk_size(std::string_view line);
  void take_body(const char* p, size_t n);

  State state_ = State::status_line;
  bool no_body_request_ = false;
  bool started_ = false;
  bool http10_ = false;
  bool keep_alive_ = true;
  bool chunked_ = false;
  bool has_length_ = false;
  bool other_coding_ = false;
  bool too_big_ = false;
  int status_ = 0;
  uint64_t length_ = 0;  // body or chunk bytes still to come
  size_t head_bytes_ = 0;
  std::string line_;     // a line split across pieces
  Buffer* body_ = nullptr;
  size_t body_limit_ = 0;
  size_t padding_ = 0;
  const char* error_ = nullptr;
};

}  // namespace wallarm
