#include "shape_common.h"

#include <array>

#include "escape.h"
#include "protocol.h"

namespace wallarm {
namespace {

// The path and query of a request-target, and whether it was origin-form.
// "http://host/p?q" gives "/p?q", "http://host" and "*" give "/".
std::string_view path_and_query(std::string_view target, bool* origin_form) {
  *origin_form = !target.empty() && target[0] == '/';
  if (*origin_form) return target;
  size_t scheme_end = target.find("://");
  if (scheme_end == std::string_view::npos) return "/";
  size_t path = target.find_first_of("/?", scheme_end + 3);
  if (path == std::string_view::npos) return "/";
  return target.substr(path);  // "?q" when there is no path: set_node_target adds the '/'
}

}  // namespace

bool set_node_target(Outgoing& out, std::string_view prefix, std::string_view client_target) {
  bool origin_form = false;
  std::string_view path = path_and_query(client_target, &origin_form);
  std::string& t = out.target;
  t.assign(prefix);
  if (!path.empty() && path[0] == '?') t.push_back('/');
  size_t at = t.size();
  t.resize(at + path.size() * 3);
  char* end = put_escaped<kEscUri>(t.data() + at, path, &out.escaped);
  t.resize(static_cast<size_t>(end - t.data()));
  if (t.empty()) t.push_back('/');
  return origin_form;
}

bool is_framing_header(std::string_view name) noexcept {
  static constexpr std::array<std::string_view, 9> kNames = {
      "Content-Length", "Transfer-Encoding", "Connection", "Keep-Alive", "Proxy-Connection",
      "TE",             "Trailer",           "Upgrade",    "Expect"};
  for (std::string_view n : kNames)
    if (iequals(name, n)) return true;
  return false;
}

bool is_connector_header(std::string_view name) noexcept {
  return name.size() >= protocol::kHeaderPrefix.size() &&
         iequals(name.substr(0, protocol::kHeaderPrefix.size()), protocol::kHeaderPrefix);
}

char* put_header_line(char* p, const wallarm_header_t& h, uint32_t* escaped, bool for_curl) {
  p = for_curl ? put_escaped<kEscCurlName>(p, view(h.name), escaped)
               : put_escaped<kEscToken>(p, view(h.name), escaped);
  *p++ = ':';
  *p++ = ' ';
  return put_escaped<kEscValue>(p, view(h.value), escaped);
}

void add_connector_lines(Outgoing& out, const wallarm_message_t& m, uint32_t flags,
                         bool target_reduced, uint64_t truncated_total) {
  add_outer(out, protocol::kHeaderConnectorMode, (flags & WALLARM_SUBMIT_OUT_OF_BAND)
                                                     ? protocol::kModeOutOfBand
                                                     : protocol::kModeInline);
  add_outer(out, protocol::kHeaderRequestId, bounded(view(m.request_id), kMaxRequestId));
  if (m.client_ip.len != 0)
    add_outer(out, protocol::kHeaderForwardedFor, bounded(view(m.client_ip), kMaxClientIp));
  if (m.host.len != 0)
    add_outer(out, protocol::kHeaderForwardedHost, bounded(view(m.host), kMaxHost));
  if (m.method.len != 0) add_outer(out, protocol::kHeaderMethod, bounded(view(m.method), 64));
  if (target_reduced)
    add_outer(out, protocol::kHeaderRequestTarget, bounded(view(m.uri), kMaxRequestTarget));
  if (m.type == WALLARM_MSG_RESPONSE)
    add_outer_number(out, protocol::kHeaderResponseStatus, static_cast<uint64_t>(m.status));
  if (flags & WALLARM_SUBMIT_HEAD_ONLY)
    add_outer(out, protocol::kHeaderRequestPart, protocol::kPartHead);
  if (out.truncated) add_outer_number(out, protocol::kHeaderBodyTruncated, truncated_total);
  if (out.escaped != 0) add_outer_number(out, protocol::kHeaderEscaped, out.escaped);
}

}  // namespace wallarm
