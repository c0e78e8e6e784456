#pragma once
// The growth rule of wallarm.h's structs: each starts with `size`, fields are
// only appended. Input: fields past the caller's size read as 0, and bytes
// past ours must be 0 (they would ask for something this library lacks).
// Output: never more than the caller's size is written.
#include <algorithm>
#include <cstddef>
#include <cstring>
#include <string>

namespace wallarm {

template <class T>
bool read_sized(const T& in, size_t min_size, T& out, const char* type_name, std::string* err) {
  size_t size = in.size;
  if (size < min_size) {
    *err = std::string("size: ") + std::to_string(size) + " is smaller than any " + type_name +
           " (at least " + std::to_string(min_size) + ")";
    return false;
  }
  const auto* bytes = reinterpret_cast<const unsigned char*>(&in);
  for (size_t i = sizeof(T); i < size; ++i) {
    if (bytes[i] != 0) {
      *err = std::string("size: ") + std::to_string(size) + " bytes, and fields past the " +
             std::to_string(sizeof(T)) + " this library knows of " + type_name + " are set";
      return false;
    }
  }
  std::memset(&out, 0, sizeof out);
  std::memcpy(&out, &in, std::min(size, sizeof(T)));
  out.size = static_cast<decltype(out.size)>(sizeof(T));
  return true;
}

// Copies full into *out up to the caller's size; false if that is below
// min_size (nothing written).
template <class T>
bool write_sized(T* out, const T& full, size_t min_size) noexcept {
  size_t size = out->size;
  if (size < min_size) return false;
  size_t n = std::min(size, sizeof(T));
  std::memcpy(out, &full, n);
  out->size = static_cast<decltype(out->size)>(n);
  return true;
}

}  // namespace wallarm
