// Replies too large for a datagram (ServerLimits::max_datagram_reply) are answered SYSTEM_ERR over
// UDP, which the client hears at once, instead of a send the kernel refuses (EMSGSIZE) and a client
// retransmitting into its timeout; over TCP the same reply goes whole.
#include <chrono>
#include <gtest/gtest.h>
#include <memory>
#include <vector>

#include "client/client.hpp"
#include "core/loop.hpp"
#include "server/server.hpp"

namespace nelson::server::test {
namespace {

constexpr std::uint32_t kProg = 0x20000777;

TEST(DatagramReply, LargerThanTheLimitIsASystemErrorOverUdpAndWholeOverTcp) {
  auto created = core::Loop::create();
  ASSERT_TRUE(created) << created.error().message;
  auto loop = std::move(created.value());
  ServerOptions options;
  options.limits.max_datagram_reply = 300;
  Server server(*loop, options);
  // BIG: an opaque of the size the argument asks for.
  int runs = 0;
  ASSERT_TRUE(server.add_procedure(kProg, 1, 1, {"BIG"}, [&runs](Call& call) {
    ++runs;
    std::uint32_t n = 0;
    if (!call.args().get_uint(n) || !call.args().expect_end() || n > 4096) return Status::garbage_args;
    const std::vector<std::byte> data(n, std::byte{0x5a});
    call.reply([&](xdr::Encoder& e) { e.put_opaque(data); });
    return Status::success;
  }));
  auto udp = server.listen(*core::parse_endpoint("udp://127.0.0.1:0"));
  ASSERT_TRUE(udp) << udp.error().message;
  auto tcp = server.listen(*core::parse_endpoint("tcp://127.0.0.1:0"));
  ASSERT_TRUE(tcp) << tcp.error().message;
  const client::CallOptions quick{.timeout = std::chrono::milliseconds(3000),
                                  .retransmit = std::chrono::milliseconds(500)};
  auto big = [](std::uint32_t n) { return [n](xdr::Encoder& e) { e.put_uint(n); }; };
  {
    auto c = client::Client::create(*loop, *udp);
    ASSERT_TRUE(c) << c.error().message;
    // 24 bytes of reply header + 4 of length + 200: fits.
    const client::Result fits = (*c)->call_sync(kProg, 1, 1, big(200), quick);
    ASSERT_TRUE(fits.ok()) << client::message(fits.error);
    EXPECT_EQ(fits.results.size(), 204U);
    const client::Result too_big = (*c)->call_sync(kProg, 1, 1, big(1000), quick);
    EXPECT_EQ(too_big.error.code, client::Errc::system_err) << client::message(too_big.error);
    EXPECT_EQ(runs, 2);  // answered the first time: no retransmission ran it again
  }
  {
    auto c = client::Client::create(*loop, *tcp);
    ASSERT_TRUE(c) << c.error().message;
    const client::Result whole = (*c)->call_sync(kProg, 1, 1, big(1000), quick);
    ASSERT_TRUE(whole.ok()) << client::message(whole.error);
    EXPECT_EQ(whole.results.size(), 1004U);
  }
  EXPECT_EQ(runs, 3);
  EXPECT_EQ(server.stats().system_err, 1U);
  EXPECT_EQ(server.stats().udp_send_errors, 0U);
}

}  // namespace
}  // namespace nelson::server::test
