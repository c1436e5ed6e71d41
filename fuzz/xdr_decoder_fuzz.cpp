// libFuzzer target for xdr::Decoder (and, through the round trip, xdr::Encoder and SegmentChain).
//
// Input layout (see make_xdr_decoder_seeds.py, which writes the seed corpus):
//
//   byte 0      configuration: bits 0-2 choose the byte-order kernels (index into
//               simd::supported_levels(), modulo their count), bits 3-5 the segment size of the
//               SegmentChain the values are re-encoded into (kSegmentSizes)
//   byte 1      number of operations, modulo kMaxOps + 1
//   2 per op    opcode (modulo kOpCount, see enum Op) and argument (a size, count, maximum...)
//   the rest    the XDR data the operations decode, copied into an allocation of its own so that
//               AddressSanitizer sees any read outside it
//
// The program runs twice over the same data: once with PaddingPolicy::lenient and once with
// PaddingPolicy::strict. Checked after every operation (violations end in __builtin_trap()):
//
//   - offset() + remaining() == input size, rest() is the unconsumed input, padding_policy();
//   - a failing get records an error (ok() false) whose offset lies in [start of the item,
//     input size]; after a failure ok() stays false, the first error is kept, and no later
//     operation consumes input (operations that need no bytes may still return true);
//   - views (view_*) lie inside the input, exactly where the item's bytes are;
//   - lengths and counts respect their maxima; get_count respects the input bound;
//   - round trip: every value decoded successfully re-encodes to exactly as many bytes as were
//     consumed, through a std::vector-backed span and through a SegmentChain of small segments
//     (identically); under strict padding the bytes are exactly the input bytes; under lenient
//     padding they decode again, strictly, to a value that re-encodes identically;
//   - encoding the same value into one byte less (span or SegmentChain limit) fails with
//     Errc::no_space, after writing a prefix of the right bytes and nothing outside;
//   - strict vs lenient: both runs agree step by step (success, offsets, re-encoded bytes, errors)
//     until the strict one meets non-zero padding (its error must then be nonzero_padding).
//
// Sizes given to view_fixed_opaque/get_raw/skip include values near SIZE_MAX (a wrap-around in
// the bounds check was found that way). Environment: NELSON_FUZZ_XDR_TRACE=1 prints every step,
// e.g. to read a reproducer.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "xdr/xdr.hpp"

namespace xdr = nelson::xdr;

