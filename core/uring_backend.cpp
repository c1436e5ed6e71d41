// UringBackend: completion I/O on io_uring (liburing 2.3 API, kernel 6.0+).
//
//   listeners   one multishot ACCEPT each, re-armed when a completion lacks IORING_CQE_F_MORE
//   streams     one multishot RECV each into a provided-buffer ring whose buffers are slabs of a
//               pool owned here (grown with traffic): on_data gets a Slice of the very buffer the kernel filled, and
//               the slab goes back into the ring when its last reference goes (recycle hook).
//               When users hold every ring buffer, a starved stream reads with one-shot RECVs
//               into slabs of the loop's pool instead, until the ring has buffers again
//   output      at most one SENDMSG in flight per stream, straight from the output chain's
//               iovecs; SENDMSG_ZC above kZeroCopyThreshold (its buffers live until the NOTIF)
//   connect     the loop's non-blocking connect, then a POLL_ADD for writability and SO_ERROR
//   datagrams   one multishot RECVMSG each into a second buffer ring (io_uring_recvmsg_out)
//   watchers    multishot POLL_ADD (the signalfd)
// Every SQE prepared during an iteration goes to the kernel in poll(), in the same
// io_uring_enter() that waits for completions.
//
// Bookkeeping rule: every operation in the kernel, and every pointer to a handle this backend
// keeps between calls (held data, starved readers, listeners waiting to re-arm), counts in
// handle.pending_ops, so the loop frees a handle only when nothing here can touch it any more.
// Completions for a closing handle do bookkeeping only, never user callbacks.
#include "core/uring_backend.hpp"

#include <fcntl.h>
#include <liburing.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "core/backend.hpp"
#include "core/log.hpp"
#include "core/loop.hpp"
#include "core/pktinfo.hpp"

namespace nelson::core {

namespace {

// user_data of an SQE: a pointer with an operation tag in its low 3 bits (handles and ZcRecords
// are at least 8-aligned). 0 is never used, so a stray CQE with user_data 0 is ignored.
//   kRead    Handle*    the handle's one multishot input op: recv (stream), recvmsg (datagram),
//                       accept (listener) or poll (watcher)
//   kSend    Stream*    SENDMSG
//   kSendZc  ZcRecord*  SENDMSG_ZC: its result CQE, then its IORING_CQE_F_NOTIF CQE
//   kConnect Handle*    one-shot POLL_ADD: POLLOUT for a connect to finish (stream), POLLIN
//                       for a connection to refuse (listener out of descriptors)
//   kCancel  Handle*    ASYNC_CANCEL (pause_reading, close)
//   kRecvOne Stream*    one-shot RECV into the stream's input_ slab (of the loop's pool), while
//                       users hold every buffer of the ring
enum Op : std::uint64_t { kRead = 1, kSend = 2, kSendZc = 3, kConnect = 4, kCancel = 5, kRecvOne = 6 };
constexpr std::uint64_t kOpMask = 7;

// Handle::backend_flags: bits 0-7 are states, bits 8-31 count the KiB delivered to a stream in
// the current poll() (its max_read_per_wakeup budget).
constexpr std::uint32_t kReadArmed = 1U << 0;       // the multishot input op is in the kernel
constexpr std::uint32_t kReadCancelling = 1U << 1;  // ... and a cancel of it was submitted
constexpr std::uint32_t kSendInFlight = 1U << 2;
constexpr std::uint32_t kConnectArmed = 1U << 3;  // a kConnect POLL_ADD is in the kernel
constexpr std::uint32_t kStarved = 1U << 4;       // in starved_: waits for ring buffers to come back
constexpr std::uint32_t kHeld = 1U << 5;          // has completions waiting in held_
constexpr std::uint32_t kRearmLater = 1U << 6;    // listener in rearm_later_
constexpr std::uint32_t kRecvOneArmed = 1U << 7;  // a kRecvOne RECV is in the kernel (instead of kReadArmed)
constexpr std::uint32_t kStateMask = 0xFFU;
constexpr unsigned kBudgetShift = 8;
constexpr std::uint32_t kBudgetMax = 0xFFFFFFU;

constexpr unsigned kSqEntries = 256;
constexpr unsigned kCqEntries = 4096;  // multishot ops post many CQEs per SQE
constexpr unsigned kDefaultBuffers = 256;
constexpr std::size_t kMaxRingBytes = std::size_t{16} * 1024 * 1024;  // cap of the buffer ring
constexpr unsigned kDatagramBuffers = 64;
constexpr unsigned short kStreamGroup = 0;
constexpr unsigned short kDatagramGroup = 1;
// Ring buffers kept for the kernel: below this many, received datagrams are delivered as copies
// (see on_datagram), so users holding datagrams cannot stop UDP.
constexpr std::size_t kDatagramReserve = 8;
constexpr std::size_t kMaxDatagram = 65536;   // payload room, as the readiness backend
constexpr std::size_t kDatagramControl = 64;  // room for one IP_PKTINFO or IPV6_PKTINFO
constexpr std::size_t kMaxIov = 64;           // iovecs per send, as the readiness backend's writev
constexpr std::size_t kMaxZcRecords = 256;
constexpr unsigned kCqeBatch = 64;

// SENDMSG_ZC pays for pinning pages and for a second CQE that may wait for the peer's ACK; it
// can only win where the kernel really avoids the copy. Measured here (kernel 6.18, 2 vCPUs,
// loopback TCP, 256 MiB per size, one send in flight as this backend does, a thread draining
// the peer; GB/s, sendmsg vs sendmsg_zc, ranges over runs):
//     4 KiB  0.98 vs 0.70     64 KiB  2.0-2.7 vs 1.4-2.6     1 MiB  2.3-5.3 vs 1.0-3.4
//    16 KiB  2.3  vs 1.4     256 KiB  2.2-3.2 vs 1.2-3.0     4 MiB  5.0-5.1 vs 1.0-1.5
// WARNING: to a loopback peer the kernel copies ZC pages on receive anyway, so zero-copy never
// wins there and is not used for loopback peers at all. Elsewhere (a NIC, not measurable on this
// machine) we use it from 256 KiB, where even the copying loopback path broke even: a
// conservative threshold; re-measure on the target NIC before lowering it.
constexpr std::size_t kZeroCopyThreshold = std::size_t{256} * 1024;

std::atomic<int> g_simulated_failure{0};
std::atomic<unsigned> g_buffer_count{0};
std::atomic<std::size_t> g_zero_copy_threshold{0};
std::atomic<std::uint64_t> g_zero_copy_notifications{0};  // for tests: SEND_ZC really ran
std::atomic<std::uint64_t> g_pool_reads{0};               // for tests: kRecvOne completions (cancelled too)

std::uint64_t pack(const void* p, Op op) noexcept { return reinterpret_cast<std::uintptr_t>(p) | op; }

std::string errno_text(int err) { return std::strerror(err); }

bool is_loopback(const SocketAddress& a) noexcept {
  if (a.family() == AF_INET) {
    return (ntohl(reinterpret_cast<const sockaddr_in*>(a.get())->sin_addr.s_addr) >> 24) == 127;
  }
  if (a.family() == AF_INET6) {
    const in6_addr& in6 = reinterpret_cast<const sockaddr_in6*>(a.get())->sin6_addr;
    if (IN6_IS_ADDR_LOOPBACK(&in6)) return true;
    return IN6_IS_ADDR_V4MAPPED(&in6) && in6.s6_addr[12] == 127;
  }
  return false;
}

struct Completion {  // a CQE copied out of the ring, so that callbacks never run on the ring
  std::uint64_t user_data;
  std::int32_t res;
  std::uint32_t flags;
};

}  // namespace

// A provided-buffer ring whose buffers are the slabs of a pool of its own. The kernel picks a
// buffer per completion; the slab then travels to the user as a Slice and, when its last
// reference goes, the pool's recycle hook puts it back into the ring (under a free buffer id).
// Slabs are allocated as traffic needs them (top_up), up to `count`.
class BufferRing {
 public:
  BufferRing() = default;
  BufferRing(const BufferRing&) = delete;
  BufferRing& operator=(const BufferRing&) = delete;
  ~BufferRing() { reset(); }

