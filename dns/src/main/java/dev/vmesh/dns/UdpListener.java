package dev.vmesh.dns;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code UdpListener} serves one UDP socket from a thread of its own that blocks in the receive call:
 * each datagram is a query for the {@link QueryProcessor}, and the table answers to one batch of
 * datagrams are sent together from the same thread before the next receive. On Linux a batch is
 * everything queued when the thread wakes ({@code recvmmsg}, then one {@code sendmmsg} for the
 * answers), so a busy proxy makes two system calls per batch instead of two per query, and a quiet one
 * still makes exactly two per query, with no readiness wait and no extra read that finds the socket
 * empty, as an event loop would (see docs/benchmarks.md, "DNS proxy"). Forwarded queries go to an event
 * loop, whose thread sends their replies on the same socket.
 *
 * <p>Closing the listener ends the thread. Errors on one datagram never close the socket.
 */
final class UdpListener implements QueryProcessor.Responder, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(UdpListener.class);

  private final UdpSocket socket;
  private final QueryProcessor processor;
  private final EventLoop forwarding;
  private final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
  private final Thread thread;
  private volatile boolean closing;
  /** The datagram of the batch being handled (the listener thread's alone). */
  private int current;

  private UdpListener(UdpSocket socket, QueryProcessor processor, EventLoop forwarding) {
    this.socket = socket;
    this.processor = processor;
    this.forwarding = forwarding;
    // A Netty thread: the per-thread query scratch and the pooled allocator's thread cache are fast on it.
    this.thread = new DefaultThreadFactory("vmesh-dns-udp", true).newThread(this::serve);
  }

  /**
   * Binds {@code address} and starts serving. {@code reusePort} lets several listeners share the port
   * (the kernel spreads clients over them by source address); {@code batched} asks for batched system
   * calls where the platform has them ({@link UdpSocket#open}).
   */
  static UdpListener start(InetSocketAddress address, boolean reusePort, QueryProcessor processor, EventLoop forwarding,
      int maxPayload, boolean batched) throws IOException {
    UdpSocket socket = UdpSocket.open(address, reusePort, maxPayload, batched);
    try {
      UdpListener listener = new UdpListener(socket, processor, forwarding);
      listener.thread.start();
      return listener;
    } catch (RuntimeException | Error e) {
      socket.close();
      throw e;
    }
  }

  InetSocketAddress localAddress() {
    return socket.localAddress();
  }

  /** {@code recvmmsg} (batched system calls) or {@code channel}. */
  String kind() {
    return socket.kind();
  }

  private void serve() {
    try {
      int failures = 0;
      while (true) {
        int n;
        try {
          n = socket.receive();
          failures = 0;
        } catch (ClosedChannelException e) {
          if (!closing) {
            log.error("event=dns_udp_listener_stopped listener={} error=\"{}\"; UDP queries to it go unanswered",
                localAddress(), e.toString());
          }
          return;
        } catch (IOException e) {
          // e.g. ENOBUFS: say so once in a while and give the kernel a moment rather than spin
          if (failures++ % 1000 == 0) {
            log.warn("event=dns_udp_error listener={} error=\"{}\" failures={}", localAddress(), e.toString(), failures);
          }
          LockSupport.parkNanos(Math.min(failures, 100) * 1_000_000L);
          continue;
        }
        for (int i = 0; i < n; i++) {
          current = i;
          try {
            processor.handle(socket.datagram(i), DnsMetrics.Protocol.UDP, this);
          } catch (Throwable e) { // even an Error (out of direct memory) must not end the listener: answer the next
            log.warn("event=dns_udp_error listener={} client={} error=\"{}\"", localAddress(), socket.sender(i),
                e.toString());
          }
        }
        socket.flush();
      }
    } finally {
      socket.close();
    }
  }

  @Override
  public ByteBufAllocator alloc() {
    return alloc;
  }

  @Override
  public ByteBuf buffer(int size) {
    ByteBuf slot = socket.replyBuffer(size); // the reply is written where sendmmsg reads it
    return slot != null ? slot : alloc.ioBuffer(size);
  }

  @Override
  public EventLoop eventLoop() {
    return forwarding;
  }

  @Override
  public InetSocketAddress client() {
    return socket.sender(current);
  }

  @Override
  public void reply(ByteBuf reply) {
    socket.reply(current, reply); // called by the processor on this listener's thread, for the datagram it handles
  }

  @Override
  public void forwardedReply(InetSocketAddress client, ByteBuf reply) {
    try {
      socket.send(client, reply);
    } catch (IOException e) {
      log.debug("event=dns_udp_error listener={} client={} error=\"{}\"", localAddress(), client, e.toString());
    }
  }

  /** Stops the thread, which closes the socket, and waits (briefly) for it to end. */
  @Override
  public void close() {
    closing = true;
    socket.shutdown();
    try {
      thread.join(2_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
