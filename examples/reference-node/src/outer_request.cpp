#include "outer_request.h"

#include "ascii.h"
#include "protocol_names.h"

namespace node {

std::optional<std::string> OuterRequest::header(std::string_view name) const {
  for (const Header& h : headers)
    if (ascii_iequals(h.name, name)) return h.value;
  return std::nullopt;
}

OuterHeaders OuterRequest::lookup() const {
  return [this](const char* name) { return header(name); };
}

bool is_connector_header(std::string_view name) {
  return ascii_istarts_with(name, protocol::kConnectorHeaderPrefix);
}

}  // namespace node
