// The client stubs and server skeletons nelson-gen writes for tests/gen/contracts/calc.x,
// talking to each other over TCP, UDP and a UNIX socket on every backend: typed arguments and
// results, blocking and asynchronous calls, deferred answers, refusals, arguments that do not
// decode (GARBAGE_ARGS), results that do not decode (cant_decode_reply), two versions.
#include <unistd.h>

#include <chrono>
#include <gtest/gtest.h>
#include <memory>
#include <string>
#include <vector>

#include "calc.hpp"
#include "client/client.hpp"
#include "core/loop.hpp"
#include "server/server.hpp"
#include "tests/core/run_loop.hpp"

namespace nelson::gen::test {
namespace {

using client::Errc;
using server::Call;
using server::Status;
using std::chrono::milliseconds;

// A list of `n` items named item0, item1, ... with count i.
calc::itemlist make_list(std::uint32_t n) {
  calc::itemlist head;
  calc::item* tail = nullptr;
  for (std::uint32_t i = 0; i < n; ++i) {
    calc::item node;
    node.name = "item" + std::to_string(i);
    node.count = static_cast<std::int32_t>(i);
    if (tail == nullptr) {
      head.emplace(std::move(node));
      tail = &*head;
    } else {
      tail->next = std::make_unique<calc::item>(std::move(node));
      tail = tail->next.get();
    }
  }
  return head;
}

class Calc final : public calc::CALCVERS_service {
 public:
  explicit Calc(core::Loop& loop) : loop_(&loop) {}

  Status calc_null(Call&) override {
    ++nulls;
    return Status::success;
  }
  Status calc_apply(Call&, calc::calc_op op, const calc::operands& in, calc::outcome& result) override {
    if (op == calc::calc_op::CALC_OP_DIV && in.b == 0) {
      result.select(1);
      *result.reason() = "division by zero";
      return Status::success;
    }
    result.select(0);
    switch (op) {
      case calc::calc_op::CALC_OP_ADD: *result.value() = in.a + in.b; break;
      case calc::calc_op::CALC_OP_SUB: *result.value() = in.a - in.b; break;
      case calc::calc_op::CALC_OP_DIV: *result.value() = in.a / in.b; break;
    }
    return Status::success;
  }
  Status calc_add(Call&, std::int32_t a, std::int32_t b, std::int64_t& result) override {
    result = std::int64_t{a} + b;
    return Status::success;
  }
  Status calc_list(Call&, std::uint32_t n, calc::itemlist& result) override {
    if (n > 100000) return Status::system_err;
    result = make_list(n);
    return Status::success;
  }
  Status calc_count(Call&, const calc::itemlist& list, std::int32_t& result) override {
    result = 0;
    for (const calc::item* at = list ? &*list : nullptr; at != nullptr; at = at->next.get()) result += at->count;
    return Status::success;
  }
  Status calc_later(Call& call, const calc::calc_name& name, calc::calc_name&) override {
    // Answered after 20 ms from a timer; the argument is copied (it is valid during the handler only).
    // The timers live as long as the service (a timer is not destroyed inside its own callback).
    auto handle = std::make_shared<server::ReplyHandle>(call.defer());
    timers_.push_back(std::make_unique<core::Timer>(
        loop_->timers(), [handle, answer = "later " + name] { reply_calc_later(*handle, answer); }));
    timers_.back()->arm_after(milliseconds(20));
    return Status::deferred;
  }
  Status calc_refuse(Call& call) override {
    call.deny(rpc::AuthStat::auth_tooweak);
    return Status::denied;
  }

  int nulls = 0;

 private:
  core::Loop* loop_;
  std::vector<std::unique_ptr<core::Timer>> timers_;
};

class StubsTest : public ::testing::TestWithParam<core::BackendKind> {
 protected:
  void SetUp() override {
    auto created = core::Loop::create({.backend = GetParam()});
    if (!created) GTEST_SKIP() << "backend unavailable: " << created.error().message;
    loop_ = std::move(created.value());
    if (loop_->backend_kind() != GetParam()) GTEST_SKIP() << "backend unavailable: " << loop_->fallback_reason();
    server_ = std::make_unique<server::Server>(*loop_);
    calc_ = std::make_unique<Calc>(*loop_);
    ASSERT_TRUE(calc_->register_on(*server_, {.at_most_once = {calc::CALC_APPLY}}));
    // Version 2 by hand, answering CALC_ADD with 4 bytes where a hyper (8) is due.
    ASSERT_TRUE(server_->add_procedure(calc::CALCPROG, calc::CALCVERS2, calc::CALC_ADD, {"CALC_ADD"}, [](Call& call) {
      call.reply([](xdr::Encoder& e) { e.put_int(7); });
      return Status::success;
    }));
    unix_path_ = "/tmp/nelson-stubs-test-" + std::to_string(::getpid()) + ".sock";
    ::unlink(unix_path_.c_str());
    for (const std::string& text :
         {std::string("tcp://127.0.0.1:0"), std::string("udp://127.0.0.1:0"), "unix://" + unix_path_}) {
      auto ep = server_->listen(*core::parse_endpoint(text));
      ASSERT_TRUE(ep) << ep.error().message;
      endpoints_.push_back(*ep);
    }
  }
  void TearDown() override {
    clients_.clear();
    server_.reset();
    if (!unix_path_.empty()) ::unlink(unix_path_.c_str());
    if (loop_) core::test::run_for(*loop_, milliseconds(1));
  }
  client::Client& connect(const core::Endpoint& ep) {
    auto c = client::Client::create(*loop_, ep);
    EXPECT_TRUE(c) << c.error().message;
    clients_.push_back(std::move(c.value()));
    return *clients_.back();
  }

