// rpcbind warm start: the documented format, atomic save and load, and a strict reader: every
// truncation, every single-bit flip, seeded random garbage and oversized files are rejected
// with a reason, never a crash (the sanitizer build runs this).
#include "rpcbind/warm_start.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <random>
#include <string>

#include "rpcb_prot.hpp"
#include "xdr/encoder.hpp"

namespace nelson::rpcbind {
namespace {

using Bytes = std::vector<std::byte>;

Table sample() {
  Table t;
  EXPECT_EQ(t.set({100003, 3, "tcp", "0.0.0.0.8.1", "superuser"}), Outcome::ok);
  EXPECT_EQ(t.set({100003, 3, "udp6", "::.8.1", "superuser"}), Outcome::ok);
  EXPECT_EQ(t.set({100005, 1, "local", "/run/mountd.sock", "1000"}), Outcome::ok);
  EXPECT_EQ(t.set({536871065, 1, "tcp", "127.0.0.1.78.83", "unknown"}), Outcome::ok);
  return t;
}

std::vector<Entry> entries_of(const Table& t) {
  std::vector<Entry> out;
  for (const Entry* e : t.dump()) out.push_back(*e);
  return out;
}

// The checksum, from the format's description (FNV-1a 64 of the payload).
std::uint64_t fnv1a64(std::span<const std::byte> bytes) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const std::byte b : bytes) h = (h ^ static_cast<std::uint8_t>(b)) * 0x100000001b3ULL;
  return h;
}

// A file in the documented format around any payload, with a correct checksum.
Bytes frame(const Bytes& payload) {
  Bytes out(12 + payload.size() + 8);
  std::memcpy(out.data(), "NRPCBWS1", 8);
  const std::span<std::byte> all(out);
  xdr::Encoder len(all.subspan(8, 4));
  len.put_uint(static_cast<std::uint32_t>(payload.size()));
  if (!payload.empty()) std::memcpy(out.data() + 12, payload.data(), payload.size());
  xdr::Encoder sum(all.subspan(12 + payload.size(), 8));
  sum.put_uhyper(fnv1a64(payload));
  return out;
}

Bytes payload_of(const std::vector<proto::rpcb>& maps) {
  proto::rpcblist_ptr list;
  for (auto it = maps.rbegin(); it != maps.rend(); ++it) {
    proto::rp__list node;
    node.rpcb_map = *it;
    if (list) node.rpcb_next = std::make_unique<proto::rp__list>(std::move(*list));
    list = std::move(node);
  }
  Bytes buf(1 << 16);
  xdr::Encoder e(buf);
  EXPECT_TRUE(proto::encode_rpcblist_ptr(e, list));
  buf.resize(e.size());
  return buf;
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "nelson-warm-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

TEST(WarmStart, FormatIsTheDocumentedOne) {
  const Table t = sample();
  const Bytes bytes = encode_warm_start(t);
  std::vector<proto::rpcb> maps;
  for (const Entry* e : t.dump()) maps.push_back({e->prog, e->vers, e->netid, e->uaddr, e->owner});
  EXPECT_EQ(bytes, frame(payload_of(maps)));
}

TEST(WarmStart, RoundTripsThroughAFile) {
  const TempDir dir;
  const std::string path = dir.file("rpcbind.xdr");
  const Table t = sample();
  const auto saved = save_warm_start(t, path);
  ASSERT_TRUE(saved) << saved.error().message;
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600U);
  const auto loaded = load_warm_start(path, {});
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_TRUE(loaded->found);
  EXPECT_EQ(loaded->entries, entries_of(t));
  // Saving again replaces the file whole.
  Table smaller;
  ASSERT_EQ(smaller.set({7, 1, "udp", "127.0.0.1.0.7", "superuser"}), Outcome::ok);
  ASSERT_TRUE(save_warm_start(smaller, path));
  EXPECT_EQ(load_warm_start(path, {})->entries, entries_of(smaller));
  // And an empty table is a valid, empty file.
  ASSERT_TRUE(save_warm_start(Table{}, path));
  const auto empty = load_warm_start(path, {});
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->found);
  EXPECT_TRUE(empty->entries.empty());
}

TEST(WarmStart, MissingFileIsAnEmptyTable) {
  const TempDir dir;
  const auto loaded = load_warm_start(dir.file("none.xdr"), {});
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_FALSE(loaded->found);
  EXPECT_TRUE(loaded->entries.empty());
}

TEST(WarmStart, SaveErrorsAreValues) {
  const auto r = save_warm_start(sample(), "/nonexistent-nelson-dir/rpcbind.xdr");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("/nonexistent-nelson-dir/rpcbind.xdr.tmp"), std::string::npos) << r.error().message;
  const TempDir dir;
  const auto not_file = load_warm_start(dir.file(""), {});  // the directory itself
  ASSERT_FALSE(not_file);
  EXPECT_NE(not_file.error().message.find("not a regular file"), std::string::npos) << not_file.error().message;
}

