// AVX-512 (F + BW): VPSHUFB on 64-byte vectors, four per iteration; the tail (< 64 bytes) is
// one masked load and store, so no scalar loop. Compiled with -mavx512f -mavx512bw; called only
// when the CPU and the OS (ZMM state enabled) support both.
#include <immintrin.h>

#include "xdr/simd.hpp"

namespace {

inline void swap_avx512(const void* src, void* dst, std::size_t n_bytes, const __m512i mask) noexcept {
  const auto* in = static_cast<const unsigned char*>(src);
  auto* out = static_cast<unsigned char*>(dst);
  std::size_t i = 0;
  for (; i + 256 <= n_bytes; i += 256) {
    __m512i a = _mm512_loadu_si512(in + i);
    __m512i b = _mm512_loadu_si512(in + i + 64);
    __m512i c = _mm512_loadu_si512(in + i + 128);
    __m512i d = _mm512_loadu_si512(in + i + 192);
    _mm512_storeu_si512(out + i, _mm512_shuffle_epi8(a, mask));
    _mm512_storeu_si512(out + i + 64, _mm512_shuffle_epi8(b, mask));
    _mm512_storeu_si512(out + i + 128, _mm512_shuffle_epi8(c, mask));
    _mm512_storeu_si512(out + i + 192, _mm512_shuffle_epi8(d, mask));
  }
  for (; i + 64 <= n_bytes; i += 64) {
    __m512i a = _mm512_loadu_si512(in + i);
    _mm512_storeu_si512(out + i, _mm512_shuffle_epi8(a, mask));
  }
  if (i < n_bytes) {
    // Masked byte loads never touch the bytes past the mask, so this cannot fault.
    const __mmask64 tail = (__mmask64{1} << (n_bytes - i)) - 1;
    __m512i a = _mm512_maskz_loadu_epi8(tail, in + i);
    _mm512_mask_storeu_epi8(out + i, tail, _mm512_shuffle_epi8(a, mask));
  }
}

}  // namespace

extern "C" void nelson_xdr_swap32_avx512(const void* src, void* dst, std::size_t n) noexcept {
  const __m512i mask = _mm512_set4_epi32(0x0c0d0e0f, 0x08090a0b, 0x04050607, 0x00010203);
  swap_avx512(src, dst, n * 4, mask);
}

extern "C" void nelson_xdr_swap64_avx512(const void* src, void* dst, std::size_t n) noexcept {
  const __m512i mask = _mm512_set4_epi32(0x08090a0b, 0x0c0d0e0f, 0x00010203, 0x04050607);
  swap_avx512(src, dst, n * 8, mask);
}
