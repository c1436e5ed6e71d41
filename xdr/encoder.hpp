// xdr::Encoder — writes XDR (RFC 4506) into a contiguous region or a Sink's chain of regions.
//
//   std::array<std::byte, 512> buf;
//   xdr::Encoder e(buf);
//   e.put_uint(xid);
//   e.put_string(machine_name, 255);
//   e.put_array(std::span<const int32_t>(values));      // vectorized byte order
//   if (!e.ok()) log(e.error().message());               // "output full at byte 508"
//   send(e.written());
//
// Every put is a no-throw, bounds-checked store; the first failure (output full, a length
// above its declared maximum) is kept, later puts do nothing, and ok()/error() report it.
// The fast path of a scalar put is one compare and one store; running out of room in the
// current region is the only slow path (a call to the Sink, if any).
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

#include "xdr/byte_order.hpp"
#include "xdr/copy.hpp"
#include "xdr/error.hpp"
#include "xdr/scalar.hpp"
#include "xdr/simd.hpp"
#include "xdr/sink.hpp"
#include "xdr/types.hpp"

namespace nelson::xdr {

class Encoder {
 public:
  /// Encodes into `out`; putting more than fits fails with Errc::no_space.
  explicit Encoder(std::span<std::byte> out) noexcept
      : begin_(out.data()), cur_(out.data()), end_(out.data() + out.size()) {}
  /// Encodes into regions requested from `sink`; call finish() at the end.
  explicit Encoder(Sink& sink) noexcept : sink_(&sink) {}

  Encoder(const Encoder&) = delete;
  Encoder& operator=(const Encoder&) = delete;

  // --- scalars -----------------------------------------------------------------------------
  [[gnu::always_inline]] void put_int(std::int32_t v) noexcept { put_uint(static_cast<std::uint32_t>(v)); }
  [[gnu::always_inline]] void put_uint(std::uint32_t v) noexcept {
    if (room() < 4 && !grow(4)) [[unlikely]]
      return;
    store_be32(cur_, v);
    cur_ += 4;
  }
  [[gnu::always_inline]] void put_enum(std::int32_t v) noexcept { put_int(v); }
  [[gnu::always_inline]] void put_bool(bool v) noexcept { put_uint(v ? 1U : 0U); }
  [[gnu::always_inline]] void put_hyper(std::int64_t v) noexcept { put_uhyper(static_cast<std::uint64_t>(v)); }
  [[gnu::always_inline]] void put_uhyper(std::uint64_t v) noexcept {
    if (room() < 8 && !grow(8)) [[unlikely]]
      return;
    store_be64(cur_, v);
    cur_ += 8;
  }
  [[gnu::always_inline]] void put_float(float v) noexcept { put_uint(std::bit_cast<std::uint32_t>(v)); }
  [[gnu::always_inline]] void put_double(double v) noexcept { put_uhyper(std::bit_cast<std::uint64_t>(v)); }
  void put_quadruple(const Quadruple& v) noexcept { put_raw(v.bytes.data(), v.bytes.size()); }

  // --- opaque data and strings ---------------------------------------------------------------
  /// `opaque name[n]`: the bytes, zero-padded to a multiple of 4, no length.
  void put_fixed_opaque(std::span<const std::byte> data) noexcept {
    const std::size_t n = data.size();
    if (n - 1 < kInlineOpaqueMax && room() >= padded(n)) [[likely]] {  // n - 1 wraps for n = 0
      // Fast path, inline: one copy, no call to put_raw and none for the padding. The last
      // word is zeroed first; the data then overwrites all of it but the padding bytes.
      store_be32(cur_ + padded(n) - kUnit, 0);
      copy_bytes(cur_, data.data(), n);
      cur_ += padded(n);
      return;
    }
    put_raw(data.data(), n);
    put_padding(n);
  }
  /// `opaque name<max>`: length, bytes, zero padding. A length above `max` is an error.
  void put_opaque(std::span<const std::byte> data, std::uint32_t max = kUnbounded) noexcept {
    if (!put_length(data.size(), max)) return;
    put_fixed_opaque(data);
  }
  /// `string name<max>`: encoded as variable-length opaque.
  void put_string(std::string_view s, std::uint32_t max = kUnbounded) noexcept {
    put_opaque(std::as_bytes(std::span<const char>(s.data(), s.size())), max);
  }

