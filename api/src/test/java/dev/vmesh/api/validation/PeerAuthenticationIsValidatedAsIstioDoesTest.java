package dev.vmesh.api.validation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.api.MtlsMode;
import dev.vmesh.api.PeerAuthenticationSpec;
import dev.vmesh.api.Problem;
import dev.vmesh.api.Resource;
import dev.vmesh.api.WorkloadSelector;
import dev.vmesh.api.codec.ResourceDecoder;
import dev.vmesh.api.codec.ResourceWriter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * PeerAuthentication validation follows Istio's CRD schema and webhook (the cases of Istio's
 * {@code peerauth-valid.yaml} and {@code peerauth-invalid.yaml}, written again here), and every problem
 * points at its file, line and column.
 */
class PeerAuthenticationIsValidatedAsIstioDoesTest {

  /** Decoding and validation problems of one PeerAuthentication with {@code spec}, as printed. */
  private static List<String> problems(String spec) {
    String yaml = "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: pa, namespace: ns1}\n"
        + "spec:\n" + spec.indent(2);
    var decoded = ResourceDecoder.decode("pa.yaml", yaml);
    if (decoded.hasErrors()) {
      return decoded.problems().stream().map(Problem::toString).toList();
    }
    return new Validator().validate(decoded.decoded().get(0)).stream().map(Problem::toString).toList();
  }

  @Test
  void istiosValidExamplesAreValid() {
    assertThat(problems("""
        selector:
          matchLabels: {foo: bar}
        mtls: {mode: PERMISSIVE}
        portLevelMtls:
          "80": {mode: STRICT}
        """)).isEmpty();
    assertThat(problems("mtls: {mode: UNSET}")).isEmpty();
    assertThat(problems("{}")).isEmpty();
  }

  @Test
  void anEmptySelectorIsOnlyAWarning() {
    assertThat(problems("selector: {}")).containsExactly("pa.yaml:5:13: warning: spec.selector: workload selector"
        + " specified without labels: it selects every workload in the namespace");
  }

  @Test
  void anUnknownModeIsAnErrorListingTheModes() {
    assertThat(problems("mtls: {mode: BLAH}")).containsExactly(
        "pa.yaml:5:16: spec.mtls.mode: \"BLAH\" is not one of UNSET, DISABLE, PERMISSIVE, STRICT");
  }

  @Test
  void portKeysMustBePortNumbers() {
    assertThat(problems("""
        selector: {matchLabels: {foo: bar}}
        portLevelMtls:
          "acd": {mode: STRICT}
          "0": {mode: STRICT}
          "42949672": {mode: STRICT}
        """)).containsExactly(
        "pa.yaml:7:5: spec.portLevelMtls.acd: \"acd\" is not a port number; portLevelMtls keys are the workload's"
            + " ports, e.g. \"8080\": {mode: STRICT}",
        "pa.yaml:9:5: spec.portLevelMtls[42949672]: 42949672 is not in 1..65535");
    assertThat(problems("""
        selector: {matchLabels: {foo: bar}}
        portLevelMtls:
          0: {mode: STRICT}
        """)).containsExactly("pa.yaml:7:5: spec.portLevelMtls[0]: 0 is not in 1..65535");
  }

  @Test
  void portLevelMtlsNeedsAWorkloadSelectorAndAtLeastOnePort() {
    assertThat(problems("""
        portLevelMtls:
          "80": {mode: STRICT}
        """)).containsExactly("pa.yaml:6:5: spec.portLevelMtls: a mesh-wide or namespace-wide PeerAuthentication"
        + " cannot have portLevelMtls: name the workloads in selector.matchLabels, or remove portLevelMtls");
    assertThat(problems("""
        selector: {}
        portLevelMtls:
          "80": {mode: STRICT}
        """)).first().asString().contains("spec.portLevelMtls: a mesh-wide or namespace-wide");
    assertThat(problems("""
        selector: {matchLabels: {foo: bar}}
        portLevelMtls: {}
        """)).containsExactly("pa.yaml:6:18: spec.portLevelMtls: portLevelMtls needs at least one port when present;"
        + " remove it or add a port");
  }

  @Test
  void selectorLabelsFollowIstiosSelectorRules() {
    assertThat(problems("""
        selector:
          matchLabels: {"app*": x, ver: "v*", "": y}
        """)).containsExactlyInAnyOrder(
        "pa.yaml:6:19: spec.selector.matchLabels[app*]: wildcard is not allowed in a workload selector key",
        "pa.yaml:6:30: spec.selector.matchLabels.ver: wildcard is not allowed in a workload selector value",
        "pa.yaml:6:18: spec.selector.matchLabels: empty key is not allowed in a workload selector");
  }

  @Test
  void unknownFieldsAreErrors() {
    assertThat(problems("mtls: {mode: STRICT, strict: true}")).singleElement().asString()
        .startsWith("pa.yaml:5:24: spec.mtls.strict: unknown field \"strict\" in an mTLS setting");
  }

  @Test
  void writtenAndReadBackItIsTheSameObject() {
    var decoded = ResourceDecoder.decode("pa.yaml", """
        apiVersion: security.istio.io/v1beta1
        kind: PeerAuthentication
        metadata: {name: web, namespace: ns1}
        spec:
          selector: {matchLabels: {app: web}}
          mtls: {}
          portLevelMtls:
            "8080": {mode: DISABLE}
            "9090": {}
        """);
    assertThat(decoded.problems()).isEmpty();
    Resource r = decoded.resources().get(0);
    assertThat(r.spec()).isEqualTo(new PeerAuthenticationSpec(new WorkloadSelector(Map.of("app", "web")),
        MtlsMode.UNSET, Map.of(8080, MtlsMode.DISABLE, 9090, MtlsMode.UNSET)));
    assertThat(ResourceDecoder.decodeOne("rt.yaml", ResourceWriter.yaml(r))).isEqualTo(r);
    assertThat(ResourceDecoder.decodeOne("rt.json", ResourceWriter.json(r, false))).isEqualTo(r);
    assertThat(ResourceWriter.yaml(r)).contains("apiVersion: security.istio.io/v1beta1", "'8080':", "mode: DISABLE");
  }
}
