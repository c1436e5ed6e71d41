// load::Options — what `nelson-load` was asked to do, parsed from its command line.
//
//   auto parsed = load::parse_options(std::span(argv + 1, argc - 1));
//   if (!parsed.ok()) { std::fprintf(stderr, "%s\n%s", parsed.error.c_str(), load::kUsage); return 2; }
//   const load::Options& o = parsed.options;
//
// Parsing only checks the syntax and the ranges; resolving the target (or asking the
// portmapper) and reading an argument file happen later, in main().
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/address.hpp"
#include "core/backend.hpp"

namespace nelson::load {

/// What each call carries as arguments.
struct ArgsSpec {
  enum class Kind : std::uint8_t { void_args, opaque, ints, file };
  enum class Fill : std::uint8_t { fixed, random };
  Kind kind = Kind::void_args;
  std::size_t count = 0;  // opaque: bytes; ints: items
  Fill fill = Fill::fixed;
  std::string path;  // file: raw XDR bytes sent as they are
};

/// How replies are verified beyond "accepted, SUCCESS".
enum class Check : std::uint8_t { none, echo, sum };

enum class Auth : std::uint8_t { none, sys };

/// Progress line: on when stdout is a terminal (automatic), or forced.
enum class Progress : std::uint8_t { automatic, on, off };

struct Options {
  // Where: exactly one of target and pmap_host is set.
  std::optional<core::Endpoint> target;
  std::string target_text;
  std::string pmap_host;
  std::uint16_t pmap_port = 111;
  core::Transport pmap_transport = core::Transport::tcp;

  // What.
  std::uint32_t prog = 0x20000099;  // the bench program (examples/bench.x), NULL procedure
  std::uint32_t vers = 1;
  std::uint32_t proc = 0;
  ArgsSpec args;
  Check check = Check::none;
  Auth auth = Auth::none;
  std::chrono::milliseconds timeout{5000};

  // How much.
  unsigned conns = 1;
  unsigned depth = 0;  // 0: the mode's default (closed 1, open kOpenLoopDepth)
  double rate = 0;     // calls/s over all connections; > 0 selects the open loop
  double duration_s = 10;
  double warmup_s = 1;
  std::uint64_t calls = 0;  // > 0: stop after this many measured calls instead of a duration
  unsigned threads = 1;
  core::BackendKind backend = core::BackendKind::automatic;

  // Output.
  std::string json_path;  // "-" for stdout
  std::string histogram_path;
  std::string plot_path;
  Progress progress = Progress::automatic;

  /// In-flight cap of an open loop when --depth is not given: large, so that a slow server's
  /// backlog is sent (and measured) rather than held back in the generator.
  static constexpr unsigned kOpenLoopDepth = 1024;

  [[nodiscard]] bool open_loop() const noexcept { return rate > 0; }
  [[nodiscard]] unsigned effective_depth() const noexcept {
    if (depth != 0) return depth;
    return open_loop() ? kOpenLoopDepth : 1;
  }
};

struct ParseResult {
  Options options;
  std::string error;  // empty when parsing succeeded
  bool help = false;  // --help was given
  [[nodiscard]] bool ok() const noexcept { return error.empty(); }
};

/// Parses the arguments after the program name.
[[nodiscard]] ParseResult parse_options(std::span<const char* const> args);

/// Parses "void", "opaque:SIZE[:random|:fixed]", "ints:COUNT", "file:PATH".
[[nodiscard]] std::optional<ArgsSpec> parse_args_spec(std::string_view text);

/// The usage text (--help).
extern const char* const kUsage;

}  // namespace nelson::load
