package dev.vmesh.controlplane;

import dev.vmesh.api.time.Timer;
import dev.vmesh.controlplane.autoregistration.AutoRegistrationController;
import dev.vmesh.controlplane.autoregistration.AutoRegistrationMetrics;
import dev.vmesh.controlplane.http.AdminHttp;
import dev.vmesh.controlplane.http.Http;
import dev.vmesh.controlplane.http.ServerRoutes;
import dev.vmesh.registry.Registry;
import dev.vmesh.store.ConfigStore;
import dev.vmesh.store.DataDirectory;
import dev.vmesh.store.FileConfigStore;
import dev.vmesh.store.LayeredConfigStore;
import dev.vmesh.store.Leadership;
import dev.vmesh.store.StoreBackend;
import dev.vmesh.xds.XdsMetrics;
import dev.vmesh.xds.XdsServer;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code VmeshServer} is the control plane process, built in the order its data flows: the store (the
 * embedded durable store, etcd, or Istio's CRDs in Kubernetes; with the config directory layered under it
 * when given), the registry kept in step with it, auto-registration and xDS reading the registry, the
 * identity (CA, tokens, authenticator), the gRPC ports (xDS on 15010 plaintext, xDS and the CA on 15012
 * over TLS) and the HTTP port (15014: readiness, metrics, debug pages, admin API). It stops in the
 * opposite order.
 */
public final class VmeshServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(VmeshServer.class);

  private final ConfigStore store;
  private final Leadership leadership;
  private final RegistryController registry;
  private final ScheduledExecutorService timers;
  private final AutoRegistrationController autoRegistration;
  private final XdsServer xds;
  private final ServerIdentity identity;
  private final GrpcListeners grpc;
  private final Http http;
  private final PrometheusRegistry metrics;

  private VmeshServer(ConfigStore store, Leadership leadership, RegistryController registry,
      ScheduledExecutorService timers, AutoRegistrationController autoRegistration, XdsServer xds,
      ServerIdentity identity, GrpcListeners grpc, Http http, PrometheusRegistry metrics) {
    this.store = store;
    this.leadership = leadership;
    this.registry = registry;
    this.timers = timers;
    this.autoRegistration = autoRegistration;
    this.xds = xds;
    this.identity = identity;
    this.grpc = grpc;
    this.http = http;
    this.metrics = metrics;
  }

  /** Opens the stores, loads the registry and starts serving. */
  public static VmeshServer start(ServerOptions o, Clock clock) throws IOException {
    List<AutoCloseable> opened = new ArrayList<>(); // closed first to last if the start fails
    try {
      // store
      DataDirectory.prepare(o.dataDir()); // it holds secrets, whatever the store
      StoreBackend backend = o.store().open(clock);
      opened.add(backend);
      ConfigStore store = backend.store();
      FileConfigStore files = null;
      if (o.configDir() != null) {
        files = FileConfigStore.open(o.configDir(), clock, o.configPollInterval());
        LayeredConfigStore layered = new LayeredConfigStore(files, backend.store());
        opened.set(0, layered); // closes the backend's store too
        store = layered;
        awaitMirror(layered);
      }
      Leadership leadership = backend.leadership(o.autoRegistration().controllerName());
      opened.add(0, leadership); // closed before the store: gives up the lead while it still can
      PrometheusRegistry metrics = new PrometheusRegistry();
      JvmMetrics.builder().register(metrics);
      StoreMetrics.register(metrics, store, files);

      // registry, then what reads it: auto-registration and xDS
      RegistryController registry = new RegistryController(store, () -> new Registry(o.registry()));
      opened.add(0, registry);
      ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(
          r -> Thread.ofPlatform().daemon().name("autoregistration").unstarted(r));
      opened.add(0, timers::shutdownNow);
      AutoRegistrationController autoRegistration = new AutoRegistrationController(store, o.autoRegistration(), clock,
          Timer.of(timers), rv -> awaitRevision(registry, rv), new AutoRegistrationMetrics(metrics));
      opened.add(0, autoRegistration);
      XdsServer xds = new XdsServer(registry::registry, o.xds(), autoRegistration, new XdsMetrics(metrics), clock);
      opened.add(0, xds);
      registry.publishTo(xds::onRegistryChange, xds::fullPush);
      // Of several replicas sharing a store, only the leader sweeps and records allocated addresses.
      autoRegistration.sweepOnlyWhen(leadership::isLeader);
      registry.recordAddressesOnlyWhen(leadership::isLeader);
      registry.start();
      autoRegistration.start();
      new LeadershipFollower(leadership, () -> {
        registry.recordAddresses();
        autoRegistration.sweep();
      }, metrics).start(timers);

      // identity, then the ports that use it
      ServerIdentity identity = ServerIdentity.open(o, backend.sharedBlobs(), clock);
      GrpcListeners grpc = GrpcListeners.start(o, xds, identity, metrics, clock);
      opened.add(0, grpc);
      autoRegistration.servingSince(clock.instant()); // VMs can reconnect from now: their grace starts here
      Http http = AdminHttp.start(o.httpAddress(), o.httpLimits(), identity.adminToken(), metrics,
          new ServerRoutes(store, files, registry::isSynced, registry::registry, xds, metrics, identity.tokens(),
              identity.ca(), o.registry().trustDomain(), autoRegistration.registrations()));
      if (http != null) {
        opened.add(0, http);
      }
      LOG.info("event=server_started store={} http={} xds={}", store.describe(),
          http == null ? "off" : http.address(), grpc.describe());
      return new VmeshServer(store, leadership, registry, timers, autoRegistration, xds, identity, grpc, http,
          metrics);
    } catch (IOException | RuntimeException e) {
      for (AutoCloseable c : opened) {
        try {
          c.close();
        } catch (Exception suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      throw e;
    }
  }

  /** Auto-registration waits for its own writes to reach the registry before it answers. */
  private static void awaitRevision(RegistryController registry, String resourceVersion) {
    try {
      registry.awaitRevision(resourceVersion, Duration.ofSeconds(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The registry must start from the config files, not from whatever the durable store had before. */
  private static void awaitMirror(LayeredConfigStore layered) throws IOException {
    try {
      if (!layered.awaitSynced(60)) {
        throw new IOException("config files were not loaded within 60 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while loading config files", e);
    }
  }

  /** The HTTP port's address, or null when it is off. */
  public InetSocketAddress httpAddress() {
    return http == null ? null : http.address();
  }

  /** The port of the n-th xDS listener (0: plaintext if enabled, then TLS). */
  public int xdsPort(int n) {
    return grpc.port(n);
  }

  /** What {@code /metrics} serves. */
  public PrometheusRegistry metrics() {
    return metrics;
  }

  public String adminToken() {
    return identity.adminToken();
  }

  public ConfigStore store() {
    return store;
  }

  public Registry registry() {
    return registry.registry();
  }

  public XdsServer xds() {
    return xds;
  }

  public boolean awaitReady(long timeout, TimeUnit unit) throws InterruptedException {
    return registry.awaitSynced(timeout, unit);
  }

  /** Stops accepting, ends xDS streams cleanly, stops the registry, closes the store. */
  @Override
  public void close() {
    LOG.info("event=server_stopping");
    if (http != null) {
      http.close();
    }
    grpc.shutdown(); // no new calls
    xds.close(); // ends the open streams cleanly
    grpc.close();
    autoRegistration.close(); // its watches and timers end before the store does
    timers.shutdownNow(); // the sweep, group-watch retries and the leadership check
    leadership.close(); // another replica can lead at once instead of after the lease runs out
    registry.close();
    store.close();
    LOG.info("event=server_stopped");
  }
}
