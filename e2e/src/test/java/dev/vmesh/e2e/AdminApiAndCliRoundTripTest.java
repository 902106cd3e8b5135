package dev.vmesh.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.api.Kind;
import dev.vmesh.api.ResourceKey;
import dev.vmesh.api.WorkloadEntrySpec;
import dev.vmesh.controlplane.ServerOptions;
import dev.vmesh.controlplane.VmeshServer;
import dev.vmesh.store.ListOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdminApiAndCliRoundTripTest {
  @TempDir
  Path tmp;
  VmeshServer server;
  String base;

  @BeforeEach
  void start() throws Exception {
    server = VmeshServer.start(ServerOptions.local(tmp.resolve("data"), null), Clock.systemUTC());
    assertThat(server.awaitReady(30, TimeUnit.SECONDS)).isTrue();
    base = "http://127.0.0.1:" + server.httpAddress().getPort();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private String[] withServer(String... args) {
    String[] all = new String[args.length + 4];
    System.arraycopy(args, 0, all, 0, args.length);
    all[args.length] = "--server";
    all[args.length + 1] = base;
    all[args.length + 2] = "--token";
    all[args.length + 3] = server.adminToken();
    return all;
  }

  private HttpResponse<String> http(String method, String path, String contentType, String body, boolean token)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (token) {
      b.header("Authorization", "Bearer " + server.adminToken());
    }
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    try (HttpClient c = HttpClient.newHttpClient()) {
      return c.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
  }

  @Test
  void applyGetDeleteThroughTheCli() throws Exception {
    Cli apply = Cli.run(withServer("apply", "-f", "../examples/mesh"));
    assertThat(apply.exit()).as(apply.err()).isZero();
    assertThat(apply.out()).contains("serviceentry.networking.istio.io/ns1/svc1 created",
        "workloadgroup.networking.istio.io/vm/python-http created");
    assertThat(server.store().list(ListOptions.all()).items()).hasSize(5);

    Cli again = Cli.run(withServer("apply", "-f", "../examples/mesh"));
    assertThat(again.out()).contains("workloadentry.networking.istio.io/ns1/vm1 unchanged");

    Path changed = tmp.resolve("vm1.yaml");
    Files.writeString(changed, """
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: vm1, namespace: ns1}
        spec: {address: 1.1.1.9, labels: {app: foo}}
        """);
    assertThat(Cli.run(withServer("apply", "-f", changed.toString())).out())
        .contains("workloadentry.networking.istio.io/ns1/vm1 configured");
    assertThat(server.store().get(new ResourceKey(Kind.WORKLOAD_ENTRY, "ns1", "vm1")).orElseThrow()
        .spec(WorkloadEntrySpec.class).address()).isEqualTo("1.1.1.9");

    Cli get = Cli.run(withServer("get", "se", "-A"));
    assertThat(get.exit()).isZero();
    assertThat(get.out()).contains("NAMESPACE").containsPattern("ns1 +svc1 +svc1.internal.com +MESH_INTERNAL +STATIC");
    Cli yaml = Cli.run(withServer("get", "we", "vm1", "-n", "ns1", "-o", "yaml"));
    assertThat(yaml.out()).contains("address: 1.1.1.9");

    Cli del = Cli.run(withServer("delete", "we", "vm1", "-n", "ns1"));
    assertThat(del.out()).contains("workloadentry.networking.istio.io/ns1/vm1 deleted");
    assertThat(Cli.run(withServer("get", "we", "vm1", "-n", "ns1")).exit()).isEqualTo(1);
    assertThat(Cli.run(withServer("delete", "we", "vm1", "-n", "ns1")).err()).contains("not found");
  }

  @Test
  void invalidInputIsRejectedWithItsProblemsAndNothingChanges() throws Exception {
    Path bad = tmp.resolve("bad.yaml");
    Files.writeString(bad, """
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: good, namespace: ns1}
        spec: {address: 10.0.0.1}
        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: bad, namespace: ns1}
        spec: {hosts: ['*'], ports: [{number: 80, name: http}]}
        """);
    Cli apply = Cli.run(withServer("apply", "-f", bad.toString()));
    assertThat(apply.exit()).isEqualTo(1);
    assertThat(apply.err()).contains("bad.yaml:9:16: spec.hosts[0]: invalid host *").contains("nothing applied");
    assertThat(server.store().list(ListOptions.all()).items()).isEmpty();

    String badJson = """
        {"apiVersion": "networking.istio.io/v1", "kind": "ServiceEntry", "metadata": {"name": "x"},
         "spec": {"hosts": ["a.example.com"], "ports": [{"number": 80, "name": "Bad_Name"}]}}
        """;
    var r = http("POST", "/apis/networking.istio.io/v1/namespaces/ns1/serviceentries", "application/json", badJson, true);
    assertThat(r.statusCode()).isEqualTo(422);
    assertThat(r.body()).contains("\"kind\" : \"Status\"").contains("\"field\" : \"spec.ports[0].name\"")
        .contains("\"line\" : 2");

    var typo = http("POST", "/apis/networking.istio.io/v1/namespaces/ns1/workloadentries", "application/yaml",
        "apiVersion: networking.istio.io/v1\nkind: WorkloadEntry\nmetadata: {name: w}\nspec: {adress: 1.1.1.1}\n", true);
    assertThat(typo.statusCode()).isEqualTo(400);
    assertThat(typo.body()).contains("unknown field \\\"adress\\\"");

    var wrongNs = http("POST", "/apis/networking.istio.io/v1/namespaces/ns1/workloadentries", "application/yaml",
        "apiVersion: networking.istio.io/v1\nkind: WorkloadEntry\nmetadata: {name: w, namespace: other}\n"
            + "spec: {address: 1.1.1.1}\n", true);
    assertThat(wrongNs.statusCode()).isEqualTo(400);
    assertThat(server.store().list(ListOptions.all()).items()).isEmpty();
  }

  @Test
  void conflictsAuthAndPaths() throws Exception {
    String we = "apiVersion: networking.istio.io/v1\nkind: WorkloadEntry\nmetadata: {name: w}\nspec: {address: 1.1.1.1}\n";
    String path = "/apis/networking.istio.io/v1/namespaces/ns1/workloadentries";
    assertThat(http("POST", path, "application/yaml", we, false).statusCode()).isEqualTo(401);
    assertThat(http("GET", path, null, null, false).statusCode()).isEqualTo(401);
    var created = http("POST", path, "application/yaml", we, true);
    assertThat(created.statusCode()).isEqualTo(201);
    assertThat(created.body()).contains("\"namespace\" : \"ns1\"").contains("\"resourceVersion\"");
    assertThat(http("POST", path, "application/yaml", we, true).statusCode()).isEqualTo(409);

    String stale = we.replace("metadata: {name: w}", "metadata: {name: w, resourceVersion: '999'}")
        .replace("1.1.1.1", "2.2.2.2");
    var conflict = http("PUT", path + "/w", "application/yaml", stale, true);
    assertThat(conflict.statusCode()).isEqualTo(409);
    assertThat(conflict.body()).contains("\"reason\" : \"Conflict\"");

    var list = http("GET", "/apis/networking.istio.io/v1/workloadentries?labelSelector=", null, null, true);
    assertThat(list.statusCode()).isEqualTo(200);
    assertThat(list.body()).contains("\"kind\" : \"WorkloadEntryList\"").contains("\"name\" : \"w\"");
    assertThat(http("GET", "/apis/networking.istio.io/v1/namespaces/ns1/destinationrules", null, null, true)
        .statusCode()).isEqualTo(404);
    assertThat(http("PATCH", path + "/w", "application/yaml", we, true).statusCode()).isEqualTo(405);
    var gone = http("DELETE", path + "/w?resourceVersion=1", null, null, true);
    assertThat(gone.statusCode()).isEqualTo(200);
  }

  @Test
  void peerAuthenticationsLiveInTheSecurityGroup() throws Exception {
    Path pa = tmp.resolve("pa.yaml");
    Files.writeString(pa, """
        apiVersion: security.istio.io/v1
        kind: PeerAuthentication
        metadata: {name: default, namespace: istio-system}
        spec: {mtls: {mode: STRICT}}
        ---
        apiVersion: security.istio.io/v1beta1
        kind: PeerAuthentication
        metadata: {name: web, namespace: ns1}
        spec:
          selector: {matchLabels: {app: web}}
          portLevelMtls: {"8080": {mode: DISABLE}}
        """);
    Cli apply = Cli.run(withServer("apply", "-f", pa.toString()));
    assertThat(apply.exit()).as(apply.err()).isZero();
    assertThat(apply.out()).contains("peerauthentication.security.istio.io/istio-system/default created",
        "peerauthentication.security.istio.io/ns1/web created");
    assertThat(Cli.run(withServer("get", "pa", "-A")).out())
        .containsPattern("istio-system +default +STRICT")
        .containsPattern("ns1 +web +UNSET +app=web +8080=DISABLE");

    var one = http("GET", "/apis/security.istio.io/v1/namespaces/ns1/peerauthentications/web", null, null, true);
    assertThat(one.statusCode()).isEqualTo(200);
    assertThat(one.body()).contains("\"apiVersion\" : \"security.istio.io/v1beta1\"", "\"mode\" : \"DISABLE\"");
    var list = http("GET", "/apis/security.istio.io/v1beta1/peerauthentications", null, null, true);
    assertThat(list.body()).contains("\"apiVersion\" : \"security.istio.io/v1beta1\"",
        "\"kind\" : \"PeerAuthenticationList\"", "\"name\" : \"default\"", "\"name\" : \"web\"");
    var wrongGroup = http("GET", "/apis/networking.istio.io/v1/namespaces/ns1/peerauthentications", null, null, true);
    assertThat(wrongGroup.statusCode()).isEqualTo(404);
    assertThat(wrongGroup.body()).contains("peerauthentications are under /apis/security.istio.io/v1");
    assertThat(http("GET", "/apis/security.istio.io/v1alpha3/peerauthentications", null, null, true).body())
        .contains("not served for peerauthentications; use security.istio.io/v1 (or v1beta1)");

    var invalid = http("POST", "/apis/security.istio.io/v1/namespaces/ns1/peerauthentications", "application/yaml", """
        apiVersion: security.istio.io/v1
        kind: PeerAuthentication
        metadata: {name: ns-wide}
        spec: {portLevelMtls: {"80": {mode: STRICT}}}
        """, true);
    assertThat(invalid.statusCode()).isEqualTo(422);
    assertThat(invalid.body()).contains("cannot have portLevelMtls");

    assertThat(Cli.run(withServer("delete", "pa", "web", "-n", "ns1")).out())
        .contains("peerauthentication.security.istio.io/ns1/web deleted");
    assertThat(server.store().list(ListOptions.of(Kind.PEER_AUTHENTICATION)).items())
        .extracting(r -> r.namespace() + "/" + r.name()).containsExactly("istio-system/default");
  }

  @Test
  void sidecarsRoundTripInEveryNetworkingVersionAndUnsupportedFieldsAreRefused() throws Exception {
    Path sc = tmp.resolve("sidecar.yaml");
    Files.writeString(sc, """
        apiVersion: networking.istio.io/v1alpha3
        kind: Sidecar
        metadata: {name: default, namespace: istio-system}
        spec:
          egress: [{hosts: ["./*", "istio-system/*"]}]
        ---
        apiVersion: networking.istio.io/v1beta1
        kind: Sidecar
        metadata: {name: web, namespace: ns1}
        spec:
          workloadSelector: {labels: {app: web}}
          egress: [{hosts: ["ns2/reviews.ns2.svc.cluster.local"]}]
          outboundTrafficPolicy: {mode: REGISTRY_ONLY}
        """);
    Cli apply = Cli.run(withServer("apply", "-f", sc.toString()));
    assertThat(apply.exit()).as(apply.err()).isZero();
    assertThat(apply.out()).contains("sidecar.networking.istio.io/istio-system/default created",
        "sidecar.networking.istio.io/ns1/web created");
    assertThat(Cli.run(withServer("get", "sidecars", "-A")).out())
        .containsPattern("istio-system +default +- +\\*:\\./\\*,istio-system/\\*")
        .containsPattern("ns1 +web +app=web +\\*:ns2/reviews.ns2.svc.cluster.local +REGISTRY_ONLY");
    var one = http("GET", "/apis/networking.istio.io/v1/namespaces/ns1/sidecars/web", null, null, true);
    assertThat(one.statusCode()).isEqualTo(200);
    assertThat(one.body()).contains("\"kind\" : \"Sidecar\"", "\"mode\" : \"REGISTRY_ONLY\"");

    var unsupported = http("POST", "/apis/networking.istio.io/v1/namespaces/ns1/sidecars", "application/yaml", """
        apiVersion: networking.istio.io/v1
        kind: Sidecar
        metadata: {name: ingress}
        spec:
          ingress: [{port: {number: 9080, protocol: HTTP, name: http}, defaultEndpoint: "127.0.0.1:8080"}]
        """, true);
    assertThat(unsupported.statusCode()).isBetween(400, 422);
    assertThat(unsupported.body()).contains("ingress is not supported by vmesh yet");

    assertThat(Cli.run(withServer("delete", "sidecar", "web", "-n", "ns1")).out())
        .contains("sidecar.networking.istio.io/ns1/web deleted");
    assertThat(server.store().list(ListOptions.of(Kind.SIDECAR)).items())
        .extracting(r -> r.namespace() + "/" + r.name()).containsExactly("istio-system/default");
  }

  @Test
  void gatewaysAndVirtualServicesRoundTripAndUnsupportedRoutesAreRefused() throws Exception {
    Path files = tmp.resolve("expose-istiod.yaml");
    Files.writeString(files, """
        apiVersion: networking.istio.io/v1alpha3
        kind: Gateway
        metadata: {name: istiod-gateway, namespace: istio-system}
        spec:
          selector: {istio: eastwestgateway}
          servers:
          - {port: {name: tls-istiod, number: 15012, protocol: tls}, tls: {mode: PASSTHROUGH}, hosts: ["*"]}
        ---
        apiVersion: networking.istio.io/v1alpha3
        kind: VirtualService
        metadata: {name: istiod-vs, namespace: istio-system}
        spec:
          hosts: ["*"]
          gateways: [istiod-gateway]
          tls:
          - match: [{port: 15012, sniHosts: ["*"]}]
            route: [{destination: {host: istiod.istio-system.svc.cluster.local, port: {number: 15012}}}]
        """);
    Cli apply = Cli.run(withServer("apply", "-f", files.toString()));
    assertThat(apply.exit()).as(apply.err()).isZero();
    assertThat(apply.out()).contains("gateway.networking.istio.io/istio-system/istiod-gateway created",
        "virtualservice.networking.istio.io/istio-system/istiod-vs created");
    assertThat(Cli.run(withServer("get", "gw", "-A")).out())
        .containsPattern("istio-system +istiod-gateway +istio=eastwestgateway +15012/TLS/PASSTHROUGH:\\*");
    assertThat(Cli.run(withServer("get", "vs", "-n", "istio-system")).out())
        .containsPattern("istiod-vs +istiod-gateway +\\* +tls:15012:\\*->istiod.istio-system.svc.cluster.local:15012");

    var one = http("GET", "/apis/networking.istio.io/v1/namespaces/istio-system/gateways/istiod-gateway", null, null,
        true);
    assertThat(one.statusCode()).isEqualTo(200);
    assertThat(one.body()).contains("\"apiVersion\" : \"networking.istio.io/v1alpha3\"", "\"mode\" : \"PASSTHROUGH\"");

    var http = http("POST", "/apis/networking.istio.io/v1/namespaces/ns1/virtualservices", "application/yaml", """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: web}
        spec:
          hosts: [web.example.com]
          gateways: [gw]
          http: [{route: [{destination: {host: web.ns1.svc.cluster.local}}]}]
        """, true);
    assertThat(http.statusCode()).as("a field vmesh does not implement: the body is refused as read").isEqualTo(400);
    assertThat(http.body()).contains("\"field\" : \"spec.http\"", "HTTP routes are not supported", "\"line\" : 7");
    assertThat(server.store().list(ListOptions.of(Kind.VIRTUAL_SERVICE)).items())
        .extracting(r -> r.namespace() + "/" + r.name()).containsExactly("istio-system/istiod-vs");
  }

  @Test
  void badGatewayConfigIsRefusedWithItsPlaceAndNothingIsApplied() throws Exception {
    Path bad = tmp.resolve("bad-gateways.yaml");
    Files.writeString(bad, """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: fine, namespace: istio-system}
        spec: {hosts: [fine.example.com], ports: [{number: 80, name: http, protocol: HTTP}], resolution: DNS}
        ---
        apiVersion: networking.istio.io/v1
        kind: Gateway
        metadata: {name: terminating, namespace: istio-system}
        spec:
          selector: {istio: eastwestgateway}
          servers:
          - {port: {number: 15443, name: tls, protocol: TLS}, tls: {mode: SIMPLE}, hosts: ["*.local"]}
        ---
        apiVersion: networking.istio.io/v1
        kind: Gateway
        metadata: {name: clash, namespace: istio-system}
        spec:
          selector: {istio: eastwestgateway}
          servers:
          - {port: {number: 15443, name: tls, protocol: TLS}, tls: {mode: AUTO_PASSTHROUGH}, hosts: ["*.local"]}
          - {port: {number: 15443, name: tcp, protocol: TCP}, hosts: ["*"]}
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: web, namespace: istio-system}
        spec:
          hosts: [web.example.com]
          gateways: [clash]
          http: [{route: [{destination: {host: web.example.com}}]}]
        """);
    Cli apply = Cli.run(withServer("apply", "-f", bad.toString()));
    assertThat(apply.exit()).isOne();
    assertThat(apply.err()).contains(bad + ":12:", "tls.mode SIMPLE is not supported")
        .containsPattern(Pattern.quote(bad.toString()) + ":2[0-9]:[0-9]+: spec.servers\\[1\\].port: port"
            + " 15443 clashes with")
        .contains("spec.http", "HTTP routes are not supported", "vmesh apply: nothing applied");
    assertThat(server.store().list(ListOptions.all()).items()).as("not even the valid ServiceEntry").isEmpty();
  }
}
