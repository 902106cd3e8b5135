package dev.vmesh.api.validation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.api.Kind;
import dev.vmesh.api.Resource;
import dev.vmesh.api.SidecarSpec;
import dev.vmesh.api.codec.ResourceDecoder;
import dev.vmesh.api.codec.ResourceWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Sidecar validation follows Istio's webhook (the rules of {@code ValidateSidecar}, written again here), every
 * problem points at its file, line and column, and the fields vmesh does not implement are refused by name.
 */
class SidecarIsValidatedAsIstioDoesTest {
  private static final String HEAD = "apiVersion: networking.istio.io/v1\nkind: Sidecar\n"
      + "metadata: {name: sc, namespace: ns1}\n";

  private static List<String> problems(String spec) {
    return Problems.of("sc.yaml", HEAD, spec);
  }

  @Test
  void istiosDocumentedExamplesAreValidInEveryServedVersion() {
    String spec = """
        workloadSelector:
          labels: {app: ratings}
        egress:
        - port: {number: 9080, protocol: HTTP, name: egresshttp}
          hosts: ["prod-us1/*"]
        - hosts: ["istio-system/*", "./*", "~/*", "*/*.example.com", "*/api.example.com"]
        outboundTrafficPolicy: {mode: REGISTRY_ONLY}
        """;
    assertThat(problems(spec)).isEmpty();
    for (String version : Kind.SIDECAR.versions()) {
      var decoded = ResourceDecoder.decode("sc.yaml", HEAD.replace("/v1\n", "/" + version + "\n") + "spec:\n"
          + spec.indent(2));
      assertThat(decoded.problems()).isEmpty();
      Resource r = decoded.resources().get(0);
      assertThat(r.kind()).isEqualTo(Kind.SIDECAR);
      SidecarSpec s = r.spec(SidecarSpec.class);
      assertThat(s.egress()).hasSize(2);
      assertThat(s.egress().get(0).port().number()).isEqualTo(9080);
      assertThat(s.egress().get(1).port()).isNull();
      assertThat(s.outboundTrafficPolicy().effectiveMode()).isEqualTo(SidecarSpec.OutboundMode.REGISTRY_ONLY);
    }
    assertThat(problems("egress: [{hosts: [\"./*\"]}]")).isEmpty();
    assertThat(problems("outboundTrafficPolicy: {mode: ALLOW_ANY}")).isEmpty();
  }

  @Test
  void itSurvivesAYamlAndJsonRoundTrip() {
    Resource r = ResourceDecoder.decodeOne("sc.yaml", HEAD + """
        spec:
          workloadSelector: {labels: {app: a}}
          egress:
          - port: {number: 9080, protocol: HTTP, name: http}
            hosts: ["./*"]
          - hosts: ["*/*"]
          outboundTrafficPolicy: {}
        """);
    assertThat(ResourceDecoder.decodeOne("again.yaml", ResourceWriter.yaml(r))).isEqualTo(r);
    assertThat(ResourceDecoder.decodeOne("again.json", ResourceWriter.json(r, false))).isEqualTo(r);
    assertThat(r.spec(SidecarSpec.class).outboundTrafficPolicy().mode()).isNull();
  }

  @Test
  void anEmptySidecarIsRefused() {
    assertThat(problems("{}")).containsExactly("sc.yaml:5:3: spec: a Sidecar needs egress or"
        + " outboundTrafficPolicy (Istio refuses an empty one), e.g. egress: [{hosts: [\"./*\", \"istio-system/*\"]}]");
  }

  @Test
  void aSelectorWithoutLabelsIsAWarningAndBadLabelsAreErrors() {
    assertThat(problems("workloadSelector: {}\negress: [{hosts: [\"./*\"]}]")).singleElement().asString()
        .startsWith("sc.yaml:5:21: warning: spec.workloadSelector: workload selector specified without labels");
    assertThat(problems("workloadSelector: {labels: {app: \"a*\"}}\negress: [{hosts: [\"./*\"]}]"))
        .singleElement().asString().contains("spec.workloadSelector.labels.app: wildcard is not allowed");
  }

  @Test
  void hostsMustBeNamespaceSlashDnsName() {
    assertThat(problems("egress: [{hosts: [\"foo.example.com\"]}]")).singleElement().asString()
        .contains("spec.egress[0].hosts[0]: invalid host \"foo.example.com\": a Sidecar host must be"
            + " namespace/dnsName, e.g. \"*/foo.example.com\"");
    assertThat(problems("egress: [{hosts: [\"/*\"]}]")).singleElement().asString()
        .contains("cannot be empty");
    assertThat(problems("egress: [{hosts: [\"Bad_Ns/*\"]}]")).singleElement().asString()
        .contains("invalid namespace \"Bad_Ns\"");
    assertThat(problems("egress: [{hosts: [\"ns/foo\"]}]")).singleElement().asString()
        .contains("short names are not allowed");
    assertThat(problems("egress: [{hosts: [\"ns/foo*.example.com\"]}]")).singleElement().asString()
        .contains("a wildcard must be a whole first label");
    assertThat(problems("egress: [{hosts: []}]")).singleElement().asString()
        .contains("spec.egress[0].hosts: an egress listener needs at least one host");
  }

