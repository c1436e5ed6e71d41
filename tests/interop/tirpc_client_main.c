/*
 * nelson-interop-client: libtirpc and an rpcgen client (examples/bench.x) against a BENCHPROG
 * server, without the portmapper: every CLIENT is created on a sockaddr_in carrying the port given
 * on the command line (clnttcp_create / clntudp_create / clntudp_bufcreate).
 *
 *   nelson-interop-client HOST PORT [tcp|udp|both] [SEED]
 *
 * Over TCP, then UDP: NULL; ECHO of random bytes (0, 1, 3, 4, 5, 1000, 65536 and 1 MiB over TCP;
 * 0, 1, 3, 4, 5, 1000, 8000 through libtirpc's default 8800-byte UDP buffers, and 65000 through a
 * client with 65535-byte buffers); SUM of [] and of 1000 random ints; the rejections
 * PROG_MISMATCH (low/high 1/1), PROC_UNAVAIL, PROG_UNAVAIL and GARBAGE_ARGS; a NULL call with
 * AUTH_SYS. One line per check ("ok ..." or "FAIL ..."); the exit status is 1 if any check failed.
 */
#include <arpa/inet.h>
#include <limits.h>
#include <netinet/in.h>
#include <rpc/rpc.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

static int failures;
static int checks;
static uint64_t rng_state;

