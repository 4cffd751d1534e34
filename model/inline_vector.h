// A vector that keeps its first N elements inline: the lists a cost evaluation builds many times
// a second (the distinct feed-forward blocks of a model) hold one to a few entries, and a heap
// allocation would cost more than the arithmetic. Grows onto the heap beyond N.
#pragma once
#include <array>
#include <cstddef>
#include <vector>

namespace attncost {

template <typename T, size_t N>
class InlineVector {
 public:
  void push_back(const T& v) {
    if (heap_.empty() && size_ < N) {
      inline_[size_++] = v;
      return;
    }
    if (heap_.empty()) heap_.assign(inline_.begin(), inline_.begin() + static_cast<std::ptrdiff_t>(size_));
    heap_.push_back(v);
    ++size_;
  }
  T* begin() { return heap_.empty() ? inline_.data() : heap_.data(); }
  T* end() { return begin() + size_; }
  const T* begin() const { return heap_.empty() ? inline_.data() : heap_.data(); }
  const T* end() const { return begin() + size_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T& operator[](size_t i) { return begin()[i]; }
  const T& operator[](size_t i) const { return begin()[i]; }
  void clear() {
    size_ = 0;
    heap_.clear();
  }

 private:
  std::array<T, N> inline_{};
  std::vector<T> heap_;
  size_t size_ = 0;
};

}  // namespace attncost
