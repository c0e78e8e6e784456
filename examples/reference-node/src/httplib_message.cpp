#include "httplib_message.h"

#include <httplib.h>

#include <algorithm>
#include <iterator>
#include <set>
#include <utility>
#include <vector>

#include "ascii.h"
#include "head_escaping.h"

namespace node {
namespace {

// The headers httplib acts on, held under a name no request can send: a
// header name read from the wire never holds a line feed.
constexpr const char* kHeld[] = {"Content-Type", "Content-Encoding", "Accept-Encoding", "Range"};
constexpr char kHeldPrefix = '\n';
const std::string kHeldMethod = "\n:method";
constexpr const char* kAddedByHttplib[] = {"REMOTE_ADDR", "REMOTE_PORT", "LOCAL_ADDR",
                                           "LOCAL_PORT"};

bool frames_body(const httplib::Request& req) {
  if (req.has_header("Transfer-Encoding")) return true;
  const std::string length = req.get_header_value("Content-Length");
  return !length.empty() && length != "0";
}

// The first header of that name (httplib's lookup gives the first too).
const std::string* first(const httplib::Request& req, const std::string& name) {
  auto it = req.headers.lower_bound(name);
  if (it == req.headers.end() || req.headers.key_comp()(name, it->first)) return nullptr;
  return &it->second;
}

std::string wire_value(std::string_view name, const std::string& value) {
  return escaped(value, is_connector_header(name) ? EscapeClass::outer : EscapeClass::value);
}

}  // namespace

void hold_message_head(httplib::Request& req) {
  if (first(req, kHeldMethod) != nullptr) return;  // held already
  httplib::Headers& headers = req.headers;
  for (const char* name : kHeld) {
    auto [from, to] = headers.equal_range(name);
    std::vector<std::pair<std::string, std::string>> held(from, to);
    headers.erase(from, to);
    for (auto& [n, v] : held) headers.emplace(kHeldPrefix + n, std::move(v));
  }
  req.ranges.clear();  // parsed from Range before the pre-routing handler runs
  headers.emplace(kHeldMethod, req.method);
  // httplib reads a body by the method, not by the framing: none for GET,
  // HEAD or OPTIONS, a POST without framing to the connection's end (RFC
  // 9112 6.3 gives that request an empty body), and a method it does not
  // know it refuses. So the framing alone picks the method httplib sees;
  // the received one is kept above.
  req.method = frames_body(req) ? "POST" : "GET";
}

std::string received_method(const httplib::Request& req) {
  const std::string* held = first(req, kHeldMethod);
  return held != nullptr ? *held : req.method;
}

OuterHeaders received_headers(const httplib::Request& req) {
  return [&req](const char* name) -> std::optional<std::string> {
    const std::string* value = first(req, kHeldPrefix + std::string(name));
    if (value == nullptr) value = first(req, name);
    if (value == nullptr) return std::nullopt;
    return wire_value(name, *value);
  };
}

OuterRequest received_request(const httplib::Request& req) {
  OuterRequest r;
  r.method = received_method(req);
  r.target = req.target;
  r.body = req.body;
  // httplib adds its own after the client's headers of the same name.
  std::set<const std::pair<const std::string, std::string>*> added;
  for (const char* name : kAddedByHttplib) {
    auto [from, to] = req.headers.equal_range(name);
    if (from != to) added.insert(&*std::prev(to));
  }
  for (const auto& entry : req.headers) {
    if (added.count(&entry) != 0 || entry.first == kHeldMethod) continue;
    std::string name = entry.first;
    if (!name.empty() && name.front() == kHeldPrefix) name.erase(0, 1);
    r.headers.push_back({name, wire_value(name, entry.second)});
  }
  // Held headers sorted first under their held names: back to httplib's order.
  std::stable_sort(r.headers.begin(), r.headers.end(), [](const Header& a, const Header& b) {
    return std::lexicographical_compare(
        a.name.begin(), a.name.end(), b.name.begin(), b.name.end(),
        [](char x, char y) { return ascii_lower(x) < ascii_lower(y); });
  });
  return r;
}

}  // namespace node
