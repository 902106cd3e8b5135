package dev.vmesh.store.kube;

import dev.vmesh.api.ObjectMeta;
import dev.vmesh.api.Resource;
import dev.vmesh.api.WorkloadEntrySpec;
import dev.vmesh.api.WorkloadGroupSpec;
import java.util.Map;

/** Objects for the Kubernetes store's tests. */
final class Objects {
  private Objects() {}

  static Resource we(String ns, String name, String address) {
    return Resource.of(ObjectMeta.of(ns, name).withLabels(Map.of("app", "a")), WorkloadEntrySpec.of(address,
        Map.of("app", "a")));
  }

  static Resource wg(String ns, String name) {
    return Resource.of(ObjectMeta.of(ns, name), new WorkloadGroupSpec(new WorkloadGroupSpec.Metadata(
        Map.of("app", name), Map.of()), new WorkloadEntrySpec("", Map.of("http", 80), Map.of(), "", "", 0, "sa"), null));
  }
}
