// Every byte-order kernel this CPU can run matches the scalar reference, for all lengths
// 0..300 and every alignment of input and output, and never writes outside its output.
#include "xdr/simd.hpp"

#include <cstring>
#include <gtest/gtest.h>
#include <numeric>
#include <string>
#include <vector>

#include "xdr/decoder.hpp"
#include "xdr/encoder.hpp"

namespace nelson::xdr::simd {
namespace {

class SimdLevel : public ::testing::TestWithParam<Level> {
 protected:
  void SetUp() override {
    if (!supported(GetParam())) GTEST_SKIP() << to_string(GetParam()) << " is not supported on this CPU/build";
  }
};

constexpr std::size_t kMaxLength = 300;
constexpr std::size_t kGuard = 64;  // bytes before and after the output that must stay untouched

// Runs `kernel` on `n` elements of `width` bytes at every src/dst misalignment 0..width*2-1 and
// compares the output (and the untouched guard zones) with the scalar kernel's.
void check_against_scalar(void (*kernel)(const void*, void*, std::size_t) noexcept,
                          void (*reference)(const void*, void*, std::size_t) noexcept, std::size_t width) {
  std::vector<unsigned char> src(kMaxLength * width + 64);
  std::iota(src.begin(), src.end(), static_cast<unsigned char>(1));
  for (std::size_t n = 0; n <= kMaxLength; ++n) {
    for (std::size_t src_off = 0; src_off < 2 * width; ++src_off) {
      for (std::size_t dst_off : {std::size_t{0}, std::size_t{1}, std::size_t{3}, width, width + 5}) {
        std::vector<unsigned char> expect(n * width + 2 * kGuard + 16, 0xee);
        std::vector<unsigned char> got(expect.size(), 0xee);
        reference(src.data() + src_off, expect.data() + kGuard + dst_off, n);
        kernel(src.data() + src_off, got.data() + kGuard + dst_off, n);
        ASSERT_EQ(std::memcmp(expect.data(), got.data(), got.size()), 0)
            << "width " << width << " n " << n << " src+" << src_off << " dst+" << dst_off;
      }
    }
  }
}

TEST_P(SimdLevel, Swap32MatchesScalar) {
  check_against_scalar(kernels_for(GetParam()).swap32, nelson_xdr_swap32_scalar, 4);
}

TEST_P(SimdLevel, Swap64MatchesScalar) {
  check_against_scalar(kernels_for(GetParam()).swap64, nelson_xdr_swap64_scalar, 8);
}

TEST_P(SimdLevel, EncoderAndDecoderUseTheSelectedKernels) {
  const Level before = active().level;
  ASSERT_TRUE(select(GetParam()));
  EXPECT_EQ(active().level, GetParam());
  std::vector<std::int32_t> values(kMaxLength);
  std::iota(values.begin(), values.end(), -150);
  std::vector<std::byte> buf(4 + 4 * kMaxLength + 1);
  // Encode at an odd offset so the vector loads and stores are unaligned.
  Encoder e{std::span(buf).subspan(1)};
  e.put_array(std::span<const std::int32_t>(values));
  ASSERT_TRUE(e.ok());
  for (std::size_t i = 0; i < values.size(); ++i) {
    ASSERT_EQ(load_be32(e.written().data() + 4 + 4 * i), static_cast<std::uint32_t>(values[i])) << i;
  }
  Decoder d(e.written());
  std::vector<std::int32_t> back;
  ASSERT_TRUE(d.get_array(back));
  EXPECT_EQ(back, values);
  ASSERT_TRUE(select(before));
}

TEST(Simd, ScalarIsAlwaysSupportedAndTheBestIsActive) {
  const auto levels = supported_levels();
  ASSERT_FALSE(levels.empty());
  EXPECT_EQ(levels.front(), Level::scalar);
  EXPECT_EQ(active().level, levels.back());
}

TEST(Simd, UnsupportedLevelCannotBeSelected) {
#if defined(__x86_64__)
  EXPECT_FALSE(select(Level::neon));
#elif defined(__aarch64__)
  EXPECT_FALSE(select(Level::avx2));
#endif
  EXPECT_TRUE(supported(active().level));
}

INSTANTIATE_TEST_SUITE_P(AllLevels, SimdLevel,
                         ::testing::Values(Level::scalar, Level::ssse3, Level::avx2, Level::avx512, Level::neon),
                         [](const ::testing::TestParamInfo<Level>& p) { return std::string(to_string(p.param)); });

}  // namespace
}  // namespace nelson::xdr::simd
