// rpcb_prot.x: nelson-gen's C++ against libtirpc's own XDR routines for the portmapper's types
// (xdr_rpcb, xdr_rpcblist, xdr_pmap, xdr_pmaplist, xdr_rpcb_entry_list_ptr,
// xdr_rpcb_stat_byvers, xdr_netbuf) — the code every rpcbind, rpcinfo and rpcb_set on Linux
// runs — byte for byte, on seeded random values, both ways (tests/gen/compat_support.hpp).
// libtirpc's headers come last: they define the protocol's constants as macros.
// clang-format off
#include "rpcb_prot.hpp"  // nelson-gen's
#include "tests/gen/compat_support.hpp"
#include <rpc/pmap_prot.h>
#include <rpc/rpcb_prot.h>
// clang-format on

namespace nelson::gen::test {
namespace {

namespace proto = ::nelson::rpcbind::proto;

// The contract's bounds (RPCB_MAXNETID, ...): random strings stay within them.
constexpr std::size_t kNetid = 64;
constexpr std::size_t kUaddr = 128;
constexpr std::size_t kOwner = 64;

proto::rpcb random_rpcb(Random& r) {
  return {.r_prog = r.u32(),
          .r_vers = r.u32(),
          .r_netid = r.text(kNetid),
          .r_addr = r.text(kUaddr),
          .r_owner = r.text(kOwner)};
}

bool same(const ::rpcb& c, const proto::rpcb& v) {
  return c.r_prog == v.r_prog && c.r_vers == v.r_vers && same_string(c.r_netid, v.r_netid) &&
         same_string(c.r_addr, v.r_addr) && same_string(c.r_owner, v.r_owner);
}

template <class Node>
void append(std::optional<Node>& head, Node*& tail, Node node, std::unique_ptr<Node> Node::*next) {
  if (tail == nullptr) {
    head = std::move(node);
    tail = &*head;
  } else {
    tail->*next = std::make_unique<Node>(std::move(node));
    tail = (tail->*next).get();
  }
}

TEST(RpcbindCompat, Rpcb) {
  Random r(11);
  for (int i = 0; i < kValues; ++i) {
    round_trip<::rpcb>(
        random_rpcb(r), reinterpret_cast<xdrproc_t>(xdr_rpcb),
        [](xdr::Encoder& e, const auto& v) { return proto::encode(e, v); },
        [](xdr::Decoder& d, auto& v) { return proto::decode(d, v); },
        [](const ::rpcb& c, const proto::rpcb& v) { return same(c, v); });
  }
}

TEST(RpcbindCompat, RpcblistAsDumpAnswersIt) {
  Random r(12);
  for (int i = 0; i < kValues; ++i) {
    proto::rpcblist_ptr list;
    proto::rp__list* tail = nullptr;
    for (std::size_t n = r.below(8); n > 0; --n) {
      proto::rp__list node;
      node.rpcb_map = random_rpcb(r);
      append(list, tail, std::move(node), &proto::rp__list::rpcb_next);
    }
    round_trip<::rp__list*>(
        list, reinterpret_cast<xdrproc_t>(xdr_rpcblist),
        [](xdr::Encoder& e, const auto& v) { return proto::encode_rpcblist_ptr(e, v); },
        [](xdr::Decoder& d, auto& v) { return proto::decode_rpcblist_ptr(d, v); },
        [](::rp__list* const& c, const proto::rpcblist_ptr& v) {
          const ::rp__list* pc = c;
          const proto::rp__list* pv = v ? &*v : nullptr;
          for (; pc != nullptr && pv != nullptr; pc = pc->rpcb_next, pv = pv->rpcb_next.get()) {
            if (!same(pc->rpcb_map, pv->rpcb_map)) return false;
          }
          return pc == nullptr && pv == nullptr;
        });
  }
}

TEST(RpcbindCompat, PmapMapping) {
  Random r(13);
  for (int i = 0; i < kValues; ++i) {
    const proto::mapping m{.prog = r.u32(), .vers = r.u32(), .prot = r.u32(), .port = r.u32()};
    round_trip<::pmap>(
        m, reinterpret_cast<xdrproc_t>(xdr_pmap), [](xdr::Encoder& e, const auto& v) { return proto::encode(e, v); },
        [](xdr::Decoder& d, auto& v) { return proto::decode(d, v); },
        [](const ::pmap& c, const proto::mapping& v) {
          return c.pm_prog == v.prog && c.pm_vers == v.vers && c.pm_prot == v.prot && c.pm_port == v.port;
        });
  }
}

TEST(RpcbindCompat, PmaplistAsPmapDumpAnswersIt) {
  Random r(14);
  for (int i = 0; i < kValues; ++i) {
    proto::pmaplist_ptr list;
    proto::pmaplist* tail = nullptr;
    for (std::size_t n = r.below(10); n > 0; --n) {
      proto::pmaplist node;
      node.map = {.prog = r.u32(), .vers = r.u32(), .prot = r.coin() ? 6U : 17U, .port = r.u32() & 0xffff};
      append(list, tail, std::move(node), &proto::pmaplist::next);
    }
    round_trip<::pmaplist*>(
        list, reinterpret_cast<xdrproc_t>(xdr_pmaplist),
        [](xdr::Encoder& e, const auto& v) { return proto::encode_pmaplist_ptr(e, v); },
        [](xdr::Decoder& d, auto& v) { return proto::decode_pmaplist_ptr(d, v); },
        [](::pmaplist* const& c, const proto::pmaplist_ptr& v) {
          const ::pmaplist* pc = c;
          const proto::pmaplist* pv = v ? &*v : nullptr;
          for (; pc != nullptr && pv != nullptr; pc = pc->pml_next, pv = pv->next.get()) {
            const ::pmap& m = pc->pml_map;
            if (m.pm_prog != pv->map.prog || m.pm_vers != pv->map.vers || m.pm_prot != pv->map.prot ||
                m.pm_port != pv->map.port) {
              return false;
            }
          }
          return pc == nullptr && pv == nullptr;
        });
  }
}

TEST(RpcbindCompat, EntryListAsGetaddrlistAnswersIt) {
  Random r(15);
  for (int i = 0; i < kValues; ++i) {
    proto::rpcb_entry_list_ptr list;
    proto::rpcb_entry_list* tail = nullptr;
    for (std::size_t n = r.below(6); n > 0; --n) {
      proto::rpcb_entry_list node;
      node.rpcb_entry_map = {.r_maddr = r.text(kUaddr),
                             .r_nc_netid = r.text(kNetid),
                             .r_nc_semantics = r.u32(),
                             .r_nc_protofmly = r.text(64),
                             .r_nc_proto = r.text(64)};
      append(list, tail, std::move(node), &proto::rpcb_entry_list::rpcb_entry_next);
    }
    round_trip<::rpcb_entry_list_ptr>(
        list, reinterpret_cast<xdrproc_t>(xdr_rpcb_entry_list_ptr),
        [](xdr::Encoder& e, const auto& v) { return proto::encode_rpcb_entry_list_ptr(e, v); },
        [](xdr::Decoder& d, auto& v) { return proto::decode_rpcb_entry_list_ptr(d, v); },
        [](::rpcb_entry_list* const& c, const proto::rpcb_entry_list_ptr& v) {
          const ::rpcb_entry_list* pc = c;
          const proto::rpcb_entry_list* pv = v ? &*v : nullptr;
          for (; pc != nullptr && pv != nullptr; pc = pc->rpcb_entry_next, pv = pv->rpcb_entry_next.get()) {
            const ::rpcb_entry& a = pc->rpcb_entry_map;
            const proto::rpcb_entry& b = pv->rpcb_entry_map;
            if (!same_string(a.r_maddr, b.r_maddr) || !same_string(a.r_nc_netid, b.r_nc_netid) ||
                a.r_nc_semantics != b.r_nc_semantics || !same_string(a.r_nc_protofmly, b.r_nc_protofmly) ||
                !same_string(a.r_nc_proto, b.r_nc_proto)) {
              return false;
            }
          }
          return pc == nullptr && pv == nullptr;
        });
  }
}

TEST(RpcbindCompat, StatByVersAsGetstatAnswersIt) {
  Random r(16);
  for (int i = 0; i < kValues / 3; ++i) {
    proto::rpcb_stat_byvers stats{};
    for (proto::rpcb_stat& s : stats) {
      for (std::int32_t& n : s.info) n = r.i32();
      s.setinfo = r.i32();
      s.unsetinfo = r.i32();
      proto::rpcbs_addrlist* at = nullptr;
      for (std::size_t n = r.below(4); n > 0; --n) {
        proto::rpcbs_addrlist node;
        node.prog = r.u32();
        node.vers = r.u32();
        node.success = r.i32();
        node.failure = r.i32();
        node.netid = r.text(kNetid);
        append(s.addrinfo, at, std::move(node), &proto::rpcbs_addrlist::next);
      }
      proto::rpcbs_rmtcalllist* rt = nullptr;
      for (std::size_t n = r.below(3); n > 0; --n) {
        proto::rpcbs_rmtcalllist node;
        node.prog = r.u32();
        node.vers = r.u32();
        node.proc = r.u32();
        node.success = r.i32();
        node.failure = r.i32();
        node.indirect = r.i32();
        node.netid = r.text(kNetid);
        append(s.rmtinfo, rt, std::move(node), &proto::rpcbs_rmtcalllist::next);
      }
    }
    // The C type is an array (rpcb_stat[3]); round_trip keeps one by value.
    struct CStats {
      ::rpcb_stat v[3];
    };
    round_trip<CStats>(
        stats, reinterpret_cast<xdrproc_t>(xdr_rpcb_stat_byvers),
        [](xdr::Encoder& e, const auto& v) { return proto::encode_rpcb_stat_byvers(e, v); },
        [](xdr::Decoder& d, auto& v) { return proto::decode_rpcb_stat_byvers(d, v); },
        [](const CStats& c, const proto::rpcb_stat_byvers& v) {
          for (std::size_t k = 0; k < 3; ++k) {
            const ::rpcb_stat& a = c.v[k];
            const proto::rpcb_stat& b = v[k];
            if (std::memcmp(a.info, b.info.data(), sizeof a.info) != 0 || a.setinfo != b.setinfo ||
                a.unsetinfo != b.unsetinfo) {
              return false;
            }
            const ::rpcbs_addrlist* pa = a.addrinfo;
            const proto::rpcbs_addrlist* pb = b.addrinfo ? &*b.addrinfo : nullptr;
            for (; pa != nullptr && pb != nullptr; pa = pa->next, pb = pb->next.get()) {
              if (pa->prog != pb->prog || pa->vers != pb->vers || pa->success != pb->success ||
                  pa->failure != pb->failure || !same_string(pa->netid, pb->netid)) {
                return false;
              }
            }
            if (pa != nullptr || pb != nullptr) return false;
            const ::rpcbs_rmtcalllist* ra = a.rmtinfo;
            const proto::rpcbs_rmtcalllist* rb = b.rmtinfo ? &*b.rmtinfo : nullptr;
            for (; ra != nullptr && rb != nullptr; ra = ra->next, rb = rb->next.get()) {
              if (ra->prog != rb->prog || ra->vers != rb->vers || ra->proc != rb->proc || ra->success != rb->success ||
                  ra->failure != rb->failure || ra->indirect != rb->indirect || !same_string(ra->netid, rb->netid)) {
                return false;
              }
            }
            if (ra != nullptr || rb != nullptr) return false;
          }
          return true;
        });
  }
}

TEST(RpcbindCompat, NetbufAsUaddr2taddrAnswersIt) {
  Random r(17);
  for (int i = 0; i < kValues; ++i) {
    proto::netbuf nb;
    nb.buf = r.bytes(120);
    nb.maxlen = static_cast<std::uint32_t>(nb.buf.size() + r.below(200));  // libtirpc: len <= maxlen <= 9000
    round_trip<::netbuf>(
        nb, reinterpret_cast<xdrproc_t>(xdr_netbuf), [](xdr::Encoder& e, const auto& v) { return proto::encode(e, v); },
        [](xdr::Decoder& d, auto& v) { return proto::decode(d, v); },
        [](const ::netbuf& c, const proto::netbuf& v) {
          return c.maxlen == v.maxlen && same_bytes(static_cast<const char*>(c.buf), c.len, v.buf);
        });
  }
}

}  // namespace
}  // namespace nelson::gen::test
