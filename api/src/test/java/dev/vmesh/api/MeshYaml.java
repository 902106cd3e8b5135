package dev.vmesh.api;

import dev.vmesh.api.codec.ResourceDecoder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code MeshYaml} is the mesh tests start from, as the YAML a user writes, and the few shapes most
 * tests vary: a STATIC mesh-internal ServiceEntry on port 80 selecting VMs by {@code app}, and the
 * WorkloadEntry of such a VM. Published in api's test-jar for every module's tests.
 */
public final class MeshYaml {
  /** The first instant {@link #objects} gives objects without a creation time. */
  public static final Instant CREATED = Instant.parse("2026-01-01T00:00:00Z");

  /**
   * {@code svc1.internal.com} in {@code ns1} (port 80 http, STATIC, selecting {@code app: foo}) and
   * its VM {@code vm1} at 1.1.1.1: examples/mesh/svc1.yaml without the comments.
   */
  public static final String SVC1 = join(serviceEntry("ns1", "svc1", "svc1.internal.com", "foo"),
      workloadEntry("ns1", "vm1", "1.1.1.1", "foo"));

  private MeshYaml() {}

  /** A STATIC, mesh-internal ServiceEntry for {@code host}, port 80 (http), selecting {@code app: <app>}. */
  public static String serviceEntry(String namespace, String name, String host, String app) {
    return """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: %s, namespace: %s}
        spec:
          hosts: [%s]
          location: MESH_INTERNAL
          ports: [{number: 80, name: http, protocol: HTTP}]
          resolution: STATIC
          workloadSelector: {labels: {app: %s}}
        """.formatted(name, namespace, host, app);
  }

  /** A WorkloadEntry at {@code address} labelled {@code app: <app>}. */
  public static String workloadEntry(String namespace, String name, String address, String app) {
    return """
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: %s, namespace: %s}
        spec: {address: %s, labels: {app: %s}}
        """.formatted(name, namespace, address, app);
  }

  /** Several documents as one YAML stream. */
  public static String join(String... documents) {
    return String.join("---\n", documents);
  }

  /**
   * The objects of {@code yaml}, which must decode without a problem; objects without a creation time
   * get one, {@link #CREATED} plus a second per document, so their order is the document order.
   */
  public static List<Resource> objects(String yaml) {
    var decoded = ResourceDecoder.decode("test.yaml", yaml);
    if (!decoded.problems().isEmpty()) {
      throw new AssertionError("test YAML has problems: " + decoded.problems());
    }
    List<Resource> out = new ArrayList<>();
    int i = 0;
    for (Resource r : decoded.resources()) {
      Instant t = r.metadata().creationTimestamp() != null ? r.metadata().creationTimestamp() : CREATED.plusSeconds(i++);
      out.add(r.withMetadata(r.metadata().withCreationTimestamp(t)));
    }
    return out;
  }

  /** The one object of {@code yaml} (see {@link #objects}). */
  public static Resource one(String yaml) {
    List<Resource> all = objects(yaml);
    if (all.size() != 1) {
      throw new AssertionError("expected one object, found " + all.size());
    }
    return all.get(0);
  }
}
