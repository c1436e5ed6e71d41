// nelson-bench-gen: nelson-gen's generated codecs (view mode) against rpcgen's C for the same
// contract, bench/nfs_replies.x (NFSv3 READDIR and READ replies, RFC 1813), in one binary.
//
//   BM_Gen_<case>_<op>/rpcgen   rpcgen -c's xdr_READDIR3res / xdr_READ3res on an xdrmem stream
//   BM_Gen_<case>_<op>/nelson   nelson-gen --views: decode(xdr::Decoder&, T&), encode(...)
// cases: Readdir100 (a READDIR3res of 100 entries, names of 8-24 characters), Read32K (a
// READ3res carrying 32 KiB of data); ops: DecEnc (decode the reply's bytes into the types,
// encode them back), Decode, Encode. Decoding includes freeing what it built: xdr_free for
// rpcgen, the destructor for nelson (strings and the opaque are views: no copy, no allocation;
// each list node is one allocation on both sides). Encode-only encodes a value decoded once.
//
// The nelson benchmark of each pair reports `x_rpcgen`: rpcgen's CPU ns/op from its latest run
// (rpcgen's benchmarks are registered, hence run, first; with --benchmark_repetitions, its last
// repetition) divided by nelson's: how many times faster nelson is. Before anything is timed, main() checks that both
// encode the reply to the same bytes, that each decodes the other's, and that nelson's decoded names and 32 KiB opaque
// point into the input buffer; it exits 1 otherwise.
//
// For instruction counts (callgrind), `--repeat NAME N` runs one benchmark's operation N times
// without Google Benchmark, e.g. `valgrind --tool=callgrind nelson-bench-gen --repeat
// Readdir100_DecEnc/nelson 2000`; bench/run_gen_callgrind.sh takes the marginal Ir per op.
#include <array>
#include <benchmark/benchmark.h>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "nfs_replies.hpp"  // nelson-gen's (namespace nfs3), before rpcgen's header and its macros
#include "xdr/decoder.hpp"
#include "xdr/encoder.hpp"

// clang-format off
#include <rpc/rpc.h>
#include "nfs_replies.h"  // rpcgen's
// clang-format on

