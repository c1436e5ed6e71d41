#include "client/registration.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <utility>
#include <vector>

#include "client/client.hpp"
#include "client/portmap.hpp"
#include "rpc/universal_address.hpp"
#include "xdr/decoder.hpp"

namespace nelson::client {

namespace {

constexpr std::uint32_t kSet = 1;  // PMAPPROC_SET / RPCBPROC_SET
constexpr std::uint32_t kUnset = 2;
constexpr std::uint32_t kProtTcp = 6;
constexpr std::uint32_t kProtUdp = 17;

std::uint32_t pmap_prot(std::string_view netid) {
  if (netid == "tcp") return kProtTcp;
  if (netid == "udp") return kProtUdp;
  return 0;
}

bool is_socket(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode);
}

// One SET or UNSET in flight, asking each portmapper endpoint and protocol version in turn. It
// owns its client and keeps itself alive (self_) until done; clients are freed in posted
// callbacks, never inside their own.
class Change {
 public:
  Change(core::Loop& loop, RegistrationResult what, const RegistrationOptions& options,
         std::function<void(const RegistrationResult&)> done)
      : loop_(&loop),
        result_(std::move(what)),
        options_(options),
        deadline_(core::Clock::now() + options.timeout),
        done_(std::move(done)) {}

  static void start(std::shared_ptr<Change> self) {
    Change& c = *self;
    c.self_ = std::move(self);
    if (!c.options_.unix_socket.empty() && is_socket(c.options_.unix_socket)) {
      if (auto e = core::parse_endpoint("unix://" + c.options_.unix_socket)) c.endpoints_.push_back(*e);
    }
    // Numeric only: registration happens at start-up and must not wait for a resolver.
    const bool v6 = c.options_.host.find(':') != std::string::npos;
    auto tcp = core::parse_endpoint("tcp://" + std::string(v6 ? "[" : "") + c.options_.host + (v6 ? "]" : "") + ":" +
                                    std::to_string(c.options_.port));
    if (tcp) c.endpoints_.push_back(*tcp);
    if (c.endpoints_.empty()) return c.fail_later({.code = Errc::unknown_host});
    c.next_endpoint();
  }

 private:
  [[nodiscard]] std::uint32_t first_version() const { return std::clamp<std::uint32_t>(options_.max_version, 2, 4); }

  void next_endpoint() {
    if (client_) {  // maybe inside its callback now: freed next iteration
      loop_->post([old = std::shared_ptr<Client>(std::move(client_))] {});
    }
    result_.portmapper = endpoints_[at_++];
    ClientOptions client_options;
    client_options.reconnect = false;  // one question at a time; a lost connection is an answer
    auto created = Client::create(*loop_, result_.portmapper, client_options);
    if (!created) {
      const Error error{.code = Errc::cant_send, .prog = kPortmapProg, .sys_errno = created.error().code};
      if (at_ < endpoints_.size()) return loop_->post([this] { next_endpoint(); });
      return fail_later(error);
    }
    client_ = std::move(created.value());
    ask(first_version());
  }

  void ask(std::uint32_t version) {
    const std::uint32_t proc = result_.unset ? kUnset : kSet;
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline_ - core::Clock::now());
    if (left.count() <= 0) {
      return finish({.code = Errc::timed_out, .prog = kPortmapProg, .vers = version, .proc = proc}, 0);
    }
    CallOptions call;
    call.timeout = left;
    const auto on_reply = [this, version](const CallResult& r) { answered(version, r); };
    const Registration& what = result_.what;
    if (version == 2) {
      const std::uint32_t prot = pmap_prot(what.netid);
      const auto address = rpc::parse_universal_address(what.uaddr);
      // PMAP v2 knows IPv4 TCP and UDP ports only; its UNSET removes both.
      if (!result_.unset && (prot == 0 || !address || address->family() != AF_INET)) {
        return finish({.code = Errc::registration_refused, .prog = what.prog, .vers = what.vers, .proc = proc}, 2);
      }
      const std::uint32_t port = result_.unset ? 0 : address->port();
      client_->call(
          kPortmapProg, 2, proc,
          [&](xdr::Encoder& e) {
            e.put_uint(what.prog);
            e.put_uint(what.vers);
            e.put_uint(prot);
            e.put_uint(port);
          },
          call, on_reply);
      return;
    }
    // r_owner is ignored by rpcbind (it asks the kernel); libtirpc sends the euid, so do we.
    const std::string owner = std::to_string(::geteuid());
    client_->call(
        kPortmapProg, version, proc,
        [&](xdr::Encoder& e) {
          e.put_uint(what.prog);
          e.put_uint(what.vers);
          e.put_string(what.netid);
          e.put_string(result_.unset ? std::string_view() : std::string_view(what.uaddr));
          e.put_string(owner);
        },
        call, on_reply);
  }

