#include "rpcbind/warm_start.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "rpcb_prot.hpp"
#include "xdr/decoder.hpp"
#include "xdr/encoder.hpp"

namespace nelson::rpcbind {

namespace {

constexpr std::array<char, 8> kMagic = {'N', 'R', 'P', 'C', 'B', 'W', 'S', '1'};
constexpr std::size_t kHeader = kMagic.size() + 4;
constexpr std::size_t kTrailer = 8;
// One registration at its largest: the "more" flag, prog, vers, and three strings with their
// lengths at the maximum (already multiples of 4).
constexpr std::size_t kMaxEntryBytes = 4 + 4 + 4 + (4 + kMaxNetid) + (4 + kMaxUaddr) + (4 + kMaxOwner);
static_assert(kMaxNetid % 4 == 0 && kMaxUaddr % 4 == 0 && kMaxOwner % 4 == 0);

std::uint64_t fnv1a64(std::span<const std::byte> bytes) noexcept {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const std::byte b : bytes) {
    h ^= static_cast<std::uint8_t>(b);
    h *= 0x100000001b3ULL;
  }
  return h;
}

core::Error bad(const std::string& why, std::size_t offset) {
  return core::Error{EINVAL, "not a valid warm-start file: " + why + " (at byte " + std::to_string(offset) + ")"};
}

std::string describe(const Entry& e) {
  return "program " + std::to_string(e.prog) + " version " + std::to_string(e.vers) + " netid '" + e.netid + "'";
}

core::Error sys(const std::string& what, const std::string& path, int err) {
  return core::errno_error(what + " " + path, err);
}

bool write_all(int fd, std::span<const std::byte> bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes = bytes.subspan(static_cast<std::size_t>(n));
  }
  return true;
}

// Closes on every path; the last errno is what the caller reports.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) noexcept : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  [[nodiscard]] int get() const noexcept { return fd_; }
  /// close() with its result (a delayed write error can surface there).
  bool close() noexcept {
    const int fd = fd_;
    fd_ = -1;
    return ::close(fd) == 0;
  }

 private:
  int fd_;
};

