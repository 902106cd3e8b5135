package dev.vmesh.xds;

import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code Connection} is one ADS stream. All of its state changes on one sequential executor: requests
 * (taken one at a time: the next is requested only after the last is handled) and pushes alike. It
 * sends only while the transport is ready; otherwise the pending work stays as "dirty" marks (never a
 * queue of messages) until the client drains, so a slow client holds no one else up and costs bounded
 * memory. Subclasses speak state-of-the-world or delta.
 */
abstract class Connection {
  private static final Logger LOG = LoggerFactory.getLogger(Connection.class);
  private static final AtomicLong IDS = new AtomicLong();

  final XdsCore core;
  final ServerCallStreamObserver<?> out;
  final Executor executor;
  final Map<String, TypeState> types = new LinkedHashMap<>();
  final Instant connectedAt;
  private final String nonceSalt = Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffL);
  private long nonces;
  private final long number = IDS.incrementAndGet();
  Proxy proxy;
  String id;
  boolean closed;

  Connection(XdsCore core, ServerCallStreamObserver<?> out) {
    this.core = core;
    this.out = out;
    this.executor = MoreExecutors.newSequentialExecutor(core.pool);
    this.connectedAt = core.clock.instant();
  }

  /** "sotw" or "delta". */
  abstract String protocol();

  /** Sends what is pending for one type; returns false if the transport was not ready. */
  abstract boolean flush(String typeUrl, TypeState ts);

  /** First request: learn who the proxy is, let hooks refuse it, and register. Runs on the executor. */
  final boolean open(io.envoyproxy.envoy.config.core.v3.Node node, String identity) {
    if (proxy != null) {
      return true;
    }
    try {
      proxy = Proxy.fromNode(node, identity);
    } catch (IllegalArgumentException e) {
      fail(Status.INVALID_ARGUMENT.withDescription("first request: " + e.getMessage()), "bad_node");
      return false;
    }
    id = proxy.id() + "-" + number;
    try {
      core.callbacks.onConnect(proxy, id);
    } catch (StatusRuntimeException e) {
      LOG.warn("event=xds_refused proxy={} status={}", proxy.id(), e.getStatus());
      fail(e.getStatus(), "refused");
      proxy = null;
      return false;
    }
    core.connections.put(id, this);
    core.metrics.connected.labelValues(protocol()).inc();
    LOG.info("event=xds_connected id={} protocol={} namespace={} ip={} proxyless={}", id, protocol(),
        proxy.namespace(), proxy.ip(), proxy.proxyless());
    return true;
  }

  /**
   * The common start of every request: open the connection on the first one, and refuse types this
   * server does not serve. Returns false when the stream is (now) closed.
   */
  final boolean admit(io.envoyproxy.envoy.config.core.v3.Node node, String identity, String typeUrl) {
    if (closed) {
      return false;
    }
    if (proxy == null && !open(node, identity)) {
      return false;
    }
    if (typeUrl.equals(TypeUrls.HEALTH_INFO) || core.generators.containsKey(typeUrl)) {
      return true;
    }
    fail(Status.INVALID_ARGUMENT.withDescription(typeUrl.isEmpty() ? "type_url is required on an ADS stream"
        : "unsupported type_url \"" + typeUrl + "\"; this server serves " + core.generators.keySet()), "bad_type");
    return false;
  }

  /** Applies a push on the executor and sends what it makes pending. */
  final void push(PushRequest request) {
    executor.execute(() -> {
      if (closed || proxy == null) {
        return;
      }
      for (Map.Entry<String, TypeState> e : types.entrySet()) {
        mark(e.getKey(), e.getValue(), request);
      }
      flushAll();
    });
  }

  private void mark(String typeUrl, TypeState ts, PushRequest request) {
    boolean any = false;
    if (request.full()) {
      ts.dirtyAll = true;
      any = true;
    } else {
      for (String name : request.changed(typeUrl)) {
        if (ts.interestedIn(name) || ts.sent.containsKey(name)) {
          ts.dirty.add(name);
          any = true;
        }
      }
      if (!proxy.proxyless()) {
        boolean listeners = request.sidecarListeners()
            && (typeUrl.equals(TypeUrls.LISTENER) || typeUrl.equals(TypeUrls.ROUTE));
        boolean inbound = (typeUrl.equals(TypeUrls.CLUSTER) || typeUrl.equals(TypeUrls.LISTENER))
            && proxy.ips().stream().anyMatch(request.touchedIps()::contains);
        if (listeners || inbound) {
          ts.dirtyAll = true;
          any = true;
        }
      }
    }
    if (any) {
      ts.markChanged(request.startNanos());
    }
  }

  /** Called when the transport can take more. */
  final void onReady() {
    executor.execute(this::flushAll);
  }

  final void flushAll() {
    if (closed || proxy == null) {
      return;
    }
    for (String typeUrl : TypeUrls.SERVED) {
      TypeState ts = types.get(typeUrl);
      if (ts != null && ts.hasWork() && !flush(typeUrl, ts)) {
        return; // not ready: the on-ready handler calls back
      }
    }
  }

  /** The names a full answer for this type covers: the subscription, or everything visible for wildcards. */
  final Set<String> desired(String typeUrl, TypeState ts) {
    if (!ts.wildcard) {
      return ts.names;
    }
    Set<String> all = new LinkedHashSet<>(core.wildcardNames(typeUrl, proxy));
    all.addAll(ts.names);
    return all;
  }

  final String nextNonce() {
    return nonceSalt + "-" + (++nonces);
  }

  /** Bookkeeping after a response left. */
  final void sent(String typeUrl, TypeState ts, String nonce, String version, long bytes) {
    ts.nonce = nonce;
    ts.versionSent = version;
    ts.responses++;
    String type = TypeUrls.shortName(typeUrl);
    core.metrics.pushes.labelValues(type).inc();
    core.metrics.pushBytes.labelValues(type).inc(bytes);
    if (ts.pendingSinceNanos != 0) {
      core.metrics.pushTime.labelValues(type).observe((System.nanoTime() - ts.pendingSinceNanos) / 1e9);
    }
  }

  /** Records a NACK (the stream goes on; other types are unaffected). */
  final void nacked(String typeUrl, TypeState ts, String message) {
    ts.lastNack = message;
    ts.lastNackAt = core.clock.instant();
    ts.nacks++;
    core.metrics.nacks.labelValues(TypeUrls.shortName(typeUrl)).inc();
    LOG.warn("event=xds_nack id={} type={} message={}", id, TypeUrls.shortName(typeUrl), message);
    core.callbacks.onNack(proxy, typeUrl, message);
  }

  /** Ends the stream with an error the client sees. */
  final void fail(Status status, String reason) {
    if (closed) {
      return;
    }
    core.metrics.rejected.labelValues(reason).inc();
    LOG.warn("event=xds_stream_error id={} reason={} status={}", id, reason, status);
    try {
      out.onError(status.asRuntimeException());
    } catch (IllegalStateException alreadyClosed) {
      // the call ended meanwhile
    }
    closed();
  }

  /** The stream is over (either side): unregister and tell the hooks. */
  final void closed() {
    if (closed) {
      return;
    }
    closed = true;
    if (proxy != null && core.connections.remove(id, this)) {
      core.metrics.connected.labelValues(protocol()).dec();
      LOG.info("event=xds_disconnected id={}", id);
      core.callbacks.onDisconnect(proxy, id);
    }
  }

  /** Server shutdown: finish the stream cleanly so the client reconnects elsewhere. */
  final void drain() {
    executor.execute(() -> {
      if (!closed) {
        try {
          out.onCompleted();
        } catch (IllegalStateException alreadyClosed) {
          // ended meanwhile
        }
        closed();
      }
    });
  }

  /** A snapshot for {@code /debug/syncz}. */
  final SyncStatus status() {
    Map<String, SyncStatus.TypeStatus> perType = new LinkedHashMap<>();
    types.forEach((t, ts) -> perType.put(TypeUrls.shortName(t), new SyncStatus.TypeStatus(ts.wildcard,
        ts.names.size(), ts.sent.size(), ts.versionSent, ts.versionAcked, ts.nonce, ts.responses, ts.nacks,
        ts.lastNack, ts.lastNackAt)));
    return new SyncStatus(id, protocol(), proxy, connectedAt, perType);
  }
}
