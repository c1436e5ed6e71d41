// nfs_prot.x: nelson-gen's C++ against rpcgen's C, byte for byte (see compat_support.hpp).
// rpcgen's header comes last, since it defines the constants as macros.
// clang-format off
#include "nfs_prot.hpp"  // nelson-gen's
#include "tests/gen/compat_support.hpp"
#include "nfs_prot.h"  // rpcgen's
// clang-format on

namespace nelson::gen::test {
namespace {

namespace n = ::nfs_prot;

constexpr n::nfsstat kStatuses[] = {n::nfsstat::NFS_OK, n::nfsstat::NFSERR_PERM, n::nfsstat::NFSERR_NOENT,
                                    n::nfsstat::NFSERR_STALE, n::nfsstat::NFSERR_WFLUSH};

n::fattr random_fattr(Random& r) {
  n::fattr a;
  a.type = static_cast<n::ftype>(r.below(9));
  for (std::uint32_t* f : {&a.mode, &a.nlink, &a.uid, &a.gid, &a.size, &a.blocksize, &a.rdev, &a.blocks, &a.fsid,
                           &a.fileid, &a.atime.seconds, &a.atime.useconds, &a.mtime.seconds, &a.mtime.useconds,
                           &a.ctime.seconds, &a.ctime.useconds}) {
    *f = r.u32();
  }
  return a;
}

bool same(const ::fattr& c, const n::fattr& v) {
  return static_cast<int>(c.type) == static_cast<int>(v.type) && c.mode == v.mode && c.nlink == v.nlink &&
         c.uid == v.uid && c.gid == v.gid && c.size == v.size && c.blocksize == v.blocksize && c.rdev == v.rdev &&
         c.blocks == v.blocks && c.fsid == v.fsid && c.fileid == v.fileid && c.atime.seconds == v.atime.seconds &&
         c.atime.useconds == v.atime.useconds && c.mtime.seconds == v.mtime.seconds &&
         c.mtime.useconds == v.mtime.useconds && c.ctime.seconds == v.ctime.seconds &&
         c.ctime.useconds == v.ctime.useconds;
}

auto encoder = [](xdr::Encoder& e, const auto& v) { return n::encode(e, v); };
auto decoder = [](xdr::Decoder& d, auto& v) { return n::decode(d, v); };

TEST(GenCompatNfs, Fattr) {
  Random r(11);
  for (int i = 0; i < kValues; ++i) {
    round_trip<::fattr>(random_fattr(r), reinterpret_cast<xdrproc_t>(xdr_fattr), encoder, decoder,
                        [](const ::fattr& c, const n::fattr& v) { return same(c, v); });
  }
}

TEST(GenCompatNfs, Diropres) {
  Random r(12);
  for (int i = 0; i < kValues; ++i) {
    n::diropres v;
    v.select(kStatuses[r.below(std::size(kStatuses))]);
    if (auto* ok = v.diropres_()) {
      r.fill(ok->file.data);
      ok->attributes = random_fattr(r);
    }
    round_trip<::diropres>(
        v, reinterpret_cast<xdrproc_t>(xdr_diropres), encoder, decoder, [](const ::diropres& c, const n::diropres& x) {
          if (static_cast<int>(c.status) != static_cast<int>(x.status)) return false;
          const auto* ok = x.diropres_();
          if (x.status != n::nfsstat::NFS_OK) return ok == nullptr;
          return ok != nullptr && same_bytes(c.diropres_u.diropres.file.data, NFS_FHSIZE, ok->file.data) &&
                 same(c.diropres_u.diropres.attributes, ok->attributes);
        });
  }
}

TEST(GenCompatNfs, ReaddirresWithEntryChains) {
  Random r(13);
  for (int i = 0; i < kValues; ++i) {
    n::readdirres v;
    v.select(r.below(4) == 0 ? n::nfsstat::NFSERR_IO : n::nfsstat::NFS_OK);
    if (auto* reply = v.reply()) {
      reply->eof = r.coin();
      // `entry *entries` in dirlist: std::optional (entry is complete there); the list goes
      // on through entry's own `entry *nextentry`, a std::unique_ptr.
      n::entry* last = nullptr;
      for (std::size_t k = r.below(12); k > 0; --k) {
        n::entry* e =
            last == nullptr ? &reply->entries.emplace() : (last->nextentry = std::make_unique<n::entry>()).get();
        e->fileid = r.u32();
        e->name = r.text(32);
        r.fill(e->cookie);
        last = e;
      }
    }
    round_trip<::readdirres>(v, reinterpret_cast<xdrproc_t>(xdr_readdirres), encoder, decoder,
                             [](const ::readdirres& c, const n::readdirres& x) {
                               if (static_cast<int>(c.status) != static_cast<int>(x.status)) return false;
                               const auto* reply = x.reply();
                               if (x.status != n::nfsstat::NFS_OK) return reply == nullptr;
                               if (reply == nullptr || (c.readdirres_u.reply.eof != 0) != reply->eof) return false;
                               const ::entry* ec = c.readdirres_u.reply.entries;
                               const n::entry* ev = reply->entries ? &*reply->entries : nullptr;
                               for (; ec != nullptr && ev != nullptr; ec = ec->nextentry, ev = ev->nextentry.get()) {
                                 if (ec->fileid != ev->fileid || !same_string(ec->name, ev->name) ||
                                     !same_bytes(ec->cookie, NFS_COOKIESIZE, ev->cookie)) {
                                   return false;
                                 }
                               }
                               return ec == nullptr && ev == nullptr;
                             });
  }
}

}  // namespace
}  // namespace nelson::gen::test
