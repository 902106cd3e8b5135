package dev.vmesh.store.kube;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.store.BlobRace;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The servers' shared values as Secrets, against fabric8's Kubernetes mock server (CRUD mode): one
 * of several concurrent writers wins, names any blob name can have map to valid Secret names, and
 * listing goes by the blob names kept in annotations.
 */
class BlobsAreSecretsWrittenOnceAgainstTheKubernetesMockTest {
  final MockCluster cluster = MockCluster.empty();

  @AfterEach
  void close() {
    cluster.close();
  }

  @Test
  void oneOfManyConcurrentWritersWinsAndEveryoneReadsTheWinnersValue() throws Exception {
    int winner = BlobRace.oneWinner(8, i -> new KubeBlobs(cluster.client, "vmesh-system"),
        "ca/shared-root.pem", i -> ("replica " + i).getBytes(StandardCharsets.UTF_8));
    KubeBlobs reader = new KubeBlobs(cluster.client, "vmesh-system");
    assertThat(new String(reader.get("ca/shared-root.pem").orElseThrow(), StandardCharsets.UTF_8))
        .isEqualTo("replica " + winner);

    Secret s = cluster.client.secrets().inNamespace("vmesh-system").withName(KubeBlobs.secretName("ca/shared-root.pem")).get();
    assertThat(s.getMetadata().getLabels()).containsEntry(KubeBlobs.LABEL, "true");
    assertThat(s.getMetadata().getAnnotations()).containsEntry(KubeBlobs.NAME_ANNOTATION, "ca/shared-root.pem");
  }

  @Test
  void namesAreListedPerDirectoryAndOtherSecretsAreNotBlobs() {
    KubeBlobs blobs = new KubeBlobs(cluster.client, "vmesh-system");
    assertThat(blobs.get("tokens/Ledger_1/a.json")).isEmpty();
    assertThat(blobs.putIfAbsent("tokens/Ledger_1/b.json", new byte[] {1})).isTrue();
    assertThat(blobs.putIfAbsent("tokens/Ledger_1/a.json", new byte[0])).isTrue();
    assertThat(blobs.putIfAbsent("tokens/Ledger_1/a.json", new byte[] {2})).isFalse();
    assertThat(blobs.putIfAbsent("tokens/keys/k1", new byte[] {3})).isTrue();
    assertThat(blobs.get("tokens/Ledger_1/a.json")).hasValueSatisfying(v -> assertThat(v).isEmpty());
    assertThat(blobs.get("tokens/Ledger_1/b.json")).hasValueSatisfying(v -> assertThat(v).containsExactly(1));
    assertThat(blobs.list("tokens/Ledger_1")).containsExactly("a.json", "b.json");
    assertThat(blobs.list("tokens")).containsExactly("Ledger_1", "keys");
    assertThat(blobs.list("")).containsExactly("tokens");
    assertThat(blobs.getAll("tokens/Ledger_1")).containsOnlyKeys("a.json", "b.json")
        .hasEntrySatisfying("b.json", v -> assertThat(v).containsExactly(1));
    assertThat(blobs.getAll("tokens")).isEmpty(); // only what is directly under it
    assertThat(KubeBlobs.secretName("tokens/Ledger_1/a.json")).matches("vmesh-blob-[0-9a-f]{40}");

    // a Secret of the same name that is not this blob (no annotation) is not taken for it
    cluster.client.secrets().inNamespace("vmesh-system").resource(new SecretBuilder().withNewMetadata()
        .withName(KubeBlobs.secretName("other/x")).endMetadata().addToData("value", "eA==").build()).create();
    assertThat(blobs.get("other/x")).isEmpty();
    assertThat(blobs.list("")).containsExactly("tokens");
    // nor is a labelled Secret whose name was not made from the blob name it claims
    cluster.client.secrets().inNamespace("vmesh-system").resource(new SecretBuilder().withNewMetadata()
        .withName("planted").addToLabels(KubeBlobs.LABEL, "true")
        .addToAnnotations(KubeBlobs.NAME_ANNOTATION, "tokens/Ledger_1/planted.json").endMetadata()
        .addToData("value", "eA==").build()).create();
    assertThat(blobs.list("tokens/Ledger_1")).containsExactly("a.json", "b.json");
    assertThat(blobs.getAll("tokens/Ledger_1")).containsOnlyKeys("a.json", "b.json");
    // and the blobs of another namespace are another set
    assertThat(new KubeBlobs(cluster.client, "elsewhere").list("")).isEmpty();
  }
}
