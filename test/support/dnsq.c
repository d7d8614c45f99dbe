/* dnsq: send one DNS message and print the reply, for tests inside busybox containers (busybox
 * nslookup hides rcodes and record order; busybox nc has no UDP). Built static by
 * test/support/dnsq.ts and bind-mounted in.
 *   dnsq [-t] SERVER HEX   send the message HEX (hex digits) over UDP (or TCP with -t) to
 *                          SERVER:53; print the reply as hex on one line; exit 1 after 2 s without one. */
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int readall(int s, unsigned char *buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    struct pollfd p = {s, POLLIN, 0};
    if (poll(&p, 1, 2000) <= 0) return -1;
    ssize_t r = read(s, buf + got, n - got);
    if (r <= 0) return -1;
    got += (size_t)r;
  }
  return 0;
}

int main(int argc, char **argv) {
  int tcp = argc > 1 && strcmp(argv[1], "-t") == 0;
  if (argc != 3 + tcp) { fprintf(stderr, "usage: dnsq [-t] SERVER HEX\n"); return 2; }
  const char *hex = argv[2 + tcp];
  size_t n = strlen(hex) / 2;
  unsigned char msg[65537], reply[65537];
  for (size_t i = 0; i < n; i++) { unsigned v; sscanf(hex + 2 * i, "%2x", &v); msg[i + 2] = (unsigned char)v; }
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_port = htons(53);
  if (inet_pton(AF_INET, argv[1 + tcp], &a.sin_addr) != 1) { fprintf(stderr, "dnsq: bad address\n"); return 2; }
  int s = socket(AF_INET, tcp ? SOCK_STREAM : SOCK_DGRAM, 0);
  if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof a) < 0) { perror("dnsq: connect"); return 1; }
  ssize_t len;
  if (tcp) {
    msg[0] = (unsigned char)(n >> 8); msg[1] = (unsigned char)n;
    if (write(s, msg, n + 2) != (ssize_t)(n + 2)) { perror("dnsq: write"); return 1; }
    unsigned char l[2];
    if (readall(s, l, 2) < 0) { fprintf(stderr, "dnsq: no reply\n"); return 1; }
    len = (l[0] << 8) | l[1];
    if (readall(s, reply, (size_t)len) < 0) { fprintf(stderr, "dnsq: short reply\n"); return 1; }
  } else {
    if (send(s, msg + 2, n, 0) != (ssize_t)n) { perror("dnsq: send"); return 1; }
    struct pollfd p = {s, POLLIN, 0};
    if (poll(&p, 1, 2000) <= 0) { fprintf(stderr, "dnsq: no reply\n"); return 1; }
    len = recv(s, reply, sizeof reply, 0);
    if (len < 0) { perror("dnsq: recv"); return 1; }
  }
  for (ssize_t i = 0; i < len; i++) printf("%02x", reply[i]);
  printf("\n");
  return 0;
}
