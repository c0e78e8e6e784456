#pragma once
// A multipart/form-data body (RFC 7578, framed as RFC 2046 5.1.1) split
// into its named parts. A part's content may hold any byte, CR LF
// included: only a line that starts with "--" and the boundary ends it.
#include <cstddef>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "message_parser.h"

namespace node {

struct FormPart {
  std::string name;          // the name parameter of its Content-Disposition
  std::string_view content;  // into the body that was split
};

struct FormDataLimits {
  size_t max_parts = 64;
  size_t max_part_head_bytes = 16 << 10;  // a part's own header lines
};

// The parts in order. Refused (reason bad_multipart) without the boundary
// line, without the closing boundary line ("--" boundary "--"), with a
// part that has no Content-Disposition: form-data and a name, or with
// more parts than the limit. A preamble before the first boundary line and
// an epilogue after the closing one are ignored, as RFC 2046 has them.
std::variant<std::vector<FormPart>, ParseError> split_form_data(std::string_view body,
                                                                std::string_view boundary,
                                                                const FormDataLimits& limits = {});

}  // namespace node
