// The mirror format (docs/protocol.md 12.2): the client's request replayed
// to the node URL's path + the client's target, its own header lines and
// body, plus the connector headers. Responses go as multipart messages.
#include <string_view>

#include "escape.h"
#include "formats.h"
#include "shape_common.h"

namespace wallarm {
namespace {

bool is_tchar(unsigned char c) noexcept {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

// Whether libcurl can send this method as an ordinary request with this body:
// a token, not CONNECT (a tunnel), not HEAD with a body (curl reads no answer
// body after HEAD and sends none).
bool replayable(std::string_view method, bool with_body) noexcept {
  if (method.empty() || method.size() > 64 || method == "CONNECT") return false;
  if (method == "HEAD" && with_body) return false;
  for (unsigned char c : method)
    if (!is_tchar(c)) return false;
  return true;
}

// Methods whose requests give no meaning to content (RFC 9110 9.3). Any
// other method says its length even when nothing follows (RFC 9110 8.6),
// or a server may read a POST without one to the connection's end.
bool content_has_no_meaning(std::string_view method) noexcept {
  return method == "GET" || method == "HEAD" || method == "DELETE" || method == "OPTIONS" ||
         method == "TRACE";
}

bool is_body_framing(std::string_view name) noexcept {
  return iequals(name, "Content-Length") || iequals(name, "Transfer-Encoding");
}

// Appends a client header as a curl header line. curl drops "Name:" with
// nothing after it (that form removes a header); "Name;" sends it empty.
void add_client_line(Outgoing& out, const wallarm_header_t& h) {
  std::string& t = out.outer_text;
  size_t at = t.size();
  t.resize(at + header_line_bound(h) + 1);
  char* start = t.data() + at;
  char* p = put_header_line(start, h, &out.escaped, /*for_curl=*/true);
  std::string_view value(start, static_cast<size_t>(p - start));
  value.remove_prefix(value.find(':') + 1);
  if (value.find_first_not_of(" \t") == std::string_view::npos) {
    p = start + (value.data() - start) - 1;
    *p++ = ';';
  }
  *p++ = '\0';
  t.resize(static_cast<size_t>(p - t.data()));
}

}  // namespace

int32_t mirror_request(const wallarm_message_t& m, const EncodeOptions& o, Outgoing& out,
                       const char** err) {
  BodyPlan plan;
  if (int32_t rc = plan_body(m, o.body_limit, out, &plan, err); rc != WALLARM_OK) return rc;
  bool framed = false, has_host = false;
  for (uint32_t i = 0; i < m.header_count; ++i) {
    std::string_view name = view(m.headers[i].name);
    framed = framed || is_body_framing(name);
    has_host = has_host || iequals(name, "Host");
  }
  bool body_sent = plan.mem_len + out.file_len != 0;
  // A head sent alone announces its length in X-Wallarm-Body-Truncated only.
  out.no_body = (o.flags & WALLARM_SUBMIT_HEAD_ONLY) != 0 || (!body_sent && !framed);

  std::string_view method = view(m.method);
  bool method_kept = replayable(method, !out.no_body);
  out.method.assign(method_kept ? method : std::string_view("POST"));
  bool target_kept = set_node_target(out, o.path_prefix, view(m.uri));
  out.reshaped = !method_kept || !target_kept;

  for (uint32_t i = 0; i < m.header_count; ++i) {
    const wallarm_header_t& h = m.headers[i];
    std::string_view name = view(h.name);
    if (name.empty()) {
      ++out.escaped;  // a line without a name cannot be replayed
      continue;
    }
    if (is_framing_header(name) || is_connector_header(name)) continue;
    add_client_line(out, h);
  }
  // Without a Host line of the client's, the host the gateway routed on.
  if (!has_host && m.host.len != 0) add_outer(out, "Host", bounded(view(m.host), kMaxHost));
  if (out.no_body && !content_has_no_meaning(out.method)) add_outer(out, "Content-Length", "0");
  add_connector_lines(out, m, o.flags, !target_kept, plan.total);

  out.body.reserve(plan.mem_len + out.file_len);
  char* end = put_body(out.body.data(), m, plan, out);
  out.body.set_size(static_cast<size_t>(end - out.body.data()));
  link_outer(out, o.shape_tail);
  return WALLARM_OK;
}

}  // namespace wallarm
