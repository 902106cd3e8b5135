package dev.vmesh.bench;

import dev.vmesh.api.Location;
import dev.vmesh.api.ObjectMeta;
import dev.vmesh.api.Resolution;
import dev.vmesh.api.Resource;
import dev.vmesh.api.ServiceEntrySpec;
import dev.vmesh.api.ServicePort;
import dev.vmesh.api.WorkloadEntrySpec;
import dev.vmesh.api.WorkloadSelector;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code Mesh} builds a synthetic mesh for benchmarks: {@code services} ServiceEntries over 10
 * namespaces, each selecting {@code perService} WorkloadEntries by {@code app} label, as the registry
 * sees them after a store has stamped them (creation time, resource version).
 */
public final class Mesh {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private Mesh() {}

  /** The ServiceEntry host of service {@code i}. */
  public static String host(int i) {
    return "svc-" + i + ".mesh.example.com";
  }

  public static String namespace(int service) {
    return "ns-" + (service % 10);
  }

  public static List<Resource> serviceEntries(int services) {
    List<Resource> out = new ArrayList<>(services);
    for (int i = 0; i < services; i++) {
      ObjectMeta meta = ObjectMeta.of(namespace(i), "svc-" + i).withCreationTimestamp(T0.plusSeconds(i))
          .withResourceVersion(Integer.toString(i + 1));
      out.add(Resource.of(meta, new ServiceEntrySpec(List.of(host(i)), List.of(),
          List.of(new ServicePort(80, "HTTP", "http", 8080)), Location.MESH_INTERNAL, Resolution.STATIC, List.of(),
          new WorkloadSelector(Map.of("app", "svc-" + i)), List.of(), List.of())));
    }
    return out;
  }

  /** WorkloadEntry {@code n} of the mesh; {@code variant} changes only its address (for update benchmarks). */
  public static Resource workloadEntry(int n, int services, int variant) {
    int svc = n % services;
    Map<String, String> labels = Map.of("app", "svc-" + svc, "version", "v" + (n % 3));
    String address = "10." + (n >> 16 & 255) + "." + (n >> 8 & 255) + "." + (n & 255);
    if (variant == 1) {
      address = "11." + (n >> 16 & 255) + "." + (n >> 8 & 255) + "." + (n & 255);
    }
    ObjectMeta meta = ObjectMeta.of(namespace(svc), "vm-" + n).withCreationTimestamp(T0)
        .withResourceVersion(Integer.toString(services + n + 1)).withUid("uid-" + n);
    return Resource.of(meta, new WorkloadEntrySpec(address, Map.of(), labels, "", "", 0, "vm-sa"));
  }

  public static List<Resource> workloadEntries(int count, int services) {
    List<Resource> out = new ArrayList<>(count);
    for (int n = 0; n < count; n++) {
      out.add(workloadEntry(n, services, 0));
    }
    return out;
  }
}
