// Byte-order conversion of arrays: the kernels behind every XDR array of 32- and 64-bit items.
//
// Converting host order to XDR order and back is the same operation (a byte reversal in each
// element on little-endian hosts, a copy on big-endian ones), so one "copy and swap" kernel per
// width serves encode and decode. Each kernel accepts any alignment of `src` and `dst`; the two
// must not overlap.
//
// Several implementations exist, hand-vectorized per instruction set. The best one the CPU
// supports is chosen once, at start-up; tests and benchmarks may select another:
//
//   for (auto level : xdr::simd::supported_levels()) {
//     const auto& k = xdr::simd::kernels_for(level);
//     k.swap32(src, dst, n);
//   }
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace nelson::xdr::simd {

enum class Level : std::uint8_t { scalar, ssse3, avx2, avx512, neon };

/// Copies `n` 4-byte (8-byte) elements from `src` to `dst`, converting host <-> big-endian.
using Swap32Fn = void (*)(const void* src, void* dst, std::size_t n) noexcept;
using Swap64Fn = void (*)(const void* src, void* dst, std::size_t n) noexcept;

struct Kernels {
  Level level;
  Swap32Fn swap32;
  Swap64Fn swap64;
};

/// The kernels in use: the best the CPU supports, unless select() chose others.
[[nodiscard]] const Kernels& active() noexcept;

/// True when this build has `level` and the CPU (and OS) can run it.
[[nodiscard]] bool supported(Level level) noexcept;

/// Every level this machine can run, scalar first, best last.
[[nodiscard]] std::span<const Level> supported_levels() noexcept;

/// The kernels of one level. Precondition: supported(level).
[[nodiscard]] const Kernels& kernels_for(Level level) noexcept;

/// Makes `level` the active one (for tests and benchmarks). Returns false, changing nothing,
/// when it is not supported. Not thread-safe against concurrent encoding: call it at start-up.
bool select(Level level) noexcept;

/// "scalar", "ssse3", "avx2", "avx512", "neon".
[[nodiscard]] std::string_view to_string(Level level) noexcept;

}  // namespace nelson::xdr::simd

// The kernels themselves, with C linkage so that their assembly is easy to find and read
// (objdump -d --disassemble=nelson_xdr_swap32_avx2). Each exists only where it is compiled.
extern "C" {
void nelson_xdr_swap32_scalar(const void* src, void* dst, std::size_t n) noexcept;
void nelson_xdr_swap64_scalar(const void* src, void* dst, std::size_t n) noexcept;
void nelson_xdr_swap32_ssse3(const void* src, void* dst, std::size_t n) noexcept;
void nelson_xdr_swap64_ssse3(const void* src, void* dst, std::size_t n) noexcept;
void nelson_xdr_swap32_avx2(const void* src, void* dst, std::size_t n) noexcept;
void nelson_xdr_swap64_avx2(const void* src, void* dst, std::size_t n) noexcept;
void nelson_xdr_swap32_avx512(const void* src, void* dst, std::size_t n) noexcept;
void nelson_xdr_swap64_avx512(const void* src, void* dst, std::size_t n) noexcept;
void nelson_xdr_swap32_neon(const void* src, void* dst, std::size_t n) noexcept;
void nelson_xdr_swap64_neon(const void* src, void* dst, std::size_t n) noexcept;
}
