// nelson-bench-echo: TCP echo over loopback through the nelson reactor, once per backend.
//
//   BM_Echo_PingPong/<backend>    1 connection, one 64-byte message at a time: the round trip.
//                                 Counters p50_us, p99_us (per-message round trip, wall clock).
//   BM_Echo_Pipelined/<backend>   16 connections x 16 messages of 64 bytes in flight: throughput.
//
// Both report items_per_second (messages echoed per second of wall time, UseRealTime) and
// srv_cpu_us (the server thread's CPU time per message, the fair efficiency figure on a
// machine where the loopback round trip costs the same whatever the server does). The server
// loop runs on its own thread pinned to CPU 0, the client loop on the main thread pinned to
// CPU 1 (no pinning with fewer than 2 CPUs). Backends: select, epoll and io_uring, each where
// Loop::create gives it (io_uring falls back silently elsewhere, so it is then left out).
// Every benchmark checks one echo byte for byte before timing, and fails rather than hangs
// when an echo does not come back within 5 s.
//
//   nelson-bench-echo --benchmark_repetitions=5 --benchmark_enable_random_interleaving=true
//                     --benchmark_report_aggregates_only=true
#include <pthread.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <benchmark/benchmark.h>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <future>
#include <memory>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "core/loop.hpp"

namespace {

using benchmark::State;
using nelson::core::BackendKind;
using nelson::core::Clock;
using nelson::core::Endpoint;
using nelson::core::Loop;
using nelson::core::Slice;
using nelson::core::Stream;
using std::chrono::milliseconds;

constexpr std::size_t kMessage = 64;
constexpr std::size_t kConnections = 16;
constexpr std::size_t kDepth = 16;  // messages in flight per connection
constexpr auto kStall = std::chrono::seconds(5);
constexpr std::size_t kMaxSamples = std::size_t{1} << 22;

/// Pins the calling thread to `cpu` when the machine has at least two CPUs we may use.
bool pin_to(int cpu) {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0 || CPU_COUNT(&allowed) < 2) return false;
  if (!CPU_ISSET(0, &allowed) || !CPU_ISSET(1, &allowed)) return false;
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(cpu, &one);
  return pthread_setaffinity_np(pthread_self(), sizeof(one), &one) == 0;
}

std::unique_ptr<Loop> make_loop(BackendKind kind, std::string& error) {
  auto loop = Loop::create({.backend = kind});
  if (!loop) {
    error = loop.error().message;
    return nullptr;
  }
  if ((*loop)->backend_kind() != kind) {
    error = (*loop)->fallback_reason();
    return nullptr;
  }
  return std::move(loop.value());
}

/// An echo server on its own thread and loop, pinned to CPU 0, for the lifetime of the object.
class EchoServer {
 public:
  explicit EchoServer(BackendKind kind) {
    std::promise<void> ready;
    thread_ = std::thread([this, kind, &ready] { serve(kind, ready); });
    ready.get_future().wait();
  }
  ~EchoServer() {
    quit_.store(true, std::memory_order_relaxed);
    thread_.join();
  }
  EchoServer(const EchoServer&) = delete;
  EchoServer& operator=(const EchoServer&) = delete;

  [[nodiscard]] const std::string& error() const noexcept { return error_; }
  [[nodiscard]] const Endpoint& endpoint() const noexcept { return endpoint_; }
  /// CPU time the server thread has used so far, in seconds.
  [[nodiscard]] double cpu_seconds() {
    clockid_t clock{};
    timespec ts{};
    if (pthread_getcpuclockid(thread_.native_handle(), &clock) != 0 || clock_gettime(clock, &ts) != 0) return 0;
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
  }

 private:
  void serve(BackendKind kind, std::promise<void>& ready) {
    pin_to(0);
    std::unique_ptr<Loop> loop = make_loop(kind, error_);
    if (loop) {
      auto listener = loop->listen(*nelson::core::parse_endpoint("tcp://127.0.0.1:0"));
      if (listener) {
        endpoint_ = (*listener)->endpoint();
        (*listener)->on_accept = [](Stream& s) {
          s.on_data = [](Stream& st, const Slice& bytes) { (void)st.write_copy(bytes.bytes()); };
          s.on_eof = [](Stream& st) { st.close(); };
          s.start_reading();
        };
      } else {
        error_ = listener.error().message;
      }
    }
    const bool ok = error_.empty();
    ready.set_value();  // `ready` is gone after this: the constructor returns
    if (!ok) return;
    while (!quit_.load(std::memory_order_relaxed)) loop->run_once(milliseconds(5));
  }

