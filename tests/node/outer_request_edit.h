#pragma once
// Edits of a node::OuterRequest's headers, for the shape parsers' tests.
#include <string>
#include <vector>

#include "outer_request.h"

namespace node_test {

// Sets the first header of that name, or adds it.
inline void set(node::OuterRequest& r, const std::string& name, const std::string& value) {
  for (auto& h : r.headers)
    if (h.name == name) {
      h.value = value;
      return;
    }
  r.headers.push_back({name, value});
}

// Removes every header of that name.
inline void erase(node::OuterRequest& r, const std::string& name) {
  std::vector<node::Header> kept;
  for (auto& h : r.headers)
    if (h.name != name) kept.push_back(h);
  r.headers = kept;
}

}  // namespace node_test
