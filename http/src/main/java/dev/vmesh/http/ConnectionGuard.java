package dev.vmesh.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ConnectionGuard} is first in a connection's pipeline: it admits the connection through the
 * port's {@link ConnectionTable} and keeps the one timer the connection's phase allows (headers, body,
 * idle between requests); when it runs out the connection is closed. It sees the raw bytes, so the first
 * byte of a kept-alive connection's next request starts the header timer. All its state belongs to the
 * connection's event loop.
 */
final class ConnectionGuard extends ChannelDuplexHandler {
  private static final Logger LOG = LoggerFactory.getLogger(ConnectionGuard.class);

  /** Where the connection is between two requests and within one. */
  enum Phase { WAITING, HEADERS, BODY, SERVING, CLOSING }

  private final HttpPort.Shared port;
  private ConnectionTable.Entry entry;
  private Phase phase = Phase.HEADERS;
  private ScheduledFuture<?> timer;

  ConnectionGuard(HttpPort.Shared port) {
    this.port = port;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    InetSocketAddress remote = (InetSocketAddress) ctx.channel().remoteAddress();
    ConnectionTable.Entry e = new ConnectionTable.Entry(remote.getAddress(), () -> ctx.executor().execute(() -> {
      closeFor(ctx, "displaced");
    }));
    ConnectionTable.Admission a = port.table().admit(e);
    if (!a.admitted()) {
      port.metrics().refused.labelValues(port.name(), a.refusal()).inc();
      LOG.debug("event=http_connection_refused port={} client={} reason={}", port.name(), remote, a.refusal());
      refuse(ctx, a.refusal(), remote);
      return;
    }
    entry = e;
    port.metrics().connections.labelValues(port.name()).inc();
    if (a.displaced() != null) {
      a.displaced().close.run();
    }
    arm(ctx, port.limits().headerTimeout(), "header_timeout");
    ctx.fireChannelActive();
  }

  /** 503 in one write, then close; the request is never read. */
  private void refuse(ChannelHandlerContext ctx, String reason, InetSocketAddress remote) {
    String message = reason.equals(ConnectionTable.CLIENT_FULL)
        ? "too many connections from " + remote.getAddress().getHostAddress() + " (at most "
            + port.limits().maxConnectionsPerClient() + " per client); reuse connections or close idle ones"
        : "too many connections to this port (at most " + port.limits().maxConnections()
            + ", all busy); try again shortly";
    HttpReply r = port.service().refused(503, reason, message);
    StringBuilder head = new StringBuilder("HTTP/1.1 503 Service Unavailable\r\nContent-Type: ")
        .append(r.contentType()).append("\r\nContent-Length: ").append(r.body().length)
        .append("\r\nRetry-After: 1\r\nConnection: close\r\n\r\n");
    ByteBuf out = Unpooled.wrappedBuffer(head.toString().getBytes(StandardCharsets.ISO_8859_1), r.body());
    ctx.writeAndFlush(out).addListener(ChannelFutureListener.CLOSE);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (phase == Phase.WAITING && msg instanceof ByteBuf b && b.isReadable()) {
      phase = Phase.HEADERS;
      arm(ctx, port.limits().headerTimeout(), "header_timeout");
    }
    ctx.fireChannelRead(msg);
  }

  /** The request line and headers are in: the body has {@link HttpLimits#bodyTimeout()} to follow. */
  void headersDone(ChannelHandlerContext ctx) {
    if (entry == null) {
      return; // closed already
    }
    phase = Phase.BODY;
    entry.displaceable = false;
    arm(ctx, port.limits().bodyTimeout(), "body_timeout");
  }

  /** The whole request is in and being served: no timer runs until the response is written. */
  void requestDone() {
    if (entry == null) {
      return; // closed already
    }
    phase = Phase.SERVING;
    cancel();
  }

  /** The response left; the connection stays open for the next request. */
  void responseDone(ChannelHandlerContext ctx) {
    if (entry == null) {
      return; // closed already
    }
    phase = Phase.WAITING;
    entry.displaceable = true;
    arm(ctx, port.limits().idleTimeout(), "idle_timeout");
  }

  /** After an error answer the connection only drains what the client still sends, for the body timeout. */
  void closing(ChannelHandlerContext ctx) {
    if (entry == null) {
      return; // closed already
    }
    phase = Phase.CLOSING;
    entry.displaceable = true;
    arm(ctx, port.limits().bodyTimeout(), "linger_timeout");
  }

  private void arm(ChannelHandlerContext ctx, Duration after, String reason) {
    cancel();
    timer = ctx.executor().schedule(() -> closeFor(ctx, reason), after.toNanos(), TimeUnit.NANOSECONDS);
  }

  private void closeFor(ChannelHandlerContext ctx, String reason) {
    if (!ctx.channel().isOpen()) {
      return;
    }
    if (!reason.equals("linger_timeout")) {
      port.metrics().closed.labelValues(port.name(), reason).inc();
    }
    LOG.debug("event=http_connection_closed port={} client={} reason={} phase={}", port.name(),
        ctx.channel().remoteAddress(), reason, phase);
    ctx.close();
  }

  /** A response is being written: it has {@link HttpLimits#writeTimeout()} to leave. */
  void writing(ChannelHandlerContext ctx) {
    if (entry == null) {
      return; // closed already
    }
    arm(ctx, port.limits().writeTimeout(), "write_timeout");
  }

  private void cancel() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    cancel();
    if (entry != null) {
      port.table().remove(entry);
      port.metrics().connections.labelValues(port.name()).dec();
      entry = null;
      ctx.fireChannelInactive();
    }
  }
}
