// Cross-check of the NEON byte-order kernels (xdr/simd/neon.cpp) against the scalar ones and
// against a byte-by-byte reference, for every element count 0..300 and every source and
// destination misalignment 0..7. A plain program, not a GoogleTest one: it is cross-compiled
// for aarch64 and run under qemu-aarch64 by scripts/check-neon.sh, together with only
// xdr/simd/{neon,scalar,dispatch}.cpp. Exit status 0 when everything matches, 1 otherwise.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <vector>

#include "xdr/simd.hpp"

namespace {

namespace simd = nelson::xdr::simd;

using SwapFn = void (*)(const void*, void*, std::size_t) noexcept;

constexpr std::size_t kMaxCount = 300;
constexpr std::size_t kMaxOffset = 7;
constexpr std::size_t kGuard = 64;  // bytes checked on each side of the destination
constexpr std::uint8_t kCanary = 0xA5;

int g_failures = 0;

void report(const char* what, std::size_t width, std::size_t n, std::size_t src_off, std::size_t dst_off,
            std::size_t at) {
  if (++g_failures <= 20) {
    std::printf("FAIL %s: width %zu, n %zu, src offset %zu, dst offset %zu, byte %zu\n", what, width, n, src_off,
                dst_off, at);
  }
}

// The expected output: every `width`-byte element of `src` reversed (aarch64 is little-endian).
void reference(const std::uint8_t* src, std::uint8_t* dst, std::size_t n, std::size_t width) {
  for (std::size_t e = 0; e < n; ++e) {
    for (std::size_t b = 0; b < width; ++b) dst[e * width + b] = src[e * width + (width - 1 - b)];
  }
}

// Runs `fn` on n elements from src+src_off to dst+dst_off and checks the result against the
// reference, and that no byte outside [dst_off, dst_off + n*width) of the destination changed.
void check_one(const char* name, SwapFn fn, std::size_t width, std::size_t n, std::size_t src_off, std::size_t dst_off,
               const std::vector<std::uint8_t>& pattern) {
  const std::size_t bytes = n * width;
  std::vector<std::uint8_t> src(kMaxOffset + bytes + kGuard);
  std::copy_n(pattern.begin(), src.size(), src.begin());
  const std::vector<std::uint8_t> src_before = src;

  std::vector<std::uint8_t> dst(kGuard + kMaxOffset + bytes + kGuard, kCanary);
  std::uint8_t* out = dst.data() + kGuard + dst_off;
  fn(src.data() + src_off, out, n);

  std::vector<std::uint8_t> want(bytes);
  reference(src.data() + src_off, want.data(), n, width);

  for (std::size_t i = 0; i < bytes; ++i) {
    if (out[i] != want[i]) {
      report(name, width, n, src_off, dst_off, i);
      return;
    }
  }
  const std::size_t begin = kGuard + dst_off;
  for (std::size_t i = 0; i < dst.size(); ++i) {
    if ((i < begin || i >= begin + bytes) && dst[i] != kCanary) {
      report(name, width, n, src_off, dst_off, i);
      return;
    }
  }
  if (src != src_before) report(name, width, n, src_off, dst_off, 0);
}

}  // namespace

int main() {
  // A pattern with no two equal neighbours, so a misplaced byte always shows.
  std::vector<std::uint8_t> pattern(kMaxOffset + kMaxCount * 8 + kGuard);
  for (std::size_t i = 0; i < pattern.size(); ++i) pattern[i] = static_cast<std::uint8_t>(i * 131 + 7);

  long checks = 0;
  for (std::size_t n = 0; n <= kMaxCount; ++n) {
    for (std::size_t src_off = 0; src_off <= kMaxOffset; ++src_off) {
      for (std::size_t dst_off = 0; dst_off <= kMaxOffset; ++dst_off) {
        check_one("swap32_neon", nelson_xdr_swap32_neon, 4, n, src_off, dst_off, pattern);
        check_one("swap64_neon", nelson_xdr_swap64_neon, 8, n, src_off, dst_off, pattern);
        check_one("swap32_scalar", nelson_xdr_swap32_scalar, 4, n, src_off, dst_off, pattern);
        check_one("swap64_scalar", nelson_xdr_swap64_scalar, 8, n, src_off, dst_off, pattern);
        checks += 4;
      }
    }
  }

  // Direct comparison NEON vs scalar on the same input (redundant with the reference, but it is
  // the property the dispatcher relies on).
  for (std::size_t n = 0; n <= kMaxCount; ++n) {
    for (std::size_t width : {std::size_t{4}, std::size_t{8}}) {
      std::vector<std::uint8_t> a(n * width + 1, 0), b(n * width + 1, 0);
      const SwapFn neon = width == 4 ? nelson_xdr_swap32_neon : nelson_xdr_swap64_neon;
      const SwapFn scalar = width == 4 ? nelson_xdr_swap32_scalar : nelson_xdr_swap64_scalar;
      neon(pattern.data() + 1, a.data() + 1, n);
      scalar(pattern.data() + 1, b.data() + 1, n);
      ++checks;
      if (a != b) report("neon != scalar", width, n, 1, 1, 0);
    }
  }

  // The dispatcher: NEON must be supported, be the best level, and be the active one.
  const auto levels = simd::supported_levels();
  std::printf("supported levels:");
  for (simd::Level level : levels)
    std::printf(" %.*s", static_cast<int>(simd::to_string(level).size()), simd::to_string(level).data());
  std::printf("\n");
  ++checks;
  if (levels.empty() || levels.front() != simd::Level::scalar) {
    std::printf("FAIL supported_levels() does not start with scalar\n");
    ++g_failures;
  }
  if (std::find(levels.begin(), levels.end(), simd::Level::neon) == levels.end() ||
      !simd::supported(simd::Level::neon)) {
    std::printf("FAIL neon is not among supported_levels()\n");
    ++g_failures;
  } else {
    const simd::Kernels& k = simd::kernels_for(simd::Level::neon);
    if (k.level != simd::Level::neon || k.swap32 != nelson_xdr_swap32_neon || k.swap64 != nelson_xdr_swap64_neon) {
      std::printf("FAIL kernels_for(neon) does not return the NEON kernels\n");
      ++g_failures;
    }
    if (levels.back() != simd::Level::neon || simd::active().level != simd::Level::neon) {
      std::printf("FAIL neon is not the best/active level (active: %.*s)\n",
                  static_cast<int>(simd::to_string(simd::active().level).size()),
                  simd::to_string(simd::active().level).data());
      ++g_failures;
    }
    if (!simd::select(simd::Level::scalar) || simd::active().level != simd::Level::scalar ||
        !simd::select(simd::Level::neon) || simd::active().level != simd::Level::neon) {
      std::printf("FAIL select() does not switch between scalar and neon\n");
      ++g_failures;
    }
  }
  if (simd::supported(simd::Level::ssse3) || simd::supported(simd::Level::avx2) ||
      simd::supported(simd::Level::avx512)) {
    std::printf("FAIL an x86 level is reported as supported on aarch64\n");
    ++g_failures;
  }

  if (g_failures != 0) {
    std::printf("neon cross check: %d FAILURES in %ld checks\n", g_failures, checks);
    return 1;
  }
  std::printf("neon cross check: all %ld checks passed (counts 0..%zu, src/dst offsets 0..%zu)\n", checks, kMaxCount,
              kMaxOffset);
  return 0;
}
