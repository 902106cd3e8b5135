package dev.vmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ValidateCommandExitCodesTest {
  @TempDir
  Path dir;

  @Test
  void theExampleMeshIsValid() {
    Cli r = Cli.run("validate", "-f", "../examples/mesh");
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains("5 object(s) checked: 5 valid, 0 invalid, 0 warning(s)");
  }

  @Test
  void invalidObjectsExitOneWithFileLineColumnAndPath() throws IOException {
    Files.writeString(dir.resolve("bad.yaml"), """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: s}
        spec:
          hosts: [a.example.com]
          addresses: [10.0.0.1]
          ports:
          - {number: 80, name: http}
          - {number: 70000, name: big}
        ---
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: w}
        spec: {network: nw1}
        """);
    Cli r = Cli.run("validate", "-f", dir.toString());
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains(dir.resolve("bad.yaml") + ":9:14: spec.ports[1].number: 70000 is not in 1..65535");
    assertThat(r.out()).contains(dir.resolve("bad.yaml") + ":14:7: warning: spec.address: address is unset with network");
  }

  @Test
  void warningsAloneExitZero() throws IOException {
    Files.writeString(dir.resolve("warn.yaml"), """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: s}
        spec:
          hosts: [a.example.com]
          ports: [{number: 3306, name: tcp, protocol: TCP}]
        """);
    Cli r = Cli.run("validate", "-f", dir.resolve("warn.yaml").toString());
    assertThat(r.exit()).isZero();
    assertThat(r.out()).contains("warning: spec.ports[0].protocol: addresses are required").contains("1 warning(s)");
  }

  @Test
  void unreadableInputExitsTwo() {
    Cli r = Cli.run("validate", "-f", dir.resolve("missing.yaml").toString());
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("missing.yaml: no such file or directory");
  }

  @Test
  void jsonOutputForMachines() throws IOException {
    Files.writeString(dir.resolve("we.yaml"), """
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: w, namespace: ns}
        spec: {address: '10.0.0.1', bogus: 1}
        """);
    Cli r = Cli.run("validate", "-o", "json", "-f", dir.toString());
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.out()).contains("\"valid\" : false").contains("\"severity\" : \"ERROR\"")
        .contains("\"path\" : \"spec.bogus\"").contains("\"line\" : 4").contains("\"column\" : 29");
  }

  @Test
  void missingFlagIsAUsageError() {
    Cli r = Cli.run("validate");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("Missing required option: '--filename=PATH'");
  }
}
