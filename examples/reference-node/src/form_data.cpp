#include "form_data.h"

#include <optional>

#include "ascii.h"
#include "media_type.h"

namespace node {
namespace {

ParseError malformed(std::string detail) { return {"bad_multipart", std::move(detail)}; }

// A part's header lines, then a blank line, then its content; a part
// without header lines starts with the blank line.
std::variant<FormPart, ParseError> read_part(std::string_view part, const FormDataLimits& limits) {
  size_t blank = part.rfind("\r\n", 0) == 0 ? 0 : part.find("\r\n\r\n");
  if (blank == std::string_view::npos || blank > limits.max_part_head_bytes)
    return malformed("a part's header lines do not end in a blank line");
  std::string_view head = part.substr(0, blank);
  FormPart out;
  out.content = part.substr(blank == 0 ? 2 : blank + 4);
  std::optional<MediaType> disposition;
  while (!head.empty()) {
    size_t end = head.find("\r\n");
    std::string_view line = head.substr(0, end);
    head.remove_prefix(end == std::string_view::npos ? head.size() : end + 2);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) return malformed("a part's header line has no ':'");
    if (!disposition && ascii_iequals(trim_blanks(line.substr(0, colon)), "Content-Disposition"))
      disposition = parse_media_type(line.substr(colon + 1));
  }
  const std::string* name = disposition ? disposition->parameter("name") : nullptr;
  if (!disposition || disposition->type != "form-data" || name == nullptr)
    return malformed("a part has no Content-Disposition: form-data with a name");
  out.name = *name;
  return out;
}

}  // namespace

std::variant<std::vector<FormPart>, ParseError> split_form_data(std::string_view body,
                                                                std::string_view boundary,
                                                                const FormDataLimits& limits) {
  if (boundary.empty()) return malformed("the boundary is empty");
  const std::string dash_boundary = "--" + std::string(boundary);
  const std::string delimiter = "\r\n" + dash_boundary;
  // The first boundary line opens the body, or follows a preamble.
  size_t at = 0;
  if (body.rfind(dash_boundary, 0) != 0) {
    at = body.find(delimiter);
    if (at == std::string_view::npos) return malformed("the body has no boundary line");
    at += 2;
  }
  std::vector<FormPart> parts;
  for (;;) {
    at += dash_boundary.size();
    if (body.substr(at, 2) == "--") return parts;  // the closing boundary line
    if (at == body.size()) return malformed("the body has no closing boundary line");
    while (at < body.size() && (body[at] == ' ' || body[at] == '\t')) ++at;  // padding
    if (body.substr(at, 2) != "\r\n")
      return malformed("a boundary line goes on after the boundary");
    at += 2;
    size_t next = body.find(delimiter, at);
    if (next == std::string_view::npos) return malformed("the body has no closing boundary line");
    if (parts.size() == limits.max_parts)
      return malformed("the body has over " + std::to_string(limits.max_parts) + " parts");
    auto part = read_part(body.substr(at, next - at), limits);
    if (auto* e = std::get_if<ParseError>(&part)) return *e;
    parts.push_back(std::move(std::get<FormPart>(part)));
    at = next + 2;
  }
}

}  // namespace node
