/*
 * nelson-interop-calc-client: the client stubs rpcgen writes for tests/gen/contracts/calc.x
 * (rpcgen -N: calc_apply_1(op, operands, clnt), ...) on libtirpc, against a CALCPROG server —
 * the server skeletons nelson-gen writes (calc_skeleton_server.cpp). No portmapper: each CLIENT
 * is made with clnttcp_create / clntudp_bufcreate on the port given.
 *
 *   nelson-interop-calc-client HOST TCP-PORT UDP-PORT
 *
 * Over TCP, then UDP, every procedure of version 1 and 2 with every result checked: CALC_NULL;
 * CALC_APPLY with each calc_op and each arm of the outcome union (value, reason, the void
 * default on overflow); CALC_ADD at the int limits; CALC_LIST of 0, 1 and 300 items; CALC_COUNT
 * of 0, 1 and 300 items named with MAXNAME characters; CALC_LATER answering a name of MAXNAME
 * characters; CALC_REFUSE (AUTH_ERROR, AUTH_TOOWEAK). Then the errors: SYSTEM_ERR (a list over
 * 100000, an answer over MAXNAME), GARBAGE_ARGS (an undeclared calc_op, a name over MAXNAME,
 * arguments cut short),
 * PROC_UNAVAIL (procedure 7), PROG_MISMATCH 1..2 (version 3), PROG_UNAVAIL. One line per check
 * ("ok ..." or "FAIL ..."); the exit status is 1 if any check failed.
 */
#include <arpa/inet.h>
#include <limits.h>
#include <netinet/in.h>
#include <rpc/rpc.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calc.h"

static int failures;
static int checks;
static const char* transport; /* "tcp" or "udp": the checks' prefix */

static void report(int ok, const char* what, const char* fmt, ...) __attribute__((format(printf, 3, 4)));