static uint64_t next_random(void) { /* splitmix64 */
  uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

static void fill_random(char* p, size_t n) {
  for (size_t i = 0; i < n; ++i) p[i] = (char)(next_random() & 0xff);
}

static void report(int ok, const char* transport, const char* what, const char* fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void report(int ok, const char* transport, const char* what, const char* fmt, ...) {
  ++checks;
  if (!ok) ++failures;
  printf("%-4s %s %s", ok ? "ok" : "FAIL", transport, what);
  if (fmt != NULL && fmt[0] != '\0') {
    va_list ap;
    va_start(ap, fmt);
    fputs(": ", stdout);
    vprintf(fmt, ap);
    va_end(ap);
  }
  putchar('\n');
  fflush(stdout);
}

static const struct timeval kTimeout = {25, 0};

/* xdr_void, with the signature of an xdrproc_t (libtirpc declares xdr_void(void)). */
static bool_t xdr_nothing(XDR* xdrs, void* unused) {
  (void)xdrs;
  (void)unused;
  return TRUE;
}

struct target {
  const char* transport; /* "tcp" or "udp" */
  struct sockaddr_in addr;
};

/* A CLIENT for (prog, vers) on the target's address; the port is in addr, so no portmapper. */
static CLIENT* make_client(const struct target* t, unsigned long prog, unsigned long vers, unsigned udp_buffer) {
  struct sockaddr_in addr = t->addr;
  int sock = RPC_ANYSOCK;
  CLIENT* clnt;
  if (strcmp(t->transport, "tcp") == 0) {
    clnt = clnttcp_create(&addr, prog, vers, &sock, 0, 0);
  } else {
    const struct timeval retry = {1, 0};
    clnt = udp_buffer == 0 ? clntudp_create(&addr, prog, vers, retry, &sock)
                           : clntudp_bufcreate(&addr, prog, vers, retry, &sock, udp_buffer, udp_buffer);
  }
  if (clnt == NULL) {
    char what[96];
    snprintf(what, sizeof what, "create client prog 0x%lx vers %lu", prog, vers);
    report(0, t->transport, what, "%s", clnt_spcreateerror("clnt create"));
  }
  return clnt;
}

static const char* call_error(CLIENT* clnt) {
  const char* s = clnt_sperror(clnt, "");
  return s[0] == ':' && s[1] == ' ' ? s + 2 : s;
}

static void check_null(CLIENT* clnt, const char* transport, const char* what) {
  void* r = bench_null_1(NULL, clnt);
  if (r != NULL) {
    report(1, transport, what, NULL);
  } else {
    report(0, transport, what, "%s", call_error(clnt));
  }
}

static void check_echo(CLIENT* clnt, const char* transport, size_t size, const char* note) {
  char what[96];
  snprintf(what, sizeof what, "ECHO %zu bytes%s", size, note);
  bench_bytes arg;
  arg.bench_bytes_len = (u_int)size;
  arg.bench_bytes_val = malloc(size == 0 ? 1 : size);
  if (arg.bench_bytes_val == NULL) {
    report(0, transport, what, "out of memory");
    return;
  }
  fill_random(arg.bench_bytes_val, size);
  bench_bytes* res = bench_echo_1(&arg, clnt);
  if (res == NULL) {
    report(0, transport, what, "%s", call_error(clnt));
  } else if (res->bench_bytes_len != size) {
    report(0, transport, what, "got %u bytes back", res->bench_bytes_len);
  } else if (size != 0 && memcmp(res->bench_bytes_val, arg.bench_bytes_val, size) != 0) {
    size_t i = 0;
    while (res->bench_bytes_val[i] == arg.bench_bytes_val[i]) ++i;
    report(0, transport, what, "bytes differ from offset %zu", i);
  } else {
    report(1, transport, what, NULL);
  }
  if (res != NULL) xdr_free((xdrproc_t)xdr_bench_bytes, (char*)res);
  free(arg.bench_bytes_val);
}

static void check_sum(CLIENT* clnt, const char* transport, size_t count) {
  char what[64];
  snprintf(what, sizeof what, "SUM of %zu ints", count);
  bench_ints arg;
  arg.bench_ints_len = (u_int)count;
  arg.bench_ints_val = calloc(count == 0 ? 1 : count, sizeof(int));
  if (arg.bench_ints_val == NULL) {
    report(0, transport, what, "out of memory");
    return;
  }
  int64_t expected = 0;
  for (size_t i = 0; i < count; ++i) {
    int v = (int)(int32_t)(uint32_t)next_random();
    if (i == 0) v = INT_MIN;
    if (i == 1) v = INT_MAX;
    if (i == 2) v = -1;
    arg.bench_ints_val[i] = v;
    expected += v;
  }
  quad_t* res = bench_sum_1(&arg, clnt);
  if (res == NULL) {
    report(0, transport, what, "%s", call_error(clnt));
  } else {
    report(*res == expected, transport, what, "got %lld, expected %lld", (long long)*res, (long long)expected);
  }
  free(arg.bench_ints_val);
}

/* Calls `proc` with no arguments and expects the call to fail with `want`. */
static void check_rejection(CLIENT* clnt, const char* transport, const char* what, unsigned long proc,
                            enum clnt_stat want) {
  enum clnt_stat st = clnt_call(clnt, proc, (xdrproc_t)xdr_nothing, NULL, (xdrproc_t)xdr_nothing, NULL, kTimeout);
  report(st == want, transport, what, "%s (want %s)", st == RPC_SUCCESS ? "RPC: Success" : call_error(clnt),
         clnt_sperrno(want));
}

/* ECHO arguments that claim 1000 bytes of opaque and carry 4: undecodable. */
static bool_t xdr_lying_opaque(XDR* xdrs, void* unused) {
  (void)unused;
  u_int claimed = 1000;
  int word = 0x41424344;
  return xdr_u_int(xdrs, &claimed) && xdr_int(xdrs, &word);
}

/* ECHO arguments with a valid opaque<> of 3 bytes followed by one word too many. */
static bool_t xdr_trailing_opaque(XDR* xdrs, void* unused) {
  (void)unused;
  char bytes[3] = {'a', 'b', 'c'};
  char* p = bytes;
  u_int len = sizeof bytes;
  int extra = 7;
  return xdr_bytes(xdrs, &p, &len, 16) && xdr_int(xdrs, &extra);
}

/* SUM arguments that announce 3 ints and carry 2. */
static bool_t xdr_short_ints(XDR* xdrs, void* unused) {
  (void)unused;
  u_int count = 3;
  int a = 1, b = 2;
  return xdr_u_int(xdrs, &count) && xdr_int(xdrs, &a) && xdr_int(xdrs, &b);
}

static void check_garbage(CLIENT* clnt, const char* transport, const char* what, unsigned long proc, xdrproc_t encode) {
  bench_bytes res;
  memset(&res, 0, sizeof res);
  enum clnt_stat st = clnt_call(clnt, proc, encode, NULL, (xdrproc_t)xdr_bench_bytes, (char*)&res, kTimeout);
  report(st == RPC_CANTDECODEARGS, transport, what, "%s (want %s)",
         st == RPC_SUCCESS ? "RPC: Success" : call_error(clnt), clnt_sperrno(RPC_CANTDECODEARGS));
  if (st == RPC_SUCCESS) xdr_free((xdrproc_t)xdr_bench_bytes, (char*)&res);
}

static void run(const struct target* t) {
  static const size_t kTcpSizes[] = {0, 1, 3, 4, 5, 1000, 65536, 1048576};
  /* libtirpc's UDP client buffers are 8800 bytes (UDPMSGSIZE): 8000 bytes of payload plus the
   * 44-byte call header and length, or the 28-byte reply header and length, fit. */
  static const size_t kUdpSizes[] = {0, 1, 3, 4, 5, 1000, 8000};
  const int tcp = strcmp(t->transport, "tcp") == 0;

  CLIENT* clnt = make_client(t, BENCHPROG, BENCHVERS, 0);
  if (clnt == NULL) return;
  check_null(clnt, t->transport, "NULL");
  const size_t* sizes = tcp ? kTcpSizes : kUdpSizes;
  const size_t n_sizes = tcp ? sizeof kTcpSizes / sizeof *kTcpSizes : sizeof kUdpSizes / sizeof *kUdpSizes;
  for (size_t i = 0; i < n_sizes; ++i) check_echo(clnt, t->transport, sizes[i], "");
  check_sum(clnt, t->transport, 0);
  check_sum(clnt, t->transport, 1000);

  check_garbage(clnt, t->transport, "ECHO with an opaque length past the end -> GARBAGE_ARGS", BENCH_ECHO,
                (xdrproc_t)xdr_lying_opaque);
  check_garbage(clnt, t->transport, "ECHO with trailing argument bytes -> GARBAGE_ARGS", BENCH_ECHO,
                (xdrproc_t)xdr_trailing_opaque);
  check_garbage(clnt, t->transport, "SUM with a count past the end -> GARBAGE_ARGS", BENCH_SUM,
                (xdrproc_t)xdr_short_ints);
  check_rejection(clnt, t->transport, "procedure 99 -> PROC_UNAVAIL", 99, RPC_PROCUNAVAIL);
  /* The connection (or socket) is still good after the rejections. */
  check_null(clnt, t->transport, "NULL after the rejections");

  /* AUTH_SYS credentials (uid, gids, machine name from this process). */
  AUTH* none = clnt->cl_auth;
  clnt->cl_auth = authunix_create_default();
  if (clnt->cl_auth == NULL) {
    report(0, t->transport, "NULL with AUTH_SYS", "authunix_create_default failed");
  } else {
    check_null(clnt, t->transport, "NULL with AUTH_SYS");
    check_echo(clnt, t->transport, 1000, " with AUTH_SYS");
    auth_destroy(clnt->cl_auth);
  }
  clnt->cl_auth = none;
  clnt_destroy(clnt);

  if (!tcp) {
    /* The largest datagrams: a client with 65535-byte buffers and 65000 bytes of payload. */
    clnt = make_client(t, BENCHPROG, BENCHVERS, 65535);
    if (clnt != NULL) {
      check_echo(clnt, t->transport, 65000, " (65535-byte client buffers)");
      check_sum(clnt, t->transport, 16000);
      clnt_destroy(clnt);
    }
  }

  clnt = make_client(t, BENCHPROG, 2, 0);
  if (clnt != NULL) {
    struct rpc_err err;
    enum clnt_stat st =
        clnt_call(clnt, BENCH_NULL, (xdrproc_t)xdr_nothing, NULL, (xdrproc_t)xdr_nothing, NULL, kTimeout);
    memset(&err, 0, sizeof err);
    clnt_geterr(clnt, &err);
    const int ok = st == RPC_PROGVERSMISMATCH && err.re_vers.low == 1 && err.re_vers.high == 1;
    report(ok, t->transport, "version 2 -> PROG_MISMATCH 1..1", "%s, low %lu high %lu (want %s, low 1 high 1)",
           st == RPC_SUCCESS ? "RPC: Success" : call_error(clnt), (unsigned long)err.re_vers.low,
           (unsigned long)err.re_vers.high, clnt_sperrno(RPC_PROGVERSMISMATCH));
    clnt_destroy(clnt);
  }

  clnt = make_client(t, 0x20000098, 1, 0);
  if (clnt != NULL) {
    check_rejection(clnt, t->transport, "program 0x20000098 -> PROG_UNAVAIL", BENCH_NULL, RPC_PROGUNAVAIL);
    clnt_destroy(clnt);
  }
}

int main(int argc, char** argv) {
  if (argc < 3 || argc > 5) {
    fprintf(stderr, "usage: %s HOST PORT [tcp|udp|both] [SEED]\n", argv[0]);
    return 2;
  }
  struct target t;
  memset(&t, 0, sizeof t);
  t.addr.sin_family = AF_INET;
  if (inet_pton(AF_INET, argv[1], &t.addr.sin_addr) != 1) {
    fprintf(stderr, "%s: not an IPv4 address: %s\n", argv[0], argv[1]);
    return 2;
  }
  char* end = NULL;
  const unsigned long port = strtoul(argv[2], &end, 10);
  if (*end != '\0' || port == 0 || port > 65535) {
    fprintf(stderr, "%s: bad port %s\n", argv[0], argv[2]);
    return 2;
  }
  t.addr.sin_port = htons((uint16_t)port);
  const char* which = argc > 3 ? argv[3] : "both";
  if (strcmp(which, "tcp") != 0 && strcmp(which, "udp") != 0 && strcmp(which, "both") != 0) {
    fprintf(stderr, "%s: transport must be tcp, udp or both\n", argv[0]);
    return 2;
  }
  rng_state = argc > 4 ? strtoull(argv[4], NULL, 0) : (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
  printf("nelson-interop-client: %s:%lu, seed %llu\n", argv[1], port, (unsigned long long)rng_state);

  if (strcmp(which, "udp") != 0) {
    t.transport = "tcp";
    run(&t);
  }
  if (strcmp(which, "tcp") != 0) {
    t.transport = "udp";
    run(&t);
  }
  printf("%d checks, %d failed\n", checks, failures);
  return failures == 0 ? 0 : 1;
}
