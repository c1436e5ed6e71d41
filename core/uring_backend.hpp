// Test hooks of the io_uring backend (core/uring_backend.cpp). They change the backends created
// after the call, so tests can simulate a kernel without io_uring, exhaust a tiny buffer ring,
// or push small sends through the zero-copy path. Not for production code.
#pragma once

#include <cstddef>
#include <cstdint>

namespace nelson::core::uring_testing {

/// make_uring_backend() fails as if io_uring_setup() had returned -error (EPERM: a seccomp
/// profile; ENOSYS: an old kernel). 0 stops the simulation.
void simulate_setup_failure(int error) noexcept;
/// Receive buffers in the provided-buffer ring (a power of two, at least 2); 0: the default.
void set_buffer_count(unsigned count) noexcept;
/// Smallest TCP send that goes out as SENDMSG_ZC, to loopback peers too (which the default
/// never does, see kZeroCopyThreshold); 0: the measured default.
void set_zero_copy_threshold(std::size_t bytes) noexcept;
/// Zero-copy send notifications (IORING_CQE_F_NOTIF) seen by all io_uring backends so far.
std::uint64_t zero_copy_notifications() noexcept;
/// Completions (cancelled ones too) of the one-shot receives into the loop's pool that streams
/// make while users hold every ring buffer, by all io_uring backends so far.
std::uint64_t pool_reads() noexcept;

}  // namespace nelson::core::uring_testing
