// blast ADDRESS PORT BYTES: sends BYTES zero bytes to ADDRESS:PORT over TCP in 1 MiB writes, then
// half-closes and waits for the peer to close. For timing uploads from busybox containers, whose
// `head | nc` pipe costs more system calls than gVisor can make at the rates under test.
// blast -u ADDRESS PORT COUNT: sends COUNT 16-byte UDP datagrams (busybox nc has no UDP).
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv) {
  int udp = argc == 5 && strcmp(argv[1], "-u") == 0;
  if (udp) argv++, argc--;
  if (argc != 4) {
    fprintf(stderr, "usage: blast [-u] ADDRESS PORT BYTES|COUNT\n");
    return 2;
  }
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_port = htons((unsigned short)atoi(argv[2]));
  if (inet_pton(AF_INET, argv[1], &a.sin_addr) != 1) {
    fprintf(stderr, "blast: bad address %s\n", argv[1]);
    return 2;
  }
  long long left = atoll(argv[3]);
  if (udp) {
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    char d[16] = "msb-knock";
    for (; left > 0; left--) {
      if (sendto(u, d, sizeof d, 0, (struct sockaddr *)&a, sizeof a) != sizeof d) {
        perror("blast: sendto");
        return 1;
      }
      usleep(10000);
    }
    return 0;
  }
  int s = socket(AF_INET, SOCK_STREAM, 0);
  if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof a) != 0) {
    perror("blast: connect");
    return 1;
  }
  static char buf[1 << 20];
  while (left > 0) {
    ssize_t n = write(s, buf, left < (long long)sizeof buf ? (size_t)left : sizeof buf);
    if (n <= 0) {
      perror("blast: write");
      return 1;
    }
    left -= n;
  }
  shutdown(s, SHUT_WR);
  while (read(s, buf, sizeof buf) > 0) {
  }
  return 0;
}
