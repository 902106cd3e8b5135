package dev.vmesh.store;

import static dev.vmesh.store.Fixtures.CLOCK;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.vmesh.api.Kind;
import dev.vmesh.api.Resource;
import dev.vmesh.api.ResourceKey;
import dev.vmesh.api.ResourceStatus;
import dev.vmesh.api.ServiceEntrySpec;
import dev.vmesh.api.WorkloadEntrySpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LayeredStoreKeepsFilesReadOnlyAndStatusDurableTest {
  @TempDir
  Path tmp;

  private static final ResourceKey SE = new ResourceKey(Kind.SERVICE_ENTRY, "ns1", "svc");

  private static String se(String host) {
    return """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: svc, namespace: ns1}
        spec:
          hosts: [%s]
          ports: [{number: 80, name: http, protocol: HTTP}]
          resolution: DNS
        """.formatted(host);
  }

  private LayeredConfigStore open(Path files, Path data) throws InterruptedException {
    var s = new LayeredConfigStore(FileConfigStore.open(files, CLOCK, Duration.ZERO), ConfigStores.durable(data, CLOCK));
    assertThat(s.awaitSynced(10)).isTrue();
    return s;
  }

  private static Optional<String> host(ConfigStore s) {
    return s.get(SE).map(r -> r.spec(ServiceEntrySpec.class).hosts().get(0));
  }

  @Test
  void fileObjectsAreServedMarkedAndReadOnlyButTheirStatusIsWritableAndDurable() throws Exception {
    Path files = Files.createDirectories(tmp.resolve("config"));
    Path data = tmp.resolve("data");
    Files.writeString(files.resolve("svc.yaml"), se("a.example.com"));
    String uid;
    try (var s = open(files, data)) {
      Resource svc = s.get(SE).orElseThrow();
      assertThat(svc.metadata().annotations()).containsEntry(LayeredConfigStore.SOURCE_ANNOTATION, "svc.yaml");
      uid = svc.metadata().uid();
      assertThatThrownBy(() -> s.update(svc)).isInstanceOf(StoreException.ReadOnly.class)
          .hasMessageContaining("comes from file").hasMessageContaining("svc.yaml");
      assertThatThrownBy(() -> s.delete(SE, Preconditions.NONE)).isInstanceOf(StoreException.ReadOnly.class);
      assertThatThrownBy(() -> s.create(Fixtures.se("ns1", "svc", "x.example.com")))
          .isInstanceOf(StoreException.AlreadyExists.class).hasMessageContaining("edit that file");
      s.updateStatus(svc.withStatus(ResourceStatus.EMPTY.withAddresses(
          List.of(new ResourceStatus.HostAddress("240.240.0.1", "a.example.com")))));

      // API objects are writable as usual
      var api = s.create(Fixtures.we("vm1", "10.0.0.1"));
      s.update(api.withSpec(WorkloadEntrySpec.of("10.0.0.2", Map.of())));
    }
    try (var s = open(files, data)) {
      Resource svc = s.get(SE).orElseThrow();
      assertThat(svc.metadata().uid()).isEqualTo(uid);
      assertThat(svc.status().addresses()).extracting(ResourceStatus.HostAddress::value).containsExactly("240.240.0.1");
      assertThat(s.get(new ResourceKey(Kind.WORKLOAD_ENTRY, "ns1", "vm1"))).isPresent();
    }
  }

  @Test
  void fileEditsFlowThroughKeepingStatusAndRemovedFilesDeleteTheirObjects() throws Exception {
    Path files = Files.createDirectories(tmp.resolve("config"));
    Files.writeString(files.resolve("svc.yaml"), se("a.example.com"));
    try (var s = open(files, tmp.resolve("data"))) {
      Resource svc = s.get(SE).orElseThrow();
      s.updateStatus(svc.withStatus(ResourceStatus.EMPTY.withAddresses(
          List.of(new ResourceStatus.HostAddress("240.240.0.1", "a.example.com")))));
      Files.writeString(files.resolve("svc.yaml"), se("b.example.com"));
      s.files().rescan();
      await().atMost(Duration.ofSeconds(5)).until(() -> host(s).equals(Optional.of("b.example.com")));
      assertThat(s.get(SE).orElseThrow().status().addresses()).hasSize(1);
      Files.delete(files.resolve("svc.yaml"));
      s.files().rescan();
      await().atMost(Duration.ofSeconds(5)).until(() -> s.get(SE).isEmpty());
    }
  }

  @Test
  void aFileBrokenAcrossARestartKeepsItsObjectsAndAFileRemovedMeanwhileLosesThem() throws Exception {
    Path files = Files.createDirectories(tmp.resolve("config"));
    Path data = tmp.resolve("data");
    Files.writeString(files.resolve("svc.yaml"), se("a.example.com"));
    Files.writeString(files.resolve("vm.yaml"), """
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: vm1, namespace: ns1}
        spec: {address: 10.0.0.1}
        """);
    try (var s = open(files, data)) {
      assertThat(s.list(ListOptions.all()).items()).hasSize(2);
    }
    Files.writeString(files.resolve("svc.yaml"), se("a.example.com") + "  bogus: true\n");
    Files.delete(files.resolve("vm.yaml"));
    try (var s = open(files, data)) {
      assertThat(host(s)).contains("a.example.com");
      assertThat(s.get(new ResourceKey(Kind.WORKLOAD_ENTRY, "ns1", "vm1"))).isEmpty();
      assertThat(s.fileProblems()).singleElement().asString().contains("svc.yaml:8:3: spec.bogus: unknown field");
    }
  }

  @Test
  void theSourceAnnotationCannotBeForgedThroughTheApi() throws IOException, InterruptedException {
    Path files = Files.createDirectories(tmp.resolve("config"));
    try (var s = open(files, tmp.resolve("data"))) {
      assertThatThrownBy(() -> s.create(Fixtures.withAnnotation(Fixtures.we("x", "10.0.0.1"),
          LayeredConfigStore.SOURCE_ANNOTATION, "fake.yaml")))
          .isInstanceOf(StoreException.Invalid.class).hasMessageContaining("set by vmesh");
    }
  }
}
