package dev.vmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vmesh validate} checks Sidecars: Istio's documented example passes; an unsupported field and a malformed
 * host exit 1 with file, line, column, field and the fix; a second namespace default is a warning naming the one
 * that applies.
 */
class ValidateChecksSidecarsTest {
  @TempDir
  Path dir;

  @Test
  void istiosExampleIsValidAndAShadowedDefaultIsAWarning() throws IOException {
    Files.writeString(dir.resolve("sidecars.yaml"), """
        apiVersion: networking.istio.io/v1beta1
        kind: Sidecar
        metadata: {name: default, namespace: prod-us1}
        spec:
          egress:
          - hosts:
            - "prod-us1/*"
            - "prod-apis/*"
            - "istio-system/*"
        ---
        apiVersion: networking.istio.io/v1
        kind: Sidecar
        metadata: {name: zz-second, namespace: prod-us1}
        spec:
          outboundTrafficPolicy: {mode: REGISTRY_ONLY}
        """);
    Cli r = Cli.run("validate", "-f", dir.toString());
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains("2 object(s) checked: 2 valid, 0 invalid, 1 warning(s)");
    assertThat(r.out()).as(r.err()).contains("sidecars.yaml:13:").contains("metadata.name: namespace prod-us1 already has a"
        + " Sidecar without workloadSelector (default); only the oldest applies");
  }

  @Test
  void ingressAndAShortHostExitOneWithWhereAndWhatToDo() throws IOException {
    Path bad = dir.resolve("bad.yaml");
    Files.writeString(bad, """
        apiVersion: networking.istio.io/v1
        kind: Sidecar
        metadata: {name: web, namespace: ns1}
        spec:
          ingress:
          - {port: {number: 9080, protocol: HTTP, name: http}, defaultEndpoint: "127.0.0.1:8080"}
          egress:
          - hosts: ["ns2/reviews"]
        """);
    Cli r = Cli.run("validate", "-f", bad.toString());
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains(bad + ":5:3: spec.ingress: ingress is not supported by vmesh yet");
    Files.writeString(bad, Files.readString(bad).replace("  ingress:\n  - {port: {number: 9080, protocol: HTTP,"
        + " name: http}, defaultEndpoint: \"127.0.0.1:8080\"}\n", ""));
    r = Cli.run("validate", "-f", bad.toString());
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains(bad + ":6:13: spec.egress[0].hosts[0]: invalid host \"ns2/reviews\": short names"
        + " are not allowed; use a fully qualified name such as reviews.example.com, or *");
  }
}
