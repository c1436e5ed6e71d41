// Built where <sys/event.h> does not exist (Linux): kqueue is a BSD and macOS facility.
#include "core/backend.hpp"

namespace nelson::core {

BackendResult make_kqueue_backend(Loop& /*loop*/) { return {nullptr, "not available on this platform"}; }

}  // namespace nelson::core
