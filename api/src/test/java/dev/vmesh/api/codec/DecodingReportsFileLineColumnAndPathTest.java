package dev.vmesh.api.codec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.api.Problem;
import dev.vmesh.api.ServiceEntrySpec;
import dev.vmesh.api.ServicePort;
import java.util.List;
import org.junit.jupiter.api.Test;

class DecodingReportsFileLineColumnAndPathTest {

  private static List<String> messages(ResourceDecoder.Result r) {
    return r.problems().stream().map(Problem::toString).toList();
  }

  @Test
  void unknownFieldNamesFileLineColumnPathAndSuggestion() {
    var r = ResourceDecoder.decode("se.yaml", """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata:
          name: a
        spec:
          hosts: [a.example.com]
          ports:
          - number: 80
            name: http
          - number: 81
            name: tcp
            protocl: TCP
        """);
    assertThat(r.decoded()).isEmpty();
    assertThat(messages(r)).singleElement().asString()
        .startsWith("se.yaml:12:5: spec.ports[1].protocl: unknown field \"protocl\" in a port (did you mean \"protocol\"?)");
  }

  @Test
  void portOutOfRangeIsReportedAtTheValue() {
    var r = ResourceDecoder.decode("se.yaml", """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: a}
        spec:
          hosts: [a.example.com]
          ports:
          - {number: 80, name: http}
          - {number: 70000, name: tcp}
        """);
    assertThat(messages(r)).containsExactly("se.yaml:8:14: spec.ports[1].number: 70000 is not in 1..65535");
  }

  @Test
  void quotedNumberAndUnquotedNumberInStringFieldGetFixHints() {
    var r = ResourceDecoder.decode("we.yaml", """
        apiVersion: networking.istio.io/v1beta1
        kind: WorkloadEntry
        metadata:
          name: vm1
          labels:
            version: 1.0
        spec:
          address: 10.0.0.1
          weight: "5"
        """);
    assertThat(messages(r)).containsExactly(
        "we.yaml:6:14: metadata.labels.version: expected a string, got a number (1.0); quote it: \"1.0\"",
        "we.yaml:9:11: spec.weight: expected an integer, got a string (\"5\"); write 5 without quotes");
  }

  @Test
  void wrongStructureAndBadEnumAreErrors() {
    var r = ResourceDecoder.decode("se.yaml", """
        apiVersion: networking.istio.io/v1alpha3
        kind: ServiceEntry
        metadata: {name: a}
        spec:
          hosts: a.example.com
          resolution: STATICK
        """);
    assertThat(messages(r)).containsExactly(
        "se.yaml:5:10: spec.hosts: expected a list, got a string",
        "se.yaml:6:15: spec.resolution: \"STATICK\" is not one of NONE, STATIC, DNS, DNS_ROUND_ROBIN, DYNAMIC_DNS");
  }

  @Test
  void otherKindsAreSkippedWithANoticeButTyposInOurGroupAreErrors() {
    var r = ResourceDecoder.decode("mixed.yaml", """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web}
        spec: {replicas: 1}
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: dr}
        spec: {}
        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntri
        metadata: {name: se}
        spec: {}
        ---
        apiVersion: networking.istio.io/v2
        kind: WorkloadEntry
        metadata: {name: we}
        spec: {address: 1.1.1.1}
        """);
    assertThat(r.decoded()).isEmpty();
    assertThat(r.problems()).extracting(Problem::severity).containsExactly(
        Problem.Severity.NOTICE, Problem.Severity.NOTICE, Problem.Severity.ERROR, Problem.Severity.ERROR);
    assertThat(messages(r).get(0)).isEqualTo(
        "mixed.yaml:1:1: notice: skipped Deployment (apps/v1): not one of the Istio kinds vmesh reads");
    assertThat(messages(r).get(2)).contains("mixed.yaml:11:1: kind: unknown kind \"ServiceEntri\"")
        .contains("did you mean \"ServiceEntry\"?");
    assertThat(messages(r).get(3)).contains("apiVersion: \"networking.istio.io/v2\" is not served");
  }

