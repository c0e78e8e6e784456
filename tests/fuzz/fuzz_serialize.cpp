// Fuzzes wallarm::serialize(): whatever a gateway hands over, the message on
// the wire keeps protocol v1's framing (docs/protocol.md 3 to 6). Beyond the
// framing invariants, the output is compared with a byte-at-a-time model of
// the protocol, which the serializer's word-at-a-time escaping must match.
//
// Input: fields separated by "\n--\n" (fuzz_input.h):
//   0 control: a type letter (q request, s response, h health, any other
//     byte is taken as the raw type), then numbers: status, body limit,
//     body_total, submit flags, quirks (below)
//   1 method  2 uri  3 version  4 request_id  5 client_ip  6 host
//   7 body (with quirk 16, its second half is in a body file)
//   8 connector name (up to its first NUL; "kong" when empty)
//   9, 10, ... header name, header value, name, value...
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_input.h"
#include "message.h"
#include "wallarm.h"

namespace {

using std::string;
using std::string_view;

enum Quirk : int64_t {
  kNonNullEmpty = 1,  // empty views get a non-NULL pointer (else {NULL, 0})
  kReserved = 2,      // reserved != 0: must be refused
  kNullMethod = 4,    // method {NULL, n > 0}: must be refused (but for health)
  kNullHeaders = 8,   // headers NULL with header_count > 0: likewise
  kBodyFile = 16,     // the body's second half in a file
};

using fuzz::BodyFile;

// Each view gets an allocation of its own, so that ASan sees a read one
// byte past any field.
struct Strings {
  std::vector<std::unique_ptr<char[]>> keep;
  bool non_null_empty = false;

  wallarm_str_t add(string_view s) {
    if (s.empty() && !non_null_empty) return {nullptr, 0};
    keep.push_back(std::make_unique<char[]>(s.size() + (s.empty() ? 1 : 0)));
    if (!s.empty()) std::memcpy(keep.back().get(), s.data(), s.size());
    return {keep.back().get(), s.size()};
  }
};

string_view view(const wallarm_str_t& s) {
  return s.len == 0 ? string_view() : string_view(s.ptr, s.len);
}

// The model: docs/protocol.md, one byte at a time.
bool esc_token(unsigned char b) { return b <= 0x20 || b == 0x7f || b == ':'; }
bool esc_target(unsigned char b) { return b <= 0x20 || b == 0x7f; }
bool esc_value(unsigned char b) { return b == 0 || b == '\r' || b == '\n'; }
bool esc_outer(unsigned char b) { return b <= 0x20 || b >= 0x7f || b == '%'; }

template <class Escaped>
void put_model(string& out, string_view s, Escaped escaped, uint32_t* count) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (char c : s) {
    auto b = static_cast<unsigned char>(c);
    if (!escaped(b)) {
      out += c;
      continue;
    }
    out += '%';
    out += kHex[b >> 4];
    out += kHex[b & 15];
    if (count != nullptr) ++*count;
  }
}

string outer_value(string_view s) {
  string out;
  put_model(out, s, esc_outer, nullptr);
  return out;
}

string_view version_model(string_view s) {
  auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
  if (s.size() >= 5 && lower(s[0]) == 'h' && lower(s[1]) == 't' && lower(s[2]) == 't' &&
      lower(s[3]) == 'p' && s[4] == '/')
    s.remove_prefix(5);
  return s.empty() ? "1.1" : s;
}

// docs/protocol.md 4.2: RFC 9110 phrases for these codes, empty for others.
string_view reason_model(int32_t status) {
  static constexpr struct {
    int32_t code;
    const char* phrase;
  } kReasons[] = {
      {100, "Continue"}, {101, "Switching Protocols"}, {200, "OK"}, {201, "Created"},
      {202, "Accepted"}, {204, "No Content"}, {206, "Partial Content"},
      {301, "Moved Permanently"}, {302, "Found"}, {303, "See Other"}, {304, "Not Modified"},
      {307, "Temporary Redirect"}, {308, "Permanent Redirect"}, {400, "Bad Request"},
      {401, "Unauthorized"}, {403, "Forbidden"}, {404, "Not Found"},
      {405, "Method Not Allowed"}, {408, "Request Timeout"}, {409, "Conflict"},
      {413, "Content Too Large"}, {415, "Unsupported Media Type"},
      {422, "Unprocessable Content"}, {429, "Too Many Requests"},
      {500, "Internal Server Error"}, {502, "Bad Gateway"}, {503, "Service Unavailable"},
      {504, "Gateway Timeout"}};
  for (const auto& r : kReasons)
    if (r.code == status) return r.phrase;
  return "";
}