namespace {

namespace xdr = nelson::xdr;
using benchmark::State;
using Bytes = std::vector<std::byte>;

constexpr std::size_t kEntries = 100;
constexpr std::size_t kReadSize = std::size_t{32} * 1024;
constexpr std::size_t kOutSize = std::size_t{64} * 1024;

// --- the replies ------------------------------------------------------------------------------
nfs3::fattr3 attributes(std::mt19937& rng, nfs3::ftype3 type) {
  nfs3::fattr3 a;
  a.type = type;
  a.mode = type == nfs3::ftype3::NF3DIR ? 0755 : 0644;
  a.nlink = type == nfs3::ftype3::NF3DIR ? 2 + rng() % 100 : 1;
  a.uid = 1000;
  a.gid = 1000;
  a.size = rng() % (std::uint64_t{1} << 32);
  a.used = (a.size + 4095) & ~std::uint64_t{4095};
  a.fsid = 0x8'0000'0001;
  a.fileid = rng();
  a.atime = {1'790'000'000 + static_cast<std::uint32_t>(rng() % 1'000'000),
             static_cast<std::uint32_t>(rng() % 1'000'000'000)};
  a.mtime = a.atime;
  a.ctime = a.atime;
  return a;
}

nfs3::post_op_attr post_op(std::mt19937& rng, nfs3::ftype3 type) {
  nfs3::post_op_attr p;
  p.select(true);
  *p.attributes() = attributes(rng, type);
  return p;
}

// A file name of 8 to 24 characters: a stem, often a number, an extension.
std::string file_name(std::mt19937& rng) {
  static constexpr std::array<std::string_view, 12> kStems = {"report",   "IMG_",  "build",   "notes",
                                                              "Makefile", "index", "backup-", "thesis",
                                                              "invoice",  "data_", "module",  "photo"};
  static constexpr std::array<std::string_view, 8> kExtensions = {".txt",    ".jpg", ".o", ".md",
                                                                  ".tar.gz", ".pdf", ".c", ""};
  std::string name(kStems[rng() % kStems.size()]);
  if (rng() % 3 != 0) name += std::to_string(rng() % 100000);
  name += kExtensions[rng() % kExtensions.size()];
  while (name.size() < 8) name.insert(0, 1, static_cast<char>('a' + rng() % 26));
  if (name.size() > 24) name.resize(24);
  return name;
}

struct Replies {
  std::vector<std::string> names;  // what the built READDIR reply's views point to
  Bytes data;                      // the READ reply's 32 KiB
  nfs3::READDIR3res readdir;
  nfs3::READ3res read;
  Bytes readdir_wire;  // nelson's encoding of the above (checked against rpcgen's in main)
  Bytes read_wire;
};

Bytes encoded(const auto& value) {
  Bytes out(kOutSize);
  xdr::Encoder e(out);
  if (!encode(e, value)) {
    std::fprintf(stderr, "nelson-bench-gen: encode failed: %s\n", e.error().message().c_str());
    std::exit(1);
  }
  out.resize(e.size());
  return out;
}

Replies& replies() {
  static Replies r = [] {
    Replies out;
    std::mt19937 rng(1813);
    for (std::size_t i = 0; i < kEntries; ++i) out.names.push_back(file_name(rng));
    out.readdir.select(nfs3::nfsstat3::NFS3_OK);
    nfs3::READDIR3resok& ok = *out.readdir.resok();
    ok.dir_attributes = post_op(rng, nfs3::ftype3::NF3DIR);
    for (std::byte& b : ok.cookieverf) b = static_cast<std::byte>(rng());
    nfs3::entry3* at = &ok.reply.entries.emplace();
    for (std::size_t i = 0; i < kEntries; ++i) {
      at->fileid = 0x10000 + rng() % 1'000'000;
      at->name = out.names[i];
      at->cookie = i + 1;
      if (i + 1 < kEntries) at = (at->nextentry = std::make_unique<nfs3::entry3>()).get();
    }
    ok.reply.eof = true;

    out.data.resize(kReadSize);
    for (std::byte& b : out.data) b = static_cast<std::byte>(rng());
    out.read.select(nfs3::nfsstat3::NFS3_OK);
    nfs3::READ3resok& rok = *out.read.resok();
    rok.file_attributes = post_op(rng, nfs3::ftype3::NF3REG);
    rok.count = static_cast<std::uint32_t>(kReadSize);
    rok.eof = false;
    rok.data = out.data;
    out.readdir_wire = encoded(out.readdir);
    out.read_wire = encoded(out.read);
    return out;
  }();
  return r;
}

// --- rpcgen's side ----------------------------------------------------------------------------
bool c_decode(xdrproc_t proc, std::span<const std::byte> in, void* out) {
  XDR x;
  xdrmem_create(&x, const_cast<char*>(reinterpret_cast<const char*>(in.data())), static_cast<u_int>(in.size()),
                XDR_DECODE);
  const bool ok = proc(&x, out) != 0;
  XDR_DESTROY(&x);
  return ok;
}

std::size_t c_encode(xdrproc_t proc, void* value, std::span<std::byte> out) {
  XDR x;
  xdrmem_create(&x, reinterpret_cast<char*>(out.data()), static_cast<u_int>(out.size()), XDR_ENCODE);
  const std::size_t n = proc(&x, value) != 0 ? xdr_getpos(&x) : 0;
  XDR_DESTROY(&x);
  return n;
}

// The C type and filter of each reply.
template <class C>
struct CReply;
template <>
struct CReply<::READDIR3res> {
  static xdrproc_t proc() { return reinterpret_cast<xdrproc_t>(xdr_READDIR3res); }
};
template <>
struct CReply<::READ3res> {
  static xdrproc_t proc() { return reinterpret_cast<xdrproc_t>(xdr_READ3res); }
};

// --- the operations, one call each: what the benchmarks time and --repeat runs ----------------
using Op = std::function<std::size_t()>;

struct Buffers {
  Bytes out = Bytes(kOutSize);
};

template <class C>
Op c_op(const Bytes& wire, std::string_view op) {
  const xdrproc_t proc = CReply<C>::proc();
  auto out = std::make_shared<Buffers>();
  if (op == "DecEnc") {
    return [&wire, proc, out] {
      C v{};
      std::size_t n = c_decode(proc, wire, &v) ? c_encode(proc, &v, out->out) : 0;
      xdr_free(proc, reinterpret_cast<char*>(&v));
      return n;
    };
  }
  if (op == "Decode") {
    return [&wire, proc] {
      C v{};
      const bool ok = c_decode(proc, wire, &v);
      benchmark::DoNotOptimize(v);
      xdr_free(proc, reinterpret_cast<char*>(&v));
      return static_cast<std::size_t>(ok);
    };
  }
  auto decoded = std::shared_ptr<C>(new C{}, [proc](C* v) {
    xdr_free(proc, reinterpret_cast<char*>(v));
    delete v;
  });
  if (!c_decode(proc, wire, decoded.get())) std::abort();
  return [proc, out, decoded] { return c_encode(proc, decoded.get(), out->out); };
}

template <class T>
Op nelson_op(const Bytes& wire, std::string_view op) {
  auto out = std::make_shared<Buffers>();
  if (op == "DecEnc") {
    return [&wire, out] {
      T v;
      xdr::Decoder d(wire);
      if (!decode(d, v)) return std::size_t{0};
      xdr::Encoder e(out->out);
      return encode(e, v) ? e.size() : 0;
    };
  }
  if (op == "Decode") {
    return [&wire] {
      T v;
      xdr::Decoder d(wire);
      const bool ok = decode(d, v);
      benchmark::DoNotOptimize(v);
      return static_cast<std::size_t>(ok);
    };
  }
  auto decoded = std::make_shared<T>();
  xdr::Decoder d(wire);
  if (!decode(d, *decoded)) std::abort();
  return [out, decoded] {
    xdr::Encoder e(out->out);
    return encode(e, *decoded) ? e.size() : 0;
  };
}

// "Readdir100_DecEnc/nelson" -> its operation; an empty Op for an unknown name.
Op op_named(std::string_view name) {
  const std::size_t under = name.find('_');
  const std::size_t slash = name.find('/');
  if (under == std::string_view::npos || slash == std::string_view::npos) return {};
  const std::string_view reply = name.substr(0, under);
  const std::string_view op = name.substr(under + 1, slash - under - 1);
  const std::string_view impl = name.substr(slash + 1);
  if (op != "DecEnc" && op != "Decode" && op != "Encode") return {};
  const Replies& r = replies();
  if (reply == "Readdir100" && impl == "rpcgen") return c_op<::READDIR3res>(r.readdir_wire, op);
  if (reply == "Readdir100" && impl == "nelson") return nelson_op<nfs3::READDIR3res>(r.readdir_wire, op);
  if (reply == "Read32K" && impl == "rpcgen") return c_op<::READ3res>(r.read_wire, op);
  if (reply == "Read32K" && impl == "nelson") return nelson_op<nfs3::READ3res>(r.read_wire, op);
  return {};
}

// --- checks before timing ---------------------------------------------------------------------
bool inside(const void* p, std::size_t n, const Bytes& buf) {
  const auto* b = static_cast<const std::byte*>(p);
  return n > 0 && b >= buf.data() && b + n <= buf.data() + buf.size();
}

template <class C, class T>
std::string check_reply(const Bytes& wire, const T& built, const char* what) {
  const xdrproc_t proc = CReply<C>::proc();
  Bytes out(kOutSize);
  C c{};
  if (!c_decode(proc, wire, &c)) return std::string(what) + ": rpcgen's C cannot decode nelson's bytes";
  const std::size_t n = c_encode(proc, &c, out);
  xdr_free(proc, reinterpret_cast<char*>(&c));
  if (n != wire.size() || std::memcmp(out.data(), wire.data(), n) != 0) {
    return std::string(what) + ": rpcgen's C encodes the decoded reply to other bytes";
  }
  T back;
  xdr::Decoder d(out);  // rpcgen's bytes
  if (!decode(d, back) || d.offset() != n) return std::string(what) + ": nelson cannot decode rpcgen's bytes";
  if (!(back == built)) return std::string(what) + ": nelson decoded other values";
  return {};
}

std::string check_views() {
  const Replies& r = replies();
  nfs3::READ3res read;
  xdr::Decoder d(r.read_wire);
  if (!decode(d, read) || read.resok() == nullptr) return "READ3res: decode failed";
  const auto& data = read.resok()->data;
  if (data.size() != kReadSize || !inside(data.data(), data.size(), r.read_wire)) {
    return "READ3res: the decoded opaque does not point into the input buffer";
  }
  nfs3::READDIR3res readdir;
  xdr::Decoder dd(r.readdir_wire);
  if (!decode(dd, readdir) || readdir.resok() == nullptr) return "READDIR3res: decode failed";
  std::size_t n = 0;
  const auto& entries = readdir.resok()->reply.entries;
  for (const nfs3::entry3* e = entries ? &*entries : nullptr; e != nullptr; e = e->nextentry.get(), ++n) {
    if (!inside(e->name.data(), e->name.size(), r.readdir_wire)) return "READDIR3res: a name is not a view";
  }
  return n == kEntries ? std::string() : "READDIR3res: wrong entry count";
}

std::string check_all() {
  const Replies& r = replies();
  for (const std::string& problem : {check_reply<::READDIR3res>(r.readdir_wire, r.readdir, "READDIR3res"),
                                     check_reply<::READ3res>(r.read_wire, r.read, "READ3res"), check_views()}) {
    if (!problem.empty()) return problem;
  }
  return {};
}

// --- benchmarks -------------------------------------------------------------------------------
std::map<std::string, double>& rpcgen_ns_per_op() {
  static std::map<std::string, double> m;
  return m;
}

// CPU time of this thread: on a shared machine, time spent preempted is not the code's.
double thread_cpu_ns() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e9 + static_cast<double>(t.tv_nsec);
}

void run(State& state, const std::string& pair, const std::string& impl) {
  const Op op = op_named(pair + "/" + impl);
  const double start = thread_cpu_ns();
  for (auto _ : state) {
    std::size_t n = op();
    benchmark::DoNotOptimize(n);
    benchmark::ClobberMemory();
  }
  const double ns = (thread_cpu_ns() - start) / static_cast<double>(state.iterations());
  if (impl == "rpcgen") {
    rpcgen_ns_per_op()[pair] = ns;
  } else if (const auto it = rpcgen_ns_per_op().find(pair); it != rpcgen_ns_per_op().end() && ns > 0) {
    state.counters["x_rpcgen"] = it->second / ns;
  }
  const Replies& r = replies();
  const std::size_t bytes = pair.starts_with("Readdir") ? r.readdir_wire.size() : r.read_wire.size();
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes));
}

