// nelson::core::Loop — the single-threaded reactor everything runs on.
//
//   auto loop = Loop::create({.backend = BackendKind::automatic});   // io_uring > epoll > select
//   auto listener = (*loop)->listen(*parse_endpoint("tcp://127.0.0.1:20099"));
//   (*listener)->on_accept = [](Stream& s) {
//     s.on_data = [](Stream& s, const Slice& bytes) { s.write_copy(bytes.bytes()); };   // echo
//     s.start_reading();
//   };
//   (*loop)->on_signal(SIGTERM, [&](int) { (*loop)->stop(); });
//   (*loop)->run();
//
// One loop per thread, nothing locked: scale out with one loop per core (SO_REUSEPORT).
// Each iteration runs named phases, in this order:
//   1. timers   — "now" is read once; every due timer fires
//   2. posted   — callbacks queued with post()
//   3. poll     — the backend waits (no longer than the nearest timer) and dispatches I/O
//   4. flush    — every stream with queued output writes it: one writev/submission each
//   5. close    — handles closed during the iteration are freed, after their on_close
// so replies produced anywhere in an iteration leave together, and nothing is freed while a
// callback on it may still be running.
#pragma once

#include <csignal>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/address.hpp"
#include "core/backend.hpp"
#include "core/handle.hpp"
#include "core/result.hpp"
#include "core/slab.hpp"
#include "core/timer.hpp"

namespace nelson::core {

struct LoopOptions {
  BackendKind backend = BackendKind::automatic;
  std::size_t slab_size = SlabPool::kDefaultSlabSize;
  std::size_t max_slabs = SlabPool::kDefaultMaxSlabs;
  /// Bytes one stream may read per wake-up, so one busy peer cannot starve the others.
  std::size_t max_read_per_wakeup = std::size_t{256} * 1024;
  /// listen() backlog.
  int backlog = 1024;
};

struct LoopStats {
  std::uint64_t iterations = 0;
  std::uint64_t bytes_read = 0;
  std::uint64_t bytes_written = 0;
  std::uint64_t write_calls = 0;       // writev/sendmsg calls or send submissions
  std::uint64_t accept_refused = 0;    // connections closed at once for lack of descriptors
  std::uint64_t datagrams_copied = 0;  // io_uring: delivered as a copy, the ring nearly all held by users
};

namespace loop_testing {
/// Makes loops created afterwards use the portable self-pipe for signals even where signalfd
/// exists, so that path is tested on Linux too.
void use_self_pipe_signals(bool on) noexcept;
}  // namespace loop_testing

class Loop {
 public:
  /// A loop on the requested backend. `automatic` tries io_uring, epoll or kqueue, then
  /// select, and records why each better one was passed over (fallback_reason()).
  static Result<std::unique_ptr<Loop>> create(const LoopOptions& options = {});
  ~Loop();
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  /// Runs iterations until stop(). Returns at the end of the iteration in which stop() was called.
  void run();
  /// Runs one iteration, waiting at most `max_wait` for I/O.
  void run_once(std::chrono::nanoseconds max_wait = std::chrono::nanoseconds::max());
  void stop() noexcept { stop_ = true; }

  /// Runs `fn` in the next iteration's posted phase (same thread only).
  void post(std::function<void()> fn);
  /// Delivers `signo` (SIGINT, SIGTERM, ...) as a loop event instead of an async handler:
  /// through a signalfd on Linux (the signal is blocked in this thread), else through a
  /// self-pipe written by a sigaction handler (one loop per process may own signals then).
  Result<bool> on_signal(int signo, std::function<void(int)> fn);

  Result<Listener*> listen(const Endpoint& endpoint);
  Result<Stream*> connect(const Endpoint& endpoint);
  Result<DatagramSocket*> open_datagram(const Endpoint& bind_to);
  /// Takes over a socket bound (and for streams listening) by someone else — systemd's socket
  /// activation, inetd, a supervisor: a listening SOCK_STREAM socket (TCP or UNIX) becomes a
  /// Listener, a SOCK_DGRAM socket (UDP) a DatagramSocket. The loop owns and closes it. An
  /// error for anything else (a connected stream, another family, not a socket).
  Result<Handle*> adopt_socket(int fd);

  [[nodiscard]] TimerQueue& timers() noexcept { return timers_; }
  [[nodiscard]] SlabPool& pool() noexcept { return pool_; }
  [[nodiscard]] const LoopOptions& options() const noexcept { return options_; }
  [[nodiscard]] LoopStats& stats() noexcept { return stats_; }
  [[nodiscard]] BackendKind backend_kind() const noexcept { return backend_->kind(); }
  /// Why better backends were not used ("io_uring: Operation not permitted; ..."), or empty.
  [[nodiscard]] const std::string& fallback_reason() const noexcept { return fallback_reason_; }
  [[nodiscard]] std::size_t handle_count() const noexcept { return handles_.size(); }

  // --- for backends and handles --------------------------------------------------------------
  [[nodiscard]] Backend& backend() noexcept { return *backend_; }
  /// Adopts an accepted descriptor as a stream of `listener`'s transport.
  Stream* adopt_stream(int fd, Transport transport, const SocketAddress& peer);
  /// Queues a stream for the flush phase.
  void queue_flush(Stream& stream) noexcept;
  /// Queues a handle for the close phase.
  void queue_close(Handle& handle) noexcept;
  /// Reports a stream error: on_error, then close.
  void fail_stream(Stream& stream, int error) noexcept;
  /// A connect finished with `error` (0: connected): fails the stream, or re-arms it for its
  /// new wishes, calls on_connect and flushes what was queued meanwhile.
  void complete_connect(Stream& stream, int error) noexcept;

 private:
  explicit Loop(const LoopOptions& options);
  template <class H>
  H* own(std::unique_ptr<H> handle);
  void flush_phase() noexcept;
  void close_phase() noexcept;
  void read_signals() noexcept;
  void close_signals() noexcept;

  LoopOptions options_;
  TimerQueue timers_;
  SlabPool pool_;
  std::unique_ptr<Backend> backend_;
  std::string fallback_reason_;
  std::vector<std::unique_ptr<Handle>> handles_;  // every live handle; index in Handle
  std::vector<std::function<void()>> posted_;
  std::vector<std::function<void()>> running_posted_;
  Stream* flush_head_ = nullptr;
  Handle* close_head_ = nullptr;
  std::vector<std::pair<int, std::function<void(int)>>> signal_handlers_;
  Watcher* signal_watcher_ = nullptr;
  int signal_pipe_write_ = -1;  // self-pipe mode: the end the signal handler writes to
  sigset_t signal_mask_{};
  LoopStats stats_;
  bool stop_ = false;
};

}  // namespace nelson::core
