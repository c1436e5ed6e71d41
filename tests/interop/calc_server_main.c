/*
 * nelson-interop-calc-server: tests/gen/contracts/calc.x served by libtirpc, through the server
 * stubs rpcgen writes for it (rpcgen -N -m: calcprog_1 and calcprog_2, no main) and the
 * procedures below. The peer of the generated nelson client stubs (calc_stub_test.cpp).
 *
 *   nelson-interop-calc-server [HOST]
 *
 * No portmapper: it binds a TCP and a UDP socket on HOST (default 127.0.0.1) with ports the
 * kernel picks, makes transports of them itself (svctcp_create, svcudp_bufcreate) and registers
 * both versions with protocol 0, then prints "tcp PORT", "udp PORT" and "ready". SIGTERM or
 * SIGINT: it stops after the request being served, prints the number of calls and exits 0.
 *
 * The procedures do what the Calc service of tests/gen/stubs_test.cpp does, answering at once:
 *   CALC_NULL                    nothing
 *   CALC_APPLY(op, {a, b})       arm 0: a op b; arm 1 "division by zero"; default arm (status 2,
 *                                no value) when the result overflows a hyper; an op the enum
 *                                does not declare: GARBAGE_ARGS
 *   CALC_ADD(a, b)               a + b as a hyper (versions 1 and 2)
 *   CALC_LIST(n)                 n items "item0", "item1", ... with count i; n > 100000: SYSTEM_ERR
 *   CALC_COUNT(list)             the sum of the counts
 *   CALC_LATER(name)             "later " + name; SYSTEM_ERR when that exceeds MAXNAME
 *   CALC_REFUSE                  AUTH_ERROR, AUTH_TOOWEAK
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <rpc/rpc.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "calc.h"

/* rpcgen's dispatch functions (calc_svc.c); its header does not declare them. */
void calcprog_1(struct svc_req* rqstp, SVCXPRT* transp);
void calcprog_2(struct svc_req* rqstp, SVCXPRT* transp);

/* The largest datagrams: calls and replies of up to 65000 bytes (a CALC_COUNT of 300 items with
 * 32-character names is 13 KB, past libtirpc's default 8800-byte UDP buffers). */
enum { kUdpBuffer = 65000, kMaxList = 100000 };

static unsigned long calls;

/* Non-MT rpcgen (-N without -M): each procedure returns a pointer to static storage, which
 * svc_sendreply encodes after the return. Storage the previous call allocated is freed first. */

void* calc_null_1_svc(struct svc_req* rqstp) {
  static char nothing;
  (void)rqstp;
  ++calls;
  return &nothing;
}

outcome* calc_apply_1_svc(calc_op op, operands in, struct svc_req* rqstp) {
  static outcome result;
  int64_t value = 0;
  int overflow = 0;
  ++calls;
  memset(&result, 0, sizeof result);
  switch (op) {
    case CALC_OP_ADD: overflow = __builtin_add_overflow(in.a, in.b, &value); break;
    case CALC_OP_SUB: overflow = __builtin_sub_overflow(in.a, in.b, &value); break;
    case CALC_OP_DIV:
      if (in.b == 0) {
        result.status = 1;
        result.outcome_u.reason = "division by zero";
        return &result;
      }
      overflow = in.a == INT64_MIN && in.b == -1;
      if (!overflow) value = in.a / in.b;
      break;
    default: svcerr_decode(rqstp->rq_xprt); return NULL;
  }
  if (overflow) {
    result.status = 2; /* the default arm: void */
  } else {
    result.status = 0;
    result.outcome_u.value = value;
  }
  return &result;
}

static quad_t* add(int a, int b) {
  static quad_t result;
  ++calls;
  result = (quad_t)a + b;
  return &result;
}

quad_t* calc_add_1_svc(int a, int b, struct svc_req* rqstp) {
  (void)rqstp;
  return add(a, b);
}

quad_t* calc_add_2_svc(int a, int b, struct svc_req* rqstp) {
  (void)rqstp;
  return add(a, b);
}

itemlist* calc_list_1_svc(u_int n, struct svc_req* rqstp) {
  static itemlist result;
  ++calls;
  xdr_free((xdrproc_t)xdr_itemlist, (char*)&result);
  result = NULL;
  if (n > kMaxList) {
    svcerr_systemerr(rqstp->rq_xprt);
    return NULL;
  }
  item** tail = &result;
  for (u_int i = 0; i < n; ++i) {
    item* node = calloc(1, sizeof *node);
    char name[16];
    snprintf(name, sizeof name, "item%u", i);
    if (node == NULL || (node->name = strdup(name)) == NULL) {
      free(node);
      svcerr_systemerr(rqstp->rq_xprt);
      return NULL;
    }
    node->count = (int)i;
    *tail = node;
    tail = &node->next;
  }
  return &result;
}

