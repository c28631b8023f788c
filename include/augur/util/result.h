#pragma once
// Augur's one error type at module boundaries. A small project-owned stand-in for
// std::expected: GCC 12 has std::expected only in C++23 mode and Debian's clang 14
// (used for sanitizers, libFuzzer and clang-tidy) has none, so every module uses this.
#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace augur {

// What failed, where (a path or a call), and the errno when a syscall said why.
struct Error {
  std::string what;
  std::string where;
  int errno_value = 0;

  // "what: where: strerror(errno)" with empty parts left out.
  [[nodiscard]] std::string message() const;
};

// Builds an Error from the current errno (call right after the failing syscall).
[[nodiscard]] Error errno_error(std::string what, std::string where);

template <class E>
struct Unexpected {
  E error;
};
template <class E>
Unexpected(E) -> Unexpected<E>;

template <class T, class E = Error>
class [[nodiscard]] Result {
 public:
  using value_type = T;
  using error_type = E;

  Result(T value)
      : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(E error)
      : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT(google-explicit-constructor)
  template <class G>
  Result(Unexpected<G> u) : state_(std::in_place_index<1>, E(std::move(u.error))) {}  // NOLINT

  [[nodiscard]] bool has_value() const { return state_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & {
    assert(has_value());
    return std::get<0>(state_);
  }
  const T& value() const& {
    assert(has_value());
    return std::get<0>(state_);
  }
  T&& value() && {
    assert(has_value());
    return std::get<0>(std::move(state_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const E& error() const& {
    assert(!has_value());
    return std::get<1>(state_);
  }
  E&& error() && {
    assert(!has_value());
    return std::get<1>(std::move(state_));
  }

  template <class U>
  T value_or(U&& fallback) const& {
    return has_value() ? std::get<0>(state_) : static_cast<T>(std::forward<U>(fallback));
  }

 private:
  std::variant<T, E> state_;
};

// Result<void>: success carries nothing.
template <class E>
class [[nodiscard]] Result<void, E> {
 public:
  Result() = default;
  Result(E error)
      : error_(std::move(error)), failed_(true) {}  // NOLINT(google-explicit-constructor)
  template <class G>
  Result(Unexpected<G> u) : error_(std::move(u.error)), failed_(true) {}  // NOLINT

  [[nodiscard]] bool has_value() const { return !failed_; }
  explicit operator bool() const { return has_value(); }
  const E& error() const& {
    assert(failed_);
    return error_;
  }

 private:
  E error_{};
  bool failed_ = false;
};

using Status = Result<void>;

}  // namespace augur
