#include "client/client.hpp"

#include <netinet/in.h>

#include <algorithm>
#include <cerrno>
#include <random>
#include <utility>

#include "rpc/chain_sink.hpp"
#include "xdr/decoder.hpp"

namespace nelson::client {

// One call in flight. Pooled with its timer, so a call in steady state allocates nothing here
// (nor does its Callback, unless its captures exceed Callback's 64 inline bytes).
struct Client::Pending {
  explicit Pending(Client& c) : client(&c), timer(c.loop_->timers(), [this] { client->on_timer(*this); }) {}
  Client* client;
  std::uint32_t xid = 0;
  std::uint32_t prog = 0;
  std::uint32_t vers = 0;
  std::uint32_t proc = 0;
  Callback done;
  core::Timer timer;  // UDP: the next retransmission or the deadline (streams: deadlines_)
  core::TimePoint deadline{};
  Pending* deadline_prev = nullptr;  // streams: in the client's DeadlineList
  Pending* deadline_next = nullptr;
  bool deadline_linked = false;
  core::Clock::duration interval{};
  // The encoded call (record-marked on streams): UDP keeps it for retransmission, a stream for
  // a retry-safe call's resend or a call queued until the connection is up. Empty otherwise.
  core::Chain message;
  bool retry_safe = false;
  bool unsent = false;  // streams: queued, not yet written to a connection
  Pending* next_free = nullptr;
};

std::optional<Credential> Credential::sys(const rpc::AuthSys& sys) noexcept {
  Credential c;
  xdr::Encoder e(std::span<std::byte>(c.body_));
  rpc::encode_auth_sys(e, sys);
  if (!e.ok()) return std::nullopt;
  c.flavor_ = rpc::AuthFlavor::auth_sys;
  c.size_ = e.written().size();
  return c;
}

namespace {
rpc::RecordReaderLimits reader_limits(std::size_t max_record_size) {
  rpc::RecordReaderLimits limits;
  limits.max_record_size = max_record_size;
  return limits;
}

rpc::RecordWriterOptions writer_options(std::size_t max_fragment_size) {
  rpc::RecordWriterOptions options;
  if (max_fragment_size != 0)
    options.max_fragment_size = std::min<std::size_t>(max_fragment_size, rpc::kMaxFragmentLength);
  return options;
}

// The wildcard address of `family` with port 0: the kernel picks an ephemeral port.
core::SocketAddress any_address(int family) {
  if (family == AF_INET6) {
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    return {reinterpret_cast<const sockaddr*>(&a), sizeof a};
  }
  sockaddr_in a{};
  a.sin_family = AF_INET;
  return {reinterpret_cast<const sockaddr*>(&a), sizeof a};
}

// The error a reply header reports, or Errc::ok for SUCCESS.
void classify(const rpc::ReplyHeader& h, Error& e) {
  if (h.stat == rpc::ReplyStat::msg_denied) {
    if (h.reject_stat == rpc::RejectStat::rpc_mismatch) {
      e.code = Errc::rpc_mismatch;
      e.low = h.low;
      e.high = h.high;
    } else {
      e.code = Errc::auth_error;
      e.auth_stat = h.auth_stat;
    }
    return;
  }
  switch (h.accept_stat) {
    case rpc::AcceptStat::success: e.code = Errc::ok; break;
    case rpc::AcceptStat::prog_unavail: e.code = Errc::prog_unavail; break;
    case rpc::AcceptStat::prog_mismatch:
      e.code = Errc::prog_mismatch;
      e.low = h.low;
      e.high = h.high;
      break;
    case rpc::AcceptStat::proc_unavail: e.code = Errc::proc_unavail; break;
    case rpc::AcceptStat::garbage_args: e.code = Errc::garbage_args; break;
    case rpc::AcceptStat::system_err: e.code = Errc::system_err; break;
    default: e.code = Errc::cant_decode_reply; break;  // an accept_stat the RFC does not define
  }
}
}  // namespace

Client::Client(core::Loop& loop, const core::Endpoint& endpoint, const ClientOptions& options)
    : loop_(&loop),
      endpoint_(endpoint),
      options_(options),
      udp_(endpoint.transport == core::Transport::udp),
      writer_(loop.pool(), writer_options(options_.max_fragment_size)),
      reconnect_timer_(loop.timers(), [this] { reconnect(); }),
      deadline_timer_(loop.timers(), [this] { on_deadline(); }),
      max_fragment_(options_.max_fragment_size == 0 ? SIZE_MAX : options_.max_fragment_size),
      backoff_(options_.reconnect_delay),
      // A random start keeps a restarted client from matching replies meant for its predecessor
      // (and from hitting the server's duplicate-request cache with their xids).
      xid_(std::random_device{}()),
      table_(options_.initial_calls),
      alive_(std::make_shared<bool>(true)) {}

core::Result<std::unique_ptr<Client>> Client::create(core::Loop& loop, const core::Endpoint& endpoint,
                                                     const ClientOptions& options) {
  std::unique_ptr<Client> c(new Client(loop, endpoint, options));
  if (c->udp_) {
    auto socket = loop.open_datagram({core::Transport::udp, any_address(endpoint.address.family())});
    if (!socket) return socket.error();
    c->socket_ = *socket;
    Client* self = c.get();
    c->socket_->on_datagram = [self](core::DatagramSocket&, const core::Datagram& d) {
      // Only the server's answers count: anyone may send to an open UDP port.
      if (!d.truncated && d.from == self->endpoint_.address) {
        const DispatchScope scope(self->dispatching_);
        self->on_record(d.data.bytes());
      }
    };
    c->socket_->start_reading();
  } else {
    auto stream = loop.connect(endpoint);
    if (!stream) return stream.error();
    c->attach_stream(**stream);
  }
  return core::Result<std::unique_ptr<Client>>(std::move(c));
}

void Client::attach_stream(core::Stream& s) {
  stream_ = &s;
  stream_connected_ = false;
  reader_.emplace(loop_->pool(), reader_limits(options_.max_record_size));  // nothing left from a lost one
  // Events of a stream that was replaced (lost, then a new one attached) are ignored.
  s.on_connect = [this](core::Stream& st) {
    if (&st == stream_) on_connected();
  };
  s.on_data = [this](core::Stream& st, const core::Slice& bytes) {
    if (&st != stream_) return;
    const DispatchScope scope(dispatching_);
    reader_->feed(bytes);
    for (;;) {
      const rpc::ReadStatus status = reader_->next(record_);
      if (status == rpc::ReadStatus::need_more) break;
      if (status == rpc::ReadStatus::error) {  // the stream cannot be resynchronized
        st.close();
        lost(EPROTO);
        break;
      }
      on_record(record_.bytes());
      if (stream_ != &st) break;
    }
    record_.reset();  // do not pin a receive slab between reads
  };
  s.on_eof = [this](core::Stream& st) {
    st.close();
    if (&st == stream_) lost(0);
  };
  s.on_error = [this](core::Stream& st, int error) {  // the loop closes it next
    if (&st == stream_) lost(error);
  };
  s.start_reading();
}

Client::~Client() {
  *alive_ = false;
  for (core::Handle* h : {static_cast<core::Handle*>(stream_), static_cast<core::Handle*>(socket_)}) {
    if (h != nullptr) h->close();
  }
  if (stream_ != nullptr) {
    stream_->on_data = nullptr;
    stream_->on_eof = nullptr;
    stream_->on_error = nullptr;
    stream_->on_connect = nullptr;
  }
  if (socket_ != nullptr) socket_->on_datagram = nullptr;
}

Client::Pending* Client::acquire() {
  if (free_ == nullptr) return pool_.emplace_back(std::make_unique<Pending>(*this)).get();
  Pending* p = free_;
  free_ = p->next_free;
  return p;
}

void Client::release(Pending* p) noexcept {
  if (DeadlineList<Pending>::linked(p)) deadlines_.remove(p);
  if (udp_) p->timer.cancel();  // streams never arm it
  p->done = nullptr;
  if (p->message.slice_count() != 0) p->message.clear();  // kept only by UDP and retry-safe calls
  p->retry_safe = false;
  p->unsent = false;
  p->next_free = free_;
  free_ = p;
}

std::uint32_t Client::next_xid() noexcept {
  // Skips an xid still in flight (only after 2^32 calls with one of them stuck).
  do {
    ++xid_;
  } while (table_.find(xid_) != nullptr);
  return xid_;
}

void Client::fail_later(Callback done, const Error& error, std::uint32_t xid) {
  // Posted, so a callback never runs inside call() (callers need not be reentrant).
  // Loop::post takes a (copyable) std::function: the move-only callback goes in a shared_ptr.
  // An allocation on the failure path only.
  loop_->post([alive = alive_, done = std::make_shared<Callback>(std::move(done)), error, xid] {
    if (!*alive) return;
    CallResult r;
    r.error = error;
    r.xid = xid;
    (*done)(r);
  });
}

std::uint32_t Client::call(std::uint32_t prog, std::uint32_t vers, std::uint32_t proc, ArgsWriter args,
                           const CallOptions& options, Callback done) {
  const std::uint32_t xid = next_xid();
  Error error;
  error.prog = prog;
  error.vers = vers;
  error.proc = proc;
  if (udp_ ? socket_ == nullptr : down_) {
    error.code = Errc::cant_send;
    fail_later(std::move(done), error, xid);
    return xid;
  }
  const rpc::OpaqueAuth cred = (options.credential != nullptr ? *options.credential : options_.credential).auth();
  const auto body = [&](xdr::Encoder& e) {
    rpc::encode_call(e, xid, prog, vers, proc, cred, rpc::kNullAuth);
    args(e);
  };
  Pending* p = acquire();
  bool sent = true;
  if (udp_) {
    rpc::ChainSink sink(loop_->pool(), p->message);
    xdr::Encoder e(sink);
    body(e);
    if (!e.finish()) error.code = sink.exhausted() ? Errc::cant_send : Errc::cant_encode_args;
    sent = error.ok() && send_datagram(*p);
  } else if (stream_connected_ && !options.retry_safe && encode_in_place(body)) {
    // The common case, done: the record is in the stream's output.
  } else {
    // Connected: into the stream's output (a retry-safe call keeps a reference to its slices).
    // Not yet: into the call's own chain, written once connected.
    core::Chain& out = stream_connected_ ? out_ : p->message;
    const rpc::WriteResult w = writer_.write(out, body);
    if (!w.ok()) {
      error.code = w.code == rpc::WriteErrc::out_of_slabs ? Errc::cant_send : Errc::cant_encode_args;
    } else if (stream_connected_) {
      if (options.retry_safe) p->message = out_;  // shares the slabs: no byte is copied
      stream_->write(std::move(out_));
    } else {
      p->unsent = true;
    }
    out_.clear();
  }
  if (!sent && error.ok()) error.code = Errc::cant_send;
  if (!error.ok()) {
    release(p);
    fail_later(std::move(done), error, xid);
    return xid;
  }
  p->xid = xid;
  p->prog = prog;
  p->vers = vers;
  p->proc = proc;
  p->retry_safe = options.retry_safe;
  p->done = std::move(done);
  table_.insert(p);
  // While the client handles a read, the loop's time (read when its wait returned, moments
  // ago) is good enough for a deadline and saves a clock read per call; elsewhere it may be
  // old (code between run_once calls), so read the clock.
  const core::TimePoint now = dispatching_ ? loop_->timers().now() : core::Clock::now();
  p->deadline = now + options.timeout;
  if (udp_) {
    p->interval = options.retransmit;
    p->timer.arm_at(std::min(now + p->interval, p->deadline));
  } else {
    deadlines_.insert(p);
    if (!deadline_timer_.armed() || p->deadline < deadline_timer_.deadline()) deadline_timer_.arm_at(p->deadline);
  }
  return xid;
}

template <class Body>
bool Client::encode_in_place(Body& body) {
  // Mark and call straight into the free tail of the stream's output slab: one contiguous
  // encoder, no sink, and consecutive calls share the slab (one iovec for a batch). A call too
  // large for the room returns false and takes the general path (the arguments writer then
  // runs a second time; it only encodes).
  const std::span<std::byte> room = stream_->reserve_output(kFastCallRoom);
  if (room.size() < kFastCallRoom) [[unlikely]]
    return false;
  xdr::Encoder e(room.subspan(4));
  body(e);
  if (!e.ok()) [[unlikely]]
    return false;
  const std::size_t size = e.written().size();
  if (size > max_fragment_) [[unlikely]]
    return false;
  rpc::write_record_mark(room.data(), static_cast<std::uint32_t>(size), true);
  stream_->commit_output(4 + size);
  return true;
}

void Client::on_deadline() {
  const core::TimePoint now = core::Clock::now();
  for (Pending* p = deadlines_.front(); p != nullptr && p->deadline <= now; p = deadlines_.front()) {
    fail(*p, Errc::timed_out);  // unlinks it; its callback may add calls (later deadlines)
  }
  if (const Pending* next = deadlines_.front(); next != nullptr) deadline_timer_.arm_at(next->deadline);
}

Result Client::call_sync(std::uint32_t prog, std::uint32_t vers, std::uint32_t proc, ArgsWriter args,
                         const CallOptions& options) {
  Result out;
  bool done = false;
  call(prog, vers, proc, args, options, [&](const CallResult& r) {
    out.error = r.error;
    out.xid = r.xid;
    out.results.assign(r.results.begin(), r.results.end());  // the view ends with the callback
    done = true;
  });
  // Ends: every call is answered, fails, or times out through its timer (run_once does not
  // block in an iteration whose timers fired, so a timeout is seen at once).
  while (!done) loop_->run_once();
  return out;
}

bool Client::send_datagram(Pending& p) {
  iov_.resize(std::max<std::size_t>(p.message.slice_count(), 1));
  const std::size_t n = p.message.fill_iovecs(iov_.data(), iov_.size());
  const int rc = socket_->send_to({iov_.data(), n}, endpoint_.address);
  return rc == 0 || rc == -EAGAIN || rc == -ENOBUFS;  // a full buffer is a lost datagram: retransmitted
}

void Client::on_timer(Pending& p) {
  // UDP only (stream calls time out through deadline_timer_): retransmit, or time out.
  const core::TimePoint now = core::Clock::now();
  if (now >= p.deadline) return fail(p, Errc::timed_out);
  if (!send_datagram(p)) return fail(p, Errc::cant_send);
  p.interval *= 2;
  p.timer.arm_at(std::min(now + p.interval, p.deadline));
}

void Client::on_record(std::span<const std::byte> message) {
  xdr::Decoder d(message);
  rpc::ReplyHeader header;
  const rpc::ReplyResult decoded = rpc::decode_reply(d, header);
  if (!decoded.has_xid) return;  // nothing to match it to
  Pending* p = table_.find(decoded.xid);
  if (p == nullptr) return;  // a reply after the timeout, or a duplicate (UDP retransmission)
  CallResult r;
  r.xid = p->xid;
  r.error = {.prog = p->prog, .vers = p->vers, .proc = p->proc};
  if (!decoded.ok()) {
    r.error.code = Errc::cant_decode_reply;
  } else {
    classify(header, r.error);
    if (r.ok()) r.results = d.rest();
  }
  finish(*p, r);
}

void Client::finish(Pending& p, const CallResult& result) {
  // Out of the table and the deadline list first: nothing can reach `p` from the callback,
  // whose new calls take other Pendings; it is recycled once the callback has returned.
  table_.erase(p.xid);
  if (DeadlineList<Pending>::linked(&p)) deadlines_.remove(&p);
  p.done(result);
  release(&p);
}

void Client::fail(Pending& p, Errc code, int sys_errno) {
  CallResult r;
  r.xid = p.xid;
  r.error = {.code = code, .prog = p.prog, .vers = p.vers, .proc = p.proc, .sys_errno = sys_errno};
  finish(p, r);
}

void Client::on_connected() {
  stream_connected_ = true;
  if (ever_connected_) ++reconnects_;
  ever_connected_ = true;
  backoff_ = options_.reconnect_delay;
  // Queued calls and retry-safe ones to resend leave in xid order (the order they were made,
  // but for the wrap-around of the counter).
  std::vector<Pending*> queued;
  queued.swap(failing_);
  table_.for_each([&](Pending* p) {
    if (p->unsent) queued.push_back(p);
  });
  std::sort(queued.begin(), queued.end(), [](const Pending* a, const Pending* b) { return a->xid < b->xid; });
  for (Pending* p : queued) {
    p->unsent = false;
    if (p->retry_safe) {
      stream_->write(core::Chain(p->message));  // shares the slabs; kept for another resend
    } else {
      stream_->write(std::move(p->message));
    }
  }
  queued.clear();
  failing_.swap(queued);
}

void Client::reconnect() {
  auto stream = loop_->connect(endpoint_);
  if (!stream) return connect_failed(stream.error().code);
  attach_stream(**stream);
}

void Client::lost(int error) {
  // The state first: callbacks run below may make new calls, which must see it.
  const bool was_connected = stream_connected_;
  stream_ = nullptr;
  stream_connected_ = false;
  if (!options_.reconnect) down_ = true;
  if (!was_connected && options_.reconnect) return connect_failed(error);

  // Retry-safe calls stay in the table, marked for the next connection; the others fail.
  std::vector<Pending*> failing;
  failing.swap(failing_);
  table_.for_each([&](Pending* p) {
    if (options_.reconnect && p->retry_safe) {
      p->unsent = true;
    } else {
      failing.push_back(p);
    }
  });
  for (Pending* p : failing) table_.erase(p->xid);
  if (options_.reconnect) reconnect_timer_.arm_after(backoff_);
  // Oldest first is not known without a sort; xid order is close enough and deterministic.
  std::sort(failing.begin(), failing.end(), [](const Pending* a, const Pending* b) { return a->xid < b->xid; });
  const Errc code = !options_.reconnect ? (was_connected ? Errc::cant_receive : Errc::cant_send) : Errc::not_resent;
  for (Pending* p : failing) {
    // A call still queued was never sent: it failed to be sent, whatever it is.
    fail(*p, p->unsent ? Errc::cant_send : code, error);
  }
  failing.clear();
  failing_.swap(failing);
}

void Client::connect_failed(int error) {
  // Nothing was sent on this attempt: retry-safe calls wait for the next one, the others fail
  // now (cant_send) rather than wait for a server that may never come back.
  stream_ = nullptr;
  std::vector<Pending*> failing;
  failing.swap(failing_);
  table_.for_each([&](Pending* p) {
    if (!p->retry_safe) failing.push_back(p);
  });
  for (Pending* p : failing) table_.erase(p->xid);
  reconnect_timer_.arm_after(backoff_);
  backoff_ = std::min<core::Clock::duration>(backoff_ * 2, options_.max_reconnect_delay);
  std::sort(failing.begin(), failing.end(), [](const Pending* a, const Pending* b) { return a->xid < b->xid; });
  for (Pending* p : failing) {
    fail(*p, Errc::cant_send, error);
  }
  failing.clear();
  failing_.swap(failing);
}

}  // namespace nelson::client
