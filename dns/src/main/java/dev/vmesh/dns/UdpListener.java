package dev.vmesh.dns;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code UdpListener} serves one UDP socket from a thread of its own that blocks in the receive call:
 * each datagram is a query for the {@link QueryProcessor}, and a table answer is sent back from the
 * same thread before the next receive. That is two system calls per query (recvfrom, sendto), where
 * an event loop needs its readiness wait and an extra read that finds the socket empty as well; with
 * queries arriving one at a time, as they do on a VM, those calls are most of the proxy's CPU (see
 * docs/benchmarks.md, "DNS proxy"). Forwarded queries go to an event loop, whose thread sends their
 * replies on the same socket (sends on one channel are safe from several threads).
 *
 * <p>Closing the socket ends the thread. Errors on one datagram never close the socket.
 */
final class UdpListener implements QueryProcessor.Responder, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(UdpListener.class);
  private static final int SOCKET_BUFFER = 1 << 20;

  private final DatagramChannel channel;
  private final InetSocketAddress localAddress;
  private final QueryProcessor processor;
  private final EventLoop forwarding;
  private final int maxPayload;
  private final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
  private final Thread thread;
  private volatile boolean closing;

  private UdpListener(DatagramChannel channel, QueryProcessor processor, EventLoop forwarding, int maxPayload)
      throws IOException {
    this.channel = channel;
    this.localAddress = (InetSocketAddress) channel.getLocalAddress();
    this.processor = processor;
    this.forwarding = forwarding;
    this.maxPayload = maxPayload;
    // A Netty thread: the per-thread query scratch and the pooled allocator's thread cache are fast on it.
    this.thread = new DefaultThreadFactory("vmesh-dns-udp", true).newThread(this::serve);
  }

  /**
   * Binds {@code address} with a socket of its family (an IPv4 socket for an IPv4 address spares the
   * kernel the IPv4-mapped detour) and starts serving. {@code reusePort} lets several listeners share
   * the port (the kernel spreads clients over them by source address).
   */
  static UdpListener start(InetSocketAddress address, boolean reusePort, QueryProcessor processor, EventLoop forwarding,
      int maxPayload) throws IOException {
    DatagramChannel ch = DatagramChannel.open(
        address.getAddress() instanceof Inet4Address ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6);
    try {
      ch.setOption(StandardSocketOptions.SO_RCVBUF, SOCKET_BUFFER); // absorb bursts (the kernel may cap it)
      if (reusePort && !ch.supportedOptions().contains(StandardSocketOptions.SO_REUSEPORT)) {
        throw new IOException("several sockets on one port (--io-threads above 1) need SO_REUSEPORT, which this"
            + " platform lacks");
      }
      if (reusePort) {
        ch.setOption(StandardSocketOptions.SO_REUSEPORT, true);
      }
      ch.bind(address);
      UdpListener listener = new UdpListener(ch, processor, forwarding, maxPayload);
      listener.thread.start();
      return listener;
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  InetSocketAddress localAddress() {
    return localAddress;
  }

  private void serve() {
    // One receive buffer for the life of the socket; a datagram larger than it is cut short.
    ByteBuffer in = ByteBuffer.allocateDirect(maxPayload);
    ByteBuf packet = Unpooled.wrappedBuffer(in);
    int failures = 0;
    while (true) {
      InetSocketAddress sender;
      try {
        in.clear();
        sender = (InetSocketAddress) channel.receive(in);
        failures = 0;
      } catch (ClosedChannelException e) {
        if (!closing) {
          log.error("event=dns_udp_listener_stopped listener={} error=\"{}\"; UDP queries to it go unanswered",
              localAddress, e.toString());
        }
        return;
      } catch (IOException e) {
        // e.g. ENOBUFS: say so once in a while and give the kernel a moment rather than spin
        if (failures++ % 1000 == 0) {
          log.warn("event=dns_udp_error listener={} error=\"{}\" failures={}", localAddress, e.toString(), failures);
        }
        LockSupport.parkNanos(Math.min(failures, 100) * 1_000_000L);
        continue;
      }
      packet.setIndex(0, in.position());
      try {
        processor.handle(packet, sender, this);
      } catch (Throwable e) { // even an Error (out of direct memory) must not end the listener: answer the next
        log.warn("event=dns_udp_error listener={} client={} error=\"{}\"", localAddress, sender, e.toString());
      }
    }
  }

  @Override
  public ByteBufAllocator alloc() {
    return alloc;
  }

  @Override
  public EventLoop eventLoop() {
    return forwarding;
  }

  @Override
  public void reply(InetSocketAddress client, ByteBuf reply) {
    // An interrupted thread's blocking send would close the channel for everyone: send uninterrupted.
    boolean interrupted = Thread.interrupted();
    try {
      channel.send(reply.nioBufferCount() == 1 ? reply.internalNioBuffer(reply.readerIndex(), reply.readableBytes())
          : reply.nioBuffer(), client);
    } catch (IOException e) {
      log.debug("event=dns_udp_error listener={} client={} error=\"{}\"", localAddress, client, e.toString());
    } finally {
      reply.release();
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public void forwardedReply(InetSocketAddress client, ByteBuf reply) {
    reply(client, reply);
  }

  /** Closes the socket and waits (briefly) for the thread to end. */
  @Override
  public void close() {
    closing = true;
    try {
      channel.close();
      thread.join(2_000);
    } catch (IOException e) {
      log.debug("event=dns_udp_close_failed listener={} error=\"{}\"", localAddress, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