  void answered(std::uint32_t version, const CallResult& r) {
    const Errc code = r.error.code;
    if (const std::uint32_t next = next_portmap_version(version, r.error); next != 0) return ask(next);
    // A UNIX socket that exists but refuses (a stale socket file): the TCP port may still work.
    if ((code == Errc::cant_send || code == Errc::cant_receive) && at_ < endpoints_.size()) {
      return next_endpoint();
    }
    if (!r.ok()) return finish(r.error, 0);
    const std::uint32_t proc = result_.unset ? kUnset : kSet;
    xdr::Decoder d(r.results);
    bool accepted = false;
    if (!d.get_bool(accepted) || !d.expect_end()) {
      return finish({.code = Errc::cant_decode_reply, .prog = kPortmapProg, .vers = version, .proc = proc}, version);
    }
    if (!accepted) {
      return finish(
          {.code = Errc::registration_refused, .prog = result_.what.prog, .vers = result_.what.vers, .proc = proc},
          version);
    }
    finish({}, version);
  }

  void fail_later(const Error& error) {
    loop_->post([this, error] { finish(error, 0); });
  }

  void finish(const Error& error, std::uint32_t version) {
    result_.error = error;
    result_.version = version;
    done_(result_);
    // Freed next iteration, outside the client's callback that may be running now.
    loop_->post([keep = std::move(self_)] {});
  }

  core::Loop* loop_;
  RegistrationResult result_;
  RegistrationOptions options_;
  core::TimePoint deadline_;
  std::function<void(const RegistrationResult&)> done_;
  std::vector<core::Endpoint> endpoints_;
  std::size_t at_ = 0;
  std::unique_ptr<Client> client_;
  std::shared_ptr<Change> self_;
};

RegistrationResult run_sync(core::Loop& loop,
                            const std::function<void(std::function<void(const RegistrationResult&)>)>& start) {
  RegistrationResult out;
  bool done = false;
  start([&](const RegistrationResult& r) {
    out = r;
    done = true;
  });
  while (!done) loop.run_once();
  loop.run_once(std::chrono::nanoseconds(0));  // frees the change and its client (posted by finish())
  return out;
}

}  // namespace

Registration registration_for(std::uint32_t prog, std::uint32_t vers, const core::Endpoint& endpoint) {
  return {.prog = prog,
          .vers = vers,
          .netid = std::string(rpc::netid_of(endpoint)),
          .uaddr = rpc::format_universal_address(endpoint.address)};
}

std::string message(const RegistrationResult& r) {
  const Registration& w = r.what;
  std::string text = r.unset ? "unregistering " : "registering ";
  text += "program " + std::to_string(w.prog) + " version " + std::to_string(w.vers);
  if (r.unset) {
    text += w.netid.empty() ? " (every netid)" : " on " + w.netid;
  } else {
    text += " on " + w.netid + " at " + w.uaddr;
  }
  text += " with the portmapper at " + r.portmapper.to_string();
  if (r.version != 0) text += r.version == 2 ? " (PMAP v2)" : " (RPCBIND v" + std::to_string(r.version) + ")";
  if (r.ok()) return text + ": done";
  if (r.error.code == Errc::registration_refused && r.version == 2 && !r.unset && pmap_prot(w.netid) == 0) {
    return text + ": not sent: PMAP v2 knows no netid but tcp and udp over IPv4";
  }
  text += ": " + message(r.error);
  if (r.error.code == Errc::auth_error) {
    text += "; a portmapper takes SET/UNSET only from local callers (its UNIX socket, or loopback)";
  }
  return text;
}

void register_service(core::Loop& loop, const Registration& what, const RegistrationOptions& options,
                      std::function<void(const RegistrationResult&)> done) {
  RegistrationResult r;
  r.what = what;
  Change::start(std::make_shared<Change>(loop, std::move(r), options, std::move(done)));
}

void unregister_service(core::Loop& loop, std::uint32_t prog, std::uint32_t vers, std::string_view netid,
                        const RegistrationOptions& options, std::function<void(const RegistrationResult&)> done) {
  RegistrationResult r;
  r.unset = true;
  r.what = {.prog = prog, .vers = vers, .netid = std::string(netid), .uaddr = {}};
  Change::start(std::make_shared<Change>(loop, std::move(r), options, std::move(done)));
}

RegistrationResult register_service_sync(core::Loop& loop, const Registration& what,
                                         const RegistrationOptions& options) {
  return run_sync(loop, [&](auto done) { register_service(loop, what, options, std::move(done)); });
}

RegistrationResult unregister_service_sync(core::Loop& loop, std::uint32_t prog, std::uint32_t vers,
                                           std::string_view netid, const RegistrationOptions& options) {
  return run_sync(loop, [&](auto done) { unregister_service(loop, prog, vers, netid, options, std::move(done)); });
}

}  // namespace nelson::client
