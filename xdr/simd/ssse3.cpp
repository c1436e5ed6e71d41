// SSSE3: one PSHUFB per 16 bytes, four vectors per iteration, scalar tail.
// Compiled with -mssse3; called only when the CPU reports SSSE3.
#include <immintrin.h>

#include "xdr/simd.hpp"

namespace {

template <int kWidth>
inline void swap_ssse3(const void* src, void* dst, std::size_t n_bytes, const __m128i mask) noexcept {
  const auto* in = static_cast<const unsigned char*>(src);
  auto* out = static_cast<unsigned char*>(dst);
  std::size_t i = 0;
  for (; i + 64 <= n_bytes; i += 64) {
    __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i));
    __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i + 16));
    __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i + 32));
    __m128i d = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i + 48));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), _mm_shuffle_epi8(a, mask));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i + 16), _mm_shuffle_epi8(b, mask));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i + 32), _mm_shuffle_epi8(c, mask));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i + 48), _mm_shuffle_epi8(d, mask));
  }
  for (; i + 16 <= n_bytes; i += 16) {
    __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), _mm_shuffle_epi8(a, mask));
  }
  if (i < n_bytes) {
    if constexpr (kWidth == 4) {
      nelson_xdr_swap32_scalar(in + i, out + i, (n_bytes - i) / 4);
    } else {
      nelson_xdr_swap64_scalar(in + i, out + i, (n_bytes - i) / 8);
    }
  }
}

}  // namespace

extern "C" void nelson_xdr_swap32_ssse3(const void* src, void* dst, std::size_t n) noexcept {
  const __m128i mask = _mm_setr_epi8(3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12);
  swap_ssse3<4>(src, dst, n * 4, mask);
}

extern "C" void nelson_xdr_swap64_ssse3(const void* src, void* dst, std::size_t n) noexcept {
  const __m128i mask = _mm_setr_epi8(7, 6, 5, 4, 3, 2, 1, 0, 15, 14, 13, 12, 11, 10, 9, 8);
  swap_ssse3<8>(src, dst, n * 8, mask);
}
