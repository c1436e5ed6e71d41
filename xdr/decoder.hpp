// xdr::Decoder — reads XDR (RFC 4506) from a contiguous view, without throwing and without
// reading past its end.
//
//   xdr::Decoder d(record);                      // e.g. a view into a receive slab
//   std::uint32_t xid = 0;
//   std::string_view name;                       // zero-copy: points into `record`
//   std::vector<std::int32_t> values;            // owning: allocated only after checks
//   if (!d.get_uint(xid) || !d.view_string(name, 255) || !d.get_array(values, 1024))
//     return d.error();                          // e.g. {length_exceeds_max, offset 4}
//
// Every length or count prefix is checked against its declared maximum and against the bytes
// that remain *before* anything is allocated or copied, so a hostile "4 GiB follow" prefix
// costs nothing. The first failure is kept (what, and the byte offset of the item that
// failed); every later get fails too, even one that reads no bytes. `view_*` results point into the input and live as
// long as it does.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "xdr/byte_order.hpp"
#include "xdr/copy.hpp"
#include "xdr/error.hpp"
#include "xdr/scalar.hpp"
#include "xdr/simd.hpp"
#include "xdr/types.hpp"

namespace nelson::xdr {

class Decoder {
 public:
  explicit Decoder(std::span<const std::byte> in, PaddingPolicy padding = PaddingPolicy::lenient) noexcept
      : begin_(in.data()), cur_(in.data()), end_(in.data() + in.size()), padding_(padding) {}

  // --- scalars -----------------------------------------------------------------------------
  [[gnu::always_inline]] [[nodiscard]] bool get_int(std::int32_t& v) noexcept {
    std::uint32_t u = 0;
    if (!get_uint(u)) return false;
    v = static_cast<std::int32_t>(u);
    return true;
  }
  [[gnu::always_inline]] [[nodiscard]] bool get_uint(std::uint32_t& v) noexcept {
    if (remaining() < 4) [[unlikely]]
      return fail(Errc::truncated);
    v = load_be32(cur_);
    cur_ += 4;
    return true;
  }
  /// The raw value; the caller checks it against the enum's declared values.
  [[gnu::always_inline]] [[nodiscard]] bool get_enum(std::int32_t& v) noexcept { return get_int(v); }
  /// 0 or 1; anything else is Errc::bad_bool.
  [[gnu::always_inline]] [[nodiscard]] bool get_bool(bool& v) noexcept {
    std::uint32_t u = 0;
    if (!get_uint(u)) return false;
    if (u > 1) [[unlikely]] {
      cur_ -= 4;
      return fail(Errc::bad_bool);
    }
    v = u == 1;
    return true;
  }
  [[gnu::always_inline]] [[nodiscard]] bool get_hyper(std::int64_t& v) noexcept {
    std::uint64_t u = 0;
    if (!get_uhyper(u)) return false;
    v = static_cast<std::int64_t>(u);
    return true;
  }
  [[gnu::always_inline]] [[nodiscard]] bool get_uhyper(std::uint64_t& v) noexcept {
    if (remaining() < 8) [[unlikely]]
      return fail(Errc::truncated);
    v = load_be64(cur_);
    cur_ += 8;
    return true;
  }
  [[gnu::always_inline]] [[nodiscard]] bool get_float(float& v) noexcept {
    std::uint32_t u = 0;
    if (!get_uint(u)) return false;
    v = std::bit_cast<float>(u);
    return true;
  }
  [[gnu::always_inline]] [[nodiscard]] bool get_double(double& v) noexcept {
    std::uint64_t u = 0;
    if (!get_uhyper(u)) return false;
    v = std::bit_cast<double>(u);
    return true;
  }
  [[nodiscard]] bool get_quadruple(Quadruple& v) noexcept { return get_raw(v.bytes.data(), v.bytes.size()); }

