// rpcb_prot.x's bounds, as the generated decoders apply them: the "rpcbomb" class of calls
// (CVE-2017-8779: lengths that claim far more than is sent, or than any registration needs) is
// refused while decoding, before anything is allocated or copied.
#include <cstddef>
#include <cstdint>
#include <gtest/gtest.h>
#include <string>
#include <vector>

#include "rpcb_prot.hpp"
#include "xdr/decoder.hpp"
#include "xdr/encoder.hpp"

namespace nelson::rpcbind::proto {
namespace {

using Bytes = std::vector<std::byte>;

// An rpcb whose r_addr claims `length` bytes and carries `carried` of them.
Bytes rpcb_claiming(std::uint32_t length, std::size_t carried) {
  Bytes b(4096 + carried);
  xdr::Encoder e(b);
  e.put_uint(100000);
  e.put_uint(4);
  e.put_string("tcp");
  e.put_uint(length);
  for (std::size_t i = 0; i < carried; ++i) e.put_uint(0x31313131);
  b.resize(e.size());
  return b;
}

TEST(Contract, HugeLengthsAreRefusedBeforeAllocating) {
  for (const std::uint32_t claim : {0xffffffffU, 0x7fffffffU, 1U << 20, RPCB_MAXUADDR + 1}) {
    const Bytes call = rpcb_claiming(claim, 4);
    xdr::Decoder d(call);
    rpcb r;
    EXPECT_FALSE(decode(d, r)) << claim;
    EXPECT_EQ(d.error().code, xdr::Errc::length_exceeds_max) << claim;
    EXPECT_EQ(d.error().offset, 16U);  // at the length itself
    EXPECT_TRUE(r.r_addr.empty());
  }
}

TEST(Contract, StringsUpToTheBoundsDecode) {
  rpcb big{.r_prog = 1,
           .r_vers = 2,
           .r_netid = std::string(RPCB_MAXNETID, 'n'),
           .r_addr = std::string(RPCB_MAXUADDR, 'a'),
           .r_owner = std::string(RPCB_MAXOWNER, 'o')};
  Bytes b(1024);
  xdr::Encoder e(b);
  ASSERT_TRUE(encode(e, big));
  b.resize(e.size());
  xdr::Decoder d(b);
  rpcb back;
  ASSERT_TRUE(decode(d, back)) << d.error().message();
  EXPECT_EQ(back.r_addr, big.r_addr);
  // One more character than the bound does not encode (nor, above, decode).
  big.r_owner.push_back('o');
  Bytes c(1024);
  xdr::Encoder e2(c);
  EXPECT_FALSE(encode(e2, big));
}

TEST(Contract, ListLengthIsCapped) {
  // A DUMP reply of 20 registrations, decoded with a cap of 10 nodes.
  rp__list head;
  rp__list* at = &head;
  for (int i = 1; i < 20; ++i) {
    at->rpcb_next = std::make_unique<rp__list>();
    at = at->rpcb_next.get();
  }
  Bytes b(1 << 16);
  xdr::Encoder e(b);
  ASSERT_TRUE(encode(e, head));
  b.resize(e.size());
  xdr::Decoder d(b);
  rp__list back;
  EXPECT_FALSE(decode(d, back, 10));
  EXPECT_EQ(d.error().code, xdr::Errc::too_deep);
  xdr::Decoder all(b);
  EXPECT_TRUE(decode(all, back, 20));
}

}  // namespace
}  // namespace nelson::rpcbind::proto
