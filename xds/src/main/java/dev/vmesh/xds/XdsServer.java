package dev.vmesh.xds;

import dev.vmesh.api.time.Timer;
import dev.vmesh.registry.Registry;
import io.grpc.BindableService;
import io.grpc.Context;
import io.grpc.Status;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code XdsServer} serves xDS from the registry: it takes registry changes, debounces them, works out
 * which resources changed, drops them from the cache, and tells every connection; each connection then
 * sends what its proxy subscribes to. Bind {@link #service()} to a gRPC server.
 */
public final class XdsServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(XdsServer.class);
  /**
   * Where an interceptor puts the identity the transport proved (a SPIFFE URI) before the ADS call
   * starts; the connection's {@link Proxy#identity()} comes from it.
   */
  public static final Context.Key<String> PEER_IDENTITY = AdsService.IDENTITY;
  /**
   * Threads for {@link XdsCallbacks}. They mostly wait (auto-registration waits for a durable store
   * write and for the registry), so there are more of them than cores: 32 lets registrations of
   * different VMs overlap and share the store's group commits, and a burst beyond that queues.
   */
  static final int HOOK_THREADS = 32;

  private final XdsCore core;
  private final Connections connections = new Connections();
  private final AdsService ads;
  private final ExecutorService pool;
  private final ExecutorService hookPool;
  private final ScheduledExecutorService pushThread;
  private final PushQueue queue;

  public XdsServer(Supplier<Registry> registry, XdsOptions options, XdsCallbacks callbacks, XdsMetrics metrics,
      Clock clock) {
    this(ResourceTypes.ALL, registry, options, callbacks, metrics, clock);
  }

  /** As above, serving {@code types}. */
  XdsServer(ResourceTypes types, Supplier<Registry> registry, XdsOptions options, XdsCallbacks callbacks,
      XdsMetrics metrics, Clock clock) {
    this.pool = Executors.newFixedThreadPool(options.pushThreads(),
        r -> Thread.ofPlatform().daemon().name("xds-push-", 0).unstarted(r));
    this.pushThread = Executors.newSingleThreadScheduledExecutor(
        r -> Thread.ofPlatform().daemon().name("xds-debounce").unstarted(r));
    Executor tolerant = task -> {
      try {
        pool.execute(task);
      } catch (RejectedExecutionException stopping) {
        // the server is closing: stream bookkeeping after close has nothing left to do
      }
    };
    AtomicInteger hookThreads = new AtomicInteger();
    this.hookPool = Executors.newFixedThreadPool(HOOK_THREADS,
        r -> Thread.ofPlatform().daemon().name("xds-hooks-" + hookThreads.getAndIncrement()).unstarted(r));
    Executor hooks = task -> {
      try {
        hookPool.execute(task);
      } catch (RejectedExecutionException stopping) {
        // closing: the hooks' own state is going away too
      }
    };
    this.core = new XdsCore(types, new MeshView(registry, options.sidecar(),
        () -> MtlsPolicies.of(registry.get().peerAuthentications())), metrics, callbacks, clock, tolerant, hooks);
    this.ads = new AdsService(core, connections);
    this.queue = new PushQueue(Timer.of(pushThread), options.debounceQuiet(), options.debounceMax(), this::onBatch,
        System::nanoTime);
  }

  /** The ADS service to add to a gRPC server. */
  public BindableService service() {
    return ads;
  }

  /** Feeds a registry change into the push pipeline. */
  public void onRegistryChange(Registry.Changes changes) {
    if (!changes.isEmpty()) {
      // A PeerAuthentication change is a full push: policies are few and rarely change, and one reshapes
      // listeners (inbound chains), clusters (a namespace's mode) and endpoints (tlsMode) of many proxies.
      // So is a change of the network gateways (every proxy's split horizon, as in Istio) and of Gateways or
      // VirtualServices (the gateways' whole config).
      // A Sidecar change reaches only the proxies whose scope it changes (PushRequest.rescopes).
      queue.add(changes.changes(), changes.nameTable(), !changes.peerAuthentication().isEmpty() || changes.networks()
          || changes.gatewayConfig(), changes.sidecars());
    }
  }

  /**
   * Recomputes everything for every connection. Call it once the registry is loaded, and whenever it is
   * replaced wholesale (its changes then say nothing about what proxies have).
   */
  public void fullPush() {
    queue.add(Map.of(), true, true);
  }

  private void onBatch(PushQueue.Batch batch) {
    try {
      PushRequest request;
      if (batch.full()) {
        core.cache.clear();
        request = PushRequest.full(batch.firstNanos());
      } else {
        request = ChangeSet.compute(core.types, batch.changes().values(), batch.nameTable(), batch.firstNanos())
            .withSidecars(batch.sidecars());
        core.cache.invalidate(request, core.types.all());
      }
      core.nextVersion();
      for (Connection c : connections.all()) {
        if (c.concerns(request)) {
          c.push(request);
        }
      }
      LOG.debug("event=xds_push services={} full={} connections={}", batch.changes().size(), batch.full(),
          connections.size());
    } catch (RuntimeException e) {
      LOG.error("event=xds_push_failed error={}", e.toString(), e);
    }
  }

  /** The connected proxies, for {@code /debug/syncz}; each read on its connection's executor. */
  public List<SyncStatus> syncStatus() {
    List<CompletableFuture<SyncStatus>> futures = new ArrayList<>();
    for (Connection c : connections.all()) {
      futures.add(CompletableFuture.supplyAsync(c::status, c.executor));
    }
    List<SyncStatus> out = new ArrayList<>();
    for (CompletableFuture<SyncStatus> f : futures) {
      try {
        out.add(f.get(5, TimeUnit.SECONDS));
      } catch (Exception e) {
        LOG.debug("event=syncz_skipped error={}", e.toString());
      }
    }
    out.sort(Comparator.comparing(SyncStatus::connectionId));
    return out;
  }

  /** The last streams the server ended with an error, most recent first, for {@code /debug/refusedz}. */
  public List<RefusedStream> refusedStreams() {
    return core.refused.list();
  }

  /**
   * Records a stream refused before it reached the xDS server (the TLS port's authentication): it is
   * counted in {@code vmesh_xds_rejected_streams_total{reason}} and listed on {@code /debug/refusedz}
   * like the streams the server ends itself. {@code peer} is the client's address, the only thing known
   * of a caller that proved nothing; {@code reason} a short word (a metric label).
   */
  public void refusedBeforeStream(String peer, String reason, Status status) {
    core.recordRefusal("(no node: refused before the first request) from " + peer, "", reason, status);
  }

  /**
   * What the proxy on connection {@code connectionId} holds (see {@link ConfigDump}), read on its
   * connection's executor; empty when no such connection is open.
   */
  public Optional<ConfigDump> configDump(String connectionId) {
    Connection c = connections.get(connectionId);
    if (c == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(CompletableFuture.supplyAsync(c::dump, c.executor).get(5, TimeUnit.SECONDS));
    } catch (Exception e) {
      LOG.debug("event=config_dump_skipped id={} error={}", connectionId, e.toString());
      return Optional.empty();
    }
  }

  public int connectionCount() {
    return connections.size();
  }

  /** Ends every stream cleanly (clients reconnect elsewhere) and stops the push threads. */
  @Override
  public void close() {
    for (Connection c : connections.all()) {
      c.drain();
    }
    pushThread.shutdownNow();
    for (ExecutorService p : List.of(pool, hookPool)) { // the drains above queue disconnect callbacks
      p.shutdown();
      try {
        if (!p.awaitTermination(5, TimeUnit.SECONDS)) {
          p.shutdownNow();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        p.shutdownNow();
      }
    }
  }
}
