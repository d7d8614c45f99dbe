/* forge: send UDP datagrams with a forged IPv4 source address through a raw socket (the attacker
 * of test/docker/dns-forged-source.test.ts: a runc container has CAP_NET_RAW by default).
 *   forge SOURCE DEST HEX COUNT   send COUNT datagrams from SOURCE:40000+i to DEST:53 carrying the
 *                                 bytes HEX; print how many the kernel took. Built static. */
#include <arpa/inet.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 5) { fprintf(stderr, "usage: forge SOURCE DEST HEX COUNT\n"); return 2; }
  unsigned char pkt[1500];
  size_t n = strlen(argv[3]) / 2;
  if (n > sizeof pkt - 28) { fprintf(stderr, "forge: payload too long\n"); return 2; }
  memset(pkt, 0, sizeof pkt);
  for (size_t i = 0; i < n; i++) { unsigned v; sscanf(argv[3] + 2 * i, "%2x", &v); pkt[28 + i] = (unsigned char)v; }
  struct iphdr *ip = (struct iphdr *)pkt;
  struct udphdr *udp = (struct udphdr *)(pkt + 20);
  ip->version = 4; ip->ihl = 5; ip->ttl = 64; ip->protocol = IPPROTO_UDP;
  ip->tot_len = htons((unsigned short)(28 + n));
  struct sockaddr_in dst = {0};
  dst.sin_family = AF_INET;
  if (inet_pton(AF_INET, argv[1], &ip->saddr) != 1 || inet_pton(AF_INET, argv[2], &ip->daddr) != 1) { fprintf(stderr, "forge: bad address\n"); return 2; }
  dst.sin_addr.s_addr = ip->daddr;
  udp->dest = htons(53);
  udp->len = htons((unsigned short)(8 + n));
  udp->check = 0; /* no checksum: allowed for UDP over IPv4 */
  int s = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
  if (s < 0) { perror("forge: socket"); return 1; }
  long count = atol(argv[4]), sent = 0;
  for (long i = 0; i < count; i++) {
    udp->source = htons((unsigned short)(40000 + i % 20000));
    if (sendto(s, pkt, 28 + n, 0, (struct sockaddr *)&dst, sizeof dst) == (ssize_t)(28 + n)) sent++;
  }
  printf("%ld\n", sent);
  return 0;
}
