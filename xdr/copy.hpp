// copy_bytes: memcpy for the short opaque data and strings RPC carries (auth bodies, names,
// file handles). A call into libc's memmove for 20 bytes costs more than the copy itself (it
// was 40% of a small struct's encode+decode); up to 64 bytes this copies inline with two
// overlapping fixed-size moves, which never touch a byte outside [src, src+n) or [dst, dst+n).
#pragma once

#include <cstddef>
#include <cstring>

namespace nelson::xdr {

[[gnu::always_inline]] inline void copy_bytes(std::byte* dst, const std::byte* src, std::size_t n) noexcept {
  if (n > 64) {
    std::memcpy(dst, src, n);
  } else if (n >= 16) {
    // 16..64: the first and last 32 (or 16) bytes, overlapping in the middle.
    if (n >= 32) {
      unsigned char head[32];
      unsigned char tail[32];
      std::memcpy(head, src, 32);
      std::memcpy(tail, src + n - 32, 32);
      std::memcpy(dst, head, 32);
      std::memcpy(dst + n - 32, tail, 32);
    } else {
      unsigned char head[16];
      unsigned char tail[16];
      std::memcpy(head, src, 16);
      std::memcpy(tail, src + n - 16, 16);
      std::memcpy(dst, head, 16);
      std::memcpy(dst + n - 16, tail, 16);
    }
  } else if (n >= 4) {
    // 4..15: the first and last 8 (or 4) bytes.
    if (n >= 8) {
      unsigned char head[8];
      unsigned char tail[8];
      std::memcpy(head, src, 8);
      std::memcpy(tail, src + n - 8, 8);
      std::memcpy(dst, head, 8);
      std::memcpy(dst + n - 8, tail, 8);
    } else {
      unsigned char head[4];
      unsigned char tail[4];
      std::memcpy(head, src, 4);
      std::memcpy(tail, src + n - 4, 4);
      std::memcpy(dst, head, 4);
      std::memcpy(dst + n - 4, tail, 4);
    }
  } else {
    for (std::size_t i = 0; i < n; ++i) dst[i] = src[i];
  }
}

}  // namespace nelson::xdr