#define FUZZ_CHECK(cond)                                                                        \
  do {                                                                                          \
    if (!(cond)) [[unlikely]] {                                                                 \
      std::fprintf(stderr, "xdr_decoder_fuzz: check failed at line %d: %s\n", __LINE__, #cond); \
      __builtin_trap();                                                                         \
    }                                                                                           \
  } while (0)

namespace fuzz {

// --- types decoded by the generic xdr::decode() --------------------------------------------

// struct small { int a; bool b; string s<8>; unsigned hyper *h; };
struct Small {
  std::int32_t a = 0;
  bool b = false;
  std::string s;
  std::optional<std::uint64_t> h;
};
void xdr_encode(xdr::Encoder& e, const Small& v) {
  e.put_int(v.a);
  e.put_bool(v.b);
  e.put_string(v.s, 8);
  xdr::encode(e, v.h);
}
bool xdr_decode(xdr::Decoder& d, Small& v) {
  return d.get_int(v.a) && d.get_bool(v.b) && d.get_string(v.s, 8) && xdr::decode(d, v.h);
}

enum class Color : std::int32_t { red = 0, green = 1, blue = 2 };

// struct tree { int value; tree kids<8>; }, decoded with a nesting limit (Errc::too_deep).
struct Tree {
  std::int32_t value = 0;
  std::vector<Tree> kids;
};
constexpr int kMaxTreeDepth = 12;
bool decode_tree(xdr::Decoder& d, Tree& t, int depth) {
  if (depth > kMaxTreeDepth) return d.fail(xdr::Errc::too_deep);
  return d.get_int(t.value) &&
         d.get_array(t.kids, 8, [depth](xdr::Decoder& dd, Tree& kid) { return decode_tree(dd, kid, depth + 1); });
}
void encode_tree(xdr::Encoder& e, const Tree& t) {
  e.put_int(t.value);
  e.put_array(std::span<const Tree>(t.kids), 8, [](xdr::Encoder& en, const Tree& kid) { encode_tree(en, kid); });
}

// --- the program ------------------------------------------------------------------------------

enum Op : std::uint8_t {
  kGetInt,
  kGetUint,
  kGetEnum,
  kGetBool,
  kGetHyper,
  kGetUhyper,
  kGetFloat,
  kGetDouble,
  kGetQuadruple,
  kGetFixedOpaque,    // arg: n (0..255)
  kViewFixedOpaque,   // arg: n, >= 0xF0 sizes near SIZE_MAX
  kViewOpaque,        // arg: maximum (max_of)
  kGetOpaque,         // arg: maximum
  kViewString,        // arg: maximum
  kGetString,         // arg: maximum
  kFixedArrayInt32,   // arg: count (0..63)
  kFixedArrayInt64,   // arg: count
  kFixedArrayDouble,  // arg: count
  kFixedArrayUint32,  // arg: count
  kArrayInt32,        // arg: maximum
  kArrayInt64,        // arg: maximum
  kArrayDouble,       // arg: maximum
  kArrayFloat,        // arg: maximum
  kArraySmall,        // arg: maximum; generic get_array with an item function
  kFixedArraySmall,   // arg: count (0..3)
  kOptionalInt,
  kOptionalSmall,
  kGetCount,  // arg: maximum (bits 0-7) and minimum item size (min_item_of)
  kSkip,      // arg: n, >= 0xF0 sizes near SIZE_MAX
  kGetRaw,    // arg: n, >= 0xF0 sizes near SIZE_MAX
  kExpectEnd,
  kFail,  // Decoder::fail(Errc::bad_discriminant), as a union decoder would
  // generic xdr::decode() of composite types
  kVecOptString,
  kVecVecInt,
  kOptVecDouble,
  kArrayBytes5,
  kArrayInt3,
  kArraySmall2,
  kVecBytes,
  kVecSmall,
  kQuadruple,
  kVoid,
  kColor,
  kOptOptBool,
  kVecArrayU64x2,
  kString,
  kVecVecOptSmall,
  kTree,
  kVecFloat,
  kArrayOptString3,
  kVecBytes3,
  kOptQuadruple,
  kVecColor,
  kVecU64,
  kVecI64,
  kArrayDouble4,
  kOptVecOptVecString,
  kOpCount
};

constexpr std::size_t kMaxOps = 32;
constexpr std::array<std::size_t, 8> kSegmentSizes{16, 17, 20, 24, 31, 40, 64, 4096};
constexpr std::array<std::size_t, 16> kHugeSizes{SIZE_MAX,         SIZE_MAX - 1,     SIZE_MAX - 2, SIZE_MAX - 3,
                                                 SIZE_MAX - 4,     SIZE_MAX - 5,     SIZE_MAX / 2, SIZE_MAX / 2 + 1,
                                                 SIZE_MAX / 4 + 1, SIZE_MAX / 8 + 1, 0xFFFFFFFFu,  0xFFFFFFFDu,
                                                 0x100000000u,     0x80000000u,      0xFFFFFFFCu,  0x7FFFFFFFu};

bool g_trace = false;  // NELSON_FUZZ_XDR_TRACE=1: print every step (for reading reproducers and seeds)

std::size_t size_of_arg(std::uint8_t arg) {
  if (arg < 0xF0) return arg;
  return kHugeSizes[arg & 0x0F];
}
std::uint32_t max_of(std::uint8_t arg) {
  if (arg < 0x80) return arg & 0x3F;  // small maxima: 0..63
  if (arg < 0xC0) return std::array<std::uint32_t, 4>{255, 1024, 0x7FFFFFFF, 0xFFFFFFFE}[arg & 3];
  return xdr::kUnbounded;
}
std::size_t min_item_of(std::uint8_t arg) {
  constexpr std::array<std::size_t, 10> kSizes{0, 1, 2, 4, 8, 16, 3, std::size_t{1} << 20, SIZE_MAX, SIZE_MAX / 2};
  return kSizes[arg % kSizes.size()];
}

// True when [p, p + n) lies inside the part of `d`'s input consumed so far, starting exactly
// `expected` bytes from the beginning of the input.
bool view_at(const xdr::Decoder& d, const void* p, std::size_t n, std::size_t expected) {
  const auto cur = reinterpret_cast<std::uintptr_t>(d.rest().data());
  const std::uintptr_t base = cur - d.offset();
  const auto at = reinterpret_cast<std::uintptr_t>(p);
  return at >= base && at <= cur && at - base == expected && n <= cur - at;
}

struct StepResult {
  bool was_ok = true;
  bool success = false;
  std::size_t start = 0;
  std::size_t offset_after = 0;
  xdr::Error error{};
  std::vector<std::byte> bytes;  // the value re-encoded, when it was decoded successfully
};

class Runner {
 public:
  Runner(std::span<const std::byte> input, xdr::PaddingPolicy policy, std::size_t segment_size)
      : input_(input), policy_(policy), d_(input, policy), chain_(segment_size), segment_size_(segment_size) {}

  std::vector<StepResult> trace;

  void run(std::span<const std::uint8_t> program) {
    check_state();
    for (std::size_t i = 0; i + 1 < program.size(); i += 2) {
      const auto op = static_cast<Op>(program[i] % kOpCount);
      const std::size_t steps = trace.size();
      execute(op, program[i + 1]);
      check_state();
      FUZZ_CHECK(trace.size() == steps + 1);
      if (g_trace) {
        const StepResult& r = trace.back();
        std::fprintf(stderr, "%s op %2u arg 0x%02x: %s, offset %zu -> %zu, %zu bytes re-encoded%s%s\n",
                     strict() ? "strict " : "lenient", static_cast<unsigned>(op), program[i + 1],
                     r.success ? "ok  " : "fail", r.start, r.offset_after, r.bytes.size(), r.error ? ", " : "",
                     r.error ? r.error.message().c_str() : "");
      }
    }
  }

 private:
  bool strict() const { return policy_ == xdr::PaddingPolicy::strict; }

  void check_state() {
    FUZZ_CHECK(d_.offset() + d_.remaining() == input_.size());
    FUZZ_CHECK(d_.offset() <= input_.size());
    const auto rest = d_.rest();
    FUZZ_CHECK(rest.size() == d_.remaining());
    FUZZ_CHECK(rest.data() == input_.data() + d_.offset());
    FUZZ_CHECK(d_.padding_policy() == policy_);
    const xdr::Error e = d_.error();
    if (d_.ok()) {
      FUZZ_CHECK(e == xdr::Error{});
      FUZZ_CHECK(!e);
    } else {
      FUZZ_CHECK(e.code != xdr::Errc::ok && static_cast<bool>(e));
      FUZZ_CHECK(e.offset <= input_.size());
    }
  }

  // Encodes `v` through every path and checks them against each other; returns the bytes.
  template <class T, class Encode>
  std::vector<std::byte> encode_all(const Encode& encode, const T& v, std::size_t expected) {
    // 1. A contiguous region with room to spare.
    std::vector<std::byte> buf(expected + 8);
    std::vector<std::byte> out;
    {
      xdr::Encoder e{std::span<std::byte>(buf)};
      encode(e, v);
      FUZZ_CHECK(e.ok());
      FUZZ_CHECK(e.finish());
      FUZZ_CHECK(e.size() == e.written().size());
      FUZZ_CHECK(e.written().data() == buf.data());
      out.assign(e.written().begin(), e.written().end());
    }
    // 2. One byte short: no_space, a correct prefix, nothing written outside (ASan).
    if (!out.empty()) {
      const std::size_t room = out.size() - 1;
      std::unique_ptr<std::byte[]> tight(new std::byte[room]);
      xdr::Encoder e{std::span<std::byte>(tight.get(), room)};
      encode(e, v);
      FUZZ_CHECK(!e.ok());
      FUZZ_CHECK(e.error().code == xdr::Errc::no_space);
      FUZZ_CHECK(e.error().offset <= room);
      FUZZ_CHECK(!e.finish());
      const auto written = e.written();
      FUZZ_CHECK(written.size() <= room);
      FUZZ_CHECK(std::equal(written.begin(), written.end(), out.begin()));
    }
    // 3. A SegmentChain of small segments (reused: clear() keeps a spare segment).
    {
      chain_.clear();
      xdr::Encoder e(chain_);
      encode(e, v);
      FUZZ_CHECK(e.finish());
      FUZZ_CHECK(e.size() == out.size());
      FUZZ_CHECK(chain_.size() == out.size());
      FUZZ_CHECK(chain_.flatten() == out);
      for (const auto slice : chain_.slices()) {
        FUZZ_CHECK(!slice.empty());
        FUZZ_CHECK(slice.size() <= std::max<std::size_t>(segment_size_, 16));
      }
    }
    // 4. A SegmentChain limited to one byte less than needed.
    if (!out.empty()) {
      xdr::SegmentChain limited(segment_size_, out.size() - 1);
      xdr::Encoder e(limited);
      encode(e, v);
      FUZZ_CHECK(!e.finish());
      FUZZ_CHECK(e.error().code == xdr::Errc::no_space);
      FUZZ_CHECK(limited.size() < out.size());
      const auto flat = limited.flatten();
      FUZZ_CHECK(std::equal(flat.begin(), flat.end(), out.begin()));
    }
    return out;
  }

  // One decode operation: `decode(Decoder&, T&) -> bool`, `encode(Encoder&, const T&)`.
  // `redecodable`: the value, re-encoded on its own, decodes again with the same operation.
  template <class T, class Decode, class Encode>
  void step(const Decode& decode, const Encode& encode, bool redecodable = true) {
    StepResult r;
    r.was_ok = d_.ok();
    r.start = d_.offset();
    const xdr::Error before = d_.error();
    T v{};
    r.success = decode(d_, v);
    r.offset_after = d_.offset();
    r.error = d_.error();
    check_state();
    FUZZ_CHECK(r.offset_after >= r.start);
    if (!r.was_ok) {
      // After a failure: still failed, same (first) error, nothing consumed.
      FUZZ_CHECK(!d_.ok());
      FUZZ_CHECK(r.error == before);
      FUZZ_CHECK(r.offset_after == r.start);
    } else if (r.success) {
      FUZZ_CHECK(d_.ok());
      const std::size_t consumed = r.offset_after - r.start;
      r.bytes = encode_all(encode, v, consumed);
      FUZZ_CHECK(r.bytes.size() == consumed);
      if (strict()) {
        FUZZ_CHECK(std::equal(r.bytes.begin(), r.bytes.end(), input_.begin() + static_cast<std::ptrdiff_t>(r.start)));
      } else if (redecodable) {
        xdr::Decoder again(r.bytes, xdr::PaddingPolicy::strict);
        T v2{};
        FUZZ_CHECK(decode(again, v2));
        FUZZ_CHECK(again.ok() && again.remaining() == 0);
        std::vector<std::byte> buf(r.bytes.size());
        xdr::Encoder e{std::span<std::byte>(buf)};
        encode(e, v2);
        FUZZ_CHECK(e.ok() && e.size() == r.bytes.size() && buf == r.bytes);
      }
    } else {
      FUZZ_CHECK(!d_.ok());
      FUZZ_CHECK(r.error.offset >= r.start);
      FUZZ_CHECK(r.error.offset <= input_.size());
      FUZZ_CHECK(!r.error.message().empty());
    }
    trace.push_back(std::move(r));
  }

  // The generic codec: xdr::decode / xdr::encode of T.
  template <class T>
  void generic() {
    step<T>([](xdr::Decoder& d, T& v) { return xdr::decode(d, v); },
            [](xdr::Encoder& e, const T& v) { xdr::encode(e, v); });
  }

  template <class T>
  void scalar(bool (xdr::Decoder::*get)(T&) noexcept, void (xdr::Encoder::*put)(T) noexcept) {
    step<T>([get](xdr::Decoder& d, T& v) { return (d.*get)(v); }, [put](xdr::Encoder& e, const T& v) { (e.*put)(v); });
  }

  template <class T>
  void fixed_array(std::size_t n) {
    step<std::vector<T>>(
        [n](xdr::Decoder& d, std::vector<T>& v) {
          v.assign(n, T{});
          return d.get_fixed_array(std::span<T>(v));
        },
        [](xdr::Encoder& e, const std::vector<T>& v) { e.put_fixed_array(std::span<const T>(v)); });
  }

  template <class T>
  void bulk_array(std::uint32_t max) {
    step<std::vector<T>>(
        [max](xdr::Decoder& d, std::vector<T>& v) {
          if (!d.get_array(v, max)) return false;
          FUZZ_CHECK(v.size() <= max);
          return true;
        },
        [max](xdr::Encoder& e, const std::vector<T>& v) { e.put_array(std::span<const T>(v), max); });
  }

  void execute(Op op, std::uint8_t arg) {
    using Bytes = std::vector<std::byte>;
    using View = std::span<const std::byte>;
    switch (op) {
      case kGetInt: return scalar<std::int32_t>(&xdr::Decoder::get_int, &xdr::Encoder::put_int);
      case kGetUint: return scalar<std::uint32_t>(&xdr::Decoder::get_uint, &xdr::Encoder::put_uint);
      case kGetEnum: return scalar<std::int32_t>(&xdr::Decoder::get_enum, &xdr::Encoder::put_enum);
      case kGetBool:
        return step<bool>(
            [](xdr::Decoder& d, bool& v) {
              const std::size_t s = d.offset();
              const bool was_ok = d.ok();
              const bool got = d.get_bool(v);
              // A bad bool is reported at the bool itself.
              if (!got && was_ok && d.error().code == xdr::Errc::bad_bool) FUZZ_CHECK(d.error().offset == s);
              return got;
            },
            [](xdr::Encoder& e, const bool& v) { e.put_bool(v); });
      case kGetHyper: return scalar<std::int64_t>(&xdr::Decoder::get_hyper, &xdr::Encoder::put_hyper);
      case kGetUhyper: return scalar<std::uint64_t>(&xdr::Decoder::get_uhyper, &xdr::Encoder::put_uhyper);
      case kGetFloat: return scalar<float>(&xdr::Decoder::get_float, &xdr::Encoder::put_float);
      case kGetDouble: return scalar<double>(&xdr::Decoder::get_double, &xdr::Encoder::put_double);
      case kGetQuadruple:
        return step<xdr::Quadruple>([](xdr::Decoder& d, xdr::Quadruple& v) { return d.get_quadruple(v); },
                                    [](xdr::Encoder& e, const xdr::Quadruple& v) { e.put_quadruple(v); });
      case kGetFixedOpaque: {
        const std::size_t n = arg;
        return step<Bytes>(
            [n](xdr::Decoder& d, Bytes& v) {
              v.assign(n, std::byte{0xEE});
              return d.get_fixed_opaque(std::span<std::byte>(v));
            },
            [](xdr::Encoder& e, const Bytes& v) { e.put_fixed_opaque(v); });
      }
      case kViewFixedOpaque: {
        const std::size_t n = size_of_arg(arg);
        return step<View>(
            [n](xdr::Decoder& d, View& v) {
              const std::size_t s = d.offset();
              if (!d.view_fixed_opaque(n, v)) return false;
              FUZZ_CHECK(v.size() == n);
              FUZZ_CHECK(view_at(d, v.data(), v.size(), s));  // inside the input, where it belongs
              return true;
            },
            [](xdr::Encoder& e, const View& v) { e.put_fixed_opaque(v); });
      }
      case kViewOpaque: {
        const std::uint32_t max = max_of(arg);
        return step<View>(
            [max](xdr::Decoder& d, View& v) {
              const std::size_t s = d.offset();
              if (!d.view_opaque(v, max)) return false;
              FUZZ_CHECK(v.size() <= max);
              FUZZ_CHECK(view_at(d, v.data(), v.size(), s + 4));
              return true;
            },
            [max](xdr::Encoder& e, const View& v) { e.put_opaque(v, max); });
      }
      case kGetOpaque: {
        const std::uint32_t max = max_of(arg);
        return step<Bytes>(
            [max](xdr::Decoder& d, Bytes& v) {
              if (!d.get_opaque(v, max)) return false;
              FUZZ_CHECK(v.size() <= max);
              return true;
            },
            [max](xdr::Encoder& e, const Bytes& v) { e.put_opaque(v, max); });
      }
      case kViewString: {
        const std::uint32_t max = max_of(arg);
        return step<std::string_view>(
            [max](xdr::Decoder& d, std::string_view& v) {
              const std::size_t s = d.offset();
              if (!d.view_string(v, max)) return false;
              FUZZ_CHECK(v.size() <= max);
              FUZZ_CHECK(view_at(d, v.data(), v.size(), s + 4));
              return true;
            },
            [max](xdr::Encoder& e, const std::string_view& v) { e.put_string(v, max); });
      }
      case kGetString: {
        const std::uint32_t max = max_of(arg);
        return step<std::string>(
            [max](xdr::Decoder& d, std::string& v) {
              if (!d.get_string(v, max)) return false;
              FUZZ_CHECK(v.size() <= max);
              return true;
            },
            [max](xdr::Encoder& e, const std::string& v) { e.put_string(v, max); });
      }
      case kFixedArrayInt32: return fixed_array<std::int32_t>(arg & 0x3F);
      case kFixedArrayInt64: return fixed_array<std::int64_t>(arg & 0x3F);
      case kFixedArrayDouble: return fixed_array<double>(arg & 0x3F);
      case kFixedArrayUint32: return fixed_array<std::uint32_t>(arg & 0x3F);
      case kArrayInt32: return bulk_array<std::int32_t>(max_of(arg));
      case kArrayInt64: return bulk_array<std::int64_t>(max_of(arg));
      case kArrayDouble: return bulk_array<double>(max_of(arg));
      case kArrayFloat: return bulk_array<float>(max_of(arg));
      case kArraySmall: {
        const std::uint32_t max = max_of(arg);
        return step<std::vector<Small>>(
            [max](xdr::Decoder& d, std::vector<Small>& v) {
              if (!d.get_array(v, max, [](xdr::Decoder& dd, Small& item) { return xdr_decode(dd, item); }))
                return false;
              FUZZ_CHECK(v.size() <= max);
              return true;
            },
            [max](xdr::Encoder& e, const std::vector<Small>& v) {
              e.put_array(std::span<const Small>(v), max,
                          [](xdr::Encoder& en, const Small& item) { xdr_encode(en, item); });
            });
      }
      case kFixedArraySmall: {
        const std::size_t n = arg & 3;
        return step<std::vector<Small>>(
            [n](xdr::Decoder& d, std::vector<Small>& v) {
              v.assign(n, Small{});
              return d.get_fixed_array(std::span<Small>(v),
                                       [](xdr::Decoder& dd, Small& item) { return xdr_decode(dd, item); });
            },
            [](xdr::Encoder& e, const std::vector<Small>& v) {
              e.put_fixed_array(std::span<const Small>(v),
                                [](xdr::Encoder& en, const Small& item) { xdr_encode(en, item); });
            });
      }
      case kOptionalInt:
        return step<std::optional<std::int32_t>>(
            [](xdr::Decoder& d, std::optional<std::int32_t>& v) {
              return d.get_optional(v, [](xdr::Decoder& dd, std::int32_t& item) { return dd.get_int(item); });
            },
            [](xdr::Encoder& e, const std::optional<std::int32_t>& v) {
              e.put_optional(v ? &*v : nullptr, [](xdr::Encoder& en, const std::int32_t& item) { en.put_int(item); });
            });
      case kOptionalSmall:
        return step<std::optional<Small>>(
            [](xdr::Decoder& d, std::optional<Small>& v) {
              return d.get_optional(v, [](xdr::Decoder& dd, Small& item) { return xdr_decode(dd, item); });
            },
            [](xdr::Encoder& e, const std::optional<Small>& v) {
              e.put_optional(v ? &*v : nullptr, [](xdr::Encoder& en, const Small& item) { xdr_encode(en, item); });
            });
      case kGetCount: {
        const std::uint32_t max = max_of(arg);
        const std::size_t min_item = min_item_of(arg);
        // Not redecodable: the count is checked against what follows it, which the count alone lacks.
        return step<std::uint32_t>(
            [max, min_item](xdr::Decoder& d, std::uint32_t& n) {
              if (!d.get_count(n, max, min_item)) return false;
              FUZZ_CHECK(n <= max);
              FUZZ_CHECK(min_item == 0 || n <= d.remaining() / min_item);
              return true;
            },
            [](xdr::Encoder& e, const std::uint32_t& n) { e.put_uint(n); }, false);
      }
      case kSkip: {
        const std::size_t n = size_of_arg(arg);
        return step<Bytes>(
            [n](xdr::Decoder& d, Bytes& v) {
              const auto before = d.rest();
              if (!d.skip(n)) return false;
              FUZZ_CHECK(n <= before.size());
              FUZZ_CHECK(d.rest().data() == before.data() + n);
              v.assign(before.begin(), before.begin() + static_cast<std::ptrdiff_t>(n));
              return true;
            },
            [](xdr::Encoder& e, const Bytes& v) { e.put_raw(v.data(), v.size()); });
      }
      case kGetRaw: {
        const std::size_t n = size_of_arg(arg);
        return step<Bytes>(
            [n](xdr::Decoder& d, Bytes& v) {
              // Exactly n bytes when they are there; fewer otherwise, so that a get_raw that
              // wrongly succeeds writes out of bounds, where ASan sees it.
              v.resize(std::min(n, d.remaining()));
              v.shrink_to_fit();
              if (!d.get_raw(v.data(), n)) return false;
              FUZZ_CHECK(v.size() == n);
              return true;
            },
            [](xdr::Encoder& e, const Bytes& v) { e.put_raw(v.data(), v.size()); });
      }
      case kExpectEnd:
        return step<xdr::Void>(
            [](xdr::Decoder& d, xdr::Void&) {
              const std::size_t s = d.offset();
              const bool was_ok = d.ok();
              if (!d.expect_end()) {
                if (was_ok) FUZZ_CHECK(d.error() == (xdr::Error{xdr::Errc::trailing_bytes, s}));
                return false;
              }
              FUZZ_CHECK(d.remaining() == 0);
              return true;
            },
            [](xdr::Encoder&, const xdr::Void&) {});
      case kFail: {
        StepResult r;
        r.was_ok = d_.ok();
        r.start = d_.offset();
        const xdr::Error before = d_.error();
        FUZZ_CHECK(!d_.fail(xdr::Errc::bad_discriminant));
        r.offset_after = d_.offset();
        r.error = d_.error();
        FUZZ_CHECK(!d_.ok());
        FUZZ_CHECK(r.error == (r.was_ok ? xdr::Error{xdr::Errc::bad_discriminant, r.start} : before));
        trace.push_back(std::move(r));
        return;
      }
      case kVecOptString: return generic<std::vector<std::optional<std::string>>>();
      case kVecVecInt: return generic<std::vector<std::vector<std::int32_t>>>();
      case kOptVecDouble: return generic<std::optional<std::vector<double>>>();
      case kArrayBytes5: return generic<std::array<std::byte, 5>>();
      case kArrayInt3: return generic<std::array<std::int32_t, 3>>();
      case kArraySmall2: return generic<std::array<Small, 2>>();
      case kVecBytes: return generic<std::vector<std::byte>>();
      case kVecSmall: return generic<std::vector<Small>>();
      case kQuadruple: return generic<xdr::Quadruple>();
      case kVoid: return generic<xdr::Void>();
      case kColor: return generic<Color>();
      case kOptOptBool: return generic<std::optional<std::optional<bool>>>();
      case kVecArrayU64x2: return generic<std::vector<std::array<std::uint64_t, 2>>>();
      case kString: return generic<std::string>();
      case kVecVecOptSmall: return generic<std::vector<std::vector<std::optional<Small>>>>();
      case kTree:
        return step<Tree>([](xdr::Decoder& d, Tree& t) { return decode_tree(d, t, 0); },
                          [](xdr::Encoder& e, const Tree& t) { encode_tree(e, t); });
      case kVecFloat: return generic<std::vector<float>>();
      case kArrayOptString3: return generic<std::array<std::optional<std::string>, 3>>();
      case kVecBytes3: return generic<std::vector<std::array<std::byte, 3>>>();
      case kOptQuadruple: return generic<std::optional<xdr::Quadruple>>();
      case kVecColor: return generic<std::vector<Color>>();
      case kVecU64: return generic<std::vector<std::uint64_t>>();
      case kVecI64: return generic<std::vector<std::int64_t>>();
      case kArrayDouble4: return generic<std::array<double, 4>>();
      case kOptVecOptVecString: return generic<std::optional<std::vector<std::optional<std::vector<std::string>>>>>();
      case kOpCount: break;
    }
    __builtin_trap();  // unreachable: op < kOpCount
  }

  std::span<const std::byte> input_;
  xdr::PaddingPolicy policy_;
  xdr::Decoder d_;
  xdr::SegmentChain chain_;
  std::size_t segment_size_;
};

// Strict accepts a subset of what lenient accepts, and decodes it identically: the two runs agree
// step by step until the strict one fails; if that failure is not about padding, the lenient run
// fails there in the same way.
void compare_policies(const std::vector<StepResult>& lenient, const std::vector<StepResult>& strict) {
  FUZZ_CHECK(lenient.size() == strict.size());
  for (std::size_t i = 0; i < strict.size(); ++i) {
    const StepResult& l = lenient[i];
    const StepResult& s = strict[i];
    if (!s.was_ok) break;
    FUZZ_CHECK(l.was_ok);
    FUZZ_CHECK(l.start == s.start);
    if (s.success) {
      FUZZ_CHECK(l.success);
      FUZZ_CHECK(l.offset_after == s.offset_after);
      FUZZ_CHECK(l.bytes == s.bytes);
      continue;
    }
    if (s.error.code != xdr::Errc::nonzero_padding) {
      FUZZ_CHECK(!l.success);
      FUZZ_CHECK(l.error == s.error);
    }
    break;
  }
}

}  // namespace fuzz

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const char* trace = std::getenv("NELSON_FUZZ_XDR_TRACE");
  fuzz::g_trace = trace != nullptr && *trace != '\0' && *trace != '0';
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace simd = nelson::xdr::simd;
  if (size < 2) return -1;  // reject: no configuration
  const std::uint8_t config = data[0];
  std::size_t n_ops = data[1] % (fuzz::kMaxOps + 1);
  n_ops = std::min(n_ops, (size - 2) / 2);
  const std::span<const std::uint8_t> program(data + 2, 2 * n_ops);
  const std::size_t data_size = size - 2 - 2 * n_ops;

  // The XDR bytes in an allocation of their own (none at all when empty: a null span).
  std::unique_ptr<std::byte[]> owned;
  std::span<const std::byte> input;
  if (data_size != 0) {
    owned.reset(new std::byte[data_size]);
    std::memcpy(owned.get(), data + 2 + 2 * n_ops, data_size);
    input = std::span<const std::byte>(owned.get(), data_size);
  }

  const auto levels = simd::supported_levels();
  FUZZ_CHECK(!levels.empty() && levels.front() == simd::Level::scalar);
  const simd::Level level = levels[(config & 7u) % levels.size()];
  FUZZ_CHECK(simd::select(level));
  FUZZ_CHECK(simd::active().level == level);
  const std::size_t segment_size = fuzz::kSegmentSizes[(config >> 3) & 7u];

  fuzz::Runner lenient(input, xdr::PaddingPolicy::lenient, segment_size);
  lenient.run(program);
  fuzz::Runner strict(input, xdr::PaddingPolicy::strict, segment_size);
  strict.run(program);
  fuzz::compare_policies(lenient.trace, strict.trace);
  return 0;
}
