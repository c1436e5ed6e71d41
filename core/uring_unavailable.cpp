// Built when liburing was not found at configure time (NELSON_WITH_URING=OFF or no liburing-dev).
#include "core/backend.hpp"
#include "core/uring_backend.hpp"

namespace nelson::core {

BackendResult make_uring_backend(Loop& /*loop*/) { return {nullptr, "this build has no liburing"}; }

namespace uring_testing {
void simulate_setup_failure(int /*error*/) noexcept {}
void set_buffer_count(unsigned /*count*/) noexcept {}
void set_zero_copy_threshold(std::size_t /*bytes*/) noexcept {}
std::uint64_t zero_copy_notifications() noexcept { return 0; }
std::uint64_t pool_reads() noexcept { return 0; }
}  // namespace uring_testing

}  // namespace nelson::core
