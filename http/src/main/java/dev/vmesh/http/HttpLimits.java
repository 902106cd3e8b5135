package dev.vmesh.http;

import java.time.Duration;

/**
 * {@code HttpLimits} bounds what one HTTP port accepts, so that no client, slow or greedy, can take the
 * process's file descriptors, memory or threads.
 *
 * @param maxConnections connections open at once on the port; at the limit a new connection displaces an
 *     idle one or one still sending its headers (of the client holding the most connections), or, when
 *     every open connection is busy with a request, is answered 503 and closed
 * @param maxConnectionsPerClient connections open at once from one client address; more are answered 503
 *     and closed
 * @param headerTimeout from a connection's opening, or from the first byte of a later request on it,
 *     until its request line and headers have arrived; then the connection is closed
 * @param bodyTimeout from the end of the headers until the whole body has arrived
 * @param idleTimeout how long a kept-alive connection may wait for its next request
 * @param writeTimeout how long writing a response may take (a client that does not read is cut off)
 * @param maxRequestLineBytes longest request line (method, path and query); longer is answered 414
 * @param maxHeaderBytes all header lines together; more is answered 431
 * @param maxBodyBytes largest request body; larger is answered 413
 */
public record HttpLimits(int maxConnections, int maxConnectionsPerClient, Duration headerTimeout,
    Duration bodyTimeout, Duration idleTimeout, Duration writeTimeout, int maxRequestLineBytes, int maxHeaderBytes,
    int maxBodyBytes) {

  /** The server's HTTP port (15014): admin API bodies up to 8 MiB. */
  public static final HttpLimits SERVER = new HttpLimits(512, 64, Duration.ofSeconds(10), Duration.ofSeconds(30),
      Duration.ofSeconds(60), Duration.ofSeconds(30), 8 * 1024, 16 * 1024, 8 * 1024 * 1024);

  /** The agent's status and readiness ports (15020, 15021): probes, scrapes and debug pages, no bodies to speak of. */
  public static final HttpLimits AGENT = new HttpLimits(64, 16, Duration.ofSeconds(10), Duration.ofSeconds(10),
      Duration.ofSeconds(60), Duration.ofSeconds(30), 4 * 1024, 8 * 1024, 64 * 1024);

  public HttpLimits {
    positive("maxConnections", maxConnections);
    positive("maxConnectionsPerClient", maxConnectionsPerClient);
    positive("maxRequestLineBytes", maxRequestLineBytes);
    positive("maxHeaderBytes", maxHeaderBytes);
    if (maxBodyBytes < 0) {
      throw new IllegalArgumentException("maxBodyBytes must be 0 or more, not " + maxBodyBytes);
    }
    for (Duration d : new Duration[] {headerTimeout, bodyTimeout, idleTimeout, writeTimeout}) {
      if (d == null || d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException("HTTP timeouts must be positive, not " + d);
      }
    }
  }

  private static void positive(String name, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be positive, not " + value);
    }
  }

  public HttpLimits withConnections(int max, int perClient) {
    return new HttpLimits(max, perClient, headerTimeout, bodyTimeout, idleTimeout, writeTimeout,
        maxRequestLineBytes, maxHeaderBytes, maxBodyBytes);
  }

  public HttpLimits withTimeouts(Duration header, Duration body, Duration idle, Duration write) {
    return new HttpLimits(maxConnections, maxConnectionsPerClient, header, body, idle, write, maxRequestLineBytes,
        maxHeaderBytes, maxBodyBytes);
  }

  public HttpLimits withMaxBodyBytes(int max) {
    return new HttpLimits(maxConnections, maxConnectionsPerClient, headerTimeout, bodyTimeout, idleTimeout,
        writeTimeout, maxRequestLineBytes, maxHeaderBytes, max);
  }
}
