package dev.vmesh.dns;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.AddressedEnvelope;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.dns.DatagramDnsQuery;
import io.netty.handler.codec.dns.DatagramDnsQueryDecoder;
import io.netty.handler.codec.dns.DatagramDnsResponse;
import io.netty.handler.codec.dns.DatagramDnsResponseEncoder;
import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DefaultDnsRawRecord;
import io.netty.handler.codec.dns.DefaultDnsResponse;
import io.netty.handler.codec.dns.DnsOpCode;
import io.netty.handler.codec.dns.DnsQuery;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponse;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;
import io.netty.handler.codec.dns.TcpDnsQueryDecoder;
import io.netty.handler.codec.dns.TcpDnsResponseEncoder;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * Test helper: a fake upstream resolver on 127.0.0.1 (UDP and TCP, one port), built on Netty's DNS
 * codec. Per name it can answer, hold the reply until released, drop the query, answer with many
 * records (optionally truncated over UDP), return an error code or garbage; anything else gets
 * NXDOMAIN. It records what it received.
 */
final class FakeUpstream implements AutoCloseable {
  /** What the fake does with a name. */
  sealed interface Rule {}

  record Answer(List<String> ips) implements Rule {}

  record Big(int records, boolean truncateOverUdp) implements Rule {}

  record Code(DnsResponseCode code) implements Rule {}

  record Hold(CompletableFuture<Void> gate, Rule then) implements Rule {}

  record Drop() implements Rule {}

  record Garbage() implements Rule {}

  record StrayThenAnswer(List<String> ips) implements Rule {}

  /** A query as received. */
  record Received(boolean tcp, String name, int type, byte[] raw) {}

  private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final Map<String, Rule> rules = new ConcurrentHashMap<>();
  private final List<Received> received = new CopyOnWriteArrayList<>();
  private final Channel udp;
  private final Channel tcp;

