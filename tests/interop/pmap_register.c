/*
 * nelson-interop-pmap-register: registers (or with -u unregisters) a program with the local
 * rpcbind through libtirpc, so that tools which ask rpcbind first (rpcinfo) find a server that
 * does not register itself.
 *
 *   nelson-interop-pmap-register PROG VERS PORT     rpcb_set for netids tcp and udp, 0.0.0.0:PORT
 *   nelson-interop-pmap-register -u PROG VERS       rpcb_unset (every netid)
 *
 * This is what pmap_set(PROG, VERS, IPPROTO_TCP/UDP, PORT) does, without its leak: libtirpc 1.3.2's
 * pmap_set loses the address __rpc_uaddr2taddr_af allocates (LeakSanitizer: 16 bytes a call),
 * which fails the sanitizer build. PROG accepts decimal or 0x hex. Exit status 0 on success, 1 if rpcbind
 * refused or is absent.
 */
#include <arpa/inet.h>
#include <netconfig.h>
#include <netinet/in.h>
#include <rpc/rpc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse(const char* text, unsigned long max, unsigned long* out) {
  char* end = NULL;
  *out = strtoul(text, &end, 0);
  return end != text && *end == '\0' && *out <= max;
}

static int set(unsigned long prog, unsigned long vers, const char* netid, unsigned long port) {
  struct netconfig* nconf = getnetconfigent(netid);
  if (nconf == NULL) {
    fprintf(stderr, "getnetconfigent(%s): %s\n", netid, nc_sperror());
    return 0;
  }
  struct sockaddr_in sin;
  memset(&sin, 0, sizeof sin);
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_ANY);
  sin.sin_port = htons((unsigned short)port);
  struct netbuf address = {sizeof sin, sizeof sin, &sin};
  const bool_t ok = rpcb_set(prog, vers, nconf, &address);
  freenetconfigent(nconf);
  if (!ok) {
    fprintf(stderr, "rpcb_set(%lu, %lu, %s, port %lu) failed%s\n", prog, vers, netid, port, clnt_spcreateerror(""));
    return 0;
  }
  printf("registered %lu version %lu %s port %lu\n", prog, vers, netid, port);
  return 1;
}

int main(int argc, char** argv) {
  const int unset = argc > 1 && strcmp(argv[1], "-u") == 0;
  const int first = unset ? 2 : 1;
  unsigned long prog = 0, vers = 0, port = 0;
  if (argc != first + (unset ? 2 : 3) || !parse(argv[first], 0xffffffffu, &prog) ||
      !parse(argv[first + 1], 0xffffffffu, &vers) || (!unset && (!parse(argv[first + 2], 65535, &port) || port == 0))) {
    fprintf(stderr, "usage: %s PROG VERS PORT | %s -u PROG VERS\n", argv[0], argv[0]);
    return 2;
  }
  if (unset) {
    if (!rpcb_unset(prog, vers, NULL)) {
      fprintf(stderr, "rpcb_unset(%lu, %lu) failed\n", prog, vers);
      return 1;
    }
    printf("unregistered %lu version %lu\n", prog, vers);
    return 0;
  }
  return set(prog, vers, "tcp", port) && set(prog, vers, "udp", port) ? 0 : 1;
}
