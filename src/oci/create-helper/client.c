// msb-create-client: the fast path of `msb-runtime create` (docs/create-helper.md).
//
// shim/msb-runtime execs it with the runtime's whole command line. It hands the work Node would do
// to the warm create helper (dist/msb-create-helper.cjs) over a Unix socket, runs the backend's
// create command itself when the helper says so (so the sandbox stays in containerd's process tree
// with Docker's stdio, exactly as when Node spawned it), and reports back how it ended. Whenever
// the helper is absent, declines or does not acknowledge in time, it execs the Node path
// (node dist/msb-runtime.cjs) with the same arguments, which is what the launcher did before the
// helper existed; MSB_CREATE_HELPER_FALLBACK tells Node why. The frames are in frames.ts.
//
// Built by scripts/build-create-helper.mjs with -DMSB_HELPER_ID="<16 hex>" (the build's id).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef MSB_HELPER_ID
#error "build with -DMSB_HELPER_ID=\"<id>\""
#endif

#define MAX_FRAME (4u << 20)
#define DEFAULT_WAIT_MS 1000

extern char **environ;

static char dist[PATH_MAX];
static int runtime_argc;
static char **runtime_argv;

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

// fallback execs the Node path with the same arguments; reason goes to MSB_CREATE_HELPER_FALLBACK.
static void fallback(const char *reason) {
  char script[PATH_MAX + 32];
  snprintf(script, sizeof script, "%s/msb-runtime.cjs", dist);
  char **args = calloc((size_t)runtime_argc + 3, sizeof *args);
  if (!args) _exit(1);
  args[0] = "node";
  args[1] = script;
  for (int i = 0; i < runtime_argc; i++) args[i + 2] = runtime_argv[i];
  setenv("MSB_CREATE_HELPER_FALLBACK", reason, 1);
  execvp("node", args);
  fprintf(stderr, "msb: cannot run node: %s\n", strerror(errno));
  exit(1);
}

// flag_value finds a global flag's value (--log X, --log=X, -log X) before the command.
static const char *flag_value(const char *name) {
  size_t n = strlen(name);
  for (int i = 0; i < runtime_argc; i++) {
    const char *a = runtime_argv[i];
    if (a[0] != '-') return NULL;
    const char *b = a + (a[1] == '-' ? 2 : 1);
    if (strncmp(b, name, n) != 0) continue;
    if (b[n] == '=') return b + n + 1;
    if (b[n] == '\0' && i + 1 < runtime_argc) return runtime_argv[i + 1];
  }
  return NULL;
}

// fail reports an error of the client itself as Node would: one line in --log, one on stderr.
static void fail(const char *msg) {
  const char *log = flag_value("log");
  const char *format = flag_value("log-format");
  if (log && *log) {
    FILE *f = fopen(log, "a");
    if (f) {
      char when[32];
      time_t t = time(NULL);
      strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
      if (format && strcmp(format, "json") == 0)
        fprintf(f, "{\"level\":\"error\",\"msg\":\"msb: %s\",\"time\":\"%s\"}\n", msg, when);
      else
        fprintf(f, "time=\"%s\" level=error msg=\"msb: %s\"\n", when, msg);
      fclose(f);
    }
  }
  fprintf(stderr, "msb: %s\n", msg);
  exit(1);
}

static int write_all(int fd, const char *buf, size_t len) {
  while (len > 0) {
    ssize_t w = write(fd, buf, len);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    buf += w;
    len -= (size_t)w;
  }
  return 0;
}

