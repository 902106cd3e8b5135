package dev.vmesh.dns;

import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.net.InetSocketAddress;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code UdpSocket} is the bound UDP socket of one {@link UdpListener}, read in batches: one
 * {@link #receive()} returns every datagram already queued (up to the batch size), the listener answers
 * each with {@link #reply}, and {@link #flush()} sends those answers together. On Linux with Java 22 or
 * newer this is {@code MmsgUdpSocket} (one {@code recvmmsg} and one {@code sendmmsg} system call per
 * batch, through the foreign function API; only in a build made with a JDK 22 or newer); elsewhere
 * {@link ChannelUdpSocket} (a blocking {@code DatagramChannel}, one datagram at a time).
 *
 * <p>{@link #receive}, {@link #datagram}, {@link #sender}, {@link #reply} and {@link #flush} belong to
 * the listener's thread; {@link #send} and {@link #shutdown} may be called from any thread.
 */
interface UdpSocket {
  /** Datagrams read by one {@link #receive()} at most. */
  int BATCH = 16;

  InetSocketAddress localAddress();

  /** Which kind of socket this is, for logs: {@code recvmmsg} or {@code channel}. */
  String kind();

  /**
   * True when replies leave with IPv4's don't-fragment bit set: the batched socket sets it when bound to
   * an IPv4 loopback address, whose replies never leave the host and never need fragmenting (loopback's
   * MTU is 64 KiB). The kernel then skips choosing a fragment ID per datagram.
   */
  default boolean dontFragment() {
    return false;
  }

  /**
   * Waits for at least one datagram and returns how many this batch holds (1 to {@link #BATCH}).
   * Throws {@link java.nio.channels.ClosedChannelException} once {@link #shutdown()} was called.
   */
  int receive() throws IOException;

  /** Datagram {@code i} of the last batch (reader index 0, writer index its length); valid until the next receive. */
  ByteBuf datagram(int i);

  /** Who sent datagram {@code i} of the last batch. */
  InetSocketAddress sender(int i);

  /**
   * A buffer of at least {@code size} writable bytes (indexes at 0) for the next {@link #reply}, lent by
   * the socket: a reply written into it is sent from where it was written, with no copy and nothing
   * allocated; or null when the socket has none to lend (then the reply is written into a buffer of the
   * caller's). Valid until that reply; a lent buffer is never released by the caller.
   */
  default ByteBuf replyBuffer(int size) {
    return null;
  }

  /**
   * Queues {@code reply} for the sender of datagram {@code i}, sent by {@link #flush()} at the latest:
   * the buffer {@link #replyBuffer} lent, or any other (released here).
   */
  void reply(int i, ByteBuf reply);

  /** Sends the queued replies. */
  void flush();

  /** Sends {@code data} (released here) to {@code to} at once; from any thread. */
  void send(InetSocketAddress to, ByteBuf data) throws IOException;

  /** Makes a waiting or later {@link #receive()} throw {@link java.nio.channels.ClosedChannelException}; from any thread. */
  void shutdown();

  /** Frees the socket (after {@link #shutdown()}, by the thread that received); later sends are dropped. */
  void close();

  /**
   * A socket bound to {@code address} that receives datagrams of up to {@code maxPayload} bytes (longer
   * ones are cut short): batched when {@code batched} is asked for and this platform has it, else a
   * channel. {@code reusePort} lets several sockets share the port.
   */
  static UdpSocket open(InetSocketAddress address, boolean reusePort, int maxPayload, boolean batched)
      throws IOException {
    MethodHandle mmsg = batched ? Mmsg.OPEN : null;
    if (mmsg == null) {
      return ChannelUdpSocket.open(address, reusePort, maxPayload);
    }
    try {
      return (UdpSocket) mmsg.invokeExact(address, reusePort, maxPayload, BATCH);
    } catch (IOException | RuntimeException | Error e) {
      throw e;
    } catch (Throwable e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Finds {@code MmsgUdpSocket.open}. That class is compiled for Java 22 (the foreign function API;
   * src/main/java22) while the rest of the proxy runs on 21, so it is looked up by name, and only on
   * Linux (x86-64, arm64: the struct layouts it assumes) with Java 22 or newer.
   */
  final class Mmsg {
    private static final Logger log = LoggerFactory.getLogger(UdpSocket.class);
    static final MethodHandle OPEN = find();

    private Mmsg() {}

    /**
     * Looks the class up (making its native function handles takes tens of milliseconds of a cold JVM) on
     * a short thread of its own, so a proxy built early in a start does not wait for it when it binds.
     */
    static void prepare() {
      Thread.ofPlatform().daemon().name("vmesh-dns-prepare").start(() -> {
        if (OPEN == null) {
          log.debug("event=dns_udp_batching_unavailable");
        }
      });
    }

    private static MethodHandle find() {
      String os = System.getProperty("os.name", "");
      String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
      if (!os.equals("Linux") || !(arch.equals("amd64") || arch.equals("x86_64") || arch.equals("aarch64"))
          || Runtime.version().feature() < 22) {
        return null;
      }
      try {
        Class<?> c = Class.forName("dev.vmesh.dns.MmsgUdpSocket");
        return MethodHandles.lookup().findStatic(c, "open", MethodType.methodType(UdpSocket.class,
            InetSocketAddress.class, boolean.class, int.class, int.class));
      } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
        log.info("event=dns_udp_batching_unavailable error=\"{}\"; UDP queries are read one at a time", e.toString());
        return null;
      }
    }
  }
}
