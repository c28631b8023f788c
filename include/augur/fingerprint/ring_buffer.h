#pragma once
// A fixed-capacity ring of values, one per tick. The storage is allocated once, at
// construction; push() never allocates, so the analyser's steady state allocates nothing.
#include <algorithm>
#include <cassert>
#include <cstddef>
#include <vector>

namespace augur::fingerprint {

template <class T>
class RingBuffer {
 public:
  explicit RingBuffer(std::size_t capacity) : data_(std::max<std::size_t>(capacity, 1)) {}

  // Appends a value, overwriting the oldest one when full.
  void push(const T& value) {
    data_[head_] = value;
    head_ = head_ + 1 == data_.size() ? 0 : head_ + 1;
    if (size_ < data_.size()) ++size_;
  }

  [[nodiscard]] std::size_t size() const { return size_; }
  [[nodiscard]] std::size_t capacity() const { return data_.size(); }
  [[nodiscard]] bool full() const { return size_ == data_.size(); }
  void clear() {
    head_ = 0;
    size_ = 0;
  }

  // i-th value counted from the oldest kept one (0 = oldest, size()-1 = newest).
  [[nodiscard]] const T& operator[](std::size_t i) const {
    assert(i < size_);
    std::size_t idx = head_ + data_.size() - size_ + i;
    if (idx >= data_.size()) idx -= data_.size();
    return data_[idx];
  }
  [[nodiscard]] const T& newest() const { return (*this)[size_ - 1]; }

  // Copies the newest min(n, size()) values, oldest first, into `out` (which must hold
  // that many); returns how many were copied. Two contiguous copies, no allocation.
  std::size_t copy_newest(std::size_t n, T* out) const {
    n = std::min(n, size_);
    std::size_t start = head_ + data_.size() - n;
    if (start >= data_.size()) start -= data_.size();
    const std::size_t first = std::min(n, data_.size() - start);
    std::copy_n(data_.begin() + static_cast<std::ptrdiff_t>(start), first, out);
    std::copy_n(data_.begin(), n - first, out + first);
    return n;
  }

 private:
  std::vector<T> data_;
  std::size_t head_ = 0;  // where the next value goes
  std::size_t size_ = 0;
};

}  // namespace augur::fingerprint
