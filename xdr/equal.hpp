// xdr::equal — value equality for the C++ types nelson-gen writes; their operator== compare
// member by member with it.
//
//   xdr::equal(std::span<const std::byte>(a), std::span<const std::byte>(b))  // the bytes
//   xdr::equal(std::unique_ptr<entry>{...}, std::unique_ptr<entry>{...})      // *a == *b, or both null
//   xdr::equal(std::vector<std::span<const std::byte>>{...}, ...)             // item by item
//
// Where std's == would say the wrong thing for a value (a std::unique_ptr compares addresses)
// or nothing at all (std::span has no ==), equal() compares what is held; containers of those
// (std::vector, std::array, std::optional) go item by item through equal(). Everything else,
// including the generated structs and unions, uses ==. Nothing here recurses over a linked
// list: a unique_ptr calls the pointee's operator==, which for a list node is a loop.
#pragma once

#include <array>
#include <cstddef>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <type_traits>
#include <vector>

namespace nelson::xdr {

namespace detail {

template <class T>
struct EqualKind {
  static constexpr bool kSequence = false;
  static constexpr bool kOptional = false;
};
template <class T, class A>
struct EqualKind<std::vector<T, A>> {
  static constexpr bool kSequence = true;
  static constexpr bool kOptional = false;
};
template <class T, std::size_t N>
struct EqualKind<std::array<T, N>> {
  static constexpr bool kSequence = true;
  static constexpr bool kOptional = false;
};
template <class T>
struct EqualKind<std::optional<T>> {
  static constexpr bool kSequence = false;
  static constexpr bool kOptional = true;
};
template <class T, class D>
struct EqualKind<std::unique_ptr<T, D>> {
  static constexpr bool kSequence = false;
  static constexpr bool kOptional = true;
};

}  // namespace detail

/// True when `a` and `b` hold equal values (see above).
template <class T>
[[nodiscard]] bool equal(const T& a, const T& b) {
  if constexpr (std::is_same_v<T, std::span<const std::byte>>) {
    return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size()) == 0);
  } else if constexpr (detail::EqualKind<T>::kSequence) {
    using Item = typename T::value_type;
    if constexpr (std::is_scalar_v<Item>) {
      return a == b;  // numbers, enums, bytes: the standard == (a memcmp for bytes)
    } else {
      if (a.size() != b.size()) return false;
      for (std::size_t i = 0; i < a.size(); ++i) {
        if (!equal(a[i], b[i])) return false;
      }
      return true;
    }
  } else if constexpr (detail::EqualKind<T>::kOptional) {
    if (static_cast<bool>(a) != static_cast<bool>(b)) return false;
    return !static_cast<bool>(a) || equal(*a, *b);
  } else {
    return a == b;
  }
}

}  // namespace nelson::xdr
