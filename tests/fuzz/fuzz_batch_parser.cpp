// Fuzzes the reference node's node::parse_batch() (docs/protocol.md 7.5):
// whatever arrives, the node refuses it with a reason or returns exactly
// the announced number of request and response messages, each with its
// request id, and the same input always gives the same answer.
//
// Input: outer header lines "Name: value" separated by LF, a blank line,
// then the outer body (the parts, CRLF line ends).
#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "batch_parser.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const fuzz::Outer outer = fuzz::split_outer(
      std::string_view(reinterpret_cast<const char*>(data), size));
  const std::string body(outer.body);
  auto lookup = [&](const char* name) { return outer(name); };

  node::BatchLimits small;
  small.max_parts = 8;
  auto parsed = node::parse_batch(lookup, body, small);
  auto again = node::parse_batch(lookup, body, small);
  FUZZ_CHECK(parsed.index() == again.index());
  if (auto* e = std::get_if<node::ParseError>(&parsed)) {
    FUZZ_CHECK(!e->reason.empty() && !e->detail.empty());
    return 0;
  }
  const auto& messages = std::get<std::vector<node::Message>>(parsed);
  // The node reads the count as a number ("02" is 2), as it does its other
  // decimal headers; the connector never sends leading zeros.
  auto count = lookup("X-Wallarm-Batch-Count");
  size_t announced = 0;
  FUZZ_CHECK(count && std::from_chars(count->data(), count->data() + count->size(), announced).ec ==
                          std::errc());
  FUZZ_CHECK(announced == messages.size());
  FUZZ_CHECK(!messages.empty() && messages.size() <= small.max_parts);
  for (const node::Message& m : messages) {
    FUZZ_CHECK(m.type == node::MessageType::request || m.type == node::MessageType::response);
    FUZZ_CHECK(!m.request_id.empty());
    // A part's body never reaches past the batch.
    FUZZ_CHECK(m.body.size() <= body.size());
  }
  FUZZ_CHECK(std::get<std::vector<node::Message>>(again).size() == messages.size());
  return 0;
}
