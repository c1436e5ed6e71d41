// The kqueue emulation (kqueue_emulation/) against the BSD behaviour the kqueue poller relies
// on, so that core_kqueue_test passing says something about real kqueue.
#include <sys/event.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <gtest/gtest.h>
#include <vector>

namespace {

struct kevent make_change(int fd, int filter, int flags, void* udata = nullptr) {
  struct kevent ev {};
  EV_SET(&ev, static_cast<uintptr_t>(fd), static_cast<short>(filter), static_cast<unsigned short>(flags), 0U, 0, udata);
  return ev;
}

class KqueueEmulationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    kq_ = ::kqueue();
    ASSERT_GE(kq_, 0);
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv_), 0);
  }
  void TearDown() override {
    for (int fd : {kq_, sv_[0], sv_[1]}) {
      if (fd >= 0) ::close(fd);
    }
  }

  // Applies one change with no eventlist: 0, or -1 with errno (BSD's way without room).
  int change(int fd, int filter, int flags, void* udata = nullptr) {
    const struct kevent ev = make_change(fd, filter, flags, udata);
    return ::kevent(kq_, &ev, 1, nullptr, 0, nullptr);
  }

  std::vector<struct kevent> poll(std::chrono::milliseconds wait = std::chrono::milliseconds(0), int max = 8) {
    std::vector<struct kevent> out(static_cast<std::size_t>(max));
    const timespec ts{static_cast<time_t>(wait.count() / 1000), static_cast<long>(wait.count() % 1000) * 1000000};
    const int n = ::kevent(kq_, nullptr, 0, out.data(), max, &ts);
    EXPECT_GE(n, 0) << std::strerror(errno);
    out.resize(static_cast<std::size_t>(std::max(n, 0)));
    return out;
  }

  void send(const char* text) { ASSERT_EQ(::write(sv_[1], text, std::strlen(text)), std::strlen(text)); }

  int kq_ = -1;
  int sv_[2] = {-1, -1};
  int tag_a_ = 0;  // addresses used as udata
  int tag_b_ = 0;
};

TEST_F(KqueueEmulationTest, ReadFilterIsPersistentAndLevelTriggered) {
  ASSERT_EQ(change(sv_[0], EVFILT_READ, EV_ADD, &tag_a_), 0);
  EXPECT_TRUE(poll().empty());
  send("hello");
  for (int round = 0; round < 2; ++round) {  // reported again while unread
    const auto events = poll();
    ASSERT_EQ(events.size(), 1U);
    EXPECT_EQ(events[0].ident, static_cast<uintptr_t>(sv_[0]));
    EXPECT_EQ(events[0].filter, EVFILT_READ);
    EXPECT_EQ(events[0].udata, &tag_a_);
    EXPECT_EQ(events[0].data, 5);
    EXPECT_EQ(events[0].flags & (EV_EOF | EV_ERROR), 0);
  }
  char buf[16];
  ASSERT_EQ(::read(sv_[0], buf, sizeof(buf)), 5);
  EXPECT_TRUE(poll().empty());
}

TEST_F(KqueueEmulationTest, OneShotFiresOnceThenIsDeleted) {
  ASSERT_EQ(change(sv_[0], EVFILT_READ, EV_ADD | EV_ONESHOT, &tag_a_), 0);
  send("x");
  const auto events = poll();
  ASSERT_EQ(events.size(), 1U);
  EXPECT_NE(events[0].flags & EV_ONESHOT, 0);
  EXPECT_TRUE(poll().empty());  // still readable, but the filter is gone
  EXPECT_EQ(change(sv_[0], EVFILT_READ, EV_DELETE), -1);
  EXPECT_EQ(errno, ENOENT);
}

