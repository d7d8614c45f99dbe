// workload-tool: the benchmark's helper inside containers (npm run bench, part 5; built with
// gcc -static at bench time and bind-mounted into local/busybox, which has no such tools).
//
//   workload-tool time CMD [ARG...]                        runs CMD, prints {"ms":…,"status":…}
//   workload-tool http IPV4 PORT PATH CONCURRENCY SECONDS  HTTP/1.0 GET load (one connection per
//       request, as busybox httpd closes each), prints {"requests":…,"errors":…,"seconds":…,
//       "p50_ms":…,"p99_ms":…}
//   workload-tool dns IPV4 NAME COUNT                     COUNT A queries for NAME to IPV4:53, one at a
//       time (1 s timeout each), prints {"queries":…,"lost":…,"p50_ms":…,"p99_ms":…}
//
// Addresses are numeric: a static glibc cannot use NSS, so the caller resolves names first.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int run_time(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: workload-tool time CMD [ARG...]\n");
    return 2;
  }
  double start = now_ms();
  pid_t pid = fork();
  if (pid < 0) {
    perror("fork");
    return 1;
  }
  if (pid == 0) {
    execvp(argv[2], argv + 2);
    perror(argv[2]);
    _exit(127);
  }
  int status = 0;
  if (waitpid(pid, &status, 0) < 0) {
    perror("waitpid");
    return 1;
  }
  double ms = now_ms() - start;
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  printf("{\"ms\":%.3f,\"status\":%d}\n", ms, code);
  return code;
}

struct worker {
  pthread_t thread;
  struct sockaddr_in addr;
  const char *request;
  double deadline;
  double *lat;
  size_t n, cap;
  long errors;
};

