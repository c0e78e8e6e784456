#include "attack_types.h"

#include <algorithm>
#include <array>
#include <utility>

namespace node {
namespace {

constexpr std::string_view kAttackPrefix = "attack-";

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), ascii_lower);
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// ModSecurity's non-strict URL decoding of argument names.
std::string url_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 &&
               hex_value(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2])));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string cut(std::string s) {
  if (s.size() > kMaxLocation) s.resize(kMaxLocation);
  return s;
}

// CRS tag (without "attack-") -> node type, for the tags that are renamed.
constexpr std::array<std::pair<std::string_view, std::string_view>, 13> kRenamed{{
    {"lfi", "ptrav"},
    {"rfi", "rfi"},
    {"rce", "rce"},
    {"injection-php", "php_injection"},
    {"injection-nodejs", "rce"},
    {"injection-java", "java_injection"},
    {"xss", "xss"},
    {"sqli", "sqli"},
    {"fixation", "session_fixation"},
    {"session-fixation", "session_fixation"},
    {"protocol", "protocol"},
    {"reputation-scanner", "scanner"},
    {"dos", "dos"},
}};

// Also protocol: HTTP-level anomalies reported by the 920/921/922 rules.
constexpr std::array<std::string_view, 4> kProtocol{
    "multipart-header", "deprecated-header", "request-smuggling", "http-smuggling"};

}  // namespace

std::string attack_type_from_tag(std::string_view tag) {
  if (!starts_with(tag, kAttackPrefix)) return {};
  std::string_view rest = tag.substr(kAttackPrefix.size());
  if (rest.empty() || rest == "generic") return {};
  for (const auto& [crs, type] : kRenamed)
    if (rest == crs) return std::string(type);
  for (std::string_view p : kProtocol)
    if (rest == p) return "protocol";
  return std::string(rest);
}

std::string attack_type_from_tags(const std::vector<std::string_view>& tags) {
  bool java = std::find(tags.begin(), tags.end(), std::string_view("language-java")) != tags.end();
  for (std::string_view tag : tags) {
    std::string type = attack_type_from_tag(tag);
    if (type.empty()) continue;
    if (java && type == "rce") return "java_injection";
    return type;
  }
  return {};
}

std::string attack_type_from_rule_id(int rule_id) {
  if (rule_id < 900000 || rule_id > 999999) return {};
  switch (rule_id / 1000) {
    case 911: return "protocol";  // method not allowed (tagged attack-generic)
    case 912: return "dos";
    case 913: return "scanner";
    case 920:
    case 921:
    case 922: return "protocol";
    case 930: return "ptrav";
    case 931: return "rfi";
    case 932: return "rce";
    case 933: return "php_injection";
    case 934: return "rce";
    case 941: return "xss";
    case 942: return "sqli";
    case 943: return "session_fixation";
    case 944: return "java_injection";
    default: return {};
  }
}

std::string location_from_variable(std::string_view variable,
                                   const std::vector<std::string>& query_names) {
  size_t colon = variable.find(':');
  std::string_view collection = variable.substr(0, colon);
  std::string_view key =
      colon == std::string_view::npos ? std::string_view() : variable.substr(colon + 1);

  if (collection == "ARGS" || collection == "ARGS_NAMES") {
    if (colon == std::string_view::npos) return "request";
    bool in_query = std::find(query_names.begin(), query_names.end(), key) != query_names.end();
    return in_query ? "query" : "body";
  }
  if (collection == "ARGS_GET" || collection == "ARGS_GET_NAMES" || collection == "QUERY_STRING")
    return "query";
  if (collection == "ARGS_POST" || collection == "ARGS_POST_NAMES" ||
      collection == "REQUEST_BODY" || collection == "REQUEST_BODY_LENGTH" || collection == "XML" ||
      starts_with(collection, "FILES") || starts_with(collection, "MULTIPART_") ||
      starts_with(collection, "REQBODY_"))
    return "body";
  if (collection == "REQUEST_FILENAME" || collection == "REQUEST_BASENAME") return "path";
  if (collection == "REQUEST_URI" || collection == "REQUEST_URI_RAW" ||
      collection == "REQUEST_LINE")
    return "uri";
  if (collection == "REQUEST_HEADERS") {
    if (key.empty()) return "header";
    if (lower(key) == "cookie") return "cookie";
    return cut("header:" + lower(key));
  }
  if (collection == "REQUEST_HEADERS_NAMES") return "header";
  if (collection == "REQUEST_COOKIES" || collection == "REQUEST_COOKIES_NAMES") return "cookie";
  if (collection == "REQUEST_METHOD") return "method";
  if (collection == "REQUEST_PROTOCOL") return "protocol";
  return "request";
}

std::vector<std::string> query_param_names(std::string_view query) {
  std::vector<std::string> names;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    if (!pair.empty()) names.push_back(url_decode(pair.substr(0, pair.find('='))));
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return names;
}

std::string variable_from_rule_message(std::string_view match, std::string_view data) {
  constexpr std::string_view kAgainst = " against variable `";
  constexpr std::string_view kValue = "' (Value: ";
  size_t at = match.find(kAgainst);
  if (at != std::string_view::npos) {
    std::string_view rest = match.substr(at + kAgainst.size());
    size_t end = rest.find(kValue);
    if (end == std::string_view::npos) end = rest.find('\'');
    if (end != std::string_view::npos && end > 0) return std::string(rest.substr(0, end));
  }
  constexpr std::string_view kWithin = " found within ";
  at = data.find(kWithin);
  if (at != std::string_view::npos) {
    std::string_view rest = data.substr(at + kWithin.size());
    size_t end = rest.find(": ");  // "<variable>: <value>"
    if (end == std::string_view::npos) {
      end = rest.size();
      if (end > 0 && rest[end - 1] == ':') --end;
    }
    if (end > 0) return std::string(rest.substr(0, end));
  }
  return {};
}

}  // namespace node
