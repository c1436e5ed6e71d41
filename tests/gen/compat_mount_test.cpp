// mount.x: nelson-gen's C++ against rpcgen's C, byte for byte (see compat_support.hpp).
// rpcgen's header comes last, since it defines the constants as macros.
// clang-format off
#include "mount.hpp"  // nelson-gen's
#include "tests/gen/compat_support.hpp"
#include "mount.h"  // rpcgen's
// clang-format on

namespace nelson::gen::test {
namespace {

::mount::exportnode random_exports(Random& r) {
  ::mount::exportnode head;
  ::mount::exportnode* at = &head;
  for (std::size_t n = r.below(6);; --n) {
    at->ex_dir = r.text(40);
    ::mount::groups* g = &at->ex_groups;
    for (std::size_t k = r.below(4); k > 0; --k) {
      *g = std::make_unique<::mount::groupnode>();
      (*g)->gr_name = r.text(20);
      g = &(*g)->gr_next;
    }
    if (n == 0) break;
    at->ex_next = std::make_unique<::mount::exportnode>();
    at = at->ex_next.get();
  }
  return head;
}

bool same(const ::exportnode& c, const ::mount::exportnode& v) {
  const ::exportnode* pc = &c;
  const ::mount::exportnode* pv = &v;
  for (; pc != nullptr && pv != nullptr; pc = pc->ex_next, pv = pv->ex_next.get()) {
    if (!same_string(pc->ex_dir, pv->ex_dir)) return false;
    const ::groupnode* gc = pc->ex_groups;
    const ::mount::groupnode* gv = pv->ex_groups.get();
    for (; gc != nullptr && gv != nullptr; gc = gc->gr_next, gv = gv->gr_next.get()) {
      if (!same_string(gc->gr_name, gv->gr_name)) return false;
    }
    if (gc != nullptr || gv != nullptr) return false;
  }
  return pc == nullptr && pv == nullptr;
}

TEST(GenCompatMount, ExportsWithGroups) {
  Random r(1);
  for (int i = 0; i < kValues; ++i) {
    round_trip<::exportnode>(
        random_exports(r), reinterpret_cast<xdrproc_t>(xdr_exportnode),
        [](xdr::Encoder& e, const auto& v) { return ::mount::encode(e, v); },
        [](xdr::Decoder& d, auto& v) { return ::mount::decode(d, v); },
        [](const ::exportnode& c, const ::mount::exportnode& v) { return same(c, v); });
  }
}

TEST(GenCompatMount, MountList) {
  Random r(2);
  for (int i = 0; i < kValues; ++i) {
    ::mount::mountlist list;
    for (std::size_t n = r.below(8); n > 0; --n) {
      auto node = std::make_unique<::mount::mountbody>();
      node->ml_hostname = r.text(30);
      node->ml_directory = r.text(60);
      node->ml_next = std::move(list);
      list = std::move(node);
    }
    round_trip<::mountlist>(
        list, reinterpret_cast<xdrproc_t>(xdr_mountlist),
        [](xdr::Encoder& e, const auto& v) { return ::mount::encode_mountlist(e, v); },
        [](xdr::Decoder& d, auto& v) { return ::mount::decode_mountlist(d, v); },
        [](const ::mountlist& c, const ::mount::mountlist& v) {
          const ::mountbody* pc = c;
          const ::mount::mountbody* pv = v.get();
          for (; pc != nullptr && pv != nullptr; pc = pc->ml_next, pv = pv->ml_next.get()) {
            if (!same_string(pc->ml_hostname, pv->ml_hostname) || !same_string(pc->ml_directory, pv->ml_directory)) {
              return false;
            }
          }
          return pc == nullptr && pv == nullptr;
        });
  }
}

TEST(GenCompatMount, FhstatusWithDefaultArm) {
  Random r(3);
  for (int i = 0; i < kValues; ++i) {
    ::mount::fhstatus v;
    v.select(r.coin() ? 0U : r.u32());
    if (auto* fh = v.fhs_fhandle()) r.fill(*fh);
    round_trip<::fhstatus>(
        v, reinterpret_cast<xdrproc_t>(xdr_fhstatus),
        [](xdr::Encoder& e, const auto& x) { return ::mount::encode(e, x); },
        [](xdr::Decoder& d, auto& x) { return ::mount::decode(d, x); },
        [](const ::fhstatus& c, const ::mount::fhstatus& x) {
          if (c.fhs_status != x.fhs_status) return false;
          if (x.fhs_status != 0) return x.fhs_fhandle() == nullptr;
          return x.fhs_fhandle() != nullptr && same_bytes(c.fhstatus_u.fhs_fhandle, FHSIZE, *x.fhs_fhandle());
        });
  }
}

}  // namespace
}  // namespace nelson::gen::test