void register_benchmarks() {
  for (const char* reply : {"Readdir100", "Read32K"}) {
    for (const char* op : {"DecEnc", "Decode", "Encode"}) {
      const std::string pair = std::string(reply) + "_" + op;
      for (const char* impl : {"rpcgen", "nelson"}) {
        benchmark::RegisterBenchmark(("BM_Gen_" + pair + "/" + impl).c_str(), [pair, impl](State& s) {
          run(s, pair, impl);
        })->Unit(benchmark::kNanosecond);
      }
    }
  }
}

int repeat(std::string_view name, const char* count) {
  const Op op = op_named(name);
  const long n = std::strtol(count, nullptr, 10);
  if (!op || n <= 0) {
    std::fprintf(stderr, "usage: nelson-bench-gen --repeat Readdir100|Read32K_DecEnc|Decode|Encode/rpcgen|nelson N\n");
    return 2;
  }
  std::size_t sum = 0;
  for (long i = 0; i < n; ++i) sum += op();
  std::printf("%s x %ld: %zu bytes\n", std::string(name).c_str(), n, sum);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (const std::string problem = check_all(); !problem.empty()) {
    std::fprintf(stderr, "nelson-bench-gen: %s\n", problem.c_str());
    return 1;
  }
  if (argc == 4 && std::string_view(argv[1]) == "--repeat") return repeat(argv[2], argv[3]);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  const Replies& r = replies();
  benchmark::AddCustomContext("readdir_reply_bytes", std::to_string(r.readdir_wire.size()));
  benchmark::AddCustomContext("read_reply_bytes", std::to_string(r.read_wire.size()));
  register_benchmarks();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
