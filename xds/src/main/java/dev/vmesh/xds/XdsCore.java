package dev.vmesh.xds;

import java.time.Clock;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;

/** {@code XdsCore} is what every connection shares: generators, the resource cache, the mesh, hooks, metrics. */
final class XdsCore {
  final Map<String, Generator> generators;
  final ResourceCache cache = new ResourceCache();
  final MeshView mesh;
  final XdsMetrics metrics;
  final XdsCallbacks callbacks;
  final Clock clock;
  /** Shared pool the connections' sequential executors run on. */
  final Executor pool;
  /** Shared pool the connections' callbacks run on; they may block. */
  final Executor hooks;
  final ConcurrentHashMap<String, Connection> connections = new ConcurrentHashMap<>();
  final RefusedStreams refused = new RefusedStreams();
  private final AtomicLong version = new AtomicLong();

  XdsCore(Map<String, Generator> generators, MeshView mesh, XdsMetrics metrics, XdsCallbacks callbacks, Clock clock,
      Executor pool, Executor hooks) {
    this.generators = Map.copyOf(generators);
    this.mesh = mesh;
    this.metrics = metrics;
    this.callbacks = callbacks;
    this.clock = clock;
    this.pool = pool;
    this.hooks = hooks;
  }

  XdsResource resource(String typeUrl, Proxy proxy, String name) {
    return cache.get(generators.get(typeUrl), proxy, name, mesh);
  }

  Set<String> wildcardNames(String typeUrl, Proxy proxy) {
    return generators.get(typeUrl).wildcardNames(proxy, mesh);
  }

  /** The version string SotW responses carry: one counter for the whole server, bumped per push batch. */
  String currentVersion() {
    return Long.toString(version.get());
  }

  void nextVersion() {
    version.incrementAndGet();
  }
}
