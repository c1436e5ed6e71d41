// contracts/rpcgen_compat.x (every construct rpcgen reads): nelson-gen's C++ against rpcgen's
// C, byte for byte (see compat_support.hpp).
#include "rpcgen_compat.hpp"  // nelson-gen's (namespace compat), before rpcgen's macros
#include "tests/gen/compat_support.hpp"

namespace {
// The C header turns the constants' names into macros.
constexpr std::size_t kMaxName = compat::MAXNAME;
constexpr std::size_t kNBytes = compat::NBYTES;
}  // namespace

#include "rpcgen_compat.h"  // rpcgen's

namespace nelson::gen::test {
namespace {

constexpr compat::color kColors[] = {compat::color::RED, compat::color::GREEN, compat::color::BLUE,
                                     compat::color::BLACK};

compat::result random_result(Random& r) {
  compat::result v;
  v.select(kColors[r.below(4)]);
  if (auto* t = v.text()) *t = r.text(kMaxName);
  if (auto* c = v.code()) *c = r.i32();
  return v;
}

bool same(const ::result& c, const compat::result& v) {
  if (static_cast<int>(c.which) != static_cast<int>(v.which)) return false;
  if (const auto* t = v.text()) return same_string(c.result_u.text, *t);
  if (const auto* code = v.code()) return c.result_u.code == *code;
  return v.which == compat::color::BLUE;
}

bool same(const ::point& c, const compat::point& v) { return c.x == v.x && c.y == v.y; }

compat::scalars random_scalars(Random& r) {
  compat::scalars v;
  v.i = r.i32();
  v.u = r.u32();
  v.h = static_cast<std::int64_t>(r.u64());
  v.uh = r.u64();
  v.f = static_cast<float>(r.i32()) / 7.0F;
  v.d = static_cast<double>(r.u64() >> 11) / 3.0;
  v.b = r.coin();
  v.c = kColors[r.below(4)];
  v.n = r.text(kMaxName);
  r.fill(v.fb);
  v.bb = r.bytes(16);
  for (std::int32_t& x : v.is) x = r.i32();
  for (std::size_t k = r.below(20); k > 0; --k) v.us.push_back(r.u32());
  for (std::size_t k = r.below(11); k > 0; --k) v.hs.push_back(static_cast<std::int64_t>(r.u64()));
  for (std::size_t k = r.below(6); k > 0; --k) v.pts.push_back({r.i32(), r.i32()});
  for (compat::point& p : v.fixedpts) p = {r.i32(), r.i32()};
  if (r.coin()) v.maybe = compat::point{r.i32(), r.i32()};
  v.s = r.text(100);
  v.o = r.bytes(100);
  v.r = random_result(r);
  v.num.select(static_cast<std::int32_t>(r.below(4)) - 1);
  if (auto* one = v.num.one()) *one = r.u64();
  if (auto* other = v.num.other()) *other = r.text(30);
  v.fl.select(r.coin());
  if (auto* value = v.fl.value()) *value = r.i32();
  return v;
}

bool same(const ::scalars& c, const compat::scalars& v) {
  bool ok = c.i == v.i && c.u == v.u && c.h == v.h && c.uh == v.uh && std::memcmp(&c.f, &v.f, 4) == 0 &&
            std::memcmp(&c.d, &v.d, 8) == 0 && (c.b != 0) == v.b && static_cast<int>(c.c) == static_cast<int>(v.c) &&
            same_string(c.n, v.n) && same_bytes(c.fb, kNBytes, v.fb) &&
            same_bytes(c.bb.boundedbytes_val, c.bb.boundedbytes_len, v.bb) && c.us.uints_len == v.us.size() &&
            c.hs.hypers_len == v.hs.size() && c.pts.pts_len == v.pts.size() && same_string(c.s, v.s) &&
            same_bytes(c.o.o_val, c.o.o_len, v.o) && same(c.r, v.r) && same(c.fixedpts[0], v.fixedpts[0]) &&
            same(c.fixedpts[1], v.fixedpts[1]) && (c.maybe != nullptr) == v.maybe.has_value();
  for (std::size_t k = 0; ok && k < 4; ++k) ok = c.is[k] == v.is[k];
  for (std::size_t k = 0; ok && k < v.us.size(); ++k) ok = c.us.uints_val[k] == v.us[k];
  for (std::size_t k = 0; ok && k < v.hs.size(); ++k) ok = c.hs.hypers_val[k] == v.hs[k];
  for (std::size_t k = 0; ok && k < v.pts.size(); ++k) ok = same(c.pts.pts_val[k], v.pts[k]);
  if (ok && c.maybe != nullptr) ok = same(*c.maybe, *v.maybe);
  if (!ok || c.num.kind != v.num.kind || (c.fl.set != 0) != v.fl.set) return false;
  if (const auto* one = v.num.one()) ok = c.num.numbered_u.one == *one;
  if (const auto* other = v.num.other()) ok = same_string(c.num.numbered_u.other, *other);
  if (const auto* value = v.fl.value()) ok = ok && c.fl.flag_u.value == *value;
  return ok;
}

auto encoder = [](xdr::Encoder& e, const auto& v) { return compat::encode(e, v); };
auto decoder = [](xdr::Decoder& d, auto& v) { return compat::decode(d, v); };

TEST(GenCompatContract, EveryScalarArrayOptionalAndUnion) {
  Random r(21);
  for (int i = 0; i < kValues; ++i) {
    round_trip<::scalars>(random_scalars(r), reinterpret_cast<xdrproc_t>(xdr_scalars), encoder, decoder,
                          [](const ::scalars& c, const compat::scalars& v) { return same(c, v); });
  }
}

TEST(GenCompatContract, UnionWithSharedCasesVoidAndDefault) {
  Random r(22);
  for (int i = 0; i < kValues; ++i) {
    round_trip<::result>(random_result(r), reinterpret_cast<xdrproc_t>(xdr_result), encoder, decoder,
                         [](const ::result& c, const compat::result& v) { return same(c, v); });
  }
}

TEST(GenCompatContract, ListThroughATypedefPointer) {
  Random r(23);
  for (int i = 0; i < kValues; ++i) {
    compat::item head;
    compat::item* at = &head;
    for (std::size_t n = r.below(10);; --n) {
      at->id = r.i32();
      at->r = random_result(r);
      if (n == 0) break;
      at->next = std::make_unique<compat::item>();
      at = at->next.get();
    }
    round_trip<::item>(head, reinterpret_cast<xdrproc_t>(xdr_item), encoder, decoder,
                       [](const ::item& c, const compat::item& v) {
                         const ::item* pc = &c;
                         const compat::item* pv = &v;
                         for (; pc != nullptr && pv != nullptr; pc = pc->next, pv = pv->next.get()) {
                           if (pc->id != pv->id || !same(pc->r, pv->r)) return false;
                         }
                         return pc == nullptr && pv == nullptr;
                       });
  }
}

}  // namespace
}  // namespace nelson::gen::test
