// contracts/rpcgen_compat.x (every construct rpcgen reads): nelson-gen's C++ against rpcgen's
// C, byte for byte (see compat_support.hpp), with owning types (namespace compat) and in view
// mode (namespace compat_views: every opaque<>/string<> a view; the tests are the same
// templates, the views pointing into strings a Keeper holds).
#include "rpcgen_compat.hpp"        // nelson-gen's (namespace compat), before rpcgen's macros
#include "rpcgen_compat_views.hpp"  // the same contract, --views
#include "tests/gen/compat_support.hpp"

namespace {
// The C header turns the constants' names into macros.
constexpr std::size_t kMaxName = compat::MAXNAME;
constexpr std::size_t kNBytes = compat::NBYTES;
}  // namespace

#include "rpcgen_compat.h"  // rpcgen's

namespace nelson::gen::test {
namespace {

constexpr int kColors[] = {1, 2, 3, 7};  // RED, GREEN, BLUE, BLACK

template <class Result>
Result random_result(Random& r, Keeper& keep) {
  Result v;
  v.select(static_cast<decltype(v.which)>(kColors[r.below(4)]));
  if (auto* t = v.text()) keep.set(*t, r.text(kMaxName));
  if (auto* c = v.code()) *c = r.i32();
  return v;
}

template <class Result>
bool same_result(const ::result& c, const Result& v) {
  if (static_cast<int>(c.which) != static_cast<int>(v.which)) return false;
  if (const auto* t = v.text()) return same_string(c.result_u.text, *t);
  if (const auto* code = v.code()) return c.result_u.code == *code;
  return static_cast<int>(v.which) == 3;  // BLUE: void
}

template <class Point>
bool same_point(const ::point& c, const Point& v) {
  return c.x == v.x && c.y == v.y;
}

template <class Scalars>
Scalars random_scalars(Random& r, Keeper& keep) {
  Scalars v;
  v.i = r.i32();
  v.u = r.u32();
  v.h = static_cast<std::int64_t>(r.u64());
  v.uh = r.u64();
  v.f = static_cast<float>(r.i32()) / 7.0F;
  v.d = static_cast<double>(r.u64() >> 11) / 3.0;
  v.b = r.coin();
  v.c = static_cast<decltype(v.c)>(kColors[r.below(4)]);
  keep.set(v.n, r.text(kMaxName));
  r.fill(v.fb);
  keep.set(v.bb, r.bytes(16));
  for (std::int32_t& x : v.is) x = r.i32();
  for (std::size_t k = r.below(20); k > 0; --k) v.us.push_back(r.u32());
  for (std::size_t k = r.below(11); k > 0; --k) v.hs.push_back(static_cast<std::int64_t>(r.u64()));
  for (std::size_t k = r.below(6); k > 0; --k) v.pts.push_back({r.i32(), r.i32()});
  for (auto& p : v.fixedpts) p = {r.i32(), r.i32()};
  if (r.coin()) v.maybe.emplace(typename decltype(v.maybe)::value_type{r.i32(), r.i32()});
  keep.set(v.s, r.text(100));
  keep.set(v.o, r.bytes(100));
  v.r = random_result<decltype(v.r)>(r, keep);
  v.num.select(static_cast<std::int32_t>(r.below(4)) - 1);
  if (auto* one = v.num.one()) *one = r.u64();
  if (auto* other = v.num.other()) keep.set(*other, r.text(30));
  v.fl.select(r.coin());
  if (auto* value = v.fl.value()) *value = r.i32();
  return v;
}

template <class Scalars>
bool same_scalars(const ::scalars& c, const Scalars& v) {
  bool ok = c.i == v.i && c.u == v.u && c.h == v.h && c.uh == v.uh && std::memcmp(&c.f, &v.f, 4) == 0 &&
            std::memcmp(&c.d, &v.d, 8) == 0 && (c.b != 0) == v.b && static_cast<int>(c.c) == static_cast<int>(v.c) &&
            same_string(c.n, v.n) && same_bytes(c.fb, kNBytes, v.fb) &&
            same_bytes(c.bb.boundedbytes_val, c.bb.boundedbytes_len, v.bb) && c.us.uints_len == v.us.size() &&
            c.hs.hypers_len == v.hs.size() && c.pts.pts_len == v.pts.size() && same_string(c.s, v.s) &&
            same_bytes(c.o.o_val, c.o.o_len, v.o) && same_result(c.r, v.r) &&
            same_point(c.fixedpts[0], v.fixedpts[0]) && same_point(c.fixedpts[1], v.fixedpts[1]) &&
            (c.maybe != nullptr) == v.maybe.has_value();
  for (std::size_t k = 0; ok && k < 4; ++k) ok = c.is[k] == v.is[k];
  for (std::size_t k = 0; ok && k < v.us.size(); ++k) ok = c.us.uints_val[k] == v.us[k];
  for (std::size_t k = 0; ok && k < v.hs.size(); ++k) ok = c.hs.hypers_val[k] == v.hs[k];
  for (std::size_t k = 0; ok && k < v.pts.size(); ++k) ok = same_point(c.pts.pts_val[k], v.pts[k]);
  if (ok && c.maybe != nullptr) ok = same_point(*c.maybe, *v.maybe);
  if (!ok || c.num.kind != v.num.kind || (c.fl.set != 0) != v.fl.set) return false;
  if (const auto* one = v.num.one()) ok = c.num.numbered_u.one == *one;
  if (const auto* other = v.num.other()) ok = same_string(c.num.numbered_u.other, *other);
  if (const auto* value = v.fl.value()) ok = ok && c.fl.flag_u.value == *value;
  return ok;
}

template <class Item>
Item random_list(Random& r, Keeper& keep) {
  Item head;
  Item* at = &head;
  for (std::size_t n = r.below(10);; --n) {
    at->id = r.i32();
    at->r = random_result<decltype(at->r)>(r, keep);
    if (n == 0) break;
    at->next = std::make_unique<Item>();
    at = at->next.get();
  }
  return head;
}

template <class Item>
bool same_list(const ::item& c, const Item& v) {
  const ::item* pc = &c;
  const Item* pv = &v;
  for (; pc != nullptr && pv != nullptr; pc = pc->next, pv = pv->next.get()) {
    if (pc->id != pv->id || !same_result(pc->r, pv->r)) return false;
  }
  return pc == nullptr && pv == nullptr;
}

// Unqualified: the namespace of the value's type is searched (compat or compat_views).
auto encoder = [](xdr::Encoder& e, const auto& v) { return encode(e, v); };
auto decoder = [](xdr::Decoder& d, auto& v) { return decode(d, v); };

// The three contracts' round trips for one namespace's types; `seed` + 0, 1, 2.
template <class Scalars>
void scalars_round_trips(unsigned seed) {
  Random r(seed);
  for (int i = 0; i < kValues; ++i) {
    Keeper keep;
    const Scalars v = random_scalars<Scalars>(r, keep);
    round_trip<::scalars>(v, reinterpret_cast<xdrproc_t>(xdr_scalars), encoder, decoder,
                          [](const ::scalars& c, const Scalars& x) { return same_scalars(c, x); });
  }
}

template <class Result>
void result_round_trips(unsigned seed) {
  Random r(seed);
  for (int i = 0; i < kValues; ++i) {
    Keeper keep;
    round_trip<::result>(random_result<Result>(r, keep), reinterpret_cast<xdrproc_t>(xdr_result), encoder, decoder,
                         [](const ::result& c, const Result& v) { return same_result(c, v); });
  }
}

template <class Item>
void list_round_trips(unsigned seed) {
  Random r(seed);
  for (int i = 0; i < kValues; ++i) {
    Keeper keep;
    round_trip<::item>(random_list<Item>(r, keep), reinterpret_cast<xdrproc_t>(xdr_item), encoder, decoder,
                       [](const ::item& c, const Item& v) { return same_list(c, v); });
  }
}

TEST(GenCompatContract, EveryScalarArrayOptionalAndUnion) { scalars_round_trips<compat::scalars>(21); }
TEST(GenCompatContract, UnionWithSharedCasesVoidAndDefault) { result_round_trips<compat::result>(22); }
TEST(GenCompatContract, ListThroughATypedefPointer) { list_round_trips<compat::item>(23); }

// View mode: the same values (the same seeds), the same bytes as rpcgen's C.
TEST(GenCompatContractViews, EveryScalarArrayOptionalAndUnion) {
  static_assert(std::is_same_v<decltype(compat_views::scalars::o), std::span<const std::byte>>);
  scalars_round_trips<compat_views::scalars>(21);
}
TEST(GenCompatContractViews, UnionWithSharedCasesVoidAndDefault) { result_round_trips<compat_views::result>(22); }
TEST(GenCompatContractViews, ListThroughATypedefPointer) { list_round_trips<compat_views::item>(23); }

}  // namespace
}  // namespace nelson::gen::test
