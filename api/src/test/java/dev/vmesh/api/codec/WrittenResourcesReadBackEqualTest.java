package dev.vmesh.api.codec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.api.Condition;
import dev.vmesh.api.Kind;
import dev.vmesh.api.Location;
import dev.vmesh.api.ObjectMeta;
import dev.vmesh.api.OwnerReference;
import dev.vmesh.api.ReadinessProbe;
import dev.vmesh.api.Resolution;
import dev.vmesh.api.Resource;
import dev.vmesh.api.ResourceStatus;
import dev.vmesh.api.ServiceEntrySpec;
import dev.vmesh.api.ServicePort;
import dev.vmesh.api.WorkloadEntrySpec;
import dev.vmesh.api.WorkloadGroupSpec;
import dev.vmesh.api.WorkloadSelector;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WrittenResourcesReadBackEqualTest {

  static Resource fullServiceEntry() {
    var meta = new ObjectMeta("svc", "ns1", Map.of("app", "x", "example.com/tier", "web"),
        Map.of("note", "multi\nline: yes"), "42", 3, "0b6c-uid", Instant.parse("2026-01-02T03:04:05.123456789Z"),
        List.of(new OwnerReference("networking.istio.io/v1", "WorkloadGroup", "g", "u1", true, false)));
    var spec = new ServiceEntrySpec(List.of("svc.example.com", "*.svc.example.com"), List.of("10.0.0.1"),
        List.of(new ServicePort(80, "HTTP", "http", 8080), new ServicePort(443, "TLS", "tls", 0)),
        Location.MESH_INTERNAL, Resolution.STATIC,
        List.of(new WorkloadEntrySpec("1.1.1.1", Map.of("http", 9090), Map.of("v", "1"), "nw1", "r/z/s", 7, "sa")),
        null, List.of(".", "ns2"), List.of("spiffe://cluster.local/ns/ns1/sa/sa"));
    var status = new ResourceStatus(
        List.of(new Condition("Ready", "True", Instant.parse("2026-01-02T03:04:05Z"), null, "Why", "msg", 2)),
        List.of(new ResourceStatus.ValidationMessage("IST0101", "ReferencedResourceNotFound", "ERROR", "")),
        3, List.of(new ResourceStatus.HostAddress("240.240.0.1", "svc.example.com")));
    return new Resource("networking.istio.io/v1beta1", Kind.SERVICE_ENTRY, meta, spec, status);
  }

  static Resource fullWorkloadGroup() {
    var probe = new ReadinessProbe(1, 2, 3, 4, 5,
        new ReadinessProbe.HttpGet("/ready", 8080, "127.0.0.1", "HTTPS",
            List.of(new ReadinessProbe.Header("X-Check", "1"))), null, null, null);
    var spec = new WorkloadGroupSpec(new WorkloadGroupSpec.Metadata(Map.of("app", "py"), Map.of("a", "b")),
        new WorkloadEntrySpec("", Map.of("http", 9090), Map.of(), "nw", "", 1, "my-vm"), probe);
    return Resource.of(ObjectMeta.of("vm", "python-http"), spec);
  }

  @Test
  void yamlRoundTripKeepsEveryField() {
    for (Resource r : List.of(fullServiceEntry(), fullWorkloadGroup(),
        Resource.of(ObjectMeta.of("ns", "sel"), new ServiceEntrySpec(List.of("a.b"), null, null, null, null,
            null, new WorkloadSelector(Map.of("app", "a")), null, null)))) {
      String yaml = ResourceWriter.yaml(r);
      assertThat(ResourceDecoder.decodeOne("rt.yaml", yaml)).as(yaml).isEqualTo(r);
    }
  }

  @Test
  void jsonRoundTripKeepsEveryField() {
    Resource r = fullServiceEntry();
    assertThat(ResourceDecoder.decodeOne("rt.json", ResourceWriter.json(r, false))).isEqualTo(r);
    assertThat(ResourceDecoder.decodeOne("rt.json", ResourceWriter.json(r, true))).isEqualTo(r);
  }

  @Test
  void yamlStreamAndJsonListReadBackAsTheSameObjects() {
    List<Resource> all = List.of(fullServiceEntry(), fullWorkloadGroup());
    assertThat(ResourceDecoder.decode("s.yaml", ResourceWriter.yaml(all)).resources()).isEqualTo(all);
    assertThat(ResourceDecoder.decode("s.json", ResourceWriter.jsonList(all, true)).resources()).isEqualTo(all);
  }

  @Test
  void defaultsAreLeftOutOfTheOutput() {
    var r = Resource.of(ObjectMeta.of("default", "vm1"), WorkloadEntrySpec.of("1.1.1.1", Map.of("app", "foo")));
    assertThat(ResourceWriter.yaml(r)).isEqualTo("""
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata:
          name: vm1
          namespace: default
        spec:
          address: 1.1.1.1
          labels:
            app: foo
        """);
  }
}
