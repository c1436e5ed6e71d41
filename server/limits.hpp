// server::ServerLimits — every limit of a server, each a named setting with a sane default.
//
// The defaults suit a general-purpose service on one core; each can be set from the command
// line of nelson-bench-server (--max-connections, --max-record-size, ...).
#pragma once

#include <chrono>
#include <cstddef>

namespace nelson::server {

struct ServerLimits {
  /// Open stream connections (TCP and UNIX) at once. Beyond it a new connection is accepted
  /// and closed at once, with a rate-limited log line: the listener's backlog never fills.
  std::size_t max_connections = 4096;
  /// Largest call record (TCP/UNIX) accepted; a larger one closes the connection.
  std::size_t max_record_size = std::size_t{1} << 20;
  /// Most record-marking fragments in one call record.
  std::size_t max_fragments = 65536;
  /// Calls of one connection dispatched and not yet answered; at the limit the connection
  /// stops reading (back-pressure) until replies complete.
  std::size_t max_calls_in_flight = 256;
  /// Reply bytes queued on one connection and not yet taken by the kernel; above it the
  /// connection stops reading until the queue falls to half of it.
  std::size_t max_queued_output = std::size_t{4} << 20;
  /// The largest reply sent as a datagram: UDP's payload over IPv4 (65535 - 8 - 20). A larger
  /// one (a DUMP of a big table, say) is answered SYSTEM_ERR instead, which the client hears,
  /// where the kernel would refuse the send (EMSGSIZE) and the client retransmit into a timeout.
  std::size_t max_datagram_reply = 65507;
  /// A connection with nothing in flight that sends nothing for this long is closed. 0: never.
  std::chrono::milliseconds idle_timeout{std::chrono::minutes(2)};
  /// An asynchronous call not completed within this is expired: it gets no reply, its slot is
  /// freed, a late completion is discarded (counted as expired). 0: no deadline.
  std::chrono::milliseconds call_deadline{std::chrono::seconds(30)};
  /// Duplicate-request cache: most entries, and most reply bytes cached in all.
  std::size_t drc_max_entries = 4096;
  std::size_t drc_max_bytes = std::size_t{16} << 20;
  /// How long a drain (SIGTERM/SIGINT) waits for calls in flight and queued replies.
  std::chrono::milliseconds drain_deadline{std::chrono::seconds(10)};
};

}  // namespace nelson::server
