// server::Call — what a procedure handler sees: the call, the caller, the arguments, and the
// ways to answer.
//
//   Status echo(Call& call) {
//     std::span<const std::byte> data;                      // a view into the receive buffer
//     if (!call.args().view_opaque(data) || !call.args().expect_end()) return Status::garbage_args;
//     call.reply([&](xdr::Encoder& e) { e.put_opaque(data); });
//     return Status::success;
//   }
//
//   Status slow(Call& call) {                               // asynchronous: answer later
//     ReplyHandle h = call.defer();                         // keeps the argument bytes alive
//     timer.arm_after(1s); ... h.reply([&](xdr::Encoder& e) { e.put_int(42); });
//     return Status::deferred;
//   }
//
// A synchronous handler encodes its results with reply() before returning `success`; returning
// `success` without a reply() answers SUCCESS with no results (void procedures). Results are
// encoded straight into the connection's output slab (TCP) or the datagram (UDP).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>

#include "core/address.hpp"
#include "core/peer_credentials.hpp"
#include "rpc/auth_sys.hpp"
#include "rpc/message.hpp"
#include "xdr/decoder.hpp"
#include "xdr/encode_ref.hpp"
#include "xdr/encoder.hpp"

namespace nelson::server {

class Server;
struct PendingCall;
struct ReplyTarget;

/// What a handler tells the server.
enum class Status : std::uint8_t {
  success,       // replied with reply(), or SUCCESS with no results if it did not
  garbage_args,  // the arguments could not be decoded: GARBAGE_ARGS
  system_err,    // the server could not do it (out of memory, ...): SYSTEM_ERR
  denied,        // the handler called deny(): AUTH_ERROR went out
  deferred,      // the handler called defer(); the ReplyHandle answers later
  dropped,       // no reply at all (the call is forgotten, as a lost datagram would be): for
                 // protocols that answer some errors with silence (rpcbind's CALLIT, broadcasts)
};

/// Who called: transport, addresses and credentials (valid during the handler; copy to keep).
struct CallerInfo {
  core::Transport transport = core::Transport::tcp;
  const core::SocketAddress* peer = nullptr;
  rpc::AuthFlavor flavor = rpc::AuthFlavor::auth_none;
  /// The parsed AUTH_SYS credential when flavor is auth_sys, else null.
  const rpc::AuthSys* auth_sys = nullptr;
  /// The local address the call arrived on (a datagram's destination, a TCP connection's local
  /// end); null when unknown (UNIX sockets, or no IP_PKTINFO).
  const core::SocketAddress* local = nullptr;
  /// A UNIX-socket peer's uid/gid/pid as the kernel recorded them at connect; null otherwise.
  /// Unlike AUTH_SYS, the caller cannot forge them.
  const core::PeerCredentials* credentials = nullptr;
};

/// Encodes a procedure's results (see xdr::EncodeRef). It may be called more than once (again
/// when the results did not fit the first buffer), so it must only encode.
using ResultsWriter = xdr::EncodeRef;

/// An answer to be given later. Movable, not copyable. Exactly one of reply(), fail() or deny()
/// answers; a handle destroyed without answering answers SYSTEM_ERR (a broken promise must
/// not leave the client waiting for its timeout). Use it on the loop's thread only.
class ReplyHandle {
 public:
  ReplyHandle() noexcept = default;
  ReplyHandle(ReplyHandle&& other) noexcept
      : server_(std::exchange(other.server_, nullptr)), call_(other.call_), generation_(other.generation_) {}
  ReplyHandle& operator=(ReplyHandle&& other) noexcept;
  ReplyHandle(const ReplyHandle&) = delete;
  ReplyHandle& operator=(const ReplyHandle&) = delete;
  ~ReplyHandle();

  /// SUCCESS with the results `write` encodes. Returns false when the call can no longer be
  /// answered (its connection closed, its deadline passed, or it was answered already).
  bool reply(ResultsWriter write);
  /// GARBAGE_ARGS or SYSTEM_ERR (status must be one of them).
  bool fail(Status status);
  /// AUTH_ERROR with `why`.
  bool deny(rpc::AuthStat why);
  /// No answer at all (see Status::dropped). Returns false when the call was already gone.
  bool drop();
  /// False once the call cannot be answered any more (orphaned or expired): stop working on it.
  [[nodiscard]] bool live() const noexcept;
  /// The argument bytes of the call (kept alive by the handle), for decoding after defer().
  [[nodiscard]] std::span<const std::byte> args() const noexcept;
  [[nodiscard]] bool valid() const noexcept { return server_ != nullptr; }

 private:
  friend class Server;
  ReplyHandle(Server* server, PendingCall* call, std::uint32_t generation) noexcept
      : server_(server), call_(call), generation_(generation) {}
  Server* server_ = nullptr;
  PendingCall* call_ = nullptr;
  std::uint32_t generation_ = 0;
};

class Call {
 public:
  [[nodiscard]] const rpc::CallHeader& header() const noexcept { return *header_; }
  [[nodiscard]] const CallerInfo& caller() const noexcept { return caller_; }
  /// The decoder positioned at the procedure's arguments (views point into the record).
  [[nodiscard]] xdr::Decoder& args() noexcept { return args_; }
  /// SUCCESS with the results `write` encodes (once; later calls are ignored).
  void reply(ResultsWriter write);
  /// AUTH_ERROR with `why` (e.g. auth_tooweak when the procedure needs AUTH_SYS); return
  /// Status::denied after it.
  void deny(rpc::AuthStat why);
  /// Turns this into an asynchronous call; return Status::deferred after it. The argument bytes
  /// stay valid while the handle lives (ReplyHandle::args() gives the undecoded rest).
  ReplyHandle defer();
  [[nodiscard]] bool replied() const noexcept { return replied_; }

 private:
  friend class Server;
  Call(Server& server, const rpc::CallHeader& header, const CallerInfo& caller, xdr::Decoder args,
       ReplyTarget& target) noexcept
      : server_(&server), header_(&header), caller_(caller), args_(args), target_(&target) {}
  Server* server_;
  const rpc::CallHeader* header_;
  CallerInfo caller_;
  xdr::Decoder args_;
  ReplyTarget* target_;
  bool replied_ = false;
  bool deferred_ = false;
};

}  // namespace nelson::server
