package dev.vmesh.dns;

import dev.vmesh.api.fuzz.FuzzBudget;
import dev.vmesh.api.fuzz.FuzzRun;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Random and mutated packets through the query path, then through a real proxy on loopback sockets:
 * nothing may throw, every reply must be well-formed (and decode with Netty's independent codec when its
 * names are ASCII), carry the query's ID and stay within the UDP size the query allows; the heap must not
 * grow with the packets (nothing kept per packet); the proxy must keep answering valid queries over UDP
 * and TCP after every batch. Seeded, and sized by {@code -Dvmesh.fuzz} (see {@link FuzzBudget}).
 */
@Tag("fuzz")
class FuzzedPacketsNeverBreakTheProxyTest {
  static final InetSocketAddress CLIENT = new InetSocketAddress(InetAddress.getLoopbackAddress(), 5353);

  @Test
  void packetsThroughTheProcessor() {
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
      public InetSocketAddress client() {
        return CLIENT;
      }

      @Override
      public void reply(ByteBuf reply) {
        sent.add(reply);
      }

      @Override
      public void forwardedReply(InetSocketAddress client, ByteBuf reply) {
        sent.add(reply);
      }
    };
    List<byte[]> corpus = corpus();
    try (FuzzRun run = FuzzRun.start("dns", FuzzBudget.of(100_000, 50_000_000))) {
      while (run.next()) {
        run.baselineAfter(10_000);
        Random random = run.random();
        byte[] packet = generate(random, corpus);
        boolean udp = random.nextBoolean();
        ByteBuf in = Unpooled.buffer(Math.max(1, packet.length)).writeBytes(packet);
        QueryProcessor.Outcome outcome;
        try {
          outcome = processor.handle(in, udp ? DnsMetrics.Protocol.UDP : DnsMetrics.Protocol.TCP, responder);
        } catch (RuntimeException e) {
          run.crash(hex(packet), e);
          continue;
        } finally {
          in.release();
        }
        if (in.refCnt() != 0) {
          run.wrong(hex(packet), "the packet was retained");
        }
        List<byte[]> out = new ArrayList<>();
        sent.forEach(b -> {
          out.add(ByteBufUtil.getBytes(b));
          b.release();
        });
        sent.clear();
        if (out.size() > 1) {
          run.wrong(hex(packet), out.size() + " replies");
        }
        if (out.isEmpty()) {
          run.outcome("dropped");
          if (outcome != QueryProcessor.Outcome.DROPPED) {
            run.wrong(hex(packet), "no reply but the outcome is " + outcome);
          }
          continue;
        }
        run.outcome("answered");
        byte[] reply = out.getFirst();
        String why = badReply(packet, reply, udp);
        if (why != null) {
          run.wrong(hex(packet), why + ": " + hex(reply));
        }
      }
      if (forwarder.inflight() != 0) {
        run.wrong("", forwarder.inflight() + " forwards still in flight at the end");
      }
      if (run.count("wrong") == 0 && run.tried() > 1000 && run.outcomeCount("answered") < run.tried() / 10) {
        run.wrong("", "only " + run.outcomeCount("answered") + " packets were answered: the corpus lost its valid queries");
      }
      // Anything kept per packet (even 200 bytes) would show over the packets after the warm-up.
      run.finish(8L << 20);
    }
    ch.finishAndReleaseAll();
  }

  /** Why {@code reply} is not a proper answer to {@code packet}, or null. */
  private static String badReply(byte[] packet, byte[] reply, boolean udp) {
    if (!WireCheck.wellFormed(reply)) {
      return "malformed reply";
    }
    if (WireCheck.asciiNames(reply)) {
      try {
        Reply.parse(reply); // throws if Netty's codec rejects it
      } catch (RuntimeException e) {
        return "Netty's codec rejects the reply: " + e;
      }
    }
    if (((reply[0] & 0xff) << 8 | (reply[1] & 0xff)) != ((packet[0] & 0xff) << 8 | (packet[1] & 0xff))) {
      return "the reply has another ID";
    }
    if ((reply[2] & 0x80) == 0) {
      return "the reply is not marked as a response (QR)";
    }
    if (udp && reply.length > udpLimit(packet)) {
      return "a UDP reply of " + reply.length + " bytes, over the " + udpLimit(packet) + " the query allows";
    }
    return null;
  }

  @Test
  void randomPacketsOverRealSocketsLeaveTheProxyServing() throws Exception {
    List<byte[]> corpus = corpus();
    try (ProxyFixture f = ProxyFixture.start(0, true, b -> {});
        DatagramSocket udp = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        FuzzRun run = FuzzRun.start("dns_sockets", FuzzBudget.of(10_000, 5_000_000))) {
      int batch = 500;
      while (run.next()) {
        Random random = run.random();
        if (random.nextInt(20) > 0) {
          byte[] p = generate(random, corpus);
          udp.send(new DatagramPacket(p, p.length, f.address()));
          run.outcome("udp");
        } else {
          tcp(run, f, random, corpus);
        }
        if (run.tried() % batch == 0) {
          stillServing(run, f);
          if (run.tried() == batch) {
            run.baseline();
          }
        }
      }
      stillServing(run, f);
      run.finish(16L << 20);
    }
  }

  /** One TCP connection with a few random packets, ended by half a length field. */
  private static void tcp(FuzzRun run, ProxyFixture f, Random random, List<byte[]> corpus) {
    run.outcome("tcp");
    try (Socket s = new Socket()) {
      s.connect(f.address(), DnsClient.SAFETY_TIMEOUT_MS);
      DataOutputStream out = new DataOutputStream(s.getOutputStream());
      for (int i = random.nextInt(20); i > 0; i--) {
        byte[] p = generate(random, corpus);
        out.writeShort(p.length);
        out.write(p);
      }
      out.write(new byte[] {0x7f}); // half a length field, then the connection goes away
      out.flush();
    } catch (IOException e) {
      // The proxy closes a connection after a packet it cannot answer at all; writes may then fail.
    }
  }

  /** The proxy answers a table name and a forwarded one, over UDP (resending, after a flood) and TCP. */
  private static void stillServing(FuzzRun run, ProxyFixture f) {
    try {
      byte[] q = TestQuery.of("productpage.ns1.svc.cluster.local.", TestQuery.A).bytes();
      if (!Reply.parse(DnsClient.udpRetrying(f.address(), q)).addresses().equals(List.of("9.9.9.9"))
          || !f.ask(true, "productpage.ns1.ns1.svc.cluster.local.", TestQuery.A).addresses().equals(List.of("9.9.9.9"))) {
        run.crash("", "the proxy answers a table name wrongly after " + run.tried() + " packets");
      }
    } catch (RuntimeException e) {
      run.crash("(after " + run.tried() + " packets)", e);
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
