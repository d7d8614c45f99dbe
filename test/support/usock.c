/* usock: a minimal socat for Unix stream sockets, built static by test/support/usock.ts and
 * bind-mounted into busybox containers (busybox nc has no -U). connect PATH or listen PATH (one
 * connection); stdin goes to the peer (then SHUT_WR), the peer's bytes go to stdout. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

static int relay(int s) {
  struct pollfd p[2] = {{0, POLLIN, 0}, {s, POLLIN, 0}};
  char buf[4096];
  int in_open = 1;
  for (;;) {
    if (poll(p, 2, -1) < 0) return 1;
    if (in_open && (p[0].revents & (POLLIN | POLLHUP))) {
      ssize_t n = read(0, buf, sizeof buf);
      if (n <= 0) { shutdown(s, SHUT_WR); in_open = 0; p[0].fd = -1; }
      else if (write(s, buf, n) != n) return 1;
    }
    if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = read(s, buf, sizeof buf);
      if (n <= 0) return 0;
      if (write(1, buf, n) != n) return 1;
    }
  }
}

int main(int argc, char **argv) {
  if (argc != 3 || (strcmp(argv[1], "connect") && strcmp(argv[1], "listen"))) {
    fprintf(stderr, "usage: usock connect|listen PATH\n");
    return 2;
  }
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  if (strlen(argv[2]) >= sizeof a.sun_path) { fprintf(stderr, "usock: path too long\n"); return 2; }
  strcpy(a.sun_path, argv[2]);
  int s = socket(AF_UNIX, SOCK_STREAM, 0);
  if (s < 0) { perror("usock: socket"); return 1; }
  if (argv[1][0] == 'c') {
    if (connect(s, (struct sockaddr *)&a, sizeof a) < 0) { perror("usock: connect"); return 1; }
    return relay(s);
  }
  if (bind(s, (struct sockaddr *)&a, sizeof a) < 0) { perror("usock: bind"); return 1; }
  if (listen(s, 1) < 0) { perror("usock: listen"); return 1; }
  fprintf(stderr, "usock: listening on %s\n", argv[2]);
  int c = accept(s, NULL, NULL);
  if (c < 0) { perror("usock: accept"); return 1; }
  return relay(c);
}
