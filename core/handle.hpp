// The public handles of the reactor: Stream (TCP, UNIX), Listener, DatagramSocket (UDP).
//
// A Loop owns every handle it creates; users hold raw pointers. close() is deferred: the
// handle stops producing events at once, its memory is freed in the loop's close phase, after
// its on_close callback, so a callback may close its own handle or any other (libuv's rule:
// memory is reused only after the close callback).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>

#include "core/address.hpp"
#include "core/chain.hpp"

namespace nelson::core {

class Loop;
class Backend;

enum class HandleKind : std::uint8_t { stream, listener, datagram, watcher };

/// State shared by every kind of handle; backends see this, users see the subclasses.
class Handle {
 public:
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  virtual ~Handle();

  /// Stops all events now; frees the handle in the loop's close phase, after on_close.
  void close() noexcept;
  [[nodiscard]] bool closing() const noexcept { return closing_; }
  [[nodiscard]] int fd() const noexcept { return fd_; }
  [[nodiscard]] Loop& loop() const noexcept { return *loop_; }
  [[nodiscard]] HandleKind kind() const noexcept { return kind_; }
  /// Called once, in the close phase, just before the handle is freed.
  std::function<void()> on_close;
  /// Free for the user (e.g. the connection object this handle belongs to).
  void* user_data = nullptr;

 protected:
  Handle(Loop& loop, int fd, HandleKind kind) noexcept : loop_(&loop), fd_(fd), kind_(kind) {}

 private:
  friend class Loop;
  friend class Backend;
  friend class ReadinessBackend;
  friend class UringBackend;
  Loop* loop_;
  int fd_;
  HandleKind kind_;
  bool closing_ = false;

 public:
  // --- backend bookkeeping (not for users) ---
  std::uint32_t backend_flags = 0;  // what the backend has armed for this handle
  std::uint32_t pending_ops = 0;    // completion backends: operations still in the kernel
  Handle* next_closing = nullptr;
  std::size_t loop_index = 0;  // position in the loop's handle table
};

class Stream final : public Handle {
 public:
  /// Bytes received: a view into a refcounted slab, which the user may keep (copy what is
  /// kept for long: a small view pins a whole slab).
  std::function<void(Stream&, const Slice&)> on_data;
  /// The peer closed its side (read returned 0). Writing may go on; close() when done.
  std::function<void(Stream&)> on_eof;
  /// A connection error (reset, timeout, failed connect: `error` is the errno). The stream is
  /// closed right after this returns.
  std::function<void(Stream&, int error)> on_error;
  /// A connect() finished successfully.
  std::function<void(Stream&)> on_connect;
  /// Queued output went above the high-water mark (true) or drained below the low one (false).
  std::function<void(Stream&, bool above_high_water)> on_write_pressure;

  void start_reading() noexcept;
  void pause_reading() noexcept;
  [[nodiscard]] bool reading() const noexcept { return reading_; }

  /// Queues `data`; all output queued during one loop iteration leaves together at its end
  /// (one writev / one submission). Ignored once the stream is closing.
  void write(Chain&& data) noexcept;
  /// Copies `bytes` into the output queue. False when the slab pool is exhausted.
  [[nodiscard]] bool write_copy(std::span<const std::byte> bytes) noexcept;
  /// Room of at least `min` bytes at the end of the output queue, to encode into without a copy
  /// (the free tail of its last slab, else a fresh slab): write, then commit_output() what was
  /// written. Empty when the stream is closing or the pool has no slab. Messages encoded one by
  /// one this way share slabs and leave as one iovec, where write() of a chain per message would
  /// take a slab each.
  [[nodiscard]] std::span<std::byte> reserve_output(std::size_t min) noexcept;
  /// Queues the first `n` bytes of the room reserve_output() returned.
  void commit_output(std::size_t n) noexcept;
  /// Sends FIN once the queued output has left.
  void shutdown_write() noexcept;
  [[nodiscard]] std::size_t queued_output() const noexcept { return output_.size(); }
  void set_write_watermarks(std::size_t low, std::size_t high) noexcept {
    low_water_ = low;
    high_water_ = high;
  }

  [[nodiscard]] const SocketAddress& peer() const noexcept { return peer_; }
  [[nodiscard]] Transport transport() const noexcept { return transport_; }

  Stream(Loop& loop, int fd, Transport transport, const SocketAddress& peer) noexcept
      : Handle(loop, fd, HandleKind::stream), peer_(peer), transport_(transport) {}

 private:
  friend class Loop;
  friend class ReadinessBackend;
  friend class UringBackend;
  void output_changed() noexcept;

  Chain output_;
  SlabRef input_;  // receive slab; its tail beyond input_used_ belongs to us
  std::size_t input_used_ = 0;
  SocketAddress peer_;
  std::size_t low_water_ = std::size_t{64} * 1024;
  std::size_t high_water_ = std::size_t{1024} * 1024;
  Transport transport_;
  bool reading_ = false;
  bool connecting_ = false;
  bool above_high_ = false;
  bool shutdown_pending_ = false;
  bool flush_queued_ = false;
  Stream* next_flush_ = nullptr;
};

class Listener final : public Handle {
 public:
  /// A new connection; the stream is not reading until the callback calls start_reading().
  std::function<void(Stream&)> on_accept;
  [[nodiscard]] const Endpoint& endpoint() const noexcept { return endpoint_; }
  /// Connections accepted and closed at once because no descriptor was free (EMFILE/ENFILE).
  [[nodiscard]] std::uint64_t refused_for_descriptors() const noexcept { return refused_; }

  Listener(Loop& loop, int fd, const Endpoint& bound) noexcept
      : Handle(loop, fd, HandleKind::listener), endpoint_(bound) {}

 private:
  friend class Loop;
  friend class ReadinessBackend;
  friend class UringBackend;
  Endpoint endpoint_;
  std::uint64_t refused_ = 0;
};

struct Datagram {
  Slice data;              // the payload (a view into a slab)
  SocketAddress from;      // the sender
  SocketAddress local;     // the local address it arrived on (IP_PKTINFO), family 0 if unknown
  bool truncated = false;  // larger than the receive buffer: the tail was dropped
};

class DatagramSocket final : public Handle {
 public:
  std::function<void(DatagramSocket&, const Datagram&)> on_datagram;

  void start_reading() noexcept;
  void pause_reading() noexcept;
  /// Sends one datagram now. `local`, when set, is the source address (a reply leaves from the
  /// address the call arrived on). Returns 0 or -errno (EAGAIN: dropped, as UDP may).
  int send_to(std::span<const iovec> data, const SocketAddress& to, const SocketAddress* local = nullptr) noexcept;
  [[nodiscard]] const Endpoint& endpoint() const noexcept { return endpoint_; }
  /// Datagrams larger than the receive buffer (their tails were dropped).
  [[nodiscard]] std::uint64_t truncated_count() const noexcept { return truncated_; }

  DatagramSocket(Loop& loop, int fd, const Endpoint& bound) noexcept
      : Handle(loop, fd, HandleKind::datagram), endpoint_(bound) {}

 private:
  friend class Loop;
  friend class ReadinessBackend;
  friend class UringBackend;
  Endpoint endpoint_;
  SlabRef input_;  // receive slab, reused while no datagram view of it is kept
  std::uint64_t truncated_ = 0;
  bool reading_ = false;
};

}  // namespace nelson::core
