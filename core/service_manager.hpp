// core::notify_service_manager — tells systemd (or any supervisor speaking its protocol) how a
// daemon is doing: "READY=1" once it serves, "STOPPING=1" when it starts to drain, "STATUS=..."
// in words. sd_notify(3)'s protocol, without libsystemd: one datagram to the UNIX socket named
// by $NOTIFY_SOCKET (a path, or "@name" in Linux's abstract namespace).
//
//   core::notify_service_manager("READY=1\nSTATUS=serving on port 111");
//
// With no $NOTIFY_SOCKET (not started by systemd with Type=notify) it does nothing and says so
// by returning false; a send that fails returns false too. Never blocks.
//
// With WatchdogSec= in the unit, systemd restarts a daemon that stops sending "WATCHDOG=1":
// service_manager_watchdog() says how often it expects one (send at half that interval).
#pragma once

#include <chrono>
#include <string_view>

namespace nelson::core {

bool notify_service_manager(std::string_view state) noexcept;

/// sd_watchdog_enabled(3): $WATCHDOG_USEC when it is a positive number and $WATCHDOG_PID, if
/// set, names this process; else zero (no watchdog asked for).
std::chrono::microseconds service_manager_watchdog() noexcept;

}  // namespace nelson::core
