// ReadinessBackend: the engine shared by select, epoll and kqueue. A Poller says which
// descriptors are ready; this engine does the I/O (read, accept4, writev, recvmsg) and calls
// the handles' callbacks. Each poller is a small file of its own.
#pragma once

#include <array>
#include <chrono>
#include <memory>

#include "core/backend.hpp"
#include "core/log.hpp"
#include "core/poller.hpp"

namespace nelson::core {

/// Handle::backend_flags before the descriptor was ever given to the poller.
inline constexpr std::uint32_t kNotRegistered = 0x80000000U;
/// Events taken from the poller per wait.
inline constexpr std::size_t kMaxFired = 256;

/// Milliseconds for epoll_wait/poll, rounded up so a timer is never woken for too early.
[[nodiscard]] int timeout_ms(std::chrono::nanoseconds timeout) noexcept;

class ReadinessBackend final : public Backend {
 public:
  ReadinessBackend(Loop& loop, BackendKind kind, std::unique_ptr<Poller> poller);
  ~ReadinessBackend() override;

  [[nodiscard]] BackendKind kind() const noexcept override { return kind_; }
  int attach(Handle& handle) noexcept override;
  void update(Handle& handle) noexcept override;
  void detach(Handle& handle) noexcept override;
  void flush(Stream& stream) noexcept override;
  void poll(std::chrono::nanoseconds timeout) noexcept override;

 private:
  [[nodiscard]] std::uint32_t wanted(const Handle& handle) const noexcept;
  void apply(Handle& handle) noexcept;
  void on_stream(Stream& stream, std::uint32_t events) noexcept;
  void read_stream(Stream& stream) noexcept;
  void finish_connect(Stream& stream) noexcept;
  void on_listener(Listener& listener) noexcept;
  void refuse_connection(Listener& listener) noexcept;
  void on_datagram(DatagramSocket& socket) noexcept;

  Loop& loop_;
  BackendKind kind_;
  std::unique_ptr<Poller> poller_;
  std::array<Fired, kMaxFired> fired_{};
  int spare_fd_ = -1;  // closed to make room for one accept when descriptors run out
  RateLimitedLog emfile_log_;
};

}  // namespace nelson::core
