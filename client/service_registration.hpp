// client::ServiceRegistration — what a server's main() does with the portmapper, in two calls:
// register (program, version) at every endpoint it listens on, and at shutdown take back exactly
// what it registered (its netids, not another server's registrations of the same program).
//
//   std::vector<core::Endpoint> bound = ...;                      // what Server::listen returned
//   client::ServiceRegistration portmapper(*loop);                // options: the portmapper's socket, port
//   for (const auto& r : portmapper.register_sync(prog, vers, bound))
//     if (!r.ok()) log(client::message(r));                      // a missing portmapper is not fatal
//   loop->run();                                                  // ... until drained
//   for (const auto& r : portmapper.unregister_sync()) if (!r.ok()) log(client::message(r));
//
// Endpoints without a universal address (an abstract UNIX socket) are skipped. The calls run the
// loop (start-up and shutdown code); the destructor does not unregister, since it could not
// without running the loop.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "client/registration.hpp"

namespace nelson::client {

class ServiceRegistration {
 public:
  explicit ServiceRegistration(core::Loop& loop, RegistrationOptions options = {})
      : loop_(&loop), options_(std::move(options)) {}

  /// Registers (prog, vers) at each of `endpoints`; one result per endpoint registered or tried.
  std::vector<RegistrationResult> register_sync(std::uint32_t prog, std::uint32_t vers,
                                                std::span<const core::Endpoint> endpoints);
  /// Unregisters, in reverse order, every (prog, vers, netid) register_sync registered.
  std::vector<RegistrationResult> unregister_sync();

  /// What is registered now (by this object).
  [[nodiscard]] const std::vector<Registration>& registered() const noexcept { return registered_; }

 private:
  core::Loop* loop_;
  RegistrationOptions options_;
  std::vector<Registration> registered_;
};

}  // namespace nelson::client