std::string directory_of(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

std::size_t max_warm_start_size(const TableLimits& limits) noexcept {
  // The list's optional flag and its final "no more" flag, then the entries.
  return kHeader + 4 + limits.max_entries * kMaxEntryBytes + kTrailer;
}

std::vector<std::byte> encode_warm_start(const Table& table) {
  // The DUMP list, built front to back as the generated types chain it.
  proto::rpcblist_ptr list;
  proto::rp__list* tail = nullptr;
  for (const Entry* e : table.dump()) {
    proto::rp__list node;
    node.rpcb_map = {
        .r_prog = e->prog, .r_vers = e->vers, .r_netid = e->netid, .r_addr = e->uaddr, .r_owner = e->owner};
    if (tail == nullptr) {
      list = std::move(node);
      tail = &*list;
    } else {
      tail->rpcb_next = std::make_unique<proto::rp__list>(std::move(node));
      tail = tail->rpcb_next.get();
    }
  }
  std::vector<std::byte> out(kHeader + 4 + table.size() * kMaxEntryBytes + kTrailer);
  const std::span<std::byte> all(out);
  xdr::Encoder e(all.subspan(kHeader));
  proto::encode_rpcblist_ptr(e, list);
  const std::size_t n = e.size();
  std::memcpy(out.data(), kMagic.data(), kMagic.size());
  xdr::Encoder header(all.subspan(kMagic.size(), 4));
  header.put_uint(static_cast<std::uint32_t>(n));
  xdr::Encoder trailer(all.subspan(kHeader + n, kTrailer));
  trailer.put_uhyper(fnv1a64(all.subspan(kHeader, n)));
  out.resize(kHeader + n + kTrailer);
  return out;
}

core::Result<WarmStart> decode_warm_start(std::span<const std::byte> bytes, const TableLimits& limits) {
  if (bytes.size() > max_warm_start_size(limits)) {
    return bad("larger than the " + std::to_string(max_warm_start_size(limits)) + " bytes " +
                   std::to_string(limits.max_entries) + " registrations can take",
               max_warm_start_size(limits));
  }
  if (bytes.size() < kMagic.size() || std::memcmp(bytes.data(), kMagic.data(), kMagic.size()) != 0) {
    return bad("it does not begin with \"NRPCBWS1\"", 0);
  }
  xdr::Decoder header(bytes.subspan(kMagic.size()));
  std::uint32_t n = 0;
  if (!header.get_uint(n)) return bad("truncated in the header", bytes.size());
  if (bytes.size() - kHeader < kTrailer || n > bytes.size() - kHeader - kTrailer) {
    return bad("truncated: the header announces " + std::to_string(n) + " bytes of registrations", bytes.size());
  }
  if (bytes.size() != kHeader + n + kTrailer) return bad("trailing bytes after the checksum", kHeader + n + kTrailer);
  const auto payload = bytes.subspan(kHeader, n);
  xdr::Decoder check(bytes.subspan(kHeader + n));
  std::uint64_t sum = 0;
  if (!check.get_uhyper(sum) || sum != fnv1a64(payload)) return bad("checksum mismatch", kHeader + n);

  xdr::Decoder d(payload, xdr::PaddingPolicy::strict);
  bool present = false;
  proto::rp__list list;
  if (!d.get_bool(present) || (present && !proto::decode(d, list, limits.max_entries)) || !d.expect_end()) {
    return bad("malformed registrations (" + d.error().message() + ")", kHeader + d.error().offset);
  }
  WarmStart out;
  out.found = true;
  Table check_table(limits);
  for (const proto::rp__list* at = present ? &list : nullptr; at != nullptr; at = at->rpcb_next.get()) {
    const proto::rpcb& m = at->rpcb_map;
    Entry e{.prog = m.r_prog, .vers = m.r_vers, .netid = m.r_netid, .uaddr = m.r_addr, .owner = m.r_owner};
    const Outcome o = check_table.set(e);
    if (o == Outcome::unchanged || o == Outcome::conflict) return bad(describe(e) + " appears twice", kHeader);
    if (o != Outcome::ok) return bad(describe(e) + ": " + std::string(to_string(o)), kHeader);
    out.entries.push_back(std::move(e));
  }
  return out;
}

core::Result<bool> save_warm_start(const Table& table, const std::string& path) {
  const std::vector<std::byte> bytes = encode_warm_start(table);
  const std::string tmp = path + ".tmp";
  FileDescriptor fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (fd.get() < 0) return sys("open", tmp, errno);
  if (!write_all(fd.get(), bytes) || ::fsync(fd.get()) != 0 || !fd.close()) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return sys("write", tmp, err);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return sys("rename to", path, err);
  }
  // The rename itself is durable only once the directory is.
  const std::string dir = directory_of(path);
  FileDescriptor dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dfd.get() < 0 || ::fsync(dfd.get()) != 0) return sys("fsync directory", dir, errno);
  return true;
}

core::Result<WarmStart> load_warm_start(const std::string& path, const TableLimits& limits) {
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (fd.get() < 0) {
    if (errno == ENOENT) return WarmStart{};
    return sys("open", path, errno);
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return sys("stat", path, errno);
  if (!S_ISREG(st.st_mode)) return core::Error{EINVAL, path + ": not a regular file"};
  const std::size_t max = max_warm_start_size(limits);
  // Read to the end or one byte past the limit, whatever fstat said (the file may change).
  std::vector<std::byte> bytes(max + 1);
  std::size_t got = 0;
  while (got < bytes.size()) {
    const ssize_t n = ::read(fd.get(), bytes.data() + got, bytes.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return sys("read", path, errno);
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  bytes.resize(got);
  auto decoded = decode_warm_start(bytes, limits);
  if (!decoded) return core::Error{decoded.error().code, path + ": " + decoded.error().message};
  return decoded;
}

}  // namespace nelson::rpcbind
