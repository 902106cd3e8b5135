/*
 * The gateway benchmark's load client (bench/gateway/run.sh builds it with cc -O2 ... -lssl -lcrypto): OpenSSL,
 * which sends Istio's SNI form outbound_.PORT_._.HOST with its underscores (Java's TLS refuses it), and ALPN
 * "istio" as a sidecar does, so AUTO_PASSTHROUGH chains match. A client in C keeps the client's own cost per
 * connection and per request small next to the gateway's on a 2-CPU machine.
 *
 *   sniload connect HOST PORT SNI SECONDS PROCS   new connections: handshake, one 64-byte echo, close
 *   sniload rr HOST PORT SNI SECONDS PROCS        64-byte echoes on PROCS kept connections: latency percentiles
 *   sniload bulk HOST PORT SNI MIB                one download of MIB MiB: sends the length (8 bytes, big-endian),
 *                                                 reads until the backend closes
 *   sniload bulk-server PORT CERT KEY             the bulk backend on 127.0.0.1:PORT: per connection (a process
 *                                                 each), reads the length and sends that many bytes
 *
 * connect and rr talk to an echo backend (Envoy's echo filter behind TLS), bulk to bulk-server.
 * Each mode prints one line of key=value results. PROCS worker processes report back through a pipe.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MESSAGE 64
#define MAX_SAMPLES (1 << 22)

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static SSL_CTX *client_context(void) {
  SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
  static const unsigned char alpn[] = {5, 'i', 's', 't', 'i', 'o'};
  SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL); /* self-signed backend: this measures transport, not trust */
  SSL_CTX_set_alpn_protos(ctx, alpn, sizeof alpn);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF); /* every connection a full handshake */
  return ctx;
}

/* A TLS connection to host:port with SNI, or NULL. */
static SSL *dial(SSL_CTX *ctx, const char *host, int port, const char *sni) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
  int one = 1;
  inet_pton(AF_INET, host, &a.sin_addr);
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
    close(fd);
    return NULL;
  }
  SSL *ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd);
  SSL_set_tlsext_host_name(ssl, sni);
  if (SSL_connect(ssl) != 1) {
    SSL_free(ssl);
    close(fd);
    return NULL;
  }
  return ssl;
}

static void hang_up(SSL *ssl) {
  int fd = SSL_get_fd(ssl);
  SSL_free(ssl);
  close(fd);
}

static int write_all(SSL *ssl, const void *buf, int n) {
  return SSL_write(ssl, buf, n) == n ? 0 : -1;
}

static int read_exactly(SSL *ssl, char *buf, int n) {
  for (int got = 0; got < n;) {
    int r = SSL_read(ssl, buf + got, n - got);
    if (r <= 0) return -1;
    got += r;
  }
  return 0;
}

/* Worker results through a pipe: two counters and, for rr, the latency samples (ns). */
static void connect_worker(int out, const char *host, int port, const char *sni, double seconds) {
  SSL_CTX *ctx = client_context();
  char payload[MESSAGE], echo[MESSAGE];
  long done = 0, errors = 0;
  memset(payload, 'x', sizeof payload);
  for (double end = now() + seconds; now() < end;) {
    SSL *ssl = dial(ctx, host, port, sni);
    if (ssl == NULL || write_all(ssl, payload, sizeof payload) || read_exactly(ssl, echo, MESSAGE)) {
      errors++;
    } else {
      done++;
    }
    if (ssl != NULL) hang_up(ssl);
  }
  long r[2] = {done, errors};
  if (write(out, r, sizeof r) != sizeof r) _exit(2);
}

