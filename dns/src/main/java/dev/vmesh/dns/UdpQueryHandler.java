package dev.vmesh.dns;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code UdpQueryHandler} is the one handler of a UDP listening socket: each datagram is a query for
 * the {@link QueryProcessor}, each reply a datagram back to its sender. Replies are flushed once per
 * batch of datagrams read (one sendmmsg with epoll), forwarded ones as they come. Errors never close
 * the socket.
 */
final class UdpQueryHandler extends SimpleChannelInboundHandler<DatagramPacket> implements QueryProcessor.Sink {
  private static final Logger log = LoggerFactory.getLogger(UdpQueryHandler.class);
  private final QueryProcessor processor;

  UdpQueryHandler(QueryProcessor processor) {
    this.processor = processor;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
    processor.handle(ctx, packet.content(), packet.sender(), this);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    ctx.flush(); // the replies to everything read in this batch
  }

  @Override
  public void forwardedReply(ChannelHandlerContext ctx, InetSocketAddress sender, ByteBuf reply) {
    QueryProcessor.write(ctx, sender, reply);
    ctx.flush(); // it comes on its own, not in a batch of reads
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    log.debug("event=dns_udp_error listener={} error=\"{}\"", ctx.channel().localAddress(), cause.toString());
  }
}
