// server::Server — an ONC RPC server (RFC 5531) on a core::Loop: TCP with record marking, UDP
// and UNIX stream sockets, program/version/procedure dispatch, AUTH_NONE and AUTH_SYS, a
// duplicate-request cache for at-most-once procedures, limits, stats and a graceful drain.
//
//   auto loop = core::Loop::create();
//   server::Server server(**loop, {.limits = {.max_connections = 1000}});
//   server.add_procedure(0x20000099, 1, 0, {"NULL"}, [](server::Call&) { return server::Status::success; });
//   server.listen(*core::parse_endpoint("tcp://0.0.0.0:20099"));
//   server.listen(*core::parse_endpoint("udp://0.0.0.0:20099"));
//   server.drain_on_signals();             // SIGTERM/SIGINT: drain, then stop the loop
//   (*loop)->run();
//
// The path of one TCP call: the stream's bytes go to the connection's RecordReader (a view
// into the receive slab, no copy); each complete record is decoded in place, routed through a
// flat table, checked against the DRC if the procedure is at-most-once, and handed to the
// handler; its reply is encoded into the connection's pending chain, and all replies of one
// read leave together in the loop's flush phase (one writev/submission per connection).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/log.hpp"
#include "core/loop.hpp"
#include "rpc/record_reader.hpp"
#include "rpc/record_writer.hpp"
#include "server/call.hpp"
#include "server/drc.hpp"
#include "server/limits.hpp"
#include "server/program.hpp"
#include "server/stats.hpp"

