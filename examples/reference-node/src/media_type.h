#pragma once
// Header values of the form `type; name=value; name="quoted value"` (RFC
// 9110 5.6.6): Content-Type, and Content-Disposition in form-data parts,
// which follows the same grammar.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace node {

struct MediaType {
  std::string type;  // lowercased, e.g. "multipart/form-data" or "form-data"
  std::vector<std::pair<std::string, std::string>> parameters;  // names lowercased, values unquoted

  // The first parameter of that (lowercase) name, or nullptr.
  const std::string* parameter(std::string_view name) const;
};

// nullopt when the value does not follow the grammar: an empty type, a
// parameter without '=', an unterminated quoted string.
std::optional<MediaType> parse_media_type(std::string_view value);

}  // namespace node
