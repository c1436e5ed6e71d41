// Server: listeners, stream connections, datagram sockets, back-pressure, idle timeouts and the
// graceful drain. The per-call path (decode, route, DRC, handler, reply) is in dispatch.cpp.
#include "server/server.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <csignal>
#include <string>
#include <utility>

#include "server/connection.hpp"

namespace nelson::server {

Connection::Connection(Server& owner, core::TimerQueue& timers)
    : server(&owner), idle_timer(timers, [this] { server->on_idle_timer(*this); }) {}

PendingCall::PendingCall(Server& owner)
    : server(&owner), deadline(owner.loop().timers(), [this] { server->expire(*this); }) {}

Server::Server(core::Loop& loop, ServerOptions options)
    : loop_(&loop),
      options_(options),
      drc_(options.limits.drc_max_entries, options.limits.drc_max_bytes),
      writer_(loop.pool()),
      drain_tick_(loop.timers(), [this] { check_drain(); }),
      resume_timer_(loop.timers(), [this] { run_resumes(); }) {}

Server::~Server() {
  // What handlers use goes first, while its ReplyHandles can still answer.
  kept_alive_.clear();
  // The loop owns the handles and may outlive us: detach every callback that points here.
  for (core::Listener* l : listeners_) {
    l->on_accept = nullptr;
    l->close();
  }
  for (core::DatagramSocket* s : sockets_) {
    s->on_datagram = nullptr;
    s->close();
  }
  for (auto& c : connections_) {
    if (c->stream == nullptr) continue;
    c->stream->on_data = nullptr;
    c->stream->on_eof = nullptr;
    c->stream->on_error = nullptr;
    c->stream->on_write_pressure = nullptr;
    c->stream->on_close = nullptr;
    c->stream->close();
  }
  // Handlers may own ReplyHandles (an asynchronous service); they answer into a server that
  // still exists when dropped here rather than after the pending calls are gone.
  registry_ = Registry{};
}

bool Server::add_procedure(std::uint32_t prog, std::uint32_t vers, std::uint32_t proc, ProcedureSpec spec,
                           Handler handler) {
  return registry_.add(prog, vers, proc, std::move(spec), std::move(handler));
}

core::Result<core::Endpoint> Server::listen(const core::Endpoint& endpoint) {
  if (endpoint.transport == core::Transport::udp) {
    auto socket = loop_->open_datagram(endpoint);
    if (!socket) return socket.error();
    core::DatagramSocket* s = *socket;
    s->on_datagram = [this](core::DatagramSocket& sock, const core::Datagram& d) { on_datagram(sock, d); };
    s->start_reading();
    sockets_.push_back(s);
    return s->endpoint();
  }
  auto listener = loop_->listen(endpoint);
  if (!listener) return listener.error();
  core::Listener* l = *listener;
  l->on_accept = [this](core::Stream& stream) { on_accept(stream); };
  listeners_.push_back(l);
  return l->endpoint();
}

core::Result<core::Endpoint> Server::adopt(int fd) {
  auto handle = loop_->adopt_socket(fd);
  if (!handle) return handle.error();
  if ((*handle)->kind() == core::HandleKind::datagram) {
    auto* s = static_cast<core::DatagramSocket*>(*handle);
    s->on_datagram = [this](core::DatagramSocket& sock, const core::Datagram& d) { on_datagram(sock, d); };
    s->start_reading();
    sockets_.push_back(s);
    return s->endpoint();
  }
  auto* l = static_cast<core::Listener*>(*handle);
  l->on_accept = [this](core::Stream& stream) { on_accept(stream); };
  listeners_.push_back(l);
  return l->endpoint();
}

// --- stream connections -------------------------------------------------------------------------

namespace {

// The client address the DRC keys on for a stream: the peer without its port, because a client
// that reconnects after a reset (and resends) does so from a new port.
core::SocketAddress without_port(const core::SocketAddress& peer) {
  core::SocketAddress a = peer;
  if (a.family() == AF_INET) reinterpret_cast<sockaddr_in*>(a.get())->sin_port = 0;
  if (a.family() == AF_INET6) reinterpret_cast<sockaddr_in6*>(a.get())->sin6_port = 0;
  return a;
}

}  // namespace

void Server::on_accept(core::Stream& stream) {
  const ServerLimits& limits = options_.limits;
  if (draining_ || open_connections_ >= limits.max_connections) {
    ++stats_.connections_refused;
    if (!draining_) {
      refused_log_.log(core::LogLevel::warning, "server: connection from " + stream.peer().to_string() +
                                                    " refused: max_connections (" +
                                                    std::to_string(limits.max_connections) + ") reached");
    }
    stream.close();
    return;
  }
  Connection* c = nullptr;
  if (!free_connections_.empty()) {
    c = free_connections_.back();
    free_connections_.pop_back();
  } else {
    connections_.push_back(std::make_unique<Connection>(*this, loop_->timers()));
    c = connections_.back().get();
  }
  c->stream = &stream;
  c->reader.emplace(loop_->pool(), rpc::RecordReaderLimits{limits.max_record_size, limits.max_fragments});
  c->drc_client = without_port(stream.peer());
  // What CallerInfo offers handlers: one getsockname/getsockopt per connection, not per call.
  c->local = stream.transport() == core::Transport::tcp ? core::local_address(stream.fd()) : core::SocketAddress{};
  c->credentials.reset();
  if (stream.transport() == core::Transport::unix_stream) {
    if (auto cred = core::peer_credentials(stream)) c->credentials = *cred;
  }
  c->last_activity = loop_->timers().now();
  c->in_flight = 0;
  c->output_blocked = false;
  c->eof = false;
  c->resume_posted = false;
  ++open_connections_;
  ++stats_.connections_accepted;
  stream.user_data = c;
  const std::size_t high = limits.max_queued_output == 0 ? SIZE_MAX : limits.max_queued_output;
  stream.set_write_watermarks(high / 2, high);
  stream.on_data = [this, c](core::Stream&, const core::Slice& bytes) {
    c->last_activity = loop_->timers().now();
    c->reader->feed(bytes);
    pump(*c);
  };
  stream.on_eof = [this, c](core::Stream& s) {
    // The client is gone (RPC clients close, they do not half-close): calls already received
    // are answered if they can be at once, deferred ones become orphans (as libtirpc closes a
    // connection on EOF), and the connection closes when its queued replies have left.
    pump(*c);
    c->eof = true;
    s.pause_reading();
    close_when_flushed(*c);
  };
  stream.on_write_pressure = [this, c](core::Stream&, bool above) {
    if (above) {
      if (!c->output_blocked) ++stats_.pauses_output;
      c->output_blocked = true;
      update_reading(*c);
    } else {
      c->output_blocked = false;
      schedule_resume(*c);
    }
  };
  stream.on_close = [this, c] { release_connection(*c); };
  if (limits.idle_timeout.count() > 0) c->idle_timer.arm_after(limits.idle_timeout);
  stream.start_reading();
}

void Server::release_connection(Connection& c) {
  c.idle_timer.cancel();
  c.stream = nullptr;
  ++c.generation;  // late asynchronous replies to this connection are now orphans
  c.reader.reset();
  c.record.reset();
  c.pending.clear();
  c.in_flight = 0;
  --open_connections_;
  free_connections_.push_back(&c);
  if (draining_) check_drain();
}

void Server::pump(Connection& c) {
  if (c.pumping) return;  // re-entered from a handler's reply: the outer loop carries on
  c.pumping = true;
  const std::size_t max_in_flight = options_.limits.max_calls_in_flight;
  while (c.open() && !draining_) {
    if (c.in_flight >= max_in_flight && max_in_flight != 0) {
      if (c.stream->reading()) ++stats_.pauses_in_flight;  // count the pause, not every pump
      break;
    }
    if (c.output_blocked) break;
    const rpc::ReadStatus status = c.reader->next(c.record);
    if (status == rpc::ReadStatus::need_more) break;
    if (status == rpc::ReadStatus::error) {
      ++stats_.connections_bad_records;
      bad_input_log_.log(core::LogLevel::warning, "server: closing connection from " + c.stream->peer().to_string() +
                                                      ": " + c.reader->error().message());
      c.stream->close();
      break;
    }
    ReplyTarget target;
    target.conn = &c;
    target.conn_generation = c.generation;
    target.peer = &c.stream->peer();
    target.record = &c.record;
    process_call(c.record.bytes(), target, c.stream->transport());
  }
  c.pumping = false;
  if (c.open() && !c.pending.empty()) c.stream->write(std::move(c.pending));
  if (c.open()) update_reading(c);
}

void Server::update_reading(Connection& c) {
  if (!c.open()) return;
  const std::size_t max_in_flight = options_.limits.max_calls_in_flight;
  const bool blocked = draining_ || c.eof || c.output_blocked || (max_in_flight != 0 && c.in_flight >= max_in_flight);
  if (blocked && c.stream->reading()) c.stream->pause_reading();
  if (!blocked && !c.stream->reading()) c.stream->start_reading();
}

void Server::schedule_resume(Connection& c) {
  if (c.resume_posted || !c.open()) return;
  c.resume_posted = true;
  // Resumed from the next iteration's timer phase, not from inside whatever callback made room
  // (a reply completion, a flush): handlers never run nested inside other handlers. A server
  // timer rather than Loop::post, so nothing refers to a server that has been destroyed.
  resumes_.push_back({&c, c.generation});
  if (!resume_timer_.armed()) resume_timer_.arm_after(core::Clock::duration::zero());
}

void Server::run_resumes() {
  resuming_.swap(resumes_);  // pump() may schedule more: they wait for the next pass
  for (const auto& [conn, generation] : resuming_) {
    if (conn->generation != generation) continue;  // closed meanwhile
    conn->resume_posted = false;
    pump(*conn);
  }
  resuming_.clear();
}

void Server::close_when_flushed(Connection& c) {
  if (!c.open()) return;
  if (c.stream->queued_output() == 0) {
    c.stream->close();
    return;
  }
  c.stream->shutdown_write();
  c.idle_timer.arm_after(kFlushPoll);  // on_idle_timer checks again
}

void Server::on_idle_timer(Connection& c) {
  if (!c.open()) return;
  if (c.eof) {
    close_when_flushed(c);
    return;
  }
  const auto timeout = options_.limits.idle_timeout;
  const core::TimePoint now = loop_->timers().now();
  if (c.in_flight == 0 && now - c.last_activity >= timeout) {
    ++stats_.connections_idle_closed;
    core::log(core::LogLevel::debug, "server: closing idle connection from " + c.stream->peer().to_string());
    c.stream->close();
    return;
  }
  c.idle_timer.arm_at(c.in_flight == 0 ? c.last_activity + timeout : now + timeout);
}

// --- datagrams --------------------------------------------------------------------------------

void Server::on_datagram(core::DatagramSocket& socket, const core::Datagram& datagram) {
  if (draining_) return;
  if (datagram.truncated) {
    ++stats_.udp_runts;
    bad_input_log_.log(core::LogLevel::warning,
                       "server: dropped a truncated datagram from " + datagram.from.to_string());
    return;
  }
  ReplyTarget target;
  target.socket = &socket;
  target.peer = &datagram.from;
  target.local = datagram.local.family() != 0 ? &datagram.local : nullptr;
  target.datagram = &datagram.data;
  process_call(datagram.data.bytes(), target, core::Transport::udp);
}

// --- drain --------------------------------------------------------------------------------------

core::Result<bool> Server::drain_on_signals(std::function<void()> on_first_signal) {
  auto handler = [this, on_first_signal = std::move(on_first_signal)](int signo) {
    if (draining_) {
      core::log(core::LogLevel::warning, "server: second signal, stopping now");
      loop_->stop();
      return;
    }
    if (on_first_signal) on_first_signal();
    core::log(core::LogLevel::info, std::string("server: ") + (signo == SIGINT ? "SIGINT" : "SIGTERM") +
                                        ", draining (deadline " +
                                        std::to_string(options_.limits.drain_deadline.count()) + " ms)");
    drain([this] { loop_->stop(); });
  };
  auto term = loop_->on_signal(SIGTERM, handler);
  if (!term) return term;
  return loop_->on_signal(SIGINT, handler);
}

void Server::drain(std::function<void()> done) {
  if (draining_) return;
  draining_ = true;
  drain_done_ = std::move(done);
  for (core::Listener* l : listeners_) {
    l->on_accept = nullptr;
    l->close();
  }
  listeners_.clear();
  for (core::DatagramSocket* s : sockets_) s->pause_reading();
  for (auto& c : connections_) update_reading(*c);
  loop_->timers().update_now();
  drain_deadline_ = loop_->timers().now() + options_.limits.drain_deadline;
  check_drain();
}

void Server::check_drain() {
  if (!draining_) return;
  const bool past_deadline = loop_->timers().now() >= drain_deadline_;
  bool busy = false;
  for (auto& c : connections_) {
    if (!c->open()) continue;
    if (!past_deadline && (c->in_flight != 0 || c->stream->queued_output() != 0 || !c->pending.empty())) {
      busy = true;
      continue;
    }
    c->stream->close();  // idle, or out of time
    busy = true;         // its close completes in the loop's close phase
  }
  if (!past_deadline && datagram_in_flight_ != 0) busy = true;
  if (busy && !past_deadline) {
    drain_tick_.arm_after(std::chrono::milliseconds(5));
    return;
  }
  if (open_connections_ != 0 && !past_deadline) return;  // release_connection calls back
  finish_drain();
}

void Server::finish_drain() {
  drain_tick_.cancel();
  for (core::DatagramSocket* s : sockets_) {
    s->on_datagram = nullptr;
    s->close();
  }
  sockets_.clear();
  if (drain_done_) {
    auto done = std::move(drain_done_);
    drain_done_ = nullptr;
    done();
  }
}

// --- stats --------------------------------------------------------------------------------------

const ServerStats& Server::stats() const noexcept {
  const DrcStats& d = drc_.stats();
  stats_.drc_replays = d.replays;
  stats_.drc_dropped = d.in_progress;
  stats_.drc_evictions = d.evictions;
  stats_.connections_open = open_connections_;
  return stats_;
}

std::string Server::format_stats() const {
  std::string out = format_server_stats(stats());
  for (const ProgramEntry& p : registry_.programs()) {
    for (const VersionTable& v : p.versions) {
      for (std::size_t proc = 0; proc < v.procedures.size(); ++proc) {
        const Procedure& pr = v.procedures[proc];
        if (!pr.handler || (pr.stats.calls == 0 && pr.stats.drc_replays == 0 && pr.stats.drc_dropped == 0)) continue;
        out += "  ";
        out += p.name.empty() ? std::to_string(p.prog) : p.name;
        out += " v" + std::to_string(v.vers) + " " + (pr.spec.name.empty() ? std::to_string(proc) : pr.spec.name);
        out += ": calls=" + std::to_string(pr.stats.calls) + " garbage_args=" + std::to_string(pr.stats.garbage_args) +
               " system_err=" + std::to_string(pr.stats.system_err) + " denied=" + std::to_string(pr.stats.denied) +
               " drc_replays=" + std::to_string(pr.stats.drc_replays) +
               " drc_dropped=" + std::to_string(pr.stats.drc_dropped) +
               " bytes_in=" + std::to_string(pr.stats.bytes_in) + "\n";
      }
    }
  }
  return out;
}

}  // namespace nelson::server