static void rr_worker(int out, const char *host, int port, const char *sni, double seconds) {
  SSL_CTX *ctx = client_context();
  SSL *ssl = dial(ctx, host, port, sni);
  char payload[MESSAGE], echo[MESSAGE];
  long n = 0, errors = 0;
  uint32_t *samples = malloc(sizeof(uint32_t) * MAX_SAMPLES);
  memset(payload, 'x', sizeof payload);
  if (ssl == NULL) errors = 1;
  for (double end = now() + seconds; errors == 0 && now() < end && n < MAX_SAMPLES;) {
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    if (write_all(ssl, payload, MESSAGE) || read_exactly(ssl, echo, MESSAGE)) {
      errors++;
      break;
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    samples[n++] = (uint32_t)((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec));
  }
  long r[2] = {n, errors};
  if (write(out, r, sizeof r) != sizeof r) _exit(2);
  for (long off = 0; off < n * (long)sizeof(uint32_t);) {
    ssize_t w = write(out, (char *)samples + off, n * sizeof(uint32_t) - off);
    if (w <= 0) _exit(2);
    off += w;
  }
}

static int by_value(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

static double percentile_us(uint32_t *sorted, long n, double p) {
  if (n == 0) return 0;
  long i = (long)(n * p / 100.0);
  return sorted[i >= n ? n - 1 : i] / 1000.0;
}

static int read_full(int fd, void *buf, size_t n) {
  for (size_t got = 0; got < n;) {
    ssize_t r = read(fd, (char *)buf + got, n - got);
    if (r <= 0) return -1;
    got += r;
  }
  return 0;
}

static int run_workers(int rr, const char *host, int port, const char *sni, double seconds, int procs) {
  int fds[procs];
  double start = now();
  for (int i = 0; i < procs; i++) {
    int p[2];
    if (pipe(p) != 0) return 1;
    if (fork() == 0) {
      close(p[0]);
      if (rr) rr_worker(p[1], host, port, sni, seconds);
      else connect_worker(p[1], host, port, sni, seconds);
      _exit(0);
    }
    close(p[1]);
    fds[i] = p[0];
  }
  long total = 0, errors = 0;
  uint32_t *all = rr ? malloc(sizeof(uint32_t) * (size_t)MAX_SAMPLES * procs) : NULL;
  for (int i = 0; i < procs; i++) {
    long r[2];
    if (read_full(fds[i], r, sizeof r)) return 1;
    if (rr && r[0] > 0 && read_full(fds[i], all + total, r[0] * sizeof(uint32_t))) return 1;
    total += r[0];
    errors += r[1];
    close(fds[i]);
  }
  while (wait(NULL) > 0) {
  }
  double elapsed = now() - start;
  if (!rr) {
    printf("connections=%ld errors=%ld connections_per_s=%.0f\n", total, errors, total / elapsed);
  } else {
    qsort(all, total, sizeof(uint32_t), by_value);
    printf("requests=%ld errors=%ld requests_per_s=%.0f p50_us=%.0f p90_us=%.0f p99_us=%.0f p999_us=%.0f\n", total,
           errors, total / seconds, percentile_us(all, total, 50), percentile_us(all, total, 90),
           percentile_us(all, total, 99), percentile_us(all, total, 99.9));
  }
  return errors > 0 && total == 0;
}

static int bulk(const char *host, int port, const char *sni, long mib) {
  SSL_CTX *ctx = client_context();
  uint64_t want = (uint64_t)mib << 20, got = 0;
  unsigned char ask[8];
  static char buf[1 << 16];
  for (int i = 0; i < 8; i++) ask[i] = (unsigned char)(want >> (56 - 8 * i));
  double start = now();
  SSL *ssl = dial(ctx, host, port, sni);
  if (ssl == NULL || write_all(ssl, ask, sizeof ask)) return 1;
  for (int r; (r = SSL_read(ssl, buf, sizeof buf)) > 0;) got += r;
  double elapsed = now() - start;
  hang_up(ssl);
  if (got != want) {
    fprintf(stderr, "bulk: got %llu of %llu bytes\n", (unsigned long long)got, (unsigned long long)want);
    return 1;
  }
  printf("bulk_mib=%ld bulk_mib_per_s=%.0f bulk_gbit_per_s=%.2f\n", mib, mib / elapsed, got * 8 / elapsed / 1e9);
  return 0;
}

static void bulk_connection(SSL_CTX *ctx, int fd) {
  static char block[1 << 16];
  unsigned char want[8];
  SSL *ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd);
  if (SSL_accept(ssl) == 1 && read_exactly(ssl, (char *)want, 8) == 0) {
    uint64_t left = 0;
    for (int i = 0; i < 8; i++) left = left << 8 | want[i];
    while (left > 0) {
      int n = left < sizeof block ? (int)left : (int)sizeof block;
      if (SSL_write(ssl, block, n) != n) break;
      left -= n;
    }
    SSL_shutdown(ssl);
  }
  SSL_free(ssl);
  close(fd);
}

static int bulk_server(int port, const char *cert, const char *key) {
  SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
  int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  SSL_CTX_set_num_tickets(ctx, 0);
  if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 || SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
    ERR_print_errors_fp(stderr);
    return 1;
  }
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 128) != 0) {
    perror("bulk-server");
    return 1;
  }
  signal(SIGCHLD, SIG_IGN); /* no zombies */
  for (;;) {
    int c = accept(fd, NULL, NULL);
    if (c < 0) continue;
    if (fork() == 0) {
      close(fd);
      setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      bulk_connection(ctx, c);
      _exit(0);
    }
    close(c);
  }
}

int main(int argc, char **argv) {
  if (argc == 5 && strcmp(argv[1], "bulk-server") == 0) {
    return bulk_server(atoi(argv[2]), argv[3], argv[4]);
  }
  if (argc == 7 && strcmp(argv[1], "connect") == 0) {
    return run_workers(0, argv[2], atoi(argv[3]), argv[4], atof(argv[5]), atoi(argv[6]));
  }
  if (argc == 7 && strcmp(argv[1], "rr") == 0) {
    return run_workers(1, argv[2], atoi(argv[3]), argv[4], atof(argv[5]), atoi(argv[6]));
  }
  if (argc == 6 && strcmp(argv[1], "bulk") == 0) {
    return bulk(argv[2], atoi(argv[3]), argv[4], atol(argv[5]));
  }
  fprintf(stderr, "usage: sniload connect|rr HOST PORT SNI SECONDS PROCS | sniload bulk HOST PORT SNI MIB"
                  " | sniload bulk-server PORT CERT KEY\n");
  return 2;
}
