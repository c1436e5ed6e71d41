// copy_bytes: memcpy for the short opaque data and strings RPC carries (auth bodies, names,
// file handles). A call into libc's memmove for 20 bytes costs more than the copy itself (it
// was 40% of a small struct's encode+decode); up to 64 bytes this copies inline with two
// overlapping fixed-size moves, which never touch a byte outside [src, src+n) or [dst, dst+n).
#pragma once

#include <cstddef>
#include <cstring>

namespace nelson::xdr {

/// Copies n bytes, kWidth <= n <= 2 * kWidth, as the first and the last kWidth bytes (which
/// overlap in the middle). Both are loaded before either is stored.
template <std::size_t kWidth>
[[gnu::always_inline]] inline void copy_head_and_tail(std::byte* dst, const std::byte* src, std::size_t n) noexcept {
  unsigned char head[kWidth];
  unsigned char tail[kWidth];
  std::memcpy(head, src, kWidth);
  std::memcpy(tail, src + n - kWidth, kWidth);
  std::memcpy(dst, head, kWidth);
  std::memcpy(dst + n - kWidth, tail, kWidth);
}

[[gnu::always_inline]] inline void copy_bytes(std::byte* dst, const std::byte* src, std::size_t n) noexcept {
  if (n > 64) {
    std::memcpy(dst, src, n);
  } else if (n >= 32) {
    copy_head_and_tail<32>(dst, src, n);
  } else if (n >= 16) {
    copy_head_and_tail<16>(dst, src, n);
  } else if (n >= 8) {
    copy_head_and_tail<8>(dst, src, n);
  } else if (n >= 4) {
    copy_head_and_tail<4>(dst, src, n);
  } else {
    for (std::size_t i = 0; i < n; ++i) dst[i] = src[i];
  }
}

}  // namespace nelson::xdr