bool must_accept(const wallarm_message_t& m, uint32_t flags) {
  if (m.type != WALLARM_MSG_REQUEST && m.type != WALLARM_MSG_RESPONSE &&
      m.type != WALLARM_MSG_HEALTH)
    return false;
  if (m.reserved != 0) return false;
  // A head-only message: a request, with no body bytes (body_total allowed).
  if ((flags & WALLARM_SUBMIT_HEAD_ONLY) &&
      (m.type != WALLARM_MSG_REQUEST || m.body.len != 0 ||
       (m.body_file != nullptr && m.body_file[0] != '\0')))
    return false;
  if (m.type == WALLARM_MSG_HEALTH) return true;
  if (m.method.len != 0 && m.method.ptr == nullptr) return false;
  if (m.header_count != 0 && m.headers == nullptr) return false;
  if (m.request_id.len == 0) return false;
  if (m.type == WALLARM_MSG_REQUEST && (m.method.len == 0 || m.uri.len == 0)) return false;
  if (m.type == WALLARM_MSG_RESPONSE && (m.status < 100 || m.status > 999)) return false;
  return m.body_total >= -1;
}

// The NUL-terminated lines of outer_text, each checked to be one header
// line whose value needs no further escaping on the wire.
std::vector<string> outer_lines(const wallarm::Outgoing& out) {
  const string& t = out.outer_text;
  FUZZ_CHECK(!t.empty() && t.back() == '\0');
  std::vector<string> lines;
  for (size_t at = 0; at < t.size();) {
    size_t end = t.find('\0', at);
    string line = t.substr(at, end - at);
    size_t colon = line.find(':');
    FUZZ_CHECK(colon != string::npos && colon > 0);
    for (size_t i = 0; i < colon; ++i) FUZZ_CHECK(!esc_token(static_cast<unsigned char>(line[i])));
    if (colon + 1 < line.size()) {
      FUZZ_CHECK(line[colon + 1] == ' ' && colon + 2 < line.size());
      for (size_t i = colon + 2; i < line.size(); ++i) {
        auto b = static_cast<unsigned char>(line[i]);
        FUZZ_CHECK(b > 0x20 && b < 0x7f);  // no CR, LF, NUL, SP, DEL, high bytes
      }
    }
    lines.push_back(std::move(line));
    at = end + 1;
  }
  return lines;
}

// The curl_slist: one node per line of outer_text, in order, then the tail.
void check_linked(const wallarm::Outgoing& out, size_t lines, const curl_slist* tail) {
  const curl_slist* n = out.outer;
  const char* p = out.outer_text.data();
  for (size_t i = 0; i < lines; ++i) {
    FUZZ_CHECK(n != nullptr && n->data == p);
    p += std::strlen(p) + 1;
    n = n->next;
  }
  FUZZ_CHECK(n == tail);
}

void check_constant(const wallarm::Outgoing& constant, string_view connector) {
  std::vector<string> lines = outer_lines(constant);
  check_linked(constant, lines.size(), nullptr);
  std::vector<string> want = {"Content-Type: message/http", "X-Wallarm-Protocol: 1",
                              "X-Wallarm-Connector-Type: " + outer_value(connector),
                              "X-Wallarm-Connector-Version: 1.2.3", "Expect:"};
  std::sort(lines.begin(), lines.end());
  std::sort(want.begin(), want.end());
  FUZZ_CHECK(lines == want);
}

