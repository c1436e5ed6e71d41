// nelson-bench-xdr: XDR encode and decode throughput of nelson, against libtirpc (what rpcgen
// code runs on) and against memcpy of the same bytes (the physical limit of moving them).
//
// Every case runs all implementations in this one binary, on the same buffers:
//   BM_Xdr_<case>/nelson           xdr::Encoder / xdr::Decoder, SIMD level chosen at start-up
//   BM_Xdr_<case>/nelson_<level>   the int32 array once per SIMD level this CPU supports
//   BM_Xdr_<case>/tirpc            an xdrmem stream with xdr_array, xdr_bytes, ...
//   BM_Xdr_<case>/memcpy           a plain copy of as many bytes
// Each benchmark first runs its operation once, outside the timing, and checks the result
// against libtirpc's bytes (encode) or the original values (decode); it is skipped on mismatch.
//
// All Google Benchmark flags work; after the usual output a summary table compares the
// implementations (medians with --benchmark_repetitions=N). Nothing is pinned here: on a
// shared machine scripts should pin from outside, e.g.
//   taskset -c 1 nelson-bench-xdr --benchmark_repetitions=5
#include <algorithm>
#include <array>
#include <benchmark/benchmark.h>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "summary_reporter.hpp"
#include "xdr/decoder.hpp"
#include "xdr/encoder.hpp"
#include "xdr/simd.hpp"

// libtirpc last: its headers define macros (TRUE, FALSE, xdr_destroy, ...) and C typedefs
// that nelson's headers must not see.
#include <rpc/xdr.h>

namespace {

namespace xdr = nelson::xdr;
namespace simd = nelson::xdr::simd;
using benchmark::State;

constexpr std::size_t kArrayLen = 1'000'000;
constexpr std::size_t kOpaqueLen = std::size_t{64} * 1024;

// Runs `verify` once (it runs the operation and checks its output), then times `op`, which
// returns something for DoNotOptimize. Setup stays outside the loop.
template <class Op, class Verify>
void measure(State& state, std::size_t bytes, std::size_t items, Op op, Verify verify) {
  if (const std::string problem = verify(); !problem.empty()) {
    state.SkipWithError(problem.c_str());
    return;
  }
  for (auto _ : state) {
    auto result = op();
    benchmark::DoNotOptimize(result);
    benchmark::ClobberMemory();  // the output buffers count as read: no store may be dropped
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * items));
}

std::string same_bytes(std::span<const std::byte> got, std::span<const std::byte> want, const char* what) {
  if (got.size() >= want.size() && std::equal(want.begin(), want.end(), got.begin())) return {};
  return std::string(what) + ": output differs from libtirpc's";
}

// Makes `level` the active SIMD level for the life of the guard (benchmarks run one at a time).
class LevelGuard {
 public:
  explicit LevelGuard(simd::Level level) : saved_(simd::active().level) { simd::select(level); }
  ~LevelGuard() { simd::select(saved_); }
  LevelGuard(const LevelGuard&) = delete;
  LevelGuard& operator=(const LevelGuard&) = delete;

 private:
  simd::Level saved_;
};

// A libtirpc memory stream over `buf`. xdrmem_create takes char* even to decode.
class TirpcStream {
 public:
  TirpcStream(std::span<const std::byte> buf, xdr_op op) {
    xdrmem_create(&x_, const_cast<char*>(reinterpret_cast<const char*>(buf.data())), static_cast<u_int>(buf.size()),
                  op);
  }
  ~TirpcStream() { XDR_DESTROY(&x_); }
  TirpcStream(const TirpcStream&) = delete;
  TirpcStream& operator=(const TirpcStream&) = delete;
  XDR* get() { return &x_; }
  u_int pos() { return xdr_getpos(&x_); }

 private:
  XDR x_{};
};

// --- arrays of 1,000,000 int / hyper / double: `T name<>`, count then items ---------------------
template <class T>
struct ArrayCase {
  std::vector<T> items;         // host order
  std::vector<std::byte> wire;  // libtirpc's encoding: the reference
  std::vector<std::byte> out;   // encoders write here
  std::vector<T> decoded;       // decoders write here: sized once, so decode never allocates
  xdrproc_t proc = nullptr;     // libtirpc's filter for one item
};