  /// Registers the ring as buffer group `group`; the kernel may fill `offset`..`offset+length`
  /// of each slab. Empty string or why not.
  std::string setup(io_uring& ring, unsigned short group, unsigned count, std::size_t slab_size, std::size_t offset,
                    std::size_t length) {
    group_ = group;
    count_ = count;
    offset_ = offset;
    length_ = static_cast<unsigned>(length);
    const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    bytes_ = (count * sizeof(io_uring_buf) + page - 1) / page * page;
    void* memory = ::mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
    if (memory == MAP_FAILED) return "mmap of a buffer ring: " + errno_text(errno);
    ring_ = static_cast<io_uring_buf_ring*>(memory);
    io_uring_buf_ring_init(ring_);
    io_uring_buf_reg reg{};
    reg.ring_addr = reinterpret_cast<std::uintptr_t>(memory);
    reg.ring_entries = count;
    reg.bgid = group;
    if (const int rc = io_uring_register_buf_ring(&ring, &reg, 0); rc < 0) {
      return "io_uring_register_buf_ring: " + errno_text(-rc);
    }
    pool_ = std::make_unique<SlabPool>(slab_size, count);
    by_id_.resize(count);
    free_ids_.reserve(count);
    for (unsigned i = count; i-- > 0;) free_ids_.push_back(static_cast<unsigned short>(i));
    target_ = std::min(count, kInitialBuffers);
    top_up();
    if (in_ring_ == 0) return "cannot allocate receive buffers";
    pool_->set_recycle_hook(&BufferRing::recycle_hook, this);
    return {};
  }

  void reset() noexcept {
    if (pool_) pool_->set_recycle_hook(nullptr, nullptr);
    by_id_.clear();
    pool_.reset();
    if (ring_ != nullptr) ::munmap(ring_, bytes_);
    ring_ = nullptr;
  }

  [[nodiscard]] bool ready() const noexcept { return ring_ != nullptr; }
  [[nodiscard]] unsigned short group() const noexcept { return group_; }
  [[nodiscard]] std::size_t in_ring() const noexcept { return in_ring_; }

  /// The slab the kernel filled (per the CQE's buffer id), now out of the ring.
  SlabRef take(std::uint32_t cqe_flags) noexcept {
    if ((cqe_flags & IORING_CQE_F_BUFFER) == 0) return {};
    const auto id = static_cast<unsigned short>(cqe_flags >> IORING_CQE_BUFFER_SHIFT);
    SlabRef slab = std::move(by_id_[id]);
    free_ids_.push_back(id);
    --in_ring_;
    return slab;
  }

  /// Keeps `target_` buffers in the ring while the pool may still grow.
  void top_up() noexcept {
    while (in_ring_ < target_ && pool_->stats().slabs_allocated < count_) {
      SlabRef slab = pool_->acquire();
      if (!slab) return;
      add(std::move(slab));
    }
  }
  /// The ring ran dry: keep more buffers in it from now on.
  void grow() noexcept { target_ = std::min(count_, target_ * 2); }

 private:
  static constexpr unsigned kInitialBuffers = 32;

  static void recycle_hook(void* self, SlabRef slab) noexcept { static_cast<BufferRing*>(self)->add(std::move(slab)); }

  void add(SlabRef slab) noexcept {
    if (free_ids_.empty()) return;  // cannot happen (as many ids as slabs): to the free list
    const unsigned short id = free_ids_.back();
    free_ids_.pop_back();
    io_uring_buf_ring_add(ring_, slab->data() + offset_, length_, id, io_uring_buf_ring_mask(count_), 0);
    io_uring_buf_ring_advance(ring_, 1);
    by_id_[id] = std::move(slab);
    ++in_ring_;
  }

  io_uring_buf_ring* ring_ = nullptr;
  std::size_t bytes_ = 0;
  unsigned short group_ = 0;
  unsigned count_ = 0;
  unsigned target_ = 0;
  std::size_t offset_ = 0;
  unsigned length_ = 0;
  std::size_t in_ring_ = 0;
  std::unique_ptr<SlabPool> pool_;
  std::vector<SlabRef> by_id_;  // buffer id -> its slab while the kernel may fill it
  std::vector<unsigned short> free_ids_;
};

class UringBackend final : public Backend {
 public:
  explicit UringBackend(Loop& loop) noexcept
      : loop_(loop), rearm_timer_(loop.timers(), [this] { rearm_listeners(); }) {}
  ~UringBackend() override;
  UringBackend(const UringBackend&) = delete;
  UringBackend& operator=(const UringBackend&) = delete;