  // --- arrays ---------------------------------------------------------------------------------
  /// `T name[n]` of int/unsigned/enum/hyper/float/double: items only, vectorized byte order.
  template <BulkScalar T>
  void put_fixed_array(std::span<const T> items) noexcept {
    put_swapped(items.data(), items.size(), sizeof(T));
  }
  /// `T name<max>` of the same types: count, then items.
  template <BulkScalar T>
  void put_array(std::span<const T> items, std::uint32_t max = kUnbounded) noexcept {
    if (!put_length(items.size(), max)) return;
    put_swapped(items.data(), items.size(), sizeof(T));
  }
  /// `T name<max>` of any type: count, then `put_item(*this, item)` for each item.
  template <class T, class PutItem>
  void put_array(std::span<const T> items, std::uint32_t max, PutItem&& put_item) {
    if (!put_length(items.size(), max)) return;
    for (const T& item : items) put_item(*this, item);
  }
  /// `T name[n]` of any type.
  template <class T, class PutItem>
  void put_fixed_array(std::span<const T> items, PutItem&& put_item) {
    for (const T& item : items) put_item(*this, item);
  }

  /// Optional-data `T *name`: FALSE, or TRUE then `put_item(*this, *item)`.
  template <class T, class PutItem>
  void put_optional(const T* item, PutItem&& put_item) {
    put_bool(item != nullptr);
    if (item != nullptr) put_item(*this, *item);
  }

  // --- raw access -----------------------------------------------------------------------------
  /// Reserves `n` contiguous bytes (n a multiple of 4) to be filled in later, e.g. a length or
  /// a record mark known only once what follows is encoded. Null on failure.
  [[nodiscard]] std::byte* reserve(std::size_t n) noexcept {
    if (room() < n && !grow(n)) [[unlikely]]
      return nullptr;
    std::byte* at = cur_;
    cur_ += n;
    return at;
  }
  /// Appends bytes as they are (already XDR-encoded data), without padding.
  void put_raw(const void* data, std::size_t n) noexcept;

  // --- state ----------------------------------------------------------------------------------
  /// Hands the last region to the sink (if any). Returns ok().
  bool finish() noexcept;
  /// Bytes written so far (all regions).
  [[nodiscard]] std::size_t size() const noexcept { return flushed_ + static_cast<std::size_t>(cur_ - begin_); }
  /// The bytes written, when encoding into one contiguous region (not through a Sink).
  [[nodiscard]] std::span<const std::byte> written() const noexcept {
    return {begin_, static_cast<std::size_t>(cur_ - begin_)};
  }
  [[nodiscard]] bool ok() const noexcept { return error_.code == Errc::ok; }
  [[nodiscard]] Error error() const noexcept { return error_; }
  /// Records a failure found by the caller (e.g. Errc::bad_discriminant: a union whose
  /// discriminant and arm disagree) at the current offset; later puts do nothing.
  void fail(Errc code) noexcept;

 private:
  // Opaque data and strings of 1..kInlineOpaqueMax bytes (auth bodies, names, handles) are
  // copied inline when they fit the region; longer ones gain nothing from it and take put_raw.
  // The bound also tells the compiler that the inline memcpy is small (no -Wstringop-overflow).
  static constexpr std::size_t kInlineOpaqueMax = 1024;
  [[nodiscard]] std::size_t room() const noexcept { return static_cast<std::size_t>(end_ - cur_); }
  // Makes at least `n` contiguous bytes available; false (and an error) when it cannot.
  bool grow(std::size_t n) noexcept;
  bool put_length(std::size_t n, std::uint32_t max) noexcept {
    if (n > max) [[unlikely]] {
      fail(Errc::length_exceeds_max);
      return false;
    }
    put_uint(static_cast<std::uint32_t>(n));
    return ok();
  }
  void put_padding(std::size_t n) noexcept {
    static constexpr std::byte kZeros[4]{};
    if (const std::size_t pad = padding_of(n); pad != 0) put_raw(kZeros, pad);
  }
  void put_swapped(const void* items, std::size_t count, std::size_t width) noexcept;

  std::byte* begin_ = nullptr;  // start of the current region
  std::byte* cur_ = nullptr;
  std::byte* end_ = nullptr;
  Sink* sink_ = nullptr;
  std::size_t flushed_ = 0;  // bytes in the regions before the current one
  Error error_{};
};

}  // namespace nelson::xdr
