// server::Connection — the server's state for one stream (TCP or UNIX) connection. Internal to
// server/: slots are reused (a generation number tells a new connection from the one a late
// asynchronous reply was meant for), so a ReplyTarget's pointer stays valid for the server's life.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "core/chain.hpp"
#include "core/handle.hpp"
#include "core/peer_credentials.hpp"
#include "core/timer.hpp"
#include "rpc/record_reader.hpp"

namespace nelson::server {

class Server;

class Connection {
 public:
  Connection(Server& server, core::TimerQueue& timers);

  [[nodiscard]] bool open() const noexcept { return stream != nullptr && !stream->closing(); }

  Server* server;
  core::Stream* stream = nullptr;
  std::uint32_t generation = 0;
  std::optional<rpc::RecordReader> reader;
  rpc::Record record;                                // the record being dispatched (a deferred call takes it)
  core::Chain pending;                               // replies encoded since the last hand-over to the stream
  core::SocketAddress drc_client;                    // the peer without its port: the DRC's client address
  core::SocketAddress local;                         // TCP: the local end (the address the client reached)
  std::optional<core::PeerCredentials> credentials;  // UNIX: the peer's, from the kernel
  core::Timer idle_timer;
  core::TimePoint last_activity{};
  std::size_t in_flight = 0;    // deferred calls not yet answered
  bool output_blocked = false;  // queued output above max_queued_output
  bool eof = false;             // the peer closed its side
  bool resume_posted = false;
  bool pumping = false;
};

}  // namespace nelson::server
