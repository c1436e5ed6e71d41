// Bare `string` arguments and results (tests/gen/contracts/strings.x), as rpcgen accepts them:
// the generated stub and skeleton talk to each other, the bytes are XDR strings of any length
// (what rpcgen's xdr_wrapstring writes), and a length beyond the call is GARBAGE_ARGS.
#include <cstring>
#include <gtest/gtest.h>
#include <memory>
#include <string>

#include "client/client.hpp"
#include "core/loop.hpp"
#include "server/server.hpp"
#include "strings.hpp"

namespace nelson::gen::test {
namespace {

using server::Call;
using server::Status;

class Strings final : public strings::STRVERS_service {
 public:
  Status str_concat(Call&, const std::string& a, const std::string& b, std::string& result) override {
    result = a + b;
    return Status::success;
  }
  Status str_length(Call&, const std::string& s, std::int32_t& result) override {
    result = static_cast<std::int32_t>(s.size());
    return Status::success;
  }
  Status str_repeat(Call&, std::int32_t n, std::string& result) override {
    if (n < 0 || n > (1 << 20)) return Status::garbage_args;
    result.assign(static_cast<std::size_t>(n), 'r');
    return Status::success;
  }
};

class StringArgs : public ::testing::Test {
 protected:
  void SetUp() override {
    auto created = core::Loop::create();
    ASSERT_TRUE(created) << created.error().message;
    loop_ = std::move(created.value());
    server_ = std::make_unique<server::Server>(*loop_);
    ASSERT_TRUE(service_.register_on(*server_));
    auto ep = server_->listen(*core::parse_endpoint("tcp://127.0.0.1:0"));
    ASSERT_TRUE(ep) << ep.error().message;
    auto c = client::Client::create(*loop_, *ep);
    ASSERT_TRUE(c) << c.error().message;
    client_ = std::move(c.value());
  }
  void TearDown() override {
    client_.reset();
    server_.reset();
  }

  std::unique_ptr<core::Loop> loop_;
  Strings service_;
  std::unique_ptr<server::Server> server_;
  std::unique_ptr<client::Client> client_;
};

TEST_F(StringArgs, StubAndSkeletonPassStringsOfAnyLength) {
  strings::STRVERS_client c(*client_);
  const client::Reply<std::string> both = c.str_concat_sync("birrell", "&nelson");
  ASSERT_TRUE(both.ok()) << client::message(both.error);
  EXPECT_EQ(both.value, "birrell&nelson");
  // No declared maximum: a 300 KiB string goes both ways.
  const std::string big(300 * 1024, 'x');
  const client::Reply<std::int32_t> length = c.str_length_sync(big);
  ASSERT_TRUE(length.ok()) << client::message(length.error);
  EXPECT_EQ(length.value, static_cast<std::int32_t>(big.size()));
  const client::Reply<std::string> repeated = c.str_repeat_sync(200000);
  ASSERT_TRUE(repeated.ok()) << client::message(repeated.error);
  EXPECT_EQ(repeated.value, std::string(200000, 'r'));
  EXPECT_TRUE(c.str_concat_sync("", "").ok());
}

TEST_F(StringArgs, TheBytesAreXdrStrings) {
  // Hand-encoded as xdr_wrapstring does: length, bytes, zero padding to four.
  const client::Result r =
      client_->call_sync(strings::STRPROG, strings::STRVERS, strings::STR_CONCAT, [](xdr::Encoder& e) {
        const unsigned char raw[] = {0, 0, 0, 3, 'a', 'b', 'c', 0, 0, 0, 0, 2, 'd', 'e', 0, 0};
        e.put_raw(raw, sizeof raw);
      });
  ASSERT_TRUE(r.ok()) << client::message(r.error);
  const unsigned char expected[] = {0, 0, 0, 5, 'a', 'b', 'c', 'd', 'e', 0, 0, 0};
  ASSERT_EQ(r.results.size(), sizeof expected);
  EXPECT_EQ(std::memcmp(r.results.data(), expected, sizeof expected), 0);
}

TEST_F(StringArgs, ALengthBeyondTheCallIsGarbageArgs) {
  const client::Result r =
      client_->call_sync(strings::STRPROG, strings::STRVERS, strings::STR_LENGTH, [](xdr::Encoder& e) {
        e.put_uint(0xFFFFFF00U);  // claims ~4 GiB, sends 4 bytes: nothing is allocated for it
        e.put_uint(0);
      });
  EXPECT_EQ(r.error.code, client::Errc::garbage_args);
}

}  // namespace
}  // namespace nelson::gen::test
