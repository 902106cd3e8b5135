package dev.vmesh.agent;

import dev.vmesh.agent.bootstrap.BootstrapFiles;
import dev.vmesh.agent.bootstrap.EnvoyBootstrap;
import dev.vmesh.agent.capture.AgentCapture;
import dev.vmesh.agent.capture.Netfilter;
import dev.vmesh.agent.config.AgentConfig;
import dev.vmesh.agent.envoy.EnvoySupervisor;
import dev.vmesh.agent.health.Health;
import dev.vmesh.agent.health.Prober;
import dev.vmesh.agent.identity.CertManager;
import dev.vmesh.agent.identity.GrpcCaClient;
import dev.vmesh.agent.status.MergedMetrics;
import dev.vmesh.agent.status.StatusServer;
import dev.vmesh.api.Listeners;
import dev.vmesh.agent.xds.AgentStream;
import dev.vmesh.agent.xds.LocalXdsProxy;
import dev.vmesh.agent.xds.Nodes;
import dev.vmesh.agent.xds.SdsService;
import dev.vmesh.agent.xds.Upstream;
import dev.vmesh.api.time.Timer;
import dev.vmesh.dns.DnsProxy;
import dev.vmesh.dns.ResolvConf;
import dev.vmesh.proto.nds.NameTable;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code Agent} is {@code vmesh agent}: it gets the VM its certificate, registers the VM over its own
 * mTLS xDS stream, runs the group's probe and reports transitions, serves local xDS (and SDS) for the
 * VM's Envoy and proxyless gRPC apps, writes their bootstrap files, optionally runs Envoy, and serves
 * status, readiness and metrics. Local xDS and SDS, Envoy's bootstrap and Envoy itself start at once, so
 * Envoy is up while the agent gets its certificate: its streams are held until the agent is connected
 * upstream and its secrets until the certificate is there. Everything that needs the certificate starts
 * once the first one is on disk; until then the agent retries with backoff and says why on
 * {@code /healthz/ready}, which stays false until the certificate, the connection and Envoy are ready.
 */
