package dev.vmesh.store;

import static dev.vmesh.store.Fixtures.CLOCK;
import static dev.vmesh.store.Fixtures.we;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vmesh.api.Condition;
import dev.vmesh.api.Kind;
import dev.vmesh.api.ResourceKey;
import dev.vmesh.api.ResourceStatus;
import dev.vmesh.api.WorkloadEntrySpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The ConfigStore contract, checked on every writable implementation. Stores of other modules run it
 * by extending this class (it is in the store test-jar) with their own static {@code stores()}, which
 * JUnit then uses instead of this one.
 */
public class StoreContractTest {
  @TempDir
  static Path tmp;

  static Stream<Function<Path, ConfigStore>> stores() {
    return Stream.of(
        dir -> ConfigStores.memory(CLOCK),
        dir -> ConfigStores.durable(dir, CLOCK),
        dir -> {
          try {
            java.nio.file.Files.createDirectories(dir.resolve("files"));
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
          return new LayeredConfigStore(FileConfigStore.open(dir.resolve("files"), CLOCK, Duration.ZERO),
              ConfigStores.durable(dir.resolve("data"), CLOCK));
        });
  }

  private static int counter;

  private static ConfigStore open(Function<Path, ConfigStore> f) {
    return f.apply(tmp.resolve("s" + (counter++)));
  }

  @ParameterizedTest
  @MethodSource("stores")
  void createAssignsIdentityAndVersionAndDropsStatus(Function<Path, ConfigStore> factory) {
    try (ConfigStore s = open(factory)) {
      var in = we("vm1", "10.0.0.1").withStatus(new ResourceStatus(
          List.of(new Condition("Healthy", "True", null, null, "", "", 0)), null, 0, null));
      var created = s.create(in);
      assertThat(created.metadata().uid()).isNotEmpty();
      assertCreationTimestamp(created.metadata().creationTimestamp());
      assertThat(created.metadata().generation()).isEqualTo(1);
      assertThat(created.resourceVersion()).isNotEmpty();
      assertThat(created.status()).isEqualTo(ResourceStatus.EMPTY);
      assertThat(s.get(created.key())).contains(created);
      assertThatThrownBy(() -> s.create(in)).isInstanceOf(StoreException.AlreadyExists.class);
    }
  }

  @ParameterizedTest
  @MethodSource("stores")
  void updateChecksVersionCountsSpecChangesAndKeepsStatus(Function<Path, ConfigStore> factory) {
    try (ConfigStore s = open(factory)) {
      var v1 = s.create(we("vm1", "10.0.0.1"));
      var withStatus = s.updateStatus(v1.withStatus(v1.status().withConditions(
          List.of(new Condition("Healthy", "True", null, null, "", "", 0)))));
      assertThat(withStatus.metadata().generation()).isEqualTo(1);

      var v2 = s.update(withStatus.withSpec(WorkloadEntrySpec.of("10.0.0.2", Map.of())));
      assertThat(v2.metadata().generation()).isEqualTo(2);
      assertThat(v2.status()).isEqualTo(withStatus.status());
      assertThat(v2.metadata().uid()).isEqualTo(v1.metadata().uid());
      assertThat(Long.parseLong(v2.resourceVersion())).isGreaterThan(Long.parseLong(withStatus.resourceVersion()));

      // a stale version is a conflict, and nothing changes
      assertThatThrownBy(() -> s.update(v1.withSpec(WorkloadEntrySpec.of("10.0.0.9", Map.of()))))
          .isInstanceOf(StoreException.Conflict.class).hasMessageContaining("read it again and retry");
      assertThatThrownBy(() -> s.updateStatus(v1)).isInstanceOf(StoreException.Conflict.class);
      assertThat(s.get(v1.key())).contains(v2);

      // label-only change: same generation; empty version: unconditional
      var v3 = s.update(v2.withMetadata(v2.metadata().withLabels(Map.of("x", "y")).withResourceVersion("")));
      assertThat(v3.metadata().generation()).isEqualTo(2);
      assertThat(v3.metadata().labels()).containsEntry("x", "y");

      // no-op update: no new version
      assertThat(s.update(v3).resourceVersion()).isEqualTo(v3.resourceVersion());
      assertThatThrownBy(() -> s.update(we("missing", "1.1.1.1"))).isInstanceOf(StoreException.NotFound.class);
    }
  }

  @ParameterizedTest
  @MethodSource("stores")
  void deleteHonoursPreconditions(Function<Path, ConfigStore> factory) {
    try (ConfigStore s = open(factory)) {
      var v1 = s.create(we("vm1", "10.0.0.1"));
      var v2 = s.update(v1.withSpec(WorkloadEntrySpec.of("10.0.0.2", Map.of())));
      assertThatThrownBy(() -> s.delete(v1.key(), Preconditions.resourceVersion(v1.resourceVersion())))
          .isInstanceOf(StoreException.Conflict.class);
      assertThatThrownBy(() -> s.delete(v1.key(), new Preconditions("", "other-uid")))
          .isInstanceOf(StoreException.class).hasMessageContaining("deleted and created again");
      var deleted = s.delete(v1.key(), Preconditions.resourceVersion(v2.resourceVersion()));
      assertThat(deleted.spec()).isEqualTo(v2.spec());
      assertThat(s.get(v1.key())).isEmpty();
      assertThatThrownBy(() -> s.delete(v1.key(), Preconditions.NONE)).isInstanceOf(StoreException.NotFound.class);
    }
  }

  @ParameterizedTest
  @MethodSource("stores")
  void listFiltersByKindNamespaceAndLabels(Function<Path, ConfigStore> factory) {
    try (ConfigStore s = open(factory)) {
      s.create(we("ns1", "a", "10.0.0.1", Map.of("app", "web", "tier", "front")));
      s.create(we("ns1", "b", "10.0.0.2", Map.of("app", "db")));
      s.create(we("ns2", "c", "10.0.0.3", Map.of("app", "web")));
      s.create(Fixtures.se("ns1", "svc", "svc.example.com"));
      assertThat(names(s.list(ListOptions.of(Kind.WORKLOAD_ENTRY)))).containsExactly("a", "b", "c");
      assertThat(names(s.list(ListOptions.of(Kind.WORKLOAD_ENTRY, "ns1")))).containsExactly("a", "b");
      assertThat(names(s.list(new ListOptions(null, null, LabelSelector.parse("app=web"))))).containsExactly("a", "c");
      assertThat(names(s.list(new ListOptions(Kind.WORKLOAD_ENTRY, "ns1", LabelSelector.parse("app in (web,db),!tier")))))
          .containsExactly("b");
      assertThat(names(s.list(ListOptions.all()))).containsExactly("svc", "a", "b", "c");
      assertThat(s.list(ListOptions.all()).resourceVersion()).isNotEmpty();
    }
  }

  @ParameterizedTest
  @MethodSource("stores")
  void invalidObjectsAreRefusedAndNothingIsStored(Function<Path, ConfigStore> factory) {
    try (ConfigStore s = open(factory)) {
      var bad = we("vm1", "");
      assertThatThrownBy(() -> s.create(bad)).isInstanceOf(StoreException.Invalid.class)
          .hasMessageContaining("spec.address: address is required");
      assertThat(s.get(new ResourceKey(Kind.WORKLOAD_ENTRY, "ns1", "vm1"))).isEmpty();
      var good = s.create(we("vm1", "10.0.0.1"));
      assertThatThrownBy(() -> s.update(good.withSpec(WorkloadEntrySpec.of("", Map.of()))))
          .isInstanceOf(StoreException.Invalid.class);
      assertThat(s.get(good.key())).contains(good);
    }
  }

  /** A new object is stamped with the store's clock; a store whose server stamps objects overrides this. */
  protected void assertCreationTimestamp(java.time.Instant stamped) {
    assertThat(stamped).isEqualTo(CLOCK.instant());
  }

  private static List<String> names(ListResult r) {
    return r.items().stream().map(x -> x.name()).toList();
  }
}