// libtirpc's xdr_array over `items`, which it reads (encode) or fills in place (decode: a
// non-null target is not allocated). Returns the stream position, 0 on failure.
template <class T>
u_int tirpc_array(std::span<const std::byte> buf, xdr_op op, T* items, std::size_t n, xdrproc_t proc) {
  TirpcStream s(buf, op);
  char* target = reinterpret_cast<char*>(items);
  u_int count = static_cast<u_int>(n);
  return xdr_array(s.get(), &target, &count, UINT_MAX, sizeof(T), proc) ? s.pos() : 0;
}

template <class T>
ArrayCase<T> make_array_case(xdrproc_t proc) {
  ArrayCase<T> c;
  c.proc = proc;
  c.items.resize(kArrayLen);
  for (std::size_t i = 0; i < kArrayLen; ++i) {
    // Every byte differs between neighbours, so a wrong swap cannot go unnoticed.
    if constexpr (std::is_floating_point_v<T>) {
      c.items[i] = static_cast<T>(i) * 1.000001 - 12345.678;
    } else {
      c.items[i] = static_cast<T>(static_cast<std::uint64_t>(i) * 0x9E3779B97F4A7C15ULL);
    }
  }
  c.decoded.resize(kArrayLen);
  c.out.resize(4 + kArrayLen * sizeof(T));
  c.wire.resize(c.out.size());
  c.wire.resize(tirpc_array(c.wire, XDR_ENCODE, c.items.data(), c.items.size(), proc));
  return c;
}

// One lazily built case per element type, shared by its benchmarks (--benchmark_list_tests
// and filtered runs do not pay for the others).
template <class T>
ArrayCase<T>& array_case();
template <>
ArrayCase<std::int32_t>& array_case() {
  static auto c = make_array_case<std::int32_t>((xdrproc_t)xdr_int);
  return c;
}
template <>
ArrayCase<std::int64_t>& array_case() {
  static auto c = make_array_case<std::int64_t>((xdrproc_t)xdr_int64_t);
  return c;
}
template <>
ArrayCase<double>& array_case() {
  static auto c = make_array_case<double>((xdrproc_t)xdr_double);
  return c;
}

enum class Impl { nelson, tirpc, memcpy };

template <class T>
void bm_array_encode(State& state, Impl impl) {
  ArrayCase<T>& c = array_case<T>();
  auto op = [&] {
    switch (impl) {
      case Impl::nelson: {
        xdr::Encoder e(c.out);
        e.put_array(std::span<const T>(c.items));
        return e.ok();
      }
      case Impl::tirpc: return tirpc_array(c.out, XDR_ENCODE, c.items.data(), c.items.size(), c.proc) != 0;
      case Impl::memcpy:
        std::memcpy(c.out.data(), c.wire.data(), 4);  // the count
        std::memcpy(c.out.data() + 4, c.items.data(), c.items.size() * sizeof(T));
        return true;
    }
    return false;
  };
  auto verify = [&]() -> std::string {
    if (c.wire.empty()) return "libtirpc failed to encode the reference";
    if (impl == Impl::memcpy) return {};
    std::fill(c.out.begin(), c.out.end(), std::byte{0xAA});
    return op() ? same_bytes(c.out, c.wire, "encode") : "encode failed";
  };
  measure(state, c.wire.size(), c.items.size(), op, verify);
}

template <class T>
void bm_array_decode(State& state, Impl impl) {
  ArrayCase<T>& c = array_case<T>();
  auto op = [&] {
    switch (impl) {
      case Impl::nelson: {
        xdr::Decoder d(c.wire);
        return d.get_array(c.decoded);
      }
      case Impl::tirpc: return tirpc_array(c.wire, XDR_DECODE, c.decoded.data(), c.decoded.size(), c.proc) != 0;
      case Impl::memcpy: std::memcpy(c.decoded.data(), c.wire.data() + 4, c.wire.size() - 4); return true;
    }
    return false;
  };
  auto verify = [&]() -> std::string {
    if (c.wire.empty()) return "libtirpc failed to encode the reference";
    if (impl == Impl::memcpy) return {};
    std::fill(c.decoded.begin(), c.decoded.end(), T{});
    if (!op()) return "decode failed";
    return c.decoded == c.items ? std::string{} : "decode: values differ from the originals";
  };
  measure(state, c.wire.size(), c.items.size(), op, verify);
}

