// Heap allocations per call in steady state, client and in-process server together: the
// global operator new is replaced in this binary (its own test executable, so no other suite
// is affected) to count them. After a warm-up (pools, slice vectors and the xid table at their
// working sizes) calls must not allocate, retry-safe or not (a retry-safe call's kept slice
// vector is reused with its Pending). The bound is one allocation per 100 calls, not zero: the
// server's stream path still grows a slice vector now and then (RecordReader assembling a
// record that straddles slabs, a connection's output chain), about 2 in 1,600 calls on the
// readiness backends; a per-call allocation anywhere gives 1,600. The same holds for calls
// through a generated stub (its callback wraps the user's and a decoder: 64 bytes, inline).
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <new>

#include "bench.hpp"
#include "tests/client/client_test_fixture.hpp"

namespace {
std::atomic<std::uint64_t> g_allocations{0};
}  // namespace

// The replaceable global allocation functions (counting, then malloc). GCC cannot see that new
// and delete here are a malloc/free pair and warns where it inlines them.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return ::operator new(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
#pragma GCC diagnostic pop

namespace nelson::client::test {
namespace {

class ClientAllocations : public ClientTest {
 protected:
  // Runs `rounds` rounds of `depth` pipelined SUM calls; returns the allocations they made.
  std::uint64_t run_rounds(Client& c, int rounds, int depth, bool retry_safe) {
    const std::int32_t values[2] = {20, 22};
    CallOptions options;
    options.retry_safe = retry_safe;
    int answered = 0;
    int failed = 0;
    const std::uint64_t before = g_allocations.load();
    for (int round = 0; round < rounds; ++round) {
      const int target = answered + depth;
      for (int i = 0; i < depth; ++i) {
        c.call(
            kBenchProg, kBenchVers, kBenchSum,
            [&](xdr::Encoder& e) { e.put_array(std::span<const std::int32_t>(values, 2)); }, options,
            [&](const CallResult& r) {
              ++answered;
              if (!r.ok()) ++failed;
            });
      }
      if (!run_until([&] { return answered >= target; })) {
        ADD_FAILURE() << "calls not answered";
        break;
      }
    }
    const std::uint64_t made = g_allocations.load() - before;
    EXPECT_EQ(failed, 0);
    return made;
  }
};

TEST_P(ClientAllocations, SteadyStateCallsAllocateNothing) {
  start();
  if (IsSkipped()) return;
  listen();
  for (const core::Endpoint& ep : endpoints_) {
    for (const bool retry_safe : {false, true}) {
      SCOPED_TRACE(ep.to_string() + (retry_safe ? " retry-safe" : ""));
      auto c = connect(ep);
      ASSERT_TRUE(c);
      run_rounds(*c, 20, 32, retry_safe);  // warm-up
      constexpr int kRounds = 50;
      constexpr int kDepth = 32;
      const std::uint64_t made = run_rounds(*c, kRounds, kDepth, retry_safe);
      std::printf("%-28s %-10s %s: %llu allocations in %d calls\n", ep.to_string().c_str(),
                  retry_safe ? "retry-safe" : "plain", std::string(core::to_string(GetParam())).c_str(),
                  static_cast<unsigned long long>(made), kRounds * kDepth);
      EXPECT_LT(made, static_cast<std::uint64_t>(kRounds * kDepth / 100));
    }
  }
}

TEST_P(ClientAllocations, SteadyStateStubCallsAllocateNothing) {
  start();
  if (IsSkipped()) return;
  listen();
  const core::Endpoint& ep = endpoints_.front();
  auto c = connect(ep);
  ASSERT_TRUE(c);
  examples::bench::BENCHVERS_client stub(*c);
  const examples::bench::bench_ints values{20, 22};
  int answered = 0;
  int wrong = 0;
  // The user's callback captures 3 references: 24 bytes, over std::function's 16.
  auto rounds = [&](int n, int depth) {
    const std::uint64_t before = g_allocations.load();
    for (int round = 0; round < n; ++round) {
      const int target = answered + depth;
      for (int i = 0; i < depth; ++i) {
        stub.bench_sum(values, [&answered, &wrong, &values](Reply<std::int64_t>& r) {
          ++answered;
          if (!r.ok() || r.value != values[0] + values[1]) ++wrong;
        });
      }
      if (!run_until([&] { return answered >= target; })) {
        ADD_FAILURE() << "calls not answered";
        break;
      }
    }
    return g_allocations.load() - before;
  };
  rounds(20, 32);  // warm-up
  constexpr int kRounds = 50;
  constexpr int kDepth = 32;
  const std::uint64_t made = rounds(kRounds, kDepth);
  std::printf("%-28s %-10s %s: %llu allocations in %d calls\n", ep.to_string().c_str(), "stub",
              std::string(core::to_string(GetParam())).c_str(), static_cast<unsigned long long>(made),
              kRounds * kDepth);
  EXPECT_EQ(wrong, 0);
  EXPECT_LT(made, static_cast<std::uint64_t>(kRounds * kDepth / 100));
}

INSTANTIATE_TEST_SUITE_P(Backends, ClientAllocations,
                         ::testing::Values(core::BackendKind::select, core::BackendKind::epoll,
                                           core::BackendKind::io_uring),
                         [](const auto& p) { return std::string(core::to_string(p.param)); });

}  // namespace
}  // namespace nelson::client::test