  @Test
  void duplicatedHostsAndStarSlashStarWithOthersAreWarnings() {
    assertThat(problems("egress: [{hosts: [\"ns1/*\", \"./a.example.com\"]}]")).singleElement().asString()
        .contains("warning: spec.egress[0].hosts[1]: duplicated egress host: ./a.example.com");
    assertThat(problems("egress: [{hosts: [\"*/*\", \"ns2/*\"]}]")).singleElement().asString()
        .contains("warning: spec.egress[0].hosts: \"*/*\" selects every service");
  }

  @Test
  void theCatchAllListenerComesLastAndPortsAreUniqueAndValid() {
    assertThat(problems("egress: [{hosts: [\"./*\"]}, {port: {number: 80}, hosts: [\"./*\"]}]"))
        .singleElement().asString().contains("spec.egress[0]: the egress listener without port (the catch-all)"
            + " must be the last one");
    assertThat(problems("egress: [{port: {number: 80}, hosts: [\"./*\"]}, {port: {number: 80}, hosts: [\"*/*\"]}]"))
        .singleElement().asString().contains("spec.egress[1].port.number: port 80 is already used");
    assertThat(problems("egress: [{port: {number: 80, name: \"Bad Name\", protocol: SMTP}, hosts: [\"./*\"]}]"))
        .hasSize(2).anySatisfy(p -> assertThat(p).contains("spec.egress[0].port.name: invalid port name"))
        .anySatisfy(p -> assertThat(p).contains("spec.egress[0].port.protocol: unrecognized protocol \"SMTP\""));
    assertThat(problems("egress: [{port: {name: http}, hosts: [\"./*\"]}]")).singleElement().asString()
        .contains("spec.egress[0].port.number: number is required (1..65535)");
    assertThat(problems("egress: [{port: {number: 70000}, hosts: [\"./*\"]}]")).singleElement().asString()
        .contains("spec.egress[0].port.number");
  }

  @Test
  void anOutboundPolicyWithoutModeMeansRegistryOnlyAndSaysSo() {
    assertThat(problems("outboundTrafficPolicy: {}")).singleElement().asString()
        .contains("warning: spec.outboundTrafficPolicy: outboundTrafficPolicy without mode means REGISTRY_ONLY");
    assertThat(problems("outboundTrafficPolicy: {mode: ALLOW_ALL}")).singleElement().asString()
        .contains("\"ALLOW_ALL\" is not one of REGISTRY_ONLY, ALLOW_ANY");
  }

  @Test
  void fieldsVmeshDoesNotImplementAreRefusedByNameWithWhatToDo() {
    assertThat(problems("""
        ingress:
        - port: {number: 9080, protocol: HTTP, name: http}
          defaultEndpoint: 127.0.0.1:8080
        egress: [{hosts: ["./*"]}]
        """)).singleElement().asString().startsWith("sc.yaml:5:3: spec.ingress: ingress is not supported by vmesh"
            + " yet").endsWith("remove ingress");
    assertThat(problems("inboundConnectionPool: {tcp: {maxConnections: 10}}\negress: [{hosts: [\"./*\"]}]"))
        .singleElement().asString().contains("spec.inboundConnectionPool: inboundConnectionPool is not supported");
    assertThat(problems("egress: [{bind: 127.0.0.2, port: {number: 80}, hosts: [\"./*\"]}]"))
        .singleElement().asString().contains("spec.egress[0].bind: bind is not supported by vmesh yet");
    assertThat(problems("egress: [{captureMode: NONE, hosts: [\"./*\"]}]"))
        .singleElement().asString().contains("spec.egress[0].captureMode: captureMode NONE is not supported");
    assertThat(problems("egress: [{captureMode: DEFAULT, hosts: [\"./*\"]}]")).isEmpty();
    assertThat(problems("outboundTrafficPolicy: {mode: ALLOW_ANY, egressProxy: {host: proxy.example.com}}"))
        .singleElement().asString().contains("spec.outboundTrafficPolicy.egressProxy: egressProxy is not supported");
    assertThat(problems("egress: [{port: {number: 80, targetPort: 8080}, hosts: [\"./*\"]}]"))
        .singleElement().asString().contains("targetPort has no effect on a Sidecar");
    assertThat(problems("egress: [{hostz: [\"./*\"]}]")).first().asString()
        .contains("unknown field \"hostz\" in an egress listener (did you mean \"hosts\"?)");
  }
}
