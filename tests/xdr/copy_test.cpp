// copy_bytes: every length 0..100 at every misalignment copies exactly [src, src+n) and
// writes nothing outside [dst, dst+n) (ASan watches the reads: the source is sized exactly).
#include "xdr/copy.hpp"

#include <gtest/gtest.h>
#include <vector>

namespace nelson::xdr {
namespace {

TEST(CopyBytes, EveryLengthAndAlignment) {
  for (std::size_t n = 0; n <= 100; ++n) {
    for (std::size_t src_off = 0; src_off < 8; ++src_off) {
      for (std::size_t dst_off = 0; dst_off < 8; ++dst_off) {
        std::vector<std::byte> src(src_off + n);
        for (std::size_t i = 0; i < src.size(); ++i) src[i] = static_cast<std::byte>(i * 7 + 1);
        std::vector<std::byte> dst(dst_off + n + 8, std::byte{0xEE});
        copy_bytes(dst.data() + dst_off, src.data() + src_off, n);
        for (std::size_t i = 0; i < dst.size(); ++i) {
          const bool inside = i >= dst_off && i < dst_off + n;
          const std::byte want = inside ? src[src_off + i - dst_off] : std::byte{0xEE};
          ASSERT_EQ(dst[i], want) << "n " << n << " src+" << src_off << " dst+" << dst_off << " at " << i;
        }
      }
    }
  }
}

}  // namespace
}  // namespace nelson::xdr
