// Which C++ types travel as XDR arrays through the vectorized byte-order kernels.
#pragma once

#include <cstdint>
#include <type_traits>

namespace nelson::xdr {

/// int, unsigned int, enum (4 bytes), hyper, unsigned hyper, float, double: the element types
/// whose arrays are converted in bulk by xdr/simd.hpp. `bool` is not one: XDR encodes it in
/// 4 bytes, C++ stores it in 1.
template <class T>
concept BulkScalar = !std::is_same_v<T, bool> && ((std::is_arithmetic_v<T> && (sizeof(T) == 4 || sizeof(T) == 8)) ||
                                                  (std::is_enum_v<T> && sizeof(T) == 4));

}  // namespace nelson::xdr
