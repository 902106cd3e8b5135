package dev.vmesh.dns;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.time.Duration;

/**
 * {@code UpstreamExchange} is one query to one upstream server, as Istio does it: a fresh socket (a new
 * ephemeral UDP port, or a new TCP connection) over the transport the client used, the client's query
 * exactly as received, and the first reply that matches it (same ID and question). Replies are read
 * into 64 KiB buffers, so a large UDP reply is never mistaken for a broken one (Istio #61371). It all
 * runs on the client query's event loop; exactly one callback method is called, once.
 */
final class UpstreamExchange {
  /** Outcome of an exchange. */
  interface Callback {
    /** A well-formed reply matching the query; the callee owns {@code reply}. */
    void reply(InetSocketAddress server, ByteBuf reply, MessageScanner.ReplyLayout layout);

    /** No usable reply: refused, unreachable, timed out, closed or malformed. */
    void failed(InetSocketAddress server, String reason);
  }

  private final InetSocketAddress server;
  private final boolean udp;
  private final ByteBuf query;
  private final int questionEnd;
  private final Callback callback;
  private TimeoutScheduler.Handle timeout;
  private Channel channel;
  private boolean done;

  private UpstreamExchange(InetSocketAddress server, boolean udp, ByteBuf query, int questionEnd, Callback callback) {
    this.server = server;
    this.udp = udp;
    this.query = query;
    this.questionEnd = questionEnd;
    this.callback = callback;
  }

  /**
   * Sends {@code query} (owned by the exchange from now on; its question ends at {@code questionEnd})
   * to {@code server}; must be called on {@code loop}.
   */
  static void start(Transports transports, EventLoop loop, boolean udp, InetSocketAddress server, ByteBuf query,
      int questionEnd, Duration timeout, TimeoutScheduler timeouts, Callback callback) {
    new UpstreamExchange(server, udp, query, questionEnd, callback).start(transports, loop, timeout, timeouts);
  }

  private void start(Transports transports, EventLoop loop, Duration limit, TimeoutScheduler timeouts) {
    timeout = timeouts.schedule(loop, limit, () -> fail("no reply within " + limit.toMillis() + " ms"));
    Bootstrap b = new Bootstrap().group(loop);
    if (udp) {
      b.channel(transports.datagram())
          .option(ChannelOption.RECVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(Wire.MAX_MESSAGE))
          .handler(new UdpReplies());
    } else {
      b.channel(transports.socket())
          .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, Math.max(1, limit.toMillis())))
          .option(ChannelOption.TCP_NODELAY, true)
          .handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
              ch.pipeline().addLast(new LengthFieldBasedFrameDecoder(Wire.MAX_MESSAGE + 2, 0, 2, 0, 2),
                  new LengthFieldPrepender(2), new TcpReplies());
            }
          });
    }
    ChannelFuture connected = b.connect(server);
    channel = connected.channel();
    connected.addListener(f -> {
      if (!f.isSuccess()) {
        fail("cannot reach: " + describe(f.cause()));
      } else if (!done) {
        channel.writeAndFlush(query.retainedDuplicate()).addListener(w -> {
          if (!w.isSuccess()) {
            fail("cannot send: " + describe(w.cause()));
          }
        });
      }
    });
  }

  private void onMessage(ByteBuf m) {
    if (done) {
      return;
    }
    MessageScanner.ReplyLayout layout = MessageScanner.scanReply(m);
    if (layout == null) {
      fail("malformed reply");
    } else if (matches(m, layout)) {
      finish();
      callback.reply(server, m.retain(), layout);
    } else if (!udp) {
      fail("reply does not match the query");
    }
    // A stray UDP datagram that does not match is ignored; the real reply may still come.
  }

  private boolean matches(ByteBuf m, MessageScanner.ReplyLayout layout) {
    if (layout.id() != query.getUnsignedShort(query.readerIndex())) {
      return false;
    }
    if (layout.questions() == 0) {
      return layout.rcode() != Wire.NOERROR; // some servers leave the question out of an error reply
    }
    if (layout.questionEnd() != questionEnd) {
      return false;
    }
    int a = m.readerIndex();
    int b = query.readerIndex();
    for (int i = Wire.HEADER; i < questionEnd; i++) {
      if (Wire.lower(m.getByte(a + i)) != Wire.lower(query.getByte(b + i))) {
        return false;
      }
    }
    return true;
  }

  private void fail(String reason) {
    if (!done) {
      finish();
      callback.failed(server, reason);
    }
  }

  private void finish() {
    done = true;
    timeout.cancel();
    query.release();
    if (channel != null) {
      channel.close();
    }
  }

  private static String describe(Throwable t) {
    if (t instanceof PortUnreachableException) {
      return "port unreachable";
    }
    return t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
  }

  private final class UdpReplies extends SimpleChannelInboundHandler<DatagramPacket> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
      onMessage(packet.content());
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      fail(describe(cause));
    }
  }

  private final class TcpReplies extends SimpleChannelInboundHandler<ByteBuf> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
      onMessage(frame);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      fail("connection closed before a reply");
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      fail(describe(cause));
    }
  }
}
