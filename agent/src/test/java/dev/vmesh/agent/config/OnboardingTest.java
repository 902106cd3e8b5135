package dev.vmesh.agent.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vmesh.api.ObjectMeta;
import dev.vmesh.api.ReadinessProbe;
import dev.vmesh.api.Resource;
import dev.vmesh.api.WorkloadEntrySpec;
import dev.vmesh.api.WorkloadGroupSpec;
import dev.vmesh.api.codec.MeshConfigCodec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OnboardingTest {
  static final ReadinessProbe PROBE = new ReadinessProbe(0, 0, 5, 0, 0,
      new ReadinessProbe.HttpGet("/", 9090, "", "", List.of()), null, null, null);

  static Resource group(Map<String, Integer> ports, Map<String, String> templateLabels) {
    return Resource.of(ObjectMeta.of("bar", "foo"), new WorkloadGroupSpec(
        new WorkloadGroupSpec.Metadata(Map.of("app", "foo", "team", "a"), Map.of()),
        new WorkloadEntrySpec("", ports, templateLabels, "nw1", "", 0, "sa1"), PROBE));
  }

  static Onboarding.Options options(boolean auto, String internal, String external) {
    return new Onboarding.Options(List.of("vmesh.example.com:15012"), auto, true, internal, external, "Kubernetes",
        "cluster.local", "cluster.local");
  }

  @Test
  void istioKeysAndValuesForAGroupWithoutPorts() {
    var files = Onboarding.build(group(Map.of(), Map.of()), options(false, "10.10.10.10", ""));
    assertThat(files.clusterEnv()).containsAllEntriesOf(Map.ofEntries(
        Map.entry("ISTIO_INBOUND_PORTS", "*"),
        Map.entry("ISTIO_LOCAL_EXCLUDE_PORTS", "22,15090,15021,15020"),
        Map.entry("ISTIO_SERVICE", "foo.bar"),
        Map.entry("ISTIO_NAMESPACE", "bar"),
        Map.entry("ISTIO_SERVICE_CIDR", "*"),
        Map.entry("CANONICAL_SERVICE", "foo"),
        Map.entry("CANONICAL_REVISION", "latest"),
        Map.entry("ISTIO_META_CLUSTER_ID", "Kubernetes"),
        Map.entry("ISTIO_META_DNS_CAPTURE", "true"),
        Map.entry("ISTIO_META_NETWORK", "nw1"),
        Map.entry("ISTIO_META_WORKLOAD_NAME", "foo"),
        Map.entry("ISTIO_SVC_IP", "10.10.10.10"),
        Map.entry("POD_NAMESPACE", "bar"),
        Map.entry("SERVICE_ACCOUNT", "sa1"),
        Map.entry("TRUST_DOMAIN", "cluster.local")));
    assertThat(files.clusterEnv()).doesNotContainKeys("ISTIO_META_AUTO_REGISTER_GROUP", "ISTIO_META_POD_PORTS",
        "REWRITE_PROBE_LEGACY_LOCALHOST_DESTINATION");
    assertThat(files.clusterEnv().get("ISTIO_METAJSON_LABELS")).isEqualTo("{\"app\":\"foo\","
        + "\"service.istio.io/canonical-name\":\"foo\",\"service.istio.io/canonical-revision\":\"latest\","
        + "\"team\":\"a\"}");
    // mesh.yaml carries the same metadata (not the capture-only keys), the discovery address and the probe.
    assertThat(files.meshConfig().proxyMetadata()).doesNotContainKeys("ISTIO_INBOUND_PORTS", "ISTIO_SVC_IP");
    assertThat(files.meshConfig().proxyMetadata()).containsEntry("ISTIO_META_WORKLOAD_NAME", "foo");
    assertThat(files.meshConfig().readinessProbe()).isEqualTo(PROBE);
    assertThat(files.meshConfig().discoveryAddresses()).containsExactly("vmesh.example.com:15012");
  }

  @Test
  void portsTemplateLabelsAutoRegistrationAndExternalIp() {
    var files = Onboarding.build(group(Map.of("http", 9090, "grpc", 7070), Map.of("app", "web", "version", "v2")),
        options(true, "", "203.0.113.7"));
    var env = files.clusterEnv();
    assertThat(env).containsEntry("ISTIO_INBOUND_PORTS", "7070,9090")
        .containsEntry("ISTIO_META_POD_PORTS", "[{\"name\":\"grpc\",\"containerPort\":7070},"
            + "{\"name\":\"http\",\"containerPort\":9090}]")
        .containsEntry("ISTIO_META_AUTO_REGISTER_GROUP", "foo")
        .containsEntry("CANONICAL_SERVICE", "web")
        .containsEntry("CANONICAL_REVISION", "v2")
        .containsEntry("ISTIO_SVC_IP", "203.0.113.7")
        .containsEntry("REWRITE_PROBE_LEGACY_LOCALHOST_DESTINATION", "true");
    assertThat(env.get("ISTIO_METAJSON_LABELS")).contains("\"app\":\"web\"", "\"team\":\"a\"", "\"version\":\"v2\"");
  }

  @Test
  void internalAndExternalIpAreExclusive() {
    assertThatThrownBy(() -> options(false, "10.0.0.1", "203.0.113.7"))
        .hasMessageContaining("mutually exclusive");
  }

  @Test
  void meshYamlRoundTripsThroughTheCodec() {
    var files = Onboarding.build(group(Map.of("http", 9090), Map.of()), options(true, "", ""));
    String yaml = MeshConfigCodec.yaml(files.meshConfig());
    var decoded = MeshConfigCodec.decode("mesh.yaml", yaml);
    assertThat(decoded.problems()).isEmpty();
    assertThat(decoded.config()).isEqualTo(files.meshConfig());
  }
}