// --- one 64 KiB `opaque data<>` --------------------------------------------------------------
struct OpaqueCase {
  std::vector<std::byte> data = std::vector<std::byte>(kOpaqueLen);
  std::vector<std::byte> wire = std::vector<std::byte>(4 + kOpaqueLen);  // libtirpc's encoding
  std::vector<std::byte> out = std::vector<std::byte>(4 + kOpaqueLen);
  std::vector<std::byte> decoded = std::vector<std::byte>(kOpaqueLen);  // capacity kept: no allocation

  OpaqueCase() {
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::byte>(i * 131 + 7);
    if (!tirpc_bytes(wire, XDR_ENCODE, data.data())) wire.clear();
  }
  // libtirpc's xdr_bytes; decoding into a non-null buffer copies without allocating.
  static bool tirpc_bytes(std::span<const std::byte> buf, xdr_op op, std::byte* bytes) {
    TirpcStream s(buf, op);
    char* p = reinterpret_cast<char*>(bytes);
    u_int len = kOpaqueLen;
    return xdr_bytes(s.get(), &p, &len, UINT_MAX) && len == kOpaqueLen;
  }
};

OpaqueCase& opaque_case() {
  static OpaqueCase c;
  return c;
}

void bm_opaque_encode(State& state, Impl impl) {
  OpaqueCase& c = opaque_case();
  auto op = [&] {
    switch (impl) {
      case Impl::nelson: {
        xdr::Encoder e(c.out);
        e.put_opaque(c.data);
        return e.ok();
      }
      case Impl::tirpc: return OpaqueCase::tirpc_bytes(c.out, XDR_ENCODE, c.data.data());
      case Impl::memcpy:  // the same stores as the codecs: the data lands 4 bytes in, after the length
        std::memcpy(c.out.data(), c.wire.data(), 4);
        std::memcpy(c.out.data() + 4, c.data.data(), kOpaqueLen);
        return true;
    }
    return false;
  };
  auto verify = [&]() -> std::string {
    if (c.wire.empty()) return "libtirpc failed to encode the reference";
    if (impl == Impl::memcpy) return {};
    std::fill(c.out.begin(), c.out.end(), std::byte{0xAA});
    return op() ? same_bytes(c.out, c.wire, "encode") : "encode failed";
  };
  measure(state, c.wire.size(), 1, op, verify);
}

// `view` is nelson's zero-copy decode (a span into the input): no bytes move at all.
void bm_opaque_decode(State& state, Impl impl, bool view) {
  OpaqueCase& c = opaque_case();
  std::span<const std::byte> viewed;
  auto op = [&] {
    switch (impl) {
      case Impl::nelson: {
        xdr::Decoder d(c.wire);
        if (view) return d.view_opaque(viewed);
        return d.get_opaque(c.decoded);
      }
      case Impl::tirpc: return OpaqueCase::tirpc_bytes(c.wire, XDR_DECODE, c.decoded.data());
      case Impl::memcpy: std::memcpy(c.decoded.data(), c.wire.data() + 4, kOpaqueLen); return true;
    }
    return false;
  };
  auto verify = [&]() -> std::string {
    if (c.wire.empty()) return "libtirpc failed to encode the reference";
    if (impl == Impl::memcpy) return {};
    std::fill(c.decoded.begin(), c.decoded.end(), std::byte{0});
    if (!op()) return "decode failed";
    const std::span<const std::byte> got = view ? viewed : std::span<const std::byte>(c.decoded);
    return std::ranges::equal(got, c.data) ? std::string{} : "decode: bytes differ from the originals";
  };
  measure(state, c.wire.size(), 1, op, verify);
}

// --- a small mixed struct: an ONC RPC call header plus typical small arguments ---------------
// RFC 5531 call: xid, CALL, rpcvers 2, prog, vers, proc, credential flavor + ~20-byte body;
// then an offset (hyper), a flag (bool) and a file name (string<255>).
struct CallHeader {
  std::uint32_t xid = 0x12345678;
  std::int32_t msg_type = 0;  // CALL
  std::uint32_t rpcvers = 2, prog = 100003, vers = 3, proc = 7;
  std::int32_t flavor = 1;                                                    // AUTH_SYS
  std::vector<std::byte> body = std::vector<std::byte>(20, std::byte{0x5A});  // opaque<400>
  std::int64_t offset = 0x0123456789ABCDEF;
  bool stable = true;
  std::string name = "report-2024.txt";  // 15 bytes: one byte of padding
  friend bool operator==(const CallHeader&, const CallHeader&) = default;
};

