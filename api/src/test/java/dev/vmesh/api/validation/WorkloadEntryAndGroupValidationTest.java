package dev.vmesh.api.validation;

import static dev.vmesh.api.validation.Check.errors;
import static dev.vmesh.api.validation.Check.warnings;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.api.ReadinessProbe;
import dev.vmesh.api.WorkloadGroupSpec;
import dev.vmesh.api.codec.ResourceDecoder;
import org.junit.jupiter.api.Test;

class WorkloadEntryAndGroupValidationTest {

  @Test
  void workloadEntryAddressRules() {
    assertThat(errors("WorkloadEntry", "metadata: {name: a}\nspec: {address: 10.0.0.1}")).isEmpty();
    assertThat(errors("WorkloadEntry", "metadata: {name: a}\nspec: {address: vm.example.com}")).isEmpty();
    assertThat(errors("WorkloadEntry", "metadata: {name: a}\nspec: {address: '::1'}")).isEmpty();
    assertThat(errors("WorkloadEntry", "metadata: {name: a}\nspec: {labels: {app: a}}"))
        .containsExactly("spec.address: address is required (an IP, a hostname or unix:///path); it may be empty "
            + "only when network is set");
    assertThat(warnings("WorkloadEntry", "metadata: {name: a}\nspec: {network: nw2}")).containsExactly(
        "warning: spec.address: address is unset with network \"nw2\": the workload is reached through that "
            + "network's gateway");
    assertThat(errors("WorkloadEntry", "metadata: {name: a}\nspec: {address: 'unix:///s.sock', ports: {http: 80}}"))
        .containsExactly("spec.ports: unix endpoint unix:///s.sock must not include ports");
    assertThat(errors("WorkloadEntry", "metadata: {name: a}\nspec: {address: 'bad..name'}"))
        .singleElement().asString().startsWith("spec.address: endpoint address \"bad..name\" is not a valid FQDN");
  }

  @Test
  void standaloneWorkloadEntryPortsAreNotCheckedAgainstServices() {
    assertThat(errors("WorkloadEntry", "metadata: {name: a}\nspec: {address: 1.1.1.1, ports: {anything: 80}}"))
        .isEmpty();
    assertThat(errors("WorkloadEntry", "metadata: {name: a}\nspec: {address: 1.1.1.1, ports: {Bad_Name: 80}}"))
        .containsExactly("spec.ports.Bad_Name: port name \"Bad_Name\" must be a DNS label (letters, digits, '-')");
  }

  @Test
  void workloadGroupNeedsTemplateAndValidLabels() {
    assertThat(errors("WorkloadGroup", "metadata: {name: g}\nspec: {}")).containsExactly(
        "spec.template: template is required (it may be empty: template: {})");
    assertThat(errors("WorkloadGroup", """
        metadata: {name: g}
        spec:
          metadata: {labels: {'-bad': x}}
          template: {serviceAccount: sa}
        """)).singleElement().asString().startsWith("spec.metadata.labels[-bad]: invalid label key");
  }

  @Test
  void templateAddressIsIgnoredWithAWarning() {
    assertThat(warnings("WorkloadGroup", "metadata: {name: g}\nspec: {template: {address: 10.0.0.1}}"))
        .containsExactly("warning: spec.template.address: address is ignored: each registered WorkloadEntry gets "
            + "the address of its VM");
  }

  @Test
  void probeRules() {
    assertThat(errors("WorkloadGroup", """
        metadata: {name: g}
        spec:
          template: {}
          probe: {periodSeconds: -1}
        """)).containsExactly("spec.probe.periodSeconds: -1 must be 0 or more",
            "spec.probe: unknown health check method: set one of httpGet, tcpSocket, exec or grpc");
    assertThat(errors("WorkloadGroup", """
        metadata: {name: g}
        spec:
          template: {}
          probe:
            httpGet: {path: /ready, scheme: FTP, httpHeaders: [{name: 'X_Bad', value: v}]}
        """)).containsExactly("spec.probe.httpGet.port: port is required (1..65535)",
            "spec.probe.httpGet.scheme: scheme \"FTP\" must be HTTP or HTTPS",
            "spec.probe.httpGet.httpHeaders[0].name: header name \"X_Bad\" must be letters, digits and '-'");
    assertThat(errors("WorkloadGroup", """
        metadata: {name: g}
        spec:
          template: {}
          probe: {exec: {command: []}}
        """)).containsExactly("spec.probe.exec.command: command is required for an exec check");
    assertThat(errors("WorkloadGroup", """
        metadata: {name: g}
        spec:
          template: {}
          probe: {tcpSocket: {port: 22}, exec: {command: [/bin/true]}}
        """)).containsExactly("spec.probe: set only one of httpGet, tcpSocket, exec and grpc");
  }

  /** Decision (docs/compatibility.md): grpc probes are valid in vmesh, with a portability warning. */
  @Test
  void grpcProbeIsAcceptedWithAPortabilityWarning() {
    String body = """
        metadata: {name: g}
        spec:
          template: {}
          probe: {grpc: {port: 9090, service: health}}
        """;
    assertThat(errors("WorkloadGroup", body)).isEmpty();
    assertThat(warnings("WorkloadGroup", body)).singleElement().asString()
        .contains("Istio's validation rejects them");
  }

  /** Decision (docs/compatibility.md): an unset failureThreshold means 3, as documented, not istio-agent's 1. */
  @Test
  void unsetFailureThresholdMeansThree() {
    var r = ResourceDecoder.decodeOne("g.yaml", """
        apiVersion: networking.istio.io/v1
        kind: WorkloadGroup
        metadata: {name: g}
        spec:
          template: {}
          probe: {tcpSocket: {port: 22}}
        """);
    ReadinessProbe p = r.spec(WorkloadGroupSpec.class).probe();
    assertThat(p.effectiveFailureThreshold()).isEqualTo(3);
    assertThat(p.effectiveSuccessThreshold()).isEqualTo(1);
    assertThat(p.effectivePeriodSeconds()).isEqualTo(10);
    assertThat(p.effectiveTimeoutSeconds()).isEqualTo(1);
  }

  @Test
  void validationProblemsPointAtTheirLine() {
    var decoded = ResourceDecoder.decode("se.yaml", """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: se}
        spec:
          hosts: [a.example.com]
          addresses: [10.0.0.1]
          ports:
          - number: 80
            name: http
          - number: 80
            name: http2
        """).decoded().get(0);
    assertThat(new Validator().validate(decoded)).extracting(Object::toString)
        .containsExactly("se.yaml:10:13: spec.ports[1].number: port 80 already defined at spec.ports[0]");
  }
}
