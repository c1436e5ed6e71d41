#include "client/portmap.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <utility>

#include "client/client.hpp"
#include "rpc/universal_address.hpp"
#include "xdr/decoder.hpp"

namespace nelson::client {

namespace {

bool is_wildcard(const core::SocketAddress& a) {
  if (a.family() == AF_INET) return reinterpret_cast<const sockaddr_in*>(a.get())->sin_addr.s_addr == htonl(INADDR_ANY);
  if (a.family() == AF_INET6)
    return IN6_IS_ADDR_UNSPECIFIED(&reinterpret_cast<const sockaddr_in6*>(a.get())->sin6_addr);
  return false;
}

core::SocketAddress with_port(core::SocketAddress a, std::uint16_t port) {
  if (a.family() == AF_INET) reinterpret_cast<sockaddr_in*>(a.get())->sin_port = htons(port);
  if (a.family() == AF_INET6) reinterpret_cast<sockaddr_in6*>(a.get())->sin6_port = htons(port);
  return a;
}

// r_netid for GETADDR: "tcp"/"udp", with a 6 on IPv6.
std::string_view netid(core::Transport transport, int family) {
  const bool v6 = family == AF_INET6;
  if (transport == core::Transport::udp) return v6 ? "udp6" : "udp";
  return v6 ? "tcp6" : "tcp";
}

constexpr std::uint32_t kProtTcp = 6;  // IPPROTO_TCP / IPPROTO_UDP, as PMAP v2 names transports
constexpr std::uint32_t kProtUdp = 17;

// One lookup in flight. It owns its client and keeps itself alive (self_) until it is done; it
// is freed in a posted callback, because a client must not be destroyed inside its own callback.
class Lookup {
 public:
  Lookup(core::Loop& loop, std::uint32_t prog, std::uint32_t vers, core::Transport transport,
         const LookupOptions& options, std::function<void(const LookupResult&)> done)
      : loop_(&loop),
        prog_(prog),
        vers_(vers),
        transport_(transport),
        options_(options),
        deadline_(core::Clock::now() + options.timeout),
        done_(std::move(done)) {}

  static void start(std::shared_ptr<Lookup> self, std::string_view host) {
    Lookup& l = *self;
    l.self_ = std::move(self);
    if (l.transport_ == core::Transport::unix_stream || l.options_.via == core::Transport::unix_stream) {
      return l.fail_later({.code = Errc::cant_send, .sys_errno = EPROTONOSUPPORT});  // no port for "local"
    }
    // parse_endpoint resolves names (getaddrinfo); an IPv6 literal goes in brackets there.
    const bool v6_literal = host.find(':') != std::string_view::npos;
    const std::string text = std::string(l.options_.via == core::Transport::tcp ? "tcp://" : "udp://") +
                             (v6_literal ? "[" : "") + std::string(host) + (v6_literal ? "]" : "") + ":" +
                             std::to_string(l.options_.port);
    auto endpoint = core::parse_endpoint(text);
    if (!endpoint) return l.fail_later({.code = Errc::unknown_host});
    l.portmapper_ = *endpoint;
    ClientOptions client_options;
    client_options.reconnect = false;  // one question at a time; a lost connection is an answer
    auto created = Client::create(*l.loop_, l.portmapper_, client_options);
    if (!created) {
      return l.fail_later({.code = Errc::cant_send, .prog = kPortmapProg, .sys_errno = created.error().code});
    }
    l.client_ = std::move(created.value());
    // GETADDR answers for the transport it is asked over: for another one only GETPORT can tell.
    const bool getaddr_ok = l.options_.via == l.transport_ && l.options_.max_version >= 3;
    l.ask(getaddr_ok ? std::min<std::uint32_t>(l.options_.max_version, 4) : 2);
  }