static void report(int ok, const char* what, const char* fmt, ...) {
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

/* Datagrams of up to 65000 bytes: CALC_COUNT of 300 items named with 32 characters is 13 KB,
 * past libtirpc's default 8800-byte UDP buffers. */
enum { kUdpBuffer = 65000 };

static CLIENT* make_client(const struct sockaddr_in* target, unsigned long prog, unsigned long vers) {
  struct sockaddr_in addr = *target;
  int sock = RPC_ANYSOCK;
  CLIENT* clnt;
  if (strcmp(transport, "tcp") == 0) {
    clnt = clnttcp_create(&addr, prog, vers, &sock, 0, 0);
  } else {
    const struct timeval retry = {1, 0};
    clnt = clntudp_bufcreate(&addr, prog, vers, retry, &sock, kUdpBuffer, kUdpBuffer);
  }
  if (clnt == NULL) report(0, "create client", "%s", clnt_spcreateerror("clnt create"));
  return clnt;
}

static const char* call_error(CLIENT* clnt) {
  const char* s = clnt_sperror(clnt, "");
  return s[0] == ':' && s[1] == ' ' ? s + 2 : s;
}

/* The status of the last call on clnt, for a check that expects it to have failed. */
static enum clnt_stat last_status(CLIENT* clnt, struct rpc_err* err) {
  memset(err, 0, sizeof *err);
  clnt_geterr(clnt, err);
  return err->re_status;
}

static void expect_failure(CLIENT* clnt, const void* res, const char* what, enum clnt_stat want) {
  struct rpc_err err;
  if (res != NULL) {
    report(0, what, "succeeded (want %s)", clnt_sperrno(want));
    return;
  }
  const enum clnt_stat st = last_status(clnt, &err);
  report(st == want, what, "%s (want %s)", call_error(clnt), clnt_sperrno(want));
}

static void check_null(CLIENT* clnt, const char* what) {
  if (calc_null_1(clnt) != NULL) {
    report(1, what, NULL);
  } else {
    report(0, what, "%s", call_error(clnt));
  }
}

static void check_apply(CLIENT* clnt, calc_op op, int64_t a, int64_t b, int want_status, int64_t want_value) {
  char what[128];
  snprintf(what, sizeof what, "CALC_APPLY(%d, %lld, %lld) -> arm %d", (int)op, (long long)a, (long long)b, want_status);
  operands in = {a, b};
  outcome* res = calc_apply_1(op, in, clnt);
  if (res == NULL) {
    report(0, what, "%s", call_error(clnt));
    return;
  }
  if (res->status != want_status) {
    report(0, what, "got arm %d", res->status);
  } else if (want_status == 0) {
    report(res->outcome_u.value == want_value, what, "value %lld (want %lld)", (long long)res->outcome_u.value,
           (long long)want_value);
  } else if (want_status == 1) {
    const char* reason = res->outcome_u.reason;
    report(reason != NULL && strcmp(reason, "division by zero") == 0, what, "reason \"%s\"",
           reason != NULL ? reason : "(null)");
  } else {
    report(1, what, "void arm");
  }
  xdr_free((xdrproc_t)xdr_outcome, (char*)res);
}

static void check_add(CLIENT* clnt, int version, int a, int b) {
  char what[96];
  snprintf(what, sizeof what, "CALC_ADD v%d (%d, %d)", version, a, b);
  quad_t* res = version == 1 ? calc_add_1(a, b, clnt) : calc_add_2(a, b, clnt);
  const long long want = (long long)a + b;
  if (res == NULL) {
    report(0, what, "%s", call_error(clnt));
  } else {
    report(*res == want, what, "%lld (want %lld)", (long long)*res, want);
  }
}

static void check_list(CLIENT* clnt, u_int n) {
  char what[64];
  snprintf(what, sizeof what, "CALC_LIST(%u)", n);
  itemlist* res = calc_list_1(n, clnt);
  if (res == NULL) {
    report(0, what, "%s", call_error(clnt));
    return;
  }
  u_int i = 0;
  const item* at = *res;
  for (; at != NULL; at = at->next, ++i) {
    char name[16];
    snprintf(name, sizeof name, "item%u", i);
    if (i >= n || strcmp(at->name, name) != 0 || at->count != (int)i) break;
  }
  if (at != NULL) {
    report(0, what, "item %u is \"%s\" %d", i, at->name, at->count);
  } else {
    report(i == n, what, "%u items", i);
  }
  xdr_free((xdrproc_t)xdr_itemlist, (char*)res);
}

/* CALC_COUNT of n items, each named with `name_length` characters, with counts 1, 2, ... */
static void check_count(CLIENT* clnt, u_int n, size_t name_length) {
  char what[96];
  snprintf(what, sizeof what, "CALC_COUNT of %u items with %zu-character names", n, name_length);
  item* nodes = calloc(n == 0 ? 1 : n, sizeof *nodes);
  char* name = malloc(name_length + 1);
  if (nodes == NULL || name == NULL) {
    report(0, what, "out of memory");
    free(nodes);
    free(name);
    return;
  }
  memset(name, 'n', name_length);
  name[name_length] = '\0';
  int want = 0;
  for (u_int i = 0; i < n; ++i) {
    nodes[i].name = name;
    nodes[i].count = (int)i + 1;
    nodes[i].next = i + 1 < n ? &nodes[i + 1] : NULL;
    want += (int)i + 1;
  }
  int* res = calc_count_1(n == 0 ? NULL : nodes, clnt);
  if (res == NULL) {
    report(0, what, "%s", call_error(clnt));
  } else {
    report(*res == want, what, "%d (want %d)", *res, want);
  }
  free(nodes);
  free(name);
}

/* CALC_LATER of a name of `length` characters: "later " + name, or the failure `want`. */
static void check_later(CLIENT* clnt, size_t length, enum clnt_stat want) {
  char what[96];
  char name[64];
  char expected[80];
  memset(name, 'a', length);
  name[length] = '\0';
  snprintf(expected, sizeof expected, "later %s", name);
  snprintf(what, sizeof what, "CALC_LATER of %zu characters -> %s", length,
           want == RPC_SUCCESS ? "answer" : clnt_sperrno(want));
  calc_name* res = calc_later_1(name, clnt);
  if (want != RPC_SUCCESS) {
    expect_failure(clnt, res, what, want);
    if (res != NULL) xdr_free((xdrproc_t)xdr_calc_name, (char*)res);
    return;
  }
  if (res == NULL) {
    report(0, what, "%s", call_error(clnt));
    return;
  }
  report(strcmp(*res, expected) == 0, what, "\"%s\" (%zu characters)", *res, strlen(*res));
  xdr_free((xdrproc_t)xdr_calc_name, (char*)res);
}

/* A CALC_APPLY whose calc_op is 99, which the enum does not declare. */
static bool_t xdr_bad_op(XDR* xdrs, void* unused) {
  (void)unused;
  int op = 99;
  quad_t a = 1, b = 2;
  return xdr_int(xdrs, &op) && xdr_quad_t(xdrs, &a) && xdr_quad_t(xdrs, &b);
}

/* CALC_ADD arguments cut short: one int of two. */
static bool_t xdr_short_add(XDR* xdrs, void* unused) {
  (void)unused;
  int a = 1;
  return xdr_int(xdrs, &a);
}

/* xdr_void, with the signature of an xdrproc_t (libtirpc declares xdr_void(void)). */
static bool_t xdr_nothing(XDR* xdrs, void* unused) {
  (void)xdrs;
  (void)unused;
  return TRUE;
}

static void run(const struct sockaddr_in* target) {
  CLIENT* clnt = make_client(target, CALCPROG, CALCVERS);
  if (clnt == NULL) return;

  check_null(clnt, "CALC_NULL");

  check_apply(clnt, CALC_OP_ADD, 40, 2, 0, 42);
  check_apply(clnt, CALC_OP_SUB, 50, 8, 0, 42);
  check_apply(clnt, CALC_OP_SUB, INT64_MIN + 1, 1, 0, INT64_MIN);
  check_apply(clnt, CALC_OP_DIV, -84, 2, 0, -42);
  check_apply(clnt, CALC_OP_DIV, 1, 0, 1, 0);
  check_apply(clnt, CALC_OP_ADD, INT64_MAX, 1, 2, 0);
  check_apply(clnt, CALC_OP_SUB, INT64_MIN, 1, 2, 0);
  check_apply(clnt, CALC_OP_DIV, INT64_MIN, -1, 2, 0);

  check_add(clnt, 1, 2000000000, 2000000000);
  check_add(clnt, 1, INT_MIN, INT_MIN);
  check_add(clnt, 1, -1, 1);

  check_list(clnt, 0);
  check_list(clnt, 1);
  check_list(clnt, 300);
  expect_failure(clnt, calc_list_1(100001, clnt), "CALC_LIST(100001) -> SYSTEM_ERR", RPC_SYSTEMERROR);

  check_count(clnt, 0, 0);
  check_count(clnt, 1, 5);
  check_count(clnt, 300, MAXNAME);

  check_later(clnt, 4, RPC_SUCCESS);
  check_later(clnt, 0, RPC_SUCCESS);
  check_later(clnt, MAXNAME - 6, RPC_SUCCESS); /* the answer has MAXNAME characters */
  check_later(clnt, MAXNAME - 5, RPC_SYSTEMERROR);
  check_later(clnt, MAXNAME, RPC_SYSTEMERROR); /* the argument at its maximum still decodes */

  {
    struct rpc_err err;
    memset(&err, 0, sizeof err);
    void* res = calc_refuse_1(clnt);
    const enum clnt_stat st = res == NULL ? last_status(clnt, &err) : RPC_SUCCESS;
    report(st == RPC_AUTHERROR && err.re_why == AUTH_TOOWEAK, "CALC_REFUSE -> AUTH_ERROR AUTH_TOOWEAK", "%s",
           st == RPC_SUCCESS ? "succeeded" : call_error(clnt));
  }

  {
    outcome res;
    memset(&res, 0, sizeof res);
    const enum clnt_stat st =
        clnt_call(clnt, CALC_APPLY, (xdrproc_t)xdr_bad_op, NULL, (xdrproc_t)xdr_outcome, (char*)&res, kTimeout);
    report(st == RPC_CANTDECODEARGS, "CALC_APPLY with calc_op 99 -> GARBAGE_ARGS", "%s",
           st == RPC_SUCCESS ? "succeeded" : call_error(clnt));
    if (st == RPC_SUCCESS) xdr_free((xdrproc_t)xdr_outcome, (char*)&res);
  }
  {
    /* xdr_wrapstring encodes a string<> of any length: one character over calc_name's maximum. */
    char name[MAXNAME + 2];
    char* p = name;
    calc_name res = NULL;
    memset(name, 'z', MAXNAME + 1);
    name[MAXNAME + 1] = '\0';
    const enum clnt_stat st = clnt_call(clnt, CALC_LATER, (xdrproc_t)xdr_wrapstring, (char*)&p,
                                        (xdrproc_t)xdr_calc_name, (char*)&res, kTimeout);
    report(st == RPC_CANTDECODEARGS, "CALC_LATER of MAXNAME+1 characters -> GARBAGE_ARGS", "%s",
           st == RPC_SUCCESS ? "succeeded" : call_error(clnt));
    if (st == RPC_SUCCESS) xdr_free((xdrproc_t)xdr_calc_name, (char*)&res);
  }
  {
    quad_t res = 0;
    const enum clnt_stat st =
        clnt_call(clnt, CALC_ADD, (xdrproc_t)xdr_short_add, NULL, (xdrproc_t)xdr_quad_t, (char*)&res, kTimeout);
    report(st == RPC_CANTDECODEARGS, "CALC_ADD with one int -> GARBAGE_ARGS", "%s",
           st == RPC_SUCCESS ? "succeeded" : call_error(clnt));
  }
  {
    const enum clnt_stat st = clnt_call(clnt, 7, (xdrproc_t)xdr_nothing, NULL, (xdrproc_t)xdr_nothing, NULL, kTimeout);
    report(st == RPC_PROCUNAVAIL, "procedure 7 -> PROC_UNAVAIL", "%s",
           st == RPC_SUCCESS ? "succeeded" : call_error(clnt));
  }
  /* The connection (or socket) is still good after the failures. */
  check_null(clnt, "CALC_NULL after the failures");
  clnt_destroy(clnt);

  clnt = make_client(target, CALCPROG, CALCVERS2);
  if (clnt != NULL) {
    check_add(clnt, 2, 7, -9);
    check_add(clnt, 2, INT_MAX, INT_MAX);
    clnt_destroy(clnt);
  }

  clnt = make_client(target, CALCPROG, 3);
  if (clnt != NULL) {
    struct rpc_err err;
    const enum clnt_stat st =
        clnt_call(clnt, CALC_NULL, (xdrproc_t)xdr_nothing, NULL, (xdrproc_t)xdr_nothing, NULL, kTimeout);
    last_status(clnt, &err);
    report(st == RPC_PROGVERSMISMATCH && err.re_vers.low == 1 && err.re_vers.high == 2,
           "version 3 -> PROG_MISMATCH 1..2", "%s, low %lu high %lu", call_error(clnt), (unsigned long)err.re_vers.low,
           (unsigned long)err.re_vers.high);
    clnt_destroy(clnt);
  }

  clnt = make_client(target, CALCPROG + 1, CALCVERS);
  if (clnt != NULL) {
    const enum clnt_stat st =
        clnt_call(clnt, CALC_NULL, (xdrproc_t)xdr_nothing, NULL, (xdrproc_t)xdr_nothing, NULL, kTimeout);
    report(st == RPC_PROGUNAVAIL, "program CALCPROG+1 -> PROG_UNAVAIL", "%s",
           st == RPC_SUCCESS ? "succeeded" : call_error(clnt));
    clnt_destroy(clnt);
  }
}

int main(int argc, char** argv) {
  struct sockaddr_in addr;
  unsigned long ports[2];
  if (argc != 4) {
    fprintf(stderr, "usage: %s HOST TCP-PORT UDP-PORT\n", argv[0]);
    return 2;
  }
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  if (inet_pton(AF_INET, argv[1], &addr.sin_addr) != 1) {
    fprintf(stderr, "%s: not an IPv4 address: %s\n", argv[0], argv[1]);
    return 2;
  }
  for (int i = 0; i < 2; ++i) {
    char* end = NULL;
    ports[i] = strtoul(argv[2 + i], &end, 10);
    if (*end != '\0' || ports[i] == 0 || ports[i] > 65535) {
      fprintf(stderr, "%s: bad port %s\n", argv[0], argv[2 + i]);
      return 2;
    }
  }
  signal(SIGPIPE, SIG_IGN); /* a server that closes a connection fails a check, not the program */
  printf("nelson-interop-calc-client: %s, tcp %lu, udp %lu\n", argv[1], ports[0], ports[1]);
  transport = "tcp";
  addr.sin_port = htons((uint16_t)ports[0]);
  run(&addr);
  transport = "udp";
  addr.sin_port = htons((uint16_t)ports[1]);
  run(&addr);
  printf("%d checks, %d failed\n", checks, failures);
  return failures == 0 && checks > 0 ? 0 : 1;
}