static void *work(void *p) {
  struct worker *w = p;
  size_t reqlen = strlen(w->request);
  char buf[16384];
  while (now_ms() < w->deadline) {
    double t0 = now_ms();
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
      w->errors++;
      continue;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    int ok = connect(fd, (struct sockaddr *)&w->addr, sizeof w->addr) == 0 && write(fd, w->request, reqlen) == (ssize_t)reqlen;
    long got = 0;
    ssize_t r;
    char head[8] = {0};
    while (ok && (r = read(fd, buf, sizeof buf)) > 0) {
      // The status line is at the start of the first read; later reads (the body) overwrite buf.
      if (got < (long)sizeof head) memcpy(head + got, buf, (size_t)r < sizeof head - (size_t)got ? (size_t)r : sizeof head - (size_t)got);
      got += r;
    }
    close(fd);
    if (!ok || got < 12 || memcmp(head, "HTTP/1.", 7) != 0) {
      w->errors++;
      continue;
    }
    if (w->n == w->cap) {
      w->cap = w->cap ? w->cap * 2 : 4096;
      w->lat = realloc(w->lat, w->cap * sizeof *w->lat);
      if (!w->lat) abort();
    }
    w->lat[w->n++] = now_ms() - t0;
  }
  return NULL;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double quantile(const double *s, size_t n, double q) {
  if (n == 0) return 0;
  double pos = (n - 1) * q;
  size_t lo = (size_t)pos, hi = lo + 1 < n ? lo + 1 : lo;
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

static int run_http(int argc, char **argv) {
  if (argc != 7) {
    fprintf(stderr, "usage: workload-tool http IPV4 PORT PATH CONCURRENCY SECONDS\n");
    return 2;
  }
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(argv[3]))};
  if (inet_pton(AF_INET, argv[2], &addr.sin_addr) != 1) {
    fprintf(stderr, "workload-tool: not an IPv4 address: %s\n", argv[2]);
    return 2;
  }
  int conc = atoi(argv[5]);
  double seconds = atof(argv[6]);
  if (conc < 1 || conc > 1024 || seconds <= 0) {
    fprintf(stderr, "workload-tool: bad concurrency or duration\n");
    return 2;
  }
  char request[1024];
  snprintf(request, sizeof request, "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n", argv[4], argv[2]);
  struct worker *ws = calloc(conc, sizeof *ws);
  double start = now_ms(), deadline = start + seconds * 1e3;
  for (int i = 0; i < conc; i++) {
    ws[i] = (struct worker){.addr = addr, .request = request, .deadline = deadline};
    if (pthread_create(&ws[i].thread, NULL, work, &ws[i]) != 0) {
      perror("pthread_create");
      return 1;
    }
  }
  size_t total = 0;
  long errors = 0;
  for (int i = 0; i < conc; i++) {
    pthread_join(ws[i].thread, NULL);
    total += ws[i].n;
    errors += ws[i].errors;
  }
  double elapsed = (now_ms() - start) / 1e3;
  double *all = malloc((total ? total : 1) * sizeof *all);
  size_t k = 0;
  for (int i = 0; i < conc; i++) {
    memcpy(all + k, ws[i].lat, ws[i].n * sizeof *all);
    k += ws[i].n;
  }
  qsort(all, total, sizeof *all, cmp);
  printf("{\"requests\":%zu,\"errors\":%ld,\"seconds\":%.3f,\"p50_ms\":%.3f,\"p99_ms\":%.3f}\n", total, errors, elapsed,
         quantile(all, total, 0.5), quantile(all, total, 0.99));
  return total > 0 ? 0 : 1;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static int run_dns(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: workload-tool dns IPV4 NAME COUNT\n");
    return 2;
  }
  int count = atoi(argv[4]);
  if (count < 1) return 2;
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_port = htons(53);
  if (inet_pton(AF_INET, argv[2], &a.sin_addr) != 1) return 2;
  unsigned char q[512], r[4096];
  size_t n = 12;
  memset(q, 0, sizeof q);
  q[2] = 1; q[5] = 1; /* RD, one question */
  for (const char *p = argv[3]; *p;) {
    const char *dot = strchr(p, '.');
    size_t l = dot ? (size_t)(dot - p) : strlen(p);
    q[n++] = (unsigned char)l;
    memcpy(q + n, p, l);
    n += l;
    p += l;
    if (*p == '.') p++;
  }
  q[n++] = 0; q[n++] = 0; q[n++] = 1; q[n++] = 0; q[n++] = 1; /* A, IN */
  int s = socket(AF_INET, SOCK_DGRAM, 0);
  if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof a) < 0) { perror("dns"); return 1; }
  struct timeval tv = {1, 0};
  setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  double *times = calloc((size_t)count, sizeof(double));
  int got = 0, lost = 0;
  for (int i = 0; i < count; i++) {
    unsigned id = (unsigned)(i * 7919 + 1) & 0xffff;
    q[0] = (unsigned char)(id >> 8); q[1] = (unsigned char)id;
    double t0 = now_ms();
    if (send(s, q, n, 0) != (ssize_t)n) { lost++; continue; }
    int ok = 0;
    for (;;) {
      ssize_t len = recv(s, r, sizeof r, 0);
      if (len < 0) break; /* timed out */
      if (len >= 12 && r[0] == q[0] && r[1] == q[1]) { ok = (r[3] & 0x0f) == 0 && ((r[6] << 8) | r[7]) > 0; break; }
    }
    if (ok) times[got++] = now_ms() - t0;
    else lost++;
  }
  qsort(times, (size_t)got, sizeof(double), cmp_double);
  double p50 = got ? times[(got - 1) / 2] : -1, p99 = got ? times[(int)((got - 1) * 0.99)] : -1;
  printf("{\"queries\":%d,\"lost\":%d,\"p50_ms\":%.3f,\"p99_ms\":%.3f}\n", count, lost, p50, p99);
  return got > 0 ? 0 : 1;
}

int main(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "time") == 0) return run_time(argc, argv);
  if (argc >= 2 && strcmp(argv[1], "http") == 0) return run_http(argc, argv);
  if (argc >= 2 && strcmp(argv[1], "dns") == 0) return run_dns(argc, argv);
  fprintf(stderr, "usage: workload-tool time CMD [ARG...] | http IPV4 PORT PATH CONCURRENCY SECONDS | dns IPV4 NAME COUNT\n");
  return 2;
}
