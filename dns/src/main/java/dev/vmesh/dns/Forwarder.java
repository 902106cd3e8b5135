package dev.vmesh.dns;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code Forwarder} sends the queries the table does not answer to the upstream resolvers, over the
 * transport the query came on. Sequential mode (the default) tries the servers one after another, in
 * a fresh random order per query; parallel mode asks all at once. Each server gets its own timeout.
 *
 * <p>A reply is relayed as soon as one is usable; SERVFAIL, REFUSED and NOTIMP from one server count
 * as that server failing, so the next one is asked (Istio relays them at once), and if no server does
 * better the last such reply is relayed. SERVFAIL is made up only when no server replied at all. A
 * reply larger than the client accepts is cut to whole records with TC set. At most
 * {@code maxInflight} queries are forwarded at once; beyond that, queries get SERVFAIL at once.
 *
 * <p>All of one query's state lives on the event loop of the channel it came from, so it needs no
 * locks; only the in-flight count is shared.
 */
final class Forwarder {
  private static final Logger log = LoggerFactory.getLogger(Forwarder.class);

  private final Transports transports;
  private final List<InetSocketAddress> upstreams;
  private final Duration timeout;
  private final boolean parallel;
  private final boolean randomOrder;
  private final int maxInflight;
  private final TimeoutScheduler timeouts;
  private final DnsMetrics metrics;
  private final AtomicInteger inflight = new AtomicInteger();

  Forwarder(Transports transports, List<InetSocketAddress> upstreams, Duration timeout, boolean parallel,
      boolean randomOrder, int maxInflight, TimeoutScheduler timeouts, DnsMetrics metrics) {
    this.transports = transports;
    this.upstreams = List.copyOf(upstreams);
    this.timeout = timeout;
    this.parallel = parallel;
    this.randomOrder = randomOrder;
    this.maxInflight = maxInflight;
    this.timeouts = timeouts;
    this.metrics = metrics;
  }

  List<InetSocketAddress> upstreams() {
    return upstreams;
  }

  int inflight() {
    return inflight.get();
  }

  /**
   * Forwards the query in {@code q}/{@code packet} (not retained: it is copied). The reply to send the
   * client ({@code limit} bytes at most) is handed to {@code send} on {@code loop}, or at once on the
   * calling thread when too many queries are being forwarded already. May be called from any thread.
   */
  void forward(EventLoop loop, ByteBufAllocator alloc, ByteBuf packet, Query q, DnsMetrics.Protocol protocol,
      int limit, int payload, Consumer<ByteBuf> send) {
    if (inflight.incrementAndGet() > maxInflight) {
      inflight.decrementAndGet();
      log.debug("event=dns_overload inflight={}", maxInflight);
      metrics.request(protocol, DnsMetrics.Result.SERVFAIL);
      send.accept(Responses.error(Responses.Buffers.of(alloc), packet, q, Wire.SERVFAIL, true, payload));
      return;
    }
    ByteBuf copy = alloc.buffer(packet.readableBytes()).writeBytes(packet, packet.readerIndex(), packet.readableBytes());
    Pending pending = new Pending(loop, alloc, copy, q.questionEnd, q.edns, protocol, limit, payload, send);
    if (loop.inEventLoop()) {
      pending.start();
      return;
    }
    try {
      loop.execute(pending::start); // a pending query lives on its event loop alone
    } catch (RejectedExecutionException e) {
      copy.release(); // the proxy is shutting down: no reply
      inflight.decrementAndGet();
    }
  }

  /** One client query being forwarded. */
  private final class Pending implements UpstreamExchange.Callback {
    private final EventLoop loop;
    private final ByteBufAllocator alloc;
    private final ByteBuf query;
    private final int questionEnd;
    private final boolean edns;
    private final DnsMetrics.Protocol protocol;
    private final int limit;
    private final int payload;
    private final Consumer<ByteBuf> send;
    private final long started = System.nanoTime();
    private final List<InetSocketAddress> order;
    private int next;
    private int outstanding;
    private boolean done;
    private ByteBuf fallback;
    private MessageScanner.ReplyLayout fallbackLayout;