void encode(xdr::Encoder& e, const CallHeader& h) {
  e.put_uint(h.xid);
  e.put_enum(h.msg_type);
  e.put_uint(h.rpcvers);
  e.put_uint(h.prog);
  e.put_uint(h.vers);
  e.put_uint(h.proc);
  e.put_enum(h.flavor);
  e.put_opaque(h.body, 400);
  e.put_hyper(h.offset);
  e.put_bool(h.stable);
  e.put_string(h.name, 255);
}

// Copies into `h`'s containers, which keep their capacity: the same work libtirpc does below.
bool decode(xdr::Decoder& d, CallHeader& h) {
  return d.get_uint(h.xid) && d.get_enum(h.msg_type) && d.get_uint(h.rpcvers) && d.get_uint(h.prog) &&
         d.get_uint(h.vers) && d.get_uint(h.proc) && d.get_enum(h.flavor) && d.get_opaque(h.body, 400) &&
         d.get_hyper(h.offset) && d.get_bool(h.stable) && d.get_string(h.name, 255);
}

// The same struct as rpcgen would declare it, with fixed buffers so decoding never allocates.
struct TirpcCallHeader {
  u_int xid;
  enum_t msg_type;
  u_int rpcvers, prog, vers, proc;
  enum_t flavor;
  u_int body_len;
  char body[400];
  int64_t offset;
  bool_t stable;
  char name[256];
};

// With `use_inline` the seven leading 32-bit fields go through XDR_INLINE, as libtirpc's own
// xdr_callmsg and rpcgen's default output (-i 5) do: the fastest way libtirpc offers, and the
// baseline. Without it, one filter call per field (hand-written code, rpcgen -i 0).
bool_t xdr_call_header(XDR* x, TirpcCallHeader* h, bool use_inline = true) {
  if (int32_t* buf = use_inline ? XDR_INLINE(x, 7 * BYTES_PER_XDR_UNIT) : nullptr; buf == nullptr) {
    if (!xdr_u_int(x, &h->xid) || !xdr_enum(x, &h->msg_type) || !xdr_u_int(x, &h->rpcvers) || !xdr_u_int(x, &h->prog) ||
        !xdr_u_int(x, &h->vers) || !xdr_u_int(x, &h->proc) || !xdr_enum(x, &h->flavor)) {
      return FALSE;
    }
  } else if (x->x_op == XDR_ENCODE) {
    IXDR_PUT_U_INT32(buf, h->xid);
    IXDR_PUT_INT32(buf, h->msg_type);
    IXDR_PUT_U_INT32(buf, h->rpcvers);
    IXDR_PUT_U_INT32(buf, h->prog);
    IXDR_PUT_U_INT32(buf, h->vers);
    IXDR_PUT_U_INT32(buf, h->proc);
    IXDR_PUT_INT32(buf, h->flavor);
  } else {
    h->xid = IXDR_GET_U_INT32(buf);
    h->msg_type = IXDR_GET_INT32(buf);
    h->rpcvers = IXDR_GET_U_INT32(buf);
    h->prog = IXDR_GET_U_INT32(buf);
    h->vers = IXDR_GET_U_INT32(buf);
    h->proc = IXDR_GET_U_INT32(buf);
    h->flavor = IXDR_GET_INT32(buf);
  }
  char* body = h->body;
  char* name = h->name;
  return xdr_bytes(x, &body, &h->body_len, 400) && xdr_int64_t(x, &h->offset) && xdr_bool(x, &h->stable) &&
         xdr_string(x, &name, 255);
}

TirpcCallHeader to_tirpc(const CallHeader& h) {
  TirpcCallHeader t{};
  t.xid = h.xid;
  t.msg_type = h.msg_type;
  t.rpcvers = h.rpcvers;
  t.prog = h.prog;
  t.vers = h.vers;
  t.proc = h.proc;
  t.flavor = h.flavor;
  t.body_len = static_cast<u_int>(h.body.size());
  std::memcpy(t.body, h.body.data(), h.body.size());
  t.offset = h.offset;
  t.stable = h.stable ? TRUE : FALSE;
  std::memcpy(t.name, h.name.c_str(), h.name.size() + 1);
  return t;
}

