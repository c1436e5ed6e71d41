/*
 * nelson-interop-rpcb-client: libtirpc's portmapper clients against the portmapper of this host
 * (nelson-rpcbind in rpcbind_rpcinfo_test.sh), as every C RPC program on Linux uses it.
 *
 *   nelson-interop-rpcb-client TCP_PORT UDP_PORT
 *
 * TCP_PORT and UDP_PORT: where the BENCHPROG (0x20000099) server registered version 1.
 *   1. RPCBIND (rpcb_clnt.h): rpcb_set of a test program on tcp and udp (over the UNIX socket
 *      /run/rpcbind.sock as libtirpc does: owner "superuser"), rpcb_getaddr of each, rpcb_getmaps
 *      listing them and the bench server, rpcb_gettime, rpcb_unset, and rpcb_getaddr failing.
 *   2. PMAP v2 (pmap_clnt.h): pmap_set of another test program on udp, pmap_getport (a PMAP
 *      GETPORT call over UDP to port 111), pmap_getmaps, pmap_unset, pmap_getport answering 0.
 *   3. clnt_create("127.0.0.1", BENCHPROG, 1, "tcp" and "udp"), which asks the portmapper for
 *      the address, and a NULL call through each; clnt_create of an unregistered program fails
 *      with RPC_PROGNOTREGISTERED.
 * One line per check ("ok ..." or "FAIL ..."); exit status 1 if any failed, 2 for a usage error.
 * libtirpc 1.3's pmap_set leaks 16 bytes a call (see pmap_register.c), and its remote rpcbind
 * queries leak a little too: the test runs this program with libtirpc.lsan.supp.
 */
#include <arpa/inet.h>
#include <netconfig.h>
#include <netinet/in.h>
#include <rpc/pmap_clnt.h>
#include <rpc/pmap_prot.h>
#include <rpc/rpc.h>
#include <rpc/rpcb_clnt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BENCHPROG 0x20000099ul
#define RPCB_TEST_PROG 0x20000199ul /* set and unset through RPCBIND */
#define PMAP_TEST_PROG 0x20000299ul /* set and unset through PMAP v2 */
#define TEST_PORT 20199

static int failures;

static void report(int ok, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

static void report(int ok, const char* fmt, ...) {
  if (!ok) ++failures;
  printf("%-4s ", ok ? "ok" : "FAIL");
  va_list ap;
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  putchar('\n');
  fflush(stdout);
}

/* xdr_void, with the signature of an xdrproc_t (libtirpc declares xdr_void(void)). */
static bool_t xdr_nothing(XDR* xdrs, void* unused) {
  (void)xdrs;
  (void)unused;
  return TRUE;
}

static const struct timeval kTimeout = {10, 0};

/* rpcb_getaddr's answer for (prog, vers) on netid at 127.0.0.1: the port, 0 if not registered. */
static unsigned getaddr_port(unsigned long prog, unsigned long vers, const char* netid) {
  struct netconfig* nconf = getnetconfigent(netid);
  if (nconf == NULL) return 0;
  struct sockaddr_in sin;
  memset(&sin, 0, sizeof sin);
  struct netbuf address = {sizeof sin, 0, &sin};
  const bool_t found = rpcb_getaddr(prog, vers, nconf, &address, "127.0.0.1");
  freenetconfigent(nconf);
  return found && address.len == sizeof sin && sin.sin_family == AF_INET ? ntohs(sin.sin_port) : 0;
}

static void rpcbind_calls(unsigned bench_tcp, unsigned bench_udp) {
  static const char* const netids[] = {"tcp", "udp"};
  for (int i = 0; i < 2; ++i) {
    struct netconfig* nconf = getnetconfigent(netids[i]);
    if (nconf == NULL) {
      report(0, "getnetconfigent(%s): %s", netids[i], nc_sperror());
      continue;
    }
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_ANY);
    sin.sin_port = htons(TEST_PORT);
    struct netbuf address = {sizeof sin, sizeof sin, &sin};
    report(rpcb_set(RPCB_TEST_PROG, 1, nconf, &address), "rpcb_set(%#lx, 1, %s, 0.0.0.0:%d)", RPCB_TEST_PROG, netids[i],
           TEST_PORT);
    freenetconfigent(nconf);
    const unsigned port = getaddr_port(RPCB_TEST_PROG, 1, netids[i]);
    report(port == TEST_PORT, "rpcb_getaddr(%#lx, 1, %s): port %u", RPCB_TEST_PROG, netids[i], port);
  }
  unsigned port = getaddr_port(BENCHPROG, 1, "tcp");
  report(port == bench_tcp, "rpcb_getaddr(%#lx, 1, tcp): port %u (the bench server: %u)", BENCHPROG, port, bench_tcp);
  port = getaddr_port(BENCHPROG, 1, "udp");
  report(port == bench_udp, "rpcb_getaddr(%#lx, 1, udp): port %u (the bench server: %u)", BENCHPROG, port, bench_udp);

  struct netconfig* tcp = getnetconfigent("tcp");
  rpcblist* maps = tcp != NULL ? rpcb_getmaps(tcp, "127.0.0.1") : NULL;
  int ours = 0, bench = 0, self = 0, entries = 0;
  for (const rpcblist* m = maps; m != NULL; m = m->rpcb_next, ++entries) {
    const rpcb* r = &m->rpcb_map;
    if (r->r_prog == RPCB_TEST_PROG && strcmp(r->r_owner, "superuser") == 0) ++ours;
    if (r->r_prog == BENCHPROG && r->r_vers == 1) ++bench;
    if (r->r_prog == PMAPPROG) ++self;
  }
  report(ours == 2 && bench == 2 && self > 0,
         "rpcb_getmaps: %d entries, %d of %#lx owned by superuser, %d of the bench server, %d of the portmapper",
         entries, ours, RPCB_TEST_PROG, bench, self);
  if (maps != NULL) xdr_free((xdrproc_t)xdr_rpcblist, (char*)&maps);
  if (tcp != NULL) freenetconfigent(tcp);

  time_t then = 0;
  const time_t now = time(NULL);
  const bool_t got = rpcb_gettime("127.0.0.1", &then);
  report(got && then >= now - 5 && then <= now + 5, "rpcb_gettime: %ld (here: %ld)", (long)then, (long)now);

  report(rpcb_unset(RPCB_TEST_PROG, 1, NULL), "rpcb_unset(%#lx, 1, every netid)", RPCB_TEST_PROG);
  port = getaddr_port(RPCB_TEST_PROG, 1, "tcp");
  report(port == 0, "rpcb_getaddr(%#lx, 1, tcp) after rpcb_unset: %s", RPCB_TEST_PROG,
         port == 0 ? "not registered" : "still registered");
}

