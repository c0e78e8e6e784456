#include "http_answer.h"

#include <cstring>

#include "shape_common.h"

namespace wallarm {
namespace {

// A node's head (interim answers included), or a trailer, longer than this
// is refused: an answer must not make us read forever.
constexpr size_t kMaxHead = 64 * 1024;

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Calls f for each comma-separated element of a list header value.
template <class F>
void each_element(std::string_view v, F f) {
  while (!v.empty()) {
    size_t comma = v.find(',');
    f(trim(v.substr(0, comma)));
    if (comma == std::string_view::npos) break;
    v.remove_prefix(comma + 1);
  }
}

}  // namespace

void AnswerParser::reset(bool no_body) noexcept {
  state_ = State::status_line;
  no_body_request_ = no_body;
  started_ = http10_ = chunked_ = has_length_ = other_coding_ = too_big_ = false;
  keep_alive_ = true;
  status_ = 0;
  length_ = 0;
  head_bytes_ = 0;
  line_.clear();
  body_ = nullptr;
  body_limit_ = padding_ = 0;
  error_ = nullptr;
}

AnswerParser::Step AnswerParser::fail(const char* why) noexcept {
  state_ = State::failed;
  error_ = why;
  keep_alive_ = false;
  return Step::error;
}

// Takes one line ending in LF (a CR before it dropped) from data at *at,
// joined with what an earlier piece left. False: the line goes on in the
// next piece (or it is too long, and error_ is set).
bool AnswerParser::take_line(const char* data, size_t size, size_t* at, std::string_view* line) {
  const char* start = data + *at;
  const void* nl = std::memchr(start, '\n', size - *at);
  size_t n = nl != nullptr ? static_cast<size_t>(static_cast<const char*>(nl) - start)
                           : size - *at;
  head_bytes_ += n + (nl != nullptr);
  if (head_bytes_ > kMaxHead) {
    fail("answer head or trailer over 64 KiB");
    return false;
  }
  if (nl == nullptr) {
    line_.append(start, n);
    *at = size;
    return false;
  }
  *at += n + 1;
  std::string_view l(start, n);
  if (!line_.empty()) {
    line_.append(start, n);
    l = line_;
  }
  if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
  *line = l;
  return true;
}

AnswerParser::Step AnswerParser::feed(const char* data, size_t size, size_t* used) {
  size_t at = 0;
  if (size != 0) started_ = true;
  Step step = Step::more;
  while (step == Step::more && at < size) {
    switch (state_) {
      case State::status_line:
      case State::headers:
      case State::chunk_size:
      case State::chunk_end:
      case State::trailers: {
        std::string_view line;
        if (!take_line(data, size, &at, &line)) {
          if (error_ != nullptr) step = Step::error;
          break;
        }
        if (state_ == State::status_line) {
          step = on_status_line(line);
        } else if (state_ == State::headers && line.empty()) {
          // Back to the caller, who may now choose where the body goes.
          step = on_head_end();
          line_.clear();
          *used = at;
          return step;
        } else if (state_ == State::headers) {
          step = on_header(line);
        } else if (state_ == State::chunk_size) {
          step = on_chunk_size(line);
        } else if (state_ == State::chunk_end) {
          step = line.empty() ? (state_ = State::chunk_size, Step::more)
                              : fail("chunk data longer than its size");
        } else if (line.empty()) {
          state_ = State::done;
          step = Step::done;
        }
        line_.clear();
        break;
      }
      case State::body_length:
      case State::chunk_data: {
        size_t n = size - at;
        if (n > length_) n = static_cast<size_t>(length_);
        take_body(data + at, n);
        at += n;
        length_ -= n;
        if (too_big_) {
          step = fail("answer body over the answer limit");
        } else if (length_ == 0) {
          if (state_ == State::chunk_data) {
            state_ = State::chunk_end;
          } else {
            state_ = State::done;
            step = Step::done;
          }
        }
        break;
      }
      case State::body_to_close:
        take_body(data + at, size - at);
        at = size;
        if (too_big_) step = fail("answer body over the answer limit");
        break;
      case State::done:
        step = Step::done;
        break;
      case State::failed:
        step = Step::error;
        break;
    }
  }
  if (step == Step::more && state_ == State::done) step = Step::done;
  *used = at;
  return step;
}

AnswerParser::Step AnswerParser::eof() {
  if (state_ == State::body_to_close) {
    state_ = State::done;
    keep_alive_ = false;
    return Step::done;
  }
  if (state_ == State::done) return Step::done;
  return fail(started_ ? "connection closed in the middle of the answer"
                       : "connection closed before any answer");
}

AnswerParser::Step AnswerParser::on_status_line(std::string_view line) {
  // "HTTP/1.x SP 3DIGIT [SP reason]"
  if (line.size() < 12 || line.compare(0, 7, "HTTP/1.") != 0 ||
      (line[7] != '0' && line[7] != '1') || line[8] != ' ')
    return fail("answer does not start with an HTTP/1.x status line");
  int status = 0;
  for (size_t i = 9; i < 12; ++i) {
    if (line[i] < '0' || line[i] > '9') return fail("status code is not three digits");
    status = status * 10 + (line[i] - '0');
  }
  if (line.size() > 12 && line[12] != ' ') return fail("status code is not three digits");
  if (status < 100) return fail("status code under 100");
  status_ = status;
  http10_ = line[7] == '0';
  keep_alive_ = !http10_;
  chunked_ = has_length_ = other_coding_ = false;
  state_ = State::headers;
  return Step::more;
}

AnswerParser::Step AnswerParser::on_header(std::string_view line) {
  if (line.front() == ' ' || line.front() == '\t') return fail("folded header line");
  size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) return fail("header line without a name");
  std::string_view name = line.substr(0, colon);
  for (char c : name)
    if (c == ' ' || c == '\t') return fail("white space in a header name");
  std::string_view value = trim(line.substr(colon + 1));
  if (iequals(name, "Content-Length")) {
    uint64_t n = 0;
    if (value.empty() || value.size() > 15) return fail("bad Content-Length");
    for (char c : value) {
      if (c < '0' || c > '9') return fail("bad Content-Length");
      n = n * 10 + static_cast<uint64_t>(c - '0');
    }
    if (has_length_ && n != length_) return fail("two different Content-Length values");
    has_length_ = true;
    length_ = n;
  } else if (iequals(name, "Transfer-Encoding")) {
    // Chunked only as the last coding frames the body; any other coding
    // leaves the body running to the end of the connection.
    each_element(value, [&](std::string_view coding) {
      if (coding.empty()) return;
      chunked_ = iequals(coding, "chunked");
      other_coding_ = other_coding_ || !chunked_;
    });
  } else if (iequals(name, "Connection")) {
    each_element(value, [&](std::string_view option) {
      if (iequals(option, "close")) keep_alive_ = false;
      if (iequals(option, "keep-alive") && http10_) keep_alive_ = true;
    });
  }
  return Step::more;
}