TEST_F(KqueueEmulationTest, DeletingAnUnknownFilterIsENOENT) {
  // Without room in the eventlist: -1 and errno, and the changes after it are not applied.
  const struct kevent changes[2] = {make_change(sv_[0], EVFILT_WRITE, EV_DELETE),
                                    make_change(sv_[0], EVFILT_READ, EV_ADD)};
  EXPECT_EQ(::kevent(kq_, changes, 2, nullptr, 0, nullptr), -1);
  EXPECT_EQ(errno, ENOENT);
  send("x");
  EXPECT_TRUE(poll().empty());

  // With room: an EV_ERROR entry carrying the change and the errno; the rest is applied, and
  // the call returns the errors at once instead of waiting (FreeBSD).
  struct kevent out[4] = {};
  const timespec forever_enough{5, 0};
  const auto start = std::chrono::steady_clock::now();
  ASSERT_EQ(::kevent(kq_, changes, 2, out, 4, &forever_enough), 1);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  EXPECT_EQ(out[0].flags, EV_ERROR);
  EXPECT_EQ(out[0].data, ENOENT);
  EXPECT_EQ(out[0].filter, EVFILT_WRITE);
  EXPECT_EQ(out[0].ident, static_cast<uintptr_t>(sv_[0]));
  const auto events = poll();
  ASSERT_EQ(events.size(), 1U);
  EXPECT_EQ(events[0].filter, EVFILT_READ);

  EXPECT_EQ(change(sv_[0], EVFILT_READ, EV_ENABLE), 0);
  EXPECT_EQ(change(sv_[1], EVFILT_READ, EV_ENABLE), -1);  // enabling needs the filter too
  EXPECT_EQ(errno, ENOENT);
}

TEST_F(KqueueEmulationTest, ReadAndWriteAreSeparateFiltersAndEvents) {
  ASSERT_EQ(change(sv_[0], EVFILT_READ, EV_ADD, &tag_a_), 0);
  ASSERT_EQ(change(sv_[0], EVFILT_WRITE, EV_ADD, &tag_b_), 0);
  auto events = poll();
  ASSERT_EQ(events.size(), 1U);  // writable, not readable
  EXPECT_EQ(events[0].filter, EVFILT_WRITE);
  EXPECT_EQ(events[0].udata, &tag_b_);
  send("x");
  events = poll();
  ASSERT_EQ(events.size(), 2U);
  EXPECT_EQ(events[0].filter, EVFILT_READ);
  EXPECT_EQ(events[0].udata, &tag_a_);
  EXPECT_EQ(events[1].filter, EVFILT_WRITE);
  EXPECT_EQ(events[1].udata, &tag_b_);
  // Only one fits: the other stays armed for the next call.
  EXPECT_EQ(poll(std::chrono::milliseconds(0), 1).size(), 1U);
  // Deleting one filter leaves the other.
  ASSERT_EQ(change(sv_[0], EVFILT_WRITE, EV_DELETE), 0);
  events = poll();
  ASSERT_EQ(events.size(), 1U);
  EXPECT_EQ(events[0].filter, EVFILT_READ);
  // Re-adding changes udata; adding twice is no duplicate.
  ASSERT_EQ(change(sv_[0], EVFILT_READ, EV_ADD, &tag_b_), 0);
  events = poll();
  ASSERT_EQ(events.size(), 1U);
  EXPECT_EQ(events[0].udata, &tag_b_);
}

TEST_F(KqueueEmulationTest, DisableKeepsTheFilterQuiet) {
  ASSERT_EQ(change(sv_[0], EVFILT_READ, EV_ADD | EV_DISABLE, &tag_a_), 0);
  send("x");
  EXPECT_TRUE(poll().empty());
  ASSERT_EQ(change(sv_[0], EVFILT_READ, EV_ENABLE), 0);
  EXPECT_EQ(poll().size(), 1U);  // ready while disabled: reported once enabled
  ASSERT_EQ(change(sv_[0], EVFILT_READ, EV_DISABLE), 0);
  EXPECT_TRUE(poll().empty());
  ASSERT_EQ(change(sv_[0], EVFILT_READ, EV_DELETE), 0);  // a disabled filter exists
}

TEST_F(KqueueEmulationTest, HangUpIsEvEof) {
  ASSERT_EQ(change(sv_[0], EVFILT_READ, EV_ADD, &tag_a_), 0);
  ASSERT_EQ(change(sv_[0], EVFILT_WRITE, EV_ADD, &tag_b_), 0);
  send("bye");
  ASSERT_EQ(::shutdown(sv_[1], SHUT_WR), 0);  // half-close: EOF for reading only
  auto events = poll();
  ASSERT_EQ(events.size(), 2U);
  EXPECT_EQ(events[0].filter, EVFILT_READ);
  EXPECT_NE(events[0].flags & EV_EOF, 0);
  EXPECT_EQ(events[0].data, 3);  // EOF comes with the bytes still unread
  EXPECT_EQ(events[1].filter, EVFILT_WRITE);
  EXPECT_EQ(events[1].flags & EV_EOF, 0);

  ::close(sv_[1]);  // full hang-up: writing is over too
  sv_[1] = -1;
  events = poll();
  ASSERT_EQ(events.size(), 2U);
  EXPECT_NE(events[0].flags & EV_EOF, 0);
  EXPECT_EQ(events[1].filter, EVFILT_WRITE);
  EXPECT_NE(events[1].flags & EV_EOF, 0);
}

