#include "message.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <string_view>

#include "protocol.h"

namespace wallarm {
namespace {

// Which bytes are written as %XX, per field (docs/protocol.md, "Escaping").
enum EscapeClass : uint8_t {
  kEscToken = 1,   // method, version, header name: CTL, SP, DEL, ':'
  kEscUri = 2,     // request target: CTL, SP, DEL
  kEscValue = 4,   // header value: CR, LF, NUL
  kEscOuter = 8,   // outer header value: all but visible ASCII, and '%'
};

constexpr std::array<uint8_t, 256> make_escape_table() {
  std::array<uint8_t, 256> t{};
  for (int b = 0; b < 256; ++b) {
    uint8_t c = 0;
    if (b <= 0x20 || b == 0x7f) c |= kEscToken | kEscUri;
    if (b == ':') c |= kEscToken;
    if (b == '\r' || b == '\n' || b == 0) c |= kEscValue;
    if (b <= 0x20 || b >= 0x7f || b == '%') c |= kEscOuter;
    t[static_cast<size_t>(b)] = c;
  }
  return t;
}
constexpr std::array<uint8_t, 256> kEscape = make_escape_table();
constexpr char kHex[] = "0123456789ABCDEF";

std::string_view view(const wallarm_str_t& s) {
  return s.len == 0 ? std::string_view() : std::string_view(s.ptr, s.len);
}

bool valid(const wallarm_str_t& s) { return s.len == 0 || s.ptr != nullptr; }

// Whether an 8-byte word may hold a byte of class Cls (false positives are
// fine: that word is then checked byte by byte). Header bytes almost never
// need escaping, so most words are copied without a per-byte look-up.
template <uint8_t Cls>
bool word_may_escape(uint64_t x) {
  constexpr uint64_t kOnes = 0x0101010101010101ull, kHighs = 0x8080808080808080ull;
  auto any_below = [&](uint64_t n) { return ((x - kOnes * n) & ~x & kHighs) != 0; };
  auto any_equal = [&](uint64_t b) {
    uint64_t y = x ^ (kOnes * b);
    return ((y - kOnes) & ~y & kHighs) != 0;
  };
  if constexpr (Cls == kEscValue) return any_below(0x0e);
  if constexpr (Cls == kEscUri) return any_below(0x21) || any_equal(0x7f);
  if constexpr (Cls == kEscToken) return any_below(0x21) || any_equal(0x7f) || any_equal(':');
  return any_below(0x21) || (x & kHighs) != 0 || any_equal(0x7f) || any_equal('%');  // kEscOuter
}

// Copies s to p, escaping bytes of class Cls; returns the new end and adds
// the number of escaped bytes to *count. The caller reserved 3 * s.size().
template <uint8_t Cls>
char* put_escaped(char* p, std::string_view s, uint32_t* count) {
  const auto* in = reinterpret_cast<const unsigned char*>(s.data());
  size_t n = s.size();
  size_t run = 0;  // start of the bytes not yet copied
  size_t i = 0;
  while (i < n) {
    if (n - i >= 8) {
      uint64_t word;
      std::memcpy(&word, in + i, 8);
      if (!word_may_escape<Cls>(word)) {
        i += 8;
        continue;
      }
    }
    size_t end = n - i >= 8 ? i + 8 : n;
    for (; i < end; ++i) {
      if ((kEscape[in[i]] & Cls) == 0) continue;
      std::memcpy(p, in + run, i - run);
      p += i - run;
      *p++ = '%';
      *p++ = kHex[in[i] >> 4];
      *p++ = kHex[in[i] & 15];
      ++*count;
      run = i + 1;
    }
  }
  if (n > run) std::memcpy(p, in + run, n - run);  // in may be NULL when n is 0
  return p + (n - run);
}

char* put(char* p, std::string_view s) {
  if (!s.empty()) std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

char* put_crlf(char* p) {
  *p++ = '\r';
  *p++ = '\n';
  return p;
}

// "1.1", "HTTP/1.1" and "http/1.1" all name HTTP/1.1; empty means 1.1.
std::string_view http_version(const wallarm_str_t& v) {
  std::string_view s = view(v);
  if (s.size() >= 5 && (s[0] | 0x20) == 'h' && (s[1] | 0x20) == 't' && (s[2] | 0x20) == 't' &&
      (s[3] | 0x20) == 'p' && s[4] == '/')
    s.remove_prefix(5);
  return s.empty() ? "1.1" : s;
}

// RFC 9110 reason phrases; others get an empty reason, which HTTP allows.
std::string_view reason_phrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "";
  }
}

// Bytes of each outer header value kept (before escaping).
constexpr size_t kMaxRequestId = 128;
constexpr size_t kMaxClientIp = 64;
constexpr size_t kMaxHost = 256;

std::string_view bounded(std::string_view s, size_t max) {
  return s.size() <= max ? s : s.substr(0, max);
}

// Appends "Name: value\0" to out.outer_text (value escaped for outer headers).
void add_outer(Outgoing& out, std::string_view name, std::string_view value) {
  std::string& t = out.outer_text;
  size_t at = t.size();
  t.resize(at + name.size() + 2 + value.size() * 3 + 1);
  char* p = put(t.data() + at, name);
  *p++ = ':';
  *p++ = ' ';
  uint32_t ignored = 0;
  p = put_escaped<kEscOuter>(p, value, &ignored);
  *p++ = '\0';
  t.resize(static_cast<size_t>(p - t.data()));
}

void add_outer_number(Outgoing& out, std::string_view name, uint64_t value) {
  char digits[24];
  auto r = std::to_chars(digits, digits + sizeof digits, value);
  add_outer(out, name, std::string_view(digits, static_cast<size_t>(r.ptr - digits)));
}

// Points the curl_slist nodes at the NUL-separated lines of outer_text.
void link_outer(Outgoing& out, curl_slist* tail) {
  char* p = out.outer_text.data();
  char* end = p + out.outer_text.size();
  int n = 0;
  while (p < end && n < kMaxOuterHeaders) {
    out.outer_nodes[n].data = p;
    out.outer_nodes[n].next = nullptr;
    if (n > 0) out.outer_nodes[n - 1].next = &out.outer_nodes[n];
    p += std::strlen(p) + 1;
    ++n;
  }
  if (n == 0) {
    out.outer = tail;
    return;
  }
  out.outer_nodes[n - 1].next = tail;
  out.outer = &out.outer_nodes[0];
}

std::string_view type_name(int32_t type) {
  switch (type) {
    case WALLARM_MSG_REQUEST: return protocol::kTypeRequest;
    case WALLARM_MSG_RESPONSE: return protocol::kTypeResponse;
    default: return protocol::kTypeHealth;
  }
}

const char* check(const wallarm_message_t& m) {
  if (m.type != WALLARM_MSG_REQUEST && m.type != WALLARM_MSG_RESPONSE &&
      m.type != WALLARM_MSG_HEALTH)
    return "type: not a wallarm_msg_type_t";
  if (m.reserved != 0) return "reserved: must be 0";
  if (m.type == WALLARM_MSG_HEALTH) return nullptr;
  if (!valid(m.method) || !valid(m.uri) || !valid(m.version) || !valid(m.body) ||
      !valid(m.request_id) || !valid(m.client_ip) || !valid(m.host))
    return "a string view has a NULL pointer and a non-zero length";
  if (m.header_count != 0 && m.headers == nullptr) return "headers: NULL with header_count > 0";
  for (uint32_t i = 0; i < m.header_count; ++i)
    if (!valid(m.headers[i].name) || !valid(m.headers[i].value))
      return "headers: a view has a NULL pointer and a non-zero length";
  if (m.request_id.len == 0) return "request_id: required";
  if (m.type == WALLARM_MSG_REQUEST) {
    if (m.method.len == 0) return "method: required for a request";
    if (m.uri.len == 0) return "uri: required for a request";
  } else if (m.status < 100 || m.status > 999) {
    return "status: must be between 100 and 999";
  }
  if (m.body_total < -1) return "body_total: must be -1 or a length";
  return nullptr;
}

const char* check_head_only(const wallarm_message_t& m) {
  if (m.type != WALLARM_MSG_REQUEST) return "flags: HEAD_ONLY is for request messages";
  if (m.body.len != 0 || (m.body_file != nullptr && m.body_file[0] != '\0'))
    return "body: must be empty in a HEAD_ONLY message";
  return nullptr;
}

}  // namespace

