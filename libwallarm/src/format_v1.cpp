// Protocol v1: the client's request or the upstream response as a
// message/http body, metadata in X-Wallarm-* outer headers; also batches
// and health messages.
#include <charconv>
#include <string_view>

#include "escape.h"
#include "formats.h"
#include "protocol.h"

namespace wallarm {
namespace {

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

std::string_view type_name(int32_t type) {
  return type == WALLARM_MSG_REQUEST ? protocol::kTypeRequest : protocol::kTypeResponse;
}

}  // namespace

int32_t v1_message(const wallarm_message_t& m, const EncodeOptions& o, Outgoing& out,
                   const char** err) {
  BodyPlan plan;
  if (int32_t rc = plan_body(m, o.body_limit, out, &plan, err); rc != WALLARM_OK) return rc;

  // Upper bound of the header block: every escapable byte may triple; the
  // fixed parts (spaces, "HTTP/", status, CRLFs) fit in 32 bytes.
  std::string_view version = http_version(m.version);
  size_t bound = 32 + version.size() * 3 + reason_phrase(m.status).size();
  if (m.type == WALLARM_MSG_REQUEST) bound += (m.method.len + m.uri.len) * 3;
  for (uint32_t i = 0; i < m.header_count; ++i)
    bound += (m.headers[i].name.len + m.headers[i].value.len) * 3 + 4;
  out.body.reserve(bound + plan.mem_len + out.file_len);

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
  p = put_body(p, m, plan, out);
  out.body.set_size(static_cast<size_t>(p - start));
  out.escaped = escaped;

  // Outer headers: what varies per message. Their values are cut to a bound
  // so that a client's huge Host header cannot push the outer header block
  // past what a node accepts; the embedded header block keeps them whole.
  add_outer(out, protocol::kHeaderMessageType, type_name(m.type));
  add_outer(out, protocol::kHeaderRequestId, bounded(view(m.request_id), kMaxRequestId));
  if (m.client_ip.len != 0)
    add_outer(out, protocol::kHeaderForwardedFor, bounded(view(m.client_ip), kMaxClientIp));
  if (m.host.len != 0)
    add_outer(out, protocol::kHeaderForwardedHost, bounded(view(m.host), kMaxHost));
  if (o.flags & WALLARM_SUBMIT_OUT_OF_BAND) add_outer(out, protocol::kHeaderOutOfBand, "1");
  if (o.flags & WALLARM_SUBMIT_HEAD_ONLY)
    add_outer(out, protocol::kHeaderRequestPart, protocol::kPartHead);
  if (out.truncated) add_outer_number(out, protocol::kHeaderBodyTruncated, plan.total);
  if (escaped != 0) add_outer_number(out, protocol::kHeaderEscaped, escaped);
  link_outer(out, o.v1_tail);
  return WALLARM_OK;
}

int32_t encode_health(const EncodeOptions& o, Outgoing& out) {
  if (o.health_path.empty()) {
    add_outer(out, protocol::kHeaderMessageType, protocol::kTypeHealth);
    link_outer(out, o.v1_tail);
    return WALLARM_OK;
  }
  // A plain GET, as a load balancer's check: with connector headers, a
  // node could take it for a mirror message.
  out.method = "GET";
  out.target.assign(o.health_path);
  out.no_body = true;
  out.only_200 = true;
  link_outer(out, nullptr);
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

void set_batch_outer(Outgoing& out, uint32_t parts, curl_slist* v1_tail) {
  out.reset();
  add_outer(out, protocol::kHeaderMessageType, protocol::kTypeBatch);
  add_outer_number(out, protocol::kHeaderBatchCount, parts);
  link_outer(out, v1_tail);
}

}  // namespace wallarm