int* calc_count_1_svc(itemlist list, struct svc_req* rqstp) {
  static int result;
  (void)rqstp;
  ++calls;
  result = 0;
  for (const item* at = list; at != NULL; at = at->next) result += at->count;
  return &result;
}

calc_name* calc_later_1_svc(calc_name name, struct svc_req* rqstp) {
  static calc_name result;
  static const char kPrefix[] = "later ";
  ++calls;
  free(result);
  result = NULL;
  const size_t length = sizeof kPrefix - 1 + strlen(name);
  if (length > MAXNAME) { /* the answer would not fit calc_name: xdr_calc_name would fail */
    svcerr_systemerr(rqstp->rq_xprt);
    return NULL;
  }
  result = malloc(length + 1);
  if (result == NULL) {
    svcerr_systemerr(rqstp->rq_xprt);
    return NULL;
  }
  snprintf(result, length + 1, "%s%s", kPrefix, name);
  return &result;
}

void* calc_refuse_1_svc(struct svc_req* rqstp) {
  ++calls;
  svcerr_weakauth(rqstp->rq_xprt);
  return NULL; /* the stub sends nothing more */
}

static volatile sig_atomic_t stop;

static void on_signal(int signo) {
  (void)signo;
  stop = 1;
}

/* A socket of `type` bound to host:0, and the port the kernel gave it. */
static int bound_socket(int type, const struct in_addr* host, unsigned* port) {
  struct sockaddr_in addr;
  socklen_t len = sizeof addr;
  const int fd = socket(AF_INET, type, 0);
  if (fd < 0) return -1;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_addr = *host;
  if (bind(fd, (struct sockaddr*)&addr, sizeof addr) != 0 || getsockname(fd, (struct sockaddr*)&addr, &len) != 0 ||
      (type == SOCK_STREAM && listen(fd, 64) != 0)) {
    close(fd);
    return -1;
  }
  *port = ntohs(addr.sin_port);
  return fd;
}

/* Both versions on `xprt`, protocol 0: svc_register leaves the portmapper alone. */
static int register_versions(SVCXPRT* xprt) {
  return svc_register(xprt, CALCPROG, CALCVERS, calcprog_1, 0) &&
         svc_register(xprt, CALCPROG, CALCVERS2, calcprog_2, 0);
}

int main(int argc, char** argv) {
  struct in_addr host;
  unsigned tcp_port = 0, udp_port = 0;
  if (argc > 2 || inet_pton(AF_INET, argc == 2 ? argv[1] : "127.0.0.1", &host) != 1) {
    fprintf(stderr, "usage: %s [IPV4-HOST]\n", argv[0]);
    return 2;
  }
  const int tcp_fd = bound_socket(SOCK_STREAM, &host, &tcp_port);
  const int udp_fd = bound_socket(SOCK_DGRAM, &host, &udp_port);
  if (tcp_fd < 0 || udp_fd < 0) {
    perror("nelson-interop-calc-server: socket");
    return 1;
  }
  SVCXPRT* tcp = svctcp_create(tcp_fd, 0, 0);
  SVCXPRT* udp = svcudp_bufcreate(udp_fd, kUdpBuffer, kUdpBuffer);
  if (tcp == NULL || udp == NULL || !register_versions(tcp) || !register_versions(udp)) {
    fprintf(stderr, "nelson-interop-calc-server: cannot create or register the transports\n");
    return 1;
  }

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal; /* no SA_RESTART: poll returns EINTR */
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);

  printf("tcp %u\nudp %u\nready\n", tcp_port, udp_port);
  fflush(stdout);

  /* svc_run without its endless loop: poll libtirpc's descriptors (listeners and connections)
   * and hand what is ready to svc_getreq_poll until a signal says stop. As in svc_run, poll
   * runs on a copy: accepting a connection inside svc_getreq_poll reallocates svc_pollfd. */
  struct pollfd* fds = NULL;
  while (!stop) {
    const int n = svc_max_pollfd;
    struct pollfd* grown = realloc(fds, sizeof *fds * (size_t)(n > 0 ? n : 1));
    if (grown == NULL) {
      perror("nelson-interop-calc-server: realloc");
      return 1;
    }
    fds = grown;
    memcpy(fds, svc_pollfd, sizeof *fds * (size_t)n);
    const int ready = poll(fds, (nfds_t)n, 1000);
    if (ready < 0) {
      if (errno == EINTR) continue;
      perror("nelson-interop-calc-server: poll");
      return 1;
    }
    if (ready > 0) svc_getreq_poll(fds, ready);
  }
  free(fds);
  printf("stopped after %lu calls\n", calls);
  svc_destroy(tcp);
  svc_destroy(udp);
  return 0;
}
