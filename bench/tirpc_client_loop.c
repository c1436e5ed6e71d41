/*
 * nelson-bench-tirpc-client: the libtirpc client baseline — what a classic C client loop reaches.
 *
 *   nelson-bench-tirpc-client --connect 127.0.0.1:20099 [--duration S] [--warmup S] [--payload N]
 *   nelson-bench-tirpc-client --host HOST ...      # through the portmapper: clnt_create(HOST, "tcp")
 *
 * One TCP connection and one call in flight: clnt_call in a tight synchronous loop, which is all a
 * libtirpc CLIENT can do (it sends a call and blocks for its reply). BENCH_NULL, or BENCH_ECHO of
 * --payload bytes (checked: the reply must have the same length). --connect goes straight to the
 * port with clnttcp_create, without the portmapper. After --warmup (default 1 s) it prints
 * "# measuring" (flushed), then after --duration (default 3 s) one line in nelson-bench-blast's
 * format, so that the same scripts read both:
 *   calls=N seconds=S calls_per_s=X p50_us=.. p90_us=.. p99_us=.. p999_us=.. max_us=.. errors=E cpu_ns_per_call=..
 * cpu_ns_per_call is this process's CPU time (user + system, getrusage) over the measured window
 * per call, as nelson-load reports its own. errors counts failed calls (any clnt_stat but
 * RPC_SUCCESS, or a wrong ECHO length) over the whole run. Exit status 1 when there were errors or
 * no calls. nelson-load's target (issue 5) is at least twice this figure's calls/s on one
 * connection.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <rpc/rpc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

#include "bench.h"

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t process_cpu_ns(void) { /* user + system time of this process */
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  return ((int64_t)u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1000000000 +
         ((int64_t)u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1000;
}

/* Log-linear latency histogram in ns, as in blast.cpp: exact below 128, then 64 buckets per power
 * of two (relative error < 1.6%). */
enum { kSub = 64, kBuckets = 64 * 60 };
static uint64_t counts[kBuckets];
static uint64_t total_count, max_ns;

static int bit_width(uint64_t v) { return v == 0 ? 0 : 64 - __builtin_clzll(v); }

static size_t bucket_of(uint64_t v) {
  if (v < 128) return (size_t)v;
  int e = bit_width(v) - 7; /* v >> e is in [64, 128) */
  return (size_t)kSub * (size_t)e + (size_t)(v >> e);
}

static double bucket_mid(size_t i) {
  if (i < 128) return (double)i;
  size_t e = i / kSub - 1, sub = i - kSub * e;
  return (double)((sub << e) + ((uint64_t)1 << e >> 1));
}

static void record(uint64_t v) {
  size_t i = bucket_of(v);
  if (i >= kBuckets) i = kBuckets - 1;
  ++counts[i];
  ++total_count;
  if (v > max_ns) max_ns = v;
}

static double quantile_us(double q) {
  uint64_t want = (uint64_t)(q * (double)total_count + 0.5), seen = 0;
  if (want == 0) want = 1;
  for (size_t i = 0; i < kBuckets; ++i) {
    seen += counts[i];
    if (seen >= want) return bucket_mid(i) / 1000.0;
  }
  return (double)max_ns / 1000.0;
}

/* xdr_void, with the signature of an xdrproc_t (libtirpc declares xdr_void(void)). */
static bool_t xdr_nothing(XDR* xdrs, void* unused) {
  (void)xdrs;
  (void)unused;
  return TRUE;
}

static int usage(const char* argv0) {
  fprintf(stderr,
          "usage: %s --connect HOST:PORT | --host HOST  [--duration S] [--warmup S] [--payload BYTES]\n"
          "  BENCH_NULL by default; --payload N makes it BENCH_ECHO of N bytes\n",
          argv0);
  return 2;
}

int main(int argc, char** argv) {
  const char* connect_to = NULL;
  const char* host = NULL;
  double duration = 3, warmup = 1;
  long payload = -1;
  for (int i = 1; i < argc; i += 2) {
    if (i + 1 >= argc) return usage(argv[0]);
    if (strcmp(argv[i], "--connect") == 0) {
      connect_to = argv[i + 1];
    } else if (strcmp(argv[i], "--host") == 0) {
      host = argv[i + 1];
    } else if (strcmp(argv[i], "--duration") == 0) {
      duration = atof(argv[i + 1]);
    } else if (strcmp(argv[i], "--warmup") == 0) {
      warmup = atof(argv[i + 1]);
    } else if (strcmp(argv[i], "--payload") == 0) {
      payload = atol(argv[i + 1]);
    } else {
      return usage(argv[0]);
    }
  }
  if ((connect_to == NULL) == (host == NULL) || duration <= 0 || warmup < 0 || payload > (1L << 30)) {
    return usage(argv[0]);
  }

  CLIENT* clnt;
  if (connect_to != NULL) {
    /* clnttcp_create goes to sin_port as given; a zero port would ask the portmapper. */
    char addr_text[64];
    const char* colon = strrchr(connect_to, ':');
    struct sockaddr_in addr;
    int sock = RPC_ANYSOCK;
    if (colon == NULL || (size_t)(colon - connect_to) >= sizeof addr_text) return usage(argv[0]);
    memcpy(addr_text, connect_to, (size_t)(colon - connect_to));
    addr_text[colon - connect_to] = '\0';
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)atoi(colon + 1));
    if (addr.sin_port == 0 || inet_pton(AF_INET, addr_text, &addr.sin_addr) != 1) return usage(argv[0]);
    clnt = clnttcp_create(&addr, BENCHPROG, BENCHVERS, &sock, 0, 0); /* 0, 0: default buffer sizes */
  } else {
    clnt = clnt_create(host, BENCHPROG, BENCHVERS, "tcp");
  }
  if (clnt == NULL) {
    clnt_pcreateerror("nelson-bench-tirpc-client");
    return 1;
  }
  struct timeval timeout = {25, 0};

  /* ECHO's argument, and a result whose buffer xdr_bytes fills in place (no allocation per call). */
  bench_bytes arg = {0, NULL}, res = {0, NULL};
  char* out_buf = NULL;
  if (payload >= 0) {
    arg.bench_bytes_len = (u_int)payload;
    arg.bench_bytes_val = calloc((size_t)payload + 1, 1);
    out_buf = malloc((size_t)payload + 1);
    if (arg.bench_bytes_val == NULL || out_buf == NULL) return 1;
  }

  uint64_t calls = 0, errors = 0;
  const int64_t start = now_ns();
  const int64_t measure_at = start + (int64_t)(warmup * 1e9);
  const int64_t end_at = measure_at + (int64_t)(duration * 1e9);
  int measuring = 0;
  int64_t measured_from = start, now = start, cpu_from = 0;
  for (;;) {
    if (!measuring && now >= measure_at) {
      measuring = 1, measured_from = now, calls = 0;
      cpu_from = process_cpu_ns();
      printf("# measuring\n");
      fflush(stdout);
    }
    if (measuring && now >= end_at) break;
    enum clnt_stat st;
    int64_t sent = now;
    if (payload < 0) {
      st = clnt_call(clnt, BENCH_NULL, (xdrproc_t)xdr_nothing, NULL, (xdrproc_t)xdr_nothing, NULL, timeout);
    } else {
      res.bench_bytes_len = (u_int)payload;
      res.bench_bytes_val = out_buf;
      st = clnt_call(clnt, BENCH_ECHO, (xdrproc_t)xdr_bench_bytes, (char*)&arg, (xdrproc_t)xdr_bench_bytes, (char*)&res,
                     timeout);
      if (st == RPC_SUCCESS && res.bench_bytes_len != (u_int)payload) st = RPC_CANTDECODERES;
    }
    now = now_ns();
    if (st != RPC_SUCCESS) {
      if (errors++ == 0) clnt_perror(clnt, "nelson-bench-tirpc-client");
      if (st == RPC_CANTSEND || st == RPC_CANTRECV) break; /* the connection is gone */
      continue;
    }
    if (measuring) {
      record((uint64_t)(now - sent));
      ++calls;
    }
  }
  double seconds = (double)(now - measured_from) / 1e9;
  double cpu = (double)(process_cpu_ns() - cpu_from);
  printf(
      "calls=%llu seconds=%.3f calls_per_s=%.0f p50_us=%.2f p90_us=%.2f p99_us=%.2f p999_us=%.2f max_us=%.2f "
      "errors=%llu cpu_ns_per_call=%.0f\n",
      (unsigned long long)calls, seconds, seconds > 0 ? (double)calls / seconds : 0.0, quantile_us(0.50),
      quantile_us(0.90), quantile_us(0.99), quantile_us(0.999), (double)max_ns / 1000.0, (unsigned long long)errors,
      calls > 0 ? cpu / (double)calls : 0.0);
  clnt_destroy(clnt);
  free(arg.bench_bytes_val);
  free(out_buf);
  return errors > 0 || calls == 0 ? 1 : 0;
}
