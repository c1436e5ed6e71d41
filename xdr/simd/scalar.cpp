// The portable kernels: the reference every vectorized kernel is tested against, and the
// tail handler of several of them.
#include <cstring>

#include "xdr/byte_order.hpp"
#include "xdr/simd.hpp"

extern "C" void nelson_xdr_swap32_scalar(const void* src, void* dst, std::size_t n) noexcept {
  if constexpr (std::endian::native == std::endian::big) {
    if (n != 0) std::memcpy(dst, src, n * 4);
    return;
  }
  const auto* in = static_cast<const unsigned char*>(src);
  auto* out = static_cast<unsigned char*>(dst);
  for (std::size_t i = 0; i < n; ++i) {
    std::uint32_t v;
    std::memcpy(&v, in + i * 4, 4);
    v = nelson::xdr::byteswap32(v);
    std::memcpy(out + i * 4, &v, 4);
  }
}

extern "C" void nelson_xdr_swap64_scalar(const void* src, void* dst, std::size_t n) noexcept {
  if constexpr (std::endian::native == std::endian::big) {
    if (n != 0) std::memcpy(dst, src, n * 8);
    return;
  }
  const auto* in = static_cast<const unsigned char*>(src);
  auto* out = static_cast<unsigned char*>(dst);
  for (std::size_t i = 0; i < n; ++i) {
    std::uint64_t v;
    std::memcpy(&v, in + i * 8, 8);
    v = nelson::xdr::byteswap64(v);
    std::memcpy(out + i * 8, &v, 8);
  }
}
