/* The batching floor for bench/dns/run.sh (server "mfloor"): bench/dns/floor.c with the datagrams of one
   wake-up read by one recvmmsg (MSG_WAITFORONE: block for the first, then take what else is queued, up to
   BATCH) and sent back by one sendmmsg, each with the QR (response) bit set and nothing else done. What a
   UDP server pays at least per query when it batches its system calls as the vmesh DNS proxy does on
   Linux. Usage: mfloor PORT (binds 127.0.0.1). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define BATCH 16

int main(int argc, char **argv) {
  if (argc != 2) { fprintf(stderr, "usage: mfloor PORT\n"); return 2; }
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[1]))};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0) { perror("mfloor: bind"); return 1; }
  static unsigned char buf[BATCH][4096];
  struct sockaddr_in from[BATCH];
  struct iovec iov[BATCH];
  struct mmsghdr in[BATCH], out[BATCH];
  for (;;) {
    memset(in, 0, sizeof in);
    for (int i = 0; i < BATCH; i++) {
      iov[i] = (struct iovec){.iov_base = buf[i], .iov_len = sizeof buf[i]};
      in[i].msg_hdr = (struct msghdr){.msg_name = &from[i], .msg_namelen = sizeof from[i], .msg_iov = &iov[i],
                                      .msg_iovlen = 1};
    }
    int n = recvmmsg(fd, in, BATCH, MSG_WAITFORONE, NULL);
    int m = 0;
    for (int i = 0; i < n; i++) {
      if (in[i].msg_len < 3) continue;
      buf[i][2] |= 0x80; /* QR: this is a response */
      iov[i].iov_len = in[i].msg_len;
      out[m++] = (struct mmsghdr){.msg_hdr = in[i].msg_hdr};
    }
    for (int sent = 0; sent < m;) {
      int r = sendmmsg(fd, out + sent, m - sent, 0);
      sent += r > 0 ? r : 1; /* skip a datagram the kernel refused */
    }
  }
}