 private:
  void ask(std::uint32_t version) {
    // Rounded up: the call must not end before the lookup's deadline.
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline_ - core::Clock::now());
    if (left.count() <= 0) {
      return fail_later({.code = Errc::timed_out, .prog = kPortmapProg, .vers = version, .proc = kRpcbGetaddr});
    }
    CallOptions call;
    call.timeout = left;
    // UDP: a few retransmissions within the timeout, at least 50 ms apart, at most 1 s.
    call.retransmit = std::clamp<std::chrono::milliseconds>(options_.timeout / 5, std::chrono::milliseconds(50),
                                                            std::chrono::seconds(1));
    const auto on_reply = [this, version](const CallResult& r) { answered(version, r); };
    if (version == 2) {
      const std::uint32_t prot = transport_ == core::Transport::udp ? kProtUdp : kProtTcp;
      client_->call(
          kPortmapProg, 2, kPmapGetport,
          [&](xdr::Encoder& e) {
            e.put_uint(prog_);
            e.put_uint(vers_);
            e.put_uint(prot);
            e.put_uint(0);
          },
          call, on_reply);
      return;
    }
    const std::string_view id = netid(transport_, portmapper_.address.family());
    client_->call(
        kPortmapProg, version, kRpcbGetaddr,
        [&](xdr::Encoder& e) {
          e.put_uint(prog_);
          e.put_uint(vers_);
          e.put_string(id);
          e.put_string("");  // r_addr: no hint
          e.put_string("");  // r_owner
        },
        call, on_reply);
  }

  void answered(std::uint32_t version, const CallResult& r) {
    if (const std::uint32_t next = next_portmap_version(version, r.error); next != 0) return ask(next);
    if (!r.ok()) return finish(r.error);
    const Error malformed{.code = Errc::cant_decode_reply, .prog = kPortmapProg, .vers = version, .proc = 3};
    const Error not_registered{.code = Errc::not_registered, .prog = prog_, .vers = vers_, .transport = transport_};
    xdr::Decoder d(r.results);
    if (version == 2) {
      std::uint32_t port = 0;
      if (!d.get_uint(port) || !d.expect_end() || port > 0xffff) return finish(malformed);
      if (port == 0) return finish(not_registered);
      return finish({}, with_port(portmapper_.address, static_cast<std::uint16_t>(port)));
    }
    std::string_view uaddr;
    // Bounded: a longer string is not a TCP/UDP universal address, whatever it is.
    if (!d.view_string(uaddr, rpc::kMaxUniversalAddress) || !d.expect_end()) return finish(malformed);
    if (uaddr.empty()) return finish(not_registered);
    auto address = rpc::parse_universal_address(uaddr);
    if (!address || address->port() == 0) return finish(malformed);
    if (is_wildcard(*address)) address = with_port(portmapper_.address, address->port());
    finish({}, *address);
  }

  void fail_later(const Error& error) {
    loop_->post([this, error] { finish(error); });
  }

  void finish(const Error& error, const core::SocketAddress& address = {}) {
    LookupResult result;
    result.error = error;
    if (error.ok()) result.endpoint = {transport_, address};
    done_(result);
    // Freed next iteration, outside the client's callback that may be running now.
    loop_->post([keep = std::move(self_)] {});
  }

  core::Loop* loop_;
  std::uint32_t prog_;
  std::uint32_t vers_;
  core::Transport transport_;
  LookupOptions options_;
  core::TimePoint deadline_;
  std::function<void(const LookupResult&)> done_;
  core::Endpoint portmapper_;
  std::unique_ptr<Client> client_;
  std::shared_ptr<Lookup> self_;
};

}  // namespace

void lookup(core::Loop& loop, std::string_view host, std::uint32_t prog, std::uint32_t vers, core::Transport transport,
            const LookupOptions& options, std::function<void(const LookupResult&)> done) {
  Lookup::start(std::make_shared<Lookup>(loop, prog, vers, transport, options, std::move(done)), host);
}

LookupResult lookup_sync(core::Loop& loop, std::string_view host, std::uint32_t prog, std::uint32_t vers,
                         core::Transport transport, const LookupOptions& options) {
  LookupResult out;
  bool done = false;
  lookup(loop, host, prog, vers, transport, options, [&](const LookupResult& r) {
    out = r;
    done = true;
  });
  while (!done) loop.run_once();
  loop.run_once(std::chrono::nanoseconds(0));  // frees the lookup (posted by finish())
  return out;
}

}  // namespace nelson::client
