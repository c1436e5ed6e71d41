#include "server/stats.hpp"

#include <string>

namespace nelson::server {
namespace {

void field(std::string& out, const char* name, std::uint64_t value) {
  out += ' ';
  out += name;
  out += '=';
  out += std::to_string(value);
}

}  // namespace

std::string format_server_stats(const ServerStats& s) {
  std::string out = "connections:";
  field(out, "open", s.connections_open);
  field(out, "accepted", s.connections_accepted);
  field(out, "refused", s.connections_refused);
  field(out, "idle_closed", s.connections_idle_closed);
  field(out, "bad_records", s.connections_bad_records);
  out += "\ncalls:";
  field(out, "calls", s.calls);
  field(out, "replies", s.replies);
  field(out, "deferred", s.deferred);
  field(out, "expired", s.expired);
  field(out, "orphaned", s.orphaned);
  field(out, "dropped_by_handler", s.dropped_by_handler);
  out += "\nerrors:";
  field(out, "prog_unavail", s.prog_unavail);
  field(out, "prog_mismatch", s.prog_mismatch);
  field(out, "proc_unavail", s.proc_unavail);
  field(out, "garbage_args", s.garbage_args);
  field(out, "system_err", s.system_err);
  field(out, "rpc_mismatch", s.rpc_mismatch);
  field(out, "auth_error", s.auth_error);
  field(out, "garbage_dropped", s.garbage_dropped);
  field(out, "udp_runts", s.udp_runts);
  field(out, "udp_send_errors", s.udp_send_errors);
  field(out, "encode_failures", s.encode_failures);
  out += "\ndrc:";
  field(out, "replays", s.drc_replays);
  field(out, "dropped_in_progress", s.drc_dropped);
  field(out, "evictions", s.drc_evictions);
  out += "\nback_pressure:";
  field(out, "in_flight_pauses", s.pauses_in_flight);
  field(out, "output_pauses", s.pauses_output);
  out += '\n';
  return out;
}

}  // namespace nelson::server
