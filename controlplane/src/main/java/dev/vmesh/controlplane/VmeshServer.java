package dev.vmesh.controlplane;

import dev.vmesh.api.Listeners;
import dev.vmesh.ca.Authenticator;
import dev.vmesh.ca.BootstrapTokens;
import dev.vmesh.ca.Sealer;
import dev.vmesh.ca.CaService;
import dev.vmesh.ca.CertificateAuthority;
import dev.vmesh.ca.KubernetesTokens;
import dev.vmesh.ca.PeerCredentials;
import dev.vmesh.ca.ServerCertificate;
import dev.vmesh.pki.Pem;
import dev.vmesh.registry.Registry;
import dev.vmesh.store.Blobs;
import dev.vmesh.store.ConfigStore;
import dev.vmesh.store.DataDirectory;
import dev.vmesh.store.FileConfigStore;
import dev.vmesh.store.LayeredConfigStore;
import dev.vmesh.store.Leadership;
import dev.vmesh.store.StoreBackend;
import dev.vmesh.api.time.Timer;
import dev.vmesh.controlplane.autoregistration.AutoRegistrationController;
import dev.vmesh.controlplane.http.AdminToken;
import dev.vmesh.controlplane.http.Http;
import dev.vmesh.controlplane.http.ServerRoutes;
import dev.vmesh.http.HttpMetrics;
import dev.vmesh.xds.XdsMetrics;
import dev.vmesh.xds.XdsServer;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code VmeshServer} is the control plane process: its store (the embedded durable store, etcd, or
 * Istio's CRDs in Kubernetes; with the config directory layered under it when given), the registry kept
 * in step with it, xDS on 15010 (plaintext)
 * and 15012 (TLS with a certificate from the mesh CA), and HTTP on 15014 (readiness, metrics, debug
 * pages, admin API).
 */
public final class VmeshServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(VmeshServer.class);

  private final ConfigStore store;
  private final RegistryController registry;
  private final XdsServer xds;
  private final List<Server> grpcServers;
  private final Http http;
  private final String adminToken;
  private final AutoRegistrationController autoRegistration;
  private final Leadership leadership;
  private final java.util.concurrent.ExecutorService timers;
  private final PrometheusRegistry metrics;

  private VmeshServer(ConfigStore store, RegistryController registry, XdsServer xds, List<Server> grpcServers,
      Http http, String adminToken, AutoRegistrationController autoRegistration, Leadership leadership,
      java.util.concurrent.ExecutorService timers, PrometheusRegistry metrics) {
    this.metrics = metrics;
    this.autoRegistration = autoRegistration;
    this.timers = timers;
    this.leadership = leadership;
    this.store = store;
    this.registry = registry;
    this.xds = xds;
    this.grpcServers = grpcServers;
    this.http = http;
    this.adminToken = adminToken;
  }

  /** Opens the stores, loads the registry and starts serving. */
  public static VmeshServer start(ServerOptions o, Clock clock) throws IOException {
    List<AutoCloseable> opened = new ArrayList<>();
    try {
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
      Optional<Blobs> shared = backend.sharedBlobs();
      PrometheusRegistry metrics = new PrometheusRegistry();
      JvmMetrics.builder().register(metrics);
      StoreMetrics.register(metrics, store, files);

      RegistryController[] controller = new RegistryController[1];
      var timerThread = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
          r -> Thread.ofPlatform().daemon().name("autoregistration").unstarted(r));
      opened.add(0, timerThread::shutdownNow);
      AutoRegistrationController autoRegistration = new AutoRegistrationController(store, o.autoRegistration(), clock,
          Timer.of(timerThread), rv -> {
            try {
              controller[0].awaitRevision(rv, java.time.Duration.ofSeconds(5));
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }, new dev.vmesh.controlplane.autoregistration.AutoRegistrationMetrics(metrics));
      opened.add(0, autoRegistration);
      XdsServer xds = new XdsServer(() -> controller[0].registry(), o.xds(), autoRegistration,
          new XdsMetrics(metrics), clock);
      opened.add(0, xds);
      controller[0] = new RegistryController(store, () -> new Registry(o.registry()), xds::onRegistryChange,
          xds::fullPush);
      opened.add(0, controller[0]);
      // Of several replicas sharing a store, only the leader sweeps and records allocated addresses.
      autoRegistration.sweepOnlyWhen(leadership::isLeader);
      controller[0].recordAddressesOnlyWhen(leadership::isLeader);
      controller[0].start();
      autoRegistration.start();
      new LeadershipFollower(leadership, () -> {
        controller[0].recordAddresses();
        autoRegistration.sweep();
      }, metrics).start(timerThread);

      Sealer sealer = shared.isPresent() ? sealer(o) : null;
      CertificateAuthority ca = o.caDir() == null && shared.isPresent()
          ? CertificateAuthority.loadOrCreateShared(shared.get(), sealer, o.registry().trustDomain(), o.caKeyType(),
              clock)
          : CertificateAuthority.loadOrCreate(o.caDir() != null ? o.caDir() : o.dataDir().resolve("ca"),
              o.registry().trustDomain(), o.caKeyType(), clock);
      BootstrapTokens tokens = shared.isPresent() ? BootstrapTokens.openShared(shared.get(), sealer, clock)
          : BootstrapTokens.open(o.dataDir().resolve("tokens"), clock);
      Authenticator authenticator = new Authenticator(o.registry().trustDomain(), tokens,
          o.tokenReviewer() == null ? null : new KubernetesTokens(o.registry().trustDomain(), o.tokenReviewer()));

      List<Server> grpc = new ArrayList<>();
      if (o.xdsPlaintextAddress() != null) {
        LOG.warn("event=plaintext_xds_enabled address={} note=\"development only: no authentication\"",
            o.xdsPlaintextAddress());
        grpc.add(grpcServer("plaintext xDS (15010)", o.xdsPlaintextAddress(), "--xds-plaintext-address",
            NettyServerBuilder.forAddress(o.xdsPlaintextAddress()), xds.service().bindService()));
      }
      if (o.xdsTlsAddress() != null) {
        var names = o.serverNames().stream().filter(n -> !dev.vmesh.api.Addresses.isIp(n)).toList();
        var ips = o.serverNames().stream().filter(dev.vmesh.api.Addresses::isIp).toList();
        ServerCertificate.Files cert = ServerCertificate.ensure(o.dataDir().resolve("server"), ca, names, ips, clock);
        Path bundle = o.dataDir().resolve("server").resolve("trust-bundle.pem");
        Pem.writeAtomically(bundle, Pem.certificates(ca.roots()), "rw-r--r--");
        var creds = TlsServerCredentials.newBuilder().keyManager(cert.certChain().toFile(), cert.key().toFile())
            .trustManager(bundle.toFile()).clientAuth(TlsServerCredentials.ClientAuth.OPTIONAL).build();
        var authedXds = ServerInterceptors.intercept(ServerInterceptors.intercept(xds.service(),
            new XdsAuthInterceptor(authenticator)), PeerCredentials.interceptor());
        var caService = ServerInterceptors.intercept(new CaService(ca, authenticator, new dev.vmesh.ca.CaMetrics(metrics)),
            PeerCredentials.interceptor());
        grpc.add(grpcServer("xDS and the CA over TLS (15012)", o.xdsTlsAddress(), "--xds-address",
            NettyServerBuilder.forAddress(o.xdsTlsAddress(), creds), authedXds, caService));
      }
      grpc.forEach(g -> opened.add(0, g::shutdownNow));
      autoRegistration.servingSince(clock.instant()); // VMs can reconnect from now: their grace starts here

      String token = shared.isPresent() ? AdminToken.loadOrCreateShared(shared.get(), sealer, o.dataDir())
          : AdminToken.loadOrCreate(o.dataDir());
      Http http = null;
      if (o.httpAddress() != null) {
        http = new Http(o.httpAddress(), token, o.httpLimits(), new HttpMetrics(metrics, "vmesh_"));
        boolean local = o.httpAddress().getAddress() != null && o.httpAddress().getAddress().isLoopbackAddress();
        new ServerRoutes(store, files, controller[0]::isSynced, controller[0]::registry, xds, metrics, tokens, ca,
            o.registry().trustDomain(), autoRegistration.registrations()).install(http, !local);
        try {
          http.start();
        } catch (IOException e) {
          throw Listeners.isBindFailure(e) ? Listeners.bindFailed("HTTP (15014: readiness, metrics, debug pages,"
              + " admin API)", o.httpAddress(), "--http-address", "--http-address off", e) : e;
        }
        opened.add(0, http);
      }
      VmeshServer server = new VmeshServer(store, controller[0], xds, grpc, http, token, autoRegistration, leadership,
          timerThread, metrics);
      LOG.info("event=server_started store={} http={} xds={}", store.describe(),
          http == null ? "off" : http.address(),
          grpc.stream().map(g -> g.getListenSockets().toString()).toList());
      return server;
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

  /** The key that seals secrets in the shared store; a missing or bad file stops the start with the fix. */
  private static Sealer sealer(ServerOptions o) throws IOException {
    if (o.secretsKeyFile() == null) {
      throw new IOException("this server shares its store with other replicas, which also share the CA and the "
          + "token keys through it, sealed: give every replica the same --secrets-key-file (create it once with "
          + "'head -c 32 /dev/urandom | base64 > FILE')");
    }
    Sealer sealer = Sealer.fromFile(o.secretsKeyFile());
    LOG.info("event=secrets_key_loaded file={} fingerprint={}", o.secretsKeyFile(), sealer.fingerprint());
    return sealer;
  }

  private static Server grpcServer(String what, InetSocketAddress address, String flag, NettyServerBuilder b,
      io.grpc.ServerServiceDefinition... services) throws IOException {
    for (var s : services) {
      b.addService(s);
    }
    Server server = b
        .permitKeepAliveTime(10, TimeUnit.SECONDS)
        .permitKeepAliveWithoutCalls(true)
        .keepAliveTime(30, TimeUnit.SECONDS)
        .build();
    try {
      return server.start();
    } catch (IOException e) {
      throw Listeners.isBindFailure(e) ? Listeners.bindFailed(what, address, flag, flag + " off", e) : e;
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
    return ((InetSocketAddress) grpcServers.get(n).getListenSockets().get(0)).getPort();
  }

  /** What {@code /metrics} serves. */
  public PrometheusRegistry metrics() {
    return metrics;
  }

  public String adminToken() {
    return adminToken;
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
    grpcServers.forEach(Server::shutdown);
    xds.close();
    for (Server g : grpcServers) {
      try {
        if (!g.awaitTermination(5, TimeUnit.SECONDS)) {
          g.shutdownNow();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        g.shutdownNow();
      }
    }
    autoRegistration.close(); // its watches and timers end before the store does
    timers.shutdownNow(); // the sweep, group-watch retries and the leadership check
    leadership.close(); // another replica can lead at once instead of after the lease runs out
    registry.close();
    store.close();
    LOG.info("event=server_stopped");
  }
}