  /// Sets up the ring; an empty string on success, else why io_uring cannot be used here.
  std::string init();

  [[nodiscard]] BackendKind kind() const noexcept override { return BackendKind::io_uring; }
  int attach(Handle& handle) noexcept override;
  void update(Handle& handle) noexcept override { apply(handle); }
  void detach(Handle& handle) noexcept override;
  void flush(Stream& stream) noexcept override;
  void poll(std::chrono::nanoseconds timeout) noexcept override;

 private:
  struct SendSlot {  // msghdr + iovecs of the SENDMSG in the SQ slot of the same index
    msghdr msg;
    iovec iov[kMaxIov];
  };
  struct ZcRecord {  // the slices a zero-copy send references until its notification
    Stream* stream = nullptr;
    std::vector<Slice> slices;
  };
  struct HeldData {  // a receive completion not delivered yet (paused, over budget, ordering)
    Stream* stream;
    SlabRef slab;
    int res;  // > 0: bytes, 0: EOF, < 0: -errno
  };

  bool setup_datagram_ring() noexcept;

  io_uring_sqe* get_sqe() noexcept;
  void submit_now() noexcept;
  void enable_ring() noexcept;
  void apply(Handle& handle) noexcept;
  void arm_read(Handle& handle) noexcept;
  /// One-shot POLL_ADD (tag kConnect): a connect finishing, or a connection for a listener
  /// that is out of descriptors.
  void arm_poll(Handle& handle, unsigned events) noexcept;
  void arm_connect(Stream& stream) noexcept { arm_poll(stream, POLLOUT); }
  void arm_poll_in(Listener& listener) noexcept { arm_poll(listener, POLLIN); }
  void cancel_read(Handle& handle) noexcept;
  void starve(Handle& handle) noexcept;
  void rearm_starved() noexcept;
  /// One-shot RECV into a slab of the loop's pool, for a stream the empty ring starves; false
  /// when that pool is exhausted too.
  bool arm_recv_one(Stream& stream) noexcept;
  void rearm_later(Listener& listener) noexcept;
  void rearm_listeners() noexcept;

  void reap() noexcept;
  void dispatch(const Completion& c) noexcept;
  void on_stream_read(Stream& s, const Completion& c) noexcept;
  void on_recv_one(Stream& s, int res) noexcept;
  void deliver(Stream& s, SlabRef slab, int res) noexcept;
  void hold(Stream& s, SlabRef slab, int res) noexcept;
  bool replay_held() noexcept;
  void charge(Stream& s, std::size_t bytes) noexcept;
  [[nodiscard]] bool over_budget(const Stream& s) const noexcept;
  void on_send_result(Stream& s, int res, bool zero_copy) noexcept;
  void on_zero_copy(ZcRecord& record, const Completion& c) noexcept;
  void on_connect(Stream& s, int res) noexcept;
  void on_accept(Listener& l, const Completion& c) noexcept;
  bool refuse_connection(Listener& l) noexcept;
  void on_datagram(DatagramSocket& d, const Completion& c) noexcept;
  void copy_out_of_ring(Slice& data) noexcept;
  void on_watcher(Watcher& w, const Completion& c) noexcept;
  ZcRecord* take_record() noexcept;
  void release_record(ZcRecord* record) noexcept;

  Loop& loop_;
  io_uring ring_{};
  bool ring_ok_ = false;
  bool needs_enable_ = false;  // created IORING_SETUP_R_DISABLED: enabled by the thread that polls
  bool zero_copy_ = false;
  std::size_t zero_copy_threshold_ = kZeroCopyThreshold;
  bool zero_copy_to_loopback_ = false;

  // Streams receive into buffers of at most max_read_per_wakeup bytes (the read cap of the
  // readiness backends); datagrams into slab-sized payloads behind room for the recvmsg header,
  // from a second ring set up when the first datagram socket reads.
  unsigned buffer_count_ = 0;
  BufferRing stream_ring_;
  BufferRing dgram_ring_;
  bool dgram_ring_failed_ = false;

  std::vector<SendSlot> send_slots_;
  std::vector<std::unique_ptr<ZcRecord>> zc_records_;
  std::vector<ZcRecord*> zc_free_;
  msghdr dgram_msg_{};  // name and control sizes of every multishot recvmsg

  std::vector<HeldData> held_;
  std::vector<HeldData> replay_;
  std::vector<Handle*> starved_;
  std::vector<Listener*> rearm_later_;
  std::vector<Stream*> charged_;  // streams whose budget bits must be reset after poll()
  Timer rearm_timer_;

