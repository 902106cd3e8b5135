package dev.vmesh.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.agent.config.ClusterEnv;
import dev.vmesh.agent.identity.CertManager;
import dev.vmesh.agent.identity.GrpcCaClient;
import dev.vmesh.api.codec.MeshConfigCodec;
import dev.vmesh.api.time.Timer;
import dev.vmesh.controlplane.ServerOptions;
import dev.vmesh.controlplane.VmeshServer;
import dev.vmesh.pki.Pem;
import dev.vmesh.pki.SpiffeId;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code vmesh workload group create} and {@code vmesh workload entry configure} against a running server. */
class OnboardingFilesTest {
  @TempDir
  Path tmp;
  VmeshServer server;

  @BeforeEach
  void start() throws Exception {
    server = VmeshServer.start(ServerOptions.local(tmp.resolve("data"), null), Clock.systemUTC());
    assertThat(server.awaitReady(30, TimeUnit.SECONDS)).isTrue();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private Cli cli(String... args) {
    String[] all = Arrays.copyOf(args, args.length + 4);
    all[args.length] = "--server";
    all[args.length + 1] = "http://127.0.0.1:" + server.httpAddress().getPort();
    all[args.length + 2] = "--token";
    all[args.length + 3] = server.adminToken();
    return Cli.run(all);
  }

  @Test
  void filesFromAStoredGroupGetTheVmACertificateForTheGroupsIdentity() throws Exception {
    Cli create = Cli.run("workload", "group", "create", "--name", "python-http", "-n", "vm", "-l", "app=python-http",
        "-p", "http=9090", "-s", "my-vm", "--network", "nw1");
    assertThat(create.exit()).as(create.err()).isZero();
    assertThat(create.out()).contains("kind: WorkloadGroup", "serviceAccount: my-vm", "http: 9090");
    Path wg = tmp.resolve("wg.yaml");
    Files.writeString(wg, create.out());
    assertThat(cli("apply", "-f", wg.toString()).exit()).isZero();

    Path out = tmp.resolve("vm-files");
    Cli configure = cli("workload", "entry", "configure", "--name", "python-http", "-n", "vm", "-o", out.toString(),
        "--autoregister", "--internal-ip", "127.0.0.2");
    assertThat(configure.exit()).as(configure.err()).isZero();
    assertThat(configure.out()).contains("for vm/python-http (service account my-vm)");

    var env = ClusterEnv.parse("cluster.env", Files.readString(out.resolve("cluster.env")));
    assertThat(env).containsEntry("ISTIO_META_AUTO_REGISTER_GROUP", "python-http")
        .containsEntry("POD_NAMESPACE", "vm").containsEntry("SERVICE_ACCOUNT", "my-vm")
        .containsEntry("ISTIO_SVC_IP", "127.0.0.2").containsEntry("ISTIO_META_NETWORK", "nw1")
        .containsEntry("TRUST_DOMAIN", "cluster.local").containsEntry("ISTIO_INBOUND_PORTS", "9090");
    var mesh = MeshConfigCodec.decode("mesh.yaml", Files.readString(out.resolve("mesh.yaml")));
    assertThat(mesh.problems()).isEmpty();
    assertThat(mesh.config().discoveryAddresses()).containsExactly("127.0.0.1:15012");
    assertThat(Files.readString(out.resolve("hosts"))).isEmpty();
    assertThat(Files.readString(out.resolve("root-cert.pem")))
        .isEqualTo(Files.readString(tmp.resolve("data/ca/root-cert.pem")));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(out.resolve("istio-token"))))
        .isEqualTo("rw-------");

