/* The C floor for bench/dns/run.sh (server "cfloor"): a UDP responder that does no DNS work. Each
   datagram goes straight back with the QR (response) bit set; nothing else. What any UDP server on
   this kernel pays at least per query: run.sh builds it with cc -O2 and runs it beside UdpFloor (the
   Java floor), vmesh and dnsmasq. Usage: floor PORT (binds 127.0.0.1). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

int main(int argc, char **argv) {
  if (argc != 2) { fprintf(stderr, "usage: floor PORT\n"); return 2; }
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[1]))};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0) { perror("floor: bind"); return 1; }
  unsigned char buf[4096];
  for (;;) {
    struct sockaddr_in from;
    socklen_t len = sizeof from;
    ssize_t n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &len);
    if (n < 3) continue;
    buf[2] |= 0x80; /* QR: this is a response */
    sendto(fd, buf, n, 0, (struct sockaddr *)&from, len);
  }
}