namespace nelson::server {

struct ServerOptions {
  ServerLimits limits;
};

class Connection;

/// Where a reply goes (a stream connection or a datagram peer), and the call it answers.
struct ReplyTarget {
  Connection* conn = nullptr;  // stream: the connection, valid while its generation matches
  std::uint32_t conn_generation = 0;
  core::DatagramSocket* socket = nullptr;  // datagram: the socket the call arrived on
  const core::SocketAddress* peer = nullptr;
  const core::SocketAddress* local = nullptr;  // datagram: the address the call arrived on
  rpc::Record* record = nullptr;               // stream: the record holding the call
  const core::Slice* datagram = nullptr;       // datagram: the datagram holding the call
  std::uint32_t xid = 0;
  Procedure* procedure = nullptr;
  DrcTicket drc;
};

/// An asynchronous call waiting for its ReplyHandle (pooled; see Server::defer).
struct PendingCall {
  explicit PendingCall(Server& server);
  Server* server;
  ReplyTarget target;
  core::SocketAddress peer;  // copies of the addresses target points to
  core::SocketAddress local;
  rpc::Record record;    // keeps a stream call's bytes alive
  core::Slice datagram;  // keeps a datagram call's bytes alive
  std::span<const std::byte> args;
  core::Timer deadline;
  std::uint32_t generation = 0;
  bool active = false;
  PendingCall* next_free = nullptr;
};

/// The kinds of reply a server sends.
enum class ReplyKind : std::uint8_t {
  success,
  prog_unavail,
  prog_mismatch,
  proc_unavail,
  garbage_args,
  system_err,
  auth_error,
  rpc_mismatch,  // MSG_DENIED: the call's RPC version is not 2
};

/// A Server must outlive the ReplyHandles it gave out (answer or drop them before destroying it).
class Server {
 public:
  explicit Server(core::Loop& loop, ServerOptions options = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Registers a procedure of (prog, vers). Returns false for an empty handler or a procedure
  /// number above Registry::kMaxProcedure.
  bool add_procedure(std::uint32_t prog, std::uint32_t vers, std::uint32_t proc, ProcedureSpec spec, Handler handler);
  void name_program(std::uint32_t prog, std::string name) { registry_.name_program(prog, std::move(name)); }

  /// Serves on `endpoint` (tcp://, udp:// or unix://). Returns the bound endpoint (port 0 gets
  /// the kernel's choice).
  core::Result<core::Endpoint> listen(const core::Endpoint& endpoint);

  /// Serves on a socket bound by someone else (systemd socket activation: see
  /// core::Loop::adopt_socket), like listen(). Returns its endpoint.
  core::Result<core::Endpoint> adopt(int fd);

  /// Serves an already-connected stream (socket activation, a socketpair, a test) as if it had
  /// been accepted: limits, stats and drain apply to it.
  void serve(core::Stream& stream) { on_accept(stream); }

  /// Stops accepting and reading, lets calls in flight finish and their replies leave (up to
  /// limits.drain_deadline; then closes what is left), then calls `done`.
  void drain(std::function<void()> done);
  /// SIGTERM and SIGINT start drain() and stop the loop when it is done; a second signal stops
  /// the loop at once. `on_first_signal` runs as the drain starts (e.g. to tell systemd).
  core::Result<bool> drain_on_signals(std::function<void()> on_first_signal = {});
  [[nodiscard]] bool draining() const noexcept { return draining_; }

  [[nodiscard]] const ServerStats& stats() const noexcept;
  [[nodiscard]] const Registry& registry() const noexcept { return registry_; }
  [[nodiscard]] const DrcStats& drc_stats() const noexcept { return drc_.stats(); }
  /// Server counters, then one line per procedure that was called.
  [[nodiscard]] std::string format_stats() const;
  [[nodiscard]] const ServerLimits& limits() const noexcept { return options_.limits; }
  [[nodiscard]] core::Loop& loop() noexcept { return *loop_; }
  [[nodiscard]] std::size_t connection_count() const noexcept { return open_connections_; }

  /// Keeps `object` alive until the server is destroyed (it goes first then, while the server
  /// can still answer): e.g. a generated service whose handlers were registered on this server.
  void keep_alive(std::shared_ptr<void> object) { kept_alive_.push_back(std::move(object)); }

 private:
  friend class Call;
  friend class ReplyHandle;
  friend class Connection;
  friend struct PendingCall;

  // server.cpp: listeners, connections, datagrams, drain
  void on_accept(core::Stream& stream);
  void on_datagram(core::DatagramSocket& socket, const core::Datagram& datagram);
  void pump(Connection& c);
  void update_reading(Connection& c);
  void schedule_resume(Connection& c);
  void run_resumes();
  void release_connection(Connection& c);
  void on_idle_timer(Connection& c);
  void close_when_flushed(Connection& c);
  // Room a reply needs for the fast path (header + small results); larger ones still work.
  static constexpr std::size_t kFastReplyRoom = 512;
  // How often a connection whose client left checks whether its last replies have gone.
  static constexpr std::chrono::milliseconds kFlushPoll{10};
  void check_drain();
  void finish_drain();

  // dispatch.cpp: one call, its replies, asynchronous completion
  void process_call(std::span<const std::byte> message, ReplyTarget& target, core::Transport transport);
  void finish_sync(Call& call, Status status);
  bool emit_success(ReplyTarget& target, ResultsWriter results);
  template <class Body>
  bool encode_in_place(Connection& c, ReplyTarget& target, Body&& body);
  // A success reply whose results did not encode: SYSTEM_ERR instead (see dispatch.cpp).
  bool answer_invalid_results(ReplyTarget& target, const xdr::Error& error);
  bool emit(ReplyTarget& target, ReplyKind kind, ResultsWriter results = {}, std::uint32_t low = 0,
            std::uint32_t high = 0, rpc::AuthStat why = rpc::AuthStat::auth_ok);
  bool emit_raw(ReplyTarget& target, std::span<const std::byte> message);
  bool emit_rejection(ReplyTarget& target, const rpc::CallResult& result);
  [[nodiscard]] bool target_alive(const ReplyTarget& target) const noexcept;
  void count_reply(ReplyKind kind, Procedure* procedure) noexcept;
  ReplyHandle defer(Call& call);
  bool complete(PendingCall* call, std::uint32_t generation, ReplyKind kind, ResultsWriter results, rpc::AuthStat why);
  void release_pending(PendingCall& call);
  // Status::dropped / ReplyHandle::drop: no reply; the DRC forgets the call (a retransmission runs it again).
  void forget_call(ReplyTarget& target);
  void expire(PendingCall& call);
  [[nodiscard]] bool pending_live(const PendingCall* call, std::uint32_t generation) const noexcept;

  core::Loop* loop_;
  ServerOptions options_;
  Registry registry_;
  DuplicateRequestCache drc_;
  mutable ServerStats stats_;
  rpc::RecordWriter writer_;

  std::vector<core::Listener*> listeners_;
  std::vector<core::DatagramSocket*> sockets_;
  std::vector<std::unique_ptr<Connection>> connections_;  // slots, reused; never freed early
  std::vector<Connection*> free_connections_;
  std::size_t open_connections_ = 0;

  std::vector<std::unique_ptr<PendingCall>> pending_calls_;
  PendingCall* free_pending_ = nullptr;
  std::size_t datagram_in_flight_ = 0;

  core::Chain datagram_out_;  // scratch for one UDP reply
  std::vector<iovec> iov_;

  bool draining_ = false;
  std::function<void()> drain_done_;
  core::Timer drain_tick_;
  core::TimePoint drain_deadline_{};

  // Connections to resume reading (back-pressure released), with the generation they had.
  std::vector<std::pair<Connection*, std::uint32_t>> resumes_;
  std::vector<std::pair<Connection*, std::uint32_t>> resuming_;
  std::vector<std::shared_ptr<void>> kept_alive_;
  core::Timer resume_timer_;

  core::RateLimitedLog refused_log_;
  core::RateLimitedLog bad_input_log_;
  core::RateLimitedLog expired_log_;
};

}  // namespace nelson::server