  private FakeUpstream() throws InterruptedException {
    InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    Channel u = null;
    Channel t = null;
    for (int attempt = 0; attempt < 10 && t == null; attempt++) {
      u = new Bootstrap().group(group).channel(NioDatagramChannel.class).handler(new ChannelInitializer<Channel>() {
        @Override
        protected void initChannel(Channel ch) {
          ch.pipeline().addLast(new UdpTap(), new DatagramDnsQueryDecoder(), new DatagramDnsResponseEncoder() {
            @Override
            public boolean acceptOutboundMessage(Object msg) {
              return msg instanceof AddressedEnvelope<?, ?> e && e.content() instanceof DnsResponse;
            }
          }, new UdpServer());
        }
      }).bind(any).sync().channel();
      InetSocketAddress bound = (InetSocketAddress) u.localAddress();
      var f = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
          .childHandler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
              ch.pipeline().addLast(new TcpDnsQueryDecoder(), new TcpDnsResponseEncoder(), new TcpServer());
            }
          }).bind(bound).awaitUninterruptibly();
      if (f.isSuccess()) {
        t = f.channel();
      } else {
        u.close().sync();
      }
    }
    udp = u;
    tcp = t;
  }

  static FakeUpstream start() {
    try {
      return new FakeUpstream();
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  InetSocketAddress address() {
    return (InetSocketAddress) udp.localAddress();
  }

  /** Sets the rule for {@code name} (case-insensitive, trailing dot optional). */
  FakeUpstream on(String name, Rule rule) {
    rules.put(key(name), rule);
    return this;
  }

  FakeUpstream answer(String name, String... ips) {
    return on(name, new Answer(List.of(ips)));
  }

  /** Holds replies for {@code name} until the returned gate completes, then answers {@code ips}. */
  CompletableFuture<Void> hold(String name, String... ips) {
    CompletableFuture<Void> gate = new CompletableFuture<>();
    on(name, new Hold(gate, new Answer(List.of(ips))));
    return gate;
  }

  List<Received> received() {
    return List.copyOf(received);
  }

  long count(String name) {
    return received.stream().filter(r -> r.name().equals(key(name))).count();
  }

  private static String key(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    return n.endsWith(".") ? n : n + ".";
  }

  @Override
  public void close() {
    udp.close().syncUninterruptibly();
    tcp.close().syncUninterruptibly();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  /** Builds the reply to {@code query} per the rules, or null for none; may complete later. */
  private CompletableFuture<Object> reply(DnsQuery query, boolean overTcp, InetSocketAddress client) {
    DnsQuestion q = query.recordAt(DnsSection.QUESTION);
    received.add(new Received(overTcp, key(q.name()), q.type().intValue(), null));
    Rule rule = rules.getOrDefault(key(q.name()), new Code(DnsResponseCode.NXDOMAIN));
    return apply(rule, query, q, overTcp, client);
  }

  private CompletableFuture<Object> apply(Rule rule, DnsQuery query, DnsQuestion q, boolean overTcp,
      InetSocketAddress client) {
    return switch (rule) {
      case Hold h -> h.gate().thenCompose(v -> apply(h.then(), query, q, overTcp, client));
      case Drop d -> CompletableFuture.completedFuture(null);
      case Garbage g -> CompletableFuture.completedFuture(overTcp
          ? Unpooled.wrappedBuffer(new byte[] {0, 5, 1, 2, 3, 4, 5})
          : new DatagramPacket(Unpooled.wrappedBuffer(new byte[] {1, 2, 3, 4, 5}), client));
      default -> CompletableFuture.completedFuture(response(rule, query, q, overTcp, client));
    };
  }

  private DnsResponse response(Rule rule, DnsQuery query, DnsQuestion q, boolean overTcp, InetSocketAddress client) {
    DnsResponse r = overTcp ? new DefaultDnsResponse(query.id(), DnsOpCode.QUERY)
        : new DatagramDnsResponse(address(), client, query.id());
    r.setRecursionDesired(query.isRecursionDesired()).setRecursionAvailable(true);
    r.addRecord(DnsSection.QUESTION, new DefaultDnsQuestion(q.name(), q.type(), q.dnsClass()));
    switch (rule) {
      case Answer a -> {
        for (String ip : a.ips()) {
          byte[] bytes = ip(ip);
          DnsRecordType type = bytes.length == 4 ? DnsRecordType.A : DnsRecordType.AAAA;
          if (type.equals(q.type())) {
            r.addRecord(DnsSection.ANSWER, new DefaultDnsRawRecord(q.name(), type, 60, Unpooled.wrappedBuffer(bytes)));
          }
        }
      }
      case StrayThenAnswer s -> {
        for (String ip : s.ips()) {
          r.addRecord(DnsSection.ANSWER, new DefaultDnsRawRecord(q.name(), DnsRecordType.A, 60,
              Unpooled.wrappedBuffer(ip(ip))));
        }
      }
      case Big b -> {
        int n = b.truncateOverUdp() && !overTcp ? 10 : b.records();
        for (int i = 0; i < n; i++) {
          r.addRecord(DnsSection.ANSWER, new DefaultDnsRawRecord("aaaaaaaaaaaa.aaaaaa.", DnsRecordType.A, 60,
              Unpooled.wrappedBuffer(new byte[] {(byte) 240, 0, 0, (byte) i})));
        }
        if (b.truncateOverUdp() && !overTcp) {
          r.setTruncated(true);
        }
      }
      case Code c -> r.setCode(c.code());
      default -> throw new IllegalStateException("unexpected rule " + rule);
    }
    if (query.count(DnsSection.ADDITIONAL) > 0) {
      // The query had EDNS: answer with an OPT record too, as real servers do.
      r.addRecord(DnsSection.ADDITIONAL, new DefaultDnsRawRecord(".", DnsRecordType.OPT, 4096, 0, Unpooled.EMPTY_BUFFER));
    }
    return r;
  }

  private static byte[] ip(String ip) {
    try {
      return InetAddress.getByName(ip).getAddress(); // a literal: no lookup
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(ip, e);
    }
  }

  /** Records the raw bytes of each UDP query before decoding. */
  private final class UdpTap extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof DatagramPacket p) {
        lastRaw = ByteBufUtil.getBytes(p.content());
      }
      ctx.fireChannelRead(msg);
    }
  }

  private volatile byte[] lastRaw;

  private final class UdpServer extends SimpleChannelInboundHandler<DatagramDnsQuery> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DatagramDnsQuery query) {
      byte[] raw = lastRaw;
      DnsQuestion q = query.recordAt(DnsSection.QUESTION);
      Rule rule = rules.getOrDefault(key(q.name()), new Code(DnsResponseCode.NXDOMAIN));
      received.add(new Received(false, key(q.name()), q.type().intValue(), raw));
      query.retain();
      if (rule instanceof StrayThenAnswer) {
        // First a reply with the wrong ID, as a spoofer would send.
        DatagramDnsResponse stray = new DatagramDnsResponse(address(), query.sender(), (query.id() + 1) & 0xffff);
        stray.addRecord(DnsSection.QUESTION, new DefaultDnsQuestion(q.name(), q.type()));
        stray.addRecord(DnsSection.ANSWER, new DefaultDnsRawRecord(q.name(), DnsRecordType.A, 60,
            Unpooled.wrappedBuffer(new byte[] {6, 6, 6, 6})));
        ctx.writeAndFlush(stray);
      }
      apply(rule, query, q, false, query.sender()).whenComplete((reply, error) -> {
        query.release();
        if (reply != null) {
          ctx.writeAndFlush(reply);
        }
      });
    }
  }

  private final class TcpServer extends SimpleChannelInboundHandler<DnsQuery> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DnsQuery query) {
      query.retain();
      reply(query, true, null).whenComplete((reply, error) -> {
        query.release();
        if (reply != null) {
          ctx.writeAndFlush(reply);
        }
        // no reply: keep the connection open and silent, like a server that never answers
      });
    }
  }
}
