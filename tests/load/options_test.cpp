// load::parse_options: every flag's good forms and the mistakes it must refuse with a reason.
#include "load/options.hpp"

#include <gtest/gtest.h>
#include <initializer_list>
#include <vector>

namespace nelson::load {
namespace {

ParseResult parse(std::initializer_list<const char*> args) {
  const std::vector<const char*> v(args);
  return parse_options(std::span<const char* const>(v));
}

TEST(LoadOptions, DefaultsAreTheBenchNullClosedOneByOne) {
  const ParseResult r = parse({"--target", "tcp://127.0.0.1:20099"});
  ASSERT_TRUE(r.ok()) << r.error;
  const Options& o = r.options;
  ASSERT_TRUE(o.target);
  EXPECT_EQ(o.target->transport, core::Transport::tcp);
  EXPECT_EQ(o.target->address.port(), 20099);
  EXPECT_EQ(o.prog, 0x20000099U);
  EXPECT_EQ(o.vers, 1U);
  EXPECT_EQ(o.proc, 0U);
  EXPECT_EQ(o.args.kind, ArgsSpec::Kind::void_args);
  EXPECT_EQ(o.check, Check::none);
  EXPECT_EQ(o.conns, 1U);
  EXPECT_EQ(o.effective_depth(), 1U);
  EXPECT_FALSE(o.open_loop());
  EXPECT_DOUBLE_EQ(o.duration_s, 10);
  EXPECT_DOUBLE_EQ(o.warmup_s, 1);
  EXPECT_EQ(o.threads, 1U);
  EXPECT_EQ(o.timeout, std::chrono::milliseconds(5000));
  EXPECT_EQ(o.progress, Progress::automatic);
}

TEST(LoadOptions, EveryFlag) {
  const ParseResult r = parse({"--target",    "udp://127.0.0.1:111",
                               "--prog",      "0x186a3",
                               "--vers",      "3",
                               "--proc",      "0x1",
                               "--args",      "opaque:1024:random",
                               "--check",     "echo",
                               "--conns",     "8",
                               "--depth",     "4",
                               "--warmup",    "0.5",
                               "--calls",     "1000",
                               "--threads",   "2",
                               "--timeout",   "250",
                               "--auth",      "sys",
                               "--json",      "-",
                               "--histogram", "h.txt",
                               "--plot",      "p.png",
                               "--quiet",     "--backend",
                               "epoll"});
  ASSERT_TRUE(r.ok()) << r.error;
  const Options& o = r.options;
  EXPECT_EQ(o.target->transport, core::Transport::udp);
  EXPECT_EQ(o.prog, 100003U);
  EXPECT_EQ(o.vers, 3U);
  EXPECT_EQ(o.proc, 1U);
  EXPECT_EQ(o.args.kind, ArgsSpec::Kind::opaque);
  EXPECT_EQ(o.args.count, 1024U);
  EXPECT_EQ(o.args.fill, ArgsSpec::Fill::random);
  EXPECT_EQ(o.check, Check::echo);
  EXPECT_EQ(o.conns, 8U);
  EXPECT_EQ(o.effective_depth(), 4U);
  EXPECT_DOUBLE_EQ(o.warmup_s, 0.5);
  EXPECT_EQ(o.calls, 1000U);
  EXPECT_EQ(o.threads, 2U);
  EXPECT_EQ(o.timeout, std::chrono::milliseconds(250));
  EXPECT_EQ(o.auth, Auth::sys);
  EXPECT_EQ(o.json_path, "-");
  EXPECT_EQ(o.histogram_path, "h.txt");
  EXPECT_EQ(o.plot_path, "p.png");
  EXPECT_EQ(o.progress, Progress::off);
  EXPECT_EQ(o.backend, core::BackendKind::epoll);
}

TEST(LoadOptions, OpenLoopAndPortmapper) {
  const ParseResult r = parse({"--pmap", "nfs1", "--pmap-port", "1111", "--transport", "udp", "--rate", "2500.5",
                               "--conns", "4", "--duration", "2", "--progress"});
  ASSERT_TRUE(r.ok()) << r.error;
  const Options& o = r.options;
  EXPECT_FALSE(o.target);
  EXPECT_EQ(o.pmap_host, "nfs1");
  EXPECT_EQ(o.pmap_port, 1111);
  EXPECT_EQ(o.pmap_transport, core::Transport::udp);
  EXPECT_TRUE(o.open_loop());
  EXPECT_DOUBLE_EQ(o.rate, 2500.5);
  EXPECT_EQ(o.effective_depth(), Options::kOpenLoopDepth);  // a large cap unless --depth
  EXPECT_DOUBLE_EQ(o.duration_s, 2);
  EXPECT_EQ(o.progress, Progress::on);
}

TEST(LoadOptions, ArgsSpecs) {
  EXPECT_EQ(parse_args_spec("void")->kind, ArgsSpec::Kind::void_args);
  const auto fixed = parse_args_spec("opaque:7");
  ASSERT_TRUE(fixed);
  EXPECT_EQ(fixed->count, 7U);
  EXPECT_EQ(fixed->fill, ArgsSpec::Fill::fixed);
  EXPECT_EQ(parse_args_spec("opaque:0:fixed")->count, 0U);
  EXPECT_EQ(parse_args_spec("ints:0x10")->count, 16U);
  EXPECT_EQ(parse_args_spec("file:/tmp/a:b")->path, "/tmp/a:b");
  for (const char* bad : {"", "opaque", "opaque:", "opaque:x", "opaque:4:zeros", "ints:-1", "ints:1:random",
                          "file:", "floats:3", "opaque:99999999999"}) {
    EXPECT_FALSE(parse_args_spec(bad)) << bad;
  }
}

TEST(LoadOptions, RefusesMistakesWithAReason) {
  const std::vector<std::vector<const char*>> cases = {
      {},                                                                         // no target
      {"--target", "tcp://127.0.0.1:1", "--pmap", "h"},                           // both
      {"--target", "http://x"},                                                   // not an endpoint
      {"--target", "tcp://127.0.0.1:1", "--conns", "0"},                          // range
      {"--target", "tcp://127.0.0.1:1", "--depth", "70000"},                      // range
      {"--target", "tcp://127.0.0.1:1", "--rate", "-5"},                          // range
      {"--target", "tcp://127.0.0.1:1", "--duration", "0"},                       // range
      {"--target", "tcp://127.0.0.1:1", "--duration", "1", "--calls", "5"},       // both
      {"--target", "tcp://127.0.0.1:1", "--rate", "100", "--calls", "5"},         // open loop by count
      {"--target", "tcp://127.0.0.1:1", "--threads", "4"},                        // more threads than conns
      {"--target", "tcp://127.0.0.1:1", "--check", "echo"},                       // echo needs opaque
      {"--target", "tcp://127.0.0.1:1", "--check", "sum", "--args", "opaque:4"},  // sum needs ints
      {"--target", "tcp://127.0.0.1:1", "--prog", "4294967296"},                  // over 32 bits
      {"--target", "tcp://127.0.0.1:1", "--proc", "1x"},                          // junk
      {"--target", "tcp://127.0.0.1:1", "--transport", "sctp"},
      {"--target", "tcp://127.0.0.1:1", "--auth", "gss"},
      {"--target", "tcp://127.0.0.1:1", "--backend", "poll"},
      {"--target", "tcp://127.0.0.1:1", "--bogus", "1"},
      {"--target"},                                                  // value missing
      {"--target", "udp://127.0.0.1:1", "--args", "opaque:100000"},  // does not fit a datagram
  };
  for (const auto& args : cases) {
    const ParseResult r = parse_options(std::span<const char* const>(args));
    std::string joined;
    for (const char* a : args) joined += std::string(a) + " ";
    EXPECT_FALSE(r.ok()) << joined;
    EXPECT_FALSE(r.error.empty()) << joined;
  }
}

TEST(LoadOptions, Help) { EXPECT_TRUE(parse({"--help"}).help); }

}  // namespace
}  // namespace nelson::load