  std::thread thread_;
  std::atomic<bool> quit_{false};
  std::string error_;
  Endpoint endpoint_;
};

/// Runs `loop` until `done()`; false (and the benchmark marked failed) after kStall without it.
template <class Done>
bool run_until(State& state, Loop& loop, Done done) {
  const auto start = Clock::now();
  while (!done()) {
    loop.run_once(milliseconds(100));
    if (!done() && Clock::now() - start > kStall) {
      state.SkipWithError("an echo did not come back within 5 s");
      return false;
    }
  }
  return true;
}

std::array<std::byte, kMessage * kDepth> message_bytes() {
  std::array<std::byte, kMessage * kDepth> bytes{};
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::byte>('a' + i % 26);
  return bytes;
}

/// Connects `count` client streams to `server` and waits until all are connected.
std::vector<Stream*> connect_all(State& state, Loop& loop, const EchoServer& server, std::size_t count) {
  std::vector<Stream*> streams;
  std::size_t connected = 0;
  for (std::size_t i = 0; i < count; ++i) {
    auto s = loop.connect(server.endpoint());
    if (!s) {
      state.SkipWithError(s.error().message.c_str());
      return {};
    }
    (*s)->on_connect = [&connected](Stream&) { ++connected; };
    streams.push_back(*s);
  }
  if (!run_until(state, loop, [&] { return connected == count; })) return {};
  for (Stream* s : streams) s->on_connect = nullptr;
  return streams;
}

void close_all(Loop& loop, const std::vector<Stream*>& streams) {
  for (Stream* s : streams) s->close();
  for (int i = 0; i < 100 && loop.handle_count() != 0; ++i) loop.run_once(milliseconds(10));
}

void BM_Echo_PingPong(State& state, BackendKind kind) {
  EchoServer server(kind);
  std::string error = server.error();
  std::unique_ptr<Loop> loop = error.empty() ? make_loop(kind, error) : nullptr;
  if (!loop) {
    state.SkipWithError(error.c_str());
    return;
  }
  const std::vector<Stream*> streams = connect_all(state, *loop, server, 1);
  if (streams.empty()) return;
  Stream& stream = *streams.front();
  const auto all = message_bytes();
  const std::span<const std::byte> message(all.data(), kMessage);
  std::size_t received = 0;
  std::vector<std::byte> first_echo;
  stream.on_data = [&](Stream&, const Slice& b) {
    received += b.length;
    if (first_echo.size() < kMessage) first_echo.insert(first_echo.end(), b.bytes().begin(), b.bytes().end());
  };
  stream.start_reading();
  // Checked once, outside the timing: the echo is byte for byte what was sent.
  if (!stream.write_copy(message) || !run_until(state, *loop, [&] { return received == kMessage; })) return;
  if (!std::equal(message.begin(), message.end(), first_echo.begin(), first_echo.end())) {
    state.SkipWithError("the echo differs from the message");
    return;
  }

  std::vector<std::int64_t> round_trips;
  round_trips.reserve(std::min<std::size_t>(static_cast<std::size_t>(state.max_iterations), kMaxSamples));
  const double cpu_before = server.cpu_seconds();
  for (auto _ : state) {
    const auto start = Clock::now();
    received = 0;
    (void)stream.write_copy(message);  // leaves in this run_once's flush, before it polls
    if (!run_until(state, *loop, [&] { return received == kMessage; })) break;
    if (round_trips.size() < round_trips.capacity()) {
      round_trips.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count());
    }
  }
  const double cpu = server.cpu_seconds() - cpu_before;
  close_all(*loop, streams);
  if (round_trips.empty()) return;
  std::sort(round_trips.begin(), round_trips.end());
  const auto percentile = [&](double p) {
    return static_cast<double>(round_trips[static_cast<std::size_t>(p * static_cast<double>(round_trips.size() - 1))]) /
           1e3;
  };
  const auto messages = static_cast<double>(state.iterations());
  state.counters["p50_us"] = percentile(0.50);
  state.counters["p99_us"] = percentile(0.99);
  state.counters["srv_cpu_us"] = cpu * 1e6 / messages;
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(kMessage));
}