// read_full reads len bytes; with deadline >= 0 it gives up at that time (returns -2).
static int read_full(int fd, char *buf, size_t len, long long deadline) {
  while (len > 0) {
    if (deadline >= 0) {
      long long left = deadline - now_ms();
      if (left <= 0) return -2;
      struct pollfd p = {.fd = fd, .events = POLLIN};
      int r = poll(&p, 1, (int)left);
      if (r < 0 && errno == EINTR) continue;
      if (r == 0) return -2;
      if (r < 0) return -1;
    }
    ssize_t n = read(fd, buf, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    buf += n;
    len -= (size_t)n;
  }
  return 0;
}

// A frame: kind byte, then NUL-terminated fields (frames.ts).
struct frame {
  char kind;
  char *fields;
  size_t size;
};

static int read_frame(int fd, struct frame *f, long long deadline) {
  unsigned char head[4];
  int r = read_full(fd, (char *)head, 4, deadline);
  if (r) return r;
  uint32_t len = (uint32_t)head[0] | (uint32_t)head[1] << 8 | (uint32_t)head[2] << 16 | (uint32_t)head[3] << 24;
  if (len < 1 || len > MAX_FRAME) return -1;
  char *buf = malloc(len + 1);
  if (!buf) return -1;
  r = read_full(fd, buf, len, deadline);
  if (r) return r;
  buf[len] = '\0';
  f->kind = buf[0];
  f->fields = buf + 1;
  f->size = len - 1;
  return 0;
}

// next_field steps through a frame's fields; NULL past the last.
static char *next_field(struct frame *f, char **at) {
  if (*at >= f->fields + f->size) return NULL;
  char *field = *at;
  *at += strlen(field) + 1;
  return field;
}

struct buffer {
  char *data;
  size_t len, cap;
};

static void put(struct buffer *b, const char *s, size_t n) {
  if (b->len + n > b->cap) {
    b->cap = (b->len + n) * 2 + 256;
    b->data = realloc(b->data, b->cap);
    if (!b->data) _exit(1);
  }
  memcpy(b->data + b->len, s, n);
  b->len += n;
}

static void put_field(struct buffer *b, const char *s) { put(b, s, strlen(s) + 1); }

static void put_number(struct buffer *b, long long n) {
  char s[32];
  snprintf(s, sizeof s, "%lld", n);
  put_field(b, s);
}

static int send_frame(int fd, struct buffer *payload) {
  unsigned char head[4] = {(unsigned char)payload->len, (unsigned char)(payload->len >> 8), (unsigned char)(payload->len >> 16), (unsigned char)(payload->len >> 24)};
  if (write_all(fd, (char *)head, 4)) return -1;
  return write_all(fd, payload->data, payload->len);
}

static int send_kind(int fd, char kind) {
  struct buffer b = {0};
  put(&b, &kind, 1);
  int r = send_frame(fd, &b);
  free(b.data);
  return r;
}

// run_create runs the backend's create with this process's stdio; reports status, timeout, errno.
static void run_create(char **argv, long long timeout_ms, int *status, int *timed_out, int *spawn_errno) {
  *status = 1;
  *timed_out = 0;
  *spawn_errno = 0;
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld, NULL);
  int errpipe[2];
  if (pipe2(errpipe, O_CLOEXEC)) {
    *spawn_errno = errno;
    return;
  }
  pid_t pid = fork();
  if (pid < 0) {
    *spawn_errno = errno;
    return;
  }
  if (pid == 0) {
    // As Node's spawn (libuv) starts a child: every signal at its default, none blocked.
    for (int sig = 1; sig < NSIG; sig++) signal(sig, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execv(argv[0], argv);
    int e = errno;
    (void)!write(errpipe[1], &e, sizeof e);
    _exit(127);
  }
  close(errpipe[1]);
  int e = 0;
  ssize_t got;
  do got = read(errpipe[0], &e, sizeof e);
  while (got < 0 && errno == EINTR);
  close(errpipe[0]);
  if (got == (ssize_t)sizeof e) {
    waitpid(pid, NULL, 0);
    *spawn_errno = e;
    return;
  }
  long long deadline = timeout_ms > 0 ? now_ms() + timeout_ms : -1;
  int ws = 0;
  for (;;) {
    pid_t w = waitpid(pid, &ws, WNOHANG);
    if (w == pid) break;
    if (w < 0 && errno != EINTR) {
      *spawn_errno = errno;
      return;
    }
    if (deadline < 0) {
      int sig;
      sigwait(&chld, &sig);
      continue;
    }
    long long left = deadline - now_ms();
    if (left <= 0) {
      kill(pid, SIGKILL);
      waitpid(pid, &ws, 0);
      *timed_out = 1;
      break;
    }
    struct timespec ts = {.tv_sec = left / 1000, .tv_nsec = (left % 1000) * 1000000};
    sigtimedwait(&chld, NULL, &ts);
  }
  *status = WIFEXITED(ws) ? WEXITSTATUS(ws) : WIFSIGNALED(ws) ? 128 + WTERMSIG(ws) : 1;
}

// same_namespaces: the helper (pid, as this process sees it) shares our mount, pid, network and user namespaces.
static int same_namespaces(pid_t pid) {
  static const char *const kinds[] = {"mnt", "pid", "net", "user"};
  if (pid <= 0) return 0;
  for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
    char self[64], peer[64], a[128], b[128];
    snprintf(self, sizeof self, "/proc/self/ns/%s", kinds[i]);
    snprintf(peer, sizeof peer, "/proc/%d/ns/%s", (int)pid, kinds[i]);
    ssize_t na = readlink(self, a, sizeof a - 1), nb = readlink(peer, b, sizeof b - 1);
    if (na <= 0 || nb <= 0 || na != nb || memcmp(a, b, (size_t)na) != 0) return 0;
  }
  return 1;
}

// finish prints the helper's stderr text and exits with its status (an E frame).
static void finish(struct frame *f) {
  char *at = f->fields;
  char *status = next_field(f, &at);
  char *text = next_field(f, &at);
  if (text && *text) write_all(2, text, strlen(text));
  exit(status ? atoi(status) : 1);
}