public final class Agent implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Agent.class);

  /**
   * How to run.
   *
   * @param statusAddress metrics and status (15020), or null
   * @param readinessAddress readiness (15021), or null
   * @param localXdsSocket the local xDS/SDS unix socket, or null
   * @param localXdsLoopback a loopback address for local xDS as well, or null
   * @param envoyBinary Envoy to run and supervise, or null
   * @param envoyDelta Envoy uses delta xDS
   * @param onNameTable receives each name table (the DNS proxy), may be null
   * @param envoyPorts Envoy's admin and Prometheus ports (15000, 15090)
   * @param capture install the capture rules with this tool at start and remove them at stop (needs
   *     CAP_NET_ADMIN): DNS when the DNS proxy runs, traffic when Envoy runs; null when something else
   *     installs them ({@code vmesh agent iptables})
   */
  public record Options(AgentConfig config, InetSocketAddress statusAddress, InetSocketAddress readinessAddress,
      Path localXdsSocket, InetSocketAddress localXdsLoopback, Path envoyBinary, boolean envoyDelta,
      Duration certificateTtl, String version, Consumer<NameTable> onNameTable, DnsOptions dns,
      EnvoyBootstrap.Ports envoyPorts, Netfilter.Backend capture) {
    /** Options with Envoy's default ports and no capture. */
    public Options(AgentConfig config, InetSocketAddress statusAddress, InetSocketAddress readinessAddress,
        Path localXdsSocket, InetSocketAddress localXdsLoopback, Path envoyBinary, boolean envoyDelta,
        Duration certificateTtl, String version, Consumer<NameTable> onNameTable, DnsOptions dns) {
      this(config, statusAddress, readinessAddress, localXdsSocket, localXdsLoopback, envoyBinary, envoyDelta,
          certificateTtl, version, onNameTable, dns, EnvoyBootstrap.Ports.DEFAULTS, null);
    }
  }

  /**
   * The DNS proxy's settings (null options: no DNS proxy).
   *
   * @param listen where to answer (empty: 127.0.0.1:15053, and [::1]:15053 with IPv6 nameservers)
   * @param resolvConf the upstreams and search domains
   */
  public record DnsOptions(List<InetSocketAddress> listen, Path resolvConf, Duration forwardTimeout,
      boolean parallelForwarding) {}

  private final Options options;
  private final AgentConfig config;
  private final Clock clock;
  private final ScheduledExecutorService scheduler;
  private final ExecutorService probes;
  private final Timer timer;
  private final Random random = new Random();
  private final PrometheusRegistry metrics = new PrometheusRegistry();
  private final CertManager certs;
  private final StatusServer status;
  private final List<AutoCloseable> running = new CopyOnWriteArrayList<>();
  private final DnsProxy dns;
  private final AgentParts parts = new AgentParts();
  private final AgentStatus agentStatus;
  private final SdsService sds;
  private final CompletableFuture<Upstream> upstreamReady = new CompletableFuture<>();
  private final CompletableFuture<Void> broughtUp = new CompletableFuture<>();
  private volatile boolean closed;

  private Agent(Options options, Clock clock) throws IOException {
    this.options = options;
    this.config = options.config();
    this.clock = clock;
    this.scheduler = Executors.newScheduledThreadPool(1, daemon("agent-timer"));
    this.probes = Executors.newCachedThreadPool(daemon("agent-probe"));
    this.timer = Timer.of(scheduler);
    var paths = config.paths();
    CertManager.Options co = CertManager.Options.defaults(paths.certDir(), config.identity(), paths.token(),
        paths.rootCert());
    if (options.certificateTtl() != null) {
      co = new CertManager.Options(co.certDir(), co.identity(), co.tokenFile(), co.trustBundle(),
          options.certificateTtl(), co.graceRatio(), co.jitter(), co.minBackoff(), co.maxBackoff());
    }
    String caAddress = config.caAddress();
    this.certs = new CertManager(co, new GrpcCaClient(caAddress, serverName(caAddress), paths.rootCert()), clock,
        timer, random);
    this.sds = new SdsService(certs.certChain(), certs.key(), certs.rootCert());
    for (var n : config.notices()) {
      LOG.info("event=config_notice {}", n);
    }
    LOG.info("event=agent_starting identity={} node={} ips={} discovery={} group={}", config.identity().uri(),
        config.nodeId(), config.instanceIps(), config.discoveryAddresses(), config.autoRegisterGroup());
    certs.onNewCertificate(sds::certificatesChanged);
    certs.firstCertificate().thenRun(sds::certificatesAvailable);
    // the certificate (a key, the request, a TLS connection to the CA) on a thread of its own from here on,
    // while the DNS proxy, the status ports, capture, local xDS and Envoy start; what needs the certificate
    // waits for it in start()
    Thread.ofPlatform().daemon().name("agent-certificate").start(certs::start);
    try {
      AgentMetrics.register(metrics, parts, certs);
      this.dns = options.dns() == null ? null : dnsProxy(options.dns());
      this.agentStatus = new AgentStatus(config, certs, dns, parts);
      this.status = new StatusServer(options.statusAddress(), options.readinessAddress(), metrics,
          agentStatus::notReadyReason, agentStatus::json);
    } catch (IOException | RuntimeException e) {
      certs.close();
      scheduler.shutdownNow();
      probes.shutdownNow();
      throw e;
    }
    this.status.route("/stats/prometheus", new MergedMetrics(metrics,
        options.envoyBinary() == null ? 0 : options.envoyPorts().admin())::page);
  }

  /** Starts the agent; returns at once (the certificate and connection come in the background). */
  public static Agent start(Options options, Clock clock) throws IOException {
    Agent a = new Agent(options, clock); // the certificate is on its way from here
    a.certs.firstCertificate().thenRunAsync(a::bringUp, a.scheduler); // once the agent's fields are all set
    try {
      if (a.dns != null) {
        try {
          a.startDns();
        } catch (IOException e) {
          throw Listeners.isBindFailure(e) ? Listeners.bindFailed("the DNS proxy (15053)", null, "--dns-listen",
              "--dns off", e) : e;
        }
      }
      if (options.capture() != null) {
        a.startCapture();
      }
      a.startLocal();
    } catch (IOException e) {
      a.close();
      throw e;
    }
    return a;
  }

  /**
   * The DNS proxy runs from the start, before any certificate or connection: with the table saved on
   * disk (or, on a first boot, by forwarding everything) the VM resolves names while the server is away.
   */
  private DnsProxy dnsProxy(DnsOptions o) throws IOException {
    var b = DnsProxy.builder().resolvConf(ResolvConf.read(o.resolvConf())).namespace(config.identity().namespace())
        .tableFile(config.paths().nameTableCache()).metrics(metrics).parallelForwarding(o.parallelForwarding());
    if (o.listen() != null && !o.listen().isEmpty()) {
      b.listen(o.listen());
    }
    if (o.forwardTimeout() != null) {
      b.forwardTimeout(o.forwardTimeout());
    }
    return b.build();
  }

  private void startDns() throws IOException {
    dns.start();
    LOG.info("event=dns_proxy_started listen={} upstreams={} table_from_disk={}", dns.listenAddresses(),
        dns.upstreams(), dns.hasTable());
  }

  private void startCapture() throws IOException {
    parts.capture = AgentCapture.install(config, options.capture(), options.envoyBinary() != null,
        dns == null ? null : dns.upstreams(), dns == null ? 0 : dns.listenAddresses().get(0).getPort());
  }

  /**
   * Local xDS and SDS, Envoy's bootstrap and Envoy, before the certificate: Envoy starts (and loads its
   * binary, admin, static clusters) while the agent gets the certificate and connects; its xDS streams
   * wait for the upstream connection and its secrets for the certificate.
   */
  private void startLocal() throws IOException {
    LocalXdsProxy localXds = new LocalXdsProxy(upstreamReady, config.identity().namespace()).withLocalService(sds);
    running.add(localXds);
    localXds.start(options.localXdsSocket(), options.localXdsLoopback());
    parts.localXds = localXds;
    if (options.localXdsSocket() != null) {
      Node node = Nodes.agent(config, options.version());
      BootstrapFiles.write(config.paths().envoyBootstrap(), EnvoyBootstrap.json(node.toBuilder()
          .setMetadata(Nodes.forwarded(node, config.identity().namespace()).getMetadata()).build(),
          options.localXdsSocket(), options.envoyDelta(), options.envoyPorts()));
    }
    if (options.envoyBinary() != null) {
      EnvoySupervisor envoy = new EnvoySupervisor(options.envoyBinary(), config.paths().envoyBootstrap(), List.of(),
          options.envoyPorts().admin(), EnvoySupervisor.DRAIN_DURATION, timer, random);
      parts.envoy = envoy;
      running.add(envoy);
      envoy.start();
    }
  }

  /** What needs the certificate: the upstream connection, the agent's stream, the gRPC bootstrap, the prober. */
  private void bringUp() {
    if (closed) {
      return;
    }
    try {
      var paths = config.paths();
      Upstream upstream = new Upstream(config.discoveryAddresses(), config.serverName(), paths.rootCert(),
          certs.certChain(), certs.key());
      parts.upstream = upstream;
      running.add(upstream);
      certs.onNewCertificate(() -> {
        try {
          upstream.reloadCertificate();
        } catch (IOException e) {
          LOG.warn("event=certificate_reload_failed error=\"{}\"", e.getMessage());
        }
      });
      // Envoy's held streams first: its config is on the first request's path; the agent's own stream
      // (registration, names) shares the same connection and follows at once
      upstreamReady.complete(upstream);
      Node node = Nodes.agent(config, options.version());
      AgentStream stream = new AgentStream(upstream, node, timer, clock, random, this::nameTable);
      parts.stream = stream;
      running.add(stream);
      stream.start();
      if (options.localXdsSocket() != null) {
        BootstrapFiles.write(paths.grpcBootstrap(), BootstrapFiles.grpc(Nodes.grpcApp(config, options.version()),
            options.localXdsSocket(), paths.certDir()));
      }
      if (config.probe() != null) {
        Prober prober = new Prober(config.probe(), config.probeHost(), timer, probes, this::healthChanged);
        parts.prober = prober;
        running.add(prober);
        prober.start();
      }
      parts.startupError = "";
    } catch (Exception e) {
      parts.startupError = e.getMessage() == null ? e.toString() : e.getMessage();
      LOG.error("event=agent_start_failed error=\"{}\"", parts.startupError, e);
    } finally {
      broughtUp.complete(null);
    }
  }

  private void healthChanged(Health h) {
    LOG.info("event=workload_health healthy={} message=\"{}\"", h.healthy(), h.message());
    AgentStream s = parts.stream;
    if (s != null) {
      s.reportHealth(h.healthy(), h.message());
    }
  }

  private void nameTable(NameTable t) {
    parts.nameTable = t;
    if (dns != null) {
      Map<String, dev.vmesh.api.NameTable.NameInfo> hosts = new HashMap<>();
      t.getTableMap().forEach((host, i) -> hosts.put(host, new dev.vmesh.api.NameTable.NameInfo(i.getIpsList(),
          i.getRegistry(), i.getShortname(), i.getNamespace(), i.getAltHostsList())));
      dns.updateTable(new dev.vmesh.api.NameTable(hosts));
    }
    if (options.onNameTable() != null) {
      options.onNameTable().accept(t);
    }
  }

  /** The server name to verify for {@code address}: ISTIOD_SAN, else the address's host. */
  private String serverName(String address) {
    if (!config.serverName().isEmpty()) {
      return config.serverName();
    }
    String host = address.substring(0, address.lastIndexOf(':'));
    return host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
  }

  public PrometheusRegistry metrics() {
    return metrics;
  }

  public StatusServer status() {
    return status;
  }

  public CertManager certificates() {
    return certs;
  }

  /** Where the DNS proxy answers, or null without one. */
  public List<InetSocketAddress> dnsListen() {
    return dns == null ? null : dns.listenAddresses();
  }

  /** The local xDS proxy's loopback port, or -1 (not started, or no loopback). */
  public int localXdsPort() {
    LocalXdsProxy l = parts.localXds;
    return l == null ? -1 : l.port();
  }

  /** Completes when the agent's services are up (after the first certificate: connection, gRPC bootstrap, probe). */
  public CompletableFuture<Void> started() {
    return broughtUp.copy();
  }

  public boolean isReady() {
    return agentStatus.notReadyReason() == null;
  }

  /**
   * The first step of a graceful stop, before {@link #close()}, as Istio's agent takes it on SIGTERM: the
   * readiness port answers "not ready" from here on (load balancers in front stop sending); with a probe,
   * probing stops and the workload reports itself unhealthy, so that the server takes its entry out of
   * endpoints (and a gateway out of its network's gateways) and pushes that to the other proxies; a running
   * Envoy starts draining its inbound listeners (callers are told to go elsewhere, requests in flight finish,
   * the app's outbound calls keep working). Completes after {@code drain}, or at once when none of that
   * happened (no stream and no Envoy) or for a zero drain.
   */
  public CompletableFuture<Void> withdraw(Duration drain) {
    parts.withdrawn = true;
    if (drain.isZero() || drain.isNegative() || closed) {
      return CompletableFuture.completedFuture(null);
    }
    boolean waits = false;
    Prober prober = parts.prober;
    AgentStream stream = parts.stream;
    if (prober != null && stream != null) {
      prober.close(); // no later probe result takes the report back
      stream.reportHealth(false, "shutting down");
      waits = true;
    }
    EnvoySupervisor envoy = parts.envoy;
    if (envoy != null && envoy.drainInbound()) {
      waits = true;
    }
    if (!waits) {
      return CompletableFuture.completedFuture(null);
    }
    LOG.info("event=withdrawn reason=\"shutting down\" drain={}", drain);
    CompletableFuture<Void> drained = new CompletableFuture<>();
    timer.schedule(() -> drained.complete(null), drain);
    return drained;
  }

  /**
   * Stops: Envoy drains, local streams and the agent's stream close (the server marks the VM
   * disconnected and removes it after its grace period), then the status ports.
   */
  @Override
  public void close() {
    closed = true;
    certs.close();
    List<AutoCloseable> stopOrder = new ArrayList<>(running);
    Collections.reverse(stopOrder);
    // Envoy drains first, while its config source is still there; then the local streams close
    for (AutoCloseable first : new AutoCloseable[] {parts.localXds, parts.envoy}) {
      if (first != null && stopOrder.remove(first)) {
        stopOrder.addFirst(first);
      }
    }
    for (AutoCloseable c : stopOrder) {
      try {
        c.close();
      } catch (Exception e) {
        LOG.warn("event=stop_failed component={} error=\"{}\"", c.getClass().getSimpleName(), e.toString());
      }
    }
    Netfilter capture = parts.capture;
    if (capture != null) {
      try {
        capture.remove();
      } catch (IOException e) {
        LOG.warn("event=capture_remove_failed error=\"{}\"", e.getMessage());
      }
    }
    if (dns != null) {
      dns.close();
    }
    status.close();
    scheduler.shutdownNow();
    probes.shutdownNow();
    try {
      scheduler.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    LOG.info("event=agent_stopped");
  }

  private static ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }
}
