#include "media_type.h"

#include "ascii.h"

namespace node {
namespace {

std::string lowered(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = ascii_lower(c);
  return out;
}

void skip_blanks(std::string_view& s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
}

// A quoted-string at the start of s (which starts with '"'), unquoted;
// nullopt when it does not end.
std::optional<std::string> take_quoted(std::string_view& s) {
  std::string out;
  for (size_t i = 1; i < s.size(); ++i) {
    if (s[i] == '"') {
      s.remove_prefix(i + 1);
      return out;
    }
    if (s[i] == '\\' && i + 1 < s.size()) ++i;  // quoted-pair
    out += s[i];
  }
  return std::nullopt;
}

}  // namespace

const std::string* MediaType::parameter(std::string_view name) const {
  for (const auto& [n, v] : parameters)
    if (n == name) return &v;
  return nullptr;
}

std::optional<MediaType> parse_media_type(std::string_view value) {
  MediaType out;
  size_t semicolon = value.find(';');
  out.type = lowered(trim_blanks(value.substr(0, semicolon)));
  if (out.type.empty()) return std::nullopt;
  std::string_view rest =
      semicolon == std::string_view::npos ? std::string_view() : value.substr(semicolon);
  for (;;) {
    skip_blanks(rest);
    if (rest.empty()) return out;
    if (rest.front() != ';') return std::nullopt;
    rest.remove_prefix(1);
    skip_blanks(rest);
    if (rest.empty()) return out;  // a trailing ';' is harmless
    size_t eq = rest.find('=');
    if (eq == std::string_view::npos) return std::nullopt;
    std::string name = lowered(trim_blanks(rest.substr(0, eq)));
    if (name.empty() || name.find(';') != std::string::npos) return std::nullopt;
    rest.remove_prefix(eq + 1);
    skip_blanks(rest);
    std::string parameter_value;
    if (!rest.empty() && rest.front() == '"') {
      auto quoted = take_quoted(rest);
      if (!quoted) return std::nullopt;
      parameter_value = std::move(*quoted);
    } else {
      size_t end = rest.find(';');
      parameter_value = std::string(trim_blanks(rest.substr(0, end)));
      rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
    }
    out.parameters.emplace_back(std::move(name), std::move(parameter_value));
  }
}

}  // namespace node