TEST_F(KqueueEmulationTest, TimeoutIsATimespec) {
  ASSERT_EQ(change(sv_[0], EVFILT_READ, EV_ADD), 0);
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(poll(std::chrono::milliseconds(30)).empty());
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(30));

  start = std::chrono::steady_clock::now();
  EXPECT_TRUE(poll().empty());  // {0, 0}: do not block
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(20));

  struct kevent out {};
  const timespec bad{0, 1000000000};
  EXPECT_EQ(::kevent(kq_, nullptr, 0, &out, 1, &bad), -1);
  EXPECT_EQ(errno, EINVAL);

  // No timespec: wait until something happens.
  send("x");
  EXPECT_EQ(::kevent(kq_, nullptr, 0, &out, 1, nullptr), 1);
}

TEST_F(KqueueEmulationTest, ClosingADescriptorDropsItsFilters) {
  ASSERT_EQ(change(sv_[0], EVFILT_READ, EV_ADD, &tag_a_), 0);
  const int old_fd = sv_[0];
  ::close(sv_[0]);
  sv_[0] = -1;
  EXPECT_EQ(change(old_fd, EVFILT_READ, EV_DELETE), -1);
  EXPECT_EQ(errno, EBADF);

  int again[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, again), 0);
  ASSERT_EQ(::write(again[1], "x", 1), 1);
  sv_[0] = again[0];
  ::close(again[1]);
  ASSERT_EQ(again[0], old_fd);  // the lowest free number is reused
  EXPECT_TRUE(poll().empty());
  EXPECT_EQ(change(again[0], EVFILT_READ, EV_DELETE), -1);  // the old knote is gone
  EXPECT_EQ(errno, ENOENT);
}

TEST_F(KqueueEmulationTest, ReusedNumberStartsWithNoFilters) {
  // Closed between two changes (no kevent in between saw the close): same as above.
  ASSERT_EQ(change(sv_[0], EVFILT_WRITE, EV_ADD, &tag_a_), 0);
  const int old_fd = sv_[0];
  ::close(sv_[0]);
  int again[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, again), 0);
  sv_[0] = again[0];
  ::close(again[1]);
  ASSERT_EQ(again[0], old_fd);
  ASSERT_EQ(change(again[0], EVFILT_READ, EV_ADD, &tag_b_), 0);
  const auto events = poll();
  ASSERT_EQ(events.size(), 1U);  // EOF for reading; no write filter was carried over
  EXPECT_EQ(events[0].filter, EVFILT_READ);
  EXPECT_EQ(events[0].udata, &tag_b_);
}

TEST_F(KqueueEmulationTest, BadArguments) {
  EXPECT_EQ(change(sv_[0], -9 /* not emulated */, EV_ADD), -1);
  EXPECT_EQ(errno, EINVAL);
  EXPECT_EQ(change(sv_[0], EVFILT_READ, EV_ADD | 0x0020 /* EV_CLEAR: not emulated */), -1);
  EXPECT_EQ(errno, EINVAL);
  EXPECT_EQ(change(1 << 20, EVFILT_READ, EV_ADD), -1);
  EXPECT_EQ(errno, EBADF);
}

TEST_F(KqueueEmulationTest, ClosedKqueueIsEBADF) {
  ASSERT_EQ(change(sv_[0], EVFILT_READ, EV_ADD), 0);
  ::close(kq_);
  const int old_kq = kq_;
  kq_ = -1;
  struct kevent out {};
  const timespec zero{0, 0};
  EXPECT_EQ(::kevent(old_kq, nullptr, 0, &out, 1, &zero), -1);
  EXPECT_EQ(errno, EBADF);
  // A new kqueue with the same number starts empty.
  kq_ = ::kqueue();
  ASSERT_EQ(kq_, old_kq);
  send("x");
  EXPECT_TRUE(poll().empty());
}

}  // namespace
