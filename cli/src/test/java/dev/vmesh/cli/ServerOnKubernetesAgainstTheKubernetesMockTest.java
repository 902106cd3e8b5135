package dev.vmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.vmesh.agent.identity.CaClient;
import dev.vmesh.agent.identity.GrpcCaClient;
import dev.vmesh.api.Kind;
import dev.vmesh.api.Resource;
import dev.vmesh.api.ResourceKey;
import dev.vmesh.api.codec.ResourceDecoder;
import dev.vmesh.pki.Csrs;
import dev.vmesh.pki.KeyPairs;
import dev.vmesh.controlplane.VmeshServer;
import dev.vmesh.pki.Pem;
import dev.vmesh.store.kube.MockCluster;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code vmesh server --store kubernetes --kubeconfig FILE} against fabric8's Kubernetes mock server:
 * objects written through the admin API are Istio resources in the cluster, objects written with
 * kubectl reach the registry, allocated addresses go to ServiceEntry status, and the CA accepts the
 * service-account tokens the API server's TokenReview accepts.
 */
class ServerOnKubernetesAgainstTheKubernetesMockTest {
  @TempDir
  Path tmp;
  MockCluster cluster;
  VmeshServer server;

  @BeforeEach
  void start() throws Exception {
    cluster = MockCluster.withIstioCrds();
    Path kubeconfig = tmp.resolve("kubeconfig");
    Files.writeString(kubeconfig, cluster.kubeconfig());
    Path config = Files.createDirectories(tmp.resolve("config"));
    Files.writeString(config.resolve("payments.yaml"), """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: payments, namespace: shop}
        spec:
          hosts: [payments.shop.internal]
          ports: [{number: 443, name: https, protocol: HTTPS}]
          location: MESH_INTERNAL
          resolution: DNS
        """);
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    Files.writeString(tmp.resolve("secrets.key"), Base64.getEncoder().encodeToString(key) + "\n");
    server = startReplica("replica-a");
  }

  /** One more server on the cluster: its own data directory and ports, the cluster's state, the same key. */
  VmeshServer startReplica(String name) throws Exception {
    ServerCommand command = new ServerCommand();
    new CommandLine(command).parseArgs("--store", "kubernetes", "--kubeconfig", tmp.resolve("kubeconfig").toString(),
        "--kube-namespace", "vmesh-system", "--secrets-key-file", tmp.resolve("secrets.key").toString(),
        "--replica-name", name, "--config", tmp.resolve("config").toString(), "--data-dir",
        tmp.resolve("data-" + name).toString(), "--http-address", "127.0.0.1:0", "--xds-address", "127.0.0.1:0");
    VmeshServer s = VmeshServer.start(command.options(), Clock.systemUTC());
    assertThat(s.awaitReady(30, TimeUnit.SECONDS)).isTrue();
    return s;
  }

  String leaseHolder() {
    var lease = cluster.client.leases().inNamespace("vmesh-system").withName("vmesh-server").get();
    return lease == null ? null : lease.getSpec().getHolderIdentity();
  }

