package dev.vmesh.store;

import static dev.vmesh.store.Fixtures.CLOCK;
import static dev.vmesh.store.Fixtures.we;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.vmesh.api.Condition;
import dev.vmesh.api.Kind;
import dev.vmesh.api.MtlsMode;
import dev.vmesh.api.PeerAuthenticationSpec;
import dev.vmesh.api.ResourceKey;
import dev.vmesh.api.ResourceStatus;
import dev.vmesh.api.WorkloadEntrySpec;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The {@link ConfigStore} contract. Each writable implementation has a test class that extends this one
 * and names its stores in {@link #stores()}; a factory gets a fresh directory it may use.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@SuppressWarnings("try") // watches closed by try-with-resources, never referenced
public abstract class ConfigStoreContract {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @TempDir
  Path tmp;
  private int counter;

  /** The stores under test, each a fresh, empty store per call. */
  protected abstract Stream<Named<Function<Path, ConfigStore>>> stores();

  /** A named store factory, for {@link #stores()}. */
  protected static Named<Function<Path, ConfigStore>> store(String name, Function<Path, ConfigStore> factory) {
    return Named.of(name, factory);
  }

  /**
   * Whether a deletion gets a resourceVersion of its own, newer than the object's last one (every real
   * store: memory, embedded, etcd, a Kubernetes API server); a test double that does not may say so.
   */
  protected boolean deletionsGetANewVersion() {
    return true;
  }

  /** Checks the creation time a store stamped; stores stamp it with the test clock unless they say otherwise. */
  protected void assertCreationTimestamp(Instant stamped) {
    assertThat(stamped).isEqualTo(CLOCK.instant());
  }

  private ConfigStore open(Function<Path, ConfigStore> f) {
    return f.apply(tmp.resolve("s" + (counter++)));
  }

  @ParameterizedTest
  @MethodSource("stores")
  public void createAssignsIdentityAndVersionAndDropsStatus(Function<Path, ConfigStore> factory) {
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
  public void updateChecksVersionCountsSpecChangesAndKeepsStatus(Function<Path, ConfigStore> factory) {
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
  public void noOpWritesMakeNoVersionAndNoEvent(Function<Path, ConfigStore> factory) {
    try (ConfigStore s = open(factory)) {
      var v1 = s.create(we("vm1", "10.0.0.1"));
      var withStatus = s.updateStatus(v1.withStatus(v1.status().withConditions(
          List.of(new Condition("Healthy", "True", null, null, "", "", 0)))));
      var rec = new EventRecorder();
      try (Watch w = s.watch(WatchOptions.since(withStatus.resourceVersion()), rec)) {
        assertThat(s.update(withStatus)).isEqualTo(withStatus);
        assertThat(s.update(withStatus.withMetadata(withStatus.metadata().withResourceVersion(""))))
            .isEqualTo(withStatus);
        assertThat(s.updateStatus(withStatus)).isEqualTo(withStatus);
        assertThat(s.get(v1.key())).contains(withStatus);
        var v2 = s.updateStatus(withStatus.withStatus(ResourceStatus.EMPTY));
        assertThat(v2.metadata().generation()).as("status writes do not count as spec changes").isEqualTo(1);
        await().atMost(WAIT).until(() -> !rec.raw.isEmpty());
        assertThat(rec.raw).extracting(WatchEvent::resourceVersion).containsExactly(v2.resourceVersion());
      }
    }
  }

  @ParameterizedTest
  @MethodSource("stores")
  public void deleteHonoursPreconditions(Function<Path, ConfigStore> factory) {
    try (ConfigStore s = open(factory)) {
      var v1 = s.create(we("vm1", "10.0.0.1"));
      var v2 = s.update(v1.withSpec(WorkloadEntrySpec.of("10.0.0.2", Map.of())));
      assertThatThrownBy(() -> s.delete(v1.key(), Preconditions.resourceVersion(v1.resourceVersion())))
          .isInstanceOf(StoreException.Conflict.class);
      assertThatThrownBy(() -> s.delete(v1.key(), new Preconditions("", "other-uid")))
          .isInstanceOf(StoreException.class).hasMessageContaining("deleted and created again");
      var deleted = s.delete(v1.key(), Preconditions.resourceVersion(v2.resourceVersion()));
      assertThat(deleted.spec()).isEqualTo(v2.spec());
      if (deletionsGetANewVersion()) {
        assertThat(Long.parseLong(deleted.resourceVersion())).isGreaterThan(Long.parseLong(v2.resourceVersion()));
      }
      assertThat(s.get(v1.key())).isEmpty();
      assertThatThrownBy(() -> s.delete(v1.key(), Preconditions.NONE)).isInstanceOf(StoreException.NotFound.class);
    }
  }

  @ParameterizedTest
  @MethodSource("stores")
  public void listFiltersByKindNamespaceAndLabels(Function<Path, ConfigStore> factory) {
    try (ConfigStore s = open(factory)) {
      s.create(we("ns1", "a", "10.0.0.1", Map.of("app", "web", "tier", "front")));
      s.create(we("ns1", "b", "10.0.0.2", Map.of("app", "db")));
      s.create(we("ns2", "c", "10.0.0.3", Map.of("app", "web")));
      s.create(we("ns1-x", "d", "10.0.0.4", Map.of("app", "web")));
      s.create(Fixtures.se("ns1", "svc", "svc.example.com"));
      assertThat(names(s.list(ListOptions.of(Kind.WORKLOAD_ENTRY)))).containsExactly("a", "b", "d", "c");
      assertThat(names(s.list(ListOptions.of(Kind.WORKLOAD_ENTRY, "ns1")))).containsExactly("a", "b");
      assertThat(names(s.list(new ListOptions(null, null, LabelSelector.parse("app=web")))))
          .containsExactly("a", "d", "c");
      assertThat(names(s.list(new ListOptions(Kind.WORKLOAD_ENTRY, "ns1", LabelSelector.parse("app in (web,db),!tier")))))
          .containsExactly("b");
      assertThat(names(s.list(ListOptions.all()))).containsExactly("svc", "a", "b", "d", "c");
      assertThat(s.list(ListOptions.of(Kind.WORKLOAD_GROUP)).items()).isEmpty();
      assertThat(s.list(ListOptions.all()).resourceVersion()).isNotEmpty();
    }
  }

  @ParameterizedTest
  @MethodSource("stores")
  public void everyKindIsStoredListedWatchedAndDeletedInItsOwnGroup(Function<Path, ConfigStore> factory) {
    try (ConfigStore s = open(factory)) {
      var rec = new EventRecorder();
      try (Watch w = s.watch(WatchOptions.fromCurrentState(), rec)) {
        for (Kind k : Kind.values()) {
          var created = s.create(Fixtures.anyOf(k, "ns1", "x"));
          assertThat(created.apiVersion()).isEqualTo(k.defaultApiVersion());
          assertThat(s.get(new ResourceKey(k, "ns1", "x"))).contains(created);
          assertThat(s.list(ListOptions.of(k, "ns1")).items()).containsExactly(created);
        }
        var pa = s.get(new ResourceKey(Kind.PEER_AUTHENTICATION, "ns1", "x")).orElseThrow();
        var changed = s.update(pa.withSpec(new PeerAuthenticationSpec(null, MtlsMode.DISABLE, null)));
        assertThat(changed.metadata().generation()).isEqualTo(2);
        assertThat(s.get(pa.key()).orElseThrow().spec()).isEqualTo(changed.spec());
        s.delete(pa.key(), Preconditions.NONE);
        await().atMost(WAIT).until(() -> rec.events.size() == Kind.values().length + 3);
        assertThat(rec.events).endsWith("MODIFIED x", "DELETED x");
        assertThat(rec.raw.get(rec.raw.size() - 1).object().kind()).isEqualTo(Kind.PEER_AUTHENTICATION);
        assertThat(s.list(ListOptions.all()).items()).extracting(r -> r.kind())
            .containsExactlyInAnyOrderElementsOf(Arrays.stream(Kind.values())
                .filter(k -> k != Kind.PEER_AUTHENTICATION).toList());
      }
    }
  }

  @ParameterizedTest
  @MethodSource("stores")
  public void invalidObjectsAreRefusedAndNothingIsStored(Function<Path, ConfigStore> factory) {
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

  @ParameterizedTest
  @MethodSource("stores")
  public void watchDeliversCurrentStateThenSyncedThenChangesInOrder(Function<Path, ConfigStore> factory) {
    try (ConfigStore s = open(factory)) {
      s.create(we("a", "10.0.0.1"));
      s.create(we("b", "10.0.0.2"));
      var rec = new EventRecorder();
      try (Watch w = s.watch(WatchOptions.fromCurrentState(), rec)) {
        var c = s.create(we("c", "10.0.0.3"));
        s.update(c.withSpec(WorkloadEntrySpec.of("10.0.0.4", Map.of())));
        var deleted = s.delete(c.key(), Preconditions.NONE);
        await().atMost(WAIT).until(() -> rec.events.size() == 6);
        assertThat(rec.events).containsExactly("ADDED a", "ADDED b", "SYNCED", "ADDED c", "MODIFIED c", "DELETED c");
        List<Long> versions = rec.raw.stream().skip(3).map(e -> Long.parseLong(e.resourceVersion())).toList();
        assertThat(versions).isSorted();
        assertThat(deletionsGetANewVersion() ? versions : versions.subList(0, 2)).doesNotHaveDuplicates();
        assertThat(rec.raw.get(5).resourceVersion()).isEqualTo(deleted.resourceVersion());
        assertThat(rec.raw.get(5).object().resourceVersion()).isEqualTo(rec.raw.get(5).resourceVersion());
        assertThat(rec.raw.get(5).object().spec()).isEqualTo(WorkloadEntrySpec.of("10.0.0.4", Map.of()));
        assertThat(Long.parseLong(rec.raw.get(2).resourceVersion()))
            .as("SYNCED carries the version of the state just delivered").isLessThan(versions.get(0));
      }
    }
  }

  @ParameterizedTest
  @MethodSource("stores")
  public void watchReplaysExactlyWhatCameAfterAVersion(Function<Path, ConfigStore> factory) {
    try (ConfigStore s = open(factory)) {
      s.create(we("a", "10.0.0.1"));
      var b = s.create(we("b", "10.0.0.2"));
      s.create(we("ns2", "c", "10.0.0.3", Map.of()));
      s.create(Fixtures.se("ns2", "svc", "svc.example.com"));
      var rec = new EventRecorder();
      var onlyNs1 = new EventRecorder();
      try (Watch w = s.watch(new WatchOptions(Set.of(Kind.WORKLOAD_ENTRY), null, b.resourceVersion()), rec);
          Watch w2 = s.watch(new WatchOptions(Set.of(), "ns1", b.resourceVersion()), onlyNs1)) {
        s.delete(b.key(), Preconditions.NONE);
        await().atMost(WAIT).until(() -> rec.events.size() == 2 && onlyNs1.events.size() == 1);
        assertThat(rec.events).containsExactly("ADDED c", "DELETED b");
        assertThat(onlyNs1.events).containsExactly("DELETED b");
      }
      assertThatThrownBy(() -> s.watch(WatchOptions.since("not-a-version"), new EventRecorder()))
          .isInstanceOf(StoreException.class).hasMessageContaining("is not one of this store's versions");
    }
  }

  @ParameterizedTest
  @MethodSource("stores")
  public void aFailingListenerDoesNotEndTheWatch(Function<Path, ConfigStore> factory) {
    try (ConfigStore s = open(factory)) {
      var seen = new CopyOnWriteArrayList<String>();
      String now = s.list(ListOptions.all()).resourceVersion();
      try (Watch w = s.watch(WatchOptions.since(now), e -> {
        seen.add(e.object().name());
        if (e.object().name().equals("a")) {
          throw new IllegalStateException("listener bug");
        }
      })) {
        s.create(we("a", "10.0.0.1"));
        s.create(we("b", "10.0.0.2"));
        await().atMost(WAIT).until(() -> seen.size() == 2);
      }
    }
  }

  @ParameterizedTest
  @MethodSource("stores")
  public void closingTheStoreTellsWatchers(Function<Path, ConfigStore> factory) {
    ConfigStore s = open(factory);
    var rec = new EventRecorder();
    s.watch(WatchOptions.fromCurrentState(), rec);
    s.close();
    await().atMost(WAIT).until(() -> rec.closedWith.get() != null);
    assertThat(rec.closedWith.get()).isInstanceOf(StoreException.Unavailable.class);
  }

  private static List<String> names(ListResult r) {
    return r.items().stream().map(x -> x.name()).toList();
  }
}
