package dev.vmesh.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.vmesh.api.Resource;
import dev.vmesh.api.codec.ResourceDecoder;
import dev.vmesh.store.etcd.EtcdServer;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KeyValue;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vmesh server --store etcd://...} as a real process on a real etcd: objects created through the
 * admin API, and the config directory's objects with the status the server writes for them, are keys in
 * etcd; a second server started with an empty data directory serves them all, so nothing lived on the
 * server's disk. Without a reachable etcd the server does not start and says which endpoint failed.
 */
class ServerKeepsItsStateInEtcdTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String PREFIX = "/e2e-vmesh/";
  private static final String WES = "/apis/networking.istio.io/v1/namespaces/ns1/workloadentries";

  @RegisterExtension
  static EtcdServer etcd = new EtcdServer();

  @TempDir
  Path tmp;
  private final HttpClient http = HttpClient.newHttpClient();
  private VmeshProcess server;
  private int httpPort;
  private String token;

  @AfterEach
  void stop() throws Exception {
    if (server != null) {
      server.close();
    }
    http.close();
  }

  private VmeshProcess start(String name, Path dataDir, Path configDir) throws Exception {
    httpPort = VmeshProcess.freePort();
    Path key = WebVms.secretsKey(tmp);
    VmeshProcess s = new VmeshProcess(name, tmp, "server", "--store", "etcd://127.0.0.1:" + etcd.clientPort(),
        "--etcd-prefix", PREFIX, "--secrets-key-file", key.toString(), "--data-dir", dataDir.toString(), "--config", configDir.toString(),
        "--http-address", "127.0.0.1:" + httpPort, "--xds-address", "127.0.0.1:" + VmeshProcess.freePort()).start();
    token = null;
    await().atMost(WAIT).ignoreExceptionsInstanceOf(IOException.class).untilAsserted(() ->
        assertThat(request("GET", "/ready", null).statusCode()).as(s.output()).isEqualTo(200));
    token = Files.readString(dataDir.resolve("admin-token")).trim();
    return s;
  }

  private HttpResponse<String> request(String method, String path, String yaml) throws Exception {
    return AdminCalls.request(http, httpPort, token, method, path, yaml);
  }

  private static Optional<KeyValue> etcdKey(String key) throws Exception {
    List<KeyValue> kvs = etcd.client().getKVClient().get(ByteSequence.from(PREFIX + key, StandardCharsets.UTF_8))
        .get(10, TimeUnit.SECONDS).getKvs();
    return kvs.stream().findFirst();
  }

  private static Resource decode(KeyValue kv) {
    return ResourceDecoder.decodeOne("etcd.json", kv.getValue().toString(StandardCharsets.UTF_8));
  }

  @Test
  void adminApiAndConfigObjectsLiveInEtcdAndOutliveTheServer() throws Exception {
    Path config = Files.createDirectories(tmp.resolve("config"));
    Files.writeString(config.resolve("svc.yaml"), """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: svc, namespace: ns1}
        spec:
          hosts: [svc.example.internal]
          ports: [{number: 80, name: http, protocol: HTTP}]
          resolution: STATIC
          workloadSelector: {labels: {app: web}}
        """);
    server = start("server-1", tmp.resolve("data-1"), config);

    var created = request("POST", WES, """
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: vm1, labels: {app: web}}
        spec: {address: 10.0.0.1, labels: {app: web}}
        """);
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    Resource vm1 = ResourceDecoder.decodeOne("created.json", created.body());

    KeyValue stored = etcdKey("workloadentries/ns1/vm1").orElseThrow();
    assertThat(Long.toString(stored.getModRevision())).isEqualTo(vm1.resourceVersion());
    assertThat(decode(stored).metadata().uid()).isEqualTo(vm1.metadata().uid());
    // the file's object is mirrored into etcd, and the virtual IP the server allocates is written to its status there
    await().atMost(WAIT).untilAsserted(() -> {
      Resource svc = decode(etcdKey("serviceentries/ns1/svc").orElseThrow());
      assertThat(svc.metadata().annotations()).containsEntry("vmesh.dev/config-file", "svc.yaml");
      assertThat(svc.status().addresses()).isNotEmpty();
    });
    assertThat(request("GET", "/debug/registryz", null).body()).contains("svc.example.internal", "10.0.0.1");
    String root = request("GET", "/admin/ca/root-cert.pem", null).body();
    String firstToken = token;
    // the CA lives in etcd too, its private key sealed
    assertThat(etcdKey("blobs/ca/shared-root.pem").orElseThrow().getValue().toString(StandardCharsets.UTF_8))
        .startsWith("vmesh-sealed v1.").contains("BEGIN CERTIFICATE").doesNotContain("PRIVATE KEY");
    await().atMost(WAIT).until(() -> etcdKey("leader/server").isPresent()); // the only server leads
    assertThat(server.stop()).isIn(0, 143); // 143: the JVM's exit after SIGTERM and its shutdown hooks
    assertThat(server.output()).contains("event=etcd_store_closed");
    // it gave up the lead on the way out rather than leaving others to wait for its lease to run out
    assertThat(etcdKey("leader/server")).isEmpty();

    // a new server with an empty data directory: everything comes from etcd
    server = start("server-2", tmp.resolve("data-2"), config);
    assertThat(token).isEqualTo(firstToken);
    assertThat(request("GET", "/admin/ca/root-cert.pem", null).body()).isEqualTo(root).contains("BEGIN CERTIFICATE");
    var again = request("GET", WES + "/vm1", null);
    assertThat(again.statusCode()).isEqualTo(200);
    assertThat(ResourceDecoder.decodeOne("again.json", again.body())).isEqualTo(vm1);
    await().atMost(WAIT).untilAsserted(() ->
        assertThat(request("GET", "/debug/registryz", null).body()).contains("svc.example.internal", "10.0.0.1"));

    assertThat(request("DELETE", WES + "/vm1", null).statusCode()).isEqualTo(200);
    assertThat(etcdKey("workloadentries/ns1/vm1")).isEmpty();
  }

  @Test
  void withoutTheSecretsKeyTheServerDoesNotStartAndSaysHowToMakeOne() throws Exception {
    VmeshProcess s = new VmeshProcess("server-no-key", tmp, "server", "--store", "etcd://127.0.0.1:"
        + etcd.clientPort(), "--etcd-prefix", "/e2e-no-key/", "--data-dir", tmp.resolve("data").toString(),
        "--http-address", "127.0.0.1:" + VmeshProcess.freePort(), "--xds-address", "off").start();
    server = s;
    assertThat(s.waitForExit(WAIT)).as(s.output()).isNotZero();
    assertThat(s.output()).contains("--secrets-key-file", "head -c 32 /dev/urandom | base64 > FILE");
  }

  @Test
  void withoutEtcdTheServerDoesNotStartAndSaysWhere() throws Exception {
    String nobody = "127.0.0.1:" + VmeshProcess.freePort();
    VmeshProcess s = new VmeshProcess("server-no-etcd", tmp, "server", "--store", "etcd://" + nobody,
        "--etcd-timeout", "3s", "--data-dir", tmp.resolve("data").toString(),
        "--http-address", "127.0.0.1:" + VmeshProcess.freePort(), "--xds-address", "off").start();
    server = s;
    assertThat(s.waitForExit(WAIT)).as(s.output()).isEqualTo(2);
    assertThat(s.output()).contains("vmesh: etcd at http://" + nobody + " is unavailable while connecting");
  }
}