  int spare_fd_ = -1;  // closed to make room for one accept when descriptors run out
  RateLimitedLog emfile_log_;
  RateLimitedLog error_log_;
  RateLimitedLog dry_log_;
};

// --- set-up and teardown ------------------------------------------------------------------------

std::string UringBackend::init() {
  if (const int simulated = g_simulated_failure.load(); simulated != 0) {
    return "io_uring_setup: " + errno_text(simulated) + " (simulated by a test)";
  }
  io_uring_params params{};
  // One thread submits, and completions run only when it asks (6.1+). R_DISABLED defers the
  // choice of that thread to the first poll(): a loop may be created on one thread, run on another.
  params.flags =
      IORING_SETUP_CQSIZE | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_R_DISABLED;
  params.cq_entries = kCqEntries;
  int rc = io_uring_queue_init_params(kSqEntries, &ring_, &params);
  if (rc == -EINVAL) {  // kernel 5.x/6.0: no SINGLE_ISSUER/DEFER_TASKRUN
    params = {};
    params.flags = IORING_SETUP_CQSIZE;
    params.cq_entries = kCqEntries;
    rc = io_uring_queue_init_params(kSqEntries, &ring_, &params);
  } else if (rc == 0) {
    needs_enable_ = true;
  }
  if (rc < 0) return "io_uring_queue_init: " + errno_text(-rc);
  ring_ok_ = true;

  // NODROP: no lost completions; SUBMIT_STABLE: the msghdr/iovecs of a send may be reused once
  // submitted; EXT_ARG: wait with a timeout without a timeout SQE.
  constexpr std::uint32_t kNeeded =
      IORING_FEAT_NODROP | IORING_FEAT_SUBMIT_STABLE | IORING_FEAT_FAST_POLL | IORING_FEAT_EXT_ARG;
  if ((params.features & kNeeded) != kNeeded) return "kernel lacks IORING_FEAT_NODROP/SUBMIT_STABLE/FAST_POLL/EXT_ARG";
  io_uring_probe* probe = io_uring_get_probe_ring(&ring_);
  if (probe == nullptr) return "io_uring probe failed";
  // SEND_ZC stands for "6.0+", the kernel that also has multishot recv/recvmsg (which the probe
  // cannot show: they are flags of RECV/RECVMSG).
  bool missing = false;
  for (int op : {IORING_OP_ACCEPT, IORING_OP_RECV, IORING_OP_RECVMSG, IORING_OP_SENDMSG, IORING_OP_POLL_ADD,
                 IORING_OP_ASYNC_CANCEL, IORING_OP_SEND_ZC}) {
    if (io_uring_opcode_supported(probe, op) == 0) missing = true;
  }
  zero_copy_ = io_uring_opcode_supported(probe, IORING_OP_SENDMSG_ZC) != 0;
  io_uring_free_probe(probe);
  if (missing) return "kernel too old for multishot recv (needs 6.0+)";
  if (const std::size_t t = g_zero_copy_threshold.load(); t != 0) {
    zero_copy_threshold_ = t;
    zero_copy_to_loopback_ = true;  // a test wants the path exercised over 127.0.0.1
  }

  // The provided-buffer ring for streams: a power of two of slab-sized buffers.
  const std::size_t slab_size = loop_.pool().slab_size();
  unsigned count = g_buffer_count.load();
  if (count == 0) {
    count = kDefaultBuffers;
    while (count > 8 && count * slab_size > kMaxRingBytes) count /= 2;
  }
  if (count < 2 || count > 32768 || (count & (count - 1)) != 0) return "buffer count must be a power of two";
  buffer_count_ = count;
  const std::size_t length = std::clamp<std::size_t>(loop_.options().max_read_per_wakeup, 1, slab_size);
  if (std::string error = stream_ring_.setup(ring_, kStreamGroup, count, slab_size, 0, length); !error.empty()) {
    return error;
  }
  send_slots_.resize(ring_.sq.ring_entries);
  held_.reserve(count);
  replay_.reserve(count);
  starved_.reserve(64);
  charged_.reserve(64);
  dgram_msg_.msg_namelen = sizeof(sockaddr_storage);
  dgram_msg_.msg_controllen = kDatagramControl;
  spare_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  return {};
}

UringBackend::~UringBackend() {
  // The ring goes first: no operation can fill a buffer after this.
  if (ring_ok_) io_uring_queue_exit(&ring_);
  held_.clear();
  replay_.clear();
  zc_records_.clear();
  stream_ring_.reset();
  dgram_ring_.reset();
  if (spare_fd_ >= 0) ::close(spare_fd_);
}

// --- the datagram buffer ring -------------------------------------------------------------------

bool UringBackend::setup_datagram_ring() noexcept {
  if (dgram_ring_.ready()) return true;
  if (dgram_ring_failed_) return false;
  // recvmsg lays out io_uring_recvmsg_out, the name and the control data before the payload.
  const std::size_t header = sizeof(io_uring_recvmsg_out) + dgram_msg_.msg_namelen + dgram_msg_.msg_controllen;
  const std::size_t payload = std::min<std::size_t>(loop_.pool().slab_size(), kMaxDatagram);
  const unsigned count = std::min(buffer_count_, kDatagramBuffers);
  const std::string error = dgram_ring_.setup(ring_, kDatagramGroup, count, header + payload, 0, header + payload);
  if (!error.empty()) {
    dgram_ring_.reset();
    dgram_ring_failed_ = true;
    log(LogLevel::error, "io_uring: no datagram buffer ring: " + error);
    return false;
  }
  return true;
}

// --- submission ---------------------------------------------------------------------------------

void UringBackend::enable_ring() noexcept {
  if (!needs_enable_) return;
  needs_enable_ = false;
  if (const int rc = io_uring_register(ring_.ring_fd, IORING_REGISTER_ENABLE_RINGS, nullptr, 0); rc < 0) {
    log(LogLevel::error, "io_uring: cannot enable the ring: " + errno_text(-rc));
  }
}

void UringBackend::submit_now() noexcept {
  enable_ring();
  io_uring_submit(&ring_);
}

io_uring_sqe* UringBackend::get_sqe() noexcept {
  io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
  if (sqe == nullptr) {  // the SQ is full: hand it to the kernel and retry
    submit_now();
    sqe = io_uring_get_sqe(&ring_);
    if (sqe == nullptr) log(LogLevel::error, "io_uring: submission queue full");
  }
  return sqe;
}

int UringBackend::attach(Handle& handle) noexcept {
  handle.backend_flags = 0;
  return 0;
}

void UringBackend::apply(Handle& h) noexcept {
  if (h.closing()) return;
  const std::uint32_t flags = h.backend_flags;
  switch (h.kind()) {
    case HandleKind::stream: {
      auto& s = static_cast<Stream&>(h);
      if (s.connecting_) {
        if ((flags & kConnectArmed) == 0) arm_connect(s);
        return;
      }
      if (s.reading_) {
        if ((flags & (kReadArmed | kRecvOneArmed | kStarved)) == 0) arm_read(s);
      } else if ((flags & (kReadArmed | kRecvOneArmed)) != 0 && (flags & kReadCancelling) == 0) {
        cancel_read(s);  // pause_reading: data already received is held, not lost
      }
      return;
    }
    case HandleKind::datagram: {
      const bool reading = static_cast<DatagramSocket&>(h).reading_;
      if (reading && (flags & (kReadArmed | kStarved)) == 0) arm_read(h);
      if (!reading && (flags & kReadArmed) != 0 && (flags & kReadCancelling) == 0) cancel_read(h);
      return;
    }
    case HandleKind::listener:
    case HandleKind::watcher:
      if ((flags & (kReadArmed | kRearmLater | kConnectArmed)) == 0) arm_read(h);
      return;
  }
}

void UringBackend::arm_read(Handle& h) noexcept {
  if (h.kind() == HandleKind::datagram && !setup_datagram_ring()) return;
  io_uring_sqe* sqe = get_sqe();
  if (sqe == nullptr) return;
  switch (h.kind()) {
    case HandleKind::stream:
      io_uring_prep_recv_multishot(sqe, h.fd(), nullptr, 0, 0);
      sqe->flags |= IOSQE_BUFFER_SELECT;
      sqe->buf_group = stream_ring_.group();
      break;
    case HandleKind::datagram:
      io_uring_prep_recvmsg_multishot(sqe, h.fd(), &dgram_msg_, 0);
      sqe->flags |= IOSQE_BUFFER_SELECT;
      sqe->buf_group = dgram_ring_.group();
      break;
    case HandleKind::listener:
      // No address here: one buffer would serve every accepted connection; getpeername instead.
      io_uring_prep_multishot_accept(sqe, h.fd(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      break;
    case HandleKind::watcher: io_uring_prep_poll_multishot(sqe, h.fd(), POLLIN); break;
  }
  io_uring_sqe_set_data64(sqe, pack(&h, kRead));
  h.backend_flags |= kReadArmed;
  ++h.pending_ops;
}

void UringBackend::arm_poll(Handle& h, unsigned events) noexcept {
  io_uring_sqe* sqe = get_sqe();
  if (sqe == nullptr) return;
  io_uring_prep_poll_add(sqe, h.fd(), events);
  io_uring_sqe_set_data64(sqe, pack(&h, kConnect));
  h.backend_flags |= kConnectArmed;
  ++h.pending_ops;
}

void UringBackend::cancel_read(Handle& h) noexcept {
  io_uring_sqe* sqe = get_sqe();
  if (sqe == nullptr) return;
  io_uring_prep_cancel64(sqe, pack(&h, (h.backend_flags & kRecvOneArmed) != 0 ? kRecvOne : kRead), 0);
  io_uring_sqe_set_data64(sqe, pack(&h, kCancel));
  h.backend_flags |= kReadCancelling;
  ++h.pending_ops;
}

void UringBackend::detach(Handle& h) noexcept {
  // Everything of this descriptor still in the kernel; zero-copy notifications cannot be
  // cancelled and simply arrive later. Held data, starved readers and delayed listeners are
  // dropped by poll(), which sees closing().
  if ((h.backend_flags & (kReadArmed | kRecvOneArmed | kSendInFlight | kConnectArmed)) == 0) return;
  io_uring_sqe* sqe = get_sqe();
  if (sqe == nullptr) return;
  io_uring_prep_cancel_fd(sqe, h.fd(), IORING_ASYNC_CANCEL_ALL);
  io_uring_sqe_set_data64(sqe, pack(&h, kCancel));
  ++h.pending_ops;  // the descriptor number must stay ours until the cancel has run
}

void UringBackend::starve(Handle& h) noexcept {
  if ((h.backend_flags & kStarved) != 0) return;
  (h.kind() == HandleKind::datagram ? dgram_ring_ : stream_ring_).grow();
  h.backend_flags |= kStarved;
  ++h.pending_ops;
  starved_.push_back(&h);
}

void UringBackend::rearm_starved() noexcept {
  stream_ring_.top_up();
  if (dgram_ring_.ready()) dgram_ring_.top_up();
  if (starved_.empty()) return;
  std::size_t kept = 0;
  for (Handle* h : starved_) {
    const BufferRing& ring = h->kind() == HandleKind::datagram ? dgram_ring_ : stream_ring_;
    if (ring.in_ring() == 0 && !h->closing()) {
      // Users hold every ring buffer, maybe until they read more: a stream reads into the
      // loop's pool meanwhile, or it could deadlock (even its EOF would wait for a buffer).
      const bool reads = h->kind() == HandleKind::stream && static_cast<Stream*>(h)->reading_;
      if (!reads || !arm_recv_one(*static_cast<Stream*>(h))) {
        starved_[kept++] = h;  // still nothing to receive into
        continue;
      }
    }
    h->backend_flags &= ~kStarved;
    --h->pending_ops;
    apply(*h);
  }
  starved_.resize(kept);
}

bool UringBackend::arm_recv_one(Stream& s) noexcept {
  SlabRef slab = loop_.pool().acquire();
  if (!slab) return false;
  io_uring_sqe* sqe = get_sqe();
  if (sqe == nullptr) return false;
  dry_log_.log(LogLevel::warning, "io_uring: users hold all " + std::to_string(buffer_count_) +
                                      " receive buffers of the ring; reading into the loop's pool");
  const std::size_t length = std::clamp<std::size_t>(loop_.options().max_read_per_wakeup, 1, slab->capacity());
  io_uring_prep_recv(sqe, s.fd(), slab->data(), length, 0);
  io_uring_sqe_set_data64(sqe, pack(&s, kRecvOne));
  s.input_ = std::move(slab);  // the kernel fills it: nobody else sees it until the completion
  s.backend_flags |= kRecvOneArmed;
  ++s.pending_ops;
  return true;
}

void UringBackend::rearm_later(Listener& l) noexcept {
  if ((l.backend_flags & kRearmLater) != 0) return;
  l.backend_flags |= kRearmLater;
  ++l.pending_ops;
  rearm_later_.push_back(&l);
  // 10 ms: long enough not to spin on a condition that persists, short enough to be unnoticed.
  if (!rearm_timer_.armed()) rearm_timer_.arm_after(std::chrono::milliseconds(10));
}

void UringBackend::rearm_listeners() noexcept {
  std::vector<Listener*> listeners;
  listeners.swap(rearm_later_);
  for (Listener* l : listeners) {
    l->backend_flags &= ~kRearmLater;
    --l->pending_ops;
    apply(*l);
  }
}

// --- the wait -----------------------------------------------------------------------------------

void UringBackend::poll(std::chrono::nanoseconds timeout) noexcept {
  enable_ring();
  // Completions held back last time (budget, pause) come before anything newer.
  const bool delivered = replay_held();
  rearm_starved();
  bool ready = delivered;
  for (const HeldData& d : held_) ready = ready || d.stream->reading_ || d.stream->closing();
  if (timeout <= std::chrono::nanoseconds::zero() || ready) {
    io_uring_submit_and_get_events(&ring_);  // GETEVENTS: DEFER_TASKRUN completions run only then
  } else if (timeout == std::chrono::nanoseconds::max()) {
    io_uring_submit_and_wait(&ring_, 1);
  } else {
    __kernel_timespec ts{};
    ts.tv_sec = static_cast<std::int64_t>(timeout.count() / 1000000000);
    ts.tv_nsec = static_cast<long long>(timeout.count() % 1000000000);
    io_uring_cqe* cqe = nullptr;
    io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, &ts, nullptr);  // -ETIME on timeout: fine
  }
  loop_.timers().update_now();
  reap();
  for (Stream* s : charged_) s->backend_flags &= kStateMask;
  charged_.clear();
}

void UringBackend::reap() noexcept {
  // At most one CQ's worth per wake-up: a flood of completions cannot keep us here forever.
  unsigned budget = ring_.cq.ring_entries;
  io_uring_cqe* cqes[kCqeBatch];
  Completion batch[kCqeBatch];
  while (budget != 0) {
    const unsigned n = io_uring_peek_batch_cqe(&ring_, cqes, std::min(kCqeBatch, budget));
    if (n == 0) break;
    for (unsigned i = 0; i < n; ++i) batch[i] = {cqes[i]->user_data, cqes[i]->res, cqes[i]->flags};
    io_uring_cq_advance(&ring_, n);
    for (unsigned i = 0; i < n; ++i) dispatch(batch[i]);
    budget -= n;
  }
}

void UringBackend::dispatch(const Completion& c) noexcept {
  if (c.user_data == 0) return;
  // NOLINTNEXTLINE(performance-no-int-to-ptr): user_data carries a pointer (packing above)
  void* p = reinterpret_cast<void*>(static_cast<std::uintptr_t>(c.user_data & ~kOpMask));
  switch (static_cast<Op>(c.user_data & kOpMask)) {
    case kCancel: --static_cast<Handle*>(p)->pending_ops; return;
    case kSend: {
      auto& s = *static_cast<Stream*>(p);
      --s.pending_ops;
      on_send_result(s, c.res, false);
      return;
    }
    case kSendZc: on_zero_copy(*static_cast<ZcRecord*>(p), c); return;
    case kRecvOne: on_recv_one(*static_cast<Stream*>(p), c.res); return;
    case kConnect: {
      auto& h = *static_cast<Handle*>(p);
      h.backend_flags &= ~kConnectArmed;
      --h.pending_ops;
      if (h.kind() == HandleKind::stream) {
        on_connect(static_cast<Stream&>(h), c.res);
      } else {
        apply(h);  // a listener out of descriptors: a connection waits, try accepting again
      }
      return;
    }
    case kRead: {
      auto& h = *static_cast<Handle*>(p);
      if ((c.flags & IORING_CQE_F_MORE) == 0) {  // the multishot op is over
        h.backend_flags &= ~(kReadArmed | kReadCancelling);
        --h.pending_ops;
      }
      switch (h.kind()) {
        case HandleKind::stream: on_stream_read(static_cast<Stream&>(h), c); return;
        case HandleKind::listener: on_accept(static_cast<Listener&>(h), c); return;
        case HandleKind::datagram: on_datagram(static_cast<DatagramSocket&>(h), c); return;
        case HandleKind::watcher: on_watcher(static_cast<Watcher&>(h), c); return;
      }
      return;
    }
  }
}

// --- streams: receiving -------------------------------------------------------------------------

void UringBackend::on_stream_read(Stream& s, const Completion& c) noexcept {
  SlabRef slab = stream_ring_.take(c.flags);
  const bool over = (c.flags & IORING_CQE_F_MORE) == 0;
  if (c.res == -ENOBUFS) {  // the ring ran dry; the bytes wait in the socket until buffers return
    if (over && !s.closing()) starve(s);
    return;
  }
  if (c.res == -ECANCELED) {  // paused (re-armed if resumed meanwhile) or closing
    if (over) apply(s);
    return;
  }
  deliver(s, std::move(slab), c.res);
  // WARNING: the kernel may end a multishot recv that still had data (e.g. CQ overflow);
  // re-arm whenever the stream still reads.
  if (over && c.res > 0) apply(s);
}

void UringBackend::on_recv_one(Stream& s, int res) noexcept {
  s.backend_flags &= ~(kRecvOneArmed | kReadCancelling);
  --s.pending_ops;
  g_pool_reads.fetch_add(1, std::memory_order_relaxed);
  SlabRef slab = std::move(s.input_);
  if (res == -ECANCELED || res == -EAGAIN || res == -EINTR) {  // paused (re-armed if resumed meanwhile), closing
    apply(s);
    return;
  }
  deliver(s, std::move(slab), res);
  if (res <= 0 || s.closing()) return;
  if (stream_ring_.in_ring() == 0) {
    starve(s);  // rearm_starved(): multishot again if buffers came back, else another pool read
  } else {
    apply(s);
  }
}

void UringBackend::deliver(Stream& s, SlabRef slab, int res) noexcept {
  if (s.closing()) return;  // the slab goes back to the ring
  if ((s.backend_flags & kHeld) != 0 || !s.reading_ || (res > 0 && over_budget(s))) {
    hold(s, std::move(slab), res);
    return;
  }
  if (res > 0) {
    const auto n = static_cast<std::uint32_t>(res);
    charge(s, n);
    loop_.stats().bytes_read += n;
    const Slice slice{std::move(slab), 0, n};
    if (s.on_data) s.on_data(s, slice);
    return;
  }
  if (res == 0) {  // EOF, exactly as the readiness backend
    s.reading_ = false;
    if (s.on_eof) {
      s.on_eof(s);
    } else {
      s.close();
    }
    return;
  }
  loop_.fail_stream(s, -res);
}

void UringBackend::hold(Stream& s, SlabRef slab, int res) noexcept {
  held_.push_back({&s, std::move(slab), res});
  s.backend_flags |= kHeld;
  ++s.pending_ops;
}

bool UringBackend::replay_held() noexcept {
  if (held_.empty()) return false;
  replay_.swap(held_);
  for (HeldData& d : replay_) d.stream->backend_flags &= ~kHeld;
  const std::size_t before = held_.size();
  std::size_t replayed = 0;
  for (HeldData& d : replay_) {
    --d.stream->pending_ops;
    deliver(*d.stream, std::move(d.slab), d.res);
    ++replayed;
  }
  const bool progress = held_.size() - before < replayed;
  replay_.clear();
  return progress;
}

void UringBackend::charge(Stream& s, std::size_t bytes) noexcept {
  const std::uint32_t used = s.backend_flags >> kBudgetShift;
  if (used == 0) charged_.push_back(&s);
  const std::uint32_t kib =
      std::min<std::uint32_t>(kBudgetMax, used + static_cast<std::uint32_t>((bytes + 1023) / 1024));
  s.backend_flags = (s.backend_flags & kStateMask) | (kib << kBudgetShift);
}

bool UringBackend::over_budget(const Stream& s) const noexcept {
  // In KiB, a small read counting as one: at most ~max_read_per_wakeup/1KiB completions per wake-up.
  const std::size_t used = std::size_t{s.backend_flags >> kBudgetShift} * 1024;
  return used >= std::max<std::size_t>(loop_.options().max_read_per_wakeup, 1);
}

// --- streams: sending ---------------------------------------------------------------------------

void UringBackend::flush(Stream& s) noexcept {
  if (s.closing() || s.connecting_ || (s.backend_flags & kSendInFlight) != 0) return;  // completion re-queues
  if (s.output_.empty()) {
    if (s.shutdown_pending_) {
      s.shutdown_pending_ = false;
      ::shutdown(s.fd(), SHUT_WR);
    }
    return;
  }
  io_uring_sqe* sqe = get_sqe();
  if (sqe == nullptr) return;
  // The msghdr and iovecs live in the slot of this SQE: the kernel has read them once the SQE
  // is submitted (IORING_FEAT_SUBMIT_STABLE), and the slot is reused only after that. The bytes
  // stay in the output chain, untouched, until the completion consumes them.
  SendSlot& slot = send_slots_[static_cast<std::size_t>(sqe - ring_.sq.sqes)];
  const std::size_t count = s.output_.fill_iovecs(slot.iov, kMaxIov);
  std::size_t bytes = 0;
  for (std::size_t i = 0; i < count; ++i) bytes += slot.iov[i].iov_len;
  slot.msg = {};
  slot.msg.msg_iov = slot.iov;
  slot.msg.msg_iovlen = count;
  ZcRecord* record = nullptr;
  if (zero_copy_ && s.transport_ == Transport::tcp && bytes >= zero_copy_threshold_ &&
      (zero_copy_to_loopback_ || !is_loopback(s.peer_))) {
    record = take_record();
  }
  if (record != nullptr) {
    // The chain drops what was sent at the first CQE; the record keeps the slabs until the NOTIF.
    record->stream = &s;
    const auto slices = s.output_.slices().first(count);
    record->slices.assign(slices.begin(), slices.end());
    io_uring_prep_sendmsg_zc(sqe, s.fd(), &slot.msg, MSG_NOSIGNAL);
    io_uring_sqe_set_data64(sqe, pack(record, kSendZc));
  } else {
    io_uring_prep_sendmsg(sqe, s.fd(), &slot.msg, MSG_NOSIGNAL);
    io_uring_sqe_set_data64(sqe, pack(&s, kSend));
  }
  s.backend_flags |= kSendInFlight;
  ++s.pending_ops;
  ++loop_.stats().write_calls;
}

void UringBackend::on_send_result(Stream& s, int res, bool zero_copy) noexcept {
  s.backend_flags &= ~kSendInFlight;
  if (res > 0) {
    loop_.stats().bytes_written += static_cast<std::size_t>(res);
    s.output_.consume(static_cast<std::size_t>(res));
  }
  if (s.closing()) return;
  if (res < 0) {
    if (res == -EOPNOTSUPP && zero_copy) {
      zero_copy_ = false;  // this kernel or socket cannot: plain sends from now on
    } else if (res != -EAGAIN && res != -EINTR) {
      loop_.fail_stream(s, -res);
      return;
    }
  } else {
    s.output_changed();
    if (s.closing()) return;  // a write-pressure callback closed it
  }
  loop_.queue_flush(s);  // the flush phase sends the rest, or the pending shutdown
}

void UringBackend::on_zero_copy(ZcRecord& record, const Completion& c) noexcept {
  if ((c.flags & IORING_CQE_F_NOTIF) != 0) {  // the kernel is done with the pages
    g_zero_copy_notifications.fetch_add(1, std::memory_order_relaxed);
    release_record(&record);
    return;
  }
  // The send is over; its notification may come much later (it waits for the peer's ACK, or
  // for an orphaned socket to give up), so only the record, not the stream, waits for it: the
  // stream may be freed and its descriptor closed meanwhile.
  Stream& s = *record.stream;
  record.stream = nullptr;
  --s.pending_ops;
  if ((c.flags & IORING_CQE_F_MORE) == 0) release_record(&record);  // no notification follows
  on_send_result(s, c.res, true);
}

UringBackend::ZcRecord* UringBackend::take_record() noexcept {
  if (zc_free_.empty()) {
    // Grows to the high-water mark of zero-copy sends in flight, then allocates no more.
    if (zc_records_.size() >= kMaxZcRecords) return nullptr;
    auto record = std::make_unique<ZcRecord>();
    record->slices.reserve(kMaxIov);
    zc_free_.reserve(kMaxZcRecords);
    zc_free_.push_back(record.get());
    zc_records_.push_back(std::move(record));
  }
  ZcRecord* record = zc_free_.back();
  zc_free_.pop_back();
  return record;
}

void UringBackend::release_record(ZcRecord* record) noexcept {
  record->slices.clear();  // capacity kept
  record->stream = nullptr;
  zc_free_.push_back(record);
}

// --- streams: connecting ------------------------------------------------------------------------

void UringBackend::on_connect(Stream& s, int res) noexcept {
  if (s.closing()) return;
  int err = 0;
  if (res < 0) {
    err = -res;
  } else {
    socklen_t len = sizeof(err);
    if (::getsockopt(s.fd(), SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
  }
  if (err == EINPROGRESS || err == EALREADY || err == EINTR) {
    arm_connect(s);
    return;
  }
  loop_.complete_connect(s, err);
}

// --- listeners ----------------------------------------------------------------------------------

void UringBackend::on_accept(Listener& l, const Completion& c) noexcept {
  const bool over = (c.flags & IORING_CQE_F_MORE) == 0;
  if (c.res >= 0) {
    if (l.closing()) {
      ::close(c.res);
    } else {
      SocketAddress peer;
      if (::getpeername(c.res, peer.get(), peer.size_ptr()) != 0) peer.set_size(0);
      Stream* s = loop_.adopt_stream(c.res, l.endpoint().transport, peer);
      if (s != nullptr && l.on_accept && !l.closing()) l.on_accept(*s);
    }
    if (over) apply(l);
    return;
  }
  if (l.closing() || !over) return;
  if (c.res == -EMFILE || c.res == -ENFILE) {
    // WARNING: the kernel (6.x) takes a descriptor before it looks for a connection, so this
    // comes at once even with an empty backlog. Refuse what is pending; when nothing is, wait
    // for the next connection with a POLL_ADD (re-arming at once would fail again, forever).
    if (refuse_connection(l)) {
      apply(l);
    } else {
      arm_poll_in(l);
    }
    return;
  }
  if (c.res == -ECANCELED || c.res == -ECONNABORTED || c.res == -EINTR) {
    apply(l);
    return;
  }
  error_log_.log(LogLevel::warning, "accept on " + l.endpoint().to_string() + ": " + errno_text(-c.res));
  rearm_later(l);
}

bool UringBackend::refuse_connection(Listener& l) noexcept {
  // Out of descriptors (see ReadinessBackend::refuse_connection, libtirpc's CVE-2021-46828):
  // free the spare descriptor, accept the connection and close it at once, take the spare back.
  if (spare_fd_ >= 0) {
    ::close(spare_fd_);
    spare_fd_ = -1;
  }
  const int fd = ::accept4(l.fd(), nullptr, nullptr, SOCK_CLOEXEC);
  if (fd >= 0) ::close(fd);
  spare_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;  // nothing was pending
  ++l.refused_;
  ++loop_.stats().accept_refused;
  emfile_log_.log(LogLevel::warning, "out of file descriptors: refusing a connection on " + l.endpoint().to_string());
  return true;
}

// --- datagrams and watchers ---------------------------------------------------------------------

void UringBackend::on_datagram(DatagramSocket& d, const Completion& c) noexcept {
  SlabRef slab = dgram_ring_.take(c.flags);
  const bool over = (c.flags & IORING_CQE_F_MORE) == 0;
  if (d.closing()) return;
  if (c.res == -ENOBUFS) {
    if (over) starve(d);
    return;
  }
  if (c.res < 0 || !slab) {
    // ECANCELED (paused); other errors are not fatal for a datagram socket.
    if (c.res != -ECANCELED) error_log_.log(LogLevel::warning, "recvmsg: " + errno_text(-c.res));
    if (over) apply(d);
    return;
  }
  // A paused socket drops what was already received, as UDP may.
  if (d.reading_) {
    auto* out = io_uring_recvmsg_validate(slab->data(), c.res, &dgram_msg_);
    if (out != nullptr) {
      Datagram dg;
      const socklen_t name_len = std::min<socklen_t>(out->namelen, dgram_msg_.msg_namelen);
      dg.from = SocketAddress(static_cast<const sockaddr*>(io_uring_recvmsg_name(out)), name_len);
      dg.truncated = (out->flags & MSG_TRUNC) != 0;
      if (dg.truncated) ++d.truncated_;
      for (cmsghdr* cm = io_uring_recvmsg_cmsg_firsthdr(out, &dgram_msg_); cm != nullptr;
           cm = io_uring_recvmsg_cmsg_nexthdr(out, &dgram_msg_, cm)) {
        local_address_from_pktinfo(*cm, d.endpoint().address.port(), dg.local);
      }
      const auto* payload = static_cast<const std::byte*>(io_uring_recvmsg_payload(out, &dgram_msg_));
      const unsigned length = io_uring_recvmsg_payload_length(out, c.res, &dgram_msg_);
      const auto offset = static_cast<std::uint32_t>(payload - slab->data());
      dg.data = Slice{std::move(slab), offset, length};
      // A user may keep a datagram as long as it likes (a server keeps a deferred call's bytes
      // until it answers): enough of them would pin every ring buffer and stop UDP for the whole
      // loop. With few buffers left, the user gets a copy in a slab of the loop's pool and the
      // ring buffer goes back at once.
      if (dgram_ring_.in_ring() < kDatagramReserve) copy_out_of_ring(dg.data);
      loop_.stats().bytes_read += length;
      if (d.on_datagram) d.on_datagram(d, dg);
    }
  }
  if (over) apply(d);
}

void UringBackend::copy_out_of_ring(Slice& data) noexcept {
  SlabRef copy = loop_.pool().acquire();
  if (!copy || copy->capacity() < data.length) return;  // no room: the ring buffer it is
  std::memcpy(copy->data(), data.data(), data.length);
  data = Slice{std::move(copy), 0, data.length};  // the ring slab's last reference goes here
  ++loop_.stats().datagrams_copied;
}

void UringBackend::on_watcher(Watcher& w, const Completion& c) noexcept {
  if (w.closing()) return;
  if (c.res >= 0 && w.on_readable) w.on_readable();
  if ((c.flags & IORING_CQE_F_MORE) == 0) apply(w);
}

// --- factory and test hooks ---------------------------------------------------------------------

BackendResult make_uring_backend(Loop& loop) {
  auto backend = std::make_unique<UringBackend>(loop);
  if (std::string error = backend->init(); !error.empty()) return {nullptr, std::move(error)};
  return {std::move(backend), {}};
}

namespace uring_testing {
void simulate_setup_failure(int error) noexcept { g_simulated_failure.store(error); }
void set_buffer_count(unsigned count) noexcept { g_buffer_count.store(count); }
void set_zero_copy_threshold(std::size_t bytes) noexcept { g_zero_copy_threshold.store(bytes); }
std::uint64_t zero_copy_notifications() noexcept { return g_zero_copy_notifications.load(); }
std::uint64_t pool_reads() noexcept { return g_pool_reads.load(); }
}  // namespace uring_testing

}  // namespace nelson::core
