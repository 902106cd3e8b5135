package dev.vmesh.dns;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.DataOutputStream;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * 100,000 random and mutated packets go through the query path: nothing may throw, every reply
 * must be well-formed (and decode with Netty's independent codec when its names are ASCII), carry the
 * query's ID, and stay within the UDP
 * size the query allows; the heap must not grow with the packets (nothing kept per packet); the proxy
 * must answer normally afterwards. Seeded, so failures repeat.
 */
class FuzzedPacketsNeverBreakTheProxyTest {
  static final long SEED = 20261126L;
  static final InetSocketAddress CLIENT = new InetSocketAddress(InetAddress.getLoopbackAddress(), 5353);

  @Test
  void aHundredThousandPacketsThroughTheProcessor() {
    Random random = new Random(SEED);
    DnsMetrics metrics = DnsMetrics.unregistered();
    LookupTable table = LookupTable.build(ProxyFixture.TABLE, "ns1", "cluster.local", ProxyFixture.SEARCH);
    Forwarder forwarder = new Forwarder(Transports.select(false), List.of(), Duration.ofSeconds(5), false, false,
        16, new ManualTimeouts(), metrics);
    QueryProcessor processor = new QueryProcessor(() -> table, forwarder, metrics, 4096);
    EmbeddedChannel ch = new EmbeddedChannel(new ChannelInboundHandlerAdapter());
    List<ByteBuf> sent = new ArrayList<>();
    QueryProcessor.Responder responder = new QueryProcessor.Responder() {
      @Override
      public ByteBufAllocator alloc() {
        return ch.alloc();
      }

      @Override
      public EventLoop eventLoop() {
        return ch.eventLoop();
      }

      @Override
      public void reply(InetSocketAddress client, ByteBuf reply) {
        sent.add(reply);
      }

      @Override
      public void forwardedReply(InetSocketAddress client, ByteBuf reply) {
        sent.add(reply);
      }
    };
    List<byte[]> corpus = corpus();
    int replies = 0;
    long heapAfterWarmup = 0;
    for (int i = 0; i < 100_000; i++) {
      if (i == 10_000) {
        heapAfterWarmup = usedHeapAfterGc();
      }
      byte[] packet = generate(random, corpus);
      boolean udp = random.nextBoolean();
      ByteBuf in = Unpooled.buffer(Math.max(1, packet.length)).writeBytes(packet);
      QueryProcessor.Outcome outcome = processor.handle(in, udp ? CLIENT : null, responder);
      in.release();
      assertThat(in.refCnt()).as("packet %d was retained", i).isZero();
      List<byte[]> out = new ArrayList<>();
      sent.forEach(b -> {
        out.add(ByteBufUtil.getBytes(b));
        b.release();
      });
      sent.clear();
      assertThat(out).as("packet %d: %s", i, hex(packet)).hasSizeLessThanOrEqualTo(1);
      if (out.isEmpty()) {
        assertThat(outcome).as("packet %d: %s", i, hex(packet)).isEqualTo(QueryProcessor.Outcome.DROPPED);
        continue;
      }
      replies++;
      byte[] reply = out.getFirst();
      assertThat(WireCheck.wellFormed(reply)).as("reply to packet %d: %s", i, hex(reply)).isTrue();
      if (WireCheck.asciiNames(reply)) {
        Reply.parse(reply); // throws if Netty's codec rejects it
      }
      assertThat(((reply[0] & 0xff) << 8) | (reply[1] & 0xff)).isEqualTo(((packet[0] & 0xff) << 8) | (packet[1] & 0xff));
      assertThat(reply[2] & 0x80).as("QR").isNotZero();
      if (udp) {
        assertThat(reply.length).as("packet %d: %s", i, hex(packet)).isLessThanOrEqualTo(udpLimit(packet));
      }
    }
    assertThat(forwarder.inflight()).isZero();
    assertThat(replies).isGreaterThan(10_000); // the corpus keeps many packets valid enough to answer
    // 90,000 more packets after warm-up: anything kept per packet (even 200 bytes) would show.
    assertThat(usedHeapAfterGc() - heapAfterWarmup).as("heap growth over 90,000 packets").isLessThan(8L << 20);
    ch.finishAndReleaseAll();
  }

  private static long usedHeapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    Runtime rt = Runtime.getRuntime();
    return rt.totalMemory() - rt.freeMemory();
  }

  @Test
  void randomPacketsOverRealSocketsLeaveTheProxyServing() throws Exception {
    Random random = new Random(SEED + 1);
    List<byte[]> corpus = corpus();
    try (ProxyFixture f = ProxyFixture.start(0, true, b -> {});
        DatagramSocket udp = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
      for (int i = 0; i < 1000; i++) {
        byte[] p = generate(random, corpus);
        udp.send(new java.net.DatagramPacket(p, p.length, f.address()));
      }
      for (int c = 0; c < 20; c++) {
        try (Socket s = new Socket()) {
          s.connect(f.address(), DnsClient.SAFETY_TIMEOUT_MS);
          DataOutputStream out = new DataOutputStream(s.getOutputStream());
          for (int i = 0; i < 20; i++) {
            byte[] p = generate(random, corpus);
            out.writeShort(p.length);
            out.write(p);
          }
          out.write(new byte[] {0x7f}); // half a length field, then the connection goes away
          out.flush();
        } catch (java.io.IOException e) {
          // The proxy closes a connection after a packet it cannot answer at all; writes may then fail.
        }
      }
      // The flood may have overflowed the socket buffers, so ask the way a stub resolver does (resending).
      byte[] q = TestQuery.of("www.google.com.", TestQuery.A).bytes();
      assertThat(Reply.parse(DnsClient.udpRetrying(f.address(), q)).addresses()).containsExactly("1.1.1.1");
      assertThat(f.ask(true, "productpage.ns1.ns1.svc.cluster.local.", TestQuery.A).addresses())
          .containsExactly("9.9.9.9");
    }
  }

  /** Valid queries to mutate: table hits, aliases, wildcards, misses, EDNS, other types. */
  static List<byte[]> corpus() {
    List<byte[]> c = new ArrayList<>();
    String[] names = {"www.google.com.", "productpage.", "productpage.ns1.ns1.svc.cluster.local.", "a.b.wildcard.",
        "Foo.wildcard.ns1.svc.cluster.local.", "dual.localhost.", "www.bing.com.", "x.", "."};
    int[] types = {TestQuery.A, TestQuery.AAAA, TestQuery.TXT, TestQuery.SRV};
    for (String n : names) {
      for (int t : types) {
        c.add(TestQuery.of(n, t).bytes());
        c.add(TestQuery.of(n, t).edns(1232).bytes());
      }
    }
    for (String reverse : new String[] {"9.9.9.9.in-addr.arpa.", "2.2.2.2.in-addr.arpa.", "8.8.8.8.in-addr.arpa."}) {
      c.add(TestQuery.of(reverse, TestQuery.PTR).bytes());
      c.add(TestQuery.of(reverse, TestQuery.PTR).edns(1232).bytes());
    }
    return c;
  }

  static byte[] generate(Random random, List<byte[]> corpus) {
    int kind = random.nextInt(10);
    if (kind < 5) {
      return mutate(random, corpus.get(random.nextInt(corpus.size())).clone());
    }
    if (kind < 7) {
      byte[] b = new byte[random.nextInt(600)];
      random.nextBytes(b);
      return b;
    }
    // A header with plausible flags and random counts, then random labels, pointers and bytes.
    byte[] b = new byte[12 + random.nextInt(300)];
    random.nextBytes(b);
    b[2] = random.nextInt(4) == 0 ? b[2] : 0x01;
    b[4] = 0;
    b[5] = (byte) random.nextInt(3);
    for (int i = 6; i < 12; i += 2) {
      b[i] = 0;
      b[i + 1] = (byte) random.nextInt(4);
    }
    for (int pos = 12; pos < b.length; ) {
      int choice = random.nextInt(6);
      if (choice == 0 && pos + 1 < b.length) {
        b[pos] = (byte) (0xc0 | random.nextInt(2));
        b[pos + 1] = (byte) random.nextInt(b.length);
        pos += 2;
      } else if (choice == 1) {
        b[pos++] = 0;
      } else {
        int len = random.nextInt(70);
        b[pos] = (byte) len;
        pos += 1 + len;
      }
    }
    return b;
  }

  static byte[] mutate(Random random, byte[] b) {
    int edits = 1 + random.nextInt(5);
    for (int e = 0; e < edits; e++) {
      switch (random.nextInt(6)) {
        case 0 -> {
          if (b.length > 0) {
            b[random.nextInt(b.length)] ^= (byte) (1 << random.nextInt(8));
          }
        }
        case 1 -> {
          if (b.length > 0) {
            b[random.nextInt(b.length)] = (byte) random.nextInt(256);
          }
        }
        case 2 -> b = Arrays.copyOf(b, random.nextInt(b.length + 1)); // truncate
        case 3 -> {
          byte[] extra = new byte[1 + random.nextInt(20)];
          random.nextBytes(extra);
          byte[] n = Arrays.copyOf(b, b.length + extra.length);
          System.arraycopy(extra, 0, n, b.length, extra.length);
          b = n;
        }
        case 4 -> {
          if (b.length >= 12) {
            b[4 + 2 * random.nextInt(4) + 1] = (byte) random.nextInt(4); // a section count
          }
        }
        default -> {
          if (b.length > 12) {
            // flip the case of a letter: 0x20 mixing must never matter
            int i = 12 + random.nextInt(b.length - 12);
            if (Character.isLetter(b[i])) {
              b[i] ^= 0x20;
            }
          }
        }
      }
    }
    return b;
  }

  /** The largest UDP reply the query allows, worked out independently of the proxy's parser. */
  static int udpLimit(byte[] q) {
    // Any EDNS size the packet might carry is at most 4096 (our cap); without EDNS 512 applies.
    int limit = 512;
    for (int i = 12; i + 10 < q.length; i++) {
      if (q[i] == 0 && q[i + 1] == 0 && q[i + 2] == 41) {
        limit = Math.max(limit, Math.min(4096, ((q[i + 3] & 0xff) << 8) | (q[i + 4] & 0xff)));
      }
    }
    return limit;
  }

  static String hex(byte[] b) {
    return ByteBufUtil.hexDump(b);
  }
}
