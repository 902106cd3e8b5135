package dev.vmesh.dns;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
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

  /**
   * The listener a query came in on: it sends the replies, the immediate ones from the thread that
   * called {@link #handle} and the forwarded ones later from {@link #eventLoop()}. A reply is the
   * responder's to release. {@link #buffer} gives the buffer an immediate reply is written into (by
   * default one from {@link #alloc()}; a UDP listener lends the send slot of the datagram being handled).
   */
  interface Responder extends Responses.Buffers {
    ByteBufAllocator alloc();

    @Override
    default ByteBuf buffer(int size) {
      return alloc().ioBuffer(size);
    }

    /** Where forwarding this listener's queries runs (the forwarded replies come from it). */
    EventLoop eventLoop();

    /**
     * The client of the query being handled (UDP), or null (TCP); asked only when the query is forwarded,
     * so that a table answer never has to make an address object.
     */
    default InetSocketAddress client() {
      return null;
    }

    /**
     * Sends the reply to the query being handled, at once or (UDP, batched) with the other replies of its
     * batch before the listener reads again.
     */
    void reply(ByteBuf reply);

    /** Sends the reply to a forwarded query, on {@link #eventLoop()}; {@code client} is null for TCP. */
    void forwardedReply(InetSocketAddress client, ByteBuf reply);
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
   * Handles the query in {@code packet} (not retained), which came over {@code protocol}; replies go to
   * {@code responder}.
   */
  Outcome handle(ByteBuf packet, DnsMetrics.Protocol protocol, Responder responder) {
    boolean tcp = protocol == DnsMetrics.Protocol.TCP;
    Query q = Query.scratch();
    switch (MessageScanner.scanQuery(packet, q)) {
      case MessageScanner.DROP -> {
        metrics.request(protocol, DnsMetrics.Result.DROPPED);
        return Outcome.DROPPED;
      }
      case MessageScanner.NOTIMP -> {
        return reject(responder, packet, q, Wire.NOTIMP, false, protocol);
      }
      case MessageScanner.FORMERR -> {
        return reject(responder, packet, q, Wire.FORMERR, false, protocol);
      }
      default -> {
        // a well-formed query
      }
    }
    if (q.edns && q.ednsVersion != 0) {
      return reject(responder, packet, q, Wire.BADVERS, true, protocol);
    }
    int limit = tcp ? Wire.MAX_MESSAGE
        : q.edns ? Math.max(Wire.UDP_DEFAULT, Math.min(q.ednsPayload, maxUdpPayload)) : Wire.UDP_DEFAULT;
    LookupTable t = table.get();
    if (t != null && q.qclass == Wire.CLASS_IN && (q.qtype == Wire.TYPE_A || q.qtype == Wire.TYPE_AAAA)) {
      HostRecords records = t.lookup(q);
      if (records != null) {
        responder.reply(Responses.answer(responder, packet, q, records, limit, maxUdpPayload));
        metrics.request(protocol, DnsMetrics.Result.TABLE);
        return Outcome.REPLIED;
      }
    } else if (t != null && q.qclass == Wire.CLASS_IN && q.qtype == Wire.TYPE_PTR) {
      PointerRecords records = t.lookupPointer(q);
      if (records != null) {
        responder.reply(Responses.pointers(responder, packet, q, records, limit, maxUdpPayload));
        metrics.request(protocol, DnsMetrics.Result.TABLE);
        return Outcome.REPLIED;
      }
    }
    InetSocketAddress client = responder.client();
    forwarder.forward(responder.eventLoop(), responder.alloc(), packet, q, protocol, limit, maxUdpPayload,
        reply -> responder.forwardedReply(client, reply));
    return Outcome.FORWARDED;
  }

  private Outcome reject(Responder responder, ByteBuf packet, Query q, int rcode, boolean withQuestion,
      DnsMetrics.Protocol protocol) {
    responder.reply(Responses.error(responder, packet, q, rcode, withQuestion, maxUdpPayload));
    metrics.request(protocol, DnsMetrics.Result.REJECTED);
    return Outcome.REPLIED;
  }
}
