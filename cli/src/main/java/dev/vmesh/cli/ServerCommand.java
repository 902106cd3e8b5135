package dev.vmesh.cli;

import ch.qos.logback.classic.Level;
import dev.vmesh.api.MeshNetworks;
import dev.vmesh.ca.CertificateAuthority;
import dev.vmesh.controlplane.ServerOptions;
import dev.vmesh.controlplane.VmeshServer;
import dev.vmesh.controlplane.autoregistration.AutoRegistrationOptions;
import dev.vmesh.http.HttpLimits;
import dev.vmesh.registry.RegistryOptions;
import dev.vmesh.xds.SidecarOptions;
import dev.vmesh.xds.XdsOptions;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code vmesh server}: runs the control plane until SIGTERM or SIGINT. */
@Command(name = "server", mixinStandardHelpOptions = true,
    description = {"Run the vmesh control plane.",
        "State is kept in an embedded database under --data-dir, in etcd with --store etcd://HOST:PORT, or in"
            + " Kubernetes with --store kubernetes; --config adds a directory of YAML/JSON objects that is watched"
            + " and served read-only.",
        "Every flag can also be set with the environment variable named in its description. An address of"
            + " 'off' disables that listener."})
final class ServerCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--data-dir", defaultValue = "${env:VMESH_DATA_DIR:-./vmesh-data}", paramLabel = "DIR",
      description = "Embedded store, CA, server certificate and admin token; env VMESH_DATA_DIR"
          + " (default: ./vmesh-data).")
  Path dataDir;

  @CommandLine.Mixin
  StoreFlags storeFlags = new StoreFlags();

  @Option(names = "--config", defaultValue = "${env:VMESH_CONFIG_DIR}", paramLabel = "DIR",
      description = "Directory of YAML/JSON config to serve read-only and watch; env VMESH_CONFIG_DIR.")
  Path configDir;

  @Option(names = "--http-address", defaultValue = "${env:VMESH_HTTP_ADDRESS:-127.0.0.1:15014}", paramLabel = "HOST:PORT",
      converter = Inputs.ListenOrOff.class, description = "Readiness, /metrics, /debug pages and the admin API;"
          + " env VMESH_HTTP_ADDRESS (default: 127.0.0.1:15014)."
          + " The admin API always needs the bearer token from <data-dir>/admin-token; debug pages need it too when"
          + " this is not a loopback address.")
  InetSocketAddress httpAddress;

  @Option(names = "--xds-plaintext-address", defaultValue = "${env:VMESH_XDS_PLAINTEXT_ADDRESS:-off}",
      paramLabel = "HOST:PORT", converter = Inputs.ListenOrOff.class,
      description = "Plaintext, unauthenticated xDS for development, e.g. 127.0.0.1:15010;"
          + " env VMESH_XDS_PLAINTEXT_ADDRESS (default: off).")
  InetSocketAddress xdsPlaintext;

  @Option(names = "--xds-address", defaultValue = "${env:VMESH_XDS_ADDRESS:-0.0.0.0:15012}", paramLabel = "HOST:PORT",
      converter = Inputs.ListenOrOff.class, description = "xDS and the CA over TLS; callers prove themselves with a certificate from the mesh CA or a"
          + " bootstrap token; env VMESH_XDS_ADDRESS (default: 0.0.0.0:15012).")
  InetSocketAddress xdsTls;

  @Option(names = "--ca-dir", defaultValue = "${env:VMESH_CA_DIR}", paramLabel = "DIR",
      description = "A CA to use, with Istio's file names (ca-cert.pem, ca-key.pem, cert-chain.pem, root-cert.pem);"
          + " env VMESH_CA_DIR (default: <data-dir>/ca, where a root is created at first start).")
  Path caDir;

  @Option(names = "--ca-key-type", defaultValue = "${env:VMESH_CA_KEY_TYPE:-EC_P256}", paramLabel = "TYPE",
      description = "Key of a root vmesh creates: EC_P256, RSA_2048 or RSA_4096; env VMESH_CA_KEY_TYPE"
          + " (default: EC_P256).")
  CertificateAuthority.KeyType caKeyType;

  @Option(names = "--server-name", split = ",", paramLabel = "NAME",
      defaultValue = "${env:VMESH_SERVER_NAMES:-vmesh-server,istiod.istio-system.svc,istiod,localhost,127.0.0.1}",
      description = "DNS names and IPs in the server's TLS certificate, comma-separated; env VMESH_SERVER_NAMES"
          + " (default: vmesh-server, istiod.istio-system.svc, istiod, localhost, 127.0.0.1).")
  List<String> serverNames;

  @Option(names = "--trust-domain", defaultValue = "${env:VMESH_TRUST_DOMAIN:-cluster.local}", paramLabel = "DOMAIN",
      description = "SPIFFE trust domain; env VMESH_TRUST_DOMAIN (default: cluster.local).")
  String trustDomain;

  @Option(names = "--root-namespace", defaultValue = "${env:VMESH_ROOT_NAMESPACE:-istio-system}", paramLabel = "NS",
      converter = Inputs.Namespace.class, description = "The namespace whose PeerAuthentication without a selector"
          + " applies to the whole mesh (Istio's MeshConfig rootNamespace); env VMESH_ROOT_NAMESPACE"
          + " (default: istio-system).")
  String rootNamespace;

  @Option(names = "--auto-allocate", negatable = true, defaultValue = "${env:VMESH_AUTO_ALLOCATE:-true}",
      fallbackValue = "true", description = "Give hosts without addresses virtual IPs from 240.240.0.0/16 and"
          + " 2001:2::/48; env VMESH_AUTO_ALLOCATE=true|false (default: on).")
  boolean autoAllocate;

  @Option(names = "--debounce", defaultValue = "${env:VMESH_DEBOUNCE:-10ms}", paramLabel = "DURATION",
      converter = Inputs.AnyDuration.class,
      description = "A change this long after the last one is pushed at once; one that comes sooner waits "
          + "until this long passes without further changes; env VMESH_DEBOUNCE (default: 10ms).")
  Duration debounce;

  @Option(names = "--debounce-max", defaultValue = "${env:VMESH_DEBOUNCE_MAX:-100ms}", paramLabel = "DURATION",
      converter = Inputs.AnyDuration.class, description = "Push at most this long after the first of a burst of"
          + " changes; env VMESH_DEBOUNCE_MAX (default: 100ms).")
  Duration debounceMax;

  @Option(names = "--outbound-traffic-policy", defaultValue = "${env:VMESH_OUTBOUND_TRAFFIC_POLICY:-ALLOW_ANY}",
      paramLabel = "MODE",
      description = "Where Envoy sidecars send connections to destinations the mesh does not know (Istio's "
          + "outboundTrafficPolicy): ALLOW_ANY passes them through, REGISTRY_ONLY refuses them (TCP closed, HTTP 502);"
          + " env VMESH_OUTBOUND_TRAFFIC_POLICY (default: ALLOW_ANY).")
  SidecarOptions.OutboundTrafficPolicy outboundTrafficPolicy;

  @Option(names = "--mesh-networks", defaultValue = "${env:VMESH_MESH_NETWORKS}", paramLabel = "FILE",
      converter = MeshNetworksFile.class, description = "Istio's meshNetworks file (networks: {NAME: {endpoints:"
          + " [{fromCidr|fromRegistry}], gateways: [{address|registryServiceName, port}]}}), read at start: the"
          + " gateways of each network beyond those that register themselves, and the networks of endpoints"
          + " that name none; env VMESH_MESH_NETWORKS.")
  MeshNetworks meshNetworks;

  @Option(names = "--secrets-key-file", defaultValue = "${env:VMESH_SECRETS_KEY_FILE}", paramLabel = "FILE",
      description = "With a shared store (etcd): the key that seals the CA and token keys stored there, 32 random bytes"
          + " in base64 ('head -c 32 /dev/urandom | base64 > FILE'); every replica needs the same file;"
          + " env VMESH_SECRETS_KEY_FILE.")
  Path secretsKeyFile;

  @Option(names = "--replica-name", defaultValue = "${env:VMESH_REPLICA_NAME}", paramLabel = "NAME",
      description = "This server's name in istio.io/workloadController (default: the host name); env VMESH_REPLICA_NAME.")
  String replicaName;

  @Option(names = "--workload-grace-period", defaultValue = "${env:VMESH_WORKLOAD_GRACE_PERIOD:-10s}",
      paramLabel = "DURATION", converter = Inputs.AnyDuration.class, description = "How long an auto-registered entry outlives its VM's disconnect;"
          + " env VMESH_WORKLOAD_GRACE_PERIOD (default: 10s).")
  Duration gracePeriod;

  @Option(names = "--workload-cleanup-rate", defaultValue = "${env:VMESH_WORKLOAD_CLEANUP_RATE:-20}",
      paramLabel = "N", description = "At most this many disconnected entries are removed per second (Istio's"
          + " value is 20); env VMESH_WORKLOAD_CLEANUP_RATE (default: 20).")
  double cleanupRate;

  @Option(names = "--max-connection-age", defaultValue = "${env:VMESH_MAX_CONNECTION_AGE:-30m}",
      paramLabel = "DURATION", converter = Inputs.AnyDuration.class, description = "Entries marked connected for 1.5 times this without a disconnect are"
          + " treated as leaked (0 = never); env VMESH_MAX_CONNECTION_AGE (default: 30m).")
  Duration maxConnectionAge;

  @Option(names = "--auto-registration", negatable = true, defaultValue = "${env:VMESH_AUTO_REGISTRATION:-true}",
      fallbackValue = "true", description = "Create WorkloadEntries for VMs that name a WorkloadGroup;"
          + " env VMESH_AUTO_REGISTRATION=true|false (default: on).")
  boolean autoRegistration;

  @Option(names = "--health-checks", negatable = true, defaultValue = "${env:VMESH_HEALTH_CHECKS:-true}",
      fallbackValue = "true", description = "Accept health reports from agents; env VMESH_HEALTH_CHECKS=true|false"
          + " (default: on).")
  boolean healthChecks;

  @Option(names = "--validate-workload-identity", negatable = true,
      defaultValue = "${env:VMESH_VALIDATE_WORKLOAD_IDENTITY:-true}", fallbackValue = "true",
      description = "A VM must prove the namespace and service account of the entry it registers;"
          + " env VMESH_VALIDATE_WORKLOAD_IDENTITY=true|false (default: on).")
  boolean validateIdentity;

  @Option(names = "--config-poll-interval", defaultValue = "${env:VMESH_CONFIG_POLL_INTERVAL:-500ms}",
      paramLabel = "DURATION", converter = Inputs.PositiveDuration.class,
      description = "How often --config is rescanned, e.g. 500ms, 2s; env VMESH_CONFIG_POLL_INTERVAL (default: 500ms).")
  Duration pollInterval;

  @Override
  public Integer call() throws Exception {
    Main.setLogLevel(Level.INFO);
    ServerOptions options = options();
    CountDownLatch stopped = new CountDownLatch(1);
    VmeshServer server = VmeshServer.start(options, Clock.systemUTC());
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.close();
      stopped.countDown();
    }, "shutdown"));
    var http = server.httpAddress();
    spec.commandLine().getOut().println("vmesh server: " + (http == null ? "HTTP off" : "HTTP on http://"
        + http.getHostString() + ":" + http.getPort() + " (try /debug)") + "; admin token in "
        + dataDir.resolve("admin-token") + "; stop with Ctrl-C");
    stopped.await();
    return 0;
  }

  /** The server's options from the flags (and their environment variables). */
  ServerOptions options() {
    return new ServerOptions(dataDir, configDir, httpAddress, xdsPlaintext, xdsTls, serverNames, caDir, caKeyType,
        new RegistryOptions(trustDomain, autoAllocate, RegistryOptions.DEFAULTS.ipv4Pool(),
            RegistryOptions.DEFAULTS.ipv6Pool(), rootNamespace, meshNetworks),
        new XdsOptions(debounce, debounceMax, XdsOptions.DEFAULTS.pushThreads(),
            new SidecarOptions(outboundTrafficPolicy, trustDomain)),
        new AutoRegistrationOptions(autoRegistration, healthChecks,
            validateIdentity, gracePeriod, maxConnectionAge,
            replicaName != null && !replicaName.isBlank() ? replicaName : hostName(), trustDomain, cleanupRate()),
        pollInterval, storeFlags.backend(dataDir), secretsKeyFile, storeFlags.tokenReviewer(), HttpLimits.SERVER);
  }

  private double cleanupRate() {
    if (!(cleanupRate > 0) || Double.isInfinite(cleanupRate)) {
      throw new IllegalArgumentException("--workload-cleanup-rate " + cleanupRate + " must be a positive number");
    }
    return cleanupRate;
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "vmesh-" + ProcessHandle.current().pid();
    }
  }
}
