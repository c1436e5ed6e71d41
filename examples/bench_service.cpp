#include "examples/bench_service.hpp"

#include <algorithm>
#include <list>
#include <memory>
#include <span>

namespace nelson::examples {
namespace {

using server::Call;
using server::ReplyHandle;
using server::Status;

bool decode_sum(xdr::Decoder& d, std::int64_t& sum) {
  std::uint32_t n = 0;
  if (!d.get_count(n, xdr::kUnbounded, 4)) return false;
  sum = 0;
  for (std::uint32_t i = 0; i < n; ++i) {
    std::int32_t v = 0;
    if (!d.get_int(v)) return false;
    sum += v;
  }
  return d.expect_end();
}

// Delayed answers for the asynchronous mode: each owns its timer and its reply handle.
class DelayedReplies {
 public:
  explicit DelayedReplies(core::TimerQueue& timers) : timers_(&timers) {}
  template <class Answer>
  void add(std::chrono::milliseconds delay, ReplyHandle handle, Answer answer) {
    auto& item = items_.emplace_back();
    auto it = std::prev(items_.end());
    item.handle = std::move(handle);
    item.timer = std::make_unique<core::Timer>(*timers_, [this, it, answer] {
      answer(it->handle);
      // Erase later: this lambda lives inside the timer being fired.
      timers_done_.splice(timers_done_.end(), items_, it);
    });
    item.timer->arm_after(delay);
    timers_done_.clear();
  }

 private:
  struct Item {
    ReplyHandle handle;
    std::unique_ptr<core::Timer> timer;
  };
  core::TimerQueue* timers_;
  std::list<Item> items_;
  std::list<Item> timers_done_;
};

}  // namespace

void register_bench_service(server::Server& server, const BenchServiceOptions& options) {
  const auto semantics = [&](std::uint32_t proc) {
    const bool amo =
        std::find(options.at_most_once.begin(), options.at_most_once.end(), proc) != options.at_most_once.end();
    return amo ? server::Semantics::at_most_once : server::Semantics::idempotent;
  };
  server.name_program(kBenchProg, "BENCHPROG");
  server.add_procedure(kBenchProg, kBenchVers, kBenchNull, {"BENCH_NULL", semantics(kBenchNull)},
                       [](Call& call) { return call.args().expect_end() ? Status::success : Status::garbage_args; });

  if (options.async_delay.count() == 0) {
    server.add_procedure(kBenchProg, kBenchVers, kBenchEcho, {"BENCH_ECHO", semantics(kBenchEcho)}, [](Call& call) {
      std::span<const std::byte> data;
      if (!call.args().view_opaque(data) || !call.args().expect_end()) return Status::garbage_args;
      call.reply([&](xdr::Encoder& e) { e.put_opaque(data); });
      return Status::success;
    });
    server.add_procedure(kBenchProg, kBenchVers, kBenchSum, {"BENCH_SUM", semantics(kBenchSum)}, [](Call& call) {
      std::int64_t sum = 0;
      if (!decode_sum(call.args(), sum)) return Status::garbage_args;
      call.reply([&](xdr::Encoder& e) { e.put_hyper(sum); });
      return Status::success;
    });
    return;
  }

  auto delayed = std::make_shared<DelayedReplies>(server.loop().timers());
  const auto delay = options.async_delay;
  server.add_procedure(
      kBenchProg, kBenchVers, kBenchEcho, {"BENCH_ECHO", semantics(kBenchEcho)}, [delayed, delay](Call& call) {
        std::span<const std::byte> data;
        if (!call.args().view_opaque(data) || !call.args().expect_end()) return Status::garbage_args;
        // The view stays valid: the handle keeps the call's bytes alive.
        delayed->add(delay, call.defer(),
                     [data](ReplyHandle& h) { h.reply([&](xdr::Encoder& e) { e.put_opaque(data); }); });
        return Status::deferred;
      });
  server.add_procedure(kBenchProg, kBenchVers, kBenchSum, {"BENCH_SUM", semantics(kBenchSum)},
                       [delayed, delay](Call& call) {
                         std::int64_t sum = 0;
                         if (!decode_sum(call.args(), sum)) return Status::garbage_args;
                         delayed->add(delay, call.defer(),
                                      [sum](ReplyHandle& h) { h.reply([&](xdr::Encoder& e) { e.put_hyper(sum); }); });
                         return Status::deferred;
                       });
}

}  // namespace nelson::examples
