// NEON (aarch64): REV32 / REV64 on 16-byte vectors, four per iteration, scalar tail.
// NEON is part of the aarch64 base ISA, so no run-time check is needed there.
#include <arm_neon.h>

#include "xdr/simd.hpp"

namespace {

template <int kWidth>
inline void swap_neon(const void* src, void* dst, std::size_t n_bytes) noexcept {
  const auto* in = static_cast<const std::uint8_t*>(src);
  auto* out = static_cast<std::uint8_t*>(dst);
  auto rev = [](uint8x16_t v) {
    if constexpr (kWidth == 4) return vrev32q_u8(v);
    return vrev64q_u8(v);
  };
  std::size_t i = 0;
  for (; i + 64 <= n_bytes; i += 64) {
    uint8x16x4_t v = vld1q_u8_x4(in + i);
    v.val[0] = rev(v.val[0]);
    v.val[1] = rev(v.val[1]);
    v.val[2] = rev(v.val[2]);
    v.val[3] = rev(v.val[3]);
    vst1q_u8_x4(out + i, v);
  }
  for (; i + 16 <= n_bytes; i += 16) vst1q_u8(out + i, rev(vld1q_u8(in + i)));
  if (i < n_bytes) {
    if constexpr (kWidth == 4) {
      nelson_xdr_swap32_scalar(in + i, out + i, (n_bytes - i) / 4);
    } else {
      nelson_xdr_swap64_scalar(in + i, out + i, (n_bytes - i) / 8);
    }
  }
}

}  // namespace

extern "C" void nelson_xdr_swap32_neon(const void* src, void* dst, std::size_t n) noexcept {
  swap_neon<4>(src, dst, n * 4);
}

extern "C" void nelson_xdr_swap64_neon(const void* src, void* dst, std::size_t n) noexcept {
  swap_neon<8>(src, dst, n * 8);
}
