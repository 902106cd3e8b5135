package dev.vmesh.dns;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A UDP listener keeps answering after a query whose handling threw (even an Error), and a reply sent
 * from an interrupted thread neither closes the shared socket nor loses the thread's interrupt; with
 * batched system calls (recvmmsg, where the platform has them) and with a channel.
 */
class UdpListenerOutlivesFailuresTest {
  final EventLoopGroup loops = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  final LookupTable table = LookupTable.build(ProxyFixture.TABLE, "ns1", "cluster.local", ProxyFixture.SEARCH);

  @AfterEach
  void close() {
    loops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }

  UdpListener listener(Supplier<LookupTable> tables, boolean batched) throws Exception {
    Forwarder forwarder = new Forwarder(Transports.select(false), List.of(), Duration.ofSeconds(5), false, false, 16,
        new ManualTimeouts(), DnsMetrics.unregistered());
    QueryProcessor processor = new QueryProcessor(tables, forwarder, DnsMetrics.unregistered(), 1232);
    return UdpListener.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), false, processor, loops.next(),
        1232, batched);
  }

  @ParameterizedTest(name = "batched={0}")
  @ValueSource(booleans = {false, true})
  void anErrorWhileHandlingOneQueryDoesNotEndTheListener(boolean batched) throws Exception {
    AtomicBoolean failNext = new AtomicBoolean(true);
    try (UdpListener l = listener(() -> {
      if (failNext.getAndSet(false)) {
        throw new OutOfMemoryError("Cannot reserve 65536 bytes of direct buffer memory (test)");
      }
      return table;
    }, batched);
        DatagramSocket client = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
      client.setSoTimeout(20_000);
      byte[] first = TestQuery.of("productpage.", TestQuery.A).bytes();
      client.send(new DatagramPacket(first, first.length, l.localAddress())); // its handling throws
      TestQuery second = TestQuery.of("www.google.com.", TestQuery.A);
      byte[] q = second.bytes();
      client.send(new DatagramPacket(q, q.length, l.localAddress()));
      byte[] buf = new byte[1232];
      DatagramPacket p = new DatagramPacket(buf, buf.length);
      client.receive(p);
      Reply r = Reply.parse(Arrays.copyOf(buf, p.getLength()));
      assertThat(r.id()).isEqualTo(second.id);
      assertThat(r.addresses()).containsExactly("1.1.1.1");
    }
  }

  @ParameterizedTest(name = "batched={0}")
  @ValueSource(booleans = {false, true})
  void aReplyFromAnInterruptedThreadLeavesTheSocketOpenAndTheInterruptSet(boolean batched) throws Exception {
    try (UdpListener l = listener(() -> table, batched);
        DatagramSocket client = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
      client.setSoTimeout(20_000);
      AtomicBoolean stillInterrupted = new AtomicBoolean();
      Thread t = Thread.ofPlatform().start(() -> {
        Thread.currentThread().interrupt();
        l.forwardedReply((InetSocketAddress) client.getLocalSocketAddress(), Unpooled.wrappedBuffer(new byte[] {1, 2, 3}));
        stillInterrupted.set(Thread.currentThread().isInterrupted());
      });
      t.join();
      assertThat(stillInterrupted).isTrue();
      byte[] buf = new byte[16];
      DatagramPacket got = new DatagramPacket(buf, buf.length);
      client.receive(got);
      assertThat(Arrays.copyOf(buf, got.getLength())).containsExactly(1, 2, 3);
      // and the listener still serves queries on its socket
      TestQuery q = TestQuery.of("www.google.com.", TestQuery.A);
      client.send(new DatagramPacket(q.bytes(), q.bytes().length, l.localAddress()));
      DatagramPacket answer = new DatagramPacket(new byte[1232], 1232);
      client.receive(answer);
      assertThat(Reply.parse(Arrays.copyOf(answer.getData(), answer.getLength())).addresses())
          .containsExactly("1.1.1.1");
    }
  }
}