TEST(WarmStart, EveryTruncationIsRejected) {
  const Bytes bytes = encode_warm_start(sample());
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    const auto r = decode_warm_start(std::span(bytes).first(n), {});
    ASSERT_FALSE(r) << "accepted the first " << n << " of " << bytes.size() << " bytes";
    EXPECT_NE(r.error().message.find("not a valid warm-start file"), std::string::npos);
  }
  EXPECT_TRUE(decode_warm_start(bytes, {}));
}

TEST(WarmStart, EveryBitFlipIsRejected) {
  const Bytes bytes = encode_warm_start(sample());
  for (std::size_t i = 0; i < bytes.size() * 8; ++i) {
    Bytes bad = bytes;
    bad[i / 8] ^= static_cast<std::byte>(1U << (i % 8));
    EXPECT_FALSE(decode_warm_start(bad, {})) << "bit " << i;
  }
}

TEST(WarmStart, RandomGarbageIsRejected) {
  std::mt19937 rng(20261123);
  for (int i = 0; i < 2000; ++i) {
    Bytes junk(rng() % 600);
    for (std::byte& b : junk) b = static_cast<std::byte>(rng());
    if (i % 2 == 0 && junk.size() >= 8) std::memcpy(junk.data(), "NRPCBWS1", 8);  // past the magic too
    EXPECT_FALSE(decode_warm_start(junk, {})) << i;
  }
  // Framed garbage: a correct header and checksum around a random payload.
  for (int i = 0; i < 2000; ++i) {
    Bytes payload(rng() % 400);
    for (std::byte& b : payload) b = static_cast<std::byte>(rng() % 4 == 0 ? rng() : 0);
    const auto r = decode_warm_start(frame(payload), {});
    if (r) {  // a payload that happens to be a valid list must hold valid registrations
      for (const Entry& e : r->entries) EXPECT_EQ(Table::validate(e), Outcome::ok);
    }
  }
}

TEST(WarmStart, ContentIsValidatedLikeSet) {
  const auto reason = [](const std::vector<proto::rpcb>& maps) {
    const auto r = decode_warm_start(frame(payload_of(maps)), {});
    return r ? std::string("accepted") : r.error().message;
  };
  EXPECT_EQ(reason({{1, 1, "tcp", "127.0.0.1.0.1", "superuser"}}), "accepted");
  EXPECT_NE(reason({{1, 1, "tcp", "127.0.0.1.0.1", "superuser"}, {1, 1, "tcp", "127.0.0.1.0.1", "superuser"}})
                .find("program 1 version 1 netid 'tcp' appears twice"),
            std::string::npos);
  EXPECT_NE(reason({{1, 1, "rdma", "x", "superuser"}}).find("does not serve"), std::string::npos);
  EXPECT_NE(reason({{1, 1, "tcp", "::1.0.1", "superuser"}}).find("universal address"), std::string::npos);
  EXPECT_NE(reason({{1, 1, "tcp", "127.0.0.1.0.1", ""}}).find("owner"), std::string::npos);
  // A string above the contract's bound is refused while decoding, before it is copied (the
  // encoder would refuse to write it: written by hand).
  Bytes raw(512);
  xdr::Encoder e(raw);
  e.put_bool(true);
  e.put_uint(1);
  e.put_uint(1);
  e.put_string("tcp");
  e.put_string(std::string(200, '1'));
  e.put_string("superuser");
  e.put_bool(false);
  ASSERT_TRUE(e.ok());
  raw.resize(e.size());
  const auto r = decode_warm_start(frame(raw), {});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("malformed registrations"), std::string::npos) << r.error().message;
}

TEST(WarmStart, SizeIsBounded) {
  const TableLimits two{.max_entries = 2};
  EXPECT_EQ(max_warm_start_size(two), 12 + 4 + 2 * (12 + 68 + 132 + 68) + 8);
  // Three registrations do not fit two's bound.
  const auto three = decode_warm_start(encode_warm_start(sample()), two);
  ASSERT_FALSE(three);
  // The largest registrations a table holds fit the bound.
  Table full(two);
  const std::string owner(kMaxOwner, 'o');
  const std::string path = "/" + std::string(106, 'p');  // the longest sun_path
  ASSERT_EQ(full.set({1, 1, "local", path, owner}), Outcome::ok);
  ASSERT_EQ(full.set({2, 1, "tcp6", "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255.255.255", owner}), Outcome::ok);
  const Bytes bytes = encode_warm_start(full);
  EXPECT_LE(bytes.size(), max_warm_start_size(two));
  EXPECT_TRUE(decode_warm_start(bytes, two));
  // A file larger than the bound is refused before it is read.
  const TempDir dir;
  const std::string big = dir.file("big.xdr");
  {
    std::ofstream out(big, std::ios::binary);
    const std::string chunk(1 << 16, 'x');
    for (int i = 0; i < 64; ++i) out << chunk;  // 4 MiB
  }
  const auto r = load_warm_start(big, {});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("larger than"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace nelson::rpcbind
