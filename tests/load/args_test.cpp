// load::prepare_args: the exact XDR bytes of each --args form and the results --check expects.
#include "load/args.hpp"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <gtest/gtest.h>
#include <vector>

namespace nelson::load {
namespace {

using Bytes = std::vector<std::byte>;

Bytes be32(std::initializer_list<std::uint32_t> words) {
  Bytes out;
  for (const std::uint32_t w : words) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::byte>((w >> shift) & 0xff));
  }
  return out;
}

TEST(LoadArgs, VoidIsNoBytes) {
  const auto p = prepare_args({}, Check::none);
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->bytes.empty());
}

TEST(LoadArgs, FixedOpaqueIsLengthPatternAndPadding) {
  ArgsSpec spec;
  spec.kind = ArgsSpec::Kind::opaque;
  spec.count = 5;
  const auto p = prepare_args(spec, Check::echo);
  ASSERT_TRUE(p);
  const Bytes want = {std::byte{0},  std::byte{0},   std::byte{0},   std::byte{5}, std::byte{7}, std::byte{38},
                      std::byte{69}, std::byte{100}, std::byte{131}, std::byte{0}, std::byte{0}, std::byte{0}};
  EXPECT_EQ(p->bytes, want);
  EXPECT_EQ(p->expected, want);  // ECHO returns the same opaque<>
  EXPECT_TRUE(p->matches(want));
  Bytes other = want;
  other[6] = std::byte{0};
  EXPECT_FALSE(p->matches(other));
  EXPECT_FALSE(p->matches(std::span<const std::byte>(want).first(8)));
}

TEST(LoadArgs, RandomOpaqueHasTheSizeAndDiffersFromFixed) {
  ArgsSpec spec;
  spec.kind = ArgsSpec::Kind::opaque;
  spec.count = 64;
  spec.fill = ArgsSpec::Fill::random;
  const auto random = prepare_args(spec, Check::none);
  spec.fill = ArgsSpec::Fill::fixed;
  const auto fixed = prepare_args(spec, Check::none);
  ASSERT_TRUE(random && fixed);
  ASSERT_EQ(random->bytes.size(), 68U);
  EXPECT_EQ(Bytes(random->bytes.begin(), random->bytes.begin() + 4), be32({64}));
  EXPECT_NE(random->bytes, fixed->bytes);
  EXPECT_TRUE(random->expected.empty());  // no check asked for
}

TEST(LoadArgs, IntsAndTheirSum) {
  ArgsSpec spec;
  spec.kind = ArgsSpec::Kind::ints;
  spec.count = 3;
  const auto p = prepare_args(spec, Check::sum);
  ASSERT_TRUE(p);
  // 0, 2654435761 (as int32: -1640531535), 2*2654435761 mod 2^32 = 1013904226.
  EXPECT_EQ(p->bytes, be32({3, 0, 2654435761U, 1013904226U}));
  const std::int64_t sum = std::int64_t{0} - 1640531535 + 1013904226;
  EXPECT_EQ(p->expected, be32({static_cast<std::uint32_t>(static_cast<std::uint64_t>(sum) >> 32),
                               static_cast<std::uint32_t>(static_cast<std::uint64_t>(sum))}));
}

TEST(LoadArgs, FileBytesAreSentAsTheyAre) {
  const std::string path = "/tmp/nelson-load-args-" + std::to_string(::getpid());
  const Bytes raw = be32({1, 0xdeadbeef, 42});
  {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(raw.data()), static_cast<std::streamsize>(raw.size()));
  }
  ArgsSpec spec;
  spec.kind = ArgsSpec::Kind::file;
  spec.path = path;
  const auto p = prepare_args(spec, Check::none);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->bytes, raw);
  // Encoded through the writer: unchanged, no padding added.
  Bytes buf(64);
  xdr::Encoder e{std::span<std::byte>(buf)};
  (*p)(e);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(Bytes(e.written().begin(), e.written().end()), raw);

  {
    std::ofstream out(path, std::ios::binary | std::ios::app);
    out.put('x');  // 13 bytes: not whole XDR units
  }
  EXPECT_FALSE(prepare_args(spec, Check::none));
  ::unlink(path.c_str());
  EXPECT_FALSE(prepare_args(spec, Check::none));  // gone
}

}  // namespace
}  // namespace nelson::load