bool same_fields(const TirpcCallHeader& a, const TirpcCallHeader& b) {
  return a.xid == b.xid && a.msg_type == b.msg_type && a.rpcvers == b.rpcvers && a.prog == b.prog && a.vers == b.vers &&
         a.proc == b.proc && a.flavor == b.flavor && a.body_len == b.body_len &&
         std::memcmp(a.body, b.body, a.body_len) == 0 && a.offset == b.offset && a.stable == b.stable &&
         std::strcmp(a.name, b.name) == 0;
}

// nelson's zero-copy decode: the opaque body and the name as views into the input.
struct CallHeaderViews {
  std::span<const std::byte> body;
  std::string_view name;
};
bool decode_views(xdr::Decoder& d, CallHeader& h, CallHeaderViews& v) {
  return d.get_uint(h.xid) && d.get_enum(h.msg_type) && d.get_uint(h.rpcvers) && d.get_uint(h.prog) &&
         d.get_uint(h.vers) && d.get_uint(h.proc) && d.get_enum(h.flavor) && d.view_opaque(v.body, 400) &&
         d.get_hyper(h.offset) && d.get_bool(h.stable) && d.view_string(v.name, 255);
}

// Encodes then decodes, each iteration: one round trip of a request through the codec.
// `variant`: nelson decoding into views instead of copies, or libtirpc without XDR_INLINE.
void bm_struct(State& state, Impl impl, bool variant) {
  const CallHeader in;
  const TirpcCallHeader tin = to_tirpc(in);
  CallHeader out;
  CallHeaderViews views;
  TirpcCallHeader tout{};
  alignas(8) std::array<std::byte, 1024> buf{};
  alignas(8) std::array<std::byte, 1024> copy{};
  std::size_t size = 0;  // of the encoding
  {
    TirpcStream s(buf, XDR_ENCODE);
    if (xdr_call_header(s.get(), const_cast<TirpcCallHeader*>(&tin))) size = s.pos();
  }
  const std::vector<std::byte> reference(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(size));
  // The outputs are locals: let their addresses escape, so that ClobberMemory() in the loop
  // counts them as read and no store to them can be dropped.
  benchmark::DoNotOptimize(&out);
  benchmark::DoNotOptimize(&views);
  benchmark::DoNotOptimize(&tout);
  benchmark::DoNotOptimize(&copy);

  auto op = [&] {
    switch (impl) {
      case Impl::nelson: {
        xdr::Encoder e(buf);
        encode(e, in);
        xdr::Decoder d(e.written());
        return e.ok() && (variant ? decode_views(d, out, views) : decode(d, out));
      }
      case Impl::tirpc: {
        TirpcStream enc(buf, XDR_ENCODE);
        if (!xdr_call_header(enc.get(), const_cast<TirpcCallHeader*>(&tin), !variant)) return false;
        TirpcStream dec{std::span<const std::byte>(buf).first(enc.pos()), XDR_DECODE};
        return xdr_call_header(dec.get(), &tout, !variant) == TRUE;
      }
      case Impl::memcpy:  // the same bytes moved out and back in
        std::memcpy(buf.data(), reference.data(), size);
        std::memcpy(copy.data(), buf.data(), size);
        return true;
    }
    return false;
  };
  auto verify = [&]() -> std::string {
    if (size == 0) return "libtirpc failed to encode the reference";
    if (impl == Impl::memcpy) return {};
    buf.fill(std::byte{0xAA});
    out = CallHeader{};  // then unlike `in`, so that a decode that writes nothing is caught
    out.xid = 0;
    out.offset = 0;
    out.body.clear();
    out.name.clear();
    views = {};
    tout = TirpcCallHeader{};
    if (!op()) return "encode or decode failed";
    if (std::string why = same_bytes(buf, reference, "encode"); !why.empty()) return why;
    if (impl == Impl::nelson && variant) {
      out.body.assign(views.body.begin(), views.body.end());
      out.name = views.name;
    }
    if (impl == Impl::nelson) return out == in ? std::string{} : "decode: fields differ from the originals";
    return same_fields(tout, tin) ? std::string{} : "libtirpc decode: fields differ from the originals";
  };
  measure(state, size, 1, op, verify);
}