AnswerParser::Step AnswerParser::on_head_end() {
  if (status_ < 200) {  // interim: the answer follows
    if (status_ == 101) return fail("node switched protocols");
    state_ = State::status_line;
    return Step::more;
  }
  if (no_body_request_ || status_ == 204 || status_ == 304) {
    state_ = State::done;
    return Step::done;
  }
  if (chunked_ || other_coding_) {
    // With a Transfer-Encoding, any Content-Length is ignored (RFC 9112
    // 6.3), and the connection is not reused after such a mix.
    if (has_length_) keep_alive_ = false;
    if (chunked_) {
      state_ = State::chunk_size;
      head_bytes_ = 0;
      return Step::more;
    }
    keep_alive_ = false;
    state_ = State::body_to_close;
    return Step::more;
  }
  if (has_length_) {
    if (length_ == 0) {
      state_ = State::done;
      return Step::done;
    }
    state_ = State::body_length;
    return Step::more;
  }
  keep_alive_ = false;
  state_ = State::body_to_close;
  return Step::more;
}

AnswerParser::Step AnswerParser::on_chunk_size(std::string_view line) {
  size_t i = 0;
  uint64_t n = 0;
  for (; i < line.size(); ++i) {
    char c = line[i];
    int d = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                   : -1;
    if (d < 0) break;
    if (i >= 15) return fail("chunk size too large");
    n = n * 16 + static_cast<uint64_t>(d);
  }
  if (i == 0) return fail("bad chunk size");
  std::string_view rest = trim(line.substr(i));
  if (!rest.empty() && rest.front() != ';') return fail("bad chunk size");
  head_bytes_ = 0;
  if (n == 0) {
    state_ = State::trailers;
    return Step::more;
  }
  length_ = n;
  state_ = State::chunk_data;
  return Step::more;
}

void AnswerParser::take_body(const char* p, size_t n) {
  if (body_ == nullptr || n == 0) return;
  if (body_->size() + n > body_limit_) {
    too_big_ = true;
    return;
  }
  body_->reserve(body_->size() + n + padding_);
  body_->append(p, n);
}

}  // namespace wallarm
