// client::Client — an asynchronous, pipelined ONC RPC client (RFC 5531) on a user's core::Loop.
//
//   auto c = client::Client::create(loop, *core::parse_endpoint("tcp://127.0.0.1:20099"));
//   std::string_view text = "hello";
//   (*c)->call(kProg, 1, kEcho, [&](xdr::Encoder& e) { e.put_string(text); }, {},
//              [](const client::CallResult& r) {
//                if (!r.ok()) return log(client::message(r.error));
//                xdr::Decoder d(r.results);                      // valid during the callback
//                ...
//              });
//   auto r = (*c)->call_sync(kProg, 1, kNull);                   // blocking: runs the loop
//
// Many calls may be in flight on one connection; replies are matched by xid in any order.
// A call is encoded straight into the stream's output (TCP/UNIX: record-marked, in fragments of
// at most ClientOptions::max_fragment_size; all calls of one loop iteration leave in one writev)
// or sent as one datagram (UDP, retransmitted with the same xid and exponential back-off until
// the timeout). Every call ends in exactly one callback.
//
// The cost per call is what a load generator lives on (nelson-load runs on this client): an
// ordinary call is encoded in place into the free tail of the stream's output slab (no chain,
// no copy, consecutive calls in one iovec); stream calls share one deadline timer over a list
// sorted by deadline instead of a timer-heap entry each; header encoding and the decoding of a
// SUCCESS reply are single-bounds-check fast paths. No allocation per call in steady state
// (tests/client/client_alloc_test.cpp counts them).
//
// A lost stream connection (EOF, reset, any error) is re-established in the background, with a
// back-off between attempts (ClientOptions::reconnect...). What happens to the calls in flight
// depends on CallOptions::retry_safe:
//   - retry-safe calls are resent on the new connection with the same xid (so a server's
//     duplicate-request cache recognizes them); their encoded bytes are kept for that, as UDP
//     keeps them for retransmission — only theirs, so ordinary calls stay copy-free;
//   - the others fail at once with Errc::not_resent: they may or may not have run.
// Calls made while the client reconnects are queued and leave once connected; a connection
// attempt that fails fails the queued calls that are not retry-safe (cant_send: they were never
// sent), and retry-safe ones wait for the next attempt. Every call's timeout keeps running
// throughout. With reconnect off, a lost connection fails every pending call (cant_receive) and
// later ones (cant_send), as libtirpc does.
//
// Finding a server through the portmapper: client/portmap.hpp.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "client/deadline_list.hpp"
#include "client/error.hpp"
#include "client/pending_table.hpp"
#include "core/inline_function.hpp"
#include "core/loop.hpp"
#include "rpc/auth_sys.hpp"
#include "rpc/message.hpp"
#include "rpc/record_reader.hpp"
#include "rpc/record_writer.hpp"
#include "xdr/encode_ref.hpp"
#include "xdr/encoder.hpp"

namespace nelson::client {

/// Encodes a call's arguments (see xdr::EncodeRef). Called once, during call().
using ArgsWriter = xdr::EncodeRef;

/// A credential encoded once (AUTH_SYS bodies are the same for every call).
class Credential {
 public:
  /// AUTH_NONE.
  Credential() noexcept = default;
  /// AUTH_SYS with `sys`; nullopt when it does not encode (name over 255 bytes, > 16 groups).
  static std::optional<Credential> sys(const rpc::AuthSys& sys) noexcept;
  [[nodiscard]] rpc::OpaqueAuth auth() const noexcept { return {flavor_, {body_.data(), size_}}; }

 private:
  rpc::AuthFlavor flavor_ = rpc::AuthFlavor::auth_none;
  std::array<std::byte, rpc::kMaxAuthBytes> body_{};
  std::size_t size_ = 0;
};

struct CallOptions {
  /// The whole call, retransmissions included, must be answered within this.
  std::chrono::milliseconds timeout{std::chrono::seconds(25)};
  /// UDP: the first retransmission after this, then after twice as long each time.
  std::chrono::milliseconds retransmit{std::chrono::seconds(1)};
  /// A credential for this call (must live during call()); null: the client's.
  const Credential* credential = nullptr;
  /// Streams: when the connection is lost before the reply, resend the call (same xid) on the
  /// next connection. Only for calls that may run twice without harm (idempotent, or served
  /// through a duplicate-request cache). False (the default) is at-most-once: the call fails
  /// with Errc::not_resent instead. Costs a reference to the encoded call's slabs until the
  /// reply. UDP ignores it: a datagram call is always retransmitted with the same xid.
  bool retry_safe = false;
};

struct ClientOptions {
  /// Client-wide credential (AUTH_NONE by default).
  Credential credential;
  /// Replies larger than this close the connection (as the server's limit does for calls).
  std::size_t max_record_size = std::size_t{1} << 20;
  /// Slots of the xid table at first (it grows).
  std::size_t initial_calls = 64;
  /// Streams: calls larger than this are sent in several record-marking fragments (RFC 5531
  /// section 11), e.g. for servers that cap the fragment size. 0 or SIZE_MAX: one fragment.
  std::size_t max_fragment_size = 0;
  /// Streams: re-establish a lost connection (see the file comment). Off: a lost connection
  /// stays lost and every call fails.
  bool reconnect = true;
  /// The wait before the first reconnection attempt after a loss; it doubles after each failed
  /// attempt, up to max_reconnect_delay, and starts over once connected. It keeps a server that
  /// accepts and drops connections (or a restarting one) from being hammered.
  std::chrono::milliseconds reconnect_delay{100};
  std::chrono::milliseconds max_reconnect_delay{std::chrono::seconds(5)};
};

/// What a call's callback receives: the results (a view into the receive buffer, valid during
/// the callback only) or an error.
struct CallResult {
  Error error;
  std::span<const std::byte> results;
  std::uint32_t xid = 0;
  [[nodiscard]] bool ok() const noexcept { return error.ok(); }
};

/// What call_sync returns: the results copied.
struct Result {
  Error error;
  std::vector<std::byte> results;
  std::uint32_t xid = 0;
  [[nodiscard]] bool ok() const noexcept { return error.ok(); }
};

/// A call's callback. Move-only; captures of up to 64 bytes are kept inline, so a call
/// allocates nothing for it (a generated stub's decoder plus a ReplyCallback fit).
using Callback = core::InlineFunction<void(const CallResult&), 64>;

class Client {
 public:
  /// A client of `endpoint` (tcp://, unix:// or udp://) on `loop`. A stream connects in the
  /// background: calls made meanwhile are queued and leave once connected.
  static core::Result<std::unique_ptr<Client>> create(core::Loop& loop, const core::Endpoint& endpoint,
                                                      const ClientOptions& options = {});
  /// Pending calls are dropped without their callbacks. Do not destroy a client from inside
  /// one of its callbacks.
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  /// Sends a call; `done` runs exactly once, later (never inside call()). Returns the xid.
  std::uint32_t call(std::uint32_t prog, std::uint32_t vers, std::uint32_t proc, ArgsWriter args,
                     const CallOptions& options, Callback done);
  /// Sends a call and runs the loop until it is answered (for tests and simple tools).
  Result call_sync(std::uint32_t prog, std::uint32_t vers, std::uint32_t proc, ArgsWriter args = {},
                   const CallOptions& options = {});

