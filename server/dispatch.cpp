// The path of one call: decode the header, authenticate, route, consult the duplicate-request
// cache, run the handler, encode the reply where it goes. Also asynchronous completion
// (ReplyHandle) and call deadlines.
#include <cstring>
#include <new>
#include <string>
#include <type_traits>

#include "rpc/auth_sys.hpp"
#include "server/connection.hpp"
#include "server/server.hpp"

namespace nelson::server {
namespace {

void encode_reply(xdr::Encoder& e, std::uint32_t xid, ReplyKind kind, const ResultsWriter& results, std::uint32_t low,
                  std::uint32_t high, rpc::AuthStat why) {
  switch (kind) {
    case ReplyKind::success:
      rpc::encode_success_reply(e, xid, rpc::kNullAuth);
      results(e);
      return;
    case ReplyKind::prog_unavail: rpc::encode_prog_unavail_reply(e, xid, rpc::kNullAuth); return;
    case ReplyKind::prog_mismatch: rpc::encode_prog_mismatch_reply(e, xid, rpc::kNullAuth, low, high); return;
    case ReplyKind::proc_unavail: rpc::encode_proc_unavail_reply(e, xid, rpc::kNullAuth); return;
    case ReplyKind::garbage_args: rpc::encode_garbage_args_reply(e, xid, rpc::kNullAuth); return;
    case ReplyKind::system_err: rpc::encode_system_err_reply(e, xid, rpc::kNullAuth); return;
    case ReplyKind::auth_error: rpc::encode_auth_error_reply(e, xid, why); return;
    case ReplyKind::rpc_mismatch: rpc::encode_rpc_mismatch_reply(e, xid); return;
  }
}

// Copies the bytes of `chain` from slice `first` on, skipping the first `skip` bytes (a record mark).
void copy_tail(const core::Chain& chain, std::size_t first, std::size_t skip, std::vector<std::byte>& out) {
  out.clear();
  const auto slices = chain.slices();
  for (std::size_t i = first; i < slices.size(); ++i) {
    auto bytes = slices[i].bytes();
    const std::size_t drop = skip < bytes.size() ? skip : bytes.size();
    skip -= drop;
    out.insert(out.end(), bytes.begin() + static_cast<std::ptrdiff_t>(drop), bytes.end());
  }
}

// Whether an encoder failed on the values it was given, rather than on room for them.
bool results_invalid(const xdr::Error& error) noexcept {
  return error.code != xdr::Errc::ok && error.code != xdr::Errc::no_space;
}

}  // namespace

void Server::process_call(std::span<const std::byte> message, ReplyTarget& target, core::Transport transport) {
  xdr::Decoder d(message);
  rpc::CallHeader header;
  const rpc::CallResult result = rpc::decode_call(d, header);
  if (!result.ok()) [[unlikely]] {
    if (result.needs_reply()) {
      target.xid = result.xid;
      emit_rejection(target, result);
    } else {
      ++stats_.garbage_dropped;
      bad_input_log_.log(core::LogLevel::warning,
                         std::string("server: dropped a ") +
                             (result.status == rpc::CallStatus::not_a_call ? "reply message" : "malformed call") +
                             " from " + (target.peer != nullptr ? target.peer->to_string() : std::string("?")) + " (" +
                             result.error.message() + ")");
    }
    return;
  }
  ++stats_.calls;
  target.xid = header.xid;

  // Authentication comes before routing, as in libtirpc: an unknown flavor is refused even for
  // a program that is not here.
  CallerInfo caller{transport, target.peer, header.cred.flavor, nullptr, target.local, nullptr};
  if (target.conn != nullptr) {
    if (target.conn->local.family() != 0) caller.local = &target.conn->local;
    if (target.conn->credentials) caller.credentials = &*target.conn->credentials;
  }
  // Storage for an AUTH_SYS credential, constructed only for AUTH_SYS callers (it is ~100
  // bytes: zeroing it for every AUTH_NONE call showed in the profile). Trivially destructible.
  static_assert(std::is_trivially_destructible_v<rpc::AuthSys>);
  alignas(rpc::AuthSys) std::byte sys_storage[sizeof(rpc::AuthSys)];
  switch (header.cred.flavor) {
    case rpc::AuthFlavor::auth_none: break;
    case rpc::AuthFlavor::auth_sys: {
      auto* sys = new (sys_storage) rpc::AuthSys;
      if (rpc::parse_auth_sys(header.cred.body, *sys) != rpc::AuthStat::auth_ok) [[unlikely]] {
        emit(target, ReplyKind::auth_error, {}, 0, 0, rpc::AuthStat::auth_badcred);
        return;
      }
      caller.auth_sys = sys;
      break;
    }
    default: emit(target, ReplyKind::auth_error, {}, 0, 0, rpc::AuthStat::auth_rejectedcred); return;
  }

  const Route route = registry_.route(header.prog, header.vers, header.proc);
  switch (route.kind) {
    case Route::Kind::found: break;
    case Route::Kind::prog_unavail: emit(target, ReplyKind::prog_unavail); return;
    case Route::Kind::prog_mismatch:
      emit(target, ReplyKind::prog_mismatch, {}, route.program->low, route.program->high);
      return;
    case Route::Kind::proc_unavail: emit(target, ReplyKind::proc_unavail); return;
  }
  Procedure& procedure = *route.procedure;

  if (procedure.spec.semantics == Semantics::at_most_once && drc_.enabled()) {
    DrcKey key{header.xid, header.prog, header.vers, header.proc, checksum64(d.rest()), {}};
    key.client = target.conn != nullptr ? target.conn->drc_client : *target.peer;
    std::span<const std::byte> cached;
    switch (drc_.begin(key, target.drc, cached)) {
      case DrcLookup::new_call: break;
      case DrcLookup::in_progress: ++procedure.stats.drc_dropped; return;
      case DrcLookup::replay:
        ++procedure.stats.drc_replays;
        emit_raw(target, cached);
        return;
    }
  }

  ++procedure.stats.calls;
  procedure.stats.bytes_in += d.remaining();
  target.procedure = &procedure;
  Call call(*this, header, caller, d, target);
  const Status status = procedure.handler(call);
  finish_sync(call, status);
}

void Server::finish_sync(Call& call, Status status) {
  if (call.deferred_) {
    if (status != Status::deferred) {
      core::log(core::LogLevel::error, "server: a handler called defer() but returned another status");
    }
    return;
  }
  if (call.replied_) return;
  switch (status) {
    case Status::success: emit_success(*call.target_, {}); return;
    case Status::garbage_args: emit(*call.target_, ReplyKind::garbage_args); return;
    case Status::denied: return;  // deny() answered
    case Status::dropped: forget_call(*call.target_); return;
    case Status::deferred:
      core::log(core::LogLevel::error, "server: a handler returned deferred without calling defer()");
      [[fallthrough]];
    case Status::system_err: emit(*call.target_, ReplyKind::system_err); return;
  }
}

bool Server::target_alive(const ReplyTarget& target) const noexcept {
  if (target.conn != nullptr) {
    return target.conn->generation == target.conn_generation && target.conn->open() && !target.conn->eof;
  }
  return target.socket != nullptr && !target.socket->closing();
}

void Server::count_reply(ReplyKind kind, Procedure* procedure) noexcept {
  ++stats_.replies;
  switch (kind) {
    case ReplyKind::success: return;
    case ReplyKind::prog_unavail: ++stats_.prog_unavail; return;
    case ReplyKind::prog_mismatch: ++stats_.prog_mismatch; return;
    case ReplyKind::proc_unavail: ++stats_.proc_unavail; return;
    case ReplyKind::garbage_args:
      ++stats_.garbage_args;
      if (procedure != nullptr) ++procedure->stats.garbage_args;
      return;
    case ReplyKind::system_err:
      ++stats_.system_err;
      if (procedure != nullptr) ++procedure->stats.system_err;
      return;
    case ReplyKind::auth_error:
      ++stats_.auth_error;
      if (procedure != nullptr) ++procedure->stats.denied;
      return;
    case ReplyKind::rpc_mismatch: ++stats_.rpc_mismatch; return;
  }
}

template <class Body>
bool Server::encode_in_place(Connection& c, ReplyTarget& target, Body&& body) {
  // Mark + reply straight into the free tail of the connection's output slab: one contiguous
  // encoder, no sink. A reply too large for the room returns false and takes the general path
  // (the results writer then runs a second time; it only encodes).
  const std::span<std::byte> room = c.pending.reserve_tail(loop_->pool(), kFastReplyRoom);
  if (room.empty()) [[unlikely]]
    return false;
  xdr::Encoder e(room.subspan(4));
  body(e);
  if (!e.ok()) [[unlikely]]
    return false;
  const std::span<const std::byte> message = e.written();
  rpc::write_record_mark(room.data(), static_cast<std::uint32_t>(message.size()), true);
  if (target.drc.valid()) drc_.complete(target.drc, message);
  c.pending.commit_tail(4 + message.size());
  // Inside pump() the replies of one read are handed over together; an asynchronous reply
  // goes at once (it still leaves in this iteration's flush phase).
  if (!c.pumping) c.stream->write(std::move(c.pending));
  return true;
}

bool Server::emit_success(ReplyTarget& target, ResultsWriter results) {
  // The hot path of every answered call on a stream: mark, header and results straight into
  // the free tail of the connection's output slab. Everything else goes through emit().
  if (target.conn != nullptr) [[likely]] {
    Connection& c = *target.conn;
    if (c.generation == target.conn_generation && c.open() && !c.eof) [[likely]] {
      const bool sent = encode_in_place(c, target, [&](xdr::Encoder& e) {
        rpc::encode_success_reply(e, target.xid, rpc::kNullAuth);
        results(e);
      });
      if (sent) [[likely]] {
        ++stats_.replies;
        return true;
      }
    }
  }
  return emit(target, ReplyKind::success, results);
}

bool Server::answer_invalid_results(ReplyTarget& target, const xdr::Error& error) {
  // The results writer refused the values it was given (a string over its maximum, a union arm
  // its discriminant does not select): the handler broke the contract, not the connection.
  // SYSTEM_ERR, as rpcgen's stubs answer when svc_sendreply fails; closing the connection (or
  // dropping the datagram, so the client retransmits until it times out) would punish the
  // client. The success reply emit() counted is taken back.
  ++stats_.encode_failures;
  --stats_.replies;
  bad_input_log_.log(core::LogLevel::error, "server: results not encoded (" + error.message() +
                                                "): answering SYSTEM_ERR to xid " + std::to_string(target.xid));
  return emit(target, ReplyKind::system_err);
}

bool Server::emit(ReplyTarget& target, ReplyKind kind, ResultsWriter results, std::uint32_t low, std::uint32_t high,
                  rpc::AuthStat why) {
  if (!target_alive(target)) {
    ++stats_.orphaned;
    drc_.forget(target.drc);
    return false;
  }
  count_reply(kind, target.procedure);
  const std::uint32_t xid = target.xid;
  auto body = [&](xdr::Encoder& e) { encode_reply(e, xid, kind, results, low, high, why); };

  if (target.conn != nullptr) {
    Connection& c = *target.conn;
    if (encode_in_place(c, target, body)) return true;
    const std::size_t first = c.pending.slice_count();
    const rpc::WriteResult w = writer_.write(c.pending, body);
    if (!w.ok()) [[unlikely]] {
      if (kind == ReplyKind::success && w.code == rpc::WriteErrc::encode_failed && results_invalid(w.xdr)) {
        return answer_invalid_results(target, w.xdr);
      }
      ++stats_.encode_failures;
      bad_input_log_.log(core::LogLevel::error, "server: closing connection from " + c.stream->peer().to_string() +
                                                    ": reply not encoded: " + w.message());
      drc_.forget(target.drc);
      c.stream->close();
      return false;
    }
    if (target.drc.valid()) {
      thread_local std::vector<std::byte> copy;
      copy_tail(c.pending, first, 4 * w.fragments, copy);
      drc_.complete(target.drc, copy);
    }
    // Inside pump() the replies of one read are handed over together; an asynchronous reply
    // goes at once (it still leaves in this iteration's flush phase).
    if (!c.pumping) c.stream->write(std::move(c.pending));
    return true;
  }

  // Datagram: encode into a scratch chain, send it from the address the call arrived on.
  datagram_out_.clear();
  xdr::Error failure;
  {
    rpc::ChainSink sink(loop_->pool(), datagram_out_);
    xdr::Encoder e(sink);
    body(e);
    if (!e.finish()) [[unlikely]]
      failure = e.error();
  }
  if (failure.code != xdr::Errc::ok) [[unlikely]] {
    datagram_out_.clear();
    // Outside the sink's scope: the SYSTEM_ERR answer reuses datagram_out_.
    if (kind == ReplyKind::success && results_invalid(failure)) return answer_invalid_results(target, failure);
    ++stats_.encode_failures;
    bad_input_log_.log(core::LogLevel::error,
                       "server: reply to " + target.peer->to_string() + " not encoded: " + failure.message());
    drc_.forget(target.drc);
    return false;
  }
  if (datagram_out_.size() > options_.limits.max_datagram_reply && kind != ReplyKind::system_err) [[unlikely]] {
    const std::size_t size = datagram_out_.size();
    datagram_out_.clear();
    ++stats_.encode_failures;
    --stats_.replies;
    bad_input_log_.log(core::LogLevel::error, "server: a reply of " + std::to_string(size) + " bytes to xid " +
                                                  std::to_string(target.xid) + " does not fit a datagram (" +
                                                  std::to_string(options_.limits.max_datagram_reply) +
                                                  "): answering SYSTEM_ERR (the client may ask over TCP)");
    return emit(target, ReplyKind::system_err);
  }
  if (target.drc.valid()) {
    thread_local std::vector<std::byte> copy;
    copy_tail(datagram_out_, 0, 0, copy);
    drc_.complete(target.drc, copy);
  }
  return emit_raw(target, {});
}

bool Server::emit_raw(ReplyTarget& target, std::span<const std::byte> message) {
  // `message` empty: send what emit() left in datagram_out_ (datagram targets only).
  if (target.conn != nullptr) {
    Connection& c = *target.conn;
    if (!target_alive(target)) return false;
    ++stats_.replies;
    const auto mark = rpc::record_mark(static_cast<std::uint32_t>(message.size()), true);
    if (!c.pending.append_copy(mark, loop_->pool()) || !c.pending.append_copy(message, loop_->pool())) {
      ++stats_.encode_failures;
      c.stream->close();
      return false;
    }
    if (!c.pumping) c.stream->write(std::move(c.pending));
    return true;
  }
  if (!message.empty()) {
    datagram_out_.clear();
    ++stats_.replies;
    if (!datagram_out_.append_copy(message, loop_->pool())) {
      ++stats_.encode_failures;
      return false;
    }
  }
  iov_.resize(datagram_out_.slice_count());
  const std::size_t n = datagram_out_.fill_iovecs(iov_.data(), iov_.size());
  const int rc = target.socket->send_to({iov_.data(), n}, *target.peer, target.local);
  datagram_out_.clear();
  if (rc != 0) [[unlikely]] {
    ++stats_.udp_send_errors;
    bad_input_log_.log(core::LogLevel::warning,
                       "server: reply to " + target.peer->to_string() + " not sent: " + std::strerror(-rc));
    return false;
  }
  return true;
}

bool Server::emit_rejection(ReplyTarget& target, const rpc::CallResult& result) {
  switch (result.status) {
    case rpc::CallStatus::rpc_mismatch: return emit(target, ReplyKind::rpc_mismatch);
    case rpc::CallStatus::bad_verf: return emit(target, ReplyKind::auth_error, {}, 0, 0, rpc::AuthStat::auth_badverf);
    default: return emit(target, ReplyKind::auth_error, {}, 0, 0, rpc::AuthStat::auth_badcred);
  }
}

void Server::forget_call(ReplyTarget& target) {
  ++stats_.dropped_by_handler;
  if (target.drc.valid()) {
    drc_.forget(target.drc);
    target.drc = {};
  }
}

// --- Call ---------------------------------------------------------------------------------------

void Call::reply(ResultsWriter write) {
  if (replied_ || deferred_) return;
  replied_ = true;
  server_->emit_success(*target_, write);
}

void Call::deny(rpc::AuthStat why) {
  if (replied_ || deferred_) return;
  replied_ = true;
  server_->emit(*target_, ReplyKind::auth_error, {}, 0, 0, why);
}

ReplyHandle Call::defer() {
  if (replied_ || deferred_) return {};
  deferred_ = true;
  return server_->defer(*this);
}

// --- asynchronous calls ---------------------------------------------------------------------------

ReplyHandle Server::defer(Call& call) {
  if (free_pending_ == nullptr) {
    pending_calls_.push_back(std::make_unique<PendingCall>(*this));
    free_pending_ = pending_calls_.back().get();
  }
  PendingCall& p = *free_pending_;
  free_pending_ = p.next_free;
  p.next_free = nullptr;
  p.active = true;
  ReplyTarget& t = *call.target_;
  p.target = t;
  if (t.peer != nullptr) {
    p.peer = *t.peer;
    p.target.peer = &p.peer;
  }
  if (t.local != nullptr) {
    p.local = *t.local;
    p.target.local = &p.local;
  }
  if (t.record != nullptr) p.record = std::move(*t.record);  // the bytes stay where they are
  if (t.datagram != nullptr) p.datagram = *t.datagram;
  p.target.record = nullptr;
  p.target.datagram = nullptr;
  p.args = call.args_.rest();
  if (t.conn != nullptr) {
    ++t.conn->in_flight;
  } else {
    ++datagram_in_flight_;
  }
  ++stats_.deferred;
  if (options_.limits.call_deadline.count() > 0) p.deadline.arm_after(options_.limits.call_deadline);
  return ReplyHandle(this, &p, p.generation);
}

bool Server::pending_live(const PendingCall* call, std::uint32_t generation) const noexcept {
  return call != nullptr && call->active && call->generation == generation;
}

bool Server::complete(PendingCall* call, std::uint32_t generation, ReplyKind kind, ResultsWriter results,
                      rpc::AuthStat why) {
  if (!pending_live(call, generation)) return false;
  const bool sent = emit(call->target, kind, results, 0, 0, why);
  release_pending(*call);
  return sent;
}

void Server::release_pending(PendingCall& p) {
  p.deadline.cancel();
  Connection* c = p.target.conn;
  if (c != nullptr) {
    if (c->generation == p.target.conn_generation && c->in_flight > 0) {
      --c->in_flight;
      schedule_resume(*c);
    }
  } else if (datagram_in_flight_ > 0) {
    --datagram_in_flight_;
  }
  p.record.reset();
  p.datagram = {};
  p.args = {};
  p.target = {};
  p.active = false;
  ++p.generation;
  p.next_free = free_pending_;
  free_pending_ = &p;
}

void Server::expire(PendingCall& p) {
  if (!p.active) return;
  ++stats_.expired;
  expired_log_.log(core::LogLevel::warning,
                   "server: call xid " + std::to_string(p.target.xid) + " from " +
                       (p.target.peer != nullptr ? p.target.peer->to_string() : std::string("?")) + " expired after " +
                       std::to_string(options_.limits.call_deadline.count()) + " ms unanswered");
  // The DRC entry stays "in progress": a retransmission of an expired at-most-once call is
  // dropped rather than run a second time while the first may still be working.
  release_pending(p);
}

// --- ReplyHandle ----------------------------------------------------------------------------------

ReplyHandle& ReplyHandle::operator=(ReplyHandle&& other) noexcept {
  if (this != &other) {
    if (server_ != nullptr) server_->complete(call_, generation_, ReplyKind::system_err, {}, rpc::AuthStat::auth_ok);
    server_ = std::exchange(other.server_, nullptr);
    call_ = other.call_;
    generation_ = other.generation_;
  }
  return *this;
}

ReplyHandle::~ReplyHandle() {
  if (server_ != nullptr) server_->complete(call_, generation_, ReplyKind::system_err, {}, rpc::AuthStat::auth_ok);
}

bool ReplyHandle::reply(ResultsWriter write) {
  if (server_ == nullptr) return false;
  Server* s = std::exchange(server_, nullptr);
  return s->complete(call_, generation_, ReplyKind::success, write, rpc::AuthStat::auth_ok);
}

bool ReplyHandle::fail(Status status) {
  if (server_ == nullptr) return false;
  Server* s = std::exchange(server_, nullptr);
  const ReplyKind kind = status == Status::garbage_args ? ReplyKind::garbage_args : ReplyKind::system_err;
  return s->complete(call_, generation_, kind, {}, rpc::AuthStat::auth_ok);
}

bool ReplyHandle::deny(rpc::AuthStat why) {
  if (server_ == nullptr) return false;
  Server* s = std::exchange(server_, nullptr);
  return s->complete(call_, generation_, ReplyKind::auth_error, {}, why);
}

bool ReplyHandle::drop() {
  if (server_ == nullptr) return false;
  Server* s = std::exchange(server_, nullptr);
  if (!s->pending_live(call_, generation_)) return false;
  s->forget_call(call_->target);
  s->release_pending(*call_);
  return true;
}

bool ReplyHandle::live() const noexcept {
  return server_ != nullptr && server_->pending_live(call_, generation_) && server_->target_alive(call_->target);
}

std::span<const std::byte> ReplyHandle::args() const noexcept {
  if (server_ == nullptr || !server_->pending_live(call_, generation_)) return {};
  return call_->args;
}

}  // namespace nelson::server
