/* dnsprobe: how long a DNS server stops answering, seen by a client that asks often with a short
 * timeout (the relay-restart measure of test/docker/egress-enforce.test.ts). Built static by
 * test/support/dnsq.ts (buildDnsprobe) and bind-mounted into busybox containers.
 *   dnsprobe SERVER NAME INTERVAL_MS DURATION_MS
 * asks SERVER:53 for NAME's A record every INTERVAL_MS (a new id each time, each attempt waiting
 * at most INTERVAL_MS for its own answer) for DURATION_MS, then prints
 *   oks=N fails=N max_gap_ms=G gap_start_ms=S
 * where G is the longest time between two answered attempts (NOERROR with an answer) and S when
 * that gap began, in ms since the probe started. Exits 1 when no attempt was answered. */
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static size_t query(unsigned char *q, unsigned id, const char *name) {
  size_t n = 0;
  q[n++] = (unsigned char)(id >> 8); q[n++] = (unsigned char)id;
  q[n++] = 1; q[n++] = 0; /* RD */
  q[n++] = 0; q[n++] = 1; /* one question */
  memset(q + n, 0, 6); n += 6;
  const char *p = name;
  while (*p) {
    const char *dot = strchr(p, '.');
    size_t l = dot ? (size_t)(dot - p) : strlen(p);
    q[n++] = (unsigned char)l; memcpy(q + n, p, l); n += l;
    p += l; if (*p == '.') p++;
  }
  q[n++] = 0;
  q[n++] = 0; q[n++] = 1; q[n++] = 0; q[n++] = 1; /* A, IN */
  return n;
}

int main(int argc, char **argv) {
  if (argc != 5) { fprintf(stderr, "usage: dnsprobe SERVER NAME INTERVAL_MS DURATION_MS\n"); return 2; }
  long interval = atol(argv[3]), duration = atol(argv[4]);
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_port = htons(53);
  if (inet_pton(AF_INET, argv[1], &a.sin_addr) != 1) { fprintf(stderr, "dnsprobe: bad address\n"); return 2; }
  int s = socket(AF_INET, SOCK_DGRAM, 0);
  if (s < 0) { perror("dnsprobe: socket"); return 1; }
  long long start = now_ms(), last_ok = -1, max_gap = 0, gap_start = -1;
  long oks = 0, fails = 0;
  unsigned id = (unsigned)getpid() & 0xffff;
  unsigned char q[512], r[4096];
  while (now_ms() - start < duration) {
    long long t0 = now_ms();
    id = (id + 1) & 0xffff;
    size_t n = query(q, id, argv[2]);
    int ok = 0;
    if (sendto(s, q, n, 0, (struct sockaddr *)&a, sizeof a) == (ssize_t)n) {
      for (;;) {
        long left = interval - (long)(now_ms() - t0);
        if (left <= 0) break;
        struct pollfd p = {s, POLLIN, 0};
        if (poll(&p, 1, (int)left) <= 0) break;
        ssize_t len = recv(s, r, sizeof r, 0);
        /* An earlier attempt's late answer does not count: each attempt has its own timeout. */
        if (len >= 12 && r[0] == q[0] && r[1] == q[1]) {
          ok = (r[3] & 0x0f) == 0 && ((r[6] << 8) | r[7]) > 0;
          break;
        }
      }
    }
    long long t1 = now_ms();
    if (ok) {
      oks++;
      if (last_ok >= 0 && t1 - last_ok > max_gap) { max_gap = t1 - last_ok; gap_start = last_ok - start; }
      last_ok = t1;
    } else {
      fails++;
    }
    long long rest = interval - (now_ms() - t0);
    if (rest > 0) usleep((useconds_t)rest * 1000);
  }
  printf("oks=%ld fails=%ld max_gap_ms=%lld gap_start_ms=%lld\n", oks, fails, max_gap, gap_start);
  return oks > 0 ? 0 : 1;
}
