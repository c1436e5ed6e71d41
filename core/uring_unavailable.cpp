// Built when liburing was not found at configure time (NELSON_WITH_URING=OFF or no liburing-dev).
#include "core/backend.hpp"

namespace nelson::core {

BackendResult make_uring_backend(Loop& /*loop*/) { return {nullptr, "this build has no liburing"}; }

}  // namespace nelson::core
