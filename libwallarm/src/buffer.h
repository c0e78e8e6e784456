#pragma once
// A growable byte buffer that keeps its capacity across reuse and never
// zero-fills (std::vector<char>::resize would), so a pooled message costs no
// allocation in the steady state.
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <new>
#include <utility>

namespace wallarm {

class Buffer {
 public:
  Buffer() = default;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  ~Buffer() { std::free(data_); }

  char* data() noexcept { return data_; }
  const char* data() const noexcept { return data_; }
  size_t size() const noexcept { return size_; }
  size_t capacity() const noexcept { return capacity_; }

  // Makes room for n bytes in total; contents up to size() are kept.
  void reserve(size_t n) {
    if (n <= capacity_) return;
    size_t grown = capacity_ * 2 > n ? capacity_ * 2 : n;
    char* p = static_cast<char*>(std::realloc(data_, grown));
    if (p == nullptr) throw std::bad_alloc();
    data_ = p;
    capacity_ = grown;
  }
  void set_size(size_t n) noexcept { size_ = n; }
  void clear() noexcept { size_ = 0; }
  // Gives memory back when one large message left a large buffer behind.
  void shrink_if_over(size_t keep) noexcept {
    if (capacity_ <= keep) return;
    std::free(data_);
    data_ = nullptr;
    size_ = capacity_ = 0;
  }
  void swap(Buffer& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(size_, other.size_);
    std::swap(capacity_, other.capacity_);
  }
  void append(const char* p, size_t n) {
    reserve(size_ + n);
    if (n != 0) std::memcpy(data_ + size_, p, n);
    size_ += n;
  }

 private:
  char* data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

}  // namespace wallarm
