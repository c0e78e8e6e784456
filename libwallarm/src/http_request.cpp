#include "http_request.h"

#include <cstdio>
#include <cstring>
#include <string_view>

namespace wallarm {
namespace {

bool iprefix(std::string_view s, std::string_view prefix) noexcept {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    char x = s[i], y = prefix[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x + 32);
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y + 32);
    if (x != y) return false;
  }
  return true;
}

// The first line of the list named name (followed by ':' or ';'), as curl's
// Curl_checkheaders finds it, or nullptr.
const char* find_line(const curl_slist* list, std::string_view name) noexcept {
  for (const curl_slist* n = list; n != nullptr; n = n->next) {
    std::string_view line(n->data);
    if (iprefix(line, name) && line.size() > name.size() &&
        (line[name.size()] == ':' || line[name.size()] == ';'))
      return n->data;
  }
  return nullptr;
}

void put(Buffer& b, std::string_view s) { b.append(s.data(), s.size()); }

std::string base64(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (uint32_t{static_cast<unsigned char>(in[i])} << 16) |
                 (uint32_t{static_cast<unsigned char>(in[i + 1])} << 8) |
                 static_cast<unsigned char>(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out.push_back(kAlphabet[(v >> s) & 63]);
  }
  if (i < in.size()) {
    uint32_t v = uint32_t{static_cast<unsigned char>(in[i])} << 16;
    if (i + 1 < in.size()) v |= uint32_t{static_cast<unsigned char>(in[i + 1])} << 8;
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(i + 1 < in.size() ? kAlphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

std::string part(CURLU* url, CURLUPart which, unsigned flags = 0) {
  char* p = nullptr;
  std::string s;
  if (curl_url_get(url, which, &p, flags) == CURLUE_OK && p != nullptr) s = p;
  curl_free(p);
  return s;
}

}  // namespace

bool node_address_of(CURLU* url, NodeAddress* out) {
  try {
    std::string scheme = part(url, CURLUPART_SCHEME);
    std::string host = part(url, CURLUPART_HOST);
    std::string port = part(url, CURLUPART_PORT);
    bool default_port = port.empty() || (scheme == "http" && port == "80") ||
                        (scheme == "https" && port == "443");
    out->host_line = "Host: " + host + (default_port ? "" : ":" + port);
    std::string user = part(url, CURLUPART_USER, CURLU_URLDECODE);
    std::string password = part(url, CURLUPART_PASSWORD, CURLU_URLDECODE);
    out->auth_line = user.empty() ? "" : "Authorization: Basic " + base64(user + ":" + password);
    out->target = part(url, CURLUPART_PATH);
    if (out->target.empty()) out->target = "/";
    std::string query = part(url, CURLUPART_QUERY);
    if (!query.empty()) out->target += "?" + query;
    return true;
  } catch (...) {
    return false;
  }
}

void frame_head(const Outgoing& out, const NodeAddress& node, Buffer& head) {
  const curl_slist* lines = out.outer;
  std::string_view method = !out.method.empty() ? std::string_view(out.method)
                            : out.no_body        ? std::string_view("GET")
                                                 : std::string_view("POST");
  put(head, method);
  put(head, " ");
  put(head, out.target.empty() ? std::string_view(node.target) : std::string_view(out.target));
  put(head, " HTTP/1.1\r\n");

  // A Host line of the message's takes the place of the URL's.
  const char* host = find_line(lines, "Host");
  if (host == nullptr) {
    put(head, node.host_line);
    put(head, "\r\n");
  } else if (std::strcmp(host, "Host:") != 0) {
    put(head, "Host:");
    put(head, host + 5);
    put(head, "\r\n");
  }
  bool host_sent = host == nullptr || std::strcmp(host, "Host:") != 0;
  if (!node.auth_line.empty() && find_line(lines, "Authorization") == nullptr) {
    put(head, node.auth_line);
    put(head, "\r\n");
  }
  if (find_line(lines, "Accept") == nullptr) put(head, "Accept: */*\r\n");

  for (const curl_slist* n = lines; n != nullptr; n = n->next) {
    std::string_view line(n->data);
    size_t colon = line.find(':');
    bool empty_form = false;
    if (colon == std::string_view::npos) {
      // "Name;" is the empty header "Name:"; anything else is no header.
      if (line.size() < 2 || line.back() != ';' || line.find(';') != line.size() - 1) continue;
      colon = line.size() - 1;
      empty_form = true;
    } else {
      if (colon == 0) continue;
      std::string_view value = line.substr(colon + 1);
      if (value.find_first_not_of(" \t\r\n\f\v") == std::string_view::npos) continue;  // removal
    }
    if (host_sent && iprefix(line, "Host") && colon == 4) continue;
    if (empty_form) {
      put(head, line.substr(0, colon));
      put(head, ":\r\n");
    } else {
      put(head, line);
      put(head, "\r\n");
    }
  }
  if (!out.no_body && find_line(lines, "Content-Length") == nullptr) {
    char digits[48];
    int n = std::snprintf(digits, sizeof digits, "Content-Length: %zu\r\n", out.body.size());
    head.append(digits, static_cast<size_t>(n));
  }
  put(head, "\r\n");
}

}  // namespace wallarm