  @Test
  void multiDocumentListAndJsonAllDecode() {
    var yaml = ResourceDecoder.decode("all.yaml", """
        ---
        apiVersion: v1
        kind: List
        items:
        - apiVersion: networking.istio.io/v1
          kind: WorkloadEntry
          metadata: {name: a, namespace: ns1}
          spec: {address: 1.1.1.1}
        - apiVersion: networking.istio.io/v1
          kind: WorkloadEntry
          metadata: {name: b}
          spec: {address: 1.1.1.2}
        ---
        apiVersion: networking.istio.io/v1
        kind: WorkloadGroup
        metadata: {name: g}
        spec: {template: {}}
        ---
        """);
    assertThat(yaml.problems()).isEmpty();
    assertThat(yaml.resources()).extracting(Object::toString)
        .containsExactly("WorkloadEntry ns1/a", "WorkloadEntry default/b", "WorkloadGroup default/g");

    var json = ResourceDecoder.decode("we.json", """
        {"apiVersion": "networking.istio.io/v1", "kind": "WorkloadEntry",
         "metadata": {"name": "a"},
         "spec": {"address": "1.1.1.1", "ports": {"http": "80"}}}
        """);
    assertThat(messages(json)).containsExactly(
        "we.json:3:51: spec.ports.http: expected an integer, got a string (\"80\"); write 80 without quotes");
  }

  @Test
  void duplicateKeysAndSyntaxErrorsArePositioned() {
    var dup = ResourceDecoder.decode("d.yaml", """
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: a}
        spec:
          address: 1.1.1.1
          address: 1.1.1.2
        """);
    assertThat(messages(dup)).singleElement().asString()
        .startsWith("d.yaml:6:3: duplicate key \"address\" (first at 5:3)");

    var syntax = ResourceDecoder.decode("s.yaml", "apiVersion: v1\nkind: [unclosed\n");
    assertThat(syntax.problems()).singleElement().satisfies(p -> {
      assertThat(p.isError()).isTrue();
      assertThat(p.position().isKnown()).isTrue();
      assertThat(p.message()).startsWith("YAML syntax error");
    });

    var json = ResourceDecoder.decode("s.json", "{\"kind\": }");
    assertThat(messages(json)).singleElement().asString().startsWith("s.json:1:");
  }

  @Test
  void anchorsAndMergeKeysWork() {
    var r = ResourceDecoder.decode("m.yaml", """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: a}
        spec:
          hosts: [a.example.com]
          ports:
          - &http {number: 80, name: http, protocol: HTTP}
          - <<: *http
            number: 8080
            name: http-alt
        """);
    assertThat(r.problems()).isEmpty();
    assertThat(r.resources().get(0).spec(ServiceEntrySpec.class).ports()).containsExactly(
        new ServicePort(80, "HTTP", "http", 0), new ServicePort(8080, "HTTP", "http-alt", 0));
  }

  @Test
  void missingSpecAndMetadataAreErrors() {
    var r = ResourceDecoder.decode("x.yaml", """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        """);
    assertThat(messages(r)).containsExactly(
        "x.yaml:1:1: metadata: metadata is missing; every object needs metadata.name",
        "x.yaml:1:1: spec: spec is missing; a ServiceEntry needs a spec");
  }

  @Test
  void recursiveAliasesAndAliasBombsAreRejectedNotHung() {
    var recursive = ResourceDecoder.decode("r.yaml", "a: &x [*x]\n");
    assertThat(recursive.hasErrors()).isTrue();
    StringBuilder bomb = new StringBuilder("a: &a [x,x,x,x,x,x,x,x,x,x]\n");
    for (char c = 'b'; c <= 'z'; c++) {
      char p = (char) (c - 1);
      bomb.append(c).append(": &").append(c).append(" [*").append(p).append(",*").append(p).append(",*")
          .append(p).append(",*").append(p).append("]\n");
    }
    var r = ResourceDecoder.decode("bomb.yaml", bomb.toString());
    assertThat(r.hasErrors()).isTrue();
  }
}
