// Fuzzes wallarm::AnswerParser, the reader of a node's HTTP/1.x answers:
// whatever a node sends, and however the bytes are split across reads,
// the reader never takes more than it is given, ends in the same state with
// the same status, body and keep-alive as when it reads everything at once,
// keeps no more body than its limit, and explains every error.
//
// Input: a control byte (bit 0: the request was HEAD; the other bits seed
// the piece sizes), a byte for the body limit (x 16), then the bytes the
// node sends. The connection ends after them.
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "fuzz_input.h"
#include "http_answer.h"

namespace {

struct Outcome {
  wallarm::AnswerParser::Step step = wallarm::AnswerParser::Step::more;
  int status = 0;
  bool keep_alive = false;
  bool too_big = false;
  std::string body;
  size_t taken = 0;  // bytes the reader took before it ended
};

// Reads wire in pieces of 1 + (seed-derived) bytes; piece == 0: all at once.
Outcome read(std::string_view wire, bool head, size_t limit, uint32_t seed) {
  wallarm::AnswerParser p;
  p.reset(head);
  wallarm::Buffer body;
  Outcome o;
  bool decided = false;
  size_t at = 0;
  while (at < wire.size() && o.step == wallarm::AnswerParser::Step::more) {
    size_t piece = wire.size() - at;
    if (seed != 0) {
      seed = seed * 1103515245u + 12345u;
      piece = std::min<size_t>(piece, 1 + (seed >> 16) % 23);
    }
    size_t off = 0;
    while (off < piece && o.step == wallarm::AnswerParser::Step::more) {
      size_t used = 0;
      o.step = p.feed(wire.data() + at + off, piece - off, &used);
      FUZZ_CHECK(used <= piece - off);
      FUZZ_CHECK(used > 0 || o.step != wallarm::AnswerParser::Step::more);
      off += used;
      if (p.head_done() && !decided) {
        decided = true;
        p.keep_body(&body, limit, 8);
      }
    }
    at += off;
  }
  o.taken = at;
  if (o.step == wallarm::AnswerParser::Step::more) o.step = p.eof();
  FUZZ_CHECK(o.step != wallarm::AnswerParser::Step::more);
  o.status = p.status();
  o.keep_alive = p.keep_alive();
  o.too_big = p.too_big();
  if (o.step == wallarm::AnswerParser::Step::error) {
    FUZZ_CHECK(p.error() != nullptr && std::strlen(p.error()) > 0);
    FUZZ_CHECK(!o.keep_alive);
  } else {
    FUZZ_CHECK(o.status >= 200 && o.status <= 999);
    FUZZ_CHECK(p.error() == nullptr);
  }
  FUZZ_CHECK(body.size() <= limit);
  FUZZ_CHECK(body.size() == 0 || body.capacity() >= body.size() + 8);
  if (body.size() != 0) o.body.assign(body.data(), body.size());
  return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const bool head = (data[0] & 1) != 0;
  const uint32_t seed = data[0] | 0x100u;
  const size_t limit = size_t{data[1]} * 16;
  std::string_view wire(reinterpret_cast<const char*>(data) + 2, size - 2);

  Outcome whole = read(wire, head, limit, 0);
  Outcome pieces = read(wire, head, limit, seed);
  FUZZ_CHECK(whole.step == pieces.step);
  FUZZ_CHECK(whole.keep_alive == pieces.keep_alive);
  FUZZ_CHECK(whole.too_big == pieces.too_big);
  if (whole.step == wallarm::AnswerParser::Step::done) {
    FUZZ_CHECK(whole.status == pieces.status);
    FUZZ_CHECK(whole.body == pieces.body);
    FUZZ_CHECK(whole.taken == pieces.taken);
  }
  return 0;
}
