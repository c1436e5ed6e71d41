// The bench.x service on the skeleton nelson-gen writes from examples/bench.x: the handlers
// get decoded arguments and fill results; decoding, encoding and registration are generated.
#include "examples/bench_service.hpp"

#include <list>
#include <memory>
#include <numeric>

namespace nelson::examples {
namespace {

using server::Call;
using server::ReplyHandle;
using server::Status;

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

class BenchService final : public bench::BENCHVERS_service {
 public:
  BenchService(core::TimerQueue& timers, std::chrono::milliseconds delay) : delayed_(timers), delay_(delay) {}

  Status bench_null(Call&) override { return Status::success; }

  Status bench_echo(Call& call, const bench::bench_bytes& data, bench::bench_bytes& result) override {
    if (delay_.count() == 0) {
      result = data;  // a view of the call's bytes: nothing is copied
      return Status::success;
    }
    // The view stays valid while the handle lives: the handle keeps the call's bytes.
    delayed_.add(delay_, call.defer(), [data](ReplyHandle& h) { reply_bench_echo(h, data); });
    return Status::deferred;
  }

  Status bench_sum(Call& call, const bench::bench_ints& ints, std::int64_t& result) override {
    result = std::accumulate(ints.begin(), ints.end(), std::int64_t{0});
    if (delay_.count() == 0) return Status::success;
    delayed_.add(delay_, call.defer(), [result](ReplyHandle& h) { reply_bench_sum(h, result); });
    return Status::deferred;
  }

 private:
  DelayedReplies delayed_;
  std::chrono::milliseconds delay_;
};

}  // namespace

bool register_bench_service(server::Server& server, const BenchServiceOptions& options) {
  auto service = std::make_shared<BenchService>(server.loop().timers(), options.async_delay);
  const bool ok = service->register_on(server, {.at_most_once = options.at_most_once});
  server.keep_alive(std::move(service));  // the registered handlers point to it
  return ok;
}

}  // namespace nelson::examples
