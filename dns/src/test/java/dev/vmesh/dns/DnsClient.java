package dev.vmesh.dns;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;

/**
 * Test helper: a blocking DNS client over plain JDK sockets. The socket timeouts only keep a broken
 * test from hanging; no test measures time with them.
 */
final class DnsClient {
  static final int SAFETY_TIMEOUT_MS = 20_000;

  private DnsClient() {}

  /** Sends {@code query} over UDP and returns the first datagram that comes back. */
  static byte[] udp(InetSocketAddress server, byte[] query) {
    try (DatagramSocket s = new DatagramSocket(localFor(server))) {
      s.setSoTimeout(SAFETY_TIMEOUT_MS);
      s.send(new DatagramPacket(query, query.length, server));
      return receive(s);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Like {@link #udp}, but resends after a silence of two seconds, up to five times, as stub resolvers
   * do: for queries sent right after a flood, when the kernel may have dropped datagrams.
   */
  static byte[] udpRetrying(InetSocketAddress server, byte[] query) {
    try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
      s.setSoTimeout(2_000);
      for (int attempt = 1; ; attempt++) {
        s.send(new DatagramPacket(query, query.length, server));
        try {
          return receive(s);
        } catch (SocketTimeoutException e) {
          if (attempt == 5) {
            throw e;
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The loopback address of the server's family, any port. */
  static InetSocketAddress localFor(InetSocketAddress server) throws IOException {
    return new InetSocketAddress(server.getAddress() instanceof Inet6Address
        ? InetAddress.getByName("::1") : InetAddress.getLoopbackAddress(), 0);
  }

  static byte[] receive(DatagramSocket s) throws IOException {
    byte[] buf = new byte[65535];
    DatagramPacket p = new DatagramPacket(buf, buf.length);
    s.receive(p);
    return Arrays.copyOf(buf, p.getLength());
  }

  /** Sends {@code query} over a new TCP connection and returns the reply. */
  static byte[] tcp(InetSocketAddress server, byte[] query) {
    try (Socket s = new Socket()) {
      s.connect(server, SAFETY_TIMEOUT_MS);
      s.setSoTimeout(SAFETY_TIMEOUT_MS);
      DataOutputStream out = new DataOutputStream(s.getOutputStream());
      out.writeShort(query.length);
      out.write(query);
      out.flush();
      return readFrame(new DataInputStream(s.getInputStream()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static byte[] readFrame(DataInputStream in) throws IOException {
    int len = in.readUnsignedShort();
    byte[] b = new byte[len];
    in.readFully(b);
    return b;
  }

  static byte[] ask(boolean tcp, InetSocketAddress server, byte[] query) {
    return tcp ? tcp(server, query) : udp(server, query);
  }

  /** {@link #ask} on a virtual thread, for tests that act while the query is pending. */
  static CompletableFuture<Reply> askLater(boolean tcp, InetSocketAddress server, byte[] query) {
    CompletableFuture<Reply> f = new CompletableFuture<>();
    Thread.ofVirtual().start(() -> {
      try {
        f.complete(Reply.parse(ask(tcp, server, query)));
      } catch (Throwable t) {
        f.completeExceptionally(t);
      }
    });
    return f;
  }
}
