#include "load/options.hpp"

#include <limits>

#include "core/parse_number.hpp"

namespace nelson::load {

const char* const kUsage = R"(usage: nelson-load [options] (--target URL | --pmap HOST)
  --target tcp://H:P | udp://H:P | unix:///path   where the server listens
  --pmap HOST [--pmap-port 111] [--transport tcp|udp]   find PROG/VERS through the portmapper
  --prog N --vers N --proc N     decimal or 0x hex (default 0x20000099 1 0: the bench NULL)
  --args void | opaque:SIZE[:random|:fixed] | ints:COUNT | file:PATH   (default void)
  --check echo|sum|none          verify results (default none: any SUCCESS counts)
  --conns C --depth D            closed loop: C connections x D calls in flight (default 1x1)
  --duration S | --calls N       how long (default 10 s) or how many measured calls
  --warmup S                     not measured (default 1)
  --rate R                       open loop: R calls/s over all connections, latency from the
                                 intended send time (depth default 1024)
  --threads T                    T loops on T threads (default 1)
  --timeout MS                   per-call timeout (default 5000)
  --backend auto|epoll|io_uring|select   the loops' backend (default auto)
  --auth none|sys
  --json FILE  --histogram FILE  --plot FILE.png   (--json - writes to stdout)
  --quiet | --progress           per-second line off/on (default: on when stdout is a tty)
)";

namespace {

// Numbers on the command line: decimal, or hexadecimal after 0x (program numbers are written so).
template <class T>
bool parse_unsigned(std::string_view s, T& out) {
  return core::parse_number(s, out, core::NumberBase::c_style);
}

std::string bad(std::string_view flag, std::string_view value, std::string_view why) {
  return std::string(flag) + " " + std::string(value) + ": " + std::string(why);
}

}  // namespace

std::optional<ArgsSpec> parse_args_spec(std::string_view text) {
  ArgsSpec spec;
  if (text == "void") return spec;
  const std::size_t colon = text.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  const std::string_view kind = text.substr(0, colon);
  std::string_view rest = text.substr(colon + 1);
  if (kind == "file") {
    if (rest.empty()) return std::nullopt;
    spec.kind = ArgsSpec::Kind::file;
    spec.path = std::string(rest);
    return spec;
  }
  if (kind == "opaque") {
    spec.kind = ArgsSpec::Kind::opaque;
    if (const std::size_t c = rest.find(':'); c != std::string_view::npos) {
      const std::string_view fill = rest.substr(c + 1);
      if (fill == "random") {
        spec.fill = ArgsSpec::Fill::random;
      } else if (fill != "fixed") {
        return std::nullopt;
      }
      rest = rest.substr(0, c);
    }
  } else if (kind == "ints") {
    spec.kind = ArgsSpec::Kind::ints;
  } else {
    return std::nullopt;
  }
  // XDR lengths are 32-bit; a record over 2^31 cannot be marked.
  if (!parse_unsigned(rest, spec.count) || spec.count > (std::size_t{1} << 30)) return std::nullopt;
  if (spec.kind == ArgsSpec::Kind::ints && spec.count > (std::size_t{1} << 28)) return std::nullopt;
  return spec;
}

