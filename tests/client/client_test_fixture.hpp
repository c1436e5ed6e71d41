// The fixture of the client suite: a Loop on the backend under test and an in-process
// server::Server with the bench service on the same loop (TCP, UDP, UNIX on ephemeral
// addresses). The test's thread runs the loop (call_sync, run_until), so nothing needs locks
// and a hang fails the test through a deadline.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <gtest/gtest.h>
#include <memory>
#include <ostream>
#include <span>
#include <string>
#include <vector>

#include "client/client.hpp"
#include "core/loop.hpp"
#include "examples/bench_service.hpp"
#include "server/server.hpp"
#include "tests/core/run_loop.hpp"

namespace nelson::client {
/// gtest prints an Errc by name ("not_resent") instead of as a byte.
inline void PrintTo(Errc code, std::ostream* os) { *os << to_string(code); }
}  // namespace nelson::client

namespace nelson::client::test {

using std::chrono::milliseconds;
using Bytes = std::vector<std::byte>;
using examples::kBenchEcho;
using examples::kBenchNull;
using examples::kBenchProg;
using examples::kBenchSum;
using examples::kBenchVers;

inline Bytes pattern(std::size_t n) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::byte>((i * 7 + 3) & 0xff);
  return b;
}

/// The opaque<> an ECHO result carries, or nullopt when malformed.
inline std::optional<Bytes> decode_opaque(std::span<const std::byte> results) {
  xdr::Decoder d(results);
  std::span<const std::byte> view;
  if (!d.view_opaque(view, xdr::kUnbounded) || !d.expect_end()) return std::nullopt;
  return Bytes(view.begin(), view.end());
}

class ClientTest : public ::testing::TestWithParam<core::BackendKind> {
 protected:
  void start(server::ServerOptions options = {}, const examples::BenchServiceOptions& bench = {}) {
    auto created = core::Loop::create({.backend = GetParam()});
    if (!created) GTEST_SKIP() << "backend unavailable: " << created.error().message;
    loop_ = std::move(created.value());
    if (loop_->backend_kind() != GetParam()) GTEST_SKIP() << "backend unavailable: " << loop_->fallback_reason();
    server_ = std::make_unique<server::Server>(*loop_, options);
    examples::register_bench_service(*server_, bench);
  }
  /// Listens on tcp, udp and unix (call after registering extra procedures).
  void listen() {
    for (const std::string text : {"tcp://127.0.0.1:0", "udp://127.0.0.1:0"}) {
      auto ep = server_->listen(*core::parse_endpoint(text));
      ASSERT_TRUE(ep) << ep.error().message;
      endpoints_.push_back(*ep);
    }
    unix_path_ = "/tmp/nelson-client-test-" + std::to_string(::getpid()) + ".sock";
    ::unlink(unix_path_.c_str());
    auto ep = server_->listen(*core::parse_endpoint("unix://" + unix_path_));
    ASSERT_TRUE(ep) << ep.error().message;
    endpoints_.push_back(*ep);
  }
  [[nodiscard]] const core::Endpoint& tcp() const { return endpoints_[0]; }
  [[nodiscard]] const core::Endpoint& udp() const { return endpoints_[1]; }
  [[nodiscard]] const core::Endpoint& unix_stream() const { return endpoints_[2]; }

  std::unique_ptr<Client> connect(const core::Endpoint& ep, const ClientOptions& options = {}) {
    auto c = Client::create(*loop_, ep, options);
    EXPECT_TRUE(c) << c.error().message;
    return c ? std::move(c.value()) : nullptr;
  }
  void TearDown() override {
    clients_.clear();
    handles_.clear();  // they answer SYSTEM_ERR; the server must still exist
    server_.reset();
    if (!unix_path_.empty()) ::unlink(unix_path_.c_str());
    if (loop_) core::test::run_for(*loop_, milliseconds(1));  // frees the closed handles
  }
  template <class Pred>
  bool run_until(Pred done, milliseconds limit = milliseconds(5000)) {
    return core::test::run_until(*loop_, done, limit);
  }

  std::unique_ptr<core::Loop> loop_;
  std::unique_ptr<server::Server> server_;
  std::vector<core::Endpoint> endpoints_;
  std::string unix_path_;
  std::vector<std::unique_ptr<Client>> clients_;
  std::vector<server::ReplyHandle> handles_;  // deferred calls kept unanswered by a test
};

}  // namespace nelson::client::test
