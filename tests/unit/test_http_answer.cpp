// The reader of the node's HTTP/1.x answers: every framing, in pieces of
// any size, and the answers it must refuse.
#include <doctest/doctest.h>

#include <string>

#include "http_answer.h"

using wallarm::AnswerParser;
using wallarm::Buffer;
using Step = AnswerParser::Step;

namespace {

struct Read {
  Step step = Step::more;
  int status = 0;
  bool keep_alive = false;
  std::string body;
  std::string error;
  size_t left_over = 0;  // bytes after the end of the answer
};

// Feeds `wire` in pieces of `piece` bytes, keeping the body; eof at the end
// when the answer is not over.
Read read(const std::string& wire, size_t piece = 1 << 20, bool head_request = false,
          bool close_at_end = true, size_t limit = 1 << 20) {
  AnswerParser p;
  p.reset(head_request);
  Buffer body;
  Read r;
  bool decided = false;
  size_t at = 0;
  while (at < wire.size() && r.step == Step::more) {
    size_t n = std::min(piece, wire.size() - at);
    size_t off = 0;
    while (off < n && r.step == Step::more) {
      size_t used = 0;
      r.step = p.feed(wire.data() + at + off, n - off, &used);
      off += used;
      if (p.head_done() && !decided) {
        decided = true;
        p.keep_body(&body, limit, 0);
      }
    }
    at += off;
    if (r.step == Step::done) r.left_over = wire.size() - at;
  }
  if (r.step == Step::more && close_at_end) r.step = p.eof();
  r.status = p.status();
  r.keep_alive = p.keep_alive();
  r.body.assign(body.data() == nullptr ? "" : body.data(), body.size());
  if (p.error() != nullptr) r.error = p.error();
  return r;
}

}  // namespace

TEST_CASE("answer: Content-Length, whole and in one-byte pieces") {
  std::string wire = "HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\n"
                     "Content-Length: 11\r\n\r\n{\"a\":\"b c\"}";
  for (size_t piece : {size_t{1}, size_t{2}, size_t{7}, wire.size()}) {
    CAPTURE(piece);
    Read r = read(wire, piece, false, false);
    CHECK(r.step == Step::done);
    CHECK(r.status == 403);
    CHECK(r.keep_alive);
    CHECK(r.body == "{\"a\":\"b c\"}");
  }
}

TEST_CASE("answer: chunked, with extensions and trailers, in pieces") {
  std::string wire = "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
                     "4;name=value\r\nabcd\r\n0A\r\n0123456789\r\n0\r\nX-Trailer: 1\r\n\r\n";
  for (size_t piece : {size_t{1}, size_t{3}, wire.size()}) {
    CAPTURE(piece);
    Read r = read(wire, piece, false, false);
    CHECK(r.step == Step::done);
    CHECK(r.body == "abcd0123456789");
    CHECK(r.keep_alive);
    CHECK(r.left_over == 0);
  }
}

TEST_CASE("answer: a body without a length runs to the end of the connection") {
  Read r = read("HTTP/1.1 200 OK\r\n\r\nall of it");
  CHECK(r.step == Step::done);
  CHECK(r.body == "all of it");
  CHECK_FALSE(r.keep_alive);
  // Another coding than chunked last: also to the end.
  r = read("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\nContent-Length: 2\r\n\r\nxyz");
  CHECK(r.step == Step::done);
  CHECK(r.body == "xyz");
  CHECK_FALSE(r.keep_alive);
}

TEST_CASE("answer: no body after HEAD, 204 and 304, and interim answers skipped") {
  CHECK(read("HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n", 1 << 20, true, false).step ==
        Step::done);
  CHECK(read("HTTP/1.1 204 No Content\r\n\r\n", 1 << 20, false, false).step == Step::done);
  CHECK(read("HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n", 1 << 20, false, false)
            .step == Step::done);
  Read r = read("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: x\r\n\r\n"
                "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
                5, false, false);
  CHECK(r.step == Step::done);
  CHECK(r.status == 200);
  CHECK(r.body == "ok");
}

TEST_CASE("answer: keep-alive follows the version and Connection") {
  CHECK_FALSE(read("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n").keep_alive);
  CHECK(read("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n").keep_alive);
  CHECK_FALSE(read("HTTP/1.1 200 OK\r\nConnection: x, close\r\nContent-Length: 0\r\n\r\n")
                  .keep_alive);
  Read r = read("HTTP/1.1 200\nContent-Length: 1\n\nab", 1 << 20, false, false);  // bare LF, no reason
  CHECK(r.step == Step::done);
  CHECK(r.body == "a");
  CHECK(r.left_over == 1);
}

TEST_CASE("answer: what is refused, with a reason") {
  for (const char* wire : {
           "HTTP/2 200 OK\r\n\r\n",
           "garbage\r\n\r\n",
           "HTTP/1.1 2000 OK\r\n\r\n",
           "HTTP/1.1 20x OK\r\n\r\n",
           "HTTP/1.1 099 Low\r\n\r\n",
           "HTTP/1.1 200 OK\r\n folded: line\r\n\r\n",
           "HTTP/1.1 200 OK\r\nno colon\r\n\r\n",
           "HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n",
           "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n",
           "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
           "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
           "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n",
           "HTTP/1.1 101 Switching Protocols\r\n\r\n",
       }) {
    CAPTURE(wire);
    Read r = read(wire, 1 << 20, false, false);
    CHECK(r.step == Step::error);
    CHECK_FALSE(r.error.empty());
    CHECK_FALSE(r.keep_alive);
  }
}

TEST_CASE("answer: an early end of the connection is an error that says so") {
  Read r = read("");
  CHECK(r.step == Step::error);
  CHECK(r.error == "connection closed before any answer");
  r = read("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort");
  CHECK(r.step == Step::error);
  CHECK(r.error == "connection closed in the middle of the answer");
  CHECK(read("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab").step == Step::error);
}

TEST_CASE("answer: limits: the kept body, and a head that never ends") {
  Read r = read("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789", 3, false, false, 8);
  CHECK(r.step == Step::error);
  r = read("HTTP/1.1 200 OK\r\nX: " + std::string(70 * 1024, 'a'), 4096, false, false);
  CHECK(r.step == Step::error);
  CHECK(r.error.find("64 KiB") != std::string::npos);
  // Many interim answers count together.
  std::string interim;
  while (interim.size() < 70 * 1024) interim += "HTTP/1.1 100 Continue\r\n\r\n";
  CHECK(read(interim + "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n").step == Step::error);
}
