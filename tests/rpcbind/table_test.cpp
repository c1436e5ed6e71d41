// rpcbind::Table: rpcbind's rules (duplicates, owners, any-version GETADDR, PMAP v2's view)
// and the bounds rpcbind lacks (entries, string lengths, well-formed addresses).
#include "rpcbind/table.hpp"

#include <gtest/gtest.h>
#include <string>

namespace nelson::rpcbind {
namespace {

Entry entry(std::uint32_t prog, std::uint32_t vers, std::string netid, std::string uaddr,
            std::string owner = "superuser") {
  return {.prog = prog, .vers = vers, .netid = std::move(netid), .uaddr = std::move(uaddr), .owner = std::move(owner)};
}

TEST(Table, SetThenLookUp) {
  Table t;
  EXPECT_EQ(t.set(entry(100003, 3, "tcp", "0.0.0.0.8.1")), Outcome::ok);
  EXPECT_EQ(t.set(entry(100003, 3, "udp6", "::.8.1")), Outcome::ok);
  EXPECT_EQ(t.set(entry(100005, 1, "local", "/run/mountd.sock", "1000")), Outcome::ok);
  EXPECT_EQ(t.size(), 3U);
  EXPECT_EQ(t.getaddr(100003, 3, "tcp"), "0.0.0.0.8.1");
  EXPECT_EQ(t.getaddr(100003, 3, "udp6"), "::.8.1");
  EXPECT_EQ(t.getaddr(100003, 3, "udp"), "");  // not on that netid
  EXPECT_EQ(t.getaddr(100005, 1, "local"), "/run/mountd.sock");
  EXPECT_EQ(t.getaddr(100004, 1, "tcp"), "");
  EXPECT_EQ(t.getport(100003, 3, kIpprotoTcp), 2049U);
  EXPECT_EQ(t.getport(100003, 3, kIpprotoUdp), 0U);  // udp6 is not PMAP v2's
  EXPECT_EQ(t.getport(100003, 3, 99), 0U);
}

TEST(Table, DuplicateSameAddressIsSuccessOtherAddressIsRefused) {
  Table t;
  ASSERT_EQ(t.set(entry(7, 1, "tcp", "127.0.0.1.0.200")), Outcome::ok);
  EXPECT_EQ(t.set(entry(7, 1, "tcp", "127.0.0.1.0.200", "1000")), Outcome::unchanged);
  EXPECT_TRUE(succeeded(Outcome::unchanged));
  EXPECT_EQ(t.set(entry(7, 1, "tcp", "127.0.0.1.0.201")), Outcome::conflict);
  EXPECT_FALSE(succeeded(Outcome::conflict));
  EXPECT_EQ(t.getaddr(7, 1, "tcp"), "127.0.0.1.0.200");  // the first one stays
  EXPECT_EQ(t.find_exact(7, 1, "tcp")->owner, "superuser");
  EXPECT_EQ(t.set(entry(7, 2, "tcp", "127.0.0.1.0.201")), Outcome::ok);  // another version is another key
  EXPECT_EQ(t.size(), 2U);
}

TEST(Table, GetaddrFallsBackToAnotherVersionGetversaddrDoesNot) {
  Table t;
  ASSERT_EQ(t.set(entry(9, 2, "tcp", "127.0.0.1.0.2")), Outcome::ok);
  ASSERT_EQ(t.set(entry(9, 4, "tcp", "127.0.0.1.0.4")), Outcome::ok);
  ASSERT_EQ(t.set(entry(9, 5, "udp", "127.0.0.1.0.5")), Outcome::ok);
  EXPECT_EQ(t.getaddr(9, 2, "tcp"), "127.0.0.1.0.2");
  EXPECT_EQ(t.getaddr(9, 3, "tcp"), "127.0.0.1.0.4");  // the highest version on that netid
  EXPECT_EQ(t.getversaddr(9, 3, "tcp"), "");
  EXPECT_EQ(t.getversaddr(9, 4, "tcp"), "127.0.0.1.0.4");
  EXPECT_EQ(t.getport(9, 7, kIpprotoTcp), 4U);
  EXPECT_EQ(t.getport(9, 7, kIpprotoUdp), 5U);
  EXPECT_EQ(t.getaddr(9, 1, "tcp6"), "");
  EXPECT_EQ(t.getaddr(8, 2, "tcp"), "");
  EXPECT_EQ(t.getaddr(10, 2, "tcp"), "");
}

TEST(Table, UnsetOneNetidOrAll) {
  Table t;
  for (const char* netid : {"tcp", "udp", "tcp6"})
    ASSERT_EQ(t.set(entry(5, 1, netid, netid[3] ? "::1.0.9" : "127.0.0.1.0.9")), Outcome::ok);
  ASSERT_EQ(t.set(entry(5, 2, "tcp", "127.0.0.1.0.9")), Outcome::ok);
  auto r = t.unset(5, 1, "udp", "superuser");
  EXPECT_EQ(r.outcome, Outcome::ok);
  EXPECT_EQ(r.removed, 1U);
  EXPECT_EQ(t.getversaddr(5, 1, "udp"), "");
  EXPECT_EQ(t.getversaddr(5, 1, "tcp"), "127.0.0.1.0.9");
  r = t.unset(5, 1, "", "superuser");
  EXPECT_EQ(r.removed, 2U);
  EXPECT_EQ(t.size(), 1U);             // version 2 stays
  r = t.unset(5, 1, "", "superuser");  // nothing left: still success, as in rpcbind
  EXPECT_EQ(r.outcome, Outcome::ok);
  EXPECT_EQ(r.removed, 0U);
}

TEST(Table, OnlyTheOwnerOrTheSuperuserUnsetsAndRefusalRemovesNothing) {
  Table t;
  ASSERT_EQ(t.set(entry(6, 1, "tcp", "127.0.0.1.4.0", "1000")), Outcome::ok);
  ASSERT_EQ(t.set(entry(6, 1, "udp", "127.0.0.1.4.0", "1001")), Outcome::ok);
  auto r = t.unset(6, 1, "", "1000");  // udp is 1001's: neither goes
  EXPECT_EQ(r.outcome, Outcome::not_owner);
  EXPECT_EQ(r.removed, 0U);
  EXPECT_EQ(t.size(), 2U);
  EXPECT_EQ(t.unset(6, 1, "tcp", "1001").outcome, Outcome::not_owner);
  EXPECT_EQ(t.unset(6, 1, "tcp", "unknown").outcome, Outcome::not_owner);
  EXPECT_EQ(t.unset(6, 1, "tcp", "1000").removed, 1U);
  EXPECT_EQ(t.unset(6, 1, "", "superuser").removed, 1U);
  EXPECT_EQ(t.size(), 0U);
}

TEST(Table, PmapSetAndUnset) {
  Table t;
  EXPECT_EQ(t.set_pmap(100021, 4, kIpprotoUdp, 32768, "superuser"), Outcome::ok);
  EXPECT_EQ(t.getaddr(100021, 4, "udp"), "0.0.0.0.128.0");
  EXPECT_EQ(t.set_pmap(100021, 4, kIpprotoTcp, 32769, "superuser"), Outcome::ok);
  EXPECT_EQ(t.set_pmap(100021, 4, 99, 1, "superuser"), Outcome::bad_netid);
  EXPECT_EQ(t.set_pmap(100021, 4, kIpprotoTcp, 0, "superuser"), Outcome::bad_address);
  EXPECT_EQ(t.set_pmap(100021, 4, kIpprotoTcp, 65536, "superuser"), Outcome::bad_address);
  ASSERT_EQ(t.set(entry(100021, 4, "tcp6", "::.128.1")), Outcome::ok);
  EXPECT_EQ(t.unset_pmap(100021, 4, "unknown").outcome, Outcome::not_owner);
  const auto r = t.unset_pmap(100021, 4, "superuser");
  EXPECT_EQ(r.removed, 2U);
  EXPECT_EQ(t.getaddr(100021, 4, "tcp6"), "::.128.1");  // PMAP v2 never sees IPv6
}

TEST(Table, DumpIsSortedAndPmapDumpSeesTcpUdpOnly) {
  Table t;
  ASSERT_EQ(t.set(entry(300, 1, "udp", "127.0.0.1.1.1")), Outcome::ok);
  ASSERT_EQ(t.set(entry(100, 2, "tcp6", "::1.0.1")), Outcome::ok);
  ASSERT_EQ(t.set(entry(100, 1, "udp", "127.0.0.1.0.2")), Outcome::ok);
  ASSERT_EQ(t.set(entry(100, 1, "tcp", "127.0.0.1.0.3")), Outcome::ok);
  ASSERT_EQ(t.set(entry(200, 1, "local", "/run/a.sock")), Outcome::ok);
  std::string order;
  for (const Entry* e : t.dump())
    order += std::to_string(e->prog) + "/" + std::to_string(e->vers) + "/" + e->netid + " ";
  EXPECT_EQ(order, "100/1/tcp 100/1/udp 100/2/tcp6 200/1/local 300/1/udp ");
  const std::vector<Table::Mapping> want = {
      {100, 1, kIpprotoTcp, 3}, {100, 1, kIpprotoUdp, 2}, {300, 1, kIpprotoUdp, 257}};
  EXPECT_EQ(t.dump_pmap(), want);
  std::string list;
  for (const Entry* e : t.find_all(100, 1)) list += e->netid + " ";
  EXPECT_EQ(list, "tcp udp ");
  EXPECT_TRUE(t.find_all(100, 3).empty());
}

TEST(Table, ExtremeProgramNumbers) {
  Table t;
  ASSERT_EQ(t.set(entry(UINT32_MAX, UINT32_MAX, "tcp", "127.0.0.1.0.1")), Outcome::ok);
  ASSERT_EQ(t.set(entry(0, 0, "tcp", "127.0.0.1.0.2")), Outcome::ok);
  EXPECT_EQ(t.getaddr(UINT32_MAX, 1, "tcp"), "127.0.0.1.0.1");
  EXPECT_EQ(t.getaddr(0, 5, "tcp"), "127.0.0.1.0.2");
  EXPECT_EQ(t.find_all(UINT32_MAX, UINT32_MAX).size(), 1U);
  EXPECT_EQ(t.unset(UINT32_MAX, UINT32_MAX, "", "superuser").removed, 1U);
}

TEST(Table, BoundedSize) {
  Table t(TableLimits{.max_entries = 3});
  for (std::uint32_t p = 1; p <= 3; ++p) ASSERT_EQ(t.set(entry(p, 1, "tcp", "127.0.0.1.0.1")), Outcome::ok);
  EXPECT_EQ(t.set(entry(4, 1, "tcp", "127.0.0.1.0.1")), Outcome::full);
  EXPECT_EQ(t.set(entry(3, 1, "tcp", "127.0.0.1.0.1")), Outcome::unchanged);  // not new: not refused
  EXPECT_EQ(t.size(), 3U);
  ASSERT_EQ(t.unset(1, 1, "", "superuser").removed, 1U);
  EXPECT_EQ(t.set(entry(4, 1, "tcp", "127.0.0.1.0.1")), Outcome::ok);  // room again
}

TEST(Table, RefusesWhatIsNotARegistration) {
  Table t;
  EXPECT_EQ(t.set(entry(1, 1, "ticlts", "x")), Outcome::bad_netid);
  EXPECT_EQ(t.set(entry(1, 1, "", "127.0.0.1.0.1")), Outcome::bad_netid);
  EXPECT_EQ(t.set(entry(1, 1, "TCP", "127.0.0.1.0.1")), Outcome::bad_netid);
  EXPECT_EQ(t.set(entry(1, 1, std::string(kMaxNetid + 1, 't'), "127.0.0.1.0.1")), Outcome::bad_netid);
  EXPECT_EQ(t.set(entry(1, 1, "tcp", "")), Outcome::bad_address);
  EXPECT_EQ(t.set(entry(1, 1, "tcp", "::1.0.1")), Outcome::bad_address);         // IPv6 on tcp
  EXPECT_EQ(t.set(entry(1, 1, "tcp6", "127.0.0.1.0.1")), Outcome::bad_address);  // IPv4 on tcp6
  EXPECT_EQ(t.set(entry(1, 1, "tcp", "127.0.0.1.0.0")), Outcome::bad_address);   // port 0
  EXPECT_EQ(t.set(entry(1, 1, "tcp", "127.0.0.1.0.1 ")), Outcome::bad_address);
  EXPECT_EQ(t.set(entry(1, 1, "local", "relative.sock")), Outcome::bad_address);
  EXPECT_EQ(t.set(entry(1, 1, "local", "/" + std::string(kMaxUaddr, 'a'))), Outcome::bad_address);
  EXPECT_EQ(t.set(entry(1, 1, "tcp", "127.0.0.1.0.1", "")), Outcome::bad_owner);
  EXPECT_EQ(t.set(entry(1, 1, "tcp", "127.0.0.1.0.1", std::string(kMaxOwner + 1, 'o'))), Outcome::bad_owner);
  EXPECT_EQ(t.size(), 0U);
  EXPECT_EQ(t.set(entry(1, 1, "tcp", "127.0.0.1.0.1", std::string(kMaxOwner, 'o'))), Outcome::ok);
  for (const Outcome o : {Outcome::ok, Outcome::unchanged, Outcome::conflict, Outcome::full, Outcome::bad_netid,
                          Outcome::bad_address, Outcome::bad_owner, Outcome::not_owner}) {
    EXPECT_NE(to_string(o), "?");
  }
}

}  // namespace
}  // namespace nelson::rpcbind
