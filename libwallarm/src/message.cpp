#include "message.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "escape.h"
#include "formats.h"
#include "protocol.h"

namespace wallarm {
namespace {

bool valid(const wallarm_str_t& s) { return s.len == 0 || s.ptr != nullptr; }

const char* check_fields(const wallarm_message_t& m) {
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

}  // namespace

void Outgoing::reset() noexcept {
  if (file_fd >= 0) ::close(file_fd);
  file_fd = -1;
  file_at = file_len = 0;
  truncated = reshaped = no_body = only_200 = false;
  escaped = 0;
  outer = tail = nullptr;
  body.clear();
  outer_text.clear();
  method.clear();
  target.clear();
  multipart.boundary.clear();
}

const char* check_message(const wallarm_message_t& m, uint32_t flags) {
  if (const char* why = check_fields(m)) return why;
  if ((flags & WALLARM_SUBMIT_HEAD_ONLY) == 0) return nullptr;
  if (m.type != WALLARM_MSG_REQUEST) return "flags: HEAD_ONLY is for request messages";
  if (m.body.len != 0 || (m.body_file != nullptr && m.body_file[0] != '\0'))
    return "body: must be empty in a HEAD_ONLY message";
  return nullptr;
}

int32_t plan_body(const wallarm_message_t& m, uint32_t limit, Outgoing& out, BodyPlan* plan,
                  const char** err) {
  plan->mem_len = m.body.len < limit ? m.body.len : limit;
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
    size_t room = limit - plan->mem_len;
    out.file_len = file_size < room ? static_cast<size_t>(file_size) : room;
  }
  uint64_t given = m.body.len + file_size;
  plan->total = m.body_total >= 0 && static_cast<uint64_t>(m.body_total) > given
                    ? static_cast<uint64_t>(m.body_total)
                    : given;
  out.truncated = plan->mem_len + out.file_len < plan->total;
  return WALLARM_OK;
}

char* put_body(char* p, const wallarm_message_t& m, const BodyPlan& plan, Outgoing& out) {
  if (plan.mem_len != 0) p = put(p, std::string_view(m.body.ptr, plan.mem_len));
  out.file_at = static_cast<size_t>(p - out.body.data());
  if (out.file_len == 0 && out.file_fd >= 0) {
    ::close(out.file_fd);
    out.file_fd = -1;
  }
  return p + out.file_len;
}

std::string_view bounded(std::string_view s, size_t max) {
  return s.size() <= max ? s : s.substr(0, max);
}

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

void link_outer(Outgoing& out, curl_slist* tail) {
  out.tail = tail;
  out.outer_nodes.clear();
  char* p = out.outer_text.data();
  char* end = p + out.outer_text.size();
  while (p < end) {
    out.outer_nodes.push_back(curl_slist{p, nullptr});
    p += std::strlen(p) + 1;
  }
  for (size_t i = 0; i + 1 < out.outer_nodes.size(); ++i)
    out.outer_nodes[i].next = &out.outer_nodes[i + 1];
  if (out.outer_nodes.empty()) {
    out.outer = tail;
    return;
  }
  out.outer_nodes.back().next = tail;
  out.outer = &out.outer_nodes[0];
}

void make_v1_tail(Outgoing& out, const char* connector, const char* version,
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

void make_shape_tail(Outgoing& out, const char* connector, const char* version) {
  out.reset();
  add_outer(out, protocol::kHeaderConnectorType, connector);
  add_outer(out, protocol::kHeaderConnectorVersion, version);
  // "Name:" removes a header curl would add of its own. A message's own
  // line of the same name comes first in the list and wins.
  for (const char* own : {"Expect:", "Accept:", "Content-Type:"}) {
    out.outer_text.append(own);
    out.outer_text.push_back('\0');
  }
  link_outer(out, nullptr);
}

const Format& format_of(int32_t format) noexcept {
  static constexpr Format kV1{v1_message, v1_message};
  static constexpr Format kMirror{mirror_request, multipart_message};
  static constexpr Format kMultipart{multipart_message, multipart_message};
  switch (format) {
    case WALLARM_FORMAT_MIRROR: return kMirror;
    case WALLARM_FORMAT_MULTIPART: return kMultipart;
    default: return kV1;
  }
}

int32_t encode(const wallarm_message_t& m, const EncodeOptions& o, Outgoing& out,
               const char** err) {
  out.reset();
  if (const char* why = check_message(m, o.flags)) {
    *err = why;
    return WALLARM_EINVAL;
  }
  if (m.type == WALLARM_MSG_HEALTH) return encode_health(o, out);
  const Format& f = format_of(o.format);
  return m.type == WALLARM_MSG_REQUEST ? f.request(m, o, out, err) : f.response(m, o, out, err);
}

int32_t finish_body(Outgoing& out) noexcept {
  if (out.file_fd >= 0) {
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
    if (done != out.file_len) return WALLARM_EIO;
  }
  if (!out.multipart.boundary.empty()) return multipart_rebound_if_needed(out);
  return WALLARM_OK;
}

}  // namespace wallarm
