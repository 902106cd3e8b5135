package dev.vmesh.store.kube;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.store.ConfigStore;
import dev.vmesh.store.ConfigStoreContract;
import dev.vmesh.store.FileConfigStore;
import dev.vmesh.store.LayeredConfigStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Named;

/**
 * The store contract (the same tests the embedded store passes) on Istio's CRDs in fabric8's Kubernetes
 * mock server (CRUD mode), alone and with a config directory layered over it as {@code vmesh server
 * --store kubernetes --config DIR} runs it. Each store gets a fresh mock cluster.
 */
class KubeStoreContractAgainstTheKubernetesMockTest extends ConfigStoreContract {
  private static final List<MockCluster> CLUSTERS = new CopyOnWriteArrayList<>();

  @Override
  protected Stream<Named<Function<Path, ConfigStore>>> stores() {
    return Stream.of(
        store("kubernetes (mock)", dir -> cluster().store()),
        store("files layered on kubernetes (mock)", dir -> {
          try {
            Files.createDirectories(dir.resolve("files"));
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
          return new LayeredConfigStore(FileConfigStore.open(dir.resolve("files"), Clock.systemUTC(), Duration.ZERO),
              cluster().store());
        }));
  }

  private static MockCluster cluster() {
    MockCluster c = MockCluster.withIstioCrds();
    CLUSTERS.add(c);
    return c;
  }

  @AfterAll
  static void stopClusters() {
    CLUSTERS.forEach(MockCluster::close);
  }

  /**
   * fabric8's mock server (not a real API server, which gives a deletion a new resourceVersion) answers
   * a delete with the object's last version.
   */
  @Override
  protected boolean deletionsGetANewVersion() {
    return false;
  }

  /** The API server stamps new objects with its own clock (the mock: to the second), not the store's. */
  @Override
  protected void assertCreationTimestamp(Instant stamped) {
    assertThat(stamped).isBetween(Instant.now().minusSeconds(60), Instant.now().plusSeconds(1));
  }
}