void BM_Echo_Pipelined(State& state, BackendKind kind) {
  EchoServer server(kind);
  std::string error = server.error();
  std::unique_ptr<Loop> loop = error.empty() ? make_loop(kind, error) : nullptr;
  if (!loop) {
    state.SkipWithError(error.c_str());
    return;
  }
  const std::vector<Stream*> streams = connect_all(state, *loop, server, kConnections);
  if (streams.empty()) return;
  const auto all = message_bytes();
  struct Connection {
    std::size_t received = 0;  // bytes
    std::size_t sent = 0;      // bytes
  };
  std::vector<Connection> connections(kConnections);
  std::uint64_t completed = 0;  // messages echoed, all connections
  bool refill = true;
  for (std::size_t i = 0; i < kConnections; ++i) {
    streams[i]->on_data = [&, i](Stream& s, const Slice& b) {
      Connection& c = connections[i];
      const std::size_t before = c.received / kMessage;
      c.received += b.length;
      const std::size_t now_complete = c.received / kMessage - before;
      completed += now_complete;
      // Keep kDepth messages in flight: one new message for each one that came back.
      if (refill && now_complete != 0) {
        (void)s.write_copy(std::span(all.data(), now_complete * kMessage));
        c.sent += now_complete * kMessage;
      }
    };
    streams[i]->start_reading();
    if (!streams[i]->write_copy(all)) {
      state.SkipWithError("slab pool exhausted");
      return;
    }
    connections[i].sent = all.size();
  }
  const auto drained = [&] {
    return std::all_of(connections.begin(), connections.end(),
                       [](const Connection& c) { return c.received == c.sent; });
  };
  // Warm-up: every connection has one full window echoed.
  if (!run_until(state, *loop, [&] { return completed >= kConnections * kDepth; })) return;

  constexpr std::uint64_t kBatch = kConnections * kDepth;  // messages per benchmark iteration
  std::uint64_t target = completed;
  const double cpu_before = server.cpu_seconds();
  for (auto _ : state) {
    target += kBatch;
    if (!run_until(state, *loop, [&] { return completed >= target; })) break;
  }
  const double cpu = server.cpu_seconds() - cpu_before;
  refill = false;
  run_until(state, *loop, drained);
  close_all(*loop, streams);
  const auto messages = static_cast<std::int64_t>(state.iterations() * kBatch);
  if (messages != 0) state.counters["srv_cpu_us"] = cpu * 1e6 / static_cast<double>(messages);
  state.SetItemsProcessed(messages);
  state.SetBytesProcessed(messages * static_cast<std::int64_t>(kMessage));
}

}  // namespace

int main(int argc, char** argv) {
  // The client side (the benchmarks themselves) runs on CPU 1; each server thread pins to 0.
  if (!pin_to(1)) std::fprintf(stderr, "nelson-bench-echo: fewer than 2 CPUs, not pinning\n");
  std::deque<std::string> names;  // registered names stay alive until the run is over
  for (BackendKind kind : {BackendKind::select, BackendKind::epoll, BackendKind::io_uring}) {
    std::string why;
    if (!make_loop(kind, why)) {
      std::fprintf(stderr, "nelson-bench-echo: %s left out: %s\n", std::string(to_string(kind)).c_str(), why.c_str());
      continue;
    }
    const std::string backend(to_string(kind));
    names.push_back("BM_Echo_PingPong/" + backend);
    benchmark::RegisterBenchmark(names.back().c_str(), [kind](State& s) { BM_Echo_PingPong(s, kind); })
        ->UseRealTime()
        ->Unit(benchmark::kMicrosecond);
    names.push_back("BM_Echo_Pipelined/" + backend);
    benchmark::RegisterBenchmark(names.back().c_str(), [kind](State& s) { BM_Echo_Pipelined(s, kind); })
        ->UseRealTime()
        ->Unit(benchmark::kMicrosecond);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
