package dev.vmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Struct;
import dev.vmesh.api.Resource;
import dev.vmesh.api.codec.ResourceDecoder;
import dev.vmesh.api.time.Timer;
import dev.vmesh.controlplane.autoregistration.AutoRegistrationController;
import dev.vmesh.controlplane.autoregistration.AutoRegistrationOptions;
import dev.vmesh.store.kube.KubeConfigStore;
import dev.vmesh.store.kube.KubeStoreOptions;
import dev.vmesh.store.kube.MockCluster;
import dev.vmesh.xds.Proxy;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/**
 * A VM that auto-registers while the server runs on Kubernetes gets a WorkloadEntry in the cluster whose
 * ownerReference points at its WorkloadGroup (apiVersion, kind, name, the group's uid, controller true),
 * so Kubernetes' garbage collector deletes the entry with the group, as with istiod. The mock server has
 * no garbage collector: the test checks the reference on the stored object.
 */
class AutoRegisteredEntryIsOwnedByItsGroupInTheKubernetesMockTest {

  @Test
  void theEntryInTheClusterCarriesTheGroupAsControllingOwner() throws Exception {
    var timers = Executors.newSingleThreadScheduledExecutor();
    try (MockCluster cluster = MockCluster.withIstioCrds();
        KubeConfigStore store = KubeConfigStore.connect(cluster.server.createClient(), true, KubeStoreOptions.DEFAULTS);
        AutoRegistrationController controller = new AutoRegistrationController(store,
            AutoRegistrationOptions.defaults("vmesh-0", "cluster.local"), Clock.systemUTC(), Timer.of(timers),
            rv -> { })) {
      controller.start();
      Resource group = store.create(ResourceDecoder.decodeOne("wg.yaml", """
          apiVersion: networking.istio.io/v1
          kind: WorkloadGroup
          metadata: {name: billing, namespace: vms}
          spec:
            metadata: {labels: {app: billing}}
            template: {serviceAccount: billing-sa, ports: {http: 8080}}
          """));
      await().until(() -> !controller.lastGroupEvent().isEmpty()
          && Long.parseLong(controller.lastGroupEvent()) >= Long.parseLong(group.resourceVersion()));

      controller.onConnect(new Proxy("sidecar~10.4.0.7~vm-7.vms~vms.svc.cluster.local", "sidecar", List.of("10.4.0.7"),
          "vms", Map.of(), "", "", false, "billing", "", "", Struct.getDefaultInstance(),
          "spiffe://cluster.local/ns/vms/sa/billing-sa"), "conn-1");

      GenericKubernetesResource entry = cluster.client.genericKubernetesResources("networking.istio.io/v1",
          "WorkloadEntry").inNamespace("vms").withName("billing-10.4.0.7").get();
      assertThat(entry).isNotNull();
      assertThat(entry.getMetadata().getOwnerReferences()).hasSize(1);
      var owner = entry.getMetadata().getOwnerReferences().get(0);
      assertThat(owner.getApiVersion()).isEqualTo("networking.istio.io/v1");
      assertThat(owner.getKind()).isEqualTo("WorkloadGroup");
      assertThat(owner.getName()).isEqualTo("billing");
      assertThat(owner.getUid()).isEqualTo(group.metadata().uid()).isNotEmpty();
      assertThat(owner.getController()).isTrue();
      assertThat(entry.getMetadata().getAnnotations()).containsEntry("istio.io/autoRegistrationGroup", "billing")
          .containsKey("istio.io/connectedAt");
    } finally {
      timers.shutdownNow();
    }
  }
}
