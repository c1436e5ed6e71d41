#include "client/service_registration.hpp"

#include <algorithm>

namespace nelson::client {

std::vector<RegistrationResult> ServiceRegistration::register_sync(std::uint32_t prog, std::uint32_t vers,
                                                                   std::span<const core::Endpoint> endpoints) {
  std::vector<RegistrationResult> results;
  for (const core::Endpoint& endpoint : endpoints) {
    Registration what = registration_for(prog, vers, endpoint);
    if (what.uaddr.empty() || what.netid.empty()) continue;
    results.push_back(register_service_sync(*loop_, what, options_));
    if (!results.back().ok()) continue;
    // Two endpoints of one netid (two addresses): the portmapper keeps the first; UNSET by netid
    // removes it once.
    const bool known = std::any_of(registered_.begin(), registered_.end(), [&](const Registration& r) {
      return r.prog == what.prog && r.vers == what.vers && r.netid == what.netid;
    });
    if (!known) registered_.push_back(std::move(what));
  }
  return results;
}

std::vector<RegistrationResult> ServiceRegistration::unregister_sync() {
  std::vector<RegistrationResult> results;
  while (!registered_.empty()) {
    const Registration r = std::move(registered_.back());
    registered_.pop_back();
    results.push_back(unregister_service_sync(*loop_, r.prog, r.vers, r.netid, options_));
  }
  return results;
}

}  // namespace nelson::client
