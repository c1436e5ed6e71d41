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
// (its Callback may, when its captures exceed std::function's small buffer).
struct Client::Pending {
  explicit Pending(Client& c) : client(&c), timer(c.loop_->timers(), [this] { client->on_timer(*this); }) {}
  Client* client;
  std::uint32_t xid = 0;
  std::uint32_t prog = 0;
  std::uint32_t vers = 0;
  std::uint32_t proc = 0;
  Callback done;
  core::Timer timer;  // the deadline (TCP) or the next retransmission (UDP)
  core::TimePoint deadline{};
  core::Clock::duration interval{};
  core::Chain message;  // UDP: the encoded call, kept for retransmission with the same xid
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
      reader_(loop.pool(), reader_limits(options_.max_record_size)),
      writer_(loop.pool()),
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
      if (!d.truncated && d.from == self->endpoint_.address) self->on_record(d.data.bytes());
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
  s.on_connect = [this](core::Stream&) { stream_connected_ = true; };
  s.on_data = [this](core::Stream&, const core::Slice& bytes) {
    reader_.feed(bytes);
    for (;;) {
      const rpc::ReadStatus status = reader_.next(record_);
      if (status == rpc::ReadStatus::need_more) break;
      if (status == rpc::ReadStatus::error) {  // the stream cannot be resynchronized
        stream_->close();
        lost(EPROTO);
        break;
      }
      on_record(record_.bytes());
      if (stream_ == nullptr) break;
    }
    record_.reset();  // do not pin a receive slab between reads
  };
  s.on_eof = [this](core::Stream& stream) {
    stream.close();
    lost(0);
  };
  s.on_error = [this](core::Stream&, int error) { lost(error); };  // the loop closes it next
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
  p->timer.cancel();
  p->done = nullptr;
  p->message.clear();
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
  loop_->post([alive = alive_, done = std::move(done), error, xid] {
    if (!*alive) return;
    CallResult r;
    r.error = error;
    r.xid = xid;
    done(r);
  });
}

std::uint32_t Client::call(std::uint32_t prog, std::uint32_t vers, std::uint32_t proc, ArgsWriter args,
                           const CallOptions& options, Callback done) {
  const std::uint32_t xid = next_xid();
  Error error;
  error.prog = prog;
  error.vers = vers;
  error.proc = proc;
  if (!connected()) {
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
  } else {
    core::Chain out;
    const rpc::WriteResult w = writer_.write(out, body);
    if (!w.ok()) error.code = w.code == rpc::WriteErrc::out_of_slabs ? Errc::cant_send : Errc::cant_encode_args;
    if (w.ok()) stream_->write(std::move(out));
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
  p->done = std::move(done);
  table_.insert(p);
  const core::TimePoint now = core::Clock::now();
  p->deadline = now + options.timeout;
  p->interval = options.retransmit;
  p->timer.arm_at(udp_ ? std::min(now + p->interval, p->deadline) : p->deadline);
  return xid;
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
  const core::TimePoint now = core::Clock::now();
  if (!udp_ || now >= p.deadline) {
    CallResult r;
    r.xid = p.xid;
    r.error = {.code = Errc::timed_out, .prog = p.prog, .vers = p.vers, .proc = p.proc};
    return finish(p, r);
  }
  if (!send_datagram(p)) {
    CallResult r;
    r.xid = p.xid;
    r.error = {.code = Errc::cant_send, .prog = p.prog, .vers = p.vers, .proc = p.proc};
    return finish(p, r);
  }
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
  table_.erase(p.xid);
  Callback done = std::move(p.done);
  release(&p);  // first: the callback may make new calls, which reuse it
  done(result);
}

void Client::lost(int error) {
  const Errc code = stream_connected_ ? Errc::cant_receive : Errc::cant_send;
  stream_ = nullptr;
  std::vector<Pending*> failing;
  failing.swap(failing_);
  table_.take_all(failing);
  // Oldest first is not known without a sort; xid order is close enough and deterministic.
  std::sort(failing.begin(), failing.end(), [](const Pending* a, const Pending* b) { return a->xid < b->xid; });
  for (Pending* p : failing) {
    CallResult r;
    r.xid = p->xid;
    r.error = {.code = code, .prog = p->prog, .vers = p->vers, .proc = p->proc, .sys_errno = error};
    finish(*p, r);
  }
  failing.clear();
  failing_.swap(failing);
}

}  // namespace nelson::client
