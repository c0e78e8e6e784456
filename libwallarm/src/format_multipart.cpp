// The multipart format (docs/protocol.md 12.3, 12.4): a POST to the node
// URL's path + the client's path and query, whose multipart/form-data body
// has a `headers` part (the header lines) and a `body` part. Requests in the
// multipart format and responses in both shapes go this way.
#include <cstring>
#include <new>
#include <string>
#include <string_view>

#include "escape.h"
#include "formats.h"
#include "protocol.h"
#include "shape_common.h"

namespace wallarm {
namespace {

constexpr std::string_view kHeadersPart = "Content-Disposition: form-data; name=\"headers\"\r\n\r\n";
constexpr std::string_view kBodyPart = "Content-Disposition: form-data; name=\"body\"\r\n\r\n";
constexpr size_t kMaxBoundaryId = 64;

// The id goes into the boundary as it is: RFC 2046 allows these bytes.
bool id_fits_boundary(std::string_view id) noexcept {
  if (id.empty() || id.size() > kMaxBoundaryId) return false;
  for (unsigned char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

// Bytes of the frame around the two part contents.
size_t frame_size(size_t boundary) {
  return 3 * (2 + boundary + 2) + kHeadersPart.size() + kBodyPart.size() + 2 + 2 + 2;
}

char* put_delimiter(char* p, std::string_view boundary) {
  p = put(p, "--");
  p = put(p, boundary);
  return put_crlf(p);
}

char* put_closing(char* p, std::string_view boundary) {
  p = put(p, "\r\n--");
  p = put(p, boundary);
  p = put(p, "--");
  return put_crlf(p);
}

bool contains(const char* data, size_t len, std::string_view needle) noexcept {
  return len >= needle.size() && ::memmem(data, len, needle.data(), needle.size()) != nullptr;
}

// Whether a part's content holds s.
bool held(const Outgoing& out, std::string_view s) noexcept {
  const MultipartLayout& l = out.multipart;
  const char* b = out.body.data();
  return contains(b + l.headers_at, l.headers_len, s) || contains(b + l.body_at, l.body_len, s);
}

// Rewrites the frame and the Content-Type line with a new boundary.
void rebuild(Outgoing& out, const std::string& boundary) {
  MultipartLayout& l = out.multipart;
  Buffer fresh;
  fresh.reserve(frame_size(boundary.size()) + l.headers_len + l.body_len);
  char* start = fresh.data();
  char* p = put_delimiter(start, boundary);
  p = put(p, kHeadersPart);
  size_t headers_at = static_cast<size_t>(p - start);
  p = put(p, std::string_view(out.body.data() + l.headers_at, l.headers_len));
  p = put_crlf(p);
  p = put_delimiter(p, boundary);
  p = put(p, kBodyPart);
  size_t body_at = static_cast<size_t>(p - start);
  p = put(p, std::string_view(out.body.data() + l.body_at, l.body_len));
  p = put_closing(p, boundary);
  fresh.set_size(static_cast<size_t>(p - start));
  out.file_at = body_at + (out.file_at - l.body_at);
  l.headers_at = headers_at;
  l.body_at = body_at;
  l.boundary = boundary;
  out.body.swap(fresh);

  std::string& t = out.outer_text;
  size_t line_end = t.find('\0', l.content_type_at);
  std::string line = "Content-Type: ";
  line.append(protocol::kMultipartContentType).append(boundary);
  t.replace(l.content_type_at, line_end - l.content_type_at, line);
  link_outer(out, out.tail);
}

// Makes the boundary unique in the part contents, appending -1, -2...
void make_boundary_unique(Outgoing& out) {
  if (!held(out, out.multipart.boundary)) return;
  std::string base = out.multipart.boundary;
  if (size_t dash = base.find('-'); dash != std::string::npos) base.resize(dash);
  for (unsigned n = 1;; ++n) {
    std::string candidate = base + "-" + std::to_string(n);
    if (!held(out, candidate)) {
      rebuild(out, candidate);
      return;
    }
  }
}

}  // namespace

int32_t multipart_message(const wallarm_message_t& m, const EncodeOptions& o, Outgoing& out,
                          const char** err) {
  std::string_view id = view(m.request_id);
  if (!id_fits_boundary(id)) {
    *err = "request_id: the multipart format takes 1 to 64 letters, digits, '-', '_' or '.'";
    return WALLARM_EINVAL;
  }
  BodyPlan plan;
  if (int32_t rc = plan_body(m, o.body_limit, out, &plan, err); rc != WALLARM_OK) return rc;
  bool target_kept = set_node_target(out, o.path_prefix, m.uri.len != 0 ? view(m.uri) : "/");
  out.reshaped = !target_kept;

  MultipartLayout& l = out.multipart;
  l.boundary.assign(protocol::kBoundaryPrefix);
  for (char c : id)
    if (c != '-') l.boundary.push_back(c);

  size_t bound = frame_size(l.boundary.size()) + plan.mem_len + out.file_len;
  for (uint32_t i = 0; i < m.header_count; ++i) bound += header_line_bound(m.headers[i]);
  out.body.reserve(bound);
  char* start = out.body.data();
  char* p = put_delimiter(start, l.boundary);
  p = put(p, kHeadersPart);
  l.headers_at = static_cast<size_t>(p - start);
  for (uint32_t i = 0; i < m.header_count; ++i) {
    std::string_view name = view(m.headers[i].name);
    if (name.empty()) {
      ++out.escaped;  // a line without a name cannot be read back
      continue;
    }
    if (is_connector_header(name)) continue;
    p = put_header_line(p, m.headers[i], &out.escaped);
    p = put_crlf(p);
  }
  l.headers_len = static_cast<size_t>(p - start) - l.headers_at;
  p = put_crlf(p);
  p = put_delimiter(p, l.boundary);
  p = put(p, kBodyPart);
  l.body_at = static_cast<size_t>(p - start);
  p = put_body(p, m, plan, out);
  l.body_len = static_cast<size_t>(p - start) - l.body_at;
  p = put_closing(p, l.boundary);
  out.body.set_size(static_cast<size_t>(p - start));

  // Not escaped as outer values are: the boundary's bytes need none, and
  // the media type's space must stay one.
  l.content_type_at = out.outer_text.size();
  out.outer_text.append("Content-Type: ").append(protocol::kMultipartContentType);
  out.outer_text.append(l.boundary).push_back('\0');
  add_connector_lines(out, m, o.flags, !target_kept, plan.total);
  link_outer(out, o.shape_tail);
  // The boundary is checked against the parts by finish_body(), on the
  // engine thread: a body file is only read there, and the search costs
  // about 0.2 ns a byte that the event loop need not pay.
  return WALLARM_OK;
}

int32_t multipart_rebound_if_needed(Outgoing& out) noexcept {
  try {
    make_boundary_unique(out);
  } catch (...) {
    return WALLARM_ENOMEM;
  }
  return WALLARM_OK;
}

}  // namespace wallarm