static void pmap_calls(unsigned bench_udp) {
  struct sockaddr_in pmap;
  memset(&pmap, 0, sizeof pmap);
  pmap.sin_family = AF_INET;
  pmap.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  pmap.sin_port = htons(PMAPPORT);

  report(pmap_set(PMAP_TEST_PROG, 1, IPPROTO_UDP, TEST_PORT), "pmap_set(%#lx, 1, udp, %d)", PMAP_TEST_PROG, TEST_PORT);
  struct sockaddr_in to = pmap;
  unsigned port = pmap_getport(&to, PMAP_TEST_PROG, 1, IPPROTO_UDP);
  report(port == TEST_PORT, "pmap_getport(%#lx, 1, udp): %u", PMAP_TEST_PROG, port);
  to = pmap;
  port = pmap_getport(&to, BENCHPROG, 1, IPPROTO_UDP);
  report(port == bench_udp, "pmap_getport(%#lx, 1, udp): %u (the bench server: %u)", BENCHPROG, port, bench_udp);

  to = pmap;
  struct pmaplist* maps = pmap_getmaps(&to);
  int ours = 0, entries = 0;
  for (const struct pmaplist* m = maps; m != NULL; m = m->pml_next, ++entries) {
    if (m->pml_map.pm_prog == PMAP_TEST_PROG && m->pml_map.pm_prot == IPPROTO_UDP && m->pml_map.pm_port == TEST_PORT) {
      ++ours;
    }
  }
  report(ours == 1, "pmap_getmaps: %d mappings, %d of %#lx udp %d", entries, ours, PMAP_TEST_PROG, TEST_PORT);
  if (maps != NULL) xdr_free((xdrproc_t)xdr_pmaplist, (char*)&maps);

  report(pmap_unset(PMAP_TEST_PROG, 1), "pmap_unset(%#lx, 1)", PMAP_TEST_PROG);
  to = pmap;
  port = pmap_getport(&to, PMAP_TEST_PROG, 1, IPPROTO_UDP);
  report(port == 0, "pmap_getport(%#lx, 1, udp) after pmap_unset: %u", PMAP_TEST_PROG, port);
}

static void clnt_create_calls(void) {
  static const char* const netids[] = {"tcp", "udp"};
  for (int i = 0; i < 2; ++i) {
    CLIENT* clnt = clnt_create("127.0.0.1", BENCHPROG, 1, netids[i]);
    if (clnt == NULL) {
      report(0, "clnt_create(127.0.0.1, %#lx, 1, %s):%s", BENCHPROG, netids[i], clnt_spcreateerror(""));
      continue;
    }
    const enum clnt_stat stat =
        clnt_call(clnt, NULLPROC, (xdrproc_t)xdr_nothing, NULL, (xdrproc_t)xdr_nothing, NULL, kTimeout);
    report(stat == RPC_SUCCESS, "clnt_create(127.0.0.1, %#lx, 1, %s) + NULL: %s", BENCHPROG, netids[i],
           clnt_sperrno(stat));
    clnt_destroy(clnt);
  }
  CLIENT* clnt = clnt_create("127.0.0.1", RPCB_TEST_PROG, 1, "tcp");
  const enum clnt_stat why = rpc_createerr.cf_stat;
  report(clnt == NULL && why == RPC_PROGNOTREGISTERED, "clnt_create(127.0.0.1, %#lx, 1, tcp) unregistered: %s",
         RPCB_TEST_PROG, clnt == NULL ? clnt_sperrno(why) : "created");
  if (clnt != NULL) clnt_destroy(clnt);
}

static int parse_port(const char* text, unsigned* out) {
  char* end = NULL;
  const unsigned long n = strtoul(text, &end, 10);
  *out = (unsigned)n;
  return end != text && *end == '\0' && n > 0 && n <= 65535;
}

int main(int argc, char** argv) {
  unsigned bench_tcp = 0, bench_udp = 0;
  if (argc != 3 || !parse_port(argv[1], &bench_tcp) || !parse_port(argv[2], &bench_udp)) {
    fprintf(stderr, "usage: %s TCP_PORT UDP_PORT (where BENCHPROG version 1 is registered)\n", argv[0]);
    return 2;
  }
  rpcbind_calls(bench_tcp, bench_udp);
  pmap_calls(bench_udp);
  clnt_create_calls();
  return failures == 0 ? 0 : 1;
}
