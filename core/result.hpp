// Result<T>: a value or an error, for operations that can fail outside the hot path
// (parsing an address, opening a socket). Hot-path syscall wrappers return -errno instead.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace nelson::core {

/// Why something failed: the errno value (0 when not a system error) and a sentence.
struct Error {
  int code = 0;
  std::string message;
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : state_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  [[nodiscard]] bool ok() const noexcept { return state_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }
  [[nodiscard]] T& value() & { return std::get<0>(state_); }
  [[nodiscard]] const T& value() const& { return std::get<0>(state_); }
  [[nodiscard]] T&& value() && { return std::get<0>(std::move(state_)); }
  [[nodiscard]] const Error& error() const { return std::get<1>(state_); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Error> state_;
};

/// An Error from the current errno: "connect 127.0.0.1:1: Connection refused".
Error errno_error(const std::string& what, int err);

}  // namespace nelson::core
