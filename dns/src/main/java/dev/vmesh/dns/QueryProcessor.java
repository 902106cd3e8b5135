package dev.vmesh.dns;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;
import java.util.function.Supplier;

/**
 * {@code QueryProcessor} decides what happens to one query, whichever listener it came from: parse it
 * strictly, answer it from the current lookup table, or hand it to the {@link Forwarder}. Malformed
 * queries get FORMERR, other opcodes NOTIMP, EDNS versions above 0 BADVERS; what cannot be answered
 * (shorter than a header, or a response) is dropped. Before the first table arrives everything is
 * forwarded. Shared by every channel; it keeps no state besides per-thread scratch.
 */
final class QueryProcessor {
  /** What became of a query. */
  enum Outcome {
    REPLIED,
    FORWARDED,
    DROPPED
  }

  /** Where a forwarded query's reply goes when it comes. */
  interface Sink {
    void forwardedReply(ChannelHandlerContext ctx, InetSocketAddress sender, ByteBuf reply);
  }

  private final Supplier<LookupTable> table;
  private final Forwarder forwarder;
  private final DnsMetrics metrics;
  private final int maxUdpPayload;

  QueryProcessor(Supplier<LookupTable> table, Forwarder forwarder, DnsMetrics metrics, int maxUdpPayload) {
    this.table = table;
    this.forwarder = forwarder;
    this.metrics = metrics;
    this.maxUdpPayload = maxUdpPayload;
  }

  /**
   * Handles the query in {@code packet} (not retained). {@code sender} is the client's address for UDP
   * and null for TCP; immediate replies are written to {@code ctx}, forwarded ones go to {@code sink}.
   */
  Outcome handle(ChannelHandlerContext ctx, ByteBuf packet, InetSocketAddress sender, Sink sink) {
    DnsMetrics.Protocol protocol = sender == null ? DnsMetrics.Protocol.TCP : DnsMetrics.Protocol.UDP;
    Query q = Query.scratch();
    switch (MessageScanner.scanQuery(packet, q)) {
      case MessageScanner.DROP -> {
        metrics.request(protocol, DnsMetrics.Result.DROPPED);
        return Outcome.DROPPED;
      }
      case MessageScanner.NOTIMP -> {
        return reject(ctx, sender, packet, q, Wire.NOTIMP, false, protocol);
      }
      case MessageScanner.FORMERR -> {
        return reject(ctx, sender, packet, q, Wire.FORMERR, false, protocol);
      }
      default -> {
        // a well-formed query
      }
    }
    if (q.edns && q.ednsVersion != 0) {
      return reject(ctx, sender, packet, q, Wire.BADVERS, true, protocol);
    }
    int limit = sender == null ? Wire.MAX_MESSAGE
        : q.edns ? Math.max(Wire.UDP_DEFAULT, Math.min(q.ednsPayload, maxUdpPayload)) : Wire.UDP_DEFAULT;
    LookupTable t = table.get();
    if (t != null && q.qclass == Wire.CLASS_IN && (q.qtype == Wire.TYPE_A || q.qtype == Wire.TYPE_AAAA)) {
      HostRecords records = t.lookup(q);
      if (records != null) {
        write(ctx, sender, Responses.answer(ctx.alloc(), packet, q, records, limit, maxUdpPayload));
        metrics.request(protocol, DnsMetrics.Result.TABLE);
        return Outcome.REPLIED;
      }
    }
    forwarder.forward(ctx.channel().eventLoop(), ctx.alloc(), packet, q, protocol, limit, maxUdpPayload,
        reply -> sink.forwardedReply(ctx, sender, reply));
    return Outcome.FORWARDED;
  }

  private Outcome reject(ChannelHandlerContext ctx, InetSocketAddress sender, ByteBuf packet, Query q, int rcode,
      boolean withQuestion, DnsMetrics.Protocol protocol) {
    write(ctx, sender, Responses.error(ctx.alloc(), packet, q, rcode, withQuestion, maxUdpPayload));
    metrics.request(protocol, DnsMetrics.Result.REJECTED);
    return Outcome.REPLIED;
  }

  /**
   * Sends a reply; no future is made for it (a failed write reaches the handler's exceptionCaught). A
   * UDP reply is only queued: {@link UdpQueryHandler} flushes once per batch of datagrams read, so the
   * replies to one batch leave in one system call. A TCP reply is flushed at once.
   */
  static void write(ChannelHandlerContext ctx, InetSocketAddress sender, ByteBuf reply) {
    if (sender == null) {
      ctx.writeAndFlush(reply, ctx.voidPromise());
    } else {
      ctx.write(new DatagramPacket(reply, sender), ctx.voidPromise());
    }
  }
}