// start_helper is the client's other job: `msb-create-client --start-helper NODE ARGS…` execs the
// helper with nothing open but stdio. Whatever the create that starts it held without
// close-on-exec (a caller's lock file, a pipe someone waits on for EOF) must not stay open for
// the helper's lifetime, and Node cannot tell inherited descriptors from its own.
static void start_helper(char **argv) {
  int fds[1024], n = 0;
  char path[64];
  for (int fd = 3; fd < 1024; fd++) {
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    if (access(path, F_OK) == 0) fds[n++] = fd;
  }
  for (int i = 0; i < n; i++) close(fds[i]);
  execv(argv[0], argv);
  fprintf(stderr, "msb: cannot start the create helper %s: %s\n", argv[0], strerror(errno));
  exit(1);
}

int main(int argc, char **argv) {
  if (argc >= 3 && strcmp(argv[1], "--start-helper") == 0) start_helper(argv + 2);
  runtime_argc = argc - 1;
  runtime_argv = argv + 1;
  ssize_t n = readlink("/proc/self/exe", dist, sizeof dist - 1);
  if (n <= 0) fail("create: cannot find the msb build (readlink /proc/self/exe failed)");
  dist[n] = '\0';
  char *slash = strrchr(dist, '/');
  if (slash) *slash = '\0';

  const char *off = getenv("MSB_CREATE_HELPER");
  if (off && strcmp(off, "off") == 0) fallback("off");
  const char *dir = getenv("MSB_CREATE_HELPER_DIR");
  if (!dir || !*dir) dir = "/run/msb/create-helper";
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if ((size_t)snprintf(addr.sun_path, sizeof addr.sun_path, "%s/%s.sock", dir, MSB_HELPER_ID) >= sizeof addr.sun_path) fallback("absent");
  long long wait_ms = DEFAULT_WAIT_MS;
  const char *wait = getenv("MSB_CREATE_HELPER_WAIT_MS");
  if (wait && *wait) wait_ms = atoll(wait);

  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) fallback("absent");
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
    // ENOENT, ECONNREFUSED: no helper; EAGAIN: its backlog is full, it is not keeping up.
    fallback(errno == EAGAIN ? "unresponsive" : "absent");
  }
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  struct ucred peer = {0};
  socklen_t peer_len = sizeof peer;
  getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &peer_len);
  char unresponsive[48];
  snprintf(unresponsive, sizeof unresponsive, "unresponsive %d", (int)peer.pid);
  // The helper resolves paths, pids and network namespaces as it sees them: only a caller that
  // sees the same (Docker's runtime on the host) may use it; one in a private mount namespace
  // (a bind mount the helper would not see) runs the Node path.
  if (!same_namespaces(peer.pid)) {
    close(fd);
    fallback("other namespace");
  }

  // Q: working directory, command line, environment.
  char cwd[PATH_MAX];
  if (!getcwd(cwd, sizeof cwd)) fallback("no working directory");
  struct buffer q = {0};
  put(&q, "Q", 1);
  put_field(&q, cwd);
  put_number(&q, runtime_argc);
  for (int i = 0; i < runtime_argc; i++) put_field(&q, runtime_argv[i]);
  int envc = 0;
  for (char **e = environ; *e; e++) envc++;
  put_number(&q, envc);
  for (char **e = environ; *e; e++) put_field(&q, *e);
  if (send_frame(fd, &q)) fallback("absent");
  free(q.data);

  // A within the wait, or the helper is not used for this create: nothing has been done yet.
  struct frame f;
  int r = read_frame(fd, &f, now_ms() + wait_ms);
  if (r == -2) fallback(unresponsive);
  if (r || f.kind != 'A') fallback("absent");
  if (send_kind(fd, 'G')) fallback("absent");

  // From here the helper may have written the container's record: no fallback any more.
  if (read_frame(fd, &f, -1)) fail("create: the create helper stopped during this create (its log is in the helper's directory); the record stays for delete --force");
  if (f.kind == 'F') {
    close(fd);
    fallback("declined");
  }
  if (f.kind == 'E') finish(&f);
  if (f.kind != 'R') fail("create: the create helper answered an unknown frame");

  char *at = f.fields;
  char *timeout = next_field(&f, &at);
  char **args = calloc(f.size / 2 + 2, sizeof *args);
  if (!timeout || !args) fail("create: the create helper's command is malformed");
  int nargs = 0;
  for (char *a; (a = next_field(&f, &at));) args[nargs++] = a;
  if (nargs < 1) fail("create: the create helper's command is empty");
  // argv[0] is the binary's path; the helper sends it, then its arguments.
  int status, timed_out, spawn_errno;
  run_create(args, atoll(timeout), &status, &timed_out, &spawn_errno);

  struct buffer s = {0};
  put(&s, "S", 1);
  put_number(&s, status);
  put_number(&s, timed_out);
  put_number(&s, spawn_errno);
  if (send_frame(fd, &s)) fail("create: the create helper stopped during this create; the record stays for delete --force");
  struct frame e;
  if (read_frame(fd, &e, -1) || e.kind != 'E') fail("create: the create helper stopped during this create; the record stays for delete --force");
  finish(&e);
  return 1;
}
