// server::ServiceOptions and server::ArgumentSlot — what nelson-gen's server skeletons are
// made of beyond Server::add_procedure.
//
// A skeleton (one abstract class per program version, generated from the contract) decodes
// each call's arguments into typed values, calls the handler the user overrides, and encodes
// its results:
//
//   class Bench final : public bench::BENCHVERS_service {
//     server::Status bench_sum(server::Call&, const bench::bench_ints& ints, std::int64_t& sum) override {
//       sum = std::accumulate(ints.begin(), ints.end(), std::int64_t{0});
//       return server::Status::success;
//     }
//     ...
//   };
//   Bench bench;
//   bench.register_on(server, {.at_most_once = {bench::BENCH_ECHO}});
#pragma once

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "server/program.hpp"
#include "server/server.hpp"

namespace nelson::server {

/// How a skeleton registers its procedures.
struct ServiceOptions {
  /// Procedure numbers served at most once through the duplicate-request cache (the others
  /// are idempotent: a retransmission runs them again).
  std::vector<std::uint32_t> at_most_once{};

  [[nodiscard]] Semantics semantics(std::uint32_t proc) const noexcept {
    return std::find(at_most_once.begin(), at_most_once.end(), proc) != at_most_once.end() ? Semantics::at_most_once
                                                                                           : Semantics::idempotent;
  }
};

/// A procedure's decoded arguments, kept between calls so that decoding reuses their storage
/// (a vector keeps its capacity): no allocation per call once warm. Every call's decode
/// overwrites all of it. A handler that runs the loop (a nested blocking call) may see the
/// same procedure called again meanwhile; that call gets fresh values instead.
template <class Values>
class ArgumentSlot {
 public:
  /// Runs `f(values)` on the kept values, or on fresh ones when they are in use.
  template <class F>
  auto with(F&& f) {
    if (busy_) {
      Values fresh{};
      return std::forward<F>(f)(fresh);
    }
    busy_ = true;
    struct Release {
      bool& busy;
      ~Release() { busy = false; }
    } release{busy_};
    return std::forward<F>(f)(values_);
  }

 private:
  Values values_{};
  bool busy_ = false;
};

}  // namespace nelson::server
