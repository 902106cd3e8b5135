package dev.vmesh.xds;

import io.grpc.Status;
import java.time.Clock;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;

/** {@code XdsCore} is what every connection shares: resource types, the resource cache, the mesh, hooks, metrics. */
final class XdsCore {
  final ResourceTypes types;
  final ResourceCache cache = new ResourceCache();
  final MeshView mesh;
  final XdsMetrics metrics;
  final XdsCallbacks callbacks;
  final Clock clock;
  /** Shared pool the connections' sequential executors run on. */
  final Executor pool;
  /** Shared pool the connections' callbacks run on; they may block. */
  final Executor hooks;
  final RefusedStreams refused = new RefusedStreams();
  private final AtomicLong version = new AtomicLong();

  XdsCore(ResourceTypes types, MeshView mesh, XdsMetrics metrics, XdsCallbacks callbacks, Clock clock,
      Executor pool, Executor hooks) {
    this.types = types;
    this.mesh = mesh;
    this.metrics = metrics;
    this.callbacks = callbacks;
    this.clock = clock;
    this.pool = pool;
    this.hooks = hooks;
  }

  /** The resource {@code name} of a subscription, as {@code proxy} should see it; null if it does not exist. */
  XdsResource resource(TypeState ts, Proxy proxy, String name) {
    ResourceType owner = ts.owner(name);
    return owner == null ? null : cache.get(owner, proxy, name, mesh);
  }

  /** The names a wildcard subscription of {@code proxy} covers, over the subscription's types. */
  Set<String> wildcardNames(TypeState ts, Proxy proxy) {
    if (ts.types.size() == 1) {
      return ts.types.get(0).wildcardNames(proxy, mesh);
    }
    Set<String> out = new LinkedHashSet<>();
    for (ResourceType t : ts.types) {
      out.addAll(t.wildcardNames(proxy, mesh));
    }
    return out;
  }

  /** The version string SotW responses carry: one counter for the whole server, bumped per push batch. */
  String currentVersion() {
    return Long.toString(version.get());
  }

  void nextVersion() {
    version.incrementAndGet();
  }

  /**
   * Counts a stream the server refused in {@code vmesh_xds_rejected_streams_total{reason}} and keeps it
   * for {@code /debug/refusedz}, whoever refused it (a connection, or the TLS port before one existed).
   */
  void recordRefusal(String proxy, String identity, String reason, Status status) {
    metrics.rejected.labelValues(reason).inc();
    refused.add(new RefusedStream(clock.instant(), proxy, identity, reason, status.getCode().name(),
        status.getDescription() == null ? "" : status.getDescription()));
  }
}
