package dev.vmesh.dns;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code TcpQueryHandler} serves one TCP connection (after the two-byte length framing): queries are
 * handled as they arrive, so a forwarded one does not hold up table answers behind it and replies may
 * come out of order (RFC 7766). A connection idle for the idle timeout is closed unless a forwarded
 * query is still pending; a query that cannot be answered at all closes the connection.
 */
final class TcpQueryHandler extends SimpleChannelInboundHandler<ByteBuf> implements QueryProcessor.Responder {
  private static final Logger log = LoggerFactory.getLogger(TcpQueryHandler.class);
  private final QueryProcessor processor;
  private final long idleNanos;
  private int pending;
  private long lastActivity;
  private ScheduledFuture<?> idleCheck;
  private ChannelHandlerContext ctx;

  TcpQueryHandler(QueryProcessor processor, Duration idle) {
    this.processor = processor;
    this.idleNanos = idle.toNanos();
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    lastActivity = System.nanoTime();
    scheduleIdleCheck(ctx, idleNanos);
    super.channelActive(ctx);
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
    lastActivity = System.nanoTime();
    switch (processor.handle(frame, DnsMetrics.Protocol.TCP, this)) {
      case FORWARDED -> pending++;
      case DROPPED -> ctx.close();
      case REPLIED -> {
        // written already
      }
    }
  }

  @Override
  public ByteBufAllocator alloc() {
    return ctx.alloc();
  }

  @Override
  public EventLoop eventLoop() {
    return ctx.channel().eventLoop();
  }

  @Override
  public void reply(ByteBuf reply) {
    ctx.writeAndFlush(reply, ctx.voidPromise()); // a failed write reaches exceptionCaught
  }

  @Override
  public void forwardedReply(InetSocketAddress client, ByteBuf reply) {
    pending--;
    lastActivity = System.nanoTime();
    reply(reply);
  }

  private void scheduleIdleCheck(ChannelHandlerContext ctx, long delay) {
    idleCheck = ctx.executor().schedule(() -> {
      long idleFor = System.nanoTime() - lastActivity;
      if (idleFor >= idleNanos && pending == 0) {
        ctx.close();
      } else {
        scheduleIdleCheck(ctx, Math.max(idleNanos - idleFor, idleNanos / 4));
      }
    }, delay, TimeUnit.NANOSECONDS);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    if (idleCheck != null) {
      idleCheck.cancel(false);
    }
    super.channelInactive(ctx);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    log.debug("event=dns_tcp_error peer={} error=\"{}\"", ctx.channel().remoteAddress(), cause.toString());
    ctx.close();
  }
}