  // --- opaque data and strings ---------------------------------------------------------------
  /// `opaque name[n]` with n = out.size(), copied into `out`.
  [[nodiscard]] bool get_fixed_opaque(std::span<std::byte> out) noexcept {
    std::span<const std::byte> view;
    if (!view_fixed_opaque(out.size(), view)) return false;
    if (!view.empty()) std::memcpy(out.data(), view.data(), view.size());
    return true;
  }
  /// `opaque name[n]` as a view into the input.
  [[nodiscard]] bool view_fixed_opaque(std::size_t n, std::span<const std::byte>& out) noexcept {
    // Written so that no sum can wrap: n may be any size_t a caller computed.
    if (n > remaining() || padding_of(n) > remaining() - n || !ok()) [[unlikely]]
      return fail(Errc::truncated);
    return take_padded(n, out);
  }
  /// `opaque name<max>` as a view into the input.
  [[nodiscard]] bool view_opaque(std::span<const std::byte>& out, std::uint32_t max = kUnbounded) noexcept {
    std::uint32_t n = 0;
    return get_length(n, max) && take_padded(n, out);
  }
  /// `opaque name<max>`, copied into `out` (resized to the length).
  [[nodiscard]] bool get_opaque(std::vector<std::byte>& out, std::uint32_t max = kUnbounded) {
    std::span<const std::byte> view;
    if (!view_opaque(view, max)) return false;
    // resize + memcpy: cheaper than the generic range assign for the short data RPC carries.
    out.resize(view.size());
    copy_bytes(reinterpret_cast<std::byte*>(out.data()), view.data(), view.size());
    return true;
  }
  /// `string name<max>` as a view into the input.
  [[nodiscard]] bool view_string(std::string_view& out, std::uint32_t max = kUnbounded) noexcept {
    std::span<const std::byte> view;
    if (!view_opaque(view, max)) return false;
    out = std::string_view(reinterpret_cast<const char*>(view.data()), view.size());
    return true;
  }
  /// `string name<max>`, copied into `out`.
  [[nodiscard]] bool get_string(std::string& out, std::uint32_t max = kUnbounded) {
    std::string_view view;
    if (!view_string(view, max)) return false;
    out.resize(view.size());
    copy_bytes(reinterpret_cast<std::byte*>(out.data()), reinterpret_cast<const std::byte*>(view.data()), view.size());
    return true;
  }

  // --- arrays ---------------------------------------------------------------------------------
  /// `T name[n]` of int/unsigned/enum/hyper/float/double with n = out.size(); vectorized.
  template <BulkScalar T>
  [[nodiscard]] bool get_fixed_array(std::span<T> out) noexcept {
    if (remaining() / sizeof(T) < out.size() || !ok()) [[unlikely]]
      return fail(Errc::truncated);
    get_swapped(out.data(), out.size(), sizeof(T));
    return true;
  }
  /// `T name<max>` of the same types, into `out` (resized to the count); vectorized.
  template <BulkScalar T>
  [[nodiscard]] bool get_array(std::vector<T>& out, std::uint32_t max = kUnbounded) {
    std::uint32_t n = 0;
    if (!get_count(n, max, sizeof(T))) return false;
    out.resize(n);
    get_swapped(out.data(), n, sizeof(T));
    return true;
  }
  /// `T name<max>` of any type: count, then `get_item(*this, item)` for each. Every XDR item
  /// takes at least 4 bytes, which bounds the count by the input before `out` grows.
  template <class T, class GetItem>
  [[nodiscard]] bool get_array(std::vector<T>& out, std::uint32_t max, GetItem&& get_item) {
    std::uint32_t n = 0;
    if (!get_count(n, max, kUnit)) return false;
    out.clear();
    out.resize(n);
    for (T& item : out) {
      if (!get_item(*this, item)) return false;
    }
    return true;
  }
  /// `T name[n]` of any type, n = out.size().
  template <class T, class GetItem>
  [[nodiscard]] bool get_fixed_array(std::span<T> out, GetItem&& get_item) {
    if (!ok()) return false;
    for (T& item : out) {
      if (!get_item(*this, item)) return false;
    }
    return true;
  }
  /// Optional-data `T *name`: a bool, then the item if TRUE.
  template <class T, class GetItem>
  [[nodiscard]] bool get_optional(std::optional<T>& out, GetItem&& get_item) {
    bool present = false;
    if (!get_bool(present)) return false;
    if (!present) {
      out.reset();
      return true;
    }
    return get_item(*this, out.emplace());
  }
  /// Optional-data held by an owning pointer (nelson-gen's choice for recursive types).
  template <class T, class GetItem>
  [[nodiscard]] bool get_optional(std::unique_ptr<T>& out, GetItem&& get_item) {
    bool present = false;
    if (!get_bool(present)) return false;
    if (!present) {
      out.reset();
      return true;
    }
    out = std::make_unique<T>();
    return get_item(*this, *out);
  }

  /// A count or length prefix, checked against `max` (Errc::length_exceeds_max) and against
  /// the input left, assuming at least `min_item_size` bytes per item (length_exceeds_input).
  [[nodiscard]] bool get_count(std::uint32_t& n, std::uint32_t max, std::size_t min_item_size) noexcept {
    const std::byte* at = cur_;
    if (!get_uint(n)) return false;
    if (n > max) [[unlikely]]
      return fail_at(at, Errc::length_exceeds_max);
    if (remaining() / (min_item_size == 0 ? 1 : min_item_size) < n) [[unlikely]] {
      return fail_at(at, Errc::length_exceeds_input);
    }
    return true;
  }

