package dev.vmesh.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.vmesh.api.Kind;
import dev.vmesh.api.ResourceKey;
import dev.vmesh.registry.ServiceKey;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerServesTheExampleMeshTest {
  @TempDir
  Path tmp;

  private static final ServiceKey SVC1 = new ServiceKey("svc1.internal.com", "ns1");

  private ServerOptions options(Path config) {
    return ServerOptions.local(tmp.resolve("data"), config);
  }

  private Path copyExamples() throws IOException {
    Path config = Files.createDirectories(tmp.resolve("config"));
    try (Stream<Path> files = Files.list(Path.of("../examples/mesh"))) {
      for (Path f : files.toList()) {
        Files.copy(f, config.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
      }
    }
    return config;
  }

  private static HttpResponse<String> get(VmeshServer s, String path) throws Exception {
    var uri = URI.create("http://127.0.0.1:" + s.httpAddress().getPort() + path);
    try (HttpClient c = HttpClient.newHttpClient()) {
      return c.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
    }
  }

  @Test
  void servesTheRegistryRecordsAddressesAndKeepsThemAcrossRestarts() throws Exception {
    Path config = copyExamples();
    List<String> addresses;
    try (VmeshServer s = VmeshServer.start(options(config), Clock.systemUTC())) {
      assertThat(s.awaitReady(10, TimeUnit.SECONDS)).isTrue();
      assertThat(get(s, "/ready").statusCode()).isEqualTo(200);
      var registryz = get(s, "/debug/registryz");
      assertThat(registryz.statusCode()).isEqualTo(200);
      assertThat(registryz.body()).contains("\"hostname\" : \"svc1.internal.com\"").contains("\"address\" : \"1.1.1.1\"");
      addresses = s.registry().service(SVC1).orElseThrow().addresses();
      assertThat(addresses).hasSize(2);
      // the allocation is written to the ServiceEntry's status in the durable store
      await().atMost(Duration.ofSeconds(5)).until(() -> !s.store().get(
          new ResourceKey(Kind.SERVICE_ENTRY, "ns1", "svc1")).orElseThrow().status().addresses().isEmpty());
      assertThat(get(s, "/debug/configz").body()).contains("\"kind\" : \"WorkloadGroup\"");
      assertThat(get(s, "/nope").statusCode()).isEqualTo(404);
    }
    // a new file sorts first after the restart, but svc1 keeps its address
    Files.writeString(config.resolve("000-first.yaml"), """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: first, namespace: ns1}
        spec: {hosts: [first.internal], ports: [{number: 80, name: http}], resolution: DNS}
        """);
    try (VmeshServer s = VmeshServer.start(options(config), Clock.systemUTC())) {
      assertThat(s.awaitReady(10, TimeUnit.SECONDS)).isTrue();
      await().atMost(Duration.ofSeconds(5)).until(() -> s.registry().service(new ServiceKey("first.internal", "ns1"))
          .isPresent());
      assertThat(s.registry().service(SVC1).orElseThrow().addresses()).isEqualTo(addresses);
    }
  }

  @Test
  void fileEditsReachTheRegistryAndBrokenFilesAreReported() throws Exception {
    Path config = copyExamples();
    try (VmeshServer s = VmeshServer.start(options(config), Clock.systemUTC())) {
      assertThat(s.awaitReady(10, TimeUnit.SECONDS)).isTrue();
      String svc1 = Files.readString(config.resolve("svc1.yaml"));
      Files.writeString(config.resolve("svc1.yaml"), svc1.replace("address: 1.1.1.1", "address: 1.1.1.2"));
      await().atMost(Duration.ofSeconds(5)).until(() -> s.registry().service(SVC1).orElseThrow().endpoints().stream()
          .anyMatch(e -> e.address().equals("1.1.1.2")));
      Files.writeString(config.resolve("svc1.yaml"), svc1.replace("address: 1.1.1.1", "address: [oops"));
      await().atMost(Duration.ofSeconds(5)).until(() -> get(s, "/debug/config_errors").body().contains("svc1.yaml"));
      assertThat(s.registry().service(SVC1).orElseThrow().endpoints()).extracting(e -> e.address())
          .containsExactly("1.1.1.2");
    }
  }
}
