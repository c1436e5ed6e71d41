// Counters of a server and of each procedure: plain integers bumped on the loop's thread
// (one loop owns a server, so nothing is atomic), printable as a table.
#pragma once

#include <cstdint>
#include <string>

namespace nelson::server {

struct ProcedureStats {
  std::uint64_t calls = 0;         // dispatched to the handler (DRC replays excluded)
  std::uint64_t garbage_args = 0;  // answered GARBAGE_ARGS
  std::uint64_t system_err = 0;    // answered SYSTEM_ERR (handler or broken promise)
  std::uint64_t denied = 0;        // answered AUTH_ERROR by the handler
  std::uint64_t drc_replays = 0;   // retransmissions answered from the duplicate-request cache
  std::uint64_t drc_dropped = 0;   // retransmissions dropped while the original was executing
  std::uint64_t bytes_in = 0;      // argument bytes
};

struct ServerStats {
  // connections
  std::uint64_t connections_accepted = 0;
  std::uint64_t connections_refused = 0;  // over max_connections: accepted and closed at once
  std::uint64_t connections_open = 0;
  std::uint64_t connections_idle_closed = 0;
  std::uint64_t connections_bad_records = 0;  // closed for a record over a limit
  // calls and their answers
  std::uint64_t calls = 0;  // well-formed call headers
  std::uint64_t replies = 0;
  std::uint64_t prog_unavail = 0;
  std::uint64_t prog_mismatch = 0;
  std::uint64_t proc_unavail = 0;
  std::uint64_t garbage_args = 0;
  std::uint64_t system_err = 0;
  std::uint64_t rpc_mismatch = 0;
  std::uint64_t auth_error = 0;
  std::uint64_t garbage_dropped = 0;  // malformed headers and replies sent to us: dropped
  std::uint64_t udp_runts = 0;        // datagrams too short or truncated: dropped
  std::uint64_t udp_send_errors = 0;
  // at-most-once
  std::uint64_t drc_replays = 0;
  std::uint64_t drc_dropped = 0;
  std::uint64_t drc_evictions = 0;
  // asynchronous calls
  std::uint64_t deferred = 0;
  std::uint64_t expired = 0;             // passed call_deadline unanswered
  std::uint64_t orphaned = 0;            // answered after their connection closed: discarded
  std::uint64_t dropped_by_handler = 0;  // Status::dropped or ReplyHandle::drop(): no reply
  // back-pressure
  std::uint64_t pauses_in_flight = 0;  // a connection stopped reading at max_calls_in_flight
  std::uint64_t pauses_output = 0;     // ... at max_queued_output
  std::uint64_t encode_failures = 0;   // a reply could not be encoded (pool exhausted, ...)
};

/// One line per non-zero counter group, e.g. for a periodic print or the drain summary.
[[nodiscard]] std::string format_server_stats(const ServerStats& s);

}  // namespace nelson::server