  void set_credential(const Credential& credential) noexcept { options_.credential = credential; }
  [[nodiscard]] std::size_t pending() const noexcept { return table_.size(); }
  /// True while calls leave at once: a UDP client always, a stream client while its connection
  /// is established. False while connecting or reconnecting (calls are queued meanwhile) and
  /// once a connection is lost for good (reconnect off: calls fail with cant_send).
  [[nodiscard]] bool connected() const noexcept { return udp_ ? socket_ != nullptr : stream_connected_; }
  /// False once calls can only fail: the connection is lost for good (reconnect off). True
  /// while connecting or reconnecting (calls wait for the connection).
  [[nodiscard]] bool usable() const noexcept { return udp_ ? socket_ != nullptr : !down_; }
  /// Connections re-established after a loss (streams).
  [[nodiscard]] std::uint64_t reconnects() const noexcept { return reconnects_; }
  [[nodiscard]] const core::Endpoint& endpoint() const noexcept { return endpoint_; }
  [[nodiscard]] core::Loop& loop() noexcept { return *loop_; }

 private:
  struct Pending;
  Client(core::Loop& loop, const core::Endpoint& endpoint, const ClientOptions& options);
  Pending* acquire();
  void release(Pending* p) noexcept;
  std::uint32_t next_xid() noexcept;
  bool send_datagram(Pending& p);
  void on_record(std::span<const std::byte> message);
  void on_timer(Pending& p);
  void finish(Pending& p, const CallResult& result);
  /// Ends `p` with `code` (and the errno behind it, if any).
  void fail(Pending& p, Errc code, int sys_errno = 0);
  void fail_later(Callback done, const Error& error, std::uint32_t xid);
  void lost(int error);
  void attach_stream(core::Stream& s);
  void on_connected();
  void reconnect();
  void connect_failed(int error);
  template <class Body>
  bool encode_in_place(Body& body);
  void on_deadline();

  // Room reserved for a call encoded in place: header, credential and small arguments.
  static constexpr std::size_t kFastCallRoom = 512;

  // Marks the client as handling received data (restored on exit: a callback may nest a run).
  struct DispatchScope {
    explicit DispatchScope(bool& flag) noexcept : flag_(flag), saved_(flag) { flag_ = true; }
    ~DispatchScope() { flag_ = saved_; }
    DispatchScope(const DispatchScope&) = delete;
    DispatchScope& operator=(const DispatchScope&) = delete;
    bool& flag_;
    bool saved_;
  };

  core::Loop* loop_;
  core::Endpoint endpoint_;
  ClientOptions options_;
  bool udp_ = false;
  core::Stream* stream_ = nullptr;
  core::DatagramSocket* socket_ = nullptr;
  bool stream_connected_ = false;
  bool ever_connected_ = false;
  bool down_ = false;                        // the stream is lost for good (reconnect off)
  std::optional<rpc::RecordReader> reader_;  // a fresh one per connection
  rpc::RecordWriter writer_;
  rpc::Record record_;
  core::Chain out_;  // scratch for one call's record: reused, so a call allocates no slice vector
  core::Timer reconnect_timer_;
  DeadlineList<Pending> deadlines_;  // streams: calls in deadline order, one timer for all
  core::Timer deadline_timer_;
  bool dispatching_ = false;  // inside on_data / on_datagram: the loop's "now" is fresh
  std::size_t max_fragment_;  // a call larger than this takes the general path (fragments)
  core::Clock::duration backoff_{};
  std::uint64_t reconnects_ = 0;
  std::vector<iovec> iov_;
  std::uint32_t xid_ = 0;
  PendingTable<Pending> table_;
  std::vector<std::unique_ptr<Pending>> pool_;  // every Pending ever made; reused
  Pending* free_ = nullptr;
  std::vector<Pending*> failing_;  // scratch for lost() and on_connected()
  std::shared_ptr<bool> alive_;    // lets posted callbacks tell that the client is gone
};

}  // namespace nelson::client