    // The token and root certificate are what a VM needs for its first certificate.
    var scheduler = Executors.newSingleThreadScheduledExecutor();
    try (CertManager m = new CertManager(CertManager.Options.defaults(tmp.resolve("certs"),
        new SpiffeId("cluster.local", "vm", "my-vm"), out.resolve("istio-token"), out.resolve("root-cert.pem")),
        new GrpcCaClient("127.0.0.1:" + server.xdsPort(1), "istiod.istio-system.svc", out.resolve("root-cert.pem")),
        Clock.systemUTC(), Timer.of(scheduler), new Random())) {
      m.start();
      m.firstCertificate().get(30, TimeUnit.SECONDS);
      X509Certificate leaf = Pem.parseCertificates(Files.readString(m.certChain())).get(0);
      assertThat(leaf.getSubjectAlternativeNames().stream().map(l -> String.valueOf(l.get(1))).toList())
          .containsExactly("spiffe://cluster.local/ns/vm/sa/my-vm");
    } finally {
      scheduler.shutdownNow();
    }
  }

  @Test
  void aGroupFileWithoutTemplateDefaultsTheServiceAccountAndNamesTheDiscoveryHostInHosts() throws Exception {
    Path wg = tmp.resolve("wg.yaml");
    Files.writeString(wg, """
        apiVersion: networking.istio.io/v1
        kind: WorkloadGroup
        metadata:
          name: bare
          namespace: vm
        spec:
          metadata:
            labels:
              app: bare
        """);
    Path out = tmp.resolve("out");
    Cli configure = cli("workload", "entry", "configure", "-f", wg.toString(), "-o", out.toString(),
        "--no-capture-dns", "--discovery-address", "vmesh.example.com:15012,vmesh-b.example.com:15012",
        "--ingress-ip", "192.0.2.10");
    assertThat(configure.exit()).as(configure.err()).isZero();
    var env = ClusterEnv.parse("cluster.env", Files.readString(out.resolve("cluster.env")));
    assertThat(env).containsEntry("SERVICE_ACCOUNT", "default").doesNotContainKey("ISTIO_META_DNS_CAPTURE")
        .doesNotContainKey("ISTIO_META_AUTO_REGISTER_GROUP");
    assertThat(Files.readString(out.resolve("hosts")))
        .isEqualTo("192.0.2.10 vmesh.example.com vmesh-b.example.com\n");
    assertThat(MeshConfigCodec.decode("mesh.yaml", Files.readString(out.resolve("mesh.yaml"))).config()
        .discoveryAddresses()).containsExactly("vmesh.example.com:15012", "vmesh-b.example.com:15012");
  }

  @Test
  void throughAGatewayTheDiscoveryAddressIsTheServersNameMappedToTheGateway() throws Exception {
    Path wg = tmp.resolve("wg-remote.yaml");
    Files.writeString(wg, """
        apiVersion: networking.istio.io/v1
        kind: WorkloadGroup
        metadata: {name: remote, namespace: vm}
        spec: {template: {serviceAccount: remote, network: net2}}
        """);
    Path out = tmp.resolve("remote");
    Cli configure = cli("workload", "entry", "configure", "-f", wg.toString(), "-o", out.toString(),
        "--ingress-ip", "192.0.2.10");
    assertThat(configure.exit()).as(configure.err()).isZero();
    assertThat(Files.readString(out.resolve("hosts"))).isEqualTo("192.0.2.10 istiod.istio-system.svc\n");
    assertThat(MeshConfigCodec.decode("mesh.yaml", Files.readString(out.resolve("mesh.yaml"))).config()
        .discoveryAddresses()).containsExactly("istiod.istio-system.svc:15012");
    assertThat(ClusterEnv.parse("cluster.env", Files.readString(out.resolve("cluster.env"))))
        .containsEntry("ISTIO_META_NETWORK", "net2");
  }

  @Test
  void aMissingGroupOrABadFileFailsWithTheFixAndWritesNothing() throws Exception {
    Path out = tmp.resolve("none");
    Cli missing = cli("workload", "entry", "configure", "--name", "nope", "-n", "vm", "-o", out.toString());
    assertThat(missing.exit()).isOne();
    assertThat(missing.err()).contains("WorkloadGroup vm/nope not found", "vmesh workload group create");
    Path bad = tmp.resolve("bad.yaml");
    Files.writeString(bad, """
        apiVersion: networking.istio.io/v1
        kind: WorkloadGroup
        metadata: {name: bad, namespace: vm}
        spec:
          template:
            ports: {http: 700000}
        """);
    Cli invalid = cli("workload", "entry", "configure", "-f", bad.toString(), "-o", out.toString());
    assertThat(invalid.exit()).isOne();
    assertThat(invalid.err()).contains(bad + ":6:19: spec.template.ports.http");
    assertThat(out).doesNotExist();
  }
}