  // --- raw access -----------------------------------------------------------------------------
  /// Copies the next `n` bytes as they are (no padding handling).
  [[nodiscard]] bool get_raw(void* out, std::size_t n) noexcept {
    if (remaining() < n || !ok()) [[unlikely]]
      return fail(Errc::truncated);
    if (n != 0) std::memcpy(out, cur_, n);
    cur_ += n;
    return true;
  }
  /// Skips `n` bytes.
  [[nodiscard]] bool skip(std::size_t n) noexcept {
    if (remaining() < n || !ok()) [[unlikely]]
      return fail(Errc::truncated);
    cur_ += n;
    return true;
  }
  /// The input not yet consumed.
  [[nodiscard]] std::span<const std::byte> rest() const noexcept { return {cur_, remaining()}; }
  /// Succeeds when the whole input was consumed; Errc::trailing_bytes otherwise.
  [[nodiscard]] bool expect_end() noexcept { return (remaining() == 0 && ok()) || fail(Errc::trailing_bytes); }

  /// Records a failure found by the caller (e.g. Errc::bad_discriminant) at the current offset.
  /// Always returns false.
  bool fail(Errc code) noexcept { return fail_at(cur_, code); }

  // --- nesting --------------------------------------------------------------------------------
  /// Guards the decoding of a recursive type (a tree through owning pointers, which a loop
  /// cannot flatten as it does a list): each guard in scope is one level; past `max_depth`
  /// levels it fails the decoder with Errc::too_deep, so a hostile message nested a million
  /// deep is refused instead of overflowing the stack (there, and again when it is freed).
  ///
  ///   bool decode(xdr::Decoder& d, node& v) {
  ///     const xdr::Decoder::Nesting level(d, kMaxDepth);
  ///     if (!level.ok()) return false;
  ///     ...
  class Nesting {
   public:
    Nesting(Decoder& d, std::uint32_t max_depth) noexcept : d_(d) {
      ok_ = ++d_.depth_ <= max_depth || d_.fail(Errc::too_deep);
    }
    ~Nesting() { --d_.depth_; }
    Nesting(const Nesting&) = delete;
    Nesting& operator=(const Nesting&) = delete;
    [[nodiscard]] bool ok() const noexcept { return ok_; }

   private:
    Decoder& d_;
    bool ok_ = false;
  };
  /// Levels of Nesting now in scope.
  [[nodiscard]] std::uint32_t depth() const noexcept { return depth_; }

  // --- state ----------------------------------------------------------------------------------
  [[nodiscard]] std::size_t offset() const noexcept { return static_cast<std::size_t>(cur_ - begin_); }
  [[nodiscard]] std::size_t remaining() const noexcept { return static_cast<std::size_t>(end_ - cur_); }
  [[nodiscard]] bool ok() const noexcept { return error_.code == Errc::ok; }
  [[nodiscard]] Error error() const noexcept { return error_; }
  [[nodiscard]] PaddingPolicy padding_policy() const noexcept { return padding_; }

 private:
  bool fail_at(const std::byte* at, Errc code) noexcept;
  bool get_length(std::uint32_t& n, std::uint32_t max) noexcept { return get_count(n, max, 1); }
  // Takes `n` bytes plus their padding; the caller checked n against the input.
  bool take_padded(std::size_t n, std::span<const std::byte>& out) noexcept {
    const std::size_t pad = padding_of(n);
    if (n > remaining() || remaining() - n < pad) [[unlikely]]
      return fail(Errc::length_exceeds_input);
    if (padding_ == PaddingPolicy::strict && pad != 0 && !padding_is_zero(cur_ + n, pad)) [[unlikely]] {
      return fail_at(cur_ + n, Errc::nonzero_padding);
    }
    out = {cur_, n};
    cur_ += n + pad;
    return true;
  }
  static bool padding_is_zero(const std::byte* p, std::size_t n) noexcept {
    for (std::size_t i = 0; i < n; ++i) {
      if (p[i] != std::byte{0}) return false;
    }
    return true;
  }
  void get_swapped(void* out, std::size_t count, std::size_t width) noexcept {
    const auto& kernels = simd::active();
    (width == 4 ? kernels.swap32 : kernels.swap64)(cur_, out, count);
    cur_ += count * width;
  }

  const std::byte* begin_;
  const std::byte* cur_;
  const std::byte* end_;
  PaddingPolicy padding_;
  std::uint32_t depth_ = 0;  // Nesting levels in scope
  Error error_{};
};

}  // namespace nelson::xdr
