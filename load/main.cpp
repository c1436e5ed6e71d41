// nelson-load — a load generator for any ONC RPC server (nelson, libtirpc, NFS servers).
//
//   nelson-load --target tcp://127.0.0.1:20099 --conns 16 --depth 16 --duration 3   # NULL, closed loop
//   nelson-load --target tcp://127.0.0.1:20099 --proc 1 --args opaque:1024 --check echo --rate 20000
//   nelson-load --pmap nfs-server --prog 100003 --vers 3 --proc 0 --json result.json --plot lat.png
//
// Prints "# measuring" (flushed) when the warm-up ends, a progress line per second when stdout
// is a terminal, then a table and one greppable line (see load/report.hpp). Exit status: 0
// when every call succeeded, 1 when any failed (or none were made), 2 on a usage error.
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "load/args.hpp"
#include "load/options.hpp"
#include "load/report.hpp"
#include "load/run.hpp"

#if __has_include("client/portmap.hpp")
#include "client/portmap.hpp"
#define NELSON_LOAD_HAVE_PORTMAP 1
#endif

namespace load = nelson::load;
namespace core = nelson::core;

namespace {

// The endpoint to load: --target as given, or what the portmapper says for PROG/VERS.
core::Result<core::Endpoint> resolve_target(const load::Options& o) {
  if (o.target) return *o.target;
#ifdef NELSON_LOAD_HAVE_PORTMAP
  auto loop = core::Loop::create();
  if (!loop) return loop.error();
  nelson::client::LookupOptions lookup;
  lookup.port = o.pmap_port;
  const auto found = nelson::client::lookup_sync(**loop, o.pmap_host, o.prog, o.vers, o.pmap_transport, lookup);
  if (!found.ok()) return core::Error{0, "portmapper at " + o.pmap_host + ": " + nelson::client::message(found.error)};
  return found.endpoint;
#else
  return core::Error{0, "--pmap: this build has no portmapper client (client/portmap.hpp); use --target"};
#endif
}

bool write_file(const std::string& path, const std::string& text) {
  if (path == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
    return std::fflush(stdout) == 0;
  }
  std::ofstream out(path);
  out << text;
  return static_cast<bool>(out);
}

}  // namespace

int main(int argc, char** argv) {
  const auto parsed = load::parse_options(std::span<const char* const>(argv + 1, static_cast<std::size_t>(argc - 1)));
  if (parsed.help) {
    std::fputs(load::kUsage, stdout);
    return 0;
  }
  if (!parsed.ok()) {
    std::fprintf(stderr, "nelson-load: %s\n%s", parsed.error.c_str(), load::kUsage);
    return 2;
  }
  const load::Options& o = parsed.options;
  std::signal(SIGPIPE, SIG_IGN);  // a server that goes away is an error count, not a crash

  const auto endpoint = resolve_target(o);
  if (!endpoint) {
    std::fprintf(stderr, "nelson-load: %s\n", endpoint.error().message.c_str());
    return 1;
  }
  const auto args = load::prepare_args(o.args, o.check);
  if (!args) {
    std::fprintf(stderr, "nelson-load: --args: %s\n", args.error().message.c_str());
    return 2;
  }

  // With --json - the JSON owns stdout; everything else for people goes to stderr.
  const bool json_on_stdout = o.json_path == "-";
  FILE* human = json_on_stdout ? stderr : stdout;
  const bool show_progress =
      o.progress == load::Progress::on || (o.progress == load::Progress::automatic && ::isatty(fileno(human)) != 0);

  const load::RunDescription description{endpoint->to_string(), &o, args->bytes.size()};
  const load::RunResults r = load::run(
      {.options = o, .endpoint = *endpoint, .args = *args},
      [&](const load::ProgressSample& s) {
        if (!show_progress) return;
        std::fputs(load::format_progress(s).c_str(), human);
        std::fflush(human);
      },
      [&] {
        std::fputs("# measuring\n", human);
        std::fflush(human);
      });
  if (!r.setup_error.empty()) {
    std::fprintf(stderr, "nelson-load: %s\n", r.setup_error.c_str());
    return 1;
  }

  std::fputs(load::format_table(description, r).c_str(), human);
  std::fputs(load::format_summary_line(r).c_str(), human);
  std::fflush(human);
  int status = r.error_total() == 0 && r.ok > 0 ? 0 : 1;
  if (!o.json_path.empty() && !write_file(o.json_path, load::format_json(description, r))) {
    std::fprintf(stderr, "nelson-load: cannot write %s\n", o.json_path.c_str());
    status = 1;
  }
  if (!o.histogram_path.empty() && !write_file(o.histogram_path, r.latency.format_percentile_distribution())) {
    std::fprintf(stderr, "nelson-load: cannot write %s\n", o.histogram_path.c_str());
    status = 1;
  }
  if (!o.plot_path.empty()) {
    const load::PlotResult plot = load::write_plot(o.plot_path, description, r);
    std::fprintf(stderr, "nelson-load: --plot: %s\n", plot.message.c_str());
  }
  return status;
}
