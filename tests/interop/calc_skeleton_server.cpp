// nelson-interop-calc-skeleton: tests/gen/contracts/calc.x served by the server skeletons
// nelson-gen writes for it (calc::CALCVERS_service, calc::CALCVERS2_service). The peer of the
// rpcgen/libtirpc C client (calc_client_main.c).
//
//   nelson-interop-calc-skeleton [BACKEND]
//
// Listens on tcp://127.0.0.1:0 and udp://127.0.0.1:0, prints "tcp PORT", "udp PORT",
// "backend NAME" and "ready"; SIGTERM drains the server, then it prints "drained" and its
// counters and exits 0. The procedures mean what nelson-interop-calc-server's do (see
// calc_server_main.c), so that the C client and the C++ client expect the same answers; here
// CALC_LATER answers 20 ms later from a timer (a deferred reply) and leaves an answer over
// MAXNAME to the server (SYSTEM_ERR when the results do not encode), and an undeclared calc_op
// is refused by the skeleton's decoder before the handler runs.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "calc.hpp"
#include "core/loop.hpp"
#include "server/server.hpp"

namespace core = nelson::core;
namespace server = nelson::server;
using server::Call;
using server::Status;

namespace {

constexpr std::uint32_t kMaxList = 100000;

class Calc final : public calc::CALCVERS_service {
 public:
  explicit Calc(core::Loop& loop) : loop_(&loop) {}

  Status calc_null(Call&) override { return Status::success; }

  Status calc_apply(Call&, calc::calc_op op, const calc::operands& in, calc::outcome& result) override {
    std::int64_t value = 0;
    bool overflow = false;
    switch (op) {
      case calc::calc_op::CALC_OP_ADD: overflow = __builtin_add_overflow(in.a, in.b, &value); break;
      case calc::calc_op::CALC_OP_SUB: overflow = __builtin_sub_overflow(in.a, in.b, &value); break;
      case calc::calc_op::CALC_OP_DIV:
        if (in.b == 0) {
          result.select(1);
          *result.reason() = "division by zero";
          return Status::success;
        }
        overflow = in.a == std::numeric_limits<std::int64_t>::min() && in.b == -1;
        if (!overflow) value = in.a / in.b;
        break;
    }
    if (overflow) {
      result.select(2);  // the default arm: void
    } else {
      result.select(0);
      *result.value() = value;
    }
    return Status::success;
  }

  Status calc_add(Call&, std::int32_t a, std::int32_t b, std::int64_t& result) override {
    result = std::int64_t{a} + b;
    return Status::success;
  }

  Status calc_list(Call&, std::uint32_t n, calc::itemlist& result) override {
    if (n > kMaxList) return Status::system_err;
    calc::item* tail = nullptr;
    for (std::uint32_t i = 0; i < n; ++i) {
      calc::item node;
      node.name = "item" + std::to_string(i);
      node.count = static_cast<std::int32_t>(i);
      if (tail == nullptr) {
        result.emplace(std::move(node));
        tail = &*result;
      } else {
        tail->next = std::make_unique<calc::item>(std::move(node));
        tail = tail->next.get();
      }
    }
    return Status::success;
  }

  Status calc_count(Call&, const calc::itemlist& list, std::int32_t& result) override {
    result = 0;
    for (const calc::item* at = list ? &*list : nullptr; at != nullptr; at = at->next.get()) result += at->count;
    return Status::success;
  }

  Status calc_later(Call& call, const calc::calc_name& name, calc::calc_name&) override {
    // An answer over calc_name's maximum (a name of more than MAXNAME - 6) does not encode:
    // the server answers SYSTEM_ERR then, as rpcgen's stubs do (the C client checks it).
    std::string answer = "later " + name;
    auto handle = std::make_shared<server::ReplyHandle>(call.defer());
    // The timers live as long as the service (a timer is not destroyed inside its own callback).
    timers_.push_back(std::make_unique<core::Timer>(
        loop_->timers(), [handle, answer = std::move(answer)] { reply_calc_later(*handle, answer); }));
    timers_.back()->arm_after(std::chrono::milliseconds(20));
    return Status::deferred;
  }

  Status calc_refuse(Call& call) override {
    call.deny(nelson::rpc::AuthStat::auth_tooweak);
    return Status::denied;
  }

 private:
  core::Loop* loop_;
  std::vector<std::unique_ptr<core::Timer>> timers_;
};

class Calc2 final : public calc::CALCVERS2_service {
 public:
  Status calc_add(Call&, std::int32_t a, std::int32_t b, std::int64_t& result) override {
    result = std::int64_t{a} + b;
    return Status::success;
  }
};

}  // namespace

int main(int argc, char** argv) {
  core::LoopOptions loop_options;
  if (argc > 2 || (argc == 2 && !core::parse_backend(argv[1], loop_options.backend))) {
    std::fprintf(stderr, "usage: %s [auto|io_uring|epoll|kqueue|select]\n", argv[0]);
    return 2;
  }
  auto created = core::Loop::create(loop_options);
  if (!created) {
    std::fprintf(stderr, "nelson-interop-calc-skeleton: %s\n", created.error().message.c_str());
    return 1;
  }
  auto loop = std::move(created).value();
  server::Server srv(*loop);
  Calc calc(*loop);
  Calc2 calc2;
  if (!calc.register_on(srv) || !calc2.register_on(srv)) {
    std::fprintf(stderr, "nelson-interop-calc-skeleton: registration refused\n");
    return 1;
  }
  for (const char* text : {"tcp://127.0.0.1:0", "udp://127.0.0.1:0"}) {
    auto bound = srv.listen(*core::parse_endpoint(text));
    if (!bound) {
      std::fprintf(stderr, "nelson-interop-calc-skeleton: %s: %s\n", text, bound.error().message.c_str());
      return 1;
    }
    std::printf("%s %u\n", std::string(core::to_string(bound->transport)).c_str(),
                static_cast<unsigned>(bound->address.port()));
  }
  if (auto signals = srv.drain_on_signals(); !signals) {
    std::fprintf(stderr, "nelson-interop-calc-skeleton: %s\n", signals.error().message.c_str());
    return 1;
  }
  std::printf("backend %s\nready\n", std::string(core::to_string(loop->backend_kind())).c_str());
  std::fflush(stdout);
  loop->run();
  std::printf("drained\n%s", srv.format_stats().c_str());
  return 0;
}