    Pending(EventLoop loop, ByteBufAllocator alloc, ByteBuf query, int questionEnd, boolean edns,
        DnsMetrics.Protocol protocol, int limit, int payload, Consumer<ByteBuf> send) {
      this.loop = loop;
      this.alloc = alloc;
      this.query = query;
      this.questionEnd = questionEnd;
      this.edns = edns;
      this.protocol = protocol;
      this.limit = limit;
      this.payload = payload;
      this.send = send;
      List<InetSocketAddress> o = new ArrayList<>(upstreams);
      if (randomOrder) {
        Collections.shuffle(o, ThreadLocalRandom.current());
      }
      this.order = o;
    }

    void start() {
      metrics.upstreamRequest(protocol);
      if (order.isEmpty()) {
        giveUp();
      } else if (parallel) {
        while (next < order.size()) {
          launch(order.get(next++));
        }
      } else {
        launch(order.get(next++));
      }
    }

    private void launch(InetSocketAddress server) {
      if (done) {
        return;
      }
      outstanding++;
      ByteBuf copy = query.retainedDuplicate();
      try {
        UpstreamExchange.start(transports, loop, protocol == DnsMetrics.Protocol.UDP, server, copy, questionEnd,
            timeout, timeouts, this);
      } catch (RejectedExecutionException e) {
        copy.release(); // the event loop is shutting down with the proxy
        failed(server, "the proxy is shutting down");
      }
    }

    @Override
    public void reply(InetSocketAddress server, ByteBuf reply, MessageScanner.ReplyLayout layout) {
      outstanding--;
      if (done) {
        reply.release();
        return;
      }
      int rcode = layout.rcode();
      if (rcode == Wire.SERVFAIL || rcode == Wire.REFUSED || rcode == Wire.NOTIMP) {
        log.debug("event=dns_upstream_error server={} rcode={}", server, rcode);
        if (fallback != null) {
          fallback.release();
        }
        fallback = reply;
        fallbackLayout = layout;
        next();
        return;
      }
      finish(reply, layout, DnsMetrics.Result.UPSTREAM);
    }

    @Override
    public void failed(InetSocketAddress server, String reason) {
      outstanding--;
      if (!done) {
        log.debug("event=dns_upstream_failed server={} reason=\"{}\"", server, reason);
        next();
      }
    }

    /** After one server failed: ask the next (sequential), or give up when none is left waiting. */
    private void next() {
      if (!parallel && next < order.size()) {
        launch(order.get(next++));
      } else if (outstanding == 0) {
        if (fallback != null) {
          metrics.upstreamFailure(protocol);
          ByteBuf f = fallback;
          fallback = null;
          finish(f, fallbackLayout, DnsMetrics.Result.UPSTREAM);
        } else {
          giveUp();
        }
      }
    }

    private void giveUp() {
      metrics.upstreamFailure(protocol);
      log.debug("event=dns_upstreams_failed servers={}", order.size());
      complete(Responses.error(Responses.Buffers.of(alloc), query, questionEnd, edns, Wire.SERVFAIL, payload), DnsMetrics.Result.SERVFAIL);
    }

    private void finish(ByteBuf reply, MessageScanner.ReplyLayout layout, DnsMetrics.Result result) {
      if (fallback != null) {
        fallback.release();
        fallback = null;
      }
      complete(Responses.fit(alloc, reply, layout, limit), result);
    }

    private void complete(ByteBuf reply, DnsMetrics.Result result) {
      done = true;
      inflight.decrementAndGet();
      query.release();
      metrics.upstreamDuration(protocol, System.nanoTime() - started);
      metrics.request(protocol, result);
      send.accept(reply);
    }
  }
}