// A message that sets every per-message outer header and a large body, so
// that a serialize() after it shows whatever reuse of an Outgoing left over.
void serialize_dirty(wallarm::Outgoing& out, curl_slist* tail) {
  static const string body(4096, 'b');
  static const wallarm_header_t header = {{"X\r", 2}, {"v\n", 2}};
  wallarm_message_t m{};
  m.type = WALLARM_MSG_REQUEST;
  m.method = {"GET", 3};
  m.uri = {"/ x", 3};
  m.headers = &header;
  m.header_count = 1;
  m.body = {body.data(), body.size()};
  m.body_total = 1 << 20;
  m.request_id = {"dirty", 5};
  m.client_ip = {"192.0.2.1", 9};
  m.host = {"dirty.example", 13};
  const char* err = nullptr;
  FUZZ_CHECK(wallarm::encode(m, wallarm::v1_options(WALLARM_SUBMIT_OUT_OF_BAND, 100, tail), out, &err) == WALLARM_OK);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<string_view> f = fuzz::split(string_view(reinterpret_cast<const char*>(data), size));

  string_view control = fuzz::field(f, 0);
  wallarm_message_t m{};
  m.type = WALLARM_MSG_REQUEST;
  if (!control.empty()) {
    switch (control[0]) {
      case 'q': m.type = WALLARM_MSG_REQUEST; break;
      case 's': m.type = WALLARM_MSG_RESPONSE; break;
      case 'h': m.type = WALLARM_MSG_HEALTH; break;
      default: m.type = static_cast<signed char>(control[0]);
    }
    control.remove_prefix(1);
  }
  int64_t status = fuzz::next_number(control, 200);
  m.status = static_cast<int32_t>(fuzz::clamp(status, INT32_MIN, INT32_MAX));
  int64_t limit_number = fuzz::next_number(control, 1 << 20);
  auto limit = static_cast<uint32_t>(fuzz::clamp(limit_number, 0, UINT32_MAX));
  m.body_total = fuzz::next_number(control, -1);
  auto flags = static_cast<uint32_t>(fuzz::clamp(fuzz::next_number(control, 0), 0, UINT32_MAX));
  int64_t quirks = fuzz::next_number(control, 0);

  Strings s;
  s.non_null_empty = (quirks & kNonNullEmpty) != 0;
  m.method = s.add(fuzz::field(f, 1));
  m.uri = s.add(fuzz::field(f, 2));
  m.version = s.add(fuzz::field(f, 3));
  m.request_id = s.add(fuzz::field(f, 4));
  m.client_ip = s.add(fuzz::field(f, 5));
  m.host = s.add(fuzz::field(f, 6));
  string_view body = fuzz::field(f, 7);
  string_view file_part = (quirks & kBodyFile) ? body.substr(body.size() / 2) : string_view();
  m.body = s.add(body.substr(0, body.size() - file_part.size()));
  std::optional<BodyFile> file;
  if (quirks & kBodyFile) {
    file.emplace(file_part);
    m.body_file = file->path.c_str();
  }
  string connector(fuzz::field(f, 8));
  connector.resize(std::strlen(connector.c_str()));  // a C string
  if (connector.empty()) connector = "kong";           // as the engine does
  std::vector<wallarm_header_t> headers;
  for (size_t i = 9; i < f.size(); i += 2)
    headers.push_back({s.add(f[i]), s.add(fuzz::field(f, i + 1))});
  m.headers = headers.empty() ? nullptr : headers.data();
  m.header_count = static_cast<uint32_t>(headers.size());
  if (quirks & kReserved) m.reserved = 1;
  if (quirks & kNullMethod) m.method = {nullptr, m.method.len + 1};
  if (quirks & kNullHeaders) {
    m.headers = nullptr;
    m.header_count += 1;
  }

  wallarm::Outgoing constant;
  wallarm::make_v1_tail(constant, connector.c_str(), "1.2.3");
  check_constant(constant, connector);

  wallarm::Outgoing out;
  serialize_dirty(out, constant.outer);
  const char* err = nullptr;
  int32_t rc = wallarm::encode(m, wallarm::v1_options(flags, limit, constant.outer), out, &err);
  if (!must_accept(m, flags)) {
    FUZZ_CHECK(rc == WALLARM_EINVAL);
    FUZZ_CHECK(err != nullptr && err[0] != '\0');
    return 0;
  }
  FUZZ_CHECK(rc == WALLARM_OK);
  // The body: the memory part, then the file's, min(limit, given) bytes in
  // all; truncated when fewer than max(body_total, given) bytes are sent.
  size_t mem_sent = std::min<size_t>(m.body.len, limit);
  size_t file_sent = std::min<size_t>(file_part.size(), limit - mem_sent);
  FUZZ_CHECK(out.file_len == (m.type == WALLARM_MSG_HEALTH ? 0 : file_sent));
  FUZZ_CHECK(wallarm::finish_body(out) == WALLARM_OK);
  FUZZ_CHECK(out.file_fd < 0);

  std::vector<string> lines = outer_lines(out);
  check_linked(out, lines.size(), constant.outer);
  FUZZ_CHECK(lines.size() <= 10);  // the per-message outer headers of v1
  std::sort(lines.begin(), lines.end());

  if (m.type == WALLARM_MSG_HEALTH) {
    FUZZ_CHECK(out.body.size() == 0);
    FUZZ_CHECK(lines == std::vector<string>{"X-Wallarm-Message-Type: health"});
    return 0;
  }

  // Framing: the head ends at the first CRLF CRLF, every CR and LF in it
  // belongs to a CRLF, and it has no NUL.
  string_view wire(out.body.data(), out.body.size());
  size_t head_end = wire.find("\r\n\r\n");
  FUZZ_CHECK(head_end != string_view::npos);
  string_view head = wire.substr(0, head_end + 4);
  for (size_t i = 0; i < head.size(); ++i) {
    FUZZ_CHECK(head[i] != '\0');
    if (head[i] == '\r') FUZZ_CHECK(i + 1 < head.size() && head[i + 1] == '\n');
    if (head[i] == '\n') FUZZ_CHECK(i > 0 && head[i - 1] == '\r');
  }

  size_t given = body.size();
  size_t sent = mem_sent + file_sent;
  FUZZ_CHECK(sent == std::min<size_t>(given, limit));
  FUZZ_CHECK(out.file_at == head.size() + mem_sent);
  FUZZ_CHECK(wire.size() - head.size() == sent);
  FUZZ_CHECK(wire.substr(head.size()) == body.substr(0, sent));
  uint64_t declared = m.body_total >= 0 ? static_cast<uint64_t>(m.body_total) : 0;
  uint64_t total = std::max<uint64_t>(given, declared);
  FUZZ_CHECK(out.truncated == (sent < total));

  // The head byte for byte, and the outer headers as a set.
  string want;
  uint32_t escaped = 0;
  string_view version = version_model(view(m.version));
  if (m.type == WALLARM_MSG_REQUEST) {
    put_model(want, view(m.method), esc_token, &escaped);
    want += ' ';
    put_model(want, view(m.uri), esc_target, &escaped);
    want += " HTTP/";
    put_model(want, version, esc_token, &escaped);
  } else {
    want += "HTTP/";
    put_model(want, version, esc_token, &escaped);
    want += ' ' + std::to_string(m.status) + ' ';
    want += reason_model(m.status);
  }
  want += "\r\n";
  for (const auto& h : headers) {
    put_model(want, view(h.name), esc_token, &escaped);
    want += ": ";
    put_model(want, view(h.value), esc_value, &escaped);
    want += "\r\n";
  }
  want += "\r\n";
  FUZZ_CHECK(head == want);
  FUZZ_CHECK(out.escaped == escaped);

  std::vector<string> want_lines = {
      string("X-Wallarm-Message-Type: ") + (m.type == WALLARM_MSG_REQUEST ? "request" : "response"),
      "X-Wallarm-Request-Id: " + outer_value(view(m.request_id).substr(0, 128))};
  if (m.client_ip.len != 0)
    want_lines.push_back("X-Wallarm-Forwarded-For: " +
                         outer_value(view(m.client_ip).substr(0, 64)));
  if (m.host.len != 0)
    want_lines.push_back("X-Wallarm-Forwarded-Host: " + outer_value(view(m.host).substr(0, 256)));
  if (flags & WALLARM_SUBMIT_OUT_OF_BAND) want_lines.push_back("X-Wallarm-Out-Of-Band: 1");
  if (flags & WALLARM_SUBMIT_HEAD_ONLY) want_lines.push_back("X-Wallarm-Request-Part: head");
  if (sent < total) want_lines.push_back("X-Wallarm-Body-Truncated: " + std::to_string(total));
  if (escaped != 0) want_lines.push_back("X-Wallarm-Escaped: " + std::to_string(escaped));
  std::sort(want_lines.begin(), want_lines.end());
  FUZZ_CHECK(lines == want_lines);
  return 0;
}