// --- registration -----------------------------------------------------------------------------
const char* impl_name(Impl impl) {
  switch (impl) {
    case Impl::nelson: return "nelson";
    case Impl::tirpc: return "tirpc";
    case Impl::memcpy: return "memcpy";
  }
  return "?";
}

using BenchFn = void (*)(State&, Impl);

std::vector<std::string> g_registered;  // benchmark names in registration order: the summary's order

// Registers "BM_Xdr_<name>"; the summary reporter groups on "<case>/<impl>".
void add(const std::string& name, BenchFn fn, Impl impl, benchmark::TimeUnit unit) {
  g_registered.push_back("BM_Xdr_" + name);
  benchmark::RegisterBenchmark(g_registered.back().c_str(), [fn, impl](State& s) { fn(s, impl); })->Unit(unit);
}

void add_impls(const std::string& name, BenchFn fn, benchmark::TimeUnit unit = benchmark::kMicrosecond) {
  for (Impl impl : {Impl::nelson, Impl::tirpc, Impl::memcpy}) add(name + "/" + impl_name(impl), fn, impl, unit);
}

// nelson once per SIMD level this CPU supports ("<case>/nelson_avx2", ...).
void add_levels(const std::string& name, BenchFn fn) {
  for (simd::Level level : simd::supported_levels()) {
    g_registered.push_back("BM_Xdr_" + name + "/nelson_" + std::string(simd::to_string(level)));
    benchmark::RegisterBenchmark(g_registered.back().c_str(), [fn, level](State& s) {
      LevelGuard guard(level);
      fn(s, Impl::nelson);
    })->Unit(benchmark::kMicrosecond);
  }
}

void register_benchmarks() {
  add_impls("Int32_Encode", bm_array_encode<std::int32_t>);
  add_levels("Int32_Encode", bm_array_encode<std::int32_t>);
  add_impls("Int32_Decode", bm_array_decode<std::int32_t>);
  add_levels("Int32_Decode", bm_array_decode<std::int32_t>);
  add_impls("Hyper_Encode", bm_array_encode<std::int64_t>);
  add_impls("Hyper_Decode", bm_array_decode<std::int64_t>);
  add_impls("Double_Encode", bm_array_encode<double>);
  add_impls("Double_Decode", bm_array_decode<double>);
  add_impls("Opaque64K_Encode", bm_opaque_encode);
  add_impls("Opaque64K_Decode", [](State& s, Impl impl) { bm_opaque_decode(s, impl, false); });
  add(
      "Opaque64K_Decode/nelson_view", [](State& s, Impl impl) { bm_opaque_decode(s, impl, true); }, Impl::nelson,
      benchmark::kMicrosecond);
  add_impls(
      "CallHeader_EncDec", [](State& s, Impl impl) { bm_struct(s, impl, false); }, benchmark::kNanosecond);
  add(
      "CallHeader_EncDec/nelson_view", [](State& s, Impl impl) { bm_struct(s, impl, true); }, Impl::nelson,
      benchmark::kNanosecond);
  add(
      "CallHeader_EncDec/tirpc_noinline", [](State& s, Impl impl) { bm_struct(s, impl, true); }, Impl::tirpc,
      benchmark::kNanosecond);
}

// The console options Google Benchmark derived from --benchmark_color and
// --benchmark_counters_tabular, read from its own default reporter.
struct OptionsOf : benchmark::ConsoleReporter {
  static OutputOptions get(const benchmark::ConsoleReporter& r) { return r.*(&OptionsOf::output_options_); }
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::AddCustomContext("nelson_simd_level", std::string(simd::to_string(simd::active().level)));
  register_benchmarks();
  // The summary goes with the console format only; --benchmark_format=json/csv stays pure.
  benchmark::BenchmarkReporter* display = benchmark::CreateDefaultDisplayReporter();
  if (const auto* console = dynamic_cast<benchmark::ConsoleReporter*>(display)) {
    nelson::bench::SummaryReporter summary(OptionsOf::get(*console), {"CallHeader_EncDec"}, g_registered);
    benchmark::RunSpecifiedBenchmarks(&summary);
  } else {
    benchmark::RunSpecifiedBenchmarks(display);
  }
  benchmark::Shutdown();
  return 0;
}