void Outgoing::reset() noexcept {
  if (file_fd >= 0) ::close(file_fd);
  file_fd = -1;
  file_at = file_len = 0;
  truncated = false;
  escaped = 0;
  outer = nullptr;
  body.clear();
  outer_text.clear();
}

void make_constant_outer(Outgoing& out, const char* connector, const char* version,
                         std::string_view content_type) {
  out.reset();
  add_outer(out, "Content-Type", content_type);
  add_outer(out, protocol::kHeaderProtocol, protocol::kVersion);
  add_outer(out, protocol::kHeaderConnectorType, connector);
  add_outer(out, protocol::kHeaderConnectorVersion, version);
  // Never wait for "100 Continue": curl asks for it on large bodies.
  out.outer_text.append("Expect:");
  out.outer_text.push_back('\0');
  link_outer(out, nullptr);
}

int32_t serialize(const wallarm_message_t& m, uint32_t flags, uint32_t body_limit,
                  curl_slist* constant_tail, Outgoing& out, const char** err) {
  out.reset();
  const char* why = check(m);
  if (why == nullptr && (flags & WALLARM_SUBMIT_HEAD_ONLY)) why = check_head_only(m);
  if (why != nullptr) {
    *err = why;
    return WALLARM_EINVAL;
  }

  if (m.type == WALLARM_MSG_HEALTH) {
    add_outer(out, protocol::kHeaderMessageType, protocol::kTypeHealth);
    link_outer(out, constant_tail);
    return WALLARM_OK;
  }

  // The body: memory part, then the file part, up to body_limit in all.
  size_t mem_len = m.body.len < body_limit ? m.body.len : body_limit;
  uint64_t file_size = 0;
  if (m.body_file != nullptr && m.body_file[0] != '\0') {
    out.file_fd = ::open(m.body_file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    struct stat st {};
    if (out.file_fd < 0 || ::fstat(out.file_fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      *err = "body_file: cannot open a regular file";
      out.reset();
      return WALLARM_EIO;
    }
    file_size = static_cast<uint64_t>(st.st_size);
    size_t room = body_limit - mem_len;
    out.file_len = file_size < room ? static_cast<size_t>(file_size) : room;
  }
  uint64_t given = m.body.len + file_size;
  uint64_t total = m.body_total >= 0 && static_cast<uint64_t>(m.body_total) > given
                       ? static_cast<uint64_t>(m.body_total)
                       : given;
  out.truncated = mem_len + out.file_len < total;

  // Upper bound of the header block: every escapable byte may triple; the
  // fixed parts (spaces, "HTTP/", status, CRLFs) fit in 32 bytes.
  std::string_view version = http_version(m.version);
  size_t bound = 32 + version.size() * 3 + reason_phrase(m.status).size();
  if (m.type == WALLARM_MSG_REQUEST)
    bound += (m.method.len + m.uri.len) * 3;
  for (uint32_t i = 0; i < m.header_count; ++i)
    bound += (m.headers[i].name.len + m.headers[i].value.len) * 3 + 4;
  out.body.reserve(bound + mem_len + out.file_len);

  char* start = out.body.data();
  char* p = start;
  uint32_t escaped = 0;
  if (m.type == WALLARM_MSG_REQUEST) {
    p = put_escaped<kEscToken>(p, view(m.method), &escaped);
    *p++ = ' ';
    p = put_escaped<kEscUri>(p, view(m.uri), &escaped);
    p = put(p, " HTTP/");
    p = put_escaped<kEscToken>(p, version, &escaped);
  } else {
    p = put(p, "HTTP/");
    p = put_escaped<kEscToken>(p, version, &escaped);
    char digits[8];
    auto r = std::to_chars(digits, digits + sizeof digits, m.status);
    *p++ = ' ';
    p = put(p, std::string_view(digits, static_cast<size_t>(r.ptr - digits)));
    *p++ = ' ';
    p = put(p, reason_phrase(m.status));
  }
  p = put_crlf(p);
  for (uint32_t i = 0; i < m.header_count; ++i) {
    p = put_escaped<kEscToken>(p, view(m.headers[i].name), &escaped);
    *p++ = ':';
    *p++ = ' ';
    p = put_escaped<kEscValue>(p, view(m.headers[i].value), &escaped);
    p = put_crlf(p);
  }
  p = put_crlf(p);
  if (mem_len != 0) p = put(p, std::string_view(m.body.ptr, mem_len));
  out.file_at = static_cast<size_t>(p - start);
  out.body.set_size(out.file_at + out.file_len);
  out.escaped = escaped;
  if (out.file_len == 0 && out.file_fd >= 0) {
    ::close(out.file_fd);
    out.file_fd = -1;
  }

  // Outer headers: what varies per message. Their values are cut to a bound
  // so that a client's huge Host header cannot push the outer header block
  // past what a node accepts; the embedded header block keeps them whole.
  add_outer(out, protocol::kHeaderMessageType, type_name(m.type));
  add_outer(out, protocol::kHeaderRequestId, bounded(view(m.request_id), kMaxRequestId));
  if (m.client_ip.len != 0)
    add_outer(out, protocol::kHeaderForwardedFor, bounded(view(m.client_ip), kMaxClientIp));
  if (m.host.len != 0)
    add_outer(out, protocol::kHeaderForwardedHost, bounded(view(m.host), kMaxHost));
  if (flags & WALLARM_SUBMIT_OUT_OF_BAND) add_outer(out, protocol::kHeaderOutOfBand, "1");
  if (flags & WALLARM_SUBMIT_HEAD_ONLY) add_outer(out, protocol::kHeaderRequestPart, protocol::kPartHead);
  if (out.truncated) add_outer_number(out, protocol::kHeaderBodyTruncated, total);
  if (escaped != 0) add_outer_number(out, protocol::kHeaderEscaped, escaped);
  link_outer(out, constant_tail);
  return WALLARM_OK;
}

void append_batch_part(Buffer& batch, const Outgoing& part) {
  // The part's outer lines are NUL-terminated and already escaped: each NUL
  // becomes a CRLF.
  const std::string& lines = part.outer_text;
  char length[48];
  auto r = std::to_chars(length, length + sizeof length, part.body.size());
  size_t digits = static_cast<size_t>(r.ptr - length);
  batch.reserve(batch.size() + lines.size() * 2 + 16 + digits + 4 + part.body.size());
  char* start = batch.data();
  char* p = start + batch.size();
  for (size_t at = 0; at < lines.size();) {
    size_t end = lines.find('\0', at);
    p = put(p, std::string_view(lines.data() + at, end - at));
    p = put_crlf(p);
    at = end + 1;
  }
  p = put(p, "Content-Length: ");
  p = put(p, std::string_view(length, digits));
  p = put_crlf(p);
  p = put_crlf(p);
  batch.set_size(static_cast<size_t>(p - start));
  batch.append(part.body.data(), part.body.size());
}

void set_batch_outer(Outgoing& out, uint32_t parts, curl_slist* constant_tail) {
  out.reset();
  add_outer(out, protocol::kHeaderMessageType, protocol::kTypeBatch);
  add_outer_number(out, protocol::kHeaderBatchCount, parts);
  link_outer(out, constant_tail);
}

int32_t read_body_file(Outgoing& out) noexcept {
  if (out.file_fd < 0) return WALLARM_OK;
  size_t done = 0;
  while (done < out.file_len) {
    ssize_t n = ::pread(out.file_fd, out.body.data() + out.file_at + done, out.file_len - done,
                        static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  ::close(out.file_fd);
  out.file_fd = -1;
  // A file that shrank after submit: the announced length no longer holds.
  return done == out.file_len ? WALLARM_OK : WALLARM_EIO;
}

}  // namespace wallarm