  std::unique_ptr<core::Loop> loop_;
  std::unique_ptr<server::Server> server_;
  std::unique_ptr<Calc> calc_;
  std::vector<core::Endpoint> endpoints_;
  std::vector<std::unique_ptr<client::Client>> clients_;
  std::string unix_path_;
};

TEST_P(StubsTest, EveryProcedureAnswersOverEveryTransport) {
  for (const core::Endpoint& ep : endpoints_) {
    SCOPED_TRACE(ep.to_string());
    calc::CALCVERS_client c(connect(ep));
    EXPECT_TRUE(c.calc_null_sync().ok());

    client::Reply<calc::outcome> sum = c.calc_apply_sync(calc::calc_op::CALC_OP_SUB, {.a = 50, .b = 8});
    ASSERT_TRUE(sum.ok()) << client::message(sum.error);
    ASSERT_NE(sum.value.value(), nullptr);
    EXPECT_EQ(*sum.value.value(), 42);

    client::Reply<calc::outcome> div = c.calc_apply_sync(calc::calc_op::CALC_OP_DIV, {.a = 1, .b = 0});
    ASSERT_TRUE(div.ok());
    EXPECT_EQ(div.value.status, 1);
    ASSERT_NE(div.value.reason(), nullptr);
    EXPECT_EQ(*div.value.reason(), "division by zero");

    client::Reply<std::int64_t> add = c.calc_add_sync(2000000000, 2000000000);
    ASSERT_TRUE(add.ok());
    EXPECT_EQ(add.value, 4000000000);

    client::Reply<calc::itemlist> list = c.calc_list_sync(300);
    ASSERT_TRUE(list.ok()) << client::message(list.error);
    std::uint32_t n = 0;
    for (const calc::item* at = list.value ? &*list.value : nullptr; at != nullptr; at = at->next.get(), ++n) {
      EXPECT_EQ(at->name, "item" + std::to_string(n));
      EXPECT_EQ(at->count, static_cast<std::int32_t>(n));
    }
    EXPECT_EQ(n, 300U);
    EXPECT_TRUE(c.calc_list_sync(0).ok());
    EXPECT_FALSE(c.calc_list_sync(0).value.has_value());

    client::Reply<std::int32_t> count = c.calc_count_sync(make_list(100));
    ASSERT_TRUE(count.ok());
    EXPECT_EQ(count.value, 4950);  // 0 + 1 + ... + 99

    client::Reply<calc::calc_name> later = c.calc_later_sync("call");
    ASSERT_TRUE(later.ok()) << client::message(later.error);
    EXPECT_EQ(later.value, "later call");

    client::Reply<void> refused = c.calc_refuse_sync();
    EXPECT_EQ(refused.error.code, Errc::auth_error);
    EXPECT_EQ(refused.error.auth_stat, rpc::AuthStat::auth_tooweak);
  }
  EXPECT_EQ(calc_->nulls, 3);
}

TEST_P(StubsTest, AsynchronousCallsAreAnsweredThroughTheirCallbacks) {
  calc::CALCVERS_client c(connect(endpoints_[0]));
  constexpr int kCalls = 200;
  std::vector<std::int64_t> got(kCalls, -1);
  int done = 0;
  for (int i = 0; i < kCalls; ++i) {
    c.calc_add(i, 1000, [&, i](client::Reply<std::int64_t>& r) {
      ++done;
      ASSERT_TRUE(r.ok()) << client::message(r.error);
      got[static_cast<std::size_t>(i)] = r.value;
    });
  }
  // Deferred answers interleave with immediate ones.
  std::string later;
  c.calc_later("x", [&](client::Reply<calc::calc_name>& r) {
    ASSERT_TRUE(r.ok());
    later = std::move(r.value);
  });
  ASSERT_TRUE(core::test::run_until(*loop_, [&] { return done == kCalls && !later.empty(); }));
  for (int i = 0; i < kCalls; ++i) EXPECT_EQ(got[static_cast<std::size_t>(i)], i + 1000);
  EXPECT_EQ(later, "later x");
}

TEST_P(StubsTest, ArgumentsOverTheirMaximumAreNotSent) {
  calc::CALCVERS_client c(connect(endpoints_[0]));
  const client::Reply<calc::calc_name> r = c.calc_later_sync(std::string(calc::MAXNAME + 1, 'n'));
  EXPECT_EQ(r.error.code, Errc::cant_encode_args);
  // At the maximum it goes (the answer, "later " + it, must fit too).
  EXPECT_TRUE(c.calc_later_sync(std::string(calc::MAXNAME - 6, 'n')).ok());
}

TEST_P(StubsTest, ResultsOverTheirMaximumAreASystemErrorNotALostConnection) {
  // The answer to CALC_LATER is "later " + the argument: 6 bytes over calc_name's maximum here.
  for (const core::Endpoint& ep : endpoints_) {
    SCOPED_TRACE(ep.to_string());
    calc::CALCVERS_client c(connect(ep));
    const std::string name(calc::MAXNAME, 'n');
    EXPECT_EQ(c.calc_later_sync(name).error.code, Errc::system_err);
    EXPECT_EQ(c.calc_add_sync(1, 2).value, 3);  // the connection is still there
  }
  EXPECT_EQ(server_->stats().encode_failures, 3U);
  EXPECT_EQ(server_->stats().system_err, 3U);
}

TEST_P(StubsTest, ArgumentsThatDoNotDecodeGetGarbageArgs) {
  client::Client& raw = connect(endpoints_[0]);
  // CALC_ADD wants two ints: one, then three (trailing bytes), are both garbage.
  for (const int ints : {1, 3}) {
    const client::Result r = raw.call_sync(calc::CALCPROG, calc::CALCVERS, calc::CALC_ADD, [&](xdr::Encoder& e) {
      for (int i = 0; i < ints; ++i) e.put_int(i);
    });
    EXPECT_EQ(r.error.code, Errc::garbage_args) << ints;
  }
  // An enum value the contract does not declare.
  const client::Result bad_enum = raw.call_sync(calc::CALCPROG, calc::CALCVERS, calc::CALC_APPLY, [](xdr::Encoder& e) {
    e.put_int(99);
    e.put_hyper(1);
    e.put_hyper(2);
  });
  EXPECT_EQ(bad_enum.error.code, Errc::garbage_args);
  // A list that claims more bytes than the record holds.
  const client::Result bad_list = raw.call_sync(calc::CALCPROG, calc::CALCVERS, calc::CALC_COUNT, [](xdr::Encoder& e) {
    e.put_bool(true);
    e.put_uint(0x7fffffff);
  });
  EXPECT_EQ(bad_list.error.code, Errc::garbage_args);
}

TEST_P(StubsTest, ResultsThatDoNotDecodeAreReportedAsSuch) {
  // Version 2's CALC_ADD answers 4 bytes where the contract says hyper.
  calc::CALCVERS2_client c(connect(endpoints_[0]));
  const client::Reply<std::int64_t> r = c.calc_add_sync(1, 2);
  EXPECT_EQ(r.error.code, Errc::cant_decode_reply);
  bool called = false;
  c.calc_add(1, 2, [&](client::Reply<std::int64_t>& reply) {
    called = true;
    EXPECT_EQ(reply.error.code, Errc::cant_decode_reply);
  });
  ASSERT_TRUE(core::test::run_until(*loop_, [&] { return called; }));
}

TEST_P(StubsTest, RegistrationNamesTheProgramAndSetsSemantics) {
  const server::Route apply =
      const_cast<server::Registry&>(server_->registry()).route(calc::CALCPROG, calc::CALCVERS, calc::CALC_APPLY);
  ASSERT_EQ(apply.kind, server::Route::Kind::found);
  EXPECT_EQ(apply.procedure->spec.name, "CALC_APPLY");
  EXPECT_EQ(apply.procedure->spec.semantics, server::Semantics::at_most_once);
  EXPECT_EQ(apply.program->name, "CALCPROG");
  const server::Route add =
      const_cast<server::Registry&>(server_->registry()).route(calc::CALCPROG, calc::CALCVERS, calc::CALC_ADD);
  ASSERT_EQ(add.kind, server::Route::Kind::found);
  EXPECT_EQ(add.procedure->spec.semantics, server::Semantics::idempotent);
  // Procedure 7 is not in the contract.
  calc::CALCVERS_client c(connect(endpoints_[0]));
  EXPECT_EQ(c.client().call_sync(calc::CALCPROG, calc::CALCVERS, 7).error.code, Errc::proc_unavail);
}

TEST_P(StubsTest, PerCallOptionsApply) {
  calc::CALCVERS_client c(connect(endpoints_[1]), {.timeout = milliseconds(5)});
  // CALC_LATER answers after 20 ms: the stub's own 5 ms timeout expires first, a longer one per call does not.
  EXPECT_EQ(c.calc_later_sync("a").error.code, Errc::timed_out);
  EXPECT_TRUE(c.calc_later_sync("b", {.timeout = milliseconds(5000)}).ok());
}

INSTANTIATE_TEST_SUITE_P(Backends, StubsTest,
                         ::testing::Values(core::BackendKind::select, core::BackendKind::epoll,
                                           core::BackendKind::io_uring),
                         [](const auto& p) { return std::string(core::to_string(p.param)); });

}  // namespace
}  // namespace nelson::gen::test
