// Chooses the byte-order kernels once, at start-up, from what the CPU supports.
#include <array>
#include <atomic>

#include "xdr/simd.hpp"

namespace nelson::xdr::simd {
namespace {

constexpr Kernels kScalar{Level::scalar, nelson_xdr_swap32_scalar, nelson_xdr_swap64_scalar};
#if NELSON_XDR_HAVE_SSSE3
constexpr Kernels kSsse3{Level::ssse3, nelson_xdr_swap32_ssse3, nelson_xdr_swap64_ssse3};
#endif
#if NELSON_XDR_HAVE_AVX2
constexpr Kernels kAvx2{Level::avx2, nelson_xdr_swap32_avx2, nelson_xdr_swap64_avx2};
#endif
#if NELSON_XDR_HAVE_AVX512
constexpr Kernels kAvx512{Level::avx512, nelson_xdr_swap32_avx512, nelson_xdr_swap64_avx512};
#endif
#if NELSON_XDR_HAVE_NEON
constexpr Kernels kNeon{Level::neon, nelson_xdr_swap32_neon, nelson_xdr_swap64_neon};
#endif

// Asks the CPU, not the compiler: the kernels are built with per-file flags, so the binary
// may hold instructions this CPU lacks. __builtin_cpu_supports also checks, through XGETBV,
// that the OS saves the YMM/ZMM state.
bool cpu_has(Level level) noexcept {
  switch (level) {
    case Level::scalar: return true;
#if defined(__x86_64__) || defined(__i386__)
    case Level::ssse3: return NELSON_XDR_HAVE_SSSE3 && __builtin_cpu_supports("ssse3");
    case Level::avx2: return NELSON_XDR_HAVE_AVX2 && __builtin_cpu_supports("avx2");
    case Level::avx512:
      return NELSON_XDR_HAVE_AVX512 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
#endif
    case Level::neon: return NELSON_XDR_HAVE_NEON;
    default: return false;
  }
}

struct Registry {
  std::array<Level, 5> levels{};
  std::size_t count = 0;
  std::atomic<const Kernels*> active{&kScalar};

  Registry() noexcept {
    for (Level level : {Level::scalar, Level::ssse3, Level::avx2, Level::avx512, Level::neon}) {
      if (cpu_has(level)) levels[count++] = level;
    }
    active.store(&kernels_for(levels[count - 1]), std::memory_order_relaxed);
  }
};

Registry& registry() noexcept {
  static Registry instance;
  return instance;
}

// Runs the detection before main(), so the first encode pays nothing for it.
[[maybe_unused]] const Registry& g_detected = registry();

}  // namespace

const Kernels& active() noexcept { return *registry().active.load(std::memory_order_relaxed); }

bool supported(Level level) noexcept {
  for (Level l : supported_levels()) {
    if (l == level) return true;
  }
  return false;
}

std::span<const Level> supported_levels() noexcept {
  const Registry& r = registry();
  return {r.levels.data(), r.count};
}

const Kernels& kernels_for(Level level) noexcept {
  switch (level) {
#if NELSON_XDR_HAVE_SSSE3
    case Level::ssse3: return kSsse3;
#endif
#if NELSON_XDR_HAVE_AVX2
    case Level::avx2: return kAvx2;
#endif
#if NELSON_XDR_HAVE_AVX512
    case Level::avx512: return kAvx512;
#endif
#if NELSON_XDR_HAVE_NEON
    case Level::neon: return kNeon;
#endif
    default: return kScalar;
  }
}

bool select(Level level) noexcept {
  if (!supported(level)) return false;
  registry().active.store(&kernels_for(level), std::memory_order_relaxed);
  return true;
}

std::string_view to_string(Level level) noexcept {
  switch (level) {
    case Level::scalar: return "scalar";
    case Level::ssse3: return "ssse3";
    case Level::avx2: return "avx2";
    case Level::avx512: return "avx512";
    case Level::neon: return "neon";
  }
  return "unknown";
}

}  // namespace nelson::xdr::simd