ParseResult parse_options(std::span<const char* const> args) {
  ParseResult r;
  Options& o = r.options;
  bool have_duration = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view flag = args[i];
    // Flags without a value.
    if (flag == "--help" || flag == "-h") {
      r.help = true;
      continue;
    }
    if (flag == "--quiet") {
      o.progress = Progress::off;
      continue;
    }
    if (flag == "--progress") {
      o.progress = Progress::on;
      continue;
    }
    if (i + 1 >= args.size()) {
      r.error = std::string(flag) + (flag.starts_with("--") ? ": needs a value" : ": unknown option");
      return r;
    }
    const std::string_view v = args[++i];
    const auto fail = [&](std::string_view why) {
      r.error = bad(flag, v, why);
      return r;
    };
    if (flag == "--target") {
      auto ep = core::parse_endpoint(v);
      if (!ep) return fail(ep.error().message);
      o.target = *ep;
      o.target_text = std::string(v);
    } else if (flag == "--pmap") {
      if (v.empty()) return fail("needs a host");
      o.pmap_host = std::string(v);
    } else if (flag == "--pmap-port") {
      if (!parse_unsigned(v, o.pmap_port) || o.pmap_port == 0) return fail("not a port");
    } else if (flag == "--transport") {
      if (v == "tcp") {
        o.pmap_transport = core::Transport::tcp;
      } else if (v == "udp") {
        o.pmap_transport = core::Transport::udp;
      } else {
        return fail("tcp or udp");
      }
    } else if (flag == "--prog") {
      if (!parse_unsigned(v, o.prog)) return fail("not a 32-bit number");
    } else if (flag == "--vers") {
      if (!parse_unsigned(v, o.vers)) return fail("not a 32-bit number");
    } else if (flag == "--proc") {
      if (!parse_unsigned(v, o.proc)) return fail("not a 32-bit number");
    } else if (flag == "--args") {
      auto spec = parse_args_spec(v);
      if (!spec) return fail("expected void, opaque:SIZE[:random|:fixed], ints:COUNT or file:PATH");
      o.args = std::move(*spec);
    } else if (flag == "--check") {
      if (v == "none") {
        o.check = Check::none;
      } else if (v == "echo") {
        o.check = Check::echo;
      } else if (v == "sum") {
        o.check = Check::sum;
      } else {
        return fail("echo, sum or none");
      }
    } else if (flag == "--auth") {
      if (v == "none") {
        o.auth = Auth::none;
      } else if (v == "sys") {
        o.auth = Auth::sys;
      } else {
        return fail("none or sys");
      }
    } else if (flag == "--conns") {
      if (!parse_unsigned(v, o.conns) || o.conns == 0 || o.conns > 65536) return fail("1 to 65536");
    } else if (flag == "--depth") {
      if (!parse_unsigned(v, o.depth) || o.depth == 0 || o.depth > 65536) return fail("1 to 65536");
    } else if (flag == "--threads") {
      if (!parse_unsigned(v, o.threads) || o.threads == 0 || o.threads > 256) return fail("1 to 256");
    } else if (flag == "--rate") {
      if (!core::parse_number(v, o.rate) || o.rate <= 0 || o.rate > 1e9) return fail("calls/s above 0");
    } else if (flag == "--duration") {
      if (!core::parse_number(v, o.duration_s) || o.duration_s <= 0 || o.duration_s > 1e6)
        return fail("seconds above 0");
      have_duration = true;
    } else if (flag == "--warmup") {
      if (!core::parse_number(v, o.warmup_s) || o.warmup_s < 0 || o.warmup_s > 1e6) return fail("seconds, 0 or more");
    } else if (flag == "--calls") {
      if (!parse_unsigned(v, o.calls) || o.calls == 0) return fail("a count above 0");
    } else if (flag == "--timeout") {
      std::uint32_t ms = 0;
      if (!parse_unsigned(v, ms) || ms == 0) return fail("milliseconds above 0");
      o.timeout = std::chrono::milliseconds(ms);
    } else if (flag == "--backend") {
      if (!core::parse_backend(v, o.backend)) return fail("auto, epoll, io_uring, kqueue or select");
    } else if (flag == "--json") {
      o.json_path = std::string(v);
    } else if (flag == "--histogram") {
      o.histogram_path = std::string(v);
    } else if (flag == "--plot") {
      o.plot_path = std::string(v);
    } else {
      r.error = std::string(flag) + ": unknown option";
      return r;
    }
  }
  if (r.help) return r;
  if (o.target.has_value() == !o.pmap_host.empty()) {
    r.error = "give one of --target URL and --pmap HOST";
  } else if (have_duration && o.calls != 0) {
    r.error = "give --duration or --calls, not both";
  } else if (o.open_loop() && o.calls != 0) {
    r.error = "--calls is for the closed loop; an open loop runs for a --duration";
  } else if (o.threads > o.conns) {
    r.error = "--threads " + std::to_string(o.threads) + " is more than --conns " + std::to_string(o.conns) +
              ": each thread needs a connection";
  } else if (o.check == Check::echo && o.args.kind != ArgsSpec::Kind::opaque) {
    r.error = "--check echo needs --args opaque:SIZE";
  } else if (o.check == Check::sum && o.args.kind != ArgsSpec::Kind::ints) {
    r.error = "--check sum needs --args ints:COUNT";
  } else if (o.target && o.target->transport == core::Transport::udp && o.args.count > 65000) {
    r.error = "arguments of " + std::to_string(o.args.count) + " bytes do not fit a UDP datagram";
  }
  return r;
}

}  // namespace nelson::load
