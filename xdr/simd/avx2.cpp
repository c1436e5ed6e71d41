// AVX2: VPSHUFB on 32-byte vectors (the reversal stays within each element, hence within each
// 128-bit lane, so the in-lane shuffle suffices), four vectors per iteration, then the SSSE3
// kernel for the last < 128 bytes. Compiled with -mavx2; called only when the CPU has AVX2.
#include <immintrin.h>

#include "xdr/simd.hpp"

namespace {

inline std::size_t swap_avx2(const void* src, void* dst, std::size_t n_bytes, const __m256i mask) noexcept {
  const auto* in = static_cast<const unsigned char*>(src);
  auto* out = static_cast<unsigned char*>(dst);
  std::size_t i = 0;
  for (; i + 128 <= n_bytes; i += 128) {
    __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(in + i));
    __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(in + i + 32));
    __m256i c = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(in + i + 64));
    __m256i d = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(in + i + 96));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), _mm256_shuffle_epi8(a, mask));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i + 32), _mm256_shuffle_epi8(b, mask));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i + 64), _mm256_shuffle_epi8(c, mask));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i + 96), _mm256_shuffle_epi8(d, mask));
  }
  for (; i + 32 <= n_bytes; i += 32) {
    __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(in + i));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), _mm256_shuffle_epi8(a, mask));
  }
  return i;
}

}  // namespace

extern "C" void nelson_xdr_swap32_avx2(const void* src, void* dst, std::size_t n) noexcept {
  const __m256i mask = _mm256_setr_epi8(3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12,  //
                                        3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12);
  const std::size_t done = swap_avx2(src, dst, n * 4, mask);
  nelson_xdr_swap32_ssse3(static_cast<const unsigned char*>(src) + done, static_cast<unsigned char*>(dst) + done,
                          n - done / 4);
}

extern "C" void nelson_xdr_swap64_avx2(const void* src, void* dst, std::size_t n) noexcept {
  const __m256i mask = _mm256_setr_epi8(7, 6, 5, 4, 3, 2, 1, 0, 15, 14, 13, 12, 11, 10, 9, 8,  //
                                        7, 6, 5, 4, 3, 2, 1, 0, 15, 14, 13, 12, 11, 10, 9, 8);
  const std::size_t done = swap_avx2(src, dst, n * 8, mask);
  nelson_xdr_swap64_ssse3(static_cast<const unsigned char*>(src) + done, static_cast<unsigned char*>(dst) + done,
                          n - done / 8);
}