  static String get(VmeshServer s, String path) throws Exception {
    var request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
        + s.httpAddress().getPort() + path)).header("Authorization", "Bearer " + s.adminToken()).build();
    var response = HttpClient.newHttpClient().send(request,
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(path).isEqualTo(200);
    return response.body();
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
    cluster.close();
  }

  GenericKubernetesResource inCluster(Kind kind, String ns, String name) {
    return cluster.client.genericKubernetesResources("networking.istio.io/v1", kind.kindName()).inNamespace(ns)
        .withName(name).get();
  }

  @Test
  void anObjectCreatedThroughTheAdminApiLandsInTheCluster() {
    AdminClient admin = new AdminClient("http://127.0.0.1:" + server.httpAddress().getPort(), server.adminToken());
    Resource se = ResourceDecoder.decodeOne("se.yaml", """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: orders, namespace: shop}
        spec:
          hosts: [orders.shop.internal]
          ports: [{number: 80, name: http, protocol: HTTP, targetPort: 8080}]
          location: MESH_INTERNAL
          resolution: STATIC
          workloadSelector: {labels: {app: orders}}
        """);
    Resource created = admin.create(se);

    GenericKubernetesResource stored = inCluster(Kind.SERVICE_ENTRY, "shop", "orders");
    assertThat(stored).isNotNull();
    assertThat(stored.getMetadata().getUid()).isEqualTo(created.metadata().uid());
    assertThat(stored.getAdditionalProperties().get("spec")).asString().contains("orders.shop.internal");
    assertThat(server.store().describe()).startsWith("kubernetes:");

    // the registry allocated a virtual IP and recorded it in the ServiceEntry's status, in the cluster
    await().atMost(Duration.ofSeconds(20)).until(() -> String.valueOf(
        inCluster(Kind.SERVICE_ENTRY, "shop", "orders").getAdditionalProperties().get("status")).contains("240.240."));

    // a WorkloadEntry applied with kubectl becomes an endpoint of the service
    GenericKubernetesResource we = new GenericKubernetesResource();
    we.setApiVersion("networking.istio.io/v1");
    we.setKind("WorkloadEntry");
    we.setMetadata(new ObjectMetaBuilder().withNamespace("shop").withName("vm-1")
        .build());
    we.setAdditionalProperty("spec", Map.of("address", "10.1.2.3", "labels", Map.of("app", "orders")));
    cluster.client.genericKubernetesResources("networking.istio.io/v1", "WorkloadEntry").inNamespace("shop")
        .resource(we).create();
    await().atMost(Duration.ofSeconds(20)).until(() -> server.registry().services().stream()
        .anyMatch(s -> s.hostname().equals("orders.shop.internal") && s.endpoints().stream()
            .anyMatch(e -> e.address().equals("10.1.2.3"))));
  }

  @Test
  void configFilesAreLayeredOverTheClusterAsOverTheEmbeddedStore() {
    GenericKubernetesResource fromFile = inCluster(Kind.SERVICE_ENTRY, "shop", "payments");
    assertThat(fromFile).isNotNull();
    assertThat(fromFile.getMetadata().getAnnotations()).containsEntry("vmesh.dev/config-file", "payments.yaml");
    AdminClient admin = new AdminClient("http://127.0.0.1:" + server.httpAddress().getPort(), server.adminToken());
    Resource mirrored = admin.get(new ResourceKey(Kind.SERVICE_ENTRY, "shop", "payments")).orElseThrow();
    assertThatThrownBy(() -> admin.delete(mirrored.key())).hasMessageContaining("payments.yaml");
  }

  @Test
  void theCaIssuesForAServiceAccountTokenTheApiServerAcceptsAndRefusesOneItRejects() throws Exception {
    String reviews = "/apis/authentication.k8s.io/v1/tokenreviews";
    cluster.server.expect().post().withPath(reviews).andReturn(201, new TokenReviewBuilder().withNewStatus()
        .withAuthenticated(true).withAudiences("istio-ca").withNewUser().withUsername("system:serviceaccount:vm-ns:vm-sa")
        .withGroups("system:serviceaccounts", "system:authenticated").endUser().endStatus().build()).once();
    cluster.server.expect().post().withPath(reviews).andReturn(201, new TokenReviewBuilder().withNewStatus()
        .withAuthenticated(false).withError("token has been invalidated").endStatus().build()).once();
    Files.writeString(tmp.resolve("root-cert.pem"), get(server, "/admin/ca/root-cert.pem"));
    GrpcCaClient ca = new GrpcCaClient("127.0.0.1:" + server.xdsPort(0), "istiod.istio-system.svc",
        tmp.resolve("root-cert.pem"));
    String csr = Csrs.create(KeyPairs.ecP256(), "spiffe://cluster.local/ns/vm-ns/sa/vm-sa");

    List<String> chain = ca.createCertificate(csr, Duration.ofHours(1), CaClient.Credentials.token("k8s-jwt"));
    X509Certificate leaf = Pem.parseCertificates(chain.get(0)).get(0);
    assertThat(leaf.getSubjectAlternativeNames()).containsExactly(List.of(6, "spiffe://cluster.local/ns/vm-ns/sa/vm-sa"));

    assertThatThrownBy(() -> ca.createCertificate(csr, Duration.ofHours(1), CaClient.Credentials.token("revoked-jwt")))
        .hasMessageContaining("UNAUTHENTICATED").hasMessageContaining("token has been invalidated");
  }

  @Test
  void aSecondServerSharesTheCaAndTheAdminTokenAndLeadsWhenTheFirstStops() throws Exception {
    await().atMost(Duration.ofSeconds(30)).until(() -> "replica-a".equals(leaseHolder()));
    VmeshServer b = startReplica("replica-b");
    try {
      assertThat(get(b, "/admin/ca/root-cert.pem")).isEqualTo(get(server, "/admin/ca/root-cert.pem"));
      assertThat(b.adminToken()).isEqualTo(server.adminToken());
      assertThat(leaseHolder()).isEqualTo("replica-a");
      // the shared values are Secrets in the servers' namespace; private keys are sealed
      var blobs = cluster.client.secrets().inNamespace("vmesh-system").withLabel("vmesh.dev/blob", "true").list()
          .getItems();
      assertThat(blobs).isNotEmpty();
      for (var secret : blobs) {
        String value = new String(Base64.getDecoder().decode(secret.getData().get("value")),
            StandardCharsets.ISO_8859_1);
        assertThat(value).as(secret.getMetadata().getAnnotations().toString()).doesNotContain("PRIVATE KEY");
      }

      server.close(); // gives the Lease up on the way out
      server = null;
      await().atMost(Duration.ofSeconds(30)).until(() -> "replica-b".equals(leaseHolder()));
    } finally {
      b.close();
    }
  }

  @Test
  void aServerWithoutTheSecretsKeyIsToldHowToMakeOne() {
    ServerCommand command = new ServerCommand();
    new CommandLine(command).parseArgs("--store", "kubernetes", "--kubeconfig", tmp.resolve("kubeconfig").toString(),
        "--data-dir", tmp.resolve("data-keyless").toString(), "--http-address", "127.0.0.1:0", "--xds-address",
        "127.0.0.1:0");
    assertThatThrownBy(() -> VmeshServer.start(command.options(), Clock.systemUTC()))
        .hasMessageContaining("--secrets-key-file").hasMessageContaining("head -c 32 /dev/urandom | base64 > FILE");
  }
}
