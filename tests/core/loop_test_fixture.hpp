// The fixture of the reactor suite (loop_test.cpp, loop_stream_test.cpp): one Loop on the
// backend under test, and small helpers every scenario needs. The fixture is a named (not an
// anonymous-namespace) class so that the TEST_Ps of several files form one suite, instantiated
// once per backend in loop_test.cpp.
#pragma once

#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstddef>
#include <gtest/gtest.h>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "core/loop.hpp"
#include "tests/core/run_loop.hpp"

namespace nelson::core::test {

using std::chrono::milliseconds;

inline std::span<const std::byte> as_bytes(std::string_view s) { return std::as_bytes(std::span(s.data(), s.size())); }
inline std::string_view as_chars(const Slice& s) { return {reinterpret_cast<const char*>(s.data()), s.length}; }

/// Sets the soft RLIMIT_NOFILE for the lifetime of the object, restoring the old value after.
class FdLimit {
 public:
  FdLimit() { ::getrlimit(RLIMIT_NOFILE, &saved_); }
  ~FdLimit() { ::setrlimit(RLIMIT_NOFILE, &saved_); }
  FdLimit(const FdLimit&) = delete;
  FdLimit& operator=(const FdLimit&) = delete;

  [[nodiscard]] rlim_t soft() const noexcept { return saved_.rlim_cur; }
  [[nodiscard]] rlim_t hard() const noexcept { return saved_.rlim_max; }
  bool set_soft(rlim_t value) noexcept {
    rlimit r = saved_;
    r.rlim_cur = value;
    return ::setrlimit(RLIMIT_NOFILE, &r) == 0;
  }

 private:
  rlimit saved_{};
};

class LoopTest : public ::testing::TestWithParam<BackendKind> {
 protected:
  void SetUp() override { recreate({}); }

  /// Replaces the loop with one made from `options` (the backend is always the parameter).
  void recreate(LoopOptions options) {
    loop_.reset();
    options.backend = GetParam();
    auto created = Loop::create(options);
    if (!created) GTEST_SKIP() << to_string(GetParam()) << " unavailable here: " << created.error().message;
    loop_ = std::move(created.value());
    if (loop_->backend_kind() != GetParam()) {
      GTEST_SKIP() << to_string(GetParam()) << " unavailable here: " << loop_->fallback_reason();
    }
  }

  // Runs iterations until `done` or the deadline (a hang fails the test instead of CI).
  template <class Pred>
  bool run_until(Pred done, milliseconds limit = milliseconds(10000)) {
    return test::run_until(*loop_, done, limit);
  }

  /// Runs iterations for `duration` of wall time; returns how many ran.
  std::uint64_t run_for(milliseconds duration) { return test::run_for(*loop_, duration); }

  Listener* echo_server(const std::string& address = "tcp://127.0.0.1:0") {
    auto endpoint = parse_endpoint(address);
    EXPECT_TRUE(endpoint) << endpoint.error().message;
    auto listener = loop_->listen(*endpoint);
    EXPECT_TRUE(listener) << listener.error().message;
    if (!listener) return nullptr;
    (*listener)->on_accept = [this](Stream& s) {
      ++accepted_;
      s.on_data = [](Stream& st, const Slice& bytes) { EXPECT_TRUE(st.write_copy(bytes.bytes())); };
      s.on_eof = [](Stream& st) { st.close(); };
      s.start_reading();
    };
    return *listener;
  }

  /// A client stream that appends what it receives to `*received` and counts its closes.
  Stream* client(const Endpoint& to, std::string* received, int* closed = nullptr) {
    auto s = loop_->connect(to);
    EXPECT_TRUE(s) << s.error().message;
    if (!s) return nullptr;
    (*s)->on_data = [received](Stream&, const Slice& b) { received->append(as_chars(b)); };
    (*s)->on_eof = [](Stream& st) { st.close(); };
    if (closed != nullptr) (*s)->on_close = [closed] { ++*closed; };
    (*s)->start_reading();
    return *s;
  }

  std::unique_ptr<Loop> loop_;
  int accepted_ = 0;
};

}  // namespace nelson::core::test
