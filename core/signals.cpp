// Signals as loop events. Linux: the signals are blocked in the loop's thread and read from a
// signalfd. Elsewhere (and on Linux when a test asks): a sigaction handler writes the signal
// number into a self-pipe whose read end the loop watches. Both end in Loop::read_signals.
#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/signalfd.h>
#endif

#include <atomic>
#include <cerrno>

#include "core/loop.hpp"

namespace nelson::core {
namespace {

// Signal dispositions are per process, so the self-pipe is too: one loop may own it.
std::atomic<int> g_self_pipe_write{-1};
std::atomic<bool> g_force_self_pipe{false};

extern "C" void write_signal_to_pipe(int signo) {
  const int saved_errno = errno;  // a handler must leave errno as it found it
  const auto byte = static_cast<unsigned char>(signo);
  const int fd = g_self_pipe_write.load(std::memory_order_relaxed);
  if (fd >= 0) {
    const ssize_t ignored = ::write(fd, &byte, 1);  // a full pipe drops it: one wake-up is enough
    (void)ignored;
  }
  errno = saved_errno;
}

bool use_signalfd() noexcept {
#ifdef __linux__
  return !g_force_self_pipe.load();
#else
  return false;
#endif
}

}  // namespace

void loop_testing::use_self_pipe_signals(bool on) noexcept { g_force_self_pipe.store(on); }

Result<bool> Loop::on_signal(int signo, std::function<void(int)> fn) {
  if (signo <= 0 || signo > 255) return Error{EINVAL, "bad signal number " + std::to_string(signo)};
  if (signal_watcher_ == nullptr) {
    int read_end = -1;
#ifdef __linux__
    if (use_signalfd()) {
      sigset_t empty;
      sigemptyset(&empty);
      read_end = ::signalfd(-1, &empty, SFD_NONBLOCK | SFD_CLOEXEC);
      if (read_end < 0) return errno_error("signalfd", errno);
    }
#endif
    if (read_end < 0) {
      int ends[2];
      if (::pipe(ends) != 0) return errno_error("pipe", errno);
      for (int fd : ends) {
        ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
        ::fcntl(fd, F_SETFD, FD_CLOEXEC);
      }
      int expected = -1;
      if (!g_self_pipe_write.compare_exchange_strong(expected, ends[1])) {
        ::close(ends[0]);
        ::close(ends[1]);
        return Error{EBUSY, "another loop of this process already owns signals"};
      }
      read_end = ends[0];
      signal_pipe_write_ = ends[1];
    }
    signal_watcher_ = own(std::make_unique<Watcher>(*this, read_end, [this] { read_signals(); }));
    if (signal_watcher_ == nullptr) return Error{EINVAL, "cannot watch the signal descriptor"};
    backend_->update(*signal_watcher_);
  }
  sigaddset(&signal_mask_, signo);
  signal_handlers_.emplace_back(signo, std::move(fn));
  if (signal_pipe_write_ >= 0) {
    struct sigaction action {};
    action.sa_handler = write_signal_to_pipe;
    action.sa_flags = SA_RESTART;
    sigemptyset(&action.sa_mask);
    if (::sigaction(signo, &action, nullptr) != 0) return errno_error("sigaction", errno);
    return true;
  }
#ifdef __linux__
  // Blocked in this thread so the signal waits in the signalfd instead of interrupting us.
  // (Threads started later inherit the mask; start them after creating loops, or block there.)
  pthread_sigmask(SIG_BLOCK, &signal_mask_, nullptr);
  if (::signalfd(signal_watcher_->fd(), &signal_mask_, 0) < 0) return errno_error("signalfd", errno);
#endif
  return true;
}

void Loop::read_signals() noexcept {
  const auto dispatch = [this](int signo) {
    for (auto& [wanted, fn] : signal_handlers_) {
      if (wanted == signo) fn(signo);
    }
  };
  if (signal_pipe_write_ >= 0) {
    unsigned char bytes[64];
    ssize_t n;
    while ((n = ::read(signal_watcher_->fd(), bytes, sizeof(bytes))) > 0) {
      for (ssize_t i = 0; i < n; ++i) dispatch(bytes[i]);
    }
    return;
  }
#ifdef __linux__
  signalfd_siginfo info{};
  while (::read(signal_watcher_->fd(), &info, sizeof(info)) == static_cast<ssize_t>(sizeof(info))) {
    dispatch(static_cast<int>(info.ssi_signo));
  }
#endif
}

void Loop::close_signals() noexcept {
  if (signal_watcher_ == nullptr) return;
  if (signal_pipe_write_ >= 0) {
    for (const auto& entry : signal_handlers_) ::signal(entry.first, SIG_DFL);
    g_self_pipe_write.store(-1);
    ::close(signal_pipe_write_);
    signal_pipe_write_ = -1;
  } else {
    pthread_sigmask(SIG_UNBLOCK, &signal_mask_, nullptr);
  }
}

}  // namespace nelson::core
