package dev.vmesh.xds;

import com.google.common.util.concurrent.MoreExecutors;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code Connection} is one ADS stream. All of its state changes on one sequential executor: requests
 * (taken one at a time: the next is requested only after the last is handled) and pushes alike. It
 * sends only while the transport is ready; otherwise the pending work stays as "dirty" marks (never a
 * queue of messages) until the client drains, so a slow client holds no one else up and costs bounded
 * memory. Subclasses speak state-of-the-world or delta.
 *
 * <p>The {@link XdsCallbacks} of a connection may block (auto-registration writes to the store and
 * waits for the registry), so they run in order on a sequential executor of their own over the hook
 * pool, never on the push threads. The first request is handled only once {@code onConnect} has
 * returned, so the first response already reflects what the hook did; meanwhile the stream takes no
 * further request. A stream that ends while its {@code onConnect} runs still gets its
 * {@code onDisconnect}, after it.
 */
abstract class Connection {
  private static final Logger LOG = LoggerFactory.getLogger(Connection.class);
  private static final AtomicLong IDS = new AtomicLong();

  final XdsCore core;
  /** Where the connection registers itself while open. */
  private final Connections connections;
  final ServerCallStreamObserver<?> out;
  final Executor executor;
  /** Where this connection's callbacks run, one at a time and in order. */
  private final Executor hooks;
  /** Per type URL subscribed to, its state. */
  final Map<String, TypeState> types = new LinkedHashMap<>();
  /** The resource types behind {@link #types}, published for the push loop, which runs off the executor. */
  private volatile List<ResourceType> subscribedTypes = List.of();
  final Instant connectedAt;
  private final String nonceSalt = Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffL);
  private long nonces;
  private final long number = IDS.incrementAndGet();
  Proxy proxy;
  String id;
  /** What the transport proved about the client (a SPIFFE id), empty if nothing; set by the first request. */
  String identity = "";
  /** Set once onConnect accepted the proxy; only then is the connection registered for pushes. */
  boolean opened;
  boolean closed;

  Connection(XdsCore core, Connections connections, ServerCallStreamObserver<?> out) {
    this.core = core;
    this.connections = connections;
    this.out = out;
    this.executor = MoreExecutors.newSequentialExecutor(core.pool);
    this.hooks = MoreExecutors.newSequentialExecutor(core.hooks);
    this.connectedAt = core.clock.instant();
  }

  /** "sotw" or "delta". */
  abstract String protocol();

  /** Sends what is pending for one type; returns false if the transport was not ready. */
  abstract boolean flush(String typeUrl, TypeState ts);

  /**
   * Runs {@code handle} (on the executor) once the connection is open: at once after the first request,
   * else after learning who the proxy is from {@code node} and running {@code onConnect} on the hook
   * executor. A refused or malformed first request fails the stream instead.
   */
  final void whenOpen(Node node, String identity, Runnable handle) {
    if (closed) {
      return;
    }
    if (opened) {
      handle.run();
      return;
    }
    if (proxy != null) {
      return; // not reached: the next request is asked for only once the first is handled
    }
    this.identity = identity;
    // names the stream in logs and refusals, even if the node is refused (a refused id in part)
    id = (node.getId().isEmpty() ? "(no node id)" : Proxy.quoted(node.getId())) + "-" + number;
    Proxy p;
    try {
      p = Proxy.fromNode(node, identity);
    } catch (Proxy.IdentityMismatchException e) {
      id = Proxy.quoted(node.getId()) + "-" + number; // names the stream in the log line fail writes
      fail(Status.PERMISSION_DENIED.withDescription("authorization failed: " + e.getMessage()), "identity");
      return;
    } catch (IllegalArgumentException e) {
      fail(Status.INVALID_ARGUMENT.withDescription("first request: " + e.getMessage()), "bad_node");
      return;
    }
    proxy = p;
    id = p.id() + "-" + number;
    String connectionId = id;
    hooks.execute(() -> {
      Status refused = null;
      try {
        core.callbacks.onConnect(p, connectionId);
      } catch (StatusRuntimeException e) {
        refused = e.getStatus();
      } catch (RuntimeException e) {
        LOG.error("event=xds_connect_hook_failed proxy={} error={}", p.id(), e.toString(), e);
        refused = Status.UNAVAILABLE.withDescription("cannot register this proxy now: " + e.getMessage());
      }
      Status outcome = refused;
      executor.execute(() -> afterConnectHook(p, connectionId, outcome, handle));
    });
  }

  private void afterConnectHook(Proxy p, String connectionId, Status refused, Runnable handle) {
    if (refused != null) {
      LOG.warn("event=xds_refused proxy={} status={}", p.id(), refused);
      proxy = null; // never opened: no disconnect callback
      fail(refused, "refused");
      return;
    }
    if (closed) {
      hooks.execute(() -> core.callbacks.onDisconnect(p, connectionId)); // ended while onConnect ran
      return;
    }
    opened = true;
    connections.add(id, this);
    core.metrics.connected.labelValues(protocol()).inc();
    LOG.info("event=xds_connected id={} protocol={} namespace={} ip={} proxyless={}", id, protocol(),
        p.namespace(), p.ip(), p.proxyless());
    handle.run();
  }

  /** Runs a callback on the hook executor, in order with this connection's other callbacks. */
  final void hook(BiConsumer<XdsCallbacks, Proxy> call) {
    Proxy p = proxy;
    hooks.execute(() -> call.accept(core.callbacks, p));
  }

  /**
   * The common start of every request, once the connection is open: refuse types this server does not
   * serve. Returns false when the stream is (now) closed.
   */
  final boolean admit(String typeUrl) {
    if (closed) {
      return false;
    }
    if (typeUrl.equals(TypeUrls.HEALTH_INFO) || types.containsKey(typeUrl)
        || !core.types.serving(typeUrl, proxy).isEmpty()) {
      return true;
    }
    fail(Status.INVALID_ARGUMENT.withDescription(typeUrl.isEmpty() ? "type_url is required on an ADS stream"
        : "unsupported type_url \"" + Proxy.quoted(typeUrl) + "\"; this server serves " + core.types.urlsFor(proxy)),
        "bad_type");
    return false;
  }

  /** A first request for {@code typeUrl} (admitted): its state, tracked before its first response is sent. */
  final TypeState subscribe(String typeUrl) {
    TypeState ts = new TypeState(core.types.serving(typeUrl, proxy));
    types.put(typeUrl, ts);
    List<ResourceType> all = new ArrayList<>();
    types.values().forEach(t -> all.addAll(t.types));
    subscribedTypes = List.copyOf(all);
    return ts;
  }

  /**
   * Whether {@code request} can mark anything on this connection, judged from the types it subscribes
   * to (never too strict: {@link #mark} decides precisely). The push loop asks this first, so a push
   * queues work only on the connections it concerns: a VM agent's stream that asks only for the name
   * table costs nothing when endpoints change.
   */
  final boolean concerns(PushRequest request) {
    if (request.full()) {
      return true;
    }
    for (ResourceType type : subscribedTypes) {
      if (!request.changed(type).isEmpty() || type.affects(request, proxy)) {
        return true;
      }
    }
    return false;
  }

  /** Applies a push on the executor and sends what it makes pending. */
  final void push(PushRequest request) {
    executor.execute(() -> {
      if (closed || !opened) {
        return;
      }
      for (TypeState ts : types.values()) {
        mark(ts, request);
      }
      flushAll();
    });
  }

  private void mark(TypeState ts, PushRequest request) {
    boolean any = false;
    if (request.full()) {
      ts.dirtyAll = true;
      any = true;
    } else {
      for (ResourceType type : ts.types) {
        any |= markNames(ts, request.changed(type));
        if (type.affects(request, proxy)) {
          ts.dirtyAll = true;
          any = true;
        }
      }
    }
    if (any) {
      ts.markChanged(request.startNanos());
    }
  }

  /** Marks the names of {@code changed} the client subscribes to or has; returns whether any was. */
  private static boolean markNames(TypeState ts, Set<String> changed) {
    boolean any = false;
    if (!ts.wildcard && ts.names.size() + ts.sent.size() < changed.size()) {
      // a narrow subscription (one service's endpoints) against a wide change: look up ours in theirs
      for (Set<String> ours : List.of(ts.names, ts.sent.keySet())) {
        for (String name : ours) {
          if (changed.contains(name)) {
            ts.dirty.add(name);
            any = true;
          }
        }
      }
    } else {
      for (String name : changed) {
        if (ts.interestedIn(name) || ts.sent.containsKey(name)) {
          ts.dirty.add(name);
          any = true;
        }
      }
    }
    return any;
  }

  /** Called when the transport can take more. */
  final void onReady() {
    executor.execute(this::flushAll);
  }

  final void flushAll() {
    if (closed || !opened) {
      return;
    }
    for (String typeUrl : core.types.urls()) { // push order
      TypeState ts = types.get(typeUrl);
      if (ts != null && ts.hasWork() && !flush(typeUrl, ts)) {
        return; // not ready: the on-ready handler calls back
      }
    }
  }

  /** The names a full answer for this type covers: the subscription, or everything visible for wildcards. */
  final Set<String> desired(TypeState ts) {
    if (!ts.wildcard) {
      return ts.names;
    }
    Set<String> all = new LinkedHashSet<>(core.wildcardNames(ts, proxy));
    all.addAll(ts.names);
    return all;
  }

  final String nextNonce() {
    return nonceSalt + "-" + (++nonces);
  }

  /**
   * Responses of at least this many resource bytes go gzip-compressed to clients that accept it (the
   * agent's grpc-java does; Envoy's own gRPC client does not ask): a sidecar's first CDS answer with 1,000
   * services is 1.45 MB and compresses to about 90 KB ({@link FastGzip}), which the agent decrypts and the
   * network carries 15 times faster. Smaller responses (the usual pushes) are not worth the server's CPU.
   */
  static final int COMPRESS_ABOVE_BYTES = 64 * 1024;
  static final String COMPRESSION = "gzip";

  /** Call before sending a response of {@code bytes} resource bytes: whether to compress it. */
  final void compressIf(long bytes) {
    out.setMessageCompression(bytes >= COMPRESS_ABOVE_BYTES);
  }

  /** Bookkeeping after a response left. */
  final void sent(TypeState ts, String nonce, String version, long bytes) {
    ts.nonce = nonce;
    ts.versionSent = version;
    ts.responses++;
    String type = ts.shortName();
    core.metrics.pushes.labelValues(type).inc();
    core.metrics.pushBytes.labelValues(type).inc(bytes);
    if (ts.pendingSinceNanos != 0) {
      core.metrics.pushTime.labelValues(type).observe((System.nanoTime() - ts.pendingSinceNanos) / 1e9);
    }
  }

  /**
   * Records a NACK: the client's {@code error_detail} message (at most {@value #MAX_DETAIL} characters
   * kept) for syncz and the log. The stream goes on; other types are unaffected.
   */
  final void nacked(String typeUrl, TypeState ts, String message) {
    String detail = bounded(message);
    ts.lastNack = detail;
    ts.lastNackAt = core.clock.instant();
    ts.nacks++;
    core.metrics.nacks.labelValues(ts.shortName()).inc();
    LOG.warn("event=xds_nack id={} type={} version_sent={} version_acked={} nonce={} message=\"{}\"", id,
        ts.shortName(), ts.versionSent, ts.versionAcked, ts.nonce, oneLine(detail));
    hook((callbacks, p) -> callbacks.onNack(p, typeUrl, detail));
  }

  /** Most characters of a client's error message kept (gRPC C-core lists every problem it found). */
  static final int MAX_DETAIL = 4096;

  private static String bounded(String s) {
    return s.length() <= MAX_DETAIL ? s : s.substring(0, MAX_DETAIL) + "... (" + (s.length() - MAX_DETAIL)
        + " more characters)";
  }

  /** A message as one log line: line breaks and quotes escaped. */
  static String oneLine(String s) {
    return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n").replace("\r", "\\r");
  }

  /** Ends the stream with an error the client sees, and keeps the reason for {@code /debug/refusedz}. */
  final void fail(Status status, String reason) {
    if (closed) {
      return;
    }
    core.recordRefusal(id == null ? "" : id, identity, reason, status);
    String message = status.getDescription() == null ? "" : status.getDescription();
    LOG.warn("event=xds_stream_error id={} identity={} reason={} status={} message=\"{}\"", id, identity, reason,
        status.getCode(), oneLine(message));
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
    if (opened && connections.remove(id, this)) {
      core.metrics.connected.labelValues(protocol()).dec();
      LOG.info("event=xds_disconnected id={}", id);
      String connectionId = id;
      hook((callbacks, p) -> callbacks.onDisconnect(p, connectionId));
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

  /** What this proxy holds, for {@code /debug/config_dump}; on the connection's executor. */
  final ConfigDump dump() {
    Map<String, List<ConfigDump.Entry>> perType = new LinkedHashMap<>();
    types.forEach((t, ts) -> perType.put(ts.shortName(), new TreeMap<>(ts.sent).entrySet().stream()
        .map(e -> {
          XdsResource now = core.resource(ts, proxy, e.getKey());
          return new ConfigDump.Entry(e.getKey(), e.getValue(), now != null && now.version().equals(e.getValue()),
              now);
        }).toList()));
    return new ConfigDump(id, proxy, perType, core.types.jsonTypes());
  }

  /** A snapshot for {@code /debug/syncz}. */
  final SyncStatus status() {
    Map<String, SyncStatus.TypeStatus> perType = new LinkedHashMap<>();
    for (String typeUrl : core.types.urls()) { // push order, which proxy-status shows
      TypeState ts = types.get(typeUrl);
      if (ts != null) {
        perType.put(ts.shortName(), new SyncStatus.TypeStatus(ts.wildcard, ts.names.size(), ts.sent.size(),
            ts.versionSent, ts.versionAcked, ts.nonce, ts.responses, ts.nacks, ts.lastNack, ts.lastNackAt));
      }
    }
    TypeState eds = types.get(TypeUrls.ENDPOINT);
    Iterable<String> edsNames = eds == null ? List.of() : eds.wildcard ? core.wildcardNames(eds, proxy) : eds.names;
    return new SyncStatus(id, protocol(), proxy, connectedAt, perType, HorizonReport.of(proxy, edsNames, core.mesh));
  }
}
